"""Approvals: a person's yes or no to one exact change, bound, single use and short-lived.

An approval is bound to the principal and session that asked for the change and to the SHA-256 of the
exact payload. Deciding is one atomic transition out of ``pending``; anything that does not match
(another principal or session, another payload, an expired or already used approval) is refused, and
the refusal is returned as data so the caller can audit it. Nothing here writes to a backend.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from agent.storage import Database, utcnow
from agent.trust.identity import Principal

Status = Literal["pending", "approved", "rejected", "applied", "failed", "expired", "refused"]
Channel = Literal["elicitation", "page", "tool"]


class Approval(BaseModel):
    approval_id: str
    flow_id: str
    principal: str
    session_id: str
    tool: str
    parameters: dict[str, Any]
    preview: str
    payload_sha256: str
    status: Status
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None
    channel: Channel | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None


class Decision(BaseModel):
    """A person's answer, as a channel received it, with what it is bound to."""

    approval_id: str
    approve: bool
    channel: Channel
    principal: str
    session_id: str
    payload_sha256: str
    reason: str | None = None


class Verdict(BaseModel):
    """What became of a decision: ``approved``/``rejected`` when it counted, ``refused`` with why otherwise."""

    outcome: Literal["approved", "rejected", "refused"]
    reason: str


class ApprovalStore:
    def __init__(self, db: Database, secret_file: Path, ttl: timedelta) -> None:
        self.db = db
        self.ttl = ttl
        self._secret_file = secret_file
        self._secret: bytes | None = None

    def open(
        self, *, flow_id: str, principal: Principal, session_id: str, tool: str, parameters: dict[str, Any],
        preview: str, payload_sha256: str,
    ) -> Approval:
        """The approval of flow ``flow_id``, created on first call; later calls return the same one."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE flow_id=?", (flow_id,)).fetchone()
            if row is None:
                now = utcnow()
                conn.execute(
                    "INSERT INTO approvals(id, flow_id, principal, session_id, tool, parameters, preview, payload_sha256,"
                    " status, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?, 'pending', ?, ?)",
                    (f"appr-{secrets.token_hex(8)}", flow_id, principal.key, session_id, tool,
                     json.dumps(parameters, default=str), preview, payload_sha256, now.isoformat(),
                     (now + self.ttl).isoformat()),
                )
                row = conn.execute("SELECT * FROM approvals WHERE flow_id=?", (flow_id,)).fetchone()
        return _approval(row)

    def get(self, approval_id: str) -> Approval | None:
        with self.db.reading() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id=?", (approval_id,)).fetchone()
        return _approval(row) if row else None

    def decide(self, decision: Decision, payload_sha256: str) -> Verdict:
        """Record ``decision`` if it is valid for the pending approval whose payload is ``payload_sha256`` now."""
        now = utcnow()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id=?", (decision.approval_id,)).fetchone()
            problem = _why_refused(row, decision, payload_sha256, now)
            if problem:
                if row is not None and row["status"] == "pending" and row["expires_at"] <= now.isoformat():
                    conn.execute("UPDATE approvals SET status='expired', reason=? WHERE id=?", (problem, row["id"]))
                return Verdict(outcome="refused", reason=problem)
            status = "approved" if decision.approve else "rejected"
            reason = decision.reason or ("approved by the person" if decision.approve else "declined by the person")
            updated = conn.execute(
                "UPDATE approvals SET status=?, decided_at=?, channel=?, reason=? WHERE id=? AND status='pending'",
                (status, now.isoformat(), decision.channel, reason, decision.approval_id),
            ).rowcount
        if updated != 1:  # another decision won the race
            return Verdict(outcome="refused", reason="This approval was already used; ask for the change again.")
        return Verdict(outcome=status, reason=reason)

    def expire_due(self) -> list[Approval]:
        """Mark pending approvals whose time ran out as expired; returns them (for the audit trail)."""
        now = utcnow().isoformat()
        with self.db.reading() as conn:  # the common case, nothing due, costs no write
            if conn.execute("SELECT 1 FROM approvals WHERE status='pending' AND expires_at <= ? LIMIT 1", (now,)).fetchone() is None:
                return []
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT * FROM approvals WHERE status='pending' AND expires_at <= ?", (now,)).fetchall()
            conn.execute(
                "UPDATE approvals SET status='expired', reason='nobody decided before it expired'"
                " WHERE status='pending' AND expires_at <= ?", (now,),
            )
        return [_approval(row).model_copy(update={"status": "expired"}) for row in rows]

    def refuse(self, approval_id: str, reason: str) -> None:
        """Close a still-pending approval whose flow refused the decision (it can never be decided again)."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE approvals SET status='refused', reason=? WHERE id=? AND status='pending'",
                         (reason, approval_id))

    def finish(self, approval_id: str, status: Literal["applied", "failed"], result: dict[str, Any]) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE approvals SET status=?, result=? WHERE id=?", (status, json.dumps(result, default=str), approval_id))

    def sign(self, text: str) -> str:
        """An HMAC of ``text`` with this server's secret (DATA_DIR/secret.key): unforgeable by anyone else."""
        return hmac.new(self._load_secret(), text.encode(), hashlib.sha256).hexdigest()[:32]

    def payload_digest(self, payload: Any) -> str:
        """The identity of an exact change: an HMAC-SHA-256 of the payload's canonical JSON with this server's
        secret, so a digest shown in a form or stored in a checkpoint reveals nothing (not even a 6-digit code)."""
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
        return hmac.new(self._load_secret(), canonical.encode(), hashlib.sha256).hexdigest()

    def page_key(self, approval_id: str) -> str:
        """The secret that makes an approval page link work: only the link's holder can open the page."""
        return self.sign(approval_id)

    def check_page_key(self, approval_id: str, key: str) -> bool:
        return hmac.compare_digest(self.page_key(approval_id), key or "")

    def _load_secret(self) -> bytes:
        """This server's 32-byte secret, created once. It appears whole or not at all (written aside, then linked
        into place), so a second process starting at the same moment never reads a half-written key."""
        if self._secret is None:
            path = self._secret_file
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, staged = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(secrets.token_bytes(32))
                        handle.flush()
                        os.fsync(handle.fileno())
                    os.link(staged, path)
                except FileExistsError:
                    pass  # another process created it first: use theirs
                finally:
                    os.unlink(staged)
            secret = path.read_bytes()
            if len(secret) != 32:
                raise RuntimeError(f"{path} is not a 32-byte secret; remove it and restart the server to create a new one.")
            self._secret = secret
        return self._secret


def binding_problem(approval: Approval | None, principal: str, session_id: str, now: datetime) -> str | None:
    """Why ``principal`` in ``session_id`` may not decide ``approval`` now, or None if it may."""
    if approval is None:
        return "There is no such approval (it may have expired with its session)."
    if approval.principal != principal:
        return "This approval belongs to another principal; only the person who asked for the change can decide it."
    if approval.session_id != session_id:
        return "This approval belongs to another session; decide it in the session that asked for the change."
    if approval.status == "expired" or (approval.status == "pending" and approval.expires_at <= now):
        return "This approval expired before it was decided; ask for the change again."
    if approval.status != "pending":
        return f"This approval was already used ({approval.status}); approvals are single use. Ask for the change again."
    return None


def _why_refused(row: sqlite3.Row | None, decision: Decision, payload_sha256: str, now: datetime) -> str | None:
    problem = binding_problem(_approval(row) if row else None, decision.principal, decision.session_id, now)
    if problem:
        return problem
    if not hmac.compare_digest(row["payload_sha256"], payload_sha256) or not hmac.compare_digest(
        row["payload_sha256"], decision.payload_sha256
    ):
        return "The change differs from the one that was shown for approval; nothing was written. Ask for it again."
    return None


def _approval(row: sqlite3.Row) -> Approval:
    return Approval(
        approval_id=row["id"], flow_id=row["flow_id"], principal=row["principal"], session_id=row["session_id"],
        tool=row["tool"], parameters=json.loads(row["parameters"]), preview=row["preview"],
        payload_sha256=row["payload_sha256"], status=row["status"], created_at=row["created_at"],
        expires_at=row["expires_at"], decided_at=row["decided_at"], channel=row["channel"], reason=row["reason"],
        result=json.loads(row["result"]) if row["result"] else None,
    )
