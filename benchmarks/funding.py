"""Latency of `recommend_funding` through a real MCP client over stdio (`partner-agent serve`), warm.

    .venv/bin/python benchmarks/funding.py [--calls 200]

Prints p50/p95 and saves benchmarks/results/funding.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parent.parent
OPPORTUNITIES = ["O4000001", "O4000002", "O4000003", "O4000004"]


async def measure(calls: int, data_dir: str) -> list[float]:
    env = {"PATH": os.environ["PATH"], "PARTNER_AGENT_DATA_DIR": data_dir,
           "PARTNER_AGENT_INDEX_DIR": str(Path(data_dir) / "no-index")}
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "partner-agent"), args=["serve"], env=env)
    timings = []
    async with Client(params, mode="legacy") as client:
        session = (await client.call_tool("recommend_funding", {"opportunity_id": "O4000001"})).structured_content["session_id"]
        for n in range(calls):
            start = time.perf_counter()
            result = await client.call_tool("recommend_funding", {"opportunity_id": OPPORTUNITIES[n % 4], "session_id": session})
            timings.append(time.perf_counter() - start)
            assert not result.is_error, result.content
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        timings = anyio.run(measure, args.calls, data_dir)
    p50, p95 = statistics.median(timings) * 1000, timings[int(0.95 * (len(timings) - 1))] * 1000
    print(f"recommend_funding over MCP stdio, warm: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(timings)} calls)")
    out = REPO / "benchmarks" / "results" / "funding.json"
    out.write_text(json.dumps({"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "calls": len(timings),
                               "recommend_funding_p50_ms": round(p50, 1), "recommend_funding_p95_ms": round(p95, 1)},
                              indent=2) + "\n")
    print(f"saved {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
