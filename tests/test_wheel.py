"""The project as someone who never clones it installs it: the wheel, in a fresh virtual environment, run from a
folder outside the checkout. It needs the package registry (torch and the dependencies are installed), so it is
deselected by default and `.ci/run` runs it: `scripts/test -m wheel`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.wheel

REPO = Path(__file__).resolve().parent.parent
TORCH = re.search(r'"(torch==[0-9.]+)"', (REPO / "scripts" / "setup").read_text()).group(1)
"""The torch pin scripts/setup installs first (a CPU build, before anything pulls a CUDA one)."""


def run(command: list, **kwargs) -> None:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=1200, **kwargs)
    assert done.returncode == 0, f"{command[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", dist, REPO])
    [built] = dist.glob("partner_central_agent-*.whl")
    return built


def test_the_wheel_holds_the_data_the_server_reads_and_no_checkout_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "agent/knowledge/funding/programs.json",
        "agent/knowledge/seller/rules.json",
        "agent/knowledge/access/managed-policies.json",
        "agent/trust/static/approve.js",
        "agent/server.py",
    ):
        assert data in names, data
    guides = [name for name in names if name.startswith("agent/knowledge/guide/") and name.endswith(".md")]
    assert len(guides) >= 10
    assert not [name for name in names if name.startswith(("tests/", "benchmarks/", "scripts/"))]


async def test_an_installed_wheel_builds_its_index_and_answers_over_stdio_from_anywhere(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "install", TORCH])
    run([*pip, "install", wheel])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PARTNER_AGENT_DATA_DIR": str(tmp_path / "data")}
    command = venv / "bin" / "partner-agent"
    run([command, "index", "build"], cwd=elsewhere, env=env)

    params = StdioServerParameters(command=str(command), args=["serve"], env=env, cwd=str(elsewhere))
    async with Client(params) as client:
        result = await client.call_tool("search_guidance", {"query": "How do I become PRM ready?"})
        programs = await client.call_tool("list_funding_programs", {})
    assert not result.is_error, result.content[0].text
    passages = result.structured_content["passages"]
    assert passages and all(passage["resource_uri"].startswith("guidance://") for passage in passages)
    assert not programs.is_error and programs.structured_content["programs"]
