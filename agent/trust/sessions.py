"""Sessions: a conversation's scope, bound to one principal and gone 48 hours (by default) after creation.

A session id is ``session-<uuid4>`` whose random-looking bits carry its creation time, a nonce and an HMAC of
both with the principal (keyed by the server secret): any worker can check an id without a database, and a read
tool call writes nothing. A session gets a row only when it holds something (a change waiting for approval), so
that when it expires what it held goes with it: the records of its ended approvals. An approval still open lives
until its own ``expires_at`` (or until its write ends), and its record goes at the next purge after that. A session's events and answers (`agent.trust.memory`) carry its
expiry and go with it.
"""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from agent.errors import AgentError
from agent.storage import Database, PostgresDatabase, utcnow
from agent.trust.identity import Principal

SESSION_ID_PATTERN = r"^session-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"

_MILLIS_BITS, _NONCE_BITS, _MAC_BITS = 44, 18, 60
"""The 122 free bits of a version-4 UUID: creation time in ms (until the year 2527), a nonce, the HMAC."""


_ENDED_WITHOUT_SESSION = "a.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = a.session_id)"
"""Approvals whose flow ended and whose session is gone (expired): nothing of them is kept."""


class Session(BaseModel):
    session_id: str
    partner_id: str
    created_at: datetime
    expires_at: datetime


class SessionError(AgentError):
    """A session id that cannot be used by this caller: malformed, unknown, someone else's or expired."""


class SessionStore:
    def __init__(self, db: Database | PostgresDatabase, ttl: timedelta, sign: Callable[[str], str]):
        self.db = db
        self.ttl = ttl
        self.sign = sign
        """The server's HMAC (`ApprovalStore.sign`), which session ids carry."""

    def open(self, principal: Principal, session_id: str | None) -> Session:
        """The caller's session ``session_id``, or a new one when it is None (nothing is stored for it)."""
        if session_id is None:
            millis, nonce = round(utcnow().timestamp() * 1000), secrets.randbits(_NONCE_BITS)
            bits = (millis << (_NONCE_BITS + _MAC_BITS)) | (nonce << _MAC_BITS) | self._mac(principal, millis, nonce)
            return self._session(principal, f"session-{_as_uuid4(bits)}", _from_millis(millis))
        if not re.fullmatch(SESSION_ID_PATTERN.strip("^$"), session_id):
            raise SessionError(
                f"{session_id!r} is not a session id (session-<uuid4>). Omit session_id to start a new session."
            )
        session = self._signed(principal, session_id) or self._stored(principal, session_id)
        # Someone else's session looks exactly like an unknown one: ids are not confirmed to strangers.
        if session is None or session.expires_at <= utcnow():
            raise SessionError(
                f"Session {session_id} does not exist or has expired. Omit session_id to start a new session."
            )
        return session

    def keep(self, principal: Principal, session_id: str) -> Session:
        """Store the session, which is about to hold something (an approval), so it is purged when it expires."""
        session = self.open(principal, session_id)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions(id, principal, partner_id, created_at, expires_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT DO NOTHING",
                (
                    session.session_id,
                    principal.key,
                    principal.partner_id,
                    session.created_at.isoformat(),
                    session.expires_at.isoformat(),
                ),
            )
        return session

    def purge_expired(self, now: datetime | None = None) -> list[str]:
        """Delete expired sessions and the ended approvals of sessions that are gone; returns the expired ids."""
        cutoff = (now or utcnow()).isoformat()
        with self.db.reading() as conn:  # the common case, nothing expired, costs no write
            if (
                conn.execute(
                    "SELECT 1 FROM sessions WHERE expires_at <= ? UNION ALL SELECT 1 FROM session_memory"
                    " WHERE expires_at <= ? UNION ALL SELECT 1 FROM approvals a"
                    f" WHERE {_ENDED_WITHOUT_SESSION} LIMIT 1",
                    (cutoff, cutoff),
                ).fetchone()
                is None
            ):
                return []
        with self.db.transaction() as conn:
            expired = [r["id"] for r in conn.execute("SELECT id FROM sessions WHERE expires_at <= ?", (cutoff,))]
            conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (cutoff,))
            conn.execute("DELETE FROM session_memory WHERE expires_at <= ?", (cutoff,))  # what happened in them
            conn.execute("DELETE FROM session_events WHERE expires_at <= ?", (cutoff,))
            conn.execute(f"DELETE FROM approvals AS a WHERE {_ENDED_WITHOUT_SESSION}")
        return expired

    def _mac(self, principal: Principal, millis: int, nonce: int) -> int:
        return int(self.sign(f"session:{principal.key}:{millis}:{nonce}")[: _MAC_BITS // 4], 16)

    def _signed(self, principal: Principal, session_id: str) -> Session | None:
        """The session an id signed for ``principal`` names, or None when the signature is not this principal's."""
        bits = _from_uuid4(uuid.UUID(session_id.removeprefix("session-")))
        millis, nonce = bits >> (_NONCE_BITS + _MAC_BITS), (bits >> _MAC_BITS) & ((1 << _NONCE_BITS) - 1)
        if not hmac.compare_digest(f"{bits & ((1 << _MAC_BITS) - 1):x}", f"{self._mac(principal, millis, nonce):x}"):
            return None
        return self._session(principal, session_id, _from_millis(millis))

    def _stored(self, principal: Principal, session_id: str) -> Session | None:
        """A session stored before ids were signed (it keeps its row until it expires)."""
        with self.db.reading() as conn:
            row = conn.execute("SELECT * FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None or row["principal"] != principal.key:
            return None
        return Session(
            session_id=row["id"],
            partner_id=row["partner_id"],
            created_at=datetime.fromisoformat(row["created_at"]),
            expires_at=datetime.fromisoformat(row["expires_at"]),
        )

    def _session(self, principal: Principal, session_id: str, created: datetime) -> Session:
        return Session(
            session_id=session_id, partner_id=principal.partner_id, created_at=created, expires_at=created + self.ttl
        )


def _from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def _as_uuid4(bits: int) -> uuid.UUID:
    """A version-4 UUID carrying 122 ``bits`` around its fixed version and variant bits."""
    high, middle, low = bits >> 74, (bits >> 62) & 0xFFF, bits & ((1 << 62) - 1)
    return uuid.UUID(int=(high << 80) | (0x4 << 76) | (middle << 64) | (0b10 << 62) | low)


def _from_uuid4(value: uuid.UUID) -> int:
    number = value.int
    return ((number >> 80) << 74) | (((number >> 64) & 0xFFF) << 62) | (number & ((1 << 62) - 1))
