"""Time from launching the server (stdio, as an MCP client does) to its answer to tools/list.

    .venv/bin/python benchmarks/startup.py [--runs 15]

Prints the median and p95 and saves them to benchmarks/results/startup.json. Each run starts a fresh
process with an empty data folder (the sandbox is created lazily, so it should not cost start-up time)
and a knowledge index built once beforehand, which the server starts loading in the background.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
COMMANDS = {
    "partner-agent serve": [str(Path(sys.executable).parent / "partner-agent"), "serve"],
    "scripts/serve (README)": [str(REPO / "scripts" / "serve")],
}


async def one_run(command: list[str], data_dir: str, index_dir: str) -> tuple[float, float]:
    """(seconds to tools/list answered, seconds to the first tool result)."""
    env = {"PARTNER_AGENT_DATA_DIR": data_dir, "PARTNER_AGENT_INDEX_DIR": index_dir, "PATH": os.environ["PATH"]}
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    start = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        await client.list_tools()
        listed = time.perf_counter() - start
        await client.call_tool("get_partner_profile", {})
        first_call = time.perf_counter() - start
    return listed, first_call


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(runs: int, index_dir: str) -> dict:
    results = {}
    for label, command in COMMANDS.items():
        listed, first = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as data_dir:
                a, b = await one_run(command, data_dir, index_dir)
            listed.append(a)
            first.append(b)
        results[label] = {
            "runs": runs,
            "tools_list_median_s": round(statistics.median(listed), 3),
            "tools_list_p95_s": round(percentile(listed, 0.95), 3),
            "first_tool_call_median_s": round(statistics.median(first), 3),
        }
        print(
            f"{label:<24} tools/list median {results[label]['tools_list_median_s']:.3f} s, "
            f"p95 {results[label]['tools_list_p95_s']:.3f} s; first tool result (fresh sandbox) median "
            f"{results[label]['first_tool_call_median_s']:.3f} s"
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from agent.retrieval.index import KnowledgeIndex

    with tempfile.TemporaryDirectory() as index_dir:
        KnowledgeIndex(Path(index_dir)).build()
        figures = anyio.run(main, args.runs, index_dir)
    out = REPO / "benchmarks" / "results" / "startup.json"
    out.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "results": figures,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"saved {out.relative_to(REPO)}")
