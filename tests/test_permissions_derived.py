"""Every tool declares the IAM action of every operation its flow calls: derived, not listed.

Each tool runs through a real MCP client on the aws backend, whose clients are under botocore's Stubber and answered
from the PRM-ready sandbox partner's state (`tests.sandbox_answers`); writes are approved, so they are applied. The
operations called are recorded as botocore makes them, mapped to IAM actions, and compared with what the tool
declared when it was authorized (`AgentApp.authorize`, which `begin` and write planning both go through), plus the
evidence reads it declares without requiring (`agent.compliance.prm.EVIDENCE_ACTIONS`).
"""

from __future__ import annotations

from typing import Any, Iterator

import boto3
import pytest
from mcp import Client

from agent.app import AgentApp
from agent.backends.aws import AwsPartnerCentral
from agent.compliance.prm import EVIDENCE_ACTIONS
from agent.config import Settings
from agent.funding import benefits
from agent.graphs.actions import WRITE_ACTIONS
from agent.graphs.plans import iam_action
from agent.server import build_server
from tests.conftest import NEWCOMER, PRM_READY
from tests.mcp_checks import approving
from tests.sandbox_answers import sandbox_answers
from tests.stubbed_aws import StubbedAws

FLOWS: dict[str, list[dict[str, Any]]] = {  # every tool, and the calls that run its flows on the PRM-ready partner
    "get_partner_profile": [{}],
    "send_email_verification_code": [{"email": "dana.okafor@altocloud-data.example"}],
    "update_profile": [
        {
            "profile": {"description": "Managed analytics and data warehouses on AWS for retailers."},
            "visibility": "PRIVATE",
            "alliance_lead": {"title": "Chief Partnerships Officer"},
        }
    ],
    "get_onboarding_status": [{}],
    "check_prm_compliance": [{}],
    "scan_company_website": [{"url": "https://127.0.0.1/"}],  # refused before fetching: the profile is read first
    "list_account_connections": [{}],
    "manage_account_connections": [
        {"action": "accept", "invitation_id": "pacinv-cirrus2alto01"},
        {
            "receiver_account_ids": ["210987650000"],
            "inviter_name": "Dana Okafor",  # reads the connection just made
            "inviter_email": "dana.okafor@altocloud-data.example",
        },
    ],
    "manage_training_domains": [{"action": "remove", "domain_name": "altocloud.example"}],
    "check_resale_authorization_role": [{}],
    "create_resale_authorization_role": [{}],
    "determine_tax_form": [{"country": "DE", "entity_type": "business"}],
    "seller_compliance_requirements": [{"seller_country": "DE", "bank_country": "DE"}],
    "banking_guidance": [{"bank_country": "DE"}],
    "esc_catalog_steps": [{}],
    "list_opportunities": [{"stage": ["Qualified"]}],
    "get_opportunity": [{"opportunity_id": "O4000001"}],
    "check_opportunity_readiness": [{"opportunity_id": "O4000004"}],
    "recommend_next_steps": [{"opportunity_id": "O4000004"}],
    "list_engagement_invitations": [{}],
    "manage_opportunity": [
        {"action": "update", "opportunity_id": "O4000004", "fields": {"next_steps": "Demo the model"}},
        {"action": "associate", "opportunity_id": "O4000004", "related_ids": ["S-0000000401"]},
        {
            "action": "create",
            "fields": {"customer_name": "Blue Yonder", "title": "Crew analytics", "target_close_date": "2031-01-01"},
        },
    ],
    "respond_to_referral": [
        {"invitation_id": "engi-alto000000001", "action": "accept"},
        {"invitation_id": "engi-alto000000002", "action": "reject", "reason": "Unable to support"},
    ],
    "list_funding_requests": [{}],
    "get_funding_request": [{"funding_request_id": "benappl-alto0poc000002"}],
    "draft_funding_request": [{"opportunity_id": "O4000001", "program": "map-assess"}],
    "manage_funding_request": [
        {"funding_request_id": "benappl-alto0mdf000001", "action": "recall", "reason": "Change the dates"},
        {"funding_request_id": "benappl-alto0poc000002", "action": "cancel", "reason": "The customer postponed"},
    ],
    "list_funding_programs": [{}],
    "recommend_funding": [{"opportunity_id": "O4000001"}],
    "estimate_funding": [{"opportunity_id": "O4000003", "program": "map-assess"}],
    "search_guidance": [{"query": "How do I activate the PRM cost allocation tag?"}],
    "get_session": [{}],
    "list_sessions": [{}],
    "get_approval": [{"approval_id": "approval-00000000-0000-4000-8000-000000000000", "session_id": "session-none"}],
    "list_audit_events": [{}],
}
REFUSED = {"scan_company_website", "get_approval"}
"""Tools whose call above is refused by design (a loopback address, an unknown approval): what they read before
is still checked."""
ACTING_FOR = {"create_resale_authorization_role": NEWCOMER}  # a partner without the role yet; otherwise AltoCloud
CONNECTED = {"list_account_connections", "get_onboarding_status", "check_prm_compliance"}
"""Tools run after AltoCloud accepted Cirrus's invitation, so that they read a connection too."""


@pytest.fixture
def aws_backend(tool: str, monkeypatch: pytest.MonkeyPatch, guidance_settings: Settings) -> Iterator[StubbedAws]:
    """The principal's backend: the aws backend, answered from the sandbox partner the tool acts for."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    partner = ACTING_FOR.get(tool, PRM_READY)
    backend = AwsPartnerCentral(partner, "Sandbox", "us-east-1", session=boto3.session.Session(region_name="us-east-1"))
    local = AgentApp(guidance_settings).sandbox.client(partner)
    if tool in CONNECTED:
        local.send(
            "partnercentral-account",
            "AcceptConnectionInvitation",
            {"Catalog": "Sandbox", "Identifier": "pacinv-cirrus2alto01", "ClientToken": "accepted-first"},
        )
    monkeypatch.setattr(AgentApp, "partner_central", lambda self, principal: backend)
    with StubbedAws(backend, sandbox_answers(local)).active() as stubbed:
        yield stubbed


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The IAM actions tools declare (clear it to start again)."""
    actions: set[str] = set()
    authorize = AgentApp.authorize

    def recording(self: AgentApp, tool: str, needed, principal) -> None:
        needed = list(needed)
        actions.update(needed)
        authorize(self, tool, needed, principal)

    monkeypatch.setattr(AgentApp, "authorize", recording)
    return actions


def test_every_tool_has_a_flow(guidance_settings: Settings) -> None:
    """A new tool must be added to FLOWS, so that what it calls is checked too."""
    import asyncio

    async def names() -> set[str]:
        async with Client(build_server(guidance_settings)) as client:
            return {tool.name for tool in (await client.list_tools()).tools}

    assert asyncio.run(names()) == set(FLOWS)


@pytest.mark.parametrize("tool", FLOWS)
async def test_a_tool_declares_the_iam_action_of_every_operation_it_calls(
    tool: str, aws_backend: StubbedAws, declared: set[str], guidance_settings: Settings
) -> None:
    settings = guidance_settings.model_copy(update={"approval_port": 0, "partner_id": aws_backend.backend.partner_id})
    undeclared: dict[str, list[str]] = {}
    async with Client(build_server(settings), elicitation_callback=approving()) as client:
        for arguments in FLOWS[tool]:
            benefits._cache.clear()  # each call reads what it needs, as it would in a fresh process
            aws_backend.calls.clear()
            declared.clear()
            result = await client.call_tool(tool, arguments)
            text = result.content[0].text if result.content else ""
            assert result.is_error == (tool in REFUSED), f"{tool}({arguments}): {text}"
            if tool in WRITE_ACTIONS:  # the whole flow ran: planned, approved, applied
                assert result.structured_content["status"] == "applied", result.structured_content
            needed = {iam_action(service, operation) for service, operation in aws_backend.calls}
            if missing := sorted(needed - declared - set(EVIDENCE_ACTIONS.get(tool, ()))):
                undeclared[str(arguments)] = missing
    assert undeclared == {}, f"{tool} calls operations it does not declare"
