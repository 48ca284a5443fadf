"""The `partner-agent` command as a person types it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN

CLI = str(VENV_BIN / "partner-agent")


def run(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "PARTNER_AGENT_DATA_DIR": str(data_dir), **env}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=environment, timeout=60)


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["sandbox"], ["sandbox", "list"], ["sandbox", "reset"]], ids=" ".join
)
def test_every_command_has_help(command: list[str], data_dir: Path) -> None:
    result = run(*command, "--help", data_dir=data_dir)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: partner-agent")


def test_sandbox_list_shows_the_seeded_partners(data_dir: Path) -> None:
    result = run("sandbox", "list", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    for partner_id in ("partner-nimbus0000001", "partner-stratus000002", "partner-cirrus0000003", "partner-altocloud0004"):
        assert partner_id in result.stdout
    assert "partner-altocloud0004   AltoCloud Data" in result.stdout
    assert "(default)" in result.stdout


def test_sandbox_reset_needs_confirmation_then_restores_the_seed(data_dir: Path) -> None:
    from agent.backends.local.sandbox import LocalSandbox

    sandbox = LocalSandbox(data_dir / "sandbox.db")
    sandbox.client("partner-altocloud0004").put_profile_visibility("PRIVATE")

    refused = run("sandbox", "reset", data_dir=data_dir)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert sandbox.client("partner-altocloud0004").get_profile_visibility().Visibility == "PRIVATE"

    done = run("sandbox", "reset", "--yes", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert sandbox.client("partner-altocloud0004").get_profile_visibility().Visibility == "PUBLIC"


def test_invalid_settings_stop_the_start_naming_the_setting(data_dir: Path) -> None:
    result = run("serve", data_dir=data_dir, PARTNER_AGENT_BACKEND="dynamo")
    assert result.returncode == 2
    assert "PARTNER_AGENT_BACKEND" in result.stderr and "'local' or 'aws'" in result.stderr
    assert result.stdout == ""


def test_unknown_command_is_a_usage_error(data_dir: Path) -> None:
    result = run("launch", data_dir=data_dir)
    assert result.returncode == 2 and "invalid choice" in result.stderr
