"""What happened in a session: its events (one per tool call), what it is about, the answers the person gave
and the questions still open, so a conversation can be picked up again from another client with its session id.

Stored next to the rest of the agent's state (agent.db, or PostgreSQL) in two tables: ``session_memory`` (one row
per session: what it is about, the answers, the open questions, a summary of the events dropped to stay within the
cap) and ``session_events``. Both carry the session's ``expires_at`` and go with it (`SessionStore.purge_expired`).
Rows are only written for calls that name their session (or leave a change waiting in it): a call without a
session id stores nothing. What is stored has been redacted by the caller (`agent.trust.audit.redact_arguments`).
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.storage import Database, PostgresDatabase, utcnow
from agent.trust.identity import Principal
from agent.trust.sessions import Session

Outcome = Literal["answered", "needs_input", "requires_approval", "applied", "rejected", "failed"]
MAX_SUBJECTS = 20
"""At most this many opportunities (and as many fund requests) are kept as what a session is about, newest last."""


class SessionEvent(BaseModel):
    seq: int = Field(description="Its number in the session, from 1.")
    time: datetime
    tool: str
    outcome: Outcome
    summary: str
    approval_id: str | None = None
    arguments: dict[str, Any] | None = Field(default=None, description="Sensitive values hidden; with detail='full'.")


class Earlier(BaseModel):
    """The oldest events, summarised away to keep a session within its cap of events."""

    events: int
    since: datetime
    until: datetime
    tools: dict[str, int] = Field(description="How many calls of each tool.")
    outcomes: dict[str, int]


class OpenQuestion(BaseModel):
    about: str = Field(description="The call that asked, e.g. 'draft_funding_request O4000001 proof-of-concept'.")
    field: str
    question: str


class SessionState(BaseModel):
    opportunities: list[str] = []
    funding_requests: list[str] = []
    answers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="The person's answers to a draft's questions, by draft."
    )
    questions: list[OpenQuestion] = []
    earlier: Earlier | None = None


class SessionMemory(BaseModel):
    session_id: str
    partner_id: str
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    event_count: int = Field(description="Events recorded so far, those summarised away included.")
    state: SessionState


class CallNotes:
    """What one tool call asks to remember besides its event: answers (by draft) and questions the person was asked
        (by the call that asked them). A tool notes answers through `note_answers`; the recorder adds the questions of a
    needs_input result and stores it all with the call's event."""

    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.questions: dict[str, list[tuple[str, str]]] = {}


current_notes: ContextVar[CallNotes | None] = ContextVar("current_notes", default=None)


def note_answers(about: str, answers: dict[str, Any]) -> None:
    notes = current_notes.get()
    if notes is not None and answers:
        notes.answers[about] = dict(answers)


class MemoryStore:
    def __init__(self, db: Database | PostgresDatabase, max_events: int) -> None:
        self.db = db
        self.max_events = max_events

    def record(
        self,
        principal: Principal,
        session: Session,
        *,
        tool: str,
        outcome: Outcome,
        summary: str,
        arguments: dict[str, Any],
        approval_id: str | None = None,
        opportunities: list[str] = (),
        funding_requests: list[str] = (),
        notes: CallNotes | None = None,
    ) -> SessionEvent:
        """Add one event to ``session``, and what the call was about and noted, in one transaction. Past the cap,
        the oldest events are folded into the session's `Earlier` summary."""
        now = utcnow()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM session_memory WHERE session_id=?", (session.session_id,)).fetchone()
            if row is not None and row["principal"] != principal.key:  # never expected: ids are signed per principal
                raise ValueError("session belongs to another principal")
            state = SessionState.model_validate_json(row["state"]) if row else SessionState()
            seq = row["next_seq"] if row else 1
            event = SessionEvent(
                seq=seq,
                time=now,
                tool=tool,
                outcome=outcome,
                summary=summary,
                approval_id=approval_id,
                arguments=arguments,
            )
            _merge(state.opportunities, opportunities)
            _merge(state.funding_requests, funding_requests)
            for about, given in (notes.answers if notes else {}).items():
                state.answers[about] = {**state.answers.get(about, {}), **given}
            for about, asked in (notes.questions if notes else {}).items():
                state.questions = [q for q in state.questions if q.about != about] + [
                    OpenQuestion(about=about, field=field, question=text) for field, text in asked
                ]
            conn.execute(
                "INSERT INTO session_events(session_id, seq, expires_at, body) VALUES (?,?,?,?)",
                (session.session_id, seq, session.expires_at.isoformat(), event.model_dump_json()),
            )
            oldest = seq - self.max_events
            if oldest >= 1:
                dropped = conn.execute(
                    "SELECT body FROM session_events WHERE session_id=? AND seq<=? ORDER BY seq",
                    (session.session_id, oldest),
                ).fetchall()
                if dropped:
                    state.earlier = _fold(state.earlier, [SessionEvent.model_validate_json(r["body"]) for r in dropped])
                    conn.execute(
                        "DELETE FROM session_events WHERE session_id=? AND seq<=?", (session.session_id, oldest)
                    )
            if row is None:
                conn.execute(
                    "INSERT INTO session_memory(session_id, principal, partner_id, created_at, expires_at, updated_at,"
                    " next_seq, state) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        session.session_id,
                        principal.key,
                        session.partner_id,
                        session.created_at.isoformat(),
                        session.expires_at.isoformat(),
                        now.isoformat(),
                        seq + 1,
                        state.model_dump_json(),
                    ),
                )
            else:
                conn.execute(
                    "UPDATE session_memory SET updated_at=?, next_seq=?, state=? WHERE session_id=?",
                    (now.isoformat(), seq + 1, state.model_dump_json(), session.session_id),
                )
        return event

    def get(self, principal: Principal, session_id: str) -> SessionMemory | None:
        """The memory of ``principal``'s session ``session_id`` (None when it has none, or is someone else's)."""
        with self.db.reading() as conn:
            row = conn.execute(
                "SELECT * FROM session_memory WHERE session_id=? AND principal=? AND expires_at > ?",
                (session_id, principal.key, utcnow().isoformat()),
            ).fetchone()
        return _memory(row) if row else None

    def events(self, session_id: str, *, newest: int, skip: int = 0) -> list[SessionEvent]:
        """Up to ``newest`` events, skipping the ``skip`` newest, oldest first."""
        with self.db.reading() as conn:
            rows = conn.execute(
                "SELECT body FROM session_events WHERE session_id=? ORDER BY seq DESC LIMIT ? OFFSET ?",
                (session_id, newest, skip),
            ).fetchall()
        return [SessionEvent.model_validate_json(r["body"]) for r in reversed(rows)]

    def count(self, session_id: str) -> int:
        with self.db.reading() as conn:
            return conn.execute(
                "SELECT COUNT(*) AS n FROM session_events WHERE session_id=?", (session_id,)
            ).fetchone()["n"]

    def sessions(self, principal: Principal, limit: int) -> list[SessionMemory]:
        """``principal``'s own sessions that have not expired, most recently used first."""
        with self.db.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM session_memory WHERE principal=? AND expires_at > ? ORDER BY updated_at DESC LIMIT ?",
                (principal.key, utcnow().isoformat(), limit),
            ).fetchall()
        return [_memory(r) for r in rows]

    def answers(self, principal: Principal, session_id: str, about: str) -> dict[str, Any]:
        memory = self.get(principal, session_id)
        return dict(memory.state.answers.get(about, {})) if memory else {}


def _merge(kept: list[str], new: Any) -> None:
    for item in new:
        if item in kept:
            kept.remove(item)
        kept.append(item)
    del kept[:-MAX_SUBJECTS]


def _fold(earlier: Earlier | None, events: list[SessionEvent]) -> Earlier:
    tools = dict(earlier.tools) if earlier else {}
    outcomes = dict(earlier.outcomes) if earlier else {}
    for event in events:
        tools[event.tool] = tools.get(event.tool, 0) + 1
        outcomes[event.outcome] = outcomes.get(event.outcome, 0) + 1
    return Earlier(
        events=(earlier.events if earlier else 0) + len(events),
        since=earlier.since if earlier else events[0].time,
        until=events[-1].time,
        tools=dict(sorted(tools.items(), key=lambda kv: -kv[1])),
        outcomes=outcomes,
    )


def _memory(row: Any) -> SessionMemory:
    return SessionMemory(
        session_id=row["session_id"],
        partner_id=row["partner_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        event_count=row["next_seq"] - 1,
        state=SessionState.model_validate(json.loads(row["state"])),
    )
