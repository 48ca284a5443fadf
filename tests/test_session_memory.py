"""Sessions that remember: every call of a session is an event, answers are kept, and a conversation is picked up
again from a fresh client with only its session id. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import json
import time

from mcp import Client

from agent.app import AgentApp
from agent.config import Settings
from agent.server import build_server

DRAFT = {"opportunity_id": "O4000001", "program": "proof-of-concept"}
CRITERIA = "90% of clause questions answered with a correct citation"


def stored(settings: Settings) -> str:
    """Every row of the session memory tables, as text."""
    app = AgentApp(settings)
    with app.db.reading() as conn:
        rows = [
            dict(r)
            for table in ("session_memory", "session_events")
            for r in conn.execute(f"SELECT * FROM {table}").fetchall()
        ]
    return json.dumps(rows, default=str)


async def test_a_conversation_is_resumed_from_a_fresh_client_with_only_its_session_id(settings: Settings) -> None:
    settings = settings.model_copy(update={"approval_port": 0})
    async with Client(build_server(settings)) as first:
        session_id = (await first.call_tool("get_session", {})).structured_content["session_id"]
        recommended = await first.call_tool(
            "recommend_funding", {"opportunity_id": "O4000001", "session_id": session_id}
        )
        assert not recommended.is_error
        asked = (await first.call_tool("draft_funding_request", {**DRAFT, "session_id": session_id})).structured_content
        assert asked["status"] == "needs_input" and [q["field"] for q in asked["questions"]] == ["SuccessCriteria"]
        midway = (await first.call_tool("get_session", {"session_id": session_id})).structured_content
        assert [(q["about"], q["field"]) for q in midway["open_questions"]] == [
            ("draft_funding_request O4000001 proof-of-concept", "SuccessCriteria")
        ]
        waiting = (
            await first.call_tool(
                "draft_funding_request", {**DRAFT, "session_id": session_id, "answers": {"SuccessCriteria": CRITERIA}}
            )
        ).structured_content
        assert waiting["status"] == "requires_approval"
    approval_id = waiting["approval"]["approval_id"]

    # the next morning, in another client: nothing but the session id
    async with Client(build_server(settings)) as fresh:
        resumed = await fresh.call_tool("get_session", {"session_id": session_id})
        where = resumed.structured_content
        assert len(resumed.content[0].text) <= 6000
        assert [a["approval_id"] for a in where["pending_approvals"]] == [approval_id]
        assert where["pending_approvals"][0]["approve_url"].startswith("http://localhost:")
        assert where["answers"] == {"draft_funding_request O4000001 proof-of-concept": {"SuccessCriteria": CRITERIA}}
        assert "open_questions" not in where  # answered
        assert where["about"] == {"opportunities": ["O4000001"]}
        assert [e["outcome"] for e in where["events"]] == ["answered", "needs_input", "requires_approval"]
        assert (
            where["events"][0]["summary"].startswith("recommended ") and "for O4000001" in where["events"][0]["summary"]
        )
        assert where["event_count"] == 3 and "arguments" not in where["events"][0]

        prompt = await fresh.get_prompt("resume_session", {"session_id": session_id})
        text = prompt.messages[0].content.text
        assert session_id in text and "get_session" in text

        again = (await fresh.call_tool("draft_funding_request", {**DRAFT, "session_id": session_id})).structured_content
        assert again["status"] == "requires_approval"  # not asked again: the session's answer was used
        assert again["approval"]["approval_id"] == approval_id  # the same change still waiting, not a second one
        assert CRITERIA in again["approval"]["preview"]

        other = (await fresh.call_tool("draft_funding_request", {**DRAFT})).structured_content
        assert other["status"] == "needs_input"  # another session does not know the answer


async def test_a_call_without_session_id_stores_nothing_unless_it_leaves_a_change_waiting(settings: Settings) -> None:
    settings = settings.model_copy(update={"approval_port": 0})
    async with Client(build_server(settings)) as client:
        for tool, arguments in [
            ("get_partner_profile", {}),
            ("list_opportunities", {}),
            ("get_session", {}),
            ("list_sessions", {}),
            ("recommend_funding", {"opportunity_id": "O4000001"}),
        ]:
            assert not (await client.call_tool(tool, arguments)).is_error
        assert stored(settings) == "[]"
        assert (await client.call_tool("list_sessions", {})).structured_content == {"sessions": []}
        waiting = (await client.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
        assert waiting["status"] == "requires_approval"
        listed = (await client.call_tool("list_sessions", {})).structured_content["sessions"]
    assert [(s["session_id"], s["pending_approvals"]) for s in listed] == [(waiting["session_id"], 1)]
    assert "update_profile: waits for the person's approval" in listed[0]["last"]


async def test_sessions_of_another_principal_are_never_listed_read_or_written(settings: Settings) -> None:
    async with (
        Client(build_server(settings.model_copy(update={"user": "alice"}))) as alice,
        Client(build_server(settings.model_copy(update={"user": "bob"}))) as bob,
    ):
        alices = (await alice.call_tool("get_session", {})).structured_content["session_id"]
        await alice.call_tool("list_opportunities", {"session_id": alices})
        assert [
            s["session_id"] for s in (await alice.call_tool("list_sessions", {})).structured_content["sessions"]
        ] == [alices]
        assert (await bob.call_tool("list_sessions", {})).structured_content == {"sessions": []}
        read = await bob.call_tool("get_session", {"session_id": alices, "detail": "full"})
        assert read.is_error and "does not exist or has expired" in read.content[0].text
        written = await bob.call_tool("get_opportunity", {"opportunity_id": "O4000001", "session_id": alices})
        assert written.is_error
        unknown = await alice.call_tool("get_session", {"session_id": "session-00000000-0000-4000-8000-000000000000"})
        assert unknown.is_error and "does not exist or has expired" in unknown.content[0].text
        mine = (await alice.call_tool("get_session", {"session_id": alices})).structured_content
    assert mine["event_count"] == 1 and mine["events"][0]["tool"] == "list_opportunities"


async def test_events_expire_with_their_session(settings: Settings) -> None:
    short = settings.model_copy(update={"session_ttl_hours": 0.5 / 3600})
    async with Client(build_server(short)) as client:
        session_id = (await client.call_tool("get_session", {})).structured_content["session_id"]
        await client.call_tool("list_opportunities", {"session_id": session_id})
        assert session_id in stored(short)
        time.sleep(1.0)  # past the session's end and the tidy interval (`agent.app.TIDY_INTERVAL`)
        expired = await client.call_tool("get_session", {"session_id": session_id})
        assert expired.is_error and "expired" in expired.content[0].text
        assert (await client.call_tool("list_sessions", {})).structured_content == {"sessions": []}
    assert stored(short) == "[]"  # purged with the session


async def test_past_the_cap_the_oldest_events_are_summarised_away(settings: Settings) -> None:
    capped = settings.model_copy(update={"session_max_events": 10})
    async with Client(build_server(capped)) as client:
        session_id = (await client.call_tool("get_session", {})).structured_content["session_id"]
        for _ in range(3):
            await client.call_tool("get_partner_profile", {"session_id": session_id})
        for _ in range(11):
            await client.call_tool("list_opportunities", {"session_id": session_id})
        full = (await client.call_tool("get_session", {"session_id": session_id, "detail": "full"})).structured_content
        short = (await client.call_tool("get_session", {"session_id": session_id})).structured_content
    assert full["event_count"] == 14
    assert [e["seq"] for e in full["events"]] == list(range(5, 15))
    assert full["earlier"]["events"] == 4
    assert full["earlier"]["tools"] == {"get_partner_profile": 3, "list_opportunities": 1}
    assert full["events"][0]["arguments"] == {}
    assert [e["seq"] for e in short["events"]] == list(range(10, 15)) and "next_offset" not in short


async def test_detail_full_pages_through_every_event(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        session_id = (await client.call_tool("get_session", {})).structured_content["session_id"]
        for number in range(30):
            await client.call_tool("list_opportunities", {"session_id": session_id, "max_results": number % 5 + 1})
        first = (await client.call_tool("get_session", {"session_id": session_id, "detail": "full"})).structured_content
        second = (
            await client.call_tool(
                "get_session", {"session_id": session_id, "detail": "full", "offset": first["next_offset"]}
            )
        ).structured_content
    assert [e["seq"] for e in first["events"]] == list(range(6, 31)) and first["next_offset"] == 25
    assert [e["seq"] for e in second["events"]] == list(range(1, 6)) and "next_offset" not in second
    assert second["events"][0]["arguments"] == {"max_results": 1}


async def test_no_code_token_tax_id_or_file_content_ever_lands_in_an_event(settings: Settings) -> None:
    settings = settings.model_copy(update={"approval_port": 0})
    content = base64.b64encode(b"%PDF-1.4 the partner's confidential campaign plan, page one of many").decode()
    secrets_sent = [
        "493817",
        "dana.new@altocloud.example",
        content,
        "12-3456789",
        "123-45-6789",
        "pca_4f2a9c1e_Zx8yWq3sVt6uRp1oNm4l",
        "DE123456789",
    ]
    async with Client(build_server(settings)) as client:
        session_id = (await client.call_tool("get_session", {})).structured_content["session_id"]
        calls = [
            (
                "update_profile",
                {"alliance_lead": {"email": "dana.new@altocloud.example"}, "email_verification_code": "493817"},
            ),
            (
                "manage_training_domains",
                {"action": "associate", "email": "dana.new@altocloud.example", "email_verification_code": "493817"},
            ),
            (
                "manage_funding_request",
                {
                    "funding_request_id": "benappl-00000000000000",
                    "action": "attach",
                    "files": [{"name": "plan.pdf", "content_base64": content}],
                },
            ),
            ("list_opportunities", {"customer_name": "EIN 12-3456789 SSN 123-45-6789 VAT DE123456789"}),
            ("list_opportunities", {"customer_name": "token pca_4f2a9c1e_Zx8yWq3sVt6uRp1oNm4l"}),
            ("draft_funding_request", {**DRAFT, "answers": {"SuccessCriteria": "our EIN is 12-3456789, code 493817"}}),
        ]
        for tool, arguments in calls:
            await client.call_tool(tool, {**arguments, "session_id": session_id})
        full = (await client.call_tool("get_session", {"session_id": session_id, "detail": "full"})).structured_content
    assert full["event_count"] == len(calls), [e["summary"] for e in full["events"]]
    assert [e["tool"] for e in full["events"]] == [tool for tool, _ in calls]
    everything = stored(settings) + json.dumps(full)
    leaked = [secret for secret in secrets_sent if secret in everything]
    assert leaked == []
    assert "HIDDEN_DUE_TO_SECURITY_REASONS" in json.dumps(full["events"][0]["arguments"])
