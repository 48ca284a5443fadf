"""Co-sell writes: opportunities created, updated, associated with solutions and submitted to AWS, and AWS
referrals accepted or rejected. Each plans the exact Selling API requests from what the partner knows, refuses what
the API would refuse (naming the field and its allowed values) before the person is asked, and reads its outcome,
following an engagement task to its end."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from agent.backends import errors, operations
from agent.backends.base import PartnerCentral
from agent.cosell import readiness
from agent.graphs.plans import ApiCall, MissingInput, PlanError, WriteAction, WritePlan
from agent.graphs.preview import money
from agent.models.selling import (
    SELLING,
    DeliveryModel,
    IndustryName,
    InvolvementTypeName,
    LifeCycleStage,
    Opportunity,
    OpportunityTypeName,
    PrimaryNeedFromAws,
    RejectionReason,
    SalesActivity,
    SubmissionVisibility,
)

TASK_WAIT_SECONDS = 30.0


def _text(maximum: int, minimum: int = 1):
    """A string of ``minimum``-``maximum`` characters, checked without publishing the bounds (the API's are named when
    one is broken)."""

    def check(value: str) -> str:
        if not minimum <= len(value) <= maximum:
            raise ValueError(f"must be {minimum}-{maximum} characters, not {len(value)}")
        return value

    return Annotated[str, AfterValidator(check)]


Text255 = _text(255)


def _lowercase(value: str) -> str:
    return value.strip().lower()


class ContactFields(BaseModel):
    # A person on the deal: the customer's, or with ``team`` one of the partner's own (OpportunityTeam, which
    # CreateOpportunity takes and UpdateOpportunity does not). Checked against the API's Contact shape when planned.
    # (A comment, not a docstring: a docstring would be published in manage_opportunity's schema.)

    model_config = ConfigDict(extra="forbid")

    first_name: _text(80) | None = None
    last_name: _text(80) | None = None
    title: _text(80) | None = None
    email: Annotated[_text(80), AfterValidator(_lowercase)] | None = None  # the API's pattern takes lower case only
    phone: str | None = None
    team: bool | None = None  # true: the partner's own; None (unpublished default) and false: the customer's

    def api_contact(self) -> dict[str, str]:
        return {
            member: value
            for member, value in (
                ("FirstName", self.first_name),
                ("LastName", self.last_name),
                ("BusinessTitle", self.title),
                ("Email", self.email),
                ("Phone", self.phone),
            )
            if value is not None
        }


class OpportunityFields(BaseModel):
    """Omitted: unchanged (update)."""

    model_config = ConfigDict(extra="forbid")

    customer_name: _text(120) | None = None
    website_url: _text(255, 4) | None = None
    industry: IndustryName | None = None
    other_industry: Text255 | None = None
    country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    state_or_region: Text255 | None = Field(default=None, description="US: e.g. Washington")
    postal_code: _text(20) | None = None
    title: Text255 | None = None
    business_problem: _text(2000, 20) | None = None
    use_case: Text255 | None = None
    monthly_spend: (
        Annotated[
            Decimal, Field(ge=0, max_digits=33, decimal_places=2), WithJsonSchema({"type": "number", "minimum": 0})
        ]
        | None
    ) = Field(default=None, description="USD a month on AWS")  # a number in the schema; a string of digits is taken too
    delivery_models: list[DeliveryModel] | None = None
    sales_activities: list[SalesActivity] | None = None
    primary_needs: list[PrimaryNeedFromAws] | None = None
    opportunity_type: OpportunityTypeName | None = None
    stage: LifeCycleStage | None = None
    target_close_date: date | None = None
    next_steps: Text255 | None = None
    partner_reference: Text255 | None = None
    contacts: Annotated[list[ContactFields], Field(max_length=10)] | None = Field(
        default=None, description="Customer's (whole list); team=true: yours, on create. Phone +E.164"
    )


class OpportunityChange(BaseModel):
    """manage_opportunity's parameters."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["create", "update", "associate", "disassociate", "submit"]
    opportunity_id: str | None = None
    fields: OpportunityFields | None = None
    related_ids: Annotated[list[Text255], Field(max_length=10)] | None = None
    related_type: ModelledEntityType = "Solutions"
    involvement: InvolvementTypeName = "Co-Sell"
    visibility: SubmissionVisibility = "Full"


ModelledEntityType = Literal["Solutions", "AwsProducts", "AwsMarketplaceOffers"]
"""The related entity types an opportunity's RelatedEntityIdentifiers hold (GetOpportunity)."""

OPERATIONS = {
    "create": "CreateOpportunity",
    "update": "UpdateOpportunity",
    "associate": "AssociateOpportunity",
    "disassociate": "DisassociateOpportunity",
    "submit": "StartEngagementFromOpportunityTask",
}


def opportunity_operations(parameters: OpportunityChange) -> list[tuple[str, str]]:
    reads = {
        "create": [],
        "update": ["GetOpportunity"],
        "associate": ["GetOpportunity", "ListSolutions"],
        "disassociate": ["GetOpportunity"],
        "submit": ["GetOpportunity", "ListEngagementFromOpportunityTasks"],
    }
    return [(SELLING, op) for op in [*reads[parameters.action], OPERATIONS[parameters.action]]]


def _apply_fields(base: dict[str, Any], fields: OpportunityFields) -> dict[str, Any]:
    """``base`` (the API's members of an opportunity) with ``fields`` set, in the API's shapes."""
    f = fields
    body = {k: v for k, v in base.items()}
    customer = dict(body.get("Customer") or {})
    account = dict(customer.get("Account") or {})
    address = dict(account.get("Address") or {})
    project = dict(body.get("Project") or {})
    life = dict(body.get("LifeCycle") or {})
    for target, member, value in [
        (account, "CompanyName", f.customer_name),
        (account, "WebsiteUrl", f.website_url),
        (account, "Industry", f.industry),
        (account, "OtherIndustry", f.other_industry),
        (address, "CountryCode", f.country_code),
        (address, "StateOrRegion", f.state_or_region),
        (address, "PostalCode", f.postal_code),
        (project, "Title", f.title),
        (project, "CustomerBusinessProblem", f.business_problem),
        (project, "CustomerUseCase", f.use_case),
        (project, "DeliveryModels", f.delivery_models),
        (project, "SalesActivities", f.sales_activities),
        (body, "PrimaryNeedsFromAws", f.primary_needs),
        (body, "OpportunityType", f.opportunity_type),
        (body, "PartnerOpportunityIdentifier", f.partner_reference),
        (life, "Stage", f.stage),
        (life, "TargetCloseDate", f.target_close_date.isoformat() if f.target_close_date else None),
        (life, "NextSteps", f.next_steps),
    ]:
        if value is not None:
            target[member] = list(value) if isinstance(value, list) else value
    if f.contacts is not None:
        customer_contacts = [c.api_contact() for c in f.contacts if not c.team]
        if customer_contacts or not any(c.team for c in f.contacts):
            customer["Contacts"] = customer_contacts
        team = [c.api_contact() for c in f.contacts if c.team]
        if team:
            body["OpportunityTeam"] = team
    if f.monthly_spend is not None:
        project["ExpectedCustomerSpend"] = [
            {
                "Amount": format(f.monthly_spend.normalize(), "f"),
                "CurrencyCode": "USD",
                "Frequency": "Monthly",
                "TargetCompany": "AWS",
            }
        ]
    if address:
        account["Address"] = address
    if account:
        customer["Account"] = account
    for member, value in (("Customer", customer), ("Project", project), ("LifeCycle", life)):
        if value:
            body[member] = value
    return body


UPDATABLE = (
    "PrimaryNeedsFromAws",
    "NationalSecurity",
    "PartnerOpportunityIdentifier",
    "Customer",
    "Project",
    "OpportunityType",
    "LifeCycle",
)
LIFECYCLE_SENT = ("Stage", "ClosedLostReason", "NextSteps", "TargetCloseDate")


def sendable(opportunity: Opportunity) -> dict[str, Any]:
    """The members of an opportunity UpdateOpportunity takes (it replaces them all), as GetOpportunity gave them."""
    data = opportunity.api_dict()
    body = {k: data[k] for k in UPDATABLE if data.get(k) not in (None, [], {})}
    if "LifeCycle" in body:
        body["LifeCycle"] = {k: v for k, v in body["LifeCycle"].items() if k in LIFECYCLE_SENT}
    for member in ("Customer", "Project"):
        if member in body:
            body[member] = _pruned(body[member])
    return {k: v for k, v in body.items() if v not in (None, [], {})}


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, [], {})}
    return value


def _shape_check(operation: str, request: dict[str, Any]) -> None:
    """The request against its input shape: a PlanError naming each field and what it allows."""
    shape = errors.service_model(SELLING).operation_model(operation).input_shape
    problems = operations.shape_problems(
        {**request, **({"ClientToken": "x"} if "ClientToken" in shape.members else {})}, shape
    )
    if problems:
        raise PlanError(
            "The Selling API would refuse this; nothing was asked. "
            + "; ".join(f"{p.FieldName}: {p.Message}" for p in problems)[:900]
        )


def _business_check(request: dict[str, Any], today: date) -> None:
    close = (request.get("LifeCycle") or {}).get("TargetCloseDate")
    if close and close < today.isoformat():
        raise PlanError(
            f"target_close_date {close} is in the past; the API refuses it. Use the date AWS billing starts."
        )
    industry = ((request.get("Customer") or {}).get("Account") or {}).get("Industry")
    if request.get("NationalSecurity") == "Yes" and industry != "Government":
        raise PlanError("national_security Yes is only for the Government industry.")


def _lines(request: dict[str, Any]) -> list[str]:
    account = (request.get("Customer") or {}).get("Account") or {}
    project = request.get("Project") or {}
    life = request.get("LifeCycle") or {}
    spend = next(iter(project.get("ExpectedCustomerSpend") or []), {})
    return [
        f"  Customer: {account.get('CompanyName', '(none)')}, {account.get('Industry', 'no industry')}",
        f"  Project: {project.get('Title', '(none)')}",
        f"  Expected AWS spend: {money(spend['Amount'], spend['CurrencyCode']) + ' a month' if spend else '(none)'}",
        f"  Stage: {life.get('Stage', '(none)')}, target close {life.get('TargetCloseDate', '(none)')}",
    ]


def plan_opportunity(backend: PartnerCentral, parameters: OpportunityChange) -> WritePlan:
    action = parameters.action
    today = date.today()
    if action == "create":
        fields = parameters.fields or OpportunityFields()
        missing = {
            name: question
            for name, question in (
                ("customer_name", "Which customer company is the deal with?"),
                ("title", "What is the project called?"),
                ("target_close_date", "When does AWS billing start (target close date)?"),
            )
            if getattr(fields, name) is None
        }
        if missing:
            raise MissingInput({f"fields.{k}": v for k, v in missing.items()})
        body = _apply_fields({}, fields)
        body.setdefault("LifeCycle", {}).setdefault("Stage", "Prospect")
        body.setdefault("OpportunityType", "Net New Business")
        request = {"Catalog": backend.catalog, **body}
        _shape_check("CreateOpportunity", request)
        _business_check(request, today)
        summary = [
            "Create a co-sell opportunity in Partner Central (Pending Submission; not shared with AWS yet):",
            *_lines(request),
        ]
        return WritePlan(
            calls=[ApiCall(service=SELLING, operation="CreateOpportunity", request=request)], summary=summary
        )
    if not parameters.opportunity_id:
        raise MissingInput({"opportunity_id": f"Which opportunity (O...) to {action}?"})
    current = backend.get_opportunity(parameters.opportunity_id)
    review = current.LifeCycle.ReviewStatus if current.LifeCycle else None
    name = current.Customer.Account.CompanyName if current.Customer and current.Customer.Account else current.Id
    if action == "update":
        if review in ("Submitted", "In review"):
            raise PlanError(
                f"{current.Id} is {review}: AWS is reviewing it and it cannot be edited until the review ends."
            )
        if parameters.fields is None:
            raise MissingInput({"fields": "Which fields should change?"})
        if any(c.team for c in parameters.fields.contacts or []):
            raise PlanError(
                "contacts with team=true (your own team on the deal) are set when creating it; "
                "UpdateOpportunity cannot change them. Change them in the Partner Central console."
            )
        base = sendable(current)
        body = _apply_fields(base, parameters.fields)
        if body == base:
            raise PlanError(f"Nothing to change: {current.Id} already has these values.")
        request = {
            "Catalog": backend.catalog,
            "Identifier": current.Id,
            "LastModifiedDate": current.LastModifiedDate.isoformat(),
            **body,
        }
        _shape_check("UpdateOpportunity", request)
        _business_check(request, today)
        changed = [f"  {path}: {before} -> {after}" for path, before, after in _diff(base, body)]
        summary = [f"Update opportunity {current.Id} ({name}); every other field is sent as it is now:", *changed]
        notes = [
            f"Sent with LastModifiedDate {current.LastModifiedDate.isoformat()}: if anyone changed the "
            "opportunity since, Partner Central refuses this update and nothing is overwritten."
        ]
        return WritePlan(
            calls=[ApiCall(service=SELLING, operation="UpdateOpportunity", request=request)],
            summary=summary,
            notes=notes,
        )
    if action in ("associate", "disassociate"):
        ids = list(dict.fromkeys(parameters.related_ids or []))
        kind = parameters.related_type
        if not ids:
            raise MissingInput({"related_ids": f"Which {kind} ids (list_engagement_invitations shows your solutions)?"})
        present = getattr(current.RelatedEntityIdentifiers, kind, None) or []
        if action == "associate" and kind == "Solutions":
            active = {s.Id: s.Name for s in backend.list_solutions() if s.Status == "Active"}
            unknown = [i for i in ids if i not in active]
            if unknown:
                raise PlanError(
                    f"related_ids: {', '.join(unknown)} not an active solution of yours; active: "
                    f"{', '.join(f'{k} ({v})' for k, v in active.items()) or 'none'}."
                )
        todo = [i for i in ids if (i not in present) == (action == "associate")]
        if not todo:
            raise PlanError(
                f"Nothing to change: {current.Id} {'already has' if action == 'associate' else 'has none of'} "
                f"{', '.join(ids)}."
            )
        operation = OPERATIONS[action]
        calls = [
            ApiCall(
                service=SELLING,
                operation=operation,
                request={
                    "Catalog": backend.catalog,
                    "OpportunityIdentifier": current.Id,
                    "RelatedEntityType": kind,
                    "RelatedEntityIdentifier": entity,
                },
            )
            for entity in todo
        ]
        verb = "Associate" if action == "associate" else "Disassociate"
        return WritePlan(
            calls=calls,
            summary=[
                f"{verb} {kind} {', '.join(todo)} {'with' if verb == 'Associate' else 'from'} "
                f"opportunity {current.Id} ({name})."
            ],
        )
    found = readiness.issues(current, parameters.involvement, today)
    blocking = readiness.blocking(found)
    if blocking:
        raise PlanError(
            f"{current.Id} is not ready to share with AWS ({len(blocking)} problem(s)); nothing was asked. "
            + "; ".join(f"{i.field}: {i.problem} ({i.fix})" for i in blocking)[:900]
        )
    request = {
        "Catalog": backend.catalog,
        "Identifier": current.Id,
        "AwsSubmission": {"InvolvementType": parameters.involvement, "Visibility": parameters.visibility},
    }
    summary = [
        f"Share opportunity {current.Id} ({name}) with AWS for {parameters.involvement}, visibility "
        f"{parameters.visibility}.",
        *_lines(sendable(current)),
        "  After this AWS reviews it; it cannot be edited until the review ends.",
    ]
    return WritePlan(
        calls=[ApiCall(service=SELLING, operation="StartEngagementFromOpportunityTask", request=request)],
        summary=summary,
    )


def _diff(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        return [
            d
            for key in dict.fromkeys([*before, *after])
            for d in _diff(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        ]
    return [] if before == after else [(path, before if before is not None else "(none)", after)]


def opportunity_settled(backend: PartnerCentral, call: ApiCall) -> dict[str, Any] | None:
    """UpdateOpportunity, AssociateOpportunity and DisassociateOpportunity take no ClientToken: after a crash, a change
    already in place is not sent again (an update would fail its LastModifiedDate check)."""
    request = call.request
    if call.operation == "UpdateOpportunity":
        current = backend.get_opportunity(request["Identifier"])
        wanted = {k: v for k, v in request.items() if k in UPDATABLE}
        if sendable(current) == sendable(
            Opportunity.model_validate(
                {**{k: v for k, v in current.model_dump().items() if k not in UPDATABLE}, **wanted}
            )
        ):
            return {"OpportunityId": current.Id, "LastModifiedDate": current.LastModifiedDate.isoformat()}
        return None
    if call.operation in ("AssociateOpportunity", "DisassociateOpportunity"):
        current = backend.get_opportunity(request["OpportunityIdentifier"])
        present = request["RelatedEntityIdentifier"] in (
            getattr(current.RelatedEntityIdentifiers, request["RelatedEntityType"], None) or []
        )
        if present == (call.operation == "AssociateOpportunity"):
            return {"OpportunityId": current.Id, call.request["RelatedEntityType"]: request["RelatedEntityIdentifier"]}
    if call.operation == "RejectEngagementInvitation":
        if backend.get_engagement_invitation(request["Identifier"]).Status == "REJECTED":
            return {"InvitationId": request["Identifier"], "Status": "REJECTED"}
    return None


def follow_task(backend: PartnerCentral, operation: str, task: dict[str, Any]) -> dict[str, Any]:
    """An engagement task followed until it ends (or 30 s); a FAILED one is an error naming AWS's reason."""
    deadline = time.monotonic() + TASK_WAIT_SECONDS
    while task.get("TaskStatus") == "IN_PROGRESS" and time.monotonic() < deadline:
        time.sleep(0.5)
        task = backend.get_engagement_task(operation, task["TaskId"]).api_dict()
    if task.get("TaskStatus") == "FAILED":
        raise errors.ValidationException(
            f"Task {task.get('TaskId')} FAILED ({task.get('ReasonCode')}): {task.get('Message') or 'no details given'}",
            reason="ENGAGEMENT_TASK_FAILED",
        )
    keep = ("TaskId", "TaskStatus", "OpportunityId", "EngagementId", "EngagementInvitationId")
    return {k: task[k] for k in keep if task.get(k)}


def opportunity_outcome(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    if call.operation in ("StartEngagementFromOpportunityTask", "StartEngagementByAcceptingInvitationTask"):
        return follow_task(backend, call.operation, response)
    if call.operation in ("CreateOpportunity", "UpdateOpportunity"):
        return {"OpportunityId": response["Id"], "LastModifiedDate": str(response.get("LastModifiedDate"))}
    if call.operation == "RejectEngagementInvitation":
        return {"InvitationId": call.request["Identifier"], "Status": "REJECTED"}
    return {
        "OpportunityId": call.request["OpportunityIdentifier"],
        call.request["RelatedEntityType"]: call.request["RelatedEntityIdentifier"],
        "Associated": call.operation == "AssociateOpportunity",
    }


OPPORTUNITY_CHANGE = WriteAction(
    tool="manage_opportunity",
    parameters=OpportunityChange,
    operations=opportunity_operations,
    plan=plan_opportunity,
    settled=opportunity_settled,
    outcome=opportunity_outcome,
)


# AWS referrals


class ReferralResponse(BaseModel):
    """respond_to_referral's parameters."""

    model_config = ConfigDict(extra="forbid")

    invitation_id: Annotated[str, Field(pattern=r"^engi-[0-9a-z]{13}$")]
    action: Literal["accept", "reject"]
    reason: RejectionReason | None = None


def referral_operations(parameters: ReferralResponse) -> list[tuple[str, str]]:
    write = (
        "StartEngagementByAcceptingInvitationTask" if parameters.action == "accept" else "RejectEngagementInvitation"
    )
    reads = ["GetEngagementInvitation"] + (
        ["ListEngagementByAcceptingInvitationTasks"] if parameters.action == "accept" else []
    )
    return [(SELLING, op) for op in [*reads, write]]


def plan_referral(backend: PartnerCentral, parameters: ReferralResponse) -> WritePlan:
    invitation = backend.get_engagement_invitation(parameters.invitation_id)
    if invitation.Status != "PENDING":
        raise PlanError(f"Referral {invitation.Id} is {invitation.Status}; only a PENDING one can be answered.")
    payload = invitation.Payload.OpportunityInvitation if invitation.Payload else None
    customer = payload.Customer.CompanyName if payload and payload.Customer else "(unknown customer)"
    title = payload.Project.Title if payload and payload.Project else invitation.EngagementTitle
    due = f"{invitation.ExpirationDate:%Y-%m-%d %H:%M} UTC" if invitation.ExpirationDate else "no deadline given"
    request: dict[str, Any] = {"Catalog": backend.catalog, "Identifier": invitation.Id}
    if parameters.action == "reject":
        if parameters.reason is None:
            raise MissingInput({"reason": "Why reject it? One of: " + ", ".join(get_args(RejectionReason))})
        request["RejectionReason"] = parameters.reason
        summary = [
            f"Reject the AWS referral {invitation.Id}: {customer}, {title} (answer due {due}).",
            f"  Reason: {parameters.reason}. The referral's data becomes inaccessible afterwards.",
        ]
        return WritePlan(
            calls=[ApiCall(service=SELLING, operation="RejectEngagementInvitation", request=request)], summary=summary
        )
    summary = [
        f"Accept the AWS referral {invitation.Id}: {customer}, {title} (answer due {due}).",
        "  Accepting creates the opportunity in your pipeline and tells AWS you will engage the customer.",
    ]
    return WritePlan(
        calls=[ApiCall(service=SELLING, operation="StartEngagementByAcceptingInvitationTask", request=request)],
        summary=summary,
    )


REFERRAL_RESPONSE = WriteAction(
    tool="respond_to_referral",
    parameters=ReferralResponse,
    operations=referral_operations,
    plan=plan_referral,
    settled=opportunity_settled,
    outcome=opportunity_outcome,
)
