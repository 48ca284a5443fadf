"""Latency of `recommend_funding` and of `draft_funding_request` through a real MCP client over stdio
(`partner-agent serve`), warm.

    .venv/bin/python benchmarks/funding.py [--calls 200]

A draft is planned in full each call (the benefit found, its schema read from the cache, the answers coerced and
validated with jsonschema, the rules checked) and waits for approval; its answers differ each call, so no call
is answered from an earlier one. Prints p50/p95 and saves benchmarks/results/funding.json.
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


def recommend(n: int) -> tuple[str, dict]:
    return "recommend_funding", {"opportunity_id": OPPORTUNITIES[n % 4]}


def draft(n: int) -> tuple[str, dict]:
    return "draft_funding_request", {
        "opportunity_id": "O4000001",
        "program": "proof-of-concept",
        "answers": {
            "SuccessCriteria": f"Answers {50 + n % 50}% of clause questions with a correct citation",
            "RequestedAmount": f"{9000 + n:,}.50",
        },
    }


async def measure(calls: int, data_dir: str) -> dict[str, list[float]]:
    env = {
        "PATH": os.environ["PATH"],
        "PARTNER_AGENT_DATA_DIR": data_dir,
        "PARTNER_AGENT_INDEX_DIR": str(Path(data_dir) / "no-index"),
        "PARTNER_AGENT_APPROVAL_PORT": "0",
        "PARTNER_AGENT_MAX_PENDING_APPROVALS": str(calls + 10),
    }
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "partner-agent"), args=["serve"], env=env)
    timings: dict[str, list[float]] = {"recommend_funding": [], "draft_funding_request": []}
    async with Client(params, mode="legacy") as client:
        # the server loads (here: builds) the knowledge index in the background at start: wait for it, so the
        # figures are not the index build's
        await client.call_tool("search_guidance", {"query": "fund request"})
        session = (await client.call_tool("recommend_funding", {"opportunity_id": "O4000001"})).structured_content[
            "session_id"
        ]
        for call, expected in ((recommend, None), (draft, "requires_approval")):
            await client.call_tool(*call(calls))  # warm: the benefit and its schema are cached from here on
            for n in range(calls):
                tool, arguments = call(n)
                start = time.perf_counter()
                result = await client.call_tool(tool, {**arguments, "session_id": session})
                timings[tool].append(time.perf_counter() - start)
                assert not result.is_error, result.content
                assert expected is None or result.structured_content["status"] == expected, result.structured_content
    return {tool: sorted(values) for tool, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        timings = anyio.run(measure, args.calls, data_dir)
    figures: dict[str, object] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "calls": args.calls,
    }
    for tool, values in timings.items():
        p50, p95 = statistics.median(values) * 1000, values[int(0.95 * (len(values) - 1))] * 1000
        print(f"{tool} over MCP stdio, warm: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(values)} calls)")
        figures |= {f"{tool}_p50_ms": round(p50, 1), f"{tool}_p95_ms": round(p95, 1)}
    out = REPO / "benchmarks" / "results" / "funding.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"saved {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
