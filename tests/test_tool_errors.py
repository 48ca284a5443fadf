"""Every tool answers invalid input with a short error a model can act on: it names the parameter and what is
expected, quotes at most a short excerpt of what was sent, and never leaks library internals or comes back empty."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from typing import Any

import pytest
from mcp import Client

import agent
from agent.config import Settings
from agent.errors import AgentError
from agent.onboarding import seller_guidance
from agent.server import build_server

HUGE = "x" * 100_000
ERROR_LIMIT = 1000
INTERNALS = re.compile(
    r"pydantic|errors\.pydantic\.dev|Traceback|ValidationError|Error executing tool|model_type|"
    r"For further information"
)


def _kinds(schema: dict) -> list[tuple[str, Any]]:
    """Invalid values for a parameter of ``schema``, each named by the mistake it makes."""
    schema = next((branch for branch in schema.get("anyOf", []) if branch.get("type") != "null"), schema)
    kind = schema.get("type")
    cases: list[tuple[str, Any]] = [("wrong type", [{"nested": True}] if kind == "object" else {"nested": True})]
    if kind == "string":
        if "maxLength" in schema or "pattern" in schema or "enum" in schema or "format" in schema:
            cases.append(("100,000 characters", HUGE))
        if "enum" in schema:
            cases.append(("not one of the values", "NOT_A_VALUE"))
        if "pattern" in schema:
            cases.append(("wrong form", "not an id\x07"))
        if schema.get("format") == "date":
            cases.append(("a date that does not exist", "2027-02-30"))
    if kind in ("integer", "number"):
        cases.append(("a word", "many"))
        if "minimum" in schema or "exclusiveMinimum" in schema:
            cases.append(("below the minimum", -1))
        if "maximum" in schema:
            cases.append(("above the maximum", 10**12))
    if kind == "array":
        cases.append(("a string for a list", "one, two"))
        if "maxItems" in schema:
            cases.append(("too many items", ["a"] * (schema["maxItems"] + 1)))
    return cases


async def _tools(settings: Settings) -> dict[str, dict]:
    """Each tool's input schema as the tool itself validates it (before publication shortens it)."""
    server = build_server(settings)
    return {tool.name: tool.parameters for tool in server._tool_manager.list_tools()}


def _resolve(schema: dict, root: dict) -> dict:
    reference = schema.get("$ref")
    return root["$defs"][reference.removeprefix("#/$defs/")] | schema if reference else schema


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"approval_port": 0})


async def test_every_invalid_value_of_every_tool_gets_a_short_error_that_names_the_parameter(
    settings: Settings,
) -> None:
    tools = await _tools(settings)
    problems = []
    async with Client(build_server(settings)) as client:
        for tool, schema in sorted(tools.items()):
            for parameter, member in schema.get("properties", {}).items():
                for mistake, value in _kinds(_resolve(member, schema)):
                    result = await client.call_tool(tool, {parameter: value})
                    text = "".join(getattr(block, "text", "") for block in result.content)
                    where = f"{tool}({parameter}: {mistake})"
                    if not result.is_error:
                        problems.append(f"{where}: accepted")
                    elif not text or len(text) > ERROR_LIMIT:
                        problems.append(f"{where}: {len(text)} characters")
                    elif parameter not in text:
                        problems.append(f"{where}: does not name the parameter: {text[:200]}")
                    elif INTERNALS.search(text) or "x" * 41 in text:
                        problems.append(f"{where}: internals or a long echo: {text[:200]}")
    assert not problems, "\n".join(problems)


async def test_a_date_that_does_not_exist_is_named_as_such(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(
            "manage_funding_request",
            {"funding_request_id": "benappl-00000000000000", "action": "extend", "new_end_date": "2027-02-30"},
        )
    assert result.is_error and "new_end_date" in result.content[0].text
    assert "day value is outside expected range" in result.content[0].text


async def test_an_id_error_quotes_only_an_excerpt_of_what_was_sent(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("get_opportunity", {"opportunity_id": "Q" + HUGE})
    text = result.content[0].text
    assert result.is_error and len(text) < 400, text
    assert "opportunity_id" in text and "'O4000001'" in text and "Qxxxx" in text


async def test_a_wrong_code_of_a_long_list_is_answered_with_every_allowed_code(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        published = {tool.name: tool for tool in (await client.list_tools()).tools}["update_profile"]
        result = await client.call_tool("update_profile", {"profile": {"industry_segments": ["SOFTWARE"]}})
    listed = json.dumps(published.input_schema)
    assert "WHOLESALE_DISTRIBUTION" not in listed and "One of 37 codes" in listed
    assert result.is_error and "WHOLESALE_DISTRIBUTION" in result.content[0].text
    assert "industry_segments" in result.content[0].text and len(result.content[0].text) <= ERROR_LIMIT


NOT_FOR_THE_MODEL = {
    "agent.config.SettingsError": "the operator's settings, before any tool runs",
    "agent.storage.DatabaseUnavailable": "the operator's database; the model hears 'failed on our side'",
    "agent.trust.tokens.TokenFileError": "the operator's token file",
    "agent.trust.tokens.UnknownToken": "a lookup miss, handled where it is raised",
    "agent.trust.passkeys.PasskeyError": "the person's passkey, on the approval page only",
    "agent.retrieval.documents.DocumentError": "documents the operator adds from the command line",
}
"""The exception classes of `agent` whose message is not for the model, and why."""


def test_every_error_class_is_for_the_model_or_says_why_not() -> None:
    defined = set()
    for module in pkgutil.walk_packages(agent.__path__, "agent."):
        for name, cls in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == module.name:
                defined.add((f"{module.name}.{name}", cls))
    unsorted = [name for name, cls in defined if not issubclass(cls, AgentError) and name not in NOT_FOR_THE_MODEL]
    assert not unsorted, f"subclass agent.errors.AgentError, or list them in NOT_FOR_THE_MODEL: {sorted(unsorted)}"
    assert not [name for name, cls in defined if issubclass(cls, AgentError) and name in NOT_FOR_THE_MODEL]
    assert {name for name, _ in defined} >= set(NOT_FOR_THE_MODEL)


class _NewError(AgentError):
    next_step = "Do this instead."


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (_NewError("This went wrong."), "This went wrong. Do this instead."),
        (_NewError("This went wrong.", next_step=""), "This went wrong."),
        (_NewError("y" * 5000), "y" * (ERROR_LIMIT - 1) + "…"),
        (
            RuntimeError("internal detail"),
            "banking_guidance failed on our side, not because of its arguments; the server "
            "log has the details. Try once more; if it fails again, tell the person.",
        ),
    ],
)
async def test_a_tool_tells_the_model_an_agent_error_and_nothing_of_a_crash(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, raised: Exception, expected: str
) -> None:
    def fail(*_: object) -> None:
        raise raised

    monkeypatch.setattr(seller_guidance, "banking_guidance", fail)
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("banking_guidance", {"bank_country": "DE"})
    assert result.is_error and result.content[0].text == expected
