"""Sessions: bound to their principal, gone after their lifetime with everything they held."""

from __future__ import annotations

import time

from mcp import Client

from agent.app import AgentApp
from agent.config import Settings
from agent.server import build_server


async def test_a_session_is_created_returned_and_continued(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        first = (await client.call_tool("get_partner_profile", {})).structured_content["session_id"]
        assert first.startswith("session-")
        again = await client.call_tool("list_opportunities", {"session_id": first})
        assert again.structured_content["session_id"] == first
        info = (await client.call_tool("get_session", {"session_id": first})).structured_content
    from datetime import datetime

    lifetime = datetime.fromisoformat(info["expires_at"]) - datetime.fromisoformat(info["created_at"])
    assert lifetime.total_seconds() == 48 * 3600


async def test_malformed_and_foreign_session_ids_are_refused(settings: Settings) -> None:
    async with (
        Client(build_server(settings.model_copy(update={"user": "alice"}))) as alice,
        Client(build_server(settings.model_copy(update={"user": "bob"}))) as bob,
    ):
        alices = (await alice.call_tool("get_session", {})).structured_content["session_id"]
        stolen = await bob.call_tool("list_opportunities", {"session_id": alices})
        assert stolen.is_error and "does not exist or has expired" in stolen.content[0].text
        bad = await bob.call_tool("list_opportunities", {"session_id": "session-1"})
        assert bad.is_error and "session-<uuid4>" in bad.content[0].text


async def test_an_approval_lives_until_its_own_expiry_even_when_its_session_ends_first(settings: Settings) -> None:
    """The session may end before the approval does: the approval (and its paused flow) stays until its own
    expires_at, then it is closed as expired with its audit event, and its record goes with the next purge (calls
    tidy up at most once a second, `agent.app.TIDY_INTERVAL`)."""

    short = settings.model_copy(
        update={"session_ttl_hours": 0.5 / 3600, "approval_ttl_minutes": 2.0 / 60, "approval_port": 0}
    )
    app = AgentApp(short)
    async with Client(build_server(short)) as client:
        result = (await client.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
        approval_id, session_id = result["approval"]["approval_id"], result["session_id"]
        flow_id = app.approvals.get(approval_id).flow_id
        time.sleep(0.6)
        expired = await client.call_tool("get_session", {"session_id": session_id})
        assert expired.is_error and "expired" in expired.content[0].text
        assert app.approvals.get(approval_id).status == "pending"  # still decidable on its page
        assert flow_id in app.gate.checkpoints.flows()
        time.sleep(1.5)
        await client.call_tool("get_session", {})  # a call closes what is due
        approval = app.approvals.get(approval_id)
        assert approval.status == "expired" and approval.closed_at is not None
        assert flow_id not in app.gate.checkpoints.flows()
        events = [e for e in app.audit.events() if e.approvalId == approval_id]
        assert [(e.eventName, e.decision) for e in events] == [("ExpireApproval", "expired")]
        time.sleep(1.0)
        await client.call_tool("get_session", {})  # the next purge removes the ended approval of the ended session
    assert app.approvals.get(approval_id) is None
