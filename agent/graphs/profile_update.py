"""Profile changes: public profile fields (an asynchronous profile update task, followed to its end), visibility
and the alliance lead contact."""

from __future__ import annotations

import time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_snake

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.plans import ApiCall, PlanError, WriteAction, WritePlan
from agent.models.account import (
    EDITABLE_PROFILE_FIELDS,
    AllianceLeadContact,
    EmailAddress,
    HeadquartersLocation,
    HttpsUrl,
    IndustrySegment,
    PartnerProfile,
    ProfileDetails,
    ProfileVisibilityValue,
    SolutionType,
    Text80,
    Text600,
)
from agent.onboarding.countries import is_country, subdivision_code

ACCOUNT = "partnercentral-account"
TASK_WAIT_SECONDS = 30.0
"""How long applying a profile change follows the update task before reporting it as still running."""

VerificationCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="The 6-digit code emailed to the address.")]


class ProfileFields(BaseModel):
    """Public profile fields to change (scan_company_website proposes them in this shape); omitted ones stay."""

    model_config = ConfigDict(extra="forbid")

    display_name: Text80 | None = None
    description: Text600 | None = None
    website_url: HttpsUrl | None = None
    logo_url: HttpsUrl | None = Field(default=None, description="HTTPS URL of a PNG, JPEG, GIF, SVG or WebP logo.")
    primary_solution_type: SolutionType | None = None
    industry_segments: Annotated[list[IndustrySegment], Field(min_length=1, max_length=3)] | None = None
    headquarters: HeadquartersLocation | None = Field(
        default=None,
        description="ISO 3166-1 country code and ISO 3166-2 subdivision code without the country, e.g. US + WA.",
    )

    @field_validator("headquarters")
    @classmethod
    def _iso_codes(cls, value: HeadquartersLocation | None) -> HeadquartersLocation | None:
        if value is None:
            return None
        if not is_country(value.CountryCode):
            raise ValueError(f"{value.CountryCode!r} is not an ISO 3166-1 country code (e.g. US, DE, JP)")
        if subdivision_code(value.CountryCode, value.SubdivisionCode) != value.SubdivisionCode:
            raise ValueError(
                f"{value.SubdivisionCode!r} is not an ISO 3166-2 subdivision of {value.CountryCode} "
                "(e.g. WA for US-WA, BE for DE-BE)"
            )
        return value

    def api_fields(self) -> dict[str, Any]:
        """The fields set, under the API's names (StartProfileUpdateTask's TaskDetails)."""
        return {API_NAMES[name]: value for name, value in self.model_dump(exclude_none=True).items()}

    @classmethod
    def from_api(cls, fields: dict[str, Any]) -> ProfileFields:
        return cls(**{name: fields.get(api_name) for name, api_name in API_NAMES.items()})


API_NAMES = {to_snake(name): name for name in EDITABLE_PROFILE_FIELDS}
"""ProfileFields' names and the API's, which they mirror field for field (tests/test_write_validation.py)."""


class AllianceLeadInput(BaseModel):
    """New alliance lead details; omitted fields keep their current values."""

    model_config = ConfigDict(extra="forbid")

    first_name: Text80 | None = None
    last_name: Text80 | None = None
    title: Text80 | None = Field(default=None, description="Business title.")
    email: EmailAddress | None = Field(default=None, description="A new one needs email_verification_code.")

    def api_fields(self) -> dict[str, Any]:
        fields = {
            "FirstName": self.first_name,
            "LastName": self.last_name,
            "BusinessTitle": self.title,
            "Email": self.email,
        }
        return {name: value for name, value in fields.items() if value is not None}


class ProfileUpdate(BaseModel):
    """update_profile's parameters."""

    model_config = ConfigDict(extra="forbid")

    profile: ProfileFields | None = None
    visibility: ProfileVisibilityValue | None = None
    alliance_lead: AllianceLeadInput | None = None
    email_verification_code: VerificationCode | None = None


def operations(parameters: ProfileUpdate) -> list[tuple[str, str]]:
    calls = [(ACCOUNT, "GetPartner")]
    if parameters.profile is not None:
        calls += [(ACCOUNT, "GetProfileUpdateTask"), (ACCOUNT, "StartProfileUpdateTask")]
    if parameters.visibility is not None:
        calls += [(ACCOUNT, "GetProfileVisibility"), (ACCOUNT, "PutProfileVisibility")]
    if parameters.alliance_lead is not None:
        calls += [(ACCOUNT, "GetAllianceLeadContact"), (ACCOUNT, "PutAllianceLeadContact")]
    return calls


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


def _base(profile: PartnerProfile) -> dict[str, Any]:
    """The profile as StartProfileUpdateTask takes it (a full replacement: translations included)."""
    base = profile.model_dump(exclude={"ProfileId"}, exclude_none=True)
    base["LocalizedContents"] = sorted(base.get("LocalizedContents", []), key=lambda content: content["Locale"])
    return base


def _plan_profile_fields(
    backend: PartnerCentral, current: PartnerProfile, changes: dict[str, Any], summary: list[str], notes: list[str]
) -> ApiCall | None:
    """StartProfileUpdateTask with the whole profile (current values plus ``changes``); the changed lines."""
    base = _base(current)
    try:
        details = ProfileDetails.model_validate({**base, **changes})
    except ValueError as exc:
        raise PlanError(f"The profile fields are not valid for Partner Central: {exc}") from None
    new = details.model_dump(exclude_none=True)
    lines = [
        f"    {field}: {_shown(field, base.get(field))} -> {_shown(field, new.get(field))}"
        for field in API_NAMES.values()
        if base.get(field) != new.get(field)
    ]
    if not lines:
        return None
    try:
        running = backend.get_profile_update_task()
    except errors.ResourceNotFoundException:
        running = None
    if running is not None and running.Status == "IN_PROGRESS":
        raise PlanError(f"Profile update task {running.TaskId} is still running; try again when it has ended.")
    summary += ["  Public profile (applied by a profile update task, reviewed by AWS):", *lines]
    if details.LocalizedContents:
        locales = ", ".join(c.Locale for c in details.LocalizedContents)
        notes.append(f"The translations for {locales} are sent as they are; review them after this change.")
    return ApiCall(
        service=ACCOUNT,
        operation="StartProfileUpdateTask",
        request={"Catalog": backend.catalog, "Identifier": backend.partner_id, "TaskDetails": details.api_dict()},
        expects={"Profile": ProfileDetails.model_validate(base).api_dict()},
    )


def plan_profile_update(backend: PartnerCentral, parameters: ProfileUpdate) -> WritePlan:
    """The API calls that bring the profile to ``parameters``, and the diff a person reads."""
    partner = backend.get_partner()
    identity = {"Catalog": backend.catalog, "Identifier": backend.partner_id}
    calls: list[ApiCall] = []
    summary = [
        f"Update the Partner Central profile of {partner.Profile.DisplayName} ({partner.Id}, "
        f"{partner.Catalog} catalog):"
    ]
    notes: list[str] = []

    if parameters.profile is not None:
        call = _plan_profile_fields(backend, partner.Profile, parameters.profile.api_fields(), summary, notes)
        calls += [call] if call else []

    if parameters.visibility is not None:
        current = backend.get_profile_visibility().Visibility
        if current != parameters.visibility:
            calls.append(
                ApiCall(
                    service=ACCOUNT,
                    operation="PutProfileVisibility",
                    request={**identity, "Visibility": parameters.visibility},
                )
            )
            summary.append(f"  Profile visibility: {current} -> {parameters.visibility}")

    if parameters.alliance_lead is not None:
        call = _plan_alliance_lead(backend, identity, parameters, summary, notes)
        calls += [call] if call else []

    if not calls:
        raise PlanError("Nothing to change: the profile already has these values.")
    return WritePlan(calls=calls, summary=summary, notes=notes)


def _plan_alliance_lead(
    backend: PartnerCentral, identity: dict[str, str], parameters: ProfileUpdate, summary: list[str], notes: list[str]
) -> ApiCall | None:
    try:
        current: AllianceLeadContact | None = backend.get_alliance_lead_contact()
    except errors.ResourceNotFoundException:
        current = None
    merged = {**(current.model_dump() if current else {}), **parameters.alliance_lead.api_fields()}
    try:
        new = AllianceLeadContact.model_validate(merged)
    except ValueError as exc:
        raise PlanError(f"The alliance lead contact is incomplete or invalid: {exc}") from None
    if new == current:
        return None
    request: dict[str, Any] = {**identity, "AllianceLeadContact": new.api_dict()}
    if current is None or current.Email.lower() != new.Email.lower():
        if not parameters.email_verification_code:
            raise PlanError(
                f"A new alliance lead email ({new.Email}) must be verified: call send_email_verification_code with "
                "that address, ask the person for the 6-digit code they receive, then call update_profile again "
                "with email_verification_code."
            )
        request["EmailVerificationCode"] = parameters.email_verification_code
        notes.append(
            "Partner Central checks the verification code only when the change is applied (it offers no "
            "way to check it first); a wrong or expired code fails then, and nothing is changed."
        )
    summary.append(f"  Alliance lead: {_describe(current)} -> {_describe(new)}")
    return ApiCall(service=ACCOUNT, operation="PutAllianceLeadContact", request=request)


def check_profile_unchanged(backend: PartnerCentral, call: ApiCall) -> None:
    """A profile update task replaces the whole profile: send it only if the profile is still the one the person
    saw (or already is the requested one: a retry after the task was started, which the ClientToken replays)."""
    if call.operation != "StartProfileUpdateTask" or not call.expects:
        return
    current = ProfileDetails.model_validate(_base(backend.get_partner().Profile)).api_dict()
    try:
        latest = backend.get_profile_update_task().TaskDetails.api_dict()
    except errors.ResourceNotFoundException:
        latest = None
    if current != call.expects["Profile"] and call.request["TaskDetails"] not in (current, latest):
        changed = sorted(
            k for k in set(current) | set(call.expects["Profile"]) if current.get(k) != call.expects["Profile"].get(k)
        )
        raise errors.ConflictException(
            f"The profile changed since this change was approved ({', '.join(changed)}); nothing was written, so "
            "nothing else is overwritten. Ask for the change again to see it against the current profile.",
            reason="PROFILE_CHANGED_SINCE_APPROVAL",
        )


def already_in_place(backend: PartnerCentral, call: ApiCall) -> dict[str, Any] | None:
    """PutProfileVisibility and PutAllianceLeadContact take no ClientToken: sent again after a crash (or after a
    console edit), a value that is already as requested is not put again."""
    if call.operation == "PutProfileVisibility":
        visibility = backend.get_profile_visibility().Visibility
        return {"Visibility": visibility} if visibility == call.request["Visibility"] else None
    if call.operation != "PutAllianceLeadContact":
        return None
    try:
        current = backend.get_alliance_lead_contact()
    except errors.ResourceNotFoundException:
        return None
    return {"AllianceLeadContact": "updated"} if current.api_dict() == call.request["AllianceLeadContact"] else None


def profile_outcome(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    """What a person reads of each call; a profile update task is followed until it ends (or 30 s)."""
    if call.operation == "PutProfileVisibility":
        return {"Visibility": response["Visibility"]}
    if call.operation == "PutAllianceLeadContact":
        return {"AllianceLeadContact": "updated"}
    task = response
    deadline = time.monotonic() + TASK_WAIT_SECONDS
    while task["Status"] == "IN_PROGRESS" and time.monotonic() < deadline:
        time.sleep(0.25)
        task = backend.get_profile_update_task().api_dict()
    task_id, status = task["TaskId"], task["Status"]
    if status in ("FAILED", "CANCELED"):
        details = (
            "; ".join(f"{e['Reason']}: {e['Message']}" for e in task.get("ErrorDetailList", [])) or "no details given"
        )
        raise errors.ValidationException(
            f"Profile update task {task_id} {status}: {details}", reason="PROFILE_UPDATE_TASK_" + status
        )
    if status == "IN_PROGRESS":
        return {
            "TaskId": task_id,
            "Status": status,
            "FollowUp": "get_partner_profile shows how it ends (latest_profile_update).",
        }
    return {"TaskId": task_id, "Status": status}


PROFILE_UPDATE = WriteAction(
    tool="update_profile",
    parameters=ProfileUpdate,
    operations=operations,
    plan=plan_profile_update,
    check=check_profile_unchanged,
    settled=already_in_place,
    outcome=profile_outcome,
)
