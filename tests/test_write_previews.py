"""For every write tool and action: what the person approved is exactly what was sent.

Each change is approved in the client's form; the backend records every call it is sent (the real sandbox's
`send`, wrapped). The preview the person read must show every member of every recorded call, in order, with its
value, and show nothing as sent that was not.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from agent.backends.local.sandbox import LocalPartnerCentral, LocalSandbox
from agent.config import Settings
from agent.funding.dates import in_year_end_blackout
from agent.server import build_server
from tests.conftest import ISV, NEWCOMER, PRM_READY, mdf_draft, poc_request
from tests.mcp_checks import approving
from tests.previews import assert_preview_is_what_was_sent

TODAY = datetime.now(UTC).date()
Setup = Callable[[LocalSandbox, Path], dict[str, Any]]


def code_for(sandbox: LocalSandbox, partner: str, email: str) -> str:
    sandbox.client(partner).send_email_verification_code(email)
    return next(m["Code"] for m in sandbox.client(partner).outbox() if m["Email"] == email)


def extension(sandbox: LocalSandbox) -> str:
    end = date.fromisoformat(
        sandbox.client(PRM_READY).get_benefit_application("benappl-alto0poc000002").BenefitApplicationDetails["EndDate"]
    )
    return next(
        day for day in (end + timedelta(days=n) for n in range(10, 60)) if not in_year_end_blackout(day)
    ).isoformat()


CASES: dict[str, tuple[str, str, Setup]] = {
    "profile, visibility and lead": (
        PRM_READY,
        "update_profile",
        lambda sandbox, tmp: {
            "profile": {
                "display_name": "AltoCloud\u200b Data",
                "headquarters": {"CountryCode": "US", "SubdivisionCode": "CA"},
            },
            "visibility": "PRIVATE",
            "alliance_lead": {"title": "Head of Alliances"},
        },
    ),
    "new alliance lead email": (
        PRM_READY,
        "update_profile",
        lambda sandbox, tmp: {
            "alliance_lead": {"email": "ana@altocloud-data.example"},
            "email_verification_code": code_for(sandbox, PRM_READY, "ana@altocloud-data.example"),
        },
    ),
    "link a training domain": (
        NEWCOMER,
        "manage_training_domains",
        lambda sandbox, tmp: {
            "email": "people@nimbus-analytics.example",
            "email_verification_code": code_for(sandbox, NEWCOMER, "people@nimbus-analytics.example"),
        },
    ),
    "send invitations": (
        ISV,
        "manage_account_connections",
        lambda sandbox, tmp: {
            "receiver_account_ids": ["210987650000"],
            "inviter_name": "Lena Vogel",
            "inviter_email": "lena@cirrus-secure.example",
            "message": "Please accept:\nit consolidates our PRM attribution.",
        },
    ),
    "reject an invitation": (
        PRM_READY,
        "manage_account_connections",
        lambda sandbox, tmp: {
            "action": "reject",
            "invitation_id": "pacinv-cirrus2alto01",
            "reason": "We only co-sell in retail.",
        },
    ),
    "accept an invitation": (
        PRM_READY,
        "manage_account_connections",
        lambda sandbox, tmp: {"action": "accept", "invitation_id": "pacinv-cirrus2alto01"},
    ),
    "resale role": (ISV, "create_resale_authorization_role", lambda sandbox, tmp: {}),
    "draft": (
        PRM_READY,
        "draft_funding_request",
        lambda sandbox, tmp: {
            "opportunity_id": "O4000001",
            "program": "proof-of-concept",
            "answers": {"SuccessCriteria": "Answers 90% of clause questions correctly", "RequestedAmount": "9,500.50"},
        },
    ),
    "submit": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {"funding_request_id": mdf_draft(sandbox), "action": "submit"},
    ),
    "edit": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {
            "funding_request_id": mdf_draft(sandbox),
            "action": "edit",
            "answers": {"CampaignEndDate": "2030-04-15"},
        },
    ),
    "delete": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {"funding_request_id": mdf_draft(sandbox), "action": "delete"},
    ),
    "recall": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {
            "funding_request_id": "benappl-alto0mdf000001",
            "action": "recall",
            "reason": "Fix the dates",
        },
    ),
    "cancel": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {"funding_request_id": "benappl-alto0mdf000001", "action": "cancel"},
    ),
    "extend": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {
            "funding_request_id": "benappl-alto0poc000002",
            "action": "extend",
            "new_end_date": extension(sandbox),
        },
    ),
    "claim": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {
            "funding_request_id": poc_request(
                sandbox, start=TODAY - timedelta(days=40), end=TODAY - timedelta(days=5), stage="Cash Claim"
            ),
            "action": "claim",
            "claim_amount": 9500.25,
        },
    ),
    "attach": (
        PRM_READY,
        "manage_funding_request",
        lambda sandbox, tmp: {
            "funding_request_id": "benappl-alto0mdf000001",
            "action": "attach",
            "files": [
                {
                    "name": "brief.pdf",
                    "content_base64": base64.b64encode(b"%PDF-1.4 the brief").decode(),
                    "business_use": "Activity brief",
                }
            ],
        },
    ),
}


@pytest.mark.parametrize("case", CASES)
async def test_what_the_person_approved_is_exactly_what_was_sent(
    case: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner, tool, setup = CASES[case]
    settings = settings.model_copy(update={"partner_id": partner, "approval_port": 0})
    sandbox = LocalSandbox(settings.sandbox_db)
    sandbox.ensure_ready()
    arguments = setup(sandbox, tmp_path)
    sent: list[tuple[str, dict[str, Any]]] = []
    original = LocalPartnerCentral.send

    def recording(self, service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        sent.append((operation, request))
        return original(self, service, operation, request)

    monkeypatch.setattr(LocalPartnerCentral, "send", recording)
    person = approving()
    async with Client(build_server(settings), elicitation_callback=person) as client:
        result = (await client.call_tool(tool, arguments)).structured_content
    assert result["status"] == "applied", result
    [asked] = person.asked
    assert sent, "nothing was sent"
    assert_preview_is_what_was_sent(asked, sent)
