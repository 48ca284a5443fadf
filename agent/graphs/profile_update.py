"""Planning and applying profile changes: public profile fields (an asynchronous profile update task that is
followed to its end), visibility and the alliance lead contact."""

from __future__ import annotations

import time
from typing import Any

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.plans import ApiCall, PlanError, WriteAction, WritePlan, call_token
from agent.models.account import AllianceLeadContact, PartnerProfile, ProfileDetails

PROFILE_FIELDS = ("DisplayName", "Description", "WebsiteUrl", "LogoUrl", "PrimarySolutionType", "IndustrySegments",
                  "Headquarters")
TASK_WAIT_SECONDS = 30.0
"""How long applying a profile change follows the update task before reporting it as still running."""

ACCOUNT = "partnercentral-account"


def _describe(contact: AllianceLeadContact | None) -> str:
    if contact is None:
        return "(none)"
    return f"{contact.FirstName} {contact.LastName}, {contact.BusinessTitle}, {contact.Email}"


def _shown(field: str, value: Any) -> str:
    if value is None:
        return "(none)"
    if field == "Headquarters":
        return f"{value['CountryCode']}-{value['SubdivisionCode']}"
    if isinstance(value, list):
        return ", ".join(value)
    return repr(value) if field == "Description" else str(value)


def _plan_profile_fields(backend: PartnerCentral, current: PartnerProfile, changes: dict[str, Any]) -> tuple[ApiCall, list[str]] | None:
    """StartProfileUpdateTask with the whole profile (current values plus ``changes``), and the changed lines."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise PlanError(f"Profile fields {', '.join(sorted(unknown))} cannot be changed; use {', '.join(PROFILE_FIELDS)}.")
    base = _base(current)
    try:
        details = ProfileDetails.model_validate({**base, **{k: v for k, v in changes.items() if v is not None}})
    except ValueError as exc:
        raise PlanError(f"The profile fields are not valid for Partner Central: {exc}") from None
    new = details.model_dump(exclude_none=True)
    lines = [f"  {field}: {_shown(field, base.get(field))} -> {_shown(field, new.get(field))}"
             for field in PROFILE_FIELDS if base.get(field) != new.get(field)]
    if not lines:
        return None
    if details.LocalizedContents:
        locales = ", ".join(c.Locale for c in details.LocalizedContents)
        lines.append(f"  (kept as they are: the translations for {locales}; review them after this change)")
    try:
        running = backend.get_profile_update_task()
    except errors.ResourceNotFoundException:
        running = None
    if running is not None and running.Status == "IN_PROGRESS":
        raise PlanError(f"Profile update task {running.TaskId} is still running; try again when it has ended.")
    request = {"Catalog": backend.catalog, "Identifier": backend.partner_id, "TaskDetails": details.api_dict()}
    call = ApiCall(service=ACCOUNT, operation="StartProfileUpdateTask", request=request,
                   expects={"Profile": ProfileDetails.model_validate(base).api_dict()})
    return call, lines


def _base(profile: PartnerProfile) -> dict[str, Any]:
    """The profile as StartProfileUpdateTask takes it (a full replacement: translations included)."""
    base = profile.model_dump(exclude={"ProfileId"}, exclude_none=True)
    base["LocalizedContents"] = sorted(base.get("LocalizedContents", []), key=lambda content: content["Locale"])
    return base


def plan_profile_update(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    """The API calls that bring the profile to ``parameters``, and the diff a person reads."""
    partner = backend.get_partner()
    identity = {"Catalog": backend.catalog, "Identifier": backend.partner_id}
    calls: list[ApiCall] = []
    lines: list[str] = []

    if parameters.get("profile"):
        planned = _plan_profile_fields(backend, partner.Profile, parameters["profile"])
        if planned is not None:
            calls.append(planned[0])
            lines.append("  Public profile (applied by a profile update task, reviewed by AWS):")
            lines.extend("  " + line for line in planned[1])

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


def _follow_task(backend: PartnerCentral, call: ApiCall, client_token: str) -> dict[str, Any]:
    """Start the profile update task and wait for its end; a failed task raises with the API's error details.

    The task replaces the whole profile, so it only starts if the profile is still the one the person saw."""
    current = ProfileDetails.model_validate(_base(backend.get_partner().Profile)).api_dict()
    try:
        latest = backend.get_profile_update_task().TaskDetails.api_dict()
    except errors.ResourceNotFoundException:
        latest = None
    # a retry after the task was started: the ClientToken replay reports that task, whatever changed since
    retry = call.request["TaskDetails"] in (current, latest)
    if call.expects and current != call.expects["Profile"] and not retry:
        changed = sorted(k for k in set(current) | set(call.expects["Profile"])
                         if current.get(k) != call.expects["Profile"].get(k))
        raise errors.ConflictException(
            f"The profile changed since this change was approved ({', '.join(changed)}); nothing was written, so "
            "nothing else is overwritten. Ask for the change again to see it against the current profile.",
            reason="PROFILE_CHANGED_SINCE_APPROVAL")
    task = backend.start_profile_update_task(ProfileDetails.model_validate(call.request["TaskDetails"]),
                                             call_token(client_token, call))
    deadline = time.monotonic() + TASK_WAIT_SECONDS
    while task.Status == "IN_PROGRESS" and time.monotonic() < deadline:
        time.sleep(0.25)
        task = backend.get_profile_update_task()
    if task.Status in ("FAILED", "CANCELED"):
        details = "; ".join(f"{e.Reason}: {e.Message}" for e in task.ErrorDetailList) or "no details given"
        raise errors.ValidationException(f"Profile update task {task.TaskId} {task.Status}: {details}",
                                         reason="PROFILE_UPDATE_TASK_" + task.Status)
    if task.Status == "IN_PROGRESS":
        return {"TaskId": task.TaskId, "Status": task.Status,
                "FollowUp": "get_partner_profile shows how it ends (latest_profile_update)."}
    return {"TaskId": task.TaskId, "Status": task.Status}


def apply_profile_call(backend: PartnerCentral, call: ApiCall, client_token: str) -> dict[str, Any]:
    """Make one planned call: the profile task is started once per ClientToken, the puts are idempotent."""
    if call.operation == "StartProfileUpdateTask":
        return _follow_task(backend, call, client_token)
    if call.operation == "PutProfileVisibility":
        return {"Visibility": backend.put_profile_visibility(call.request["Visibility"]).Visibility}
    if call.operation == "PutAllianceLeadContact":
        contact = AllianceLeadContact.model_validate(call.request["AllianceLeadContact"])
        backend.put_alliance_lead_contact(contact, call.request.get("EmailVerificationCode"))
        return {"AllianceLeadContact": "updated"}
    raise ValueError(f"update_profile cannot apply {call.operation}")


PROFILE_UPDATE = WriteAction(tool="update_profile", plan=plan_profile_update, apply=apply_profile_call)
