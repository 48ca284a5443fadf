"""The audit trail: one CloudTrail-like event for every write that was applied, declined or refused.

Request parameters are redacted before they are stored: fields the service model marks sensitive, and
personal contact details, appear as ``HIDDEN_DUE_TO_SECURITY_REASONS`` (CloudTrail's own wording).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.storage import Connection, Database, PostgresDatabase, utcnow
from agent.trust.identity import Principal

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
PERSONAL_FIELDS = frozenset({"Email", "Phone", "FirstName", "LastName", "BusinessTitle", "EmailVerificationCode"})
Outcome = Literal["approved", "applied", "rejected", "refused", "expired", "failed"]


class UserIdentity(BaseModel):
    type: Literal["PartnerAgentUser", "PartnerAgentToken"]
    principalId: str
    userName: str
    partnerId: str
    catalog: str
    policies: list[str]


class DecidedBy(BaseModel):
    """Who decided an approval, through which channel, and how they proved they are that person."""

    name: str
    id: str = Field(description="The deciding principal's key, or the approver id of a passkey holder.")
    channel: Literal["form", "page", "tool"]
    verification: str


class AuditEvent(BaseModel):
    eventVersion: str = "1.08"
    eventID: str = Field(default_factory=lambda: str(uuid.uuid4()))
    eventTime: datetime = Field(default_factory=utcnow)
    eventSource: str
    eventName: str
    awsRegion: str
    userIdentity: UserIdentity
    requestParameters: dict[str, Any]
    responseElements: dict[str, Any] | None = None
    requestID: str
    readOnly: bool = False
    sessionId: str | None = None
    approvalId: str | None = None
    decision: Outcome
    reason: str | None = None
    errorCode: str | None = None
    decidedBy: DecidedBy | None = None
    tool: str


def user_identity(principal: Principal) -> UserIdentity:
    return UserIdentity(
        type="PartnerAgentToken" if principal.source == "token" else "PartnerAgentUser",
        principalId=principal.key, userName=principal.name, partnerId=principal.partner_id,
        catalog=principal.catalog, policies=list(principal.policies),
    )


@cache
def _sensitive_members(service: str, operation: str) -> frozenset[str]:
    """Member names the service model marks sensitive anywhere in the operation's input."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)  # the model alone: no client to build
    if operation not in model.operation_names:  # console-only actions (delete, cash claims) carry no model
        return frozenset()
    names: set[str] = set()

    def walk(shape, seen: set[str]) -> None:
        if shape.name in seen:
            return
        seen.add(shape.name)
        for name, member in getattr(shape, "members", {}).items():
            if member.metadata.get("sensitive"):
                names.add(name)
            target = getattr(member, "member", None) or member
            walk(target, seen)

    walk(model.operation_model(operation).input_shape, set())
    return frozenset(names)


def redact(service: str, operation: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``parameters`` with sensitive and personal values hidden."""
    hidden = _sensitive_members(service, operation) | PERSONAL_FIELDS

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: HIDDEN if k in hidden and v is not None else scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return scrub(parameters)


class AuditLog:
    def __init__(self, db: Database | PostgresDatabase) -> None:
        self.db = db

    @staticmethod
    def insert(conn: Connection, event: AuditEvent) -> None:
        """Add ``event`` inside the caller's transaction; an event id already stored is not stored twice."""
        conn.execute(
            "INSERT INTO audit_events(event_id, event_time, principal, partner_id, session_id, approval_id, body)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (event.eventID, event.eventTime.isoformat(), event.userIdentity.principalId, event.userIdentity.partnerId,
             event.sessionId, event.approvalId, event.model_dump_json()),
        )

    def applied(self, operation: str, identifier: str) -> bool:
        """Whether this server applied ``operation`` to the resource ``identifier`` (its own record: the APIs keep no
        history of, say, a fund request's extensions)."""
        field = self.db.json_text
        with self.db.reading() as conn:
            return conn.execute(
                f"SELECT 1 FROM audit_events WHERE {field('body', 'eventName')}=? AND {field('body', 'decision')}="
                f"'applied' AND {field('body', 'requestParameters', 'Identifier')}=? LIMIT 1",
                (operation, identifier)).fetchone() is not None

    def events(self, principal_key: str | None = None, limit: int | None = None) -> Iterator[AuditEvent]:
        """Events oldest first; only ``principal_key``'s when given; the newest ``limit`` when given."""
        query = "SELECT body FROM audit_events"
        args: list[Any] = []
        if principal_key is not None:
            query += " WHERE principal=?"
            args.append(principal_key)
        query += " ORDER BY event_time DESC, event_id"
        if limit is not None:
            query += " LIMIT ?"
            args.append(limit)
        with self.db.reading() as conn:
            rows = conn.execute(query, args).fetchall()
        for row in reversed(rows):
            yield AuditEvent.model_validate(json.loads(row["body"]))
