"""Latency of the onboarding tools through a real MCP client over stdio (`partner-agent serve`), warm.

    .venv/bin/python benchmarks/onboarding.py [--calls 100]

Measures get_onboarding_status and check_prm_compliance for the Cirrus sandbox partner, and
scan_company_website against the test site (tests/sites/index.html) served on loopback (allowed through
PARTNER_AGENT_WEBSITE_ALLOW_HOSTS). Prints p50/p95 per tool and saves benchmarks/results/onboarding.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parent.parent


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


async def measure(calls: int, data_dir: str, site: str) -> dict[str, list[float]]:
    env = {
        "PATH": os.environ["PATH"],
        "PARTNER_AGENT_DATA_DIR": data_dir,
        "PARTNER_AGENT_PARTNER_ID": "partner-cirrus0000003",
        "PARTNER_AGENT_INDEX_DIR": str(Path(data_dir) / "no-index"),
        "PARTNER_AGENT_WEBSITE_ALLOW_HOSTS": "127.0.0.1",
    }
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "partner-agent"), args=["serve"], env=env)
    timings: dict[str, list[float]] = {}
    async with Client(params, mode="legacy") as client:
        session = (await client.call_tool("get_onboarding_status", {})).structured_content["session_id"]
        for tool, arguments in (
            ("get_onboarding_status", {}),
            ("check_prm_compliance", {}),
            ("scan_company_website", {"url": site}),
        ):
            for _ in range(calls):
                start = time.perf_counter()
                result = await client.call_tool(tool, {**arguments, "session_id": session})
                timings.setdefault(tool, []).append(time.perf_counter() - start)
                assert not result.is_error, result.content
    return {tool: sorted(values) for tool, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(REPO / "tests" / "sites")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            site = f"http://127.0.0.1:{server.server_address[1]}/index.html"
            timings = anyio.run(measure, args.calls, data_dir, site)
    finally:
        server.shutdown()
    figures: dict[str, object] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "calls": args.calls,
    }
    for tool, values in timings.items():
        p50, p95 = statistics.median(values) * 1000, values[int(0.95 * (len(values) - 1))] * 1000
        print(f"{tool} over MCP stdio, warm: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(values)} calls)")
        figures[f"{tool}_p50_ms"], figures[f"{tool}_p95_ms"] = round(p50, 1), round(p95, 1)
    out = REPO / "benchmarks" / "results" / "onboarding.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"saved {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
