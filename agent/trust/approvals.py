"""Approvals: a person's yes or no to one exact change, bound, single use and short-lived.

An approval is bound to the principal and session that asked for the change, to the partner account and the
IAM actions the change needs, and to a keyed digest of the exact payload. Deciding is one atomic transition out
of ``pending``, committed together with its audit event; anything that does not match (another principal or
session, another payload, an expired or already used approval) is refused, and the refusal is returned as data
so the caller can audit it. Ending a flow (applied, failed, declined, refused, expired) closes its approval in the
same transaction as the flow's audit events, so the record always tells what happened. Nothing here writes to a
backend.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from agent.storage import RUNNER, Connection, Database, PostgresDatabase, utcnow
from agent.trust.audit import AuditEvent, AuditLog, DecidedBy, user_identity
from agent.trust.identity import Principal

Status = Literal["pending", "approved", "rejected", "applied", "failed", "expired", "refused"]
Channel = Literal["form", "page", "tool"]


class Approval(BaseModel):
    approval_id: str
    flow_id: str
    principal: str
    requester: Principal
    session_id: str
    partner_id: str
    catalog: str
    actions: list[str]
    tool: str
    parameters: dict[str, Any]
    preview: str
    payload_sha256: str
    status: Status
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None
    decided_by: DecidedBy | None = None
    decision_id: str | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None
    closed_at: datetime | None = None

    def recorded_decision(self) -> Decision | None:
        """The decision this approval recorded, to deliver again to a flow a crash interrupted."""
        if self.decision_id is None or self.decided_by is None:
            return None
        return Decision(
            decision_id=self.decision_id,
            approval_id=self.approval_id,
            approve=self.status != "rejected",
            decided_by=self.decided_by,
            principal=self.principal,
            session_id=None,
            payload_sha256=self.payload_sha256,
            reason=self.reason,
        )


class Decision(BaseModel):
    """A person's answer, as a channel received it, with what it is bound to.

    ``principal`` is the principal the approval must belong to; ``session_id`` the session it must belong to
    (None for the approval page, where the person proves themselves with a passkey instead)."""

    decision_id: str
    approval_id: str
    approve: bool
    decided_by: DecidedBy
    principal: str
    session_id: str | None
    payload_sha256: str
    reason: str | None = None


class Verdict(BaseModel):
    """What became of a decision: ``approved``/``rejected`` when it counted, ``refused`` with why otherwise."""

    outcome: Literal["approved", "rejected", "refused"]
    reason: str


class ServerSecret(Protocol):
    """Where this server's 32-byte secret comes from; every worker of one deployment must load the same one."""

    def load(self) -> bytes: ...


class ApprovalStore:
    def __init__(
        self, db: Database | PostgresDatabase, audit: AuditLog, secret: ServerSecret, ttl: timedelta, region: str
    ) -> None:
        self.db = db
        self.audit = audit
        self.ttl = ttl
        self.region = region
        self._secret_source = secret
        self._secret: bytes | None = None

    def open(
        self,
        *,
        flow_id: str,
        principal: Principal,
        session_id: str,
        tool: str,
        actions: Sequence[str],
        parameters: dict[str, Any],
        preview: str,
        payload_sha256: str,
    ) -> Approval:
        """The approval of flow ``flow_id``, created on first call; later calls return the same one."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE flow_id=?", (flow_id,)).fetchone()
            if row is None:
                now = utcnow()
                conn.execute(
                    "INSERT INTO approvals(id, flow_id, principal, requester, session_id, partner_id, catalog, actions,"
                    " tool, parameters, preview, payload_sha256, status, created_at, expires_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?)",
                    (
                        f"appr-{secrets.token_hex(8)}",
                        flow_id,
                        principal.key,
                        principal.model_dump_json(),
                        session_id,
                        principal.partner_id,
                        principal.catalog,
                        json.dumps(sorted(actions)),
                        tool,
                        json.dumps(parameters, default=str),
                        preview,
                        payload_sha256,
                        now.isoformat(),
                        (now + self.ttl).isoformat(),
                    ),
                )
                row = conn.execute("SELECT * FROM approvals WHERE flow_id=?", (flow_id,)).fetchone()
        return _approval(row)

    def get(self, approval_id: str) -> Approval | None:
        with self.db.reading() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id=?", (approval_id,)).fetchone()
        return _approval(row) if row else None

    def pending_count(self, principal_key: str) -> int:
        """How many approvals of ``principal_key`` wait for a decision now."""
        with self.db.reading() as conn:
            return conn.execute(
                "SELECT COUNT(*) AS n FROM approvals WHERE principal=? AND status='pending' AND expires_at > ?",
                (principal_key, utcnow().isoformat()),
            ).fetchone()["n"]

    def pending_in(self, principal_key: str, session_id: str) -> list[Approval]:
        """The approvals of ``principal_key``'s session ``session_id`` that wait for a decision now, oldest first."""
        with self.db.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM approvals WHERE principal=? AND session_id=? AND status='pending'"
                f" AND expires_at > ? ORDER BY created_at, {self.db.insertion_order}",
                (principal_key, session_id, utcnow().isoformat()),
            ).fetchall()
        return [_approval(row) for row in rows]

    def has_pending(self) -> bool:
        with self.db.reading() as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM approvals WHERE status='pending' AND expires_at > ? LIMIT 1", (utcnow().isoformat(),)
                ).fetchone()
                is not None
            )

    def decide(self, decision: Decision, payload_sha256: str) -> Verdict:
        """Record ``decision`` and its audit event, if it is valid for the pending approval whose payload is
        ``payload_sha256`` now. Delivering the same decision again returns the verdict it got (a flow resumed
        after a crash repeats it)."""
        now = utcnow()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id=?", (decision.approval_id,)).fetchone()
            if row is not None and row["decision_id"] == decision.decision_id:
                return Verdict(
                    outcome=row["status"] if row["status"] in ("approved", "rejected") else "approved",
                    reason=row["reason"],
                )
            problem = decision_problem(_approval(row) if row else None, decision, payload_sha256, now)
            if problem:
                if row is not None and row["status"] == "pending" and row["expires_at"] <= now.isoformat():
                    self._close(conn, _approval(row), "expired", EXPIRED_REASON, now)
                return Verdict(outcome="refused", reason=problem)
            status = "approved" if decision.approve else "rejected"
            reason = decision.reason or ("approved by the person" if decision.approve else "declined by the person")
            conn.execute(
                "UPDATE approvals SET status=?, decided_at=?, decided_by=?, decision_id=?, reason=? WHERE id=?",
                (
                    status,
                    now.isoformat(),
                    decision.decided_by.model_dump_json(),
                    decision.decision_id,
                    reason,
                    decision.approval_id,
                ),
            )
            self.audit.insert(conn, self._decision_event(_approval(row), decision, status, reason, now))
        return Verdict(outcome=status, reason=reason)

    def audit_refused_decision(self, approval: Approval, decision: Decision, reason: str) -> None:
        """Record a decision that did not count (wrong person, expired, replayed...): who tried, and why not."""
        with self.db.transaction() as conn:
            self.audit.insert(conn, self._decision_event(approval, decision, "refused", reason, utcnow(), unique=False))

    def failed_check(self, approval: Approval, decision: Decision, reason: str) -> bool:
        """Record an attempt to decide that proved no one (a passkey check that failed), with its audit event.
        After `MAX_FAILED_CHECKS` of them the approval is closed as refused, so nobody can try forever (or fill
        the audit trail); returns whether it was closed. An approval no longer pending records nothing."""
        now = utcnow()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id=?", (approval.approval_id,)).fetchone()
            if row is None or row["status"] != "pending":
                return False
            failed = row["failed_checks"] + 1
            conn.execute("UPDATE approvals SET failed_checks=? WHERE id=?", (failed, approval.approval_id))
            self.audit.insert(conn, self._decision_event(approval, decision, "refused", reason, now, unique=False))
            if failed < MAX_FAILED_CHECKS:
                return False
            conn.execute(
                "UPDATE approvals SET status='refused', reason=?, closed_at=? WHERE id=?",
                (TOO_MANY_FAILED_CHECKS, now.isoformat(), approval.approval_id),
            )
        return True

    def expire_due(self) -> list[Approval]:
        """Close pending approvals whose time ran out, each with its audit event; returns them."""
        now = utcnow()
        with self.db.reading() as conn:  # the common case, nothing due, costs no write
            if (
                conn.execute(
                    "SELECT 1 FROM approvals WHERE status='pending' AND expires_at <= ? LIMIT 1", (now.isoformat(),)
                ).fetchone()
                is None
            ):
                return []
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM approvals WHERE status='pending' AND expires_at <= ?", (now.isoformat(),)
            ).fetchall()
            expired = [self._close(conn, _approval(row), "expired", EXPIRED_REASON, now) for row in rows]
        return expired

    def close(
        self,
        approval_id: str,
        status: Literal["applied", "failed", "rejected", "refused"],
        reason: str | None,
        result: dict[str, Any] | None,
        events: list[AuditEvent],
    ) -> None:
        """End a flow's approval with its outcome and audit events, all in one transaction (idempotent)."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id=?", (approval_id,)).fetchone()
            if row is None or row["closed_at"] is not None:
                return
            conn.execute(
                "UPDATE approvals SET status=?, reason=COALESCE(?, reason), result=?, closed_at=? WHERE id=?",
                (
                    status,
                    reason,
                    json.dumps(result, default=str) if result is not None else None,
                    utcnow().isoformat(),
                    approval_id,
                ),
            )
            for event in events:
                self.audit.insert(conn, event)

    def claim(self, approval_id: str) -> bool:
        """Make this process the one that runs the approval's flow, unless another live process already does:
        two workers sharing a database never run the same write at once. The claim is a row lock: taken in a
        serialized write transaction, it lapses with its runner (whose liveness the database tells, see
        `Database.runner_alive`; or after `LEASE` when it cannot be seen), and is given back with `release`."""
        self.db.announce()
        now = utcnow()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT runner, lease_until, closed_at FROM approvals WHERE id=?", (approval_id,)
            ).fetchone()
            if row is None or row["closed_at"] is not None:
                return False
            held = row["runner"] not in (None, RUNNER) and row["lease_until"] > now.isoformat()
            if held and self.db.runner_alive(row["runner"]):
                return False
            conn.execute(
                "UPDATE approvals SET runner=?, lease_until=? WHERE id=?",
                (RUNNER, (now + LEASE).isoformat(), approval_id),
            )
        return True

    def release(self, approval_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE approvals SET runner=NULL, lease_until=NULL WHERE id=? AND runner=?", (approval_id, RUNNER)
            )

    def decided_open(self) -> list[Approval]:
        """Approvals decided but whose flow has not ended (it was interrupted): resumed at start-up."""
        with self.db.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM approvals WHERE status IN ('approved', 'rejected') AND closed_at IS NULL"
                " ORDER BY decided_at"
            ).fetchall()
        return [_approval(row) for row in rows]

    def flows(self) -> tuple[set[str], set[str]]:
        """The flows whose approval is still open (pending, or decided and not ended: their checkpoints are needed),
        and those whose approval is closed (theirs are not)."""
        with self.db.reading() as conn:
            rows = conn.execute("SELECT flow_id, closed_at FROM approvals").fetchall()
        return {r["flow_id"] for r in rows if r["closed_at"] is None}, {r["flow_id"] for r in rows if r["closed_at"]}

    def _close(self, conn: Connection, approval: Approval, status: Status, reason: str, now: datetime) -> Approval:
        conn.execute(
            "UPDATE approvals SET status=?, reason=?, closed_at=? WHERE id=?",
            (status, reason, now.isoformat(), approval.approval_id),
        )
        self.audit.insert(
            conn,
            AuditEvent(
                eventID=event_id(approval.approval_id, "expire"),
                eventTime=now,
                eventSource="partner-agent",
                eventName="ExpireApproval",
                awsRegion=self.region,
                userIdentity=user_identity(approval.requester),
                requestParameters={"tool": approval.tool},
                requestID=approval.flow_id,
                sessionId=approval.session_id,
                approvalId=approval.approval_id,
                decision="expired",
                reason=reason,
                tool=approval.tool,
            ),
        )
        return approval.model_copy(update={"status": status, "reason": reason, "closed_at": now})

    def _decision_event(
        self, approval: Approval, decision: Decision, outcome: str, reason: str, now: datetime, unique: bool = True
    ) -> AuditEvent:
        """The audit event of a decision; ``unique``: one per decision, so writing it again after a crash is a no-op."""
        ids = {"eventID": event_id(approval.approval_id, f"decision:{decision.decision_id}")} if unique else {}
        return AuditEvent(
            **ids,
            eventTime=now,
            eventSource="partner-agent",
            eventName="DecideApproval",
            awsRegion=self.region,
            userIdentity=user_identity(approval.requester),
            requestParameters={"approval_id": decision.approval_id, "approve": decision.approve},
            requestID=approval.flow_id,
            sessionId=approval.session_id,
            approvalId=approval.approval_id,
            decision=outcome,
            reason=reason,
            decidedBy=decision.decided_by,
            tool=approval.tool,
        )

    # digests and page keys

    def sign(self, text: str) -> str:
        """An HMAC of ``text`` with this server's secret (DATA_DIR/secret.key): unforgeable by anyone else."""
        return hmac.new(self._load_secret(), text.encode(), hashlib.sha256).hexdigest()[:32]

    def payload_digest(self, payload: Any) -> str:
        """The identity of an exact change: an HMAC-SHA-256 of the payload's canonical JSON with this server's
        secret, so a digest shown in a form or stored in a checkpoint reveals nothing (not even a 6-digit code)."""
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
        return hmac.new(self._load_secret(), canonical.encode(), hashlib.sha256).hexdigest()

    def page_key(self, approval_id: str) -> str:
        """The key that lets a browser read an approval's page. It travels in the link's fragment, which browsers
        never send to servers, so no server or proxy log holds it (the assistant has it: it is not a credential,
        deciding needs the person's passkey)."""
        return self.sign(f"page:{approval_id}")

    def check_page_key(self, approval_id: str, key: str) -> bool:
        return isinstance(key, str) and hmac.compare_digest(self.page_key(approval_id), key)

    def _load_secret(self) -> bytes:
        if self._secret is None:
            self._secret = self._secret_source.load()
        return self._secret


class FileSecret:
    """The secret in a file (DATA_DIR/secret.key), for the workers of one machine."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> bytes:
        """The 32-byte secret, created once. It appears whole or not at all (written aside, then linked into
        place), so a second process starting at the same moment never reads a half-written key."""
        path = self.path
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
        return secret


class DatabaseSecret:
    """The secret in the shared database, for workers on several machines: the first to start creates it."""

    def __init__(self, db: Database | PostgresDatabase) -> None:
        self.db = db

    def load(self) -> bytes:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO server_secrets(name, value) VALUES ('approvals', ?) ON CONFLICT DO NOTHING",
                (secrets.token_bytes(32),),
            )
            return bytes(conn.execute("SELECT value FROM server_secrets WHERE name='approvals'").fetchone()["value"])


EXPIRED_REASON = "Nobody approved or declined the change before it expired; nothing was written."
MAX_FAILED_CHECKS = 5
TOO_MANY_FAILED_CHECKS = (
    f"Closed after {MAX_FAILED_CHECKS} failed passkey checks: someone without a passkey allowed to "
    "decide this change kept trying. Nothing was written; ask for the change again."
)
LEASE = timedelta(minutes=10)
"""How long a claim holds against other processes when its runner cannot be seen to have died."""


def event_id(approval_id: str, what: str) -> str:
    """A deterministic audit event id, so an event written again after a crash is written once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"partner-agent:{approval_id}:{what}"))


def binding_problem(approval: Approval | None, principal: str, session_id: str | None, now: datetime) -> str | None:
    """Why a decision for ``principal`` in ``session_id`` (None: the page, proven by passkey) may not decide
    ``approval`` now, or None if it may."""
    if approval is None:
        return "There is no such approval."
    if approval.principal != principal:
        return "This approval belongs to another principal; only the person who asked for the change can decide it."
    if session_id is not None and approval.session_id != session_id:
        return "This approval belongs to another session; decide it in the session that asked for the change."
    if approval.status == "expired" or (approval.status == "pending" and approval.expires_at <= now):
        return "This approval expired before it was decided; ask for the change again."
    if approval.status != "pending":
        return (
            f"This approval was already used ({approval.status}); approvals are single use. Ask for the change again."
        )
    return None


def decision_problem(approval: Approval | None, decision: Decision, payload_sha256: str, now: datetime) -> str | None:
    problem = binding_problem(approval, decision.principal, decision.session_id, now)
    if problem:
        return problem
    if not hmac.compare_digest(approval.payload_sha256, payload_sha256) or not hmac.compare_digest(
        approval.payload_sha256, decision.payload_sha256
    ):
        return "The change differs from the one that was shown for approval; nothing was written. Ask for it again."
    return None


def _approval(row: Any) -> Approval:
    return Approval(
        approval_id=row["id"],
        flow_id=row["flow_id"],
        principal=row["principal"],
        requester=Principal.model_validate_json(row["requester"]),
        session_id=row["session_id"],
        partner_id=row["partner_id"],
        catalog=row["catalog"],
        actions=json.loads(row["actions"]),
        tool=row["tool"],
        parameters=json.loads(row["parameters"]),
        preview=row["preview"],
        payload_sha256=row["payload_sha256"],
        status=row["status"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        decided_at=row["decided_at"],
        decided_by=DecidedBy.model_validate_json(row["decided_by"]) if row["decided_by"] else None,
        decision_id=row["decision_id"],
        reason=row["reason"],
        result=json.loads(row["result"]) if row["result"] else None,
        closed_at=row["closed_at"],
    )
