"""Fund requests: drafting one from an opportunity, and every later action on it, under the guide's rules.

A draft finds the program's benefit at run time (ListBenefits) and fills the application its own schema asks for
(GetBenefit's BenefitRequestSchema): what the opportunity answers, dates and an amount proposed by the rules, and
the person's answers for the rest, validated with jsonschema before anyone is asked to approve. It is created in
PENDING_SUBMISSION; submitting is a separate action. A program already requested for the opportunity is refused
with that request's id (unless the program allows several). Every value is checked before the person is asked:
amounts positive, finite, to the cent and within the program's limits; dates real and in the allowed windows; text
within the schema's lengths and free of control characters.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.funding.application import ApplicationForm
from agent.funding.attachments import MAX_FILES, StagedFile, check_file
from agent.funding.benefits import application_form, benefit_key, benefit_of, program_of
from agent.funding.catalog import Program, load_catalog
from agent.funding.dates import end_date_problem, propose_dates
from agent.funding.lifecycle import Claim, RequestFacts, deadline_after, refusal
from agent.funding.recommend import budgets_for, estimate, expected_spend
from agent.graphs.plans import ApiCall, MissingInput, PlanError, WriteAction, WritePlan
from agent.graphs.preview import money
from agent.models.benefits import BENEFIT_APPLICATION_ID_PATTERN, BenefitApplication
from agent.models.selling import OPPORTUNITY_ID_PATTERN, Opportunity

BENEFITS = "partnercentral-benefits"
SELLING = "partnercentral-selling"

MAX_ANSWER = 2000


def _bounded(value: JsonValue) -> JsonValue:
    """An answer of a size a form field can take: the schema's own limits are checked later, by name."""
    if isinstance(value, str) and len(value) > MAX_ANSWER:
        raise ValueError(f"an answer is at most {MAX_ANSWER:,} characters")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("an answer is a finite number")
    if not isinstance(value, str) and len(json.dumps(value, allow_nan=False)) > 4 * MAX_ANSWER:
        raise ValueError(f"a list or object answer is at most {4 * MAX_ANSWER:,} characters as JSON")
    return value


AnswerValue = Annotated[JsonValue, AfterValidator(_bounded)]
Answers = Annotated[dict[Annotated[str, Field(min_length=1, max_length=64)], AnswerValue], Field(max_length=40)]
"""The person's answers, by the application's field names (what a needs_input question names)."""

Money = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False, description="An amount in USD, to the cent."),
]


class FundRequestDraft(BaseModel):
    """draft_funding_request's parameters (``today`` pins the date the plan is made on)."""

    model_config = ConfigDict(extra="forbid")

    opportunity_id: Annotated[str, Field(pattern=OPPORTUNITY_ID_PATTERN)]
    program: Annotated[str, Field(max_length=64)]
    answers: Answers = Field(default_factory=dict)
    today: date


def proposals(
    form: ApplicationForm, program: Program, opportunity: Opportunity, budget_left: Decimal | None, today: date
) -> tuple[dict[str, Any], list[str]]:
    """The application fields the opportunity and the rules answer, by the form's own names, and which of them
    are proposals for the person to check (dates, amount). A value the field's schema would refuse is left out."""
    account = opportunity.Customer.Account if opportunity.Customer else None
    project = opportunity.Project
    monthly, _ = expected_spend(opportunity)
    arr = float(Decimal(str(monthly)) * 12) if monthly is not None else None  # exactly 12 x the monthly spend
    start, end = propose_dates(today, program.category)
    amount = estimate(program, arr, monthly, budget_left).amount
    by_role: dict[str, Any] = {
        "opportunity_id": opportunity.Id,
        "customer_name": account.CompanyName if account else None,
        "activity_name": f"{program.name}: {project.Title}" if project and project.Title else None,
        "activity_description": project.CustomerBusinessProblem if project else None,
        "expected_arr": arr,
        "requested_amount": amount,
        "currency": "USD",
        "aws_account_id": account.AwsAccountId
        if account and re.fullmatch(r"[0-9]{12}", account.AwsAccountId or "")
        else None,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
    }
    details: dict[str, Any] = {}
    proposed: list[str] = []
    for role, value in by_role.items():
        name = form.field(role)  # type: ignore[arg-type]
        if name is None or value is None:
            continue
        if isinstance(value, str) and (limit := form.max_length(name)):
            value = value[:limit]
        if form.accepts(name, value):
            details[name] = value
            if role in ("start_date", "end_date", "requested_amount"):
                proposed.append(name)
    return details, proposed


def _check_dates(
    form: ApplicationForm, details: dict[str, Any], category: str, today: date, *, new_start: bool
) -> None:
    """Dates a request may have: a new activity starts today or later; the end obeys the guide's rules."""
    start, end = form.date(details, "start_date"), form.date(details, "end_date")
    if new_start and start is not None and start < today:
        raise PlanError(
            f"{form.field('start_date')} {start} is in the past; the activity must start today ({today}) or "
            "later (14 days out leaves time for AWS's review)."
        )
    if start is not None and end is not None and (problem := end_date_problem(start, end, category)):
        raise PlanError(f"The dates cannot be used: {problem}.")


def _check_amounts(
    form: ApplicationForm, details: dict[str, Any], program: Program | None, budget_left: Decimal | None
) -> None:
    """The requested amount within what can be granted: the program's limit per request and its minimum (from the
    catalog), the budget left in an MDF wallet, and never more than the expected annual AWS revenue (our rule)."""
    requested, arr = form.amount(details, "requested_amount"), form.amount(details, "expected_arr")
    if requested is None:
        return
    if requested <= 0 or requested != requested.quantize(Decimal("0.01")):
        raise PlanError(
            f"{form.field('requested_amount')} must be a positive amount to the cent, not {money(requested)}."
        )
    name = program.name if program else "this program"
    if (
        program is not None
        and program.estimate.kind == "wallet_balance"
        and budget_left is not None
        and requested > budget_left
    ):
        raise PlanError(
            f"The requested {money(requested)} is more than the {money(budget_left)} left in your MDF wallet; "
            "ask for at most that."
        )
    cap = program.estimate.cap_usd if program else None
    if cap is not None and requested > Decimal(str(cap)):
        raise PlanError(
            f"The requested {money(requested)} is above {name}'s limit of {money(cap)} per request in the "
            "program catalog; ask for at most that."
        )
    floor = program.estimate.min_usd if program else None
    if floor is not None and requested < Decimal(str(floor)):
        raise PlanError(f"The requested {money(requested)} is below {name}'s minimum request of {money(floor)}.")
    if arr is not None and requested > arr:
        raise PlanError(
            f"The requested {money(requested)} is more than the expected annual AWS revenue {money(arr)}: "
            "funding never exceeds what the customer will spend. Check both amounts."
        )


def _validated(form: ApplicationForm, details: dict[str, Any], benefit_name: str) -> None:
    problems = form.problems(details)
    if problems:
        shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        raise PlanError(f"The application is not valid for {benefit_name}: {shown}.")


def _answers(form: ApplicationForm, answers: dict[str, Any]) -> dict[str, Any]:
    try:
        return form.coerce(answers)
    except ValueError as exc:
        raise PlanError(f"{exc}") from None


def draft_operations(parameters: FundRequestDraft) -> list[tuple[str, str]]:
    return [
        (SELLING, "GetOpportunity"),
        (BENEFITS, "ListBenefits"),
        (BENEFITS, "GetBenefit"),
        (BENEFITS, "ListBenefitAllocations"),
        (BENEFITS, "ListBenefitApplications"),
        (BENEFITS, "CreateBenefitApplication"),
        (BENEFITS, "AssociateBenefitApplicationResource"),
    ]


def plan_fund_request(backend: PartnerCentral, parameters: FundRequestDraft) -> WritePlan:
    program = load_catalog().get(parameters.program)
    if program.benefit is None:
        raise PlanError(
            f"{program.name} has no application in Partner Central's benefits API; apply as the guide describes."
        )
    benefit = benefit_of(backend, program)
    if benefit is None:
        raise PlanError(
            f"{program.name} is not offered to this partner account in the {backend.catalog} catalog: "
            f"ListBenefits has no active {program.benefit.program} benefit"
            + (f" named like '{program.benefit.name_contains}'." if program.benefit.name_contains else ".")
        )
    form = application_form(backend, benefit.Id)
    opportunity = backend.get_opportunity(parameters.opportunity_id)
    if not program.repeatable:
        earlier = existing_request(backend, benefit.Id, opportunity)
        if earlier is not None:
            raise PlanError(
                f"{program.name} was already requested for {opportunity.Id}: {earlier.Id} ({earlier.Status}). "
                "get_funding_request shows it; manage_funding_request edits, submits or cancels it."
            )
    budget_left = wallet_left(backend, benefit.Id) if program.estimate.kind == "wallet_balance" else None
    details, proposed = proposals(form, program, opportunity, budget_left, parameters.today)
    given = _answers(form, parameters.answers)
    details.update(given)
    missing = form.missing(details)
    if missing:
        raise MissingInput({name: form.fields[name].question for name in missing}, parameter="answers")
    _validated(form, details, benefit.Name)
    _check_dates(form, details, program.category, parameters.today, new_start=True)
    _check_amounts(form, details, program, budget_left)
    request = {
        "Catalog": backend.catalog,
        "BenefitIdentifier": benefit.Id,
        "Name": str(form.value(details, "activity_name") or program.name)[:255],
        "Description": str(form.value(details, "activity_description") or benefit.Description or program.description)[
            :1000
        ],
        "FulfillmentTypes": [
            next(
                (t for t in program.fulfillment_types if t in benefit.FulfillmentTypes),
                (benefit.FulfillmentTypes or program.fulfillment_types)[0],
            )
        ],
        "BenefitApplicationDetails": details,
        "AssociatedResources": [opportunity.Arn] if opportunity.Arn else [],
    }
    checks = [name for name in proposed if name not in given]
    named = benefit.Name if benefit.Name == program.name else f"{benefit.Name} ({program.name})"
    summary = [
        f"Create a DRAFT fund request for {named}, opportunity {opportunity.Id}. It is not submitted: submitting "
        "is a separate step you approve later."
    ]
    if checks:
        summary.append(f"  Proposed by the assistant, check them: {', '.join(checks)}.")
    return WritePlan(
        calls=[ApiCall(service=BENEFITS, operation="CreateBenefitApplication", request=request)],
        summary=summary,
        notes=["Status after creation: PENDING_SUBMISSION."],
    )


def wallet_left(backend: PartnerCentral, benefit_id: str) -> Decimal | None:
    """What the partner's allocations that fund ``benefit_id`` have left to request, or None when none does."""
    budgets = budgets_for(
        benefit_id,
        backend.list_benefit_allocations(),
        backend.list_benefit_applications(),
        lambda b: application_form(backend, b),
    )
    left = [budget.remaining for budget in budgets if budget.remaining is not None]
    return sum(left, Decimal(0)) if left else None


def existing_request(backend: PartnerCentral, benefit_id: str, opportunity: Opportunity):
    """A request of this benefit for this opportunity that is not cancelled or rejected, if there is one."""
    form = application_form(backend, benefit_id)
    for application in backend.list_benefit_applications():
        linked = (opportunity.Arn in application.AssociatedResources if opportunity.Arn else False) or (
            form.value(application.BenefitApplicationDetails, "opportunity_id") == opportunity.Id
        )
        if (
            benefit_key(application.BenefitId) == benefit_key(benefit_id)
            and linked
            and application.Status not in ("CANCELED", "REJECTED")
        ):
            return application
    return None


def draft_outcome(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    return {"Id": response["Id"], "Status": "PENDING_SUBMISSION"}


FUND_REQUEST_DRAFT = WriteAction(
    tool="draft_funding_request",
    parameters=FundRequestDraft,
    operations=draft_operations,
    plan=plan_fund_request,
    outcome=draft_outcome,
)


# Managing an existing fund request: every action checked against the guide's lifecycle rules.

ManageAction = Literal[
    "edit", "submit", "resubmit", "recall", "cancel", "delete", "extend", "claim", "edit_claim", "attach"
]
OPERATIONS = {
    "submit": "SubmitBenefitApplication",
    "resubmit": "SubmitBenefitApplication",
    "recall": "RecallBenefitApplication",
    "cancel": "CancelBenefitApplication",
    "delete": "DeleteBenefitApplication",
    "extend": "AmendBenefitApplication",
    "claim": "SubmitCashClaim",
    "edit_claim": "UpdateCashClaim",
    "attach": "AttachFile",
    "edit": "UpdateBenefitApplication",
}
DESCRIPTIONS = {
    "submit": "Submit it to AWS for review",
    "resubmit": "Resubmit it after its rejection",
    "recall": "Recall it from review back to Created, to edit it",
    "cancel": "Cancel it (its status becomes CANCELED; it cannot be reopened)",
    "delete": "Delete it (it disappears and cannot be recovered)",
    "extend": "Extend its planned end date (allowed once)",
    "claim": "Submit a cash claim with the actual amount",
    "edit_claim": "Resubmit a rejected cash claim with a corrected amount",
    "attach": "Attach a file",
    "edit": "Edit its details",
}


class FundRequestChange(BaseModel):
    """manage_funding_request's parameters (``today`` pins the date the plan is made on; ``extended_before`` and
    ``submitted_before`` are this server's own record, from its audit trail, of an extension or a submission it
    applied: the API keeps no such history)."""

    model_config = ConfigDict(extra="forbid")

    funding_request_id: Annotated[str, Field(pattern=BENEFIT_APPLICATION_ID_PATTERN)]
    action: ManageAction
    reason: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    new_end_date: date | None = None
    claim_amount: Money | None = None
    claim_id: Annotated[str, Field(pattern=r"^claim-[0-9a-z]{13}$")] | None = None
    attachments: Annotated[list[StagedFile], Field(max_length=MAX_FILES)] = Field(default_factory=list)
    answers: Answers = Field(default_factory=dict)
    today: date
    extended_before: bool = False
    submitted_before: bool = False


def management_operations(parameters: FundRequestChange) -> list[tuple[str, str]]:
    return [(BENEFITS, "GetBenefitApplication"), (BENEFITS, "GetBenefit"), (BENEFITS, OPERATIONS[parameters.action])]


def request_facts(
    backend: PartnerCentral,
    application: BenefitApplication,
    form: ApplicationForm,
    extended: bool = False,
    resubmission: bool = False,
) -> RequestFacts:
    """What the lifecycle rules read of ``application``, through its benefit's schema."""
    details = application.BenefitApplicationDetails
    program = program_of(backend, application.BenefitId)
    try:
        claims = [
            Claim(claim_id=c.Id, amount=c.Amount, status=c.Status) for c in backend.list_cash_claims(application.Id)
        ]
    except errors.UnsupportedOperationException:
        claims = None
    return RequestFacts(
        category=application.Programs[0] if application.Programs else "Misc",
        stage=application.Stage or "Created",
        status=application.Status,
        start=form.date(details, "start_date"),
        end=form.date(details, "end_date"),
        amount=form.amount(details, "requested_amount"),
        extended=extended,
        resubmission=resubmission,
        claims=claims,
        attachments=[f.BusinessUseCase for f in application.FileDetails if f.BusinessUseCase],
        required_attachments=program.required_attachments if program else [],
    )


def plan_management(backend: PartnerCentral, parameters: FundRequestChange) -> WritePlan:
    action = parameters.action
    application = backend.get_benefit_application(parameters.funding_request_id)
    form = application_form(backend, application.BenefitId)
    facts = request_facts(backend, application, form, parameters.extended_before, parameters.submitted_before)
    problem = refusal(
        action,
        facts,
        parameters.today,
        new_end_date=parameters.new_end_date,
        claim_amount=parameters.claim_amount,
        claim_id=parameters.claim_id,
    )
    if problem:
        raise PlanError(f"Cannot {action} {application.Id}: {problem}.")
    unsupported = backend.unsupported(OPERATIONS[action])
    if unsupported:  # refused before the person is asked, not after they approved
        raise PlanError(f"Cannot {action} {application.Id} through this backend: {unsupported}")
    if action == "attach":
        return _plan_attachment(backend, application, parameters)
    if action == "edit":
        return _plan_edit(backend, application, form, parameters)
    request: dict[str, Any] = {"Catalog": backend.catalog, "Identifier": application.Id}
    summary = [
        f"{DESCRIPTIONS[action]}: fund request {application.Id} ({application.Name}, {facts.category}), "
        f"stage {application.Stage}, status {application.Status}."
    ]
    if action in ("recall", "cancel"):
        request["Reason"] = parameters.reason or DESCRIPTIONS[action]
    elif action == "resubmit":  # a rejected request is reopened (Recall), then submitted: the API's way
        reopen = ApiCall(
            service=BENEFITS,
            operation="RecallBenefitApplication",
            request={**request, "Reason": parameters.reason or "Reopened to resubmit after its rejection"},
        )
        return WritePlan(
            calls=[reopen, ApiCall(service=BENEFITS, operation="SubmitBenefitApplication", request=request)],
            summary=summary,
        )
    elif action == "extend":
        new_end = parameters.new_end_date
        request.update(
            Revision=application.Revision,
            AmendmentReason=parameters.reason or DESCRIPTIONS[action],
            Amendments=[{"FieldPath": f"$.{form.field('end_date')}", "NewValue": new_end.isoformat()}],
        )
        summary.append(f"  End date: {facts.end} -> {new_end}; the request then expires on {deadline_after(new_end)}.")
    elif action in ("claim", "edit_claim"):
        if parameters.claim_amount is None:
            raise MissingInput({"claim_amount": "The actual amount spent, in USD, to the cent."})
        if action == "edit_claim":
            request["ClaimId"] = parameters.claim_id
        request["Amount"] = float(parameters.claim_amount)
        summary.append(f"  Claim deadline: {deadline_after(facts.end)}.")
    return WritePlan(calls=[ApiCall(service=BENEFITS, operation=OPERATIONS[action], request=request)], summary=summary)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _plan_attachment(backend: PartnerCentral, application, parameters: FundRequestChange) -> WritePlan:
    if not parameters.attachments:
        raise MissingInput(
            {
                "files": "The files to attach (content from the client, or a path in the attachments "
                "folder), each with its business use."
            }
        )
    summary = [f"Attach {len(parameters.attachments)} file(s) to fund request {application.Id} ({application.Name}):"]
    calls, notes = [], []
    for file in parameters.attachments:
        scan = check_file(Path(file.path))
        summary.append(f"  {file.name} ({file.size:,} bytes, SHA-256 {file.sha256[:12]}...) as '{file.business_use}'")
        if scan.status == "Quarantined":
            notes.append(f"AWS's scan will quarantine {file.name}: {scan.reason}.")
        calls.append(
            ApiCall(
                service=BENEFITS,
                operation="AttachFile",
                expects={"FileSha256": file.sha256},
                request={
                    "Catalog": backend.catalog,
                    "Identifier": application.Id,
                    "FileDetails": [{"FileURI": file.path, "BusinessUseCase": file.business_use}],
                },
            )
        )
    return WritePlan(calls=calls, summary=summary, notes=notes)


def _plan_edit(
    backend: PartnerCentral, application: BenefitApplication, form: ApplicationForm, parameters: FundRequestChange
) -> WritePlan:
    changes = _answers(form, parameters.answers)
    if not changes:
        raise MissingInput({name: field.question for name, field in form.fields.items()}, parameter="answers")
    details = {**application.BenefitApplicationDetails, **changes}
    _validated(form, details, application.Name or application.BenefitId)
    category = application.Programs[0] if application.Programs else "Misc"
    _check_dates(form, details, category, parameters.today, new_start=form.field("start_date") in changes)
    if changes.keys() & {form.field("requested_amount"), form.field("expected_arr")} - {None}:
        program = program_of(backend, application.BenefitId)
        left = (
            wallet_left(backend, application.BenefitId)
            if program and program.estimate.kind == "wallet_balance"
            else None
        )
        _check_amounts(form, details, program, left)
    summary = [f"Edit fund request {application.Id} ({application.Name}):"]
    summary += [
        f"  {field}: {application.BenefitApplicationDetails.get(field, '(empty)')} -> {value}"
        for field, value in changes.items()
    ]
    request = {
        "Catalog": backend.catalog,
        "Identifier": application.Id,
        "Revision": application.Revision,
        "BenefitApplicationDetails": details,
    }
    return WritePlan(
        calls=[ApiCall(service=BENEFITS, operation="UpdateBenefitApplication", request=request)], summary=summary
    )


def check_file_unchanged(backend: PartnerCentral, call: ApiCall) -> None:
    if call.operation != "AttachFile":
        return
    [file] = call.request["FileDetails"]
    if file_sha256(Path(file["FileURI"])) != call.expects["FileSha256"]:
        raise errors.ConflictException(
            f"{Path(file['FileURI']).name} changed after the person approved attaching it; "
            "nothing was uploaded. Ask for the attachment again.",
            reason="FILE_CHANGED_SINCE_APPROVAL",
        )


def already_submitted(backend: PartnerCentral, call: ApiCall) -> dict[str, Any] | None:
    """SubmitBenefitApplication has no ClientToken: after a crash, a request already in review was submitted."""
    if call.operation != "SubmitBenefitApplication":
        return None
    current = backend.get_benefit_application(call.request["Identifier"])
    if current.Status in ("IN_REVIEW", "APPROVED"):
        return {"Id": current.Id, "Stage": current.Stage, "Status": current.Status}
    return None


def management_outcome(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    identifier = call.request["Identifier"]
    if call.operation == "DeleteBenefitApplication":
        return {"Id": identifier, "Status": "DELETED"}
    if call.operation == "AttachFile":
        return {"Id": identifier, **{k: response.get(k) for k in ("FileName", "FileStatus", "FileStatusReason")}}
    if call.operation in ("SubmitCashClaim", "UpdateCashClaim"):
        return {"Id": identifier, "ClaimId": response.get("Id"), "Status": response.get("Status")}
    current = backend.get_benefit_application(identifier)
    return {"Id": current.Id, "Stage": current.Stage, "Status": current.Status}


FUND_REQUEST_MANAGEMENT = WriteAction(
    tool="manage_funding_request",
    parameters=FundRequestChange,
    operations=management_operations,
    plan=plan_management,
    check=check_file_unchanged,
    settled=already_submitted,
    outcome=management_outcome,
)
