"""Sessions: a conversation's scope, bound to one principal and gone 48 hours (by default) after creation.

When a session expires, what it held goes with it: the records of its ended approvals. An approval still open
lives until its own ``expires_at`` (or until its write ends), and its record goes at the next purge after that.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel

from agent.storage import Database, utcnow
from agent.trust.identity import Principal

SESSION_ID_PATTERN = r"^session-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


class Session(BaseModel):
    session_id: str
    partner_id: str
    created_at: datetime
    expires_at: datetime


class SessionError(Exception):
    """A session id that cannot be used by this caller: malformed, unknown, someone else's or expired."""


class SessionStore:
    def __init__(self, db: Database, ttl: timedelta):
        self.db = db
        self.ttl = ttl

    def open(self, principal: Principal, session_id: str | None) -> Session:
        """The caller's session ``session_id``, or a new one when it is None."""
        self.purge_expired()
        if session_id is None:
            return self._create(principal)
        if not re.fullmatch(SESSION_ID_PATTERN.strip("^$"), session_id):
            raise SessionError(f"{session_id!r} is not a session id (session-<uuid4>). Omit session_id to start a new session.")
        with self.db.reading() as conn:
            row = conn.execute("SELECT * FROM sessions WHERE id=?", (session_id,)).fetchone()
        # Someone else's session looks exactly like an unknown one: ids are not confirmed to strangers.
        if row is None or row["principal"] != principal.key:
            raise SessionError(
                f"Session {session_id} does not exist or has expired. Omit session_id to start a new session."
            )
        return _session(row)

    def _create(self, principal: Principal) -> Session:
        now = utcnow()
        session = Session(
            session_id=f"session-{uuid.uuid4()}", partner_id=principal.partner_id, created_at=now, expires_at=now + self.ttl
        )
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions(id, principal, partner_id, created_at, expires_at) VALUES (?,?,?,?,?)",
                (session.session_id, principal.key, principal.partner_id, now.isoformat(), session.expires_at.isoformat()),
            )
        return session

    def purge_expired(self, now: datetime | None = None) -> list[str]:
        """Delete expired sessions and the ended approvals of sessions that are gone; returns the expired ids."""
        cutoff = (now or utcnow()).isoformat()
        with self.db.reading() as conn:  # the common case, nothing expired, costs no write
            if conn.execute("SELECT 1 FROM sessions WHERE expires_at <= ? LIMIT 1", (cutoff,)).fetchone() is None:
                return []
        with self.db.transaction() as conn:
            expired = [r["id"] for r in conn.execute("SELECT id FROM sessions WHERE expires_at <= ?", (cutoff,))]
            conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (cutoff,))
            conn.execute("DELETE FROM approvals WHERE closed_at IS NOT NULL AND session_id NOT IN (SELECT id FROM sessions)")
        return expired


def _session(row) -> Session:
    return Session(
        session_id=row["id"], partner_id=row["partner_id"],
        created_at=datetime.fromisoformat(row["created_at"]), expires_at=datetime.fromisoformat(row["expires_at"]),
    )
