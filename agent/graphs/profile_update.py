"""Planning and applying profile changes: visibility and the alliance lead contact."""

from __future__ import annotations

from typing import Any

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.plans import ApiCall, PlanError, WriteAction, WritePlan
from agent.models.account import AllianceLeadContact

ACCOUNT = "partnercentral-account"


def _describe(contact: AllianceLeadContact | None) -> str:
    if contact is None:
        return "(none)"
    return f"{contact.FirstName} {contact.LastName}, {contact.BusinessTitle}, {contact.Email}"


def plan_profile_update(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    """The API calls that bring the profile to ``parameters``, and the diff a person reads."""
    partner = backend.get_partner()
    identity = {"Catalog": backend.catalog, "Identifier": backend.partner_id}
    calls: list[ApiCall] = []
    lines: list[str] = []

    visibility = parameters.get("visibility")
    if visibility is not None:
        current = backend.get_profile_visibility().Visibility
        if current != visibility:
            calls.append(ApiCall(service=ACCOUNT, operation="PutProfileVisibility", request={**identity, "Visibility": visibility}))
            lines.append(f"  Profile visibility: {current} -> {visibility}")

    lead_fields = parameters.get("alliance_lead")
    if lead_fields is not None:
        try:
            current_lead: AllianceLeadContact | None = backend.get_alliance_lead_contact()
        except errors.ResourceNotFoundException:
            current_lead = None
        merged = {**(current_lead.model_dump() if current_lead else {}), **{k: v for k, v in lead_fields.items() if v is not None}}
        try:
            new_lead = AllianceLeadContact.model_validate(merged)
        except ValueError as exc:
            raise PlanError(f"The alliance lead contact is incomplete or invalid: {exc}") from None
        if new_lead != current_lead:
            request: dict[str, Any] = {**identity, "AllianceLeadContact": new_lead.api_dict()}
            email_changes = current_lead is None or current_lead.Email.lower() != new_lead.Email.lower()
            code = parameters.get("email_verification_code")
            if email_changes and not code:
                raise PlanError(
                    f"A new alliance lead email ({new_lead.Email}) must be verified: call "
                    "send_email_verification_code with that address, ask the person for the 6-digit code they "
                    "receive, then call update_profile again with email_verification_code."
                )
            if email_changes:
                request["EmailVerificationCode"] = code
            calls.append(ApiCall(service=ACCOUNT, operation="PutAllianceLeadContact", request=request))
            lines.append(f"  Alliance lead: {_describe(current_lead)} -> {_describe(new_lead)}")

    if not calls:
        raise PlanError("Nothing to change: the profile already has these values.")
    header = f"Update the Partner Central profile of {partner.Profile.DisplayName} ({partner.Id}, {partner.Catalog} catalog):"
    return WritePlan(calls=calls, preview="\n".join([header, *lines]))


def apply_profile_call(backend: PartnerCentral, call: ApiCall, client_token: str) -> dict[str, Any]:
    """Make one planned call; both operations are idempotent puts, so a retry after a crash is safe."""
    if call.operation == "PutProfileVisibility":
        return {"Visibility": backend.put_profile_visibility(call.request["Visibility"]).Visibility}
    if call.operation == "PutAllianceLeadContact":
        contact = AllianceLeadContact.model_validate(call.request["AllianceLeadContact"])
        backend.put_alliance_lead_contact(contact, call.request.get("EmailVerificationCode"))
        return {"AllianceLeadContact": "updated"}
    raise ValueError(f"update_profile cannot apply {call.operation}")


PROFILE_UPDATE = WriteAction(tool="update_profile", plan=plan_profile_update, apply=apply_profile_call)
