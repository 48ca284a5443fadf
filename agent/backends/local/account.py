"""The sandbox's account operations beyond profile reads: verification, profile update tasks, training and
certification domains, connection invitations and connections, and the resale authorization role.

A mixin of `LocalPartnerCentral` (it uses that class's store and helpers). The sandbox's own rules, where
the API documentation is silent, are stated where they are enforced:

- a profile update task runs for ``PROFILE_TASK_SECONDS``, then fails with DUPLICATE_PROFILE when another
  partner in the catalog has the same display name, or INVALID_LOGO_URL when the logo URL is not an image
  file (.png, .jpg, .jpeg, .gif, .svg, .webp); otherwise it succeeds and replaces the public profile;
- connections are between AWS accounts: a partner's account is its linked primary seller account, so a
  partner without one can neither send nor receive invitations; invitations expire after
  ``INVITATION_TTL``; accounts outside the sandbox's partners answer through `LocalSandbox.respond`;
- errors carry the account API's Reasons; where its documentation names none for a case, the sandbox takes the
  closest of the enum: a domain associated already is INCOMPATIBLE_PROFILE_STATE, a missing alliance lead contact
  PARTNER_PROFILE_NOT_FOUND, an unlinked account and an invitation to oneself are business rules
  (INVALID_ACCOUNT_LINKING_STATUS, INCOMPATIBLE_CONNECTION_INVITATION_REQUEST), too many verification codes
  LIMIT_EXCEEDED_NUMBER_OF_EMAIL.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlparse

from agent.backends import errors
from agent.backends.errors import ACCOUNT
from agent.backends.local import store
from agent.models.account import (
    INVITATION_ID_PATTERN,
    Connection,
    ConnectionInvitation,
    ConnectionTypeName,
    InvitationStatus,
    ParticipantRole,
    Partner,
    PartnerDomain,
    ProfileDetails,
    ProfileUpdateTask,
    Verification,
    VerificationTypeName,
)
from agent.models.seller import PrmEvidence, SellerSetup
from agent.storage import utcnow

PROFILE_TASK = "profile_update_task"
INVITATION = "connection_invitation"
CONNECTION = "connection"
VERIFICATION = "verification"

PROFILE_TASK_SECONDS = 0.5
INVITATION_TTL = timedelta(days=15)
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def connection_arn(catalog: str, resource: Literal["connection", "connection-invitation"], rid: str) -> str:
    """The API's ARN of a connection or a connection invitation: unlike a partner's, it names no AWS account."""
    return f"arn:aws:partnercentral:us-east-1::catalog/{catalog}/{resource}/{rid}"


def invitation_view(record: dict[str, Any], my_account: str, now: datetime) -> ConnectionInvitation:
    """An invitation record as one participant sees it (a pending one past its expiry reads EXPIRED)."""
    sender = record["SenderAccountId"] == my_account
    status = record["Status"]
    if status == "PENDING" and datetime.fromisoformat(record["ExpiresAt"]) <= now:
        status = "EXPIRED"
    return ConnectionInvitation.model_validate(
        {
            **{k: v for k, v in record.items() if k not in ("SenderAccountId", "ReceiverAccountId")},
            "Status": status,
            "ParticipantType": "SENDER" if sender else "RECEIVER",
            "OtherParticipantIdentifier": record["ReceiverAccountId"] if sender else record["SenderAccountId"],
        }
    )


def connection_view(record: dict[str, Any], my_account: str) -> Connection:
    other = next(account for account in record["Accounts"] if account != my_account)
    return Connection.model_validate(
        {
            **{k: v for k, v in record.items() if k != "Accounts"},
            "OtherParticipantAccountId": other,
        }
    )


class AccountOperations:
    """partnercentral-account operations of the sandbox, for one partner (see the module docstring)."""

    # verification

    def get_verification(self, verification_type: VerificationTypeName) -> Verification:
        return self._one(VERIFICATION, f"{self.partner_id}:{verification_type}", Verification, "Verification")

    # profile update tasks

    def start_profile_update_task(self, details: ProfileDetails, client_token: str) -> ProfileUpdateTask:
        """StartProfileUpdateTask: one task at a time; a replayed ClientToken returns the task as it started
        (GetProfileUpdateTask tells how it ended)."""
        request = {"TaskDetails": details.api_dict()}
        with self.store.transaction() as conn:
            replay = self._replay(conn, "StartProfileUpdateTask", client_token, request)
            if replay is not None:
                return ProfileUpdateTask.model_validate(replay)
            current = self._settled(conn, self._latest_task_row(conn))
            if current is not None and current.Status == "IN_PROGRESS":
                raise errors.ConflictException(
                    f"Profile update task {current.TaskId} is still in progress; wait for it to end, then start another.",
                    service=ACCOUNT,
                    reason="INCOMPATIBLE_PARTNER_PROFILE_TASK_STATE",
                )
            now = utcnow()
            task = ProfileUpdateTask(
                Catalog=self.catalog,
                Arn=self._arn("partner", self.partner_id),
                Id=self.partner_id,
                TaskId=store.new_id("pprofiletask-", 13),
                TaskDetails=details,
                StartedAt=now,
                Status="IN_PROGRESS",
            )
            store.insert_row(conn, PROFILE_TASK, self.catalog, task.TaskId, self.partner_id, task.api_dict(), now)
            self._remember(conn, "StartProfileUpdateTask", client_token, request, task.api_dict())
        return task

    def settle_profile_task(self) -> None:
        """End a profile update task whose run time has passed (reads of the partner see its result)."""
        with self.store.reading() as conn:
            row = self._latest_task_row(conn)
            running = row is not None and json.loads(row["body"])["Status"] == "IN_PROGRESS"
        if running:
            with self.store.transaction() as conn:
                self._settled(conn, self._latest_task_row(conn))

    def get_profile_update_task(self) -> ProfileUpdateTask:
        self.settle_profile_task()  # a write only when a task's run time has just passed; otherwise a plain read
        with self.store.reading() as conn:
            row = self._latest_task_row(conn)
        task = None if row is None else ProfileUpdateTask.model_validate_json(row["body"])
        if task is None:
            raise errors.ResourceNotFoundException(
                f"Partner {self.partner_id} has no profile update task.",
                service=ACCOUNT,
                reason="PARTNER_PROFILE_TASK_NOT_FOUND",
            )
        return task

    def _latest_task_row(self, conn: sqlite3.Connection) -> sqlite3.Row | None:
        return conn.execute(
            "SELECT * FROM resources WHERE kind=? AND catalog=? AND owner=? "
            "ORDER BY rowid DESC LIMIT 1",  # the task started last
            (PROFILE_TASK, self.catalog, self.partner_id),
        ).fetchone()

    def _settled(self, conn: sqlite3.Connection, row: sqlite3.Row | None) -> ProfileUpdateTask | None:
        """A task, ended (and its profile applied) once its run time has passed."""
        if row is None:
            return None
        task = ProfileUpdateTask.model_validate_json(row["body"])
        now = utcnow()
        if task.Status != "IN_PROGRESS" or now < task.StartedAt + timedelta(seconds=PROFILE_TASK_SECONDS):
            return task
        problems = self._profile_problems(conn, task.TaskDetails)
        task = ProfileUpdateTask.model_validate(
            {
                **task.model_dump(),
                "Status": "FAILED" if problems else "SUCCEEDED",
                "EndedAt": now,
                "ErrorDetailList": [
                    {"Locale": task.TaskDetails.TranslationSourceLocale, "Reason": reason, "Message": message}
                    for reason, message in problems
                ],
            }
        )
        if not problems:
            partner, revision = self._get(conn, "partner", self.partner_id, Partner, "Partner")
            profile = {**task.TaskDetails.model_dump(), "ProfileId": partner.Profile.ProfileId}
            updated = Partner.model_validate({**partner.model_dump(), "Profile": profile})
            store.update_row(conn, "partner", self.catalog, self.partner_id, revision, updated.api_dict(), now)
        store.update_row(conn, PROFILE_TASK, self.catalog, row["id"], row["revision"], task.api_dict(), now)
        return task

    def _profile_problems(self, conn: sqlite3.Connection, details: ProfileDetails) -> list[tuple[str, str]]:
        problems = []
        for row in conn.execute(
            "SELECT id, body FROM resources WHERE kind='partner' AND catalog=? AND id<>?",
            (self.catalog, self.partner_id),
        ):
            other = json.loads(row["body"])["Profile"]["DisplayName"]
            if other.casefold() == details.DisplayName.casefold():
                problems.append(
                    ("DUPLICATE_PROFILE", f"Another partner profile is already named '{details.DisplayName}'.")
                )
                break
        if not urlparse(details.LogoUrl).path.lower().endswith(LOGO_SUFFIXES):
            problems.append(("INVALID_LOGO_URL", "LogoUrl must point to an image file (PNG, JPEG, GIF, SVG or WebP)."))
        return problems

    # training and certification domains

    def associate_training_domain(self, email: str, email_verification_code: str, client_token: str) -> None:
        """AssociateAwsTrainingCertificationEmailDomain: the code sent to ``email`` proves the domain is yours."""
        domain = email.rpartition("@")[2].lower()
        request = {"Email": email.lower(), "EmailVerificationCode": email_verification_code}
        with self.store.transaction() as conn:
            if self._replay(conn, "AssociateAwsTrainingCertificationEmailDomain", client_token, request) is not None:
                return
            partner, revision = self._get(conn, "partner", self.partner_id, Partner, "Partner")
            if any(d.DomainName == domain for d in partner.AwsTrainingCertificationEmailDomains):
                raise errors.ConflictException(
                    f"The domain {domain} is already associated with this partner account.",
                    service=ACCOUNT,
                    reason="INCOMPATIBLE_PROFILE_STATE",
                )
            self._consume_email_code(conn, email, email_verification_code)
            now = utcnow()
            domains = [
                *partner.AwsTrainingCertificationEmailDomains,
                PartnerDomain(DomainName=domain, RegisteredAt=now),
            ]
            updated = partner.model_copy(update={"AwsTrainingCertificationEmailDomains": domains})
            store.update_row(conn, "partner", self.catalog, self.partner_id, revision, updated.api_dict(), now)
            self._remember(conn, "AssociateAwsTrainingCertificationEmailDomain", client_token, request, {})

    def disassociate_training_domain(self, domain_name: str, client_token: str) -> None:
        domain = domain_name.lower()
        request = {"DomainName": domain}
        with self.store.transaction() as conn:
            if self._replay(conn, "DisassociateAwsTrainingCertificationEmailDomain", client_token, request) is not None:
                return
            partner, revision = self._get(conn, "partner", self.partner_id, Partner, "Partner")
            kept = [d for d in partner.AwsTrainingCertificationEmailDomains if d.DomainName != domain]
            if len(kept) == len(partner.AwsTrainingCertificationEmailDomains):
                raise errors.ResourceNotFoundException(
                    f"The domain {domain} is not associated with this partner account.",
                    service=ACCOUNT,
                    reason="PARTNER_DOMAIN_NOT_FOUND",
                )
            updated = partner.model_copy(update={"AwsTrainingCertificationEmailDomains": kept})
            store.update_row(conn, "partner", self.catalog, self.partner_id, revision, updated.api_dict(), utcnow())
            self._remember(conn, "DisassociateAwsTrainingCertificationEmailDomain", client_token, request, {})

    # connection invitations and connections

    def _my_account(self, conn: sqlite3.Connection) -> str | None:
        row = store.get_row(conn, "prm_evidence", self.catalog, self.partner_id)
        return PrmEvidence.model_validate_json(row["body"]).LinkedPrimaryAccountId if row else None

    def _require_account(self, conn: sqlite3.Connection) -> str:
        account = self._my_account(conn)
        if account is None:
            raise errors.ValidationException(
                "This partner account is not linked to an AWS account yet, so it cannot connect with other accounts. "
                "Link your primary AWS Marketplace seller account in Partner Central first.",
                service=ACCOUNT,
                reason="BUSINESS_VALIDATION_FAILED",
                field_errors=[
                    errors.FieldError(
                        FieldName="", Message="no linked AWS account", Code="INVALID_ACCOUNT_LINKING_STATUS"
                    )
                ],
            )
        return account

    def list_connection_invitations(
        self,
        *,
        participant_type: ParticipantRole | None = None,
        status: InvitationStatus | None = None,
        connection_type: ConnectionTypeName | None = None,
    ) -> list[ConnectionInvitation]:
        with self.store.reading() as conn:
            account = self._my_account(conn)
            if account is None:
                return []
            records = invitation_records(conn, self.catalog, account)
        now = utcnow()
        views = [invitation_view(record, account, now) for record in records]
        return [
            v
            for v in views
            if (participant_type is None or v.ParticipantType == participant_type)
            and (status is None or v.Status == status)
            and (connection_type is None or v.ConnectionType == connection_type)
        ]

    def create_connection_invitation(
        self,
        *,
        client_token: str,
        connection_type: ConnectionTypeName,
        receiver: str,
        email: str,
        name: str,
        message: str,
    ) -> ConnectionInvitation:
        """CreateConnectionInvitation to another AWS account (12 digits in the sandbox)."""
        store.require(ACCOUNT, receiver, r"^[0-9]{12}$", "ReceiverIdentifier", "123456789012")
        request = {
            "ConnectionType": connection_type,
            "ReceiverIdentifier": receiver,
            "Email": email,
            "Name": name,
            "Message": message,
        }
        with self.store.transaction() as conn:
            account = self._require_account(conn)
            replay = self._replay(conn, "CreateConnectionInvitation", client_token, request)
            if replay is not None:
                return ConnectionInvitation.model_validate(replay)
            if receiver == account:
                raise errors.ValidationException(
                    "An account cannot invite itself.",
                    service=ACCOUNT,
                    reason="BUSINESS_VALIDATION_FAILED",
                    field_errors=[
                        errors.FieldError(
                            FieldName="",
                            Message="the receiver is this account",
                            Code="INCOMPATIBLE_CONNECTION_INVITATION_REQUEST",
                        )
                    ],
                )
            now = utcnow()
            for record in invitation_records(conn, self.catalog, account):
                view = invitation_view(record, account, now)
                if (
                    view.OtherParticipantIdentifier == receiver
                    and view.ConnectionType == connection_type
                    and view.Status == "PENDING"
                ):
                    raise errors.ConflictException(
                        f"A {connection_type} invitation between this account and {receiver} is already pending "
                        f"({view.Id}); cancel it or wait for an answer.",
                        service=ACCOUNT,
                        reason="DUPLICATE_CONNECTION_INVITATION",
                    )
            if any(
                connection_type in c.ConnectionTypes
                and c.ConnectionTypes[connection_type].Status == "ACTIVE"
                and c.OtherParticipantAccountId == receiver
                for c in (connection_view(r, account) for r in connection_records(conn, self.catalog, account))
            ):
                raise errors.ConflictException(
                    f"This account already has an active {connection_type} connection with {receiver}.",
                    service=ACCOUNT,
                    reason="DUPLICATE_CONNECTION",
                )
            invitation_id = store.new_id("pacinv-", 13)
            record = {
                "Catalog": self.catalog,
                "Id": invitation_id,
                "Arn": connection_arn(self.catalog, "connection-invitation", invitation_id),
                "ConnectionType": connection_type,
                "CreatedAt": now.isoformat(),
                "UpdatedAt": now.isoformat(),
                "ExpiresAt": (now + INVITATION_TTL).isoformat(),
                "Status": "PENDING",
                "InvitationMessage": message,
                "InviterEmail": email,
                "InviterName": name,
                "SenderAccountId": account,
                "ReceiverAccountId": receiver,
            }
            store.insert_row(conn, INVITATION, self.catalog, invitation_id, self.partner_id, record, now)
            created = invitation_view(record, account, now)
            self._remember(conn, "CreateConnectionInvitation", client_token, request, created.api_dict())
        return created

    def accept_connection_invitation(self, invitation_id: str, client_token: str) -> Connection:
        request = {"Identifier": invitation_id}
        with self.store.transaction() as conn:
            account = self._require_account(conn)
            if (replay := self._replay(conn, "AcceptConnectionInvitation", client_token, request)) is not None:
                return Connection.model_validate(replay)
            record = self._answerable(conn, invitation_id, account, "RECEIVER", "AcceptConnectionInvitation")
            connection = connection_view(answer_invitation(conn, self.catalog, record, accept=True), account)
            self._remember(conn, "AcceptConnectionInvitation", client_token, request, connection.api_dict())
        return connection

    def reject_connection_invitation(
        self, invitation_id: str, client_token: str, reason: str | None = None
    ) -> ConnectionInvitation:
        """RejectConnectionInvitation (the sandbox keeps no reason: the API returns none)."""
        return self._close_invitation(
            invitation_id,
            client_token,
            "RECEIVER",
            "RejectConnectionInvitation",
            {"Identifier": invitation_id, "Reason": reason},
        )

    def cancel_connection_invitation(self, invitation_id: str, client_token: str) -> ConnectionInvitation:
        return self._close_invitation(
            invitation_id, client_token, "SENDER", "CancelConnectionInvitation", {"Identifier": invitation_id}
        )

    def _close_invitation(
        self, invitation_id: str, client_token: str, role: ParticipantRole, operation: str, request: dict[str, Any]
    ) -> ConnectionInvitation:
        with self.store.transaction() as conn:
            account = self._require_account(conn)
            if (replay := self._replay(conn, operation, client_token, request)) is not None:
                return ConnectionInvitation.model_validate(replay)
            record = self._answerable(conn, invitation_id, account, role, operation)
            if operation == "CancelConnectionInvitation":
                record = {**record, "Status": "CANCELED", "UpdatedAt": utcnow().isoformat()}
                store.update_row(
                    conn,
                    INVITATION,
                    self.catalog,
                    invitation_id,
                    store.get_row(conn, INVITATION, self.catalog, invitation_id)["revision"],
                    record,
                    utcnow(),
                )
            else:
                answer_invitation(conn, self.catalog, record, accept=False)
            closed = invitation_view(_record(conn, self.catalog, invitation_id), account, utcnow())
            self._remember(conn, operation, client_token, request, closed.api_dict())
        return closed

    def _answerable(
        self, conn: sqlite3.Connection, invitation_id: str, account: str, role: ParticipantRole, operation: str
    ) -> dict[str, Any]:
        """The pending invitation record this account may answer (receiver) or cancel (sender)."""
        store.require(ACCOUNT, invitation_id, INVITATION_ID_PATTERN, "Identifier", "pacinv-0123456789abc")
        record = _record(conn, self.catalog, invitation_id)
        if record is None or account not in (record["SenderAccountId"], record["ReceiverAccountId"]):
            raise errors.ResourceNotFoundException(
                f"Connection invitation {invitation_id} was not found.",
                service=ACCOUNT,
                reason="CONNECTION_INVITATION_NOT_FOUND",
            )
        view = invitation_view(record, account, utcnow())
        if view.ParticipantType != role:
            who = "the receiving account" if role == "RECEIVER" else "the account that sent it"
            raise errors.AccessDeniedException(
                f"Only {who} can call {operation} on invitation {invitation_id}.",
                service=ACCOUNT,
                reason="ACCESS_DENIED",
            )
        if view.Status != "PENDING":
            raise errors.ConflictException(
                f"Invitation {invitation_id} is {view.Status}; only a PENDING invitation can be answered or cancelled.",
                service=ACCOUNT,
                reason="INCOMPATIBLE_CONNECTION_INVITATION_STATE",
            )
        return record

    def list_connections(self, connection_type: ConnectionTypeName | None = None) -> list[Connection]:
        with self.store.reading() as conn:
            account = self._my_account(conn)
            records = connection_records(conn, self.catalog, account) if account else []
        views = [connection_view(record, account) for record in records]
        return [v for v in views if connection_type is None or connection_type in v.ConnectionTypes]

    # the resale authorization service-linked role (IAM, in the sandbox part of the seller setup)

    def resale_authorization_role_exists(self) -> bool:
        return self.get_seller_setup().ResaleAuthorizationRoleExists

    def create_resale_authorization_role(self) -> None:
        with self.store.transaction() as conn:
            setup, revision = self._get(conn, "seller_setup", self.partner_id, SellerSetup, "Seller setup of")
            if not setup.ResaleAuthorizationRoleExists:
                updated = setup.model_copy(update={"ResaleAuthorizationRoleExists": True})
                store.update_row(
                    conn, "seller_setup", self.catalog, self.partner_id, revision, updated.api_dict(), utcnow()
                )


def _record(conn: sqlite3.Connection, catalog: str, invitation_id: str) -> dict[str, Any] | None:
    row = store.get_row(conn, INVITATION, catalog, invitation_id)
    return json.loads(row["body"]) if row else None


def invitation_records(conn: sqlite3.Connection, catalog: str, account: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT body FROM resources WHERE kind=? AND catalog=? AND (json_extract(body, '$.SenderAccountId')=? "
        "OR json_extract(body, '$.ReceiverAccountId')=?) ORDER BY updated_at DESC, id",
        (INVITATION, catalog, account, account),
    ).fetchall()
    return [json.loads(row["body"]) for row in rows]


def connection_records(conn: sqlite3.Connection, catalog: str, account: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT r.body FROM resources r, json_each(r.body, '$.Accounts') a WHERE r.kind=? AND r.catalog=? AND a.value=? "
        "ORDER BY r.updated_at DESC, r.id",
        (CONNECTION, catalog, account),
    ).fetchall()
    return [json.loads(row["body"]) for row in rows]


def answer_invitation(
    conn: sqlite3.Connection, catalog: str, record: dict[str, Any], *, accept: bool
) -> dict[str, Any]:
    """Accept (connect the two accounts) or reject a pending invitation; returns the connection record when accepted."""
    now = utcnow()
    connection: dict[str, Any] = {}
    if accept:
        pair = {record["SenderAccountId"], record["ReceiverAccountId"]}
        existing = next(
            (c for c in connection_records(conn, catalog, record["SenderAccountId"]) if set(c["Accounts"]) == pair),
            None,
        )
        detail = {
            "CreatedAt": now.isoformat(),
            "InviterEmail": record["InviterEmail"],
            "InviterName": record["InviterName"],
            "Status": "ACTIVE",
        }
        if existing is None:
            connection_id = store.new_id("pac-", 13)
            connection = {
                "Catalog": catalog,
                "Id": connection_id,
                "Arn": connection_arn(catalog, "connection", connection_id),
                "Accounts": sorted(pair),
                "UpdatedAt": now.isoformat(),
                "ConnectionTypes": {record["ConnectionType"]: detail},
            }
            store.insert_row(conn, CONNECTION, catalog, connection_id, None, connection, now)
        else:
            connection = {
                **existing,
                "UpdatedAt": now.isoformat(),
                "ConnectionTypes": {**existing["ConnectionTypes"], record["ConnectionType"]: detail},
            }
            row = store.get_row(conn, CONNECTION, catalog, existing["Id"])
            store.update_row(conn, CONNECTION, catalog, existing["Id"], row["revision"], connection, now)
    updated = {**record, "Status": "ACCEPTED" if accept else "REJECTED", "UpdatedAt": now.isoformat()}
    if accept:
        updated["ConnectionId"] = connection["Id"]
    row = store.get_row(conn, INVITATION, catalog, record["Id"])
    store.update_row(conn, INVITATION, catalog, record["Id"], row["revision"], updated, now)
    return connection
