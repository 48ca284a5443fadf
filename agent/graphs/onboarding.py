"""The onboarding agent's approval-gated changes: account connection invitations, training and
certification domains, and the resale authorization service-linked role."""

from __future__ import annotations

from typing import Any

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.plans import ApiCall, MissingInput, PlanError, WriteAction, WritePlan, call_token
from agent.models.seller import RESALE_AUTHORIZATION_ROLE, RESALE_AUTHORIZATION_SERVICE

ACCOUNT = "partnercentral-account"
CONNECTION_OPERATIONS = {
    "send": "CreateConnectionInvitation", "accept": "AcceptConnectionInvitation",
    "reject": "RejectConnectionInvitation", "cancel": "CancelConnectionInvitation",
}


def _own_seller_accounts(backend: PartnerCentral) -> dict[str, str] | None:
    """The partner's seller accounts (id -> legal name), or None where the backend cannot show them."""
    try:
        return {a.AwsAccountId: a.LegalName for a in backend.get_seller_setup().SellerAccounts}
    except errors.UnsupportedOperationException:
        return None


def plan_connections(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    """Send invitations (one per receiving account) or answer / cancel one invitation."""
    action = parameters["action"]
    if action == "send":
        return _plan_send(backend, parameters)
    invitation_id = parameters.get("invitation_id")
    if not invitation_id:
        raise PlanError(f"To {action} an invitation, give its invitation_id (list_account_connections shows them).")
    invitation = next((i for i in backend.list_connection_invitations() if i.Id == invitation_id), None)
    if invitation is None:
        raise PlanError(f"Invitation {invitation_id} was not found among this account's invitations.")
    role = "SENDER" if action == "cancel" else "RECEIVER"
    if invitation.ParticipantType != role:
        who = "sent by this account" if role == "SENDER" else "sent to this account"
        raise PlanError(f"Only an invitation {who} can be {action}ed; {invitation_id} is one this account "
                        f"{'sent' if invitation.ParticipantType == 'SENDER' else 'received'}.")
    if invitation.Status != "PENDING":
        raise PlanError(f"Invitation {invitation_id} is {invitation.Status}; only a PENDING invitation can be {action}ed.")
    request: dict[str, Any] = {"Catalog": backend.catalog, "Identifier": invitation_id}
    if action == "reject" and parameters.get("reason"):
        request["Reason"] = parameters["reason"]
    verb = {"accept": "Accept", "reject": "Reject", "cancel": "Cancel"}[action]
    preview = (f"{verb} the {invitation.ConnectionType} connection invitation {invitation_id} "
               f"{'to' if role == 'SENDER' else 'from'} account {invitation.OtherParticipantIdentifier} "
               f"({invitation.InviterName}, {invitation.InviterEmail}).\n  Message: {invitation.InvitationMessage!r}")
    if action == "reject" and parameters.get("reason"):
        preview += f"\n  Reason sent to them: {parameters['reason']!r}"
    if action == "accept":
        preview += ("\n  Accepting connects the two accounts"
                    + (": your account becomes a subsidiary of theirs." if invitation.ConnectionType == "SUBSIDIARY"
                       else " to share and co-manage opportunities."))
    return WritePlan(calls=[ApiCall(service=ACCOUNT, operation=CONNECTION_OPERATIONS[action], request=request)],
                     preview=preview)


def _plan_send(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    receivers = list(dict.fromkeys(parameters.get("receiver_account_ids") or []))
    missing = {}
    if not receivers:
        missing["receiver_account_ids"] = "Which 12-digit AWS account ids should receive the invitation?"
    if not parameters.get("inviter_name"):
        missing["inviter_name"] = "Your full name, shown to the receiving account."
    if not parameters.get("inviter_email"):
        missing["inviter_email"] = "Your email address, shown to the receiving account."
    if missing:
        raise MissingInput(missing)
    connection_type = parameters["connection_type"]
    own = _own_seller_accounts(backend)
    if connection_type == "SUBSIDIARY" and own is not None:
        strangers = [r for r in receivers if r not in own]
        if strangers:
            raise PlanError(f"{', '.join(strangers)} is not one of your seller accounts ({', '.join(own) or 'none'}). "
                            "Subsidiary connections are only for accounts you own; use OPPORTUNITY_COLLABORATION "
                            "to work with another partner.")
    open_invitations = {(i.OtherParticipantIdentifier, i.ConnectionType) for i in backend.list_connection_invitations(status="PENDING")}
    connected = {(c.OtherParticipantAccountId, t) for c in backend.list_connections() for t, d in c.ConnectionTypes.items()
                 if d.Status == "ACTIVE"}
    for receiver in receivers:
        if (receiver, connection_type) in open_invitations:
            raise PlanError(f"A {connection_type} invitation to {receiver} is already pending.")
        if (receiver, connection_type) in connected:
            raise PlanError(f"Account {receiver} is already connected ({connection_type}).")
    message = parameters.get("message") or (
        "Please accept this subsidiary connection so our revenue attribution is consolidated under our primary account."
        if connection_type == "SUBSIDIARY" else "We would like to connect to share and co-manage opportunities.")
    calls = [ApiCall(service=ACCOUNT, operation="CreateConnectionInvitation", request={
        "Catalog": backend.catalog, "ConnectionType": connection_type, "ReceiverIdentifier": receiver,
        "Email": parameters["inviter_email"], "Name": parameters["inviter_name"], "Message": message,
    }) for receiver in receivers]
    names = own or {}
    lines = [f"Send a {connection_type} connection invitation from your account to:"]
    lines += [f"  {r}" + (f" ({names[r]})" if r in names else "") for r in receivers]
    if connection_type == "SUBSIDIARY" and own is None:
        lines.append("  Your seller accounts cannot be read on this backend: check each id is an account you own.")
    lines += [f"  From: {parameters['inviter_name']} <{parameters['inviter_email']}>", f"  Message: {message!r}",
              "  Each receiving account must sign in to Partner Central and accept."]
    return WritePlan(calls=calls, preview="\n".join(lines))


def apply_connection_call(backend: PartnerCentral, call: ApiCall, client_token: str) -> dict[str, Any]:
    request, token = call.request, call_token(client_token, call)
    if call.operation == "CreateConnectionInvitation":
        invitation = backend.create_connection_invitation(
            client_token=token, connection_type=request["ConnectionType"], receiver=request["ReceiverIdentifier"],
            email=request["Email"], name=request["Name"], message=request["Message"])
        return {"InvitationId": invitation.Id, "Receiver": invitation.OtherParticipantIdentifier, "Status": invitation.Status}
    if call.operation == "AcceptConnectionInvitation":
        connection = backend.accept_connection_invitation(request["Identifier"], token)
        return {"ConnectionId": connection.Id, "OtherParticipantAccountId": connection.OtherParticipantAccountId,
                "ConnectionTypes": sorted(connection.ConnectionTypes)}
    if call.operation == "RejectConnectionInvitation":
        invitation = backend.reject_connection_invitation(request["Identifier"], token, request.get("Reason"))
    else:
        invitation = backend.cancel_connection_invitation(request["Identifier"], token)
    return {"InvitationId": invitation.Id, "Status": invitation.Status}


def plan_training_domain(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    """Associate the domain of an email address (proven by the code sent to it), or remove a domain."""
    partner = backend.get_partner()
    linked = [d.DomainName for d in partner.AwsTrainingCertificationEmailDomains]
    identity = {"Catalog": backend.catalog, "Identifier": backend.partner_id}
    if parameters["action"] == "remove":
        domain = (parameters.get("domain_name") or "").lower()
        if not domain:
            raise PlanError(f"Give domain_name, the linked domain to remove (linked: {', '.join(linked) or 'none'}).")
        if domain not in linked:
            raise PlanError(f"{domain} is not linked; linked domains: {', '.join(linked) or 'none'}.")
        return WritePlan(
            calls=[ApiCall(service=ACCOUNT, operation="DisassociateAwsTrainingCertificationEmailDomain",
                           request={**identity, "DomainName": domain})],
            preview=f"Remove the training and certification domain {domain}: certifications earned with {domain} "
                    "addresses stop counting for your company.")
    email = parameters.get("email")
    if not email:
        raise MissingInput({"email": "An email address at the domain to link (a code is sent there)."})
    domain = email.rpartition("@")[2].lower()
    if domain in linked:
        raise PlanError(f"{domain} is already linked.")
    code = parameters.get("email_verification_code")
    if not code:
        raise PlanError(f"First send a verification code to {email} (send_email_verification_code), ask the person "
                        "for the 6-digit code, then call manage_training_domains again with email_verification_code.")
    return WritePlan(
        calls=[ApiCall(service=ACCOUNT, operation="AssociateAwsTrainingCertificationEmailDomain",
                       request={**identity, "Email": email, "EmailVerificationCode": code})],
        preview=f"Link the training and certification domain {domain} (proven by the code sent to {email}): "
                f"certifications earned with {domain} addresses will count for your company.")


def apply_training_domain(backend: PartnerCentral, call: ApiCall, client_token: str) -> dict[str, Any]:
    token = call_token(client_token, call)
    if call.operation == "DisassociateAwsTrainingCertificationEmailDomain":
        backend.disassociate_training_domain(call.request["DomainName"], token)
        return {"DomainName": call.request["DomainName"], "Status": "REMOVED"}
    backend.associate_training_domain(call.request["Email"], call.request["EmailVerificationCode"], token)
    return {"DomainName": call.request["Email"].rpartition("@")[2].lower(), "Status": "ASSOCIATED"}


def plan_resale_role(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    if backend.resale_authorization_role_exists():
        raise PlanError(f"{RESALE_AUTHORIZATION_ROLE} already exists in your account; nothing to do.")
    return WritePlan(
        calls=[ApiCall(service="iam", operation="CreateServiceLinkedRole",
                       request={"AWSServiceName": RESALE_AUTHORIZATION_SERVICE})],
        preview=f"Create the IAM service-linked role {RESALE_AUTHORIZATION_ROLE} (trusted by "
                f"{RESALE_AUTHORIZATION_SERVICE}) in your seller account. AWS Marketplace uses it to share resale "
                "authorizations with channel partners (CPPO); its permissions are defined by AWS.")


def apply_resale_role(backend: PartnerCentral, call: ApiCall, client_token: str) -> dict[str, Any]:
    backend.create_resale_authorization_role()
    return {"RoleName": RESALE_AUTHORIZATION_ROLE, "Status": "EXISTS"}


CONNECTION_MANAGEMENT = WriteAction(tool="manage_account_connections", plan=plan_connections, apply=apply_connection_call)
TRAINING_DOMAINS = WriteAction(tool="manage_training_domains", plan=plan_training_domain, apply=apply_training_domain)
RESALE_ROLE = WriteAction(tool="create_resale_authorization_role", plan=plan_resale_role, apply=apply_resale_role)
