"""What every transport must show a client: the three tools, their schemas, results and errors."""

from __future__ import annotations

import jsonschema
from mcp import Client

EXPECTED_TOOLS = {"get_partner_profile", "list_opportunities", "get_opportunity"}


async def check_read_tools(client: Client) -> None:
    """List the tools and call each one on the seeded default partner, as a model would."""
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert EXPECTED_TOOLS <= set(tools)
    for name in EXPECTED_TOOLS:
        tool = tools[name]
        assert tool.annotations.read_only_hint is True  # the destructive hint means nothing then: not sent
        assert tool.description and tool.output_schema

    writes = {
        "update_profile",
        "draft_funding_request",
        "manage_funding_request",
        "manage_account_connections",
        "manage_training_domains",
        "create_resale_authorization_role",
        "manage_opportunity",
        "respond_to_referral",
    }
    assert writes <= set(tools)
    for tool in tools.values():
        assert tool.description and tool.annotations, tool.name
        assert bool(tool.annotations.read_only_hint) is (tool.name not in writes | {"send_email_verification_code"}), (
            tool.name
        )
        # a read's result is described one level deep; a write's is a status and a message, described in its text
        assert bool(tool.output_schema) is bool(tool.annotations.read_only_hint), tool.name

    prm = await client.call_tool("check_prm_compliance", {})
    assert not prm.is_error and prm.structured_content["prm_ready"] is True
    jsonschema.validate(prm.structured_content, tools["check_prm_compliance"].output_schema)
    status = await client.call_tool("get_onboarding_status", {})
    assert status.structured_content["next_action"]["id"] == "connection_invitations"
    jsonschema.validate(status.structured_content, tools["get_onboarding_status"].output_schema)

    profile = await client.call_tool("get_partner_profile", {})
    assert not profile.is_error
    assert profile.structured_content["partner_id"] == "partner-altocloud0004"
    assert profile.structured_content["visibility"] == "PUBLIC"
    jsonschema.validate(profile.structured_content, tools["get_partner_profile"].output_schema)

    listed = await client.call_tool("list_opportunities", {"stage": ["Business Validation"]})
    assert not listed.is_error
    assert [o["Id"] for o in listed.structured_content["opportunities"]] == ["O4000001"]
    jsonschema.validate(listed.structured_content, tools["list_opportunities"].output_schema)

    one = await client.call_tool("get_opportunity", {"opportunity_id": "O4000001"})
    assert not one.is_error
    assert one.structured_content["opportunity"]["Customer"]["Account"]["CompanyName"] == "Northwind Grocers Inc."
    assert one.structured_content["session_id"].startswith("session-")
    jsonschema.validate(one.structured_content, tools["get_opportunity"].output_schema)


async def check_errors_are_actionable(client: Client) -> None:
    """Bad input comes back as a tool error the model can act on, never a crash."""
    unknown = await client.call_tool("get_opportunity", {"opportunity_id": "O9999999"})
    assert unknown.is_error and "O9999999 was not found" in unknown.content[0].text
    assert "list" in unknown.content[0].text  # says what to do next

    malformed = await client.call_tool("get_opportunity", {"opportunity_id": "opp-12"})
    assert malformed.is_error and "look like 'O4000001'" in malformed.content[0].text

    wrong_enum = await client.call_tool("list_opportunities", {"stage": ["Won"]})
    assert wrong_enum.is_error and "'Qualified'" in wrong_enum.content[0].text

    bad_token = await client.call_tool("list_opportunities", {"next_token": "forged"})
    assert bad_token.is_error and "NextToken is not valid" in bad_token.content[0].text


def approving(action: str = "accept", approve: bool = True):
    """An elicitation callback playing the person: answers every approval form the same way, and keeps the questions."""
    from mcp.types import ElicitResult

    async def callback(context, params) -> ElicitResult:
        callback.asked.append(params.message)
        return ElicitResult(action=action, content={"approve": approve} if action == "accept" else None)

    callback.asked = []
    return callback
