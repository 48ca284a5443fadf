"""kill -9 at every step between "approve" and the audit event, then a restart: each write ends applied once with
its audit events, or not applied with a record that says so.

The server is the real one over stdio (tests/crash_server.py), killing itself at a named point of the write;
the restart is plain `partner-agent serve`, whose start-up carries interrupted writes to their end.
benchmarks/crash.py does the same with kills at random instants.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters

from agent.app import AgentApp
from agent.backends.local.sandbox import LocalSandbox
from agent.config import Settings
from tests.conftest import ISV, PRM_READY, REPO, mdf_draft
from tests.servers import server_env

CRASH_SERVER = str(REPO / "tests" / "crash_server.py")
SUBSIDIARY = "210987650000"
INVITATION = {
    "action": "send",
    "connection_type": "SUBSIDIARY",
    "receiver_account_ids": [SUBSIDIARY],
    "inviter_name": "Lena Vogel",
    "inviter_email": "lena@cirrus-secure.example",
}


def environment(settings: Settings, partner: str) -> dict[str, str]:
    return {
        **server_env(settings.data_dir, settings),
        "PARTNER_AGENT_PARTNER_ID": partner,
        "PARTNER_AGENT_TOOL_APPROVALS": "true",
        "PARTNER_AGENT_APPROVAL_PORT": "0",
    }


async def crash_while_deciding(settings: Settings, partner: str, tool: str, arguments: dict, point: str) -> dict:
    """Ask for the change, then decide it in a server that dies at ``point``; returns the approval request. Every
    call the sandbox applies is logged to ``data_dir/../sends.log``."""
    params = StdioServerParameters(
        command=sys.executable,
        args=[CRASH_SERVER],
        env={
            **environment(settings, partner),
            "CRASH_AT": point,
            "SEND_LOG": str(settings.data_dir.parent / "sends.log"),
        },
    )
    async with Client(params, mode="legacy") as client:
        asked = (await client.call_tool(tool, arguments)).structured_content
    assert asked["status"] == "requires_approval", asked
    decision = {"approval_id": asked["approval"]["approval_id"], "approve": True, "session_id": asked["session_id"]}
    with pytest.raises(BaseException):  # noqa: B017, PT011 - the server dies under the call, however the client says it
        async with Client(params, mode="legacy") as client:
            await client.call_tool("decide_approval", decision)
    return asked


async def restart(settings: Settings, partner: str) -> Client:
    """The server started again (the crash server without a crash point, so its sends are logged too)."""
    return Client(
        StdioServerParameters(
            command=sys.executable,
            args=[CRASH_SERVER],
            env={**environment(settings, partner), "SEND_LOG": str(settings.data_dir.parent / "sends.log")},
        ),
        mode="legacy",
    )


def sends(data_dir: Path) -> list[str]:
    log = data_dir.parent / "sends.log"
    return log.read_text().split() if log.exists() else []


def trail(settings: Settings, approval_id: str) -> list[tuple[str, str]]:
    return [(e.eventName, e.decision) for e in AgentApp(settings).audit.events() if e.approvalId == approval_id]


def invitations(settings: Settings) -> int:
    backend = LocalSandbox(settings.sandbox_db).client(ISV)
    return sum(1 for i in backend.list_connection_invitations() if i.OtherParticipantIdentifier == SUBSIDIARY)


@pytest.mark.parametrize("point", ["decided", "sent", "closed"])
async def test_a_write_interrupted_after_the_decision_is_applied_once_at_restart(
    point: str, settings: Settings, data_dir: Path, guidance_index: Path
) -> None:
    asked = await crash_while_deciding(settings, ISV, "manage_account_connections", INVITATION, point)
    approval_id = asked["approval"]["approval_id"]
    app = AgentApp(settings)
    assert app.approvals.get(approval_id).status in ("approved", "applied")  # decided before the crash
    assert invitations(settings) == (0 if point == "decided" else 1)
    async with await restart(settings, ISV) as client:
        status = (
            await client.call_tool("get_approval", {"approval_id": approval_id, "session_id": asked["session_id"]})
        ).structured_content
    assert status["status"] == "applied" and status["result"]["results"][0]["Receiver"] == SUBSIDIARY
    assert invitations(settings) == 1  # once, even when the crash came after sending it
    # sent once, and a second time only as a ClientToken replay when the crash came between sending and closing
    assert sends(data_dir) == ["CreateConnectionInvitation"] * {"decided": 1, "sent": 2, "closed": 1}[point]
    assert trail(settings, approval_id) == [("DecideApproval", "approved"), ("CreateConnectionInvitation", "applied")]
    assert AgentApp(settings).gate.checkpoints.flows() == []  # nothing of the ended flow is kept


async def test_a_write_interrupted_before_the_decision_was_recorded_waits_for_a_decision(
    settings: Settings, data_dir: Path, guidance_index: Path
) -> None:
    asked = await crash_while_deciding(settings, ISV, "manage_account_connections", INVITATION, "before-decision")
    approval_id = asked["approval"]["approval_id"]
    async with await restart(settings, ISV) as client:
        async with httpx.AsyncClient() as http:  # the page listens from start-up, before any tool names the link
            assert (await http.get(asked["approval"]["approve_url"].split("#")[0])).status_code == 200
        status = (
            await client.call_tool("get_approval", {"approval_id": approval_id, "session_id": asked["session_id"]})
        ).structured_content
        assert status["status"] == "pending" and invitations(settings) == 0 and trail(settings, approval_id) == []
        assert status["approve_url"] == asked["approval"]["approve_url"]  # the page listens again, on the same port
        decided = (
            await client.call_tool(
                "decide_approval", {"approval_id": approval_id, "approve": True, "session_id": asked["session_id"]}
            )
        ).structured_content
    assert decided["status"] == "applied" and invitations(settings) == 1


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("update_profile", {"visibility": "PRIVATE"}),
        ("manage_funding_request", {"action": "submit"}),
    ],
    ids=["put without ClientToken", "transition without ClientToken"],
)
async def test_a_write_without_client_token_sent_before_the_crash_is_not_sent_twice(
    tool: str, arguments: dict, settings: Settings, data_dir: Path, guidance_index: Path
) -> None:
    partner = PRM_READY
    if tool == "manage_funding_request":
        arguments = {**arguments, "funding_request_id": mdf_draft(LocalSandbox(settings.sandbox_db))}
    asked = await crash_while_deciding(settings, partner, tool, arguments, "sent")
    approval_id = asked["approval"]["approval_id"]
    async with await restart(settings, partner) as client:
        status = (
            await client.call_tool("get_approval", {"approval_id": approval_id, "session_id": asked["session_id"]})
        ).structured_content
    assert status["status"] == "applied", status  # its effect was found in place, not reported as a failure
    operation = "PutProfileVisibility" if tool == "update_profile" else "SubmitBenefitApplication"
    assert trail(settings, approval_id) == [("DecideApproval", "approved"), (operation, "applied")]
    assert sends(data_dir) == [operation]  # sent once: after the restart its effect was found in place
    backend = LocalSandbox(settings.sandbox_db).client(partner)
    if tool == "update_profile":
        assert backend.get_profile_visibility().Visibility == "PRIVATE"
    else:
        assert backend.get_benefit_application(arguments["funding_request_id"]).Status == "IN_REVIEW"


async def test_a_decided_flow_whose_checkpoint_names_no_next_step_is_still_carried_to_its_end(
    settings: Settings,
) -> None:
    """A kill in the instant a checkpoint is written can leave one that names no next step although the write
    has not ended (benchmarks/crash.py met it). Recovery must not trust `next`: it runs the flow again from its
    approval step with the decision the approval recorded."""
    import uuid

    from agent.server import build_server
    from agent.trust.approvals import Decision
    from agent.trust.audit import DecidedBy

    settings = settings.model_copy(update={"approval_port": 0})
    async with Client(build_server(settings)) as client:
        asked = (await client.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
    app = AgentApp(settings)
    approval = app.approvals.get(asked["approval"]["approval_id"])
    person = DecidedBy(name="dana", id=approval.principal, channel="tool", verification="test")
    app.approvals.decide(
        Decision(
            decision_id=f"dec-{uuid.uuid4().hex}",
            approval_id=approval.approval_id,
            approve=True,
            decided_by=person,
            principal=approval.principal,
            session_id=None,
            payload_sha256=approval.payload_sha256,
        ),
        approval.payload_sha256,
    )
    config = {"configurable": {"thread_id": approval.flow_id}}
    app.gate.flows.graph.update_state(config, None, as_node="audit")  # a checkpoint that names no next step
    assert app.gate.flows.graph.get_state(config).next == ()
    assert app.gate.recover() == 1
    assert app.approvals.get(approval.approval_id).status == "applied"
    assert LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility == "PRIVATE"
    assert trail(settings, approval.approval_id) == [
        ("DecideApproval", "approved"),
        ("PutProfileVisibility", "applied"),
    ]


# One write, one runner: claims between processes, and what recovery will not do


def pending_visibility_change(settings: Settings, principal=None):
    """A change waiting for a decision, asked for by ``principal`` (default: the stdio user), straight through the gate."""
    from agent.graphs.profile_update import PROFILE_UPDATE, ProfileUpdate
    from agent.trust.identity import local_principal

    app = AgentApp(settings)
    principal = principal or local_principal(settings)
    session = app.sessions.open(principal, None)
    planned = app.gate.plan(principal, PROFILE_UPDATE, ProfileUpdate(visibility="PRIVATE"))
    return app, principal, session.session_id, app.gate.start(principal, session.session_id, PROFILE_UPDATE, planned)


def tool_decision(principal):
    from agent.trust.audit import DecidedBy

    return DecidedBy(name=principal.name, id=principal.key, channel="tool", verification="test")


@contextmanager
def another_live_runner(app: AgentApp) -> Iterator[str]:
    """A runner that is alive as the database tells it: a live process of this host (SQLite), or one holding its
    presence lock (PostgreSQL). It dies when the block ends."""
    if app.db.engine == "sqlite":
        yield f"{socket.gethostname()}:{os.getppid()}:other"
        return
    import psycopg

    from agent.storage import advisory_key

    runner = f"elsewhere:{os.getpid()}:other"
    with psycopg.connect(app.db.url, autocommit=True) as presence:
        presence.execute("SELECT pg_advisory_lock(%s)", (advisory_key(f"runner:{runner}"),))
        yield runner


def test_a_write_another_live_process_runs_is_left_to_it_and_taken_over_when_it_died(settings: Settings) -> None:
    app, principal, session_id, approval = pending_visibility_change(settings)
    with another_live_runner(app) as other:
        with app.db.transaction() as db:
            db.execute(
                "UPDATE approvals SET runner=?, lease_until='2999-01-01T00:00:00+00:00' WHERE id=?",
                (other, approval.approval_id),
            )
        refused = app.gate.decide(
            approval.approval_id, True, tool_decision(principal), principal=principal.key, session_id=session_id
        )
        assert refused.status == "refused" and "Another server process" in refused.message
        assert app.approvals.get(approval.approval_id).status == "pending"
    if app.db.engine == "sqlite":  # a pid that does not exist: its runner died
        with app.db.transaction() as db:
            db.execute(
                "UPDATE approvals SET runner=? WHERE id=?",
                (f"{socket.gethostname()}:{2**22 + 12345}:gone", approval.approval_id),
            )
    applied = app.gate.decide(
        approval.approval_id, True, tool_decision(principal), principal=principal.key, session_id=session_id
    )
    assert applied.status == "applied"
    assert LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility == "PRIVATE"


def test_a_revoked_tokens_change_can_no_longer_be_approved(settings: Settings) -> None:
    from agent.trust.identity import Principal
    from agent.trust.tokens import token_store

    store = token_store(settings)
    _, record = store.create("dana", PRM_READY, "Sandbox", ["AWSPartnerCentralFullAccess"])
    dana = Principal(
        name="dana",
        partner_id=PRM_READY,
        catalog="Sandbox",
        policies=tuple(record.policies),
        source="token",
        token_id=record.id,
    )
    app, principal, session_id, approval = pending_visibility_change(settings, dana)
    store.revoke(record.id)
    refused = app.gate.decide(
        approval.approval_id, True, tool_decision(dana), principal=dana.key, session_id=session_id
    )
    assert refused.status == "refused" and "bearer token that asked for it was revoked" in refused.message
    assert LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility == "PUBLIC"
    declined = app.gate.decide(
        approval.approval_id, False, tool_decision(dana), principal=dana.key, session_id=session_id
    )
    assert declined.status == "rejected"  # declining still works: it writes nothing


def test_a_write_interrupted_longer_than_a_day_ago_is_not_sent_late(settings: Settings) -> None:
    import uuid

    from agent.trust.approvals import Decision

    app, principal, _, approval = pending_visibility_change(settings)
    app.approvals.decide(
        Decision(
            decision_id=f"dec-{uuid.uuid4().hex}",
            approval_id=approval.approval_id,
            approve=True,
            decided_by=tool_decision(principal),
            principal=principal.key,
            session_id=None,
            payload_sha256=approval.payload_sha256,
        ),
        approval.payload_sha256,
    )
    with app.db.transaction() as db:
        db.execute("UPDATE approvals SET decided_at='2026-01-01T00:00:00+00:00' WHERE id=?", (approval.approval_id,))
    app.gate.recover()
    closed = app.approvals.get(approval.approval_id)
    assert closed.status == "failed" and "cannot tell whether it was applied" in closed.reason
    assert LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility == "PUBLIC"


# Co-sell writes: CreateOpportunity and the referral's accept task replay by ClientToken; UpdateOpportunity,
# AssociateOpportunity and RejectEngagementInvitation take none, so a retry finds their effect in place


def opportunities_of(settings: Settings, company: str) -> list[str]:
    from agent.backends.base import OpportunityQuery

    backend = LocalSandbox(settings.sandbox_db).client(PRM_READY)
    page = backend.list_opportunities(OpportunityQuery(CustomerCompanyName=[company], MaxResults=100))
    return [o.Id for o in page.OpportunitySummaries]


def new_opportunity() -> dict:
    from datetime import date, timedelta

    from tests.test_cosell_mcp import NOTE_FIELDS

    return {
        "action": "create",
        "fields": {**NOTE_FIELDS, "target_close_date": (date.today() + timedelta(days=120)).isoformat()},
    }


@pytest.mark.parametrize(
    ("tool", "arguments", "operation", "company", "point"),
    [
        ("manage_opportunity", new_opportunity(), "CreateOpportunity", "Blue Yonder Airlines", "sent"),
        (
            "respond_to_referral",
            {"invitation_id": "engi-alto000000001", "action": "accept"},
            "StartEngagementByAcceptingInvitationTask",
            "Adatum Bank",
            "sent",
        ),
    ],
    ids=["create", "accept referral"],
)
async def test_a_co_sell_write_with_client_token_interrupted_makes_one_opportunity(
    tool: str,
    arguments: dict,
    operation: str,
    company: str,
    point: str,
    settings: Settings,
    data_dir: Path,
    guidance_index: Path,
) -> None:
    asked = await crash_while_deciding(settings, PRM_READY, tool, arguments, point)
    approval_id = asked["approval"]["approval_id"]
    assert len(opportunities_of(settings, company)) == (0 if point == "decided" else 1)
    async with await restart(settings, PRM_READY) as client:
        status = (
            await client.call_tool("get_approval", {"approval_id": approval_id, "session_id": asked["session_id"]})
        ).structured_content
    [opportunity] = opportunities_of(settings, company)  # one, whatever instant the crash came
    assert status["status"] == "applied" and status["result"]["results"][0]["OpportunityId"] == opportunity, status
    # a second send only as a ClientToken replay, when the crash came between sending and closing
    assert sends(data_dir) == [operation] * (2 if point == "sent" else 1)
    assert trail(settings, approval_id) == [("DecideApproval", "approved"), (operation, "applied")]
    assert AgentApp(settings).gate.checkpoints.flows() == []
    backend = LocalSandbox(settings.sandbox_db).client(PRM_READY)
    if tool == "respond_to_referral":
        assert backend.get_engagement_invitation("engi-alto000000001").Status == "ACCEPTED"
        assert status["result"]["results"][0]["TaskStatus"] == "COMPLETE"
    else:
        assert backend.get_opportunity(opportunity).LifeCycle.ReviewStatus == "Pending Submission"


@pytest.mark.parametrize(
    ("tool", "arguments", "operation"),
    [
        (
            "manage_opportunity",
            {"action": "update", "opportunity_id": "O4000004", "fields": {"next_steps": "Demo the forecasting model"}},
            "UpdateOpportunity",
        ),
        (
            "manage_opportunity",
            {"action": "associate", "opportunity_id": "O4000004", "related_ids": ["S-0000000401"]},
            "AssociateOpportunity",
        ),
        (
            "respond_to_referral",
            {"invitation_id": "engi-alto000000002", "action": "reject", "reason": "Unable to support"},
            "RejectEngagementInvitation",
        ),
    ],
    ids=["update", "associate", "reject referral"],
)
async def test_a_co_sell_write_without_client_token_sent_before_the_crash_is_not_sent_twice(
    tool: str, arguments: dict, operation: str, settings: Settings, data_dir: Path, guidance_index: Path
) -> None:
    backend = LocalSandbox(settings.sandbox_db).client(PRM_READY)
    before = backend.get_opportunity("O4000004").LastModifiedDate
    asked = await crash_while_deciding(settings, PRM_READY, tool, arguments, "sent")
    approval_id = asked["approval"]["approval_id"]
    async with await restart(settings, PRM_READY) as client:
        status = (
            await client.call_tool("get_approval", {"approval_id": approval_id, "session_id": asked["session_id"]})
        ).structured_content
    assert status["status"] == "applied", status  # found in place, not refused by the LastModifiedDate it was sent with
    assert sends(data_dir) == [operation]  # sent once
    assert trail(settings, approval_id) == [("DecideApproval", "approved"), (operation, "applied")]
    assert AgentApp(settings).gate.checkpoints.flows() == []
    opportunity = backend.get_opportunity("O4000004")
    if operation == "UpdateOpportunity":
        assert opportunity.LifeCycle.NextSteps == "Demo the forecasting model" and opportunity.LastModifiedDate > before
        assert status["result"]["results"][0]["OpportunityId"] == "O4000004"
    elif operation == "AssociateOpportunity":
        assert opportunity.RelatedEntityIdentifiers.Solutions == ["S-0000000401"]
    else:
        invitation = backend.get_engagement_invitation("engi-alto000000002")
        assert (invitation.Status, invitation.RejectionReason) == ("REJECTED", "Unable to support")
