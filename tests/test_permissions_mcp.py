"""Every tool x the guide's managed policies, through a real MCP client: allowed, or denied with a fix."""

from __future__ import annotations

import re

import pytest
from mcp import Client

from agent.config import Settings
from agent.server import build_server
from agent.trust.permissions import missing_actions

CALLS = {
    "get_partner_profile": {},
    "list_opportunities": {},
    "get_opportunity": {"opportunity_id": "O4000001"},
    "update_profile": {"visibility": "PRIVATE"},
    "send_email_verification_code": {"email": "ana@altocloud-data.example"},
    "get_session": {},
    "list_audit_events": {},
    "get_onboarding_status": {},
    "check_prm_compliance": {},
    "determine_tax_form": {"country": "US", "entity_type": "business"},
}
FULL, SANDBOX, OPPORTUNITIES, BENEFITS, MARKETING = (
    "AWSPartnerCentralFullAccess",
    "AWSPartnerCentralSandboxFullAccess",
    "AWSPartnerCentralOpportunityManagement",
    "PartnerCentralIncentiveBenefitManagement",
    "AWSPartnerCentralMarketingManagement",
)
# Which tools each policy allows (in the Sandbox catalog); every other tool must be denied.
ALLOWED = {
    FULL: set(CALLS),
    SANDBOX: set(CALLS),
    OPPORTUNITIES: {"list_opportunities", "get_opportunity", "get_session", "list_audit_events", "determine_tax_form"},
    BENEFITS: {"get_opportunity", "get_session", "list_audit_events", "determine_tax_form"},
    MARKETING: set(),
}


@pytest.mark.parametrize("policy", list(ALLOWED))
async def test_tool_policy_matrix(settings: Settings, policy: str) -> None:
    server = build_server(settings.model_copy(update={"policies": [policy], "approval_port": 0}))
    async with Client(server) as client:
        for tool, arguments in CALLS.items():
            result = await client.call_tool(tool, arguments)
            text = result.content[0].text if result.content else ""
            if tool in ALLOWED[policy]:
                assert not result.is_error, f"{policy} should allow {tool}: {text}"
                continue
            assert result.is_error and "Access denied" in text, f"{policy} should deny {tool}: {text}"
            named = re.findall(r"partnercentral:\w+", text)  # the message names the missing actions
            assert named, text
            suggestion = re.search(r"The AWS managed policy (\w+) grants", text)
            assert suggestion, f"no policy suggested in: {text}"
            assert missing_actions([suggestion.group(1)], named, "Sandbox") == []  # and a policy that grants them


def test_a_suggested_policy_really_grants_what_was_missing() -> None:
    actions = ["partnercentral:GetPartner", "partnercentral:PutProfileVisibility", "partnercentral:UseSession"]
    assert missing_actions([OPPORTUNITIES], actions, "Sandbox") == ["partnercentral:PutProfileVisibility"]
    assert missing_actions([SANDBOX], actions, "Sandbox") == []
    assert missing_actions([SANDBOX], actions, "AWS") == sorted(actions)  # the sandbox policy stops at the catalog


async def test_denied_write_never_asks_the_person(settings: Settings) -> None:
    asked = []

    async def callback(context, params):
        asked.append(params)

    server = build_server(settings.model_copy(update={"policies": [OPPORTUNITIES], "approval_port": 0}))
    async with Client(server, elicitation_callback=callback) as client:
        result = await client.call_tool("update_profile", {"visibility": "PRIVATE"})
    assert result.is_error and "partnercentral:PutProfileVisibility" in result.content[0].text
    assert asked == []


def test_unknown_policy_in_settings_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.config import SettingsError, load_settings

    monkeypatch.setenv("PARTNER_AGENT_POLICIES", "AWSPartnerCentralFullAccess, AdministratorAccess")
    with pytest.raises(SettingsError, match="PARTNER_AGENT_POLICIES.*AdministratorAccess"):
        load_settings()
    monkeypatch.setenv("PARTNER_AGENT_POLICIES", f"{OPPORTUNITIES},{BENEFITS}")
    assert load_settings().policies == [OPPORTUNITIES, BENEFITS]
