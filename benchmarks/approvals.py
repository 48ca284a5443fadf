"""Round-trip time of an approval-gated write, per approval channel, over stdio (`partner-agent serve`).

    .venv/bin/python benchmarks/approvals.py [--runs 10]

- elicitation: update_profile with a client that shows the form and approves at once;
- page: update_profile returns requires_approval, then the page is opened in headless Chromium and approved with
  a passkey (Chromium's virtual authenticator, enrolled once through the real enrollment page);
- tool: update_profile returns requires_approval, then decide_approval (opt-in setting).

The person's thinking time is not in the figures: they measure what the server and transport add.
Prints medians and saves benchmarks/results/approvals.json.
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
from mcp.types import ElicitResult

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from agent.trust.db import agent_database  # noqa: E402
from agent.trust.passkeys import Passkeys  # noqa: E402
from tests.browser import decide_on_page, enroll_passkey, launch_chromium  # noqa: E402


async def approve(context, params) -> ElicitResult:
    return ElicitResult(action="accept", content={"approve": True})


async def measure(runs: int, data_dir: str) -> dict[str, float]:
    env = {
        "PATH": os.environ["PATH"],
        "PARTNER_AGENT_DATA_DIR": data_dir,
        "PARTNER_AGENT_APPROVAL_PORT": "0",
        "PARTNER_AGENT_TOOL_APPROVALS": "true",
        "PARTNER_AGENT_INDEX_DIR": str(Path(data_dir) / "no-index"),
        "PARTNER_AGENT_USER": "bench",
    }
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "partner-agent"), args=["serve"], env=env)
    figures: dict[str, list[float]] = {"elicitation": [], "page": [], "tool": []}
    visibility = iter(["PRIVATE", "PUBLIC"] * runs * 3)
    async with Client(params, elicitation_callback=approve) as client:
        await client.call_tool("update_profile", {"visibility": next(visibility)})  # first call loads LangGraph
        for _ in range(runs):
            start = time.perf_counter()
            result = (await client.call_tool("update_profile", {"visibility": next(visibility)})).structured_content
            figures["elicitation"].append(time.perf_counter() - start)
            assert result["status"] == "applied", result
    async with Client(params, mode="legacy") as client, launch_chromium() as browser:
        page = await (await browser.new_context()).new_page()
        await enroll_passkey(page, Passkeys(agent_database(Path(data_dir))), "Bench", principal="local:bench")
        for _ in range(runs):
            start = time.perf_counter()
            pending = (await client.call_tool("update_profile", {"visibility": next(visibility)})).structured_content
            outcome = await decide_on_page(page, pending["approval"]["approve_url"])
            figures["page"].append(time.perf_counter() - start)
            assert "The change was applied" in outcome, outcome
            start = time.perf_counter()
            pending = (await client.call_tool("update_profile", {"visibility": next(visibility)})).structured_content
            decided = await client.call_tool(
                "decide_approval",
                {
                    "approval_id": pending["approval"]["approval_id"],
                    "approve": True,
                    "session_id": pending["session_id"],
                },
            )
            figures["tool"].append(time.perf_counter() - start)
            assert decided.structured_content["status"] == "applied"
    return {channel: round(statistics.median(values) * 1000, 1) for channel, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        medians = anyio.run(measure, args.runs, data_dir)
    for channel, ms in medians.items():
        print(f"{channel:<12} median round trip {ms} ms ({args.runs} runs)")
    out = REPO / "benchmarks" / "results" / "approvals.json"
    out.write_text(
        json.dumps(
            {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "runs": args.runs,
                "median_ms": medians,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"saved {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
