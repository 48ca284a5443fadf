"""The audit trail: one CloudTrail-like event for every write that was applied, declined or refused.

Request parameters are redacted before they are stored: fields the service model marks sensitive, and
personal contact details, appear as ``HIDDEN_DUE_TO_SECURITY_REASONS`` (CloudTrail's own wording).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.storage import Connection, Database, PostgresDatabase, utcnow
from agent.trust.identity import Principal
from agent.trust.permissions import PARTNER_CENTRAL_SERVICES

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
        principalId=principal.key,
        userName=principal.name,
        partnerId=principal.partner_id,
        catalog=principal.catalog,
        policies=list(principal.policies),
    )


@cache
def _sensitive_members(service: str, operation: str) -> frozenset[str]:
    """Member names the service model marks sensitive anywhere in the operation's input."""
    import botocore.session  # noqa: PLC0415 - botocore loads its service models on first use

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
    return _scrub(parameters, _sensitive_members(service, operation) | PERSONAL_FIELDS)


def _scrub(value: Any, hidden: frozenset[str], text: Any = None) -> Any:
    """``value`` with the members named in ``hidden`` hidden, at any depth; ``text`` rewrites the other strings."""
    if isinstance(value, dict):
        return {k: HIDDEN if k in hidden and v is not None else _scrub(v, hidden, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, hidden, text) for v in value]
    return text(value) if text is not None and isinstance(value, str) else value


SECRET_ARGUMENTS = frozenset({"email_verification_code", "verification_code", "content_base64", "token", "password"})
"""Tool arguments (not API members) that are secrets or file contents."""

_SECRET_TEXT = re.compile(
    r"\bpca_[0-9a-f]+_[A-Za-z0-9_-]+"  # our bearer tokens
    r"|\b(?:Bearer|token)\s+[A-Za-z0-9._~+/=-]{16,}"  # anyone's bearer token
    r"|\b\d{3}-\d{2}-\d{4}\b|\b\d{2}-\d{7}\b"  # US SSN / ITIN, EIN
    r"|\b(?:[A-Z]{2}\d{8,12}|ATU\d{8})\b"  # EU VAT numbers
    r"|(?i:code)\W{0,3}\d{6}\b"  # a verification code in words
    r"|[A-Za-z0-9+/]{40,}={0,2}",  # encoded content (a file, a key)
)


def redact_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """A tool call's arguments as the session's events keep them: the audit trail's redaction (members the Partner
    Central service models mark sensitive, personal contact details), under the tools' snake_case names too, plus
    secret arguments (verification codes, file contents), and tokens, tax ids and codes written in free text."""
    return _scrub(arguments, _argument_names(), redact_text)


def redact_text(text: str) -> str:
    """``text`` with what looks like a token, a tax id, a verification code or encoded content hidden."""
    return _SECRET_TEXT.sub(HIDDEN, text)


@cache
def _argument_names() -> frozenset[str]:
    import botocore.session  # noqa: PLC0415 - botocore loads its service models on first use

    session = botocore.session.get_session()
    names = set(PERSONAL_FIELDS)
    for service in PARTNER_CENTRAL_SERVICES:
        try:
            model = session.get_service_model(service)
        except Exception:  # noqa: BLE001 - an older botocore without this service: nothing of it to hide
            continue
        for operation in model.operation_names:
            names |= _sensitive_members(service, operation)
    snake = {re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower() for name in names}
    return frozenset(names | snake | SECRET_ARGUMENTS)


class AuditLog:
    def __init__(self, db: Database | PostgresDatabase) -> None:
        self.db = db

    @staticmethod
    def insert(conn: Connection, event: AuditEvent) -> None:
        """Add ``event`` inside the caller's transaction; an event id already stored is not stored twice."""
        conn.execute(
            "INSERT INTO audit_events(event_id, event_time, principal, partner_id, session_id, approval_id, body)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (
                event.eventID,
                event.eventTime.isoformat(),
                event.userIdentity.principalId,
                event.userIdentity.partnerId,
                event.sessionId,
                event.approvalId,
                event.model_dump_json(),
            ),
        )

    def applied(self, operation: str, identifier: str) -> bool:
        """Whether this server applied ``operation`` to the resource ``identifier`` (its own record: the APIs keep no
        history of, say, a fund request's extensions)."""
        field = self.db.json_text
        with self.db.reading() as conn:
            return (
                conn.execute(
                    f"SELECT 1 FROM audit_events WHERE {field('body', 'eventName')}=? AND {field('body', 'decision')}="
                    f"'applied' AND {field('body', 'requestParameters', 'Identifier')}=? LIMIT 1",
                    (operation, identifier),
                ).fetchone()
                is not None
            )

    def events(self, principal_key: str | None = None, limit: int | None = None) -> Iterator[AuditEvent]:
        """Events oldest first; only ``principal_key``'s when given; the newest ``limit`` when given."""
        query = "SELECT body FROM audit_events"
        args: list[Any] = []
        if principal_key is not None:
            query += " WHERE principal=?"
            args.append(principal_key)
        query += f" ORDER BY event_time DESC, {self.db.insertion_order} DESC"
        if limit is not None:
            query += " LIMIT ?"
            args.append(limit)
        with self.db.reading() as conn:
            rows = conn.execute(query, args).fetchall()
        for row in reversed(rows):
            yield AuditEvent.model_validate(json.loads(row["body"]))
