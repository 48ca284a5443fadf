"""What a model pays for on every turn: the tool list fits a budget, results carry no nulls or padding, and an
operator can expose only the toolsets a team uses."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from agent.config import Settings, SettingsError, load_settings
from agent.server import build_server
from agent.tools import TOOLSETS

TOOLS_LIST_BUDGET = 40_000
TOOL_BUDGET = 3_000
ALWAYS = {"get_session", "list_sessions", "get_approval", "list_audit_events", "decide_approval"}


def wire_size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


async def test_the_tool_list_fits_its_budget_with_every_tool_enabled(settings: Settings) -> None:
    settings = settings.model_copy(update={"tool_approvals": True})
    async with Client(build_server(settings)) as client:
        tools = (await client.list_tools()).tools
    sizes = {tool.name: wire_size(tool.model_dump(mode="json", by_alias=True, exclude_none=True)) for tool in tools}
    assert sum(sizes.values()) <= TOOLS_LIST_BUDGET, sizes
    assert {name: size for name, size in sizes.items() if size > TOOL_BUDGET} == {}
    schemas = [schema for tool in tools for schema in (tool.input_schema, tool.output_schema) if schema]
    assert not [keyword for schema in schemas for keyword in keywords(schema) if keyword == "title"]
    assert not [keyword for schema in schemas for keyword in keywords(schema) if keyword == "null"]
    assert not [tool.name for tool in tools if "\n " in (tool.description or "")]  # no docstring indentation


def keywords(schema: object, names: bool = False):
    """The keywords used anywhere in ``schema`` (not the member names of ``properties``), and every type named."""
    if isinstance(schema, list):
        for item in schema:
            yield from keywords(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if not names:
                yield key
            if key == "type":
                yield from (value if isinstance(value, list) else [value])
            yield from keywords(value, names=key in ("properties", "$defs"))


async def test_results_are_one_line_of_json_without_null_members(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("get_onboarding_status", {})
    text = result.content[0].text
    assert text == json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
    assert "null" not in json.dumps(result.structured_content)
    # what the published schema promises still holds: the client validated the result against it
    assert result.structured_content["session_id"]


def test_every_tool_is_in_one_toolset_or_always_there(settings: Settings) -> None:
    registered = {
        tool.name
        for tool in build_server(settings.model_copy(update={"tool_approvals": True}))._tool_manager.list_tools()
    }
    listed = [tool for tools in TOOLSETS.values() for tool in tools]
    assert len(listed) == len(set(listed)), "a tool is in two toolsets"
    assert set(listed) | ALWAYS == registered


async def test_a_team_sees_only_the_toolsets_it_chose(settings: Settings) -> None:
    chosen = settings.model_copy(update={"toolsets": ["prm", "guidance"]})
    async with Client(build_server(chosen)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        hidden = await client.call_tool(
            "draft_funding_request", {"opportunity_id": "O4000001", "program": "map-assess"}
        )
    assert names == {
        "check_prm_compliance",
        "search_guidance",
        "get_session",
        "list_sessions",
        "get_approval",
        "list_audit_events",
    }
    assert hidden.is_error and "draft_funding_request" in hidden.content[0].text


def test_an_unknown_toolset_is_named_with_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNER_AGENT_TOOLSETS", "prm, billing")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "PARTNER_AGENT_TOOLSETS" in str(raised.value) and "'billing'" in str(raised.value)
    assert "'funding'" in str(raised.value)


LOCAL_ONLY = {
    "search_guidance",
    "determine_tax_form",
    "seller_compliance_requirements",
    "banking_guidance",
    "esc_catalog_steps",
    "list_funding_programs",
    "get_session",
    "list_sessions",
    "get_approval",
    "list_audit_events",
    "decide_approval",
}
"""Tools that read or write only this server's own data, whichever the backend."""


@pytest.mark.parametrize("backend", ["local", "aws"])
async def test_hints_say_which_tools_reach_the_world_outside(settings: Settings, backend: str) -> None:
    chosen = settings.model_copy(update={"backend": backend, "tool_approvals": True})
    async with Client(build_server(chosen)) as client:
        tools = (await client.list_tools()).tools
    open_world = {tool.name for tool in tools if tool.annotations.open_world_hint is not False}
    reaching_out = {"scan_company_website", "send_email_verification_code"}  # a website, someone's mailbox
    if backend == "local":
        assert open_world == reaching_out
    else:
        assert open_world == {tool.name for tool in tools} - LOCAL_ONLY
