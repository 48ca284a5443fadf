"""What a model pays in context: the size of every tool's definition and of each read tool's default result.

    .venv/bin/python benchmarks/context.py

Starts `partner-agent serve` (stdio, a fresh data folder) as an MCP client does, lists the tools, and calls every
read tool with its default arguments for each sandbox partner. Sizes are characters of the JSON a client receives,
as the SDK sends it (no whitespace between tokens): a tool's definition as in `tools/list`, a result's text content
(what a host gives the model). Prints a table and saves benchmarks/results/context.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parent.parent
PARTNERS = ["partner-nimbus0000001", "partner-stratus000002", "partner-cirrus0000003", "partner-altocloud0004"]
SKIPPED = {"scan_company_website": "fetches a public website (no network here)", "get_approval": "needs an approval"}


def wire_size(value: object) -> int:
    """Characters of ``value`` as JSON on the wire."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def default_arguments(tool: str, opportunity: str | None, fund_request: str | None) -> dict | None:
    """The arguments a model would first call ``tool`` with, or None when the partner has nothing to pass."""
    return {
        "determine_tax_form": {"country": "US", "entity_type": "business"},
        "seller_compliance_requirements": {"seller_country": "US", "bank_country": "US"},
        "banking_guidance": {"bank_country": "US"},
        "get_opportunity": {"opportunity_id": opportunity} if opportunity else None,
        "recommend_funding": {"opportunity_id": opportunity} if opportunity else None,
        "check_opportunity_readiness": {"opportunity_id": opportunity} if opportunity else None,
        "recommend_next_steps": {"opportunity_id": opportunity} if opportunity else None,
        "estimate_funding": {"opportunity_id": opportunity, "program": "map-assess"} if opportunity else None,
        "get_funding_request": {"funding_request_id": fund_request} if fund_request else None,
        "search_guidance": {"query": "How do I become PRM ready?"},
    }.get(tool, {})


async def measure(data_dir: str) -> dict:
    env = {"PATH": os.environ["PATH"], "PARTNER_AGENT_DATA_DIR": data_dir}
    command = str(Path(sys.executable).parent / "partner-agent")
    figures: dict = {"tools": {}, "results": {}}
    for partner in PARTNERS:
        params = StdioServerParameters(
            command=command, args=["serve"], env={**env, "PARTNER_AGENT_PARTNER_ID": partner}
        )
        async with Client(params, mode="legacy") as client:
            tools = (await client.list_tools()).tools
            if not figures["tools"]:
                for tool in tools:
                    definition = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
                    figures["tools"][tool.name] = {
                        "definition": wire_size(definition),
                        "input_schema": wire_size(definition.get("inputSchema", {})),
                        "output_schema": wire_size(definition["outputSchema"]) if "outputSchema" in definition else 0,
                    }
            listed = await client.call_tool("list_opportunities", {})
            opportunity = next(iter(listed.structured_content.get("opportunities", [])), {}).get("Id")
            requests = await client.call_tool("list_funding_requests", {})
            fund_request = next(iter(requests.structured_content.get("funding_requests", [])), {}).get(
                "funding_request_id"
            )
            for tool in tools:
                if tool.annotations is None or not tool.annotations.read_only_hint or tool.name in SKIPPED:
                    continue
                arguments = default_arguments(tool.name, opportunity, fund_request)
                if arguments is None:
                    continue
                result = await client.call_tool(tool.name, arguments)
                text = "".join(getattr(block, "text", "") for block in result.content)
                figures["results"].setdefault(tool.name, {})[partner] = {"chars": len(text), "error": result.is_error}
    figures["tools_list_chars"] = sum(t["definition"] for t in figures["tools"].values())
    return figures


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        figures = anyio.run(measure, data_dir)
    largest_tool = max(figures["tools"].items(), key=lambda item: item[1]["definition"])
    print(
        f"tools/list: {figures['tools_list_chars']:,} characters for {len(figures['tools'])} tools; largest "
        f"{largest_tool[0]} {largest_tool[1]['definition']:,}"
    )
    print(f"{'tool':34} {'definition':>10} {'input':>7} {'output':>7}   default result per partner (chars)")
    for name, sizes in sorted(figures["tools"].items(), key=lambda item: -item[1]["definition"]):
        results = figures["results"].get(name, {})
        shown = "  ".join(
            f"{partner.split('-')[1][:6]} {r['chars']:,}{'!' if r['error'] else ''}" for partner, r in results.items()
        )
        print(
            f"{name:34} {sizes['definition']:>10,} {sizes['input_schema']:>7,} {sizes['output_schema']:>7,}   {shown}"
        )
    largest = max((r["chars"], tool, partner) for tool, per in figures["results"].items() for partner, r in per.items())
    print(f"largest default result: {largest[1]} for {largest[2]}, {largest[0]:,} characters ('!': an error)")
    skipped = "; ".join(f"{tool} ({why})" for tool, why in SKIPPED.items())
    print(f"not called: {skipped}")
    out = REPO / "benchmarks" / "results" / "context.json"
    out.write_text(
        json.dumps({"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **figures}, indent=2) + "\n"
    )
    print(f"saved {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
