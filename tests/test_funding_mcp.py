"""Funding through a real MCP client on the seeded sandbox."""

from __future__ import annotations

import csv
import io

import pytest
from mcp import Client

from agent.config import Settings
from server import build_server
from tests.conftest import SERVICES


async def call(settings: Settings, tool: str, arguments: dict) -> dict:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_fund_requests_with_the_dashboards_filters_and_csv(settings: Settings) -> None:
    every = (await call(settings, "list_funding_requests", {}))["funding_requests"]
    assert {r["funding_request_id"] for r in every} == {"benappl-alto0mdf000001", "benappl-alto0poc000002"}
    poc = (await call(settings, "list_funding_requests", {"opportunity_id": "O4000002"}))["funding_requests"]
    assert [(r["program"], r["status"], r["stage"]) for r in poc] == [("POC", "APPROVED", "Pre-Approved")]
    assert (await call(settings, "list_funding_requests", {"status": "IN_REVIEW", "program": "MDF"}))["funding_requests"]
    assert not (await call(settings, "list_funding_requests", {"fulfillment_type": "CREDITS"}))["funding_requests"]
    exported = await call(settings, "list_funding_requests", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported["csv"])))
    assert {row["funding_request_id"] for row in rows} == {"benappl-alto0mdf000001", "benappl-alto0poc000002"}
    assert rows[0].keys() >= {"stage", "status", "program", "opportunity_id", "budget_year", "requested_amount"}


async def test_get_funding_request_and_isolation(settings: Settings) -> None:
    detail = (await call(settings, "get_funding_request", {"funding_request_id": "benappl-alto0poc000002"}))
    assert detail["funding_request"]["BenefitApplicationDetails"]["OpportunityId"] == "O4000002"
    async with Client(build_server(settings.model_copy(update={"partner_id": SERVICES}))) as client:
        foreign = await client.call_tool("get_funding_request", {"funding_request_id": "benappl-alto0poc000002"})
        assert foreign.is_error and "not found" in foreign.content[0].text
        assert (await client.call_tool("list_funding_requests", {})).structured_content["funding_requests"] == []


@pytest.mark.parametrize("bad", ["benappl-123", "O4000001"])
async def test_malformed_fund_request_ids_are_explained(settings: Settings, bad: str) -> None:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("get_funding_request", {"funding_request_id": bad})
    assert result.is_error and "benappl-" in result.content[0].text
