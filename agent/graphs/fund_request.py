"""Fund requests: drafting one from an opportunity, and every later action on it, under the guide's rules.

A draft maps the opportunity's data to the program's application fields, asks for what is missing, and creates
the benefit application (PENDING_SUBMISSION) once approved; submitting is a separate action. A draft identical to
one the partner already has (same benefit, same details) is refused with that draft's id.
Every value is checked before the person is asked: amounts positive, finite, to the cent and within the program's
limit; dates real and in the allowed windows; text within the API's lengths and free of control characters.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.funding.catalog import Program, load_catalog
from agent.funding.dates import end_date_problem, propose_dates
from agent.funding.lifecycle import claim_deadline, deadline_after, refusal
from agent.funding.recommend import budgets_for, estimate, expected_spend
from agent.graphs.plans import ApiCall, MissingInput, PlanError, WriteAction, WritePlan
from agent.graphs.preview import money
from agent.models.account import AwsAccountId as AccountIdText, Text80
from agent.models.benefits import BENEFIT_APPLICATION_ID_PATTERN
from agent.models.selling import OPPORTUNITY_ID_PATTERN, Opportunity

BENEFITS = "partnercentral-benefits"
SELLING = "partnercentral-selling"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control_characters(value: str) -> str:
    if found := _CONTROL.search(value):
        raise ValueError(f"contains the control character U+{ord(found.group()):04X}; remove it")
    return value


def _amount(value: Any) -> Any:
    """Amounts as people write them: 9500, "9,500.00", "$9,500"."""
    return value.replace(",", "").replace("$", "").strip() if isinstance(value, str) else value


def Text(max_length: int, min_length: int = 1) -> Any:  # noqa: N802 - a type factory, read like a type
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_control_characters)]


Money = Annotated[Decimal, BeforeValidator(_amount),
                  Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False,
                        description="An amount in USD, to the cent.")]


class FundRequestAnswers(BaseModel):
    """Application fields the person gives or overrides (API names)."""

    model_config = ConfigDict(extra="forbid")

    ActivityName: Text(255) | None = None
    ActivityDescription: Text(1000, min_length=20) | None = None
    StartDate: date | None = None
    EndDate: date | None = None
    RequestedAmount: Money | None = None
    ExpectedArr: Money | None = None
    AwsAccountId: AccountIdText | None = None
    MigrationWorkloads: Text(1000) | None = None
    SuccessCriteria: Text(1000) | None = None
    CampaignChannels: Annotated[list[Annotated[Text80, AfterValidator(_no_control_characters)]],
                                BeforeValidator(lambda v: [p.strip() for p in v.split(",") if p.strip()] if isinstance(v, str) else v),
                                Field(min_length=1, max_length=10)] | None = None
    CustomerName: Text(255) | None = None
    OpportunityId: Annotated[str, Field(pattern=OPPORTUNITY_ID_PATTERN)] | None = None
    CurrencyCode: Literal["USD"] | None = None

    def details(self) -> dict[str, Any]:
        """The answers as application details: dates as YYYY-MM-DD, amounts as numbers."""
        return {field: float(value) if isinstance(value, Decimal) else value.isoformat() if isinstance(value, date)
                else value for field, value in self.model_dump(exclude_none=True).items()}


QUESTIONS = {
    "ActivityName": "A short name for the funded activity.",
    "ActivityDescription": "What will be done, for whom and why (20 to 1,000 characters).",
    "StartDate": "Activity start date, YYYY-MM-DD (at least 14 days from today is safest).",
    "EndDate": "Activity end date, YYYY-MM-DD (not December 16 - January 1).",
    "RequestedAmount": "Amount requested, in USD.",
    "ExpectedArr": "Expected annual AWS revenue from this customer, in USD.",
    "AwsAccountId": "The customer's 12-digit AWS account id.",
    "MigrationWorkloads": "Which workloads move to AWS (applications, databases, servers).",
    "SuccessCriteria": "How the customer will judge the proof of concept a success.",
    "CampaignChannels": "Marketing channels, comma-separated (e.g. Email, Virtual Event).",
    "CustomerName": "The customer's company name.",
    "OpportunityId": "The opportunity this request funds.",
    "CurrencyCode": "Currency (USD).",
}
NUMBERS = frozenset({"RequestedAmount", "ExpectedArr"})


class FundRequestDraft(BaseModel):
    """draft_funding_request's parameters (``today`` pins the date the plan is made on)."""

    model_config = ConfigDict(extra="forbid")

    opportunity_id: Annotated[str, Field(pattern=OPPORTUNITY_ID_PATTERN)]
    program: str
    answers: FundRequestAnswers = Field(default_factory=FundRequestAnswers)
    today: date


def from_opportunity(program: Program, opportunity: Opportunity, today: date) -> tuple[dict[str, Any], list[str]]:
    """Application details the opportunity provides, and which of them are proposals to check."""
    account = opportunity.Customer.Account if opportunity.Customer else None
    project = opportunity.Project
    monthly, _ = expected_spend(opportunity)
    arr = float(Decimal(str(monthly)) * 12) if monthly is not None else None  # exactly 12 x the monthly spend
    start, end = propose_dates(today, program.category)
    description = project.CustomerBusinessProblem if project else None
    details: dict[str, Any] = {
        "OpportunityId": opportunity.Id,
        "CustomerName": account.CompanyName if account else None,
        "ActivityName": f"{program.name}: {project.Title}"[:255] if project and project.Title else None,
        "ActivityDescription": description if description and 20 <= len(description) <= 1000 else None,
        "ExpectedArr": arr,
        "RequestedAmount": estimate(program, arr, monthly, []).amount,
        "CurrencyCode": "USD",
        "AwsAccountId": account.AwsAccountId if account and re.fullmatch(r"[0-9]{12}", account.AwsAccountId or "") else None,
        "StartDate": start.isoformat(),
        "EndDate": end.isoformat(),
    }
    proposed = ["StartDate", "EndDate"] + (["RequestedAmount"] if details["RequestedAmount"] is not None else [])
    return {k: v for k, v in details.items() if k in program.required_fields and v is not None}, proposed


def missing_fields(program: Program, details: dict[str, Any]) -> list[str]:
    return [field for field in program.required_fields if details.get(field) in (None, "", [])]


def _check_dates(details: dict[str, Any], category: str, today: date, *, new_start: bool) -> None:
    """Dates a request may have: a new activity starts today or later; the end obeys the guide's rules."""
    if "StartDate" not in details or "EndDate" not in details:
        return
    start, end = date.fromisoformat(str(details["StartDate"])), date.fromisoformat(str(details["EndDate"]))
    if new_start and start < today:
        raise PlanError(f"StartDate {start} is in the past; the activity must start today ({today}) or later "
                        "(14 days out leaves time for AWS's review).")
    problem = end_date_problem(start, end, category)
    if problem:
        raise PlanError(f"The dates cannot be used: {problem}.")


def _check_amounts(backend: PartnerCentral, details: dict[str, Any], program: Program | None) -> None:
    """The requested amount within what can be granted: the program's limit per request and its minimum (from the
    catalog), an MDF wallet's remaining balance, and never more than the expected annual AWS revenue (our rule)."""
    requested, arr = details.get("RequestedAmount"), details.get("ExpectedArr")
    if requested is None:
        return
    name = program.name if program else "this program"
    if program is not None and program.estimate.kind == "wallet_balance":
        remaining = sum(b.remaining or 0 for b in budgets_for(program, backend.list_benefit_allocations()))
        if requested > remaining:
            raise PlanError(f"RequestedAmount {money(requested)} is more than the {money(remaining)} left in your MDF "
                            "wallet; ask for at most that.")
    cap = program.estimate.cap_usd if program else None
    if cap is not None and requested > cap:
        raise PlanError(f"RequestedAmount {money(requested)} is above {name}'s limit of {money(cap)} per request in the "
                        "program catalog; ask for at most that.")
    floor = program.estimate.min_usd if program else None
    if floor is not None and requested < floor:
        raise PlanError(f"RequestedAmount {money(requested)} is below {name}'s minimum request of {money(floor)}.")
    if arr is not None and requested > arr:
        raise PlanError(f"RequestedAmount {money(requested)} is more than the expected annual AWS revenue "
                        f"{money(arr)}: funding never exceeds what the customer will spend. Check both amounts.")


def draft_operations(parameters: FundRequestDraft) -> list[tuple[str, str]]:
    return [(SELLING, "GetOpportunity"), (BENEFITS, "ListBenefitApplications"), (BENEFITS, "CreateBenefitApplication"),
            (BENEFITS, "AssociateBenefitApplicationResource")]


def plan_fund_request(backend: PartnerCentral, parameters: FundRequestDraft) -> WritePlan:
    try:
        program = load_catalog().get(parameters.program)
    except KeyError:
        programs = ", ".join(p.id for p in load_catalog().programs)
        raise PlanError(f"Unknown program {parameters.program!r}; programs are: {programs}.") from None
    if program.benefit_id is None:
        raise PlanError(f"{program.name} has no application in Partner Central's benefits API; apply as the guide describes.")
    opportunity = backend.get_opportunity(parameters.opportunity_id)
    details, proposed = from_opportunity(program, opportunity, parameters.today)
    given = parameters.answers.details()
    details.update(given)
    missing = missing_fields(program, details)
    if missing:
        raise MissingInput({field: QUESTIONS[field] for field in missing}, parameter="answers")
    _check_dates(details, program.category, parameters.today, new_start=True)
    _check_amounts(backend, details, program)
    same = next((a for a in backend.list_benefit_applications() if a.BenefitId == program.benefit_id
                 and a.Status != "CANCELED" and a.BenefitApplicationDetails == details), None)
    if same is not None:
        raise PlanError(f"This draft already exists as {same.Id} ({same.Status}); get_funding_request shows it, and "
                        "manage_funding_request edits or submits it.")
    request = {
        "Catalog": backend.catalog,
        "BenefitIdentifier": program.benefit_id,
        "Name": details.get("ActivityName", program.name)[:255],
        "Description": str(details.get("ActivityDescription", program.description))[:1000],
        "FulfillmentTypes": program.fulfillment_types[:1],
        "BenefitApplicationDetails": details,
        "AssociatedResources": [opportunity.Arn] if opportunity.Arn else [],
    }
    checks = [field for field in proposed if field in details and field not in given]
    summary = [f"Create a DRAFT fund request for {program.name}, opportunity {opportunity.Id}. It is not submitted: "
               "submitting is a separate step you approve later."]
    if checks:
        summary.append(f"  Proposed by the assistant, check them: {', '.join(checks)}.")
    return WritePlan(calls=[ApiCall(service=BENEFITS, operation="CreateBenefitApplication", request=request)],
                     summary=summary, notes=["Status after creation: PENDING_SUBMISSION."])


def draft_outcome(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    return {"Id": response["Id"], "Status": "PENDING_SUBMISSION"}


FUND_REQUEST_DRAFT = WriteAction(tool="draft_funding_request", parameters=FundRequestDraft, operations=draft_operations,
                                 plan=plan_fund_request, outcome=draft_outcome)


# Managing an existing fund request: every action checked against the guide's lifecycle rules.

ManageAction = Literal["edit", "submit", "resubmit", "recall", "cancel", "delete", "extend", "claim", "attach"]
OPERATIONS = {
    "submit": "SubmitBenefitApplication", "resubmit": "SubmitBenefitApplication",
    "recall": "RecallBenefitApplication", "cancel": "CancelBenefitApplication",
    "delete": "DeleteBenefitApplication", "extend": "AmendBenefitApplication", "claim": "SubmitCashClaim",
    "attach": "AttachFile", "edit": "UpdateBenefitApplication",
}
DESCRIPTIONS = {
    "submit": "Submit it to AWS for review",
    "resubmit": "Resubmit it after its rejection",
    "recall": "Recall it from review back to Created, to edit it",
    "cancel": "Cancel it (its status becomes CANCELED; it cannot be reopened)",
    "delete": "Delete it (it disappears and cannot be recovered)",
    "extend": "Extend its planned end date (allowed once)",
    "claim": "Submit a cash claim with the actual amount",
    "attach": "Attach a file",
    "edit": "Edit its details",
}


class FundRequestChange(BaseModel):
    """manage_funding_request's parameters (``today`` pins the date the plan is made on)."""

    model_config = ConfigDict(extra="forbid")

    funding_request_id: Annotated[str, Field(pattern=BENEFIT_APPLICATION_ID_PATTERN)]
    action: ManageAction
    reason: Text(1000) | None = None
    new_end_date: date | None = None
    claim_amount: Money | None = None
    file_path: Annotated[str, Field(max_length=4096)] | None = None
    answers: FundRequestAnswers = Field(default_factory=FundRequestAnswers)
    today: date


def management_operations(parameters: FundRequestChange) -> list[tuple[str, str]]:
    return [(BENEFITS, "GetBenefitApplication"), (BENEFITS, OPERATIONS[parameters.action])]


def plan_management(backend: PartnerCentral, parameters: FundRequestChange) -> WritePlan:
    action = parameters.action
    application = backend.get_benefit_application(parameters.funding_request_id)
    category = application.Programs[0] if application.Programs else "Misc"
    details = application.BenefitApplicationDetails
    problem = refusal(action, category, application.Stage or "Created", application.Status, details, parameters.today,
                      new_end_date=parameters.new_end_date, extended="ExtendedFromEndDate" in details)
    if problem:
        raise PlanError(f"Cannot {action} {application.Id}: {problem}.")
    unsupported = backend.unsupported(OPERATIONS[action])
    if unsupported:  # refused before the person is asked, not after they approved
        raise PlanError(f"Cannot {action} {application.Id} through this backend: {unsupported}")
    if action == "attach":
        return _plan_attachment(backend, application, parameters)
    if action == "edit":
        return _plan_edit(backend, application, category, parameters)
    request: dict[str, Any] = {"Catalog": backend.catalog, "Identifier": application.Id}
    summary = [f"{DESCRIPTIONS[action]}: fund request {application.Id} ({application.Name}, {category}), "
               f"stage {application.Stage}, status {application.Status}."]
    if action in ("recall", "cancel"):
        request["Reason"] = parameters.reason or DESCRIPTIONS[action]
    elif action == "extend":
        new_end = parameters.new_end_date
        expires = deadline_after(new_end)
        request.update(Revision=application.Revision, AmendmentReason=parameters.reason or DESCRIPTIONS[action], Amendments=[
            {"FieldPath": "BenefitApplicationDetails.EndDate", "NewValue": new_end.isoformat()},
            {"FieldPath": "BenefitApplicationDetails.ExtendedFromEndDate", "NewValue": details["EndDate"]},
            {"FieldPath": "BenefitApplicationDetails.ExpirationDate", "NewValue": expires.isoformat()},
        ])
        summary.append(f"  End date: {details['EndDate']} -> {new_end}; the request then expires on {expires}.")
    elif action == "claim":
        if parameters.claim_amount is None:
            raise MissingInput({"claim_amount": "The actual amount spent, in USD."})
        requested = details.get("RequestedAmount")
        if requested is not None and parameters.claim_amount > Decimal(str(requested)):
            raise PlanError(f"A claim of {money(parameters.claim_amount)} is more than the {money(requested)} this "
                            "request was for; claim at most the approved amount.")
        request["Amount"] = float(parameters.claim_amount)
        summary.append(f"  Claim deadline: {claim_deadline(details)}.")
    return WritePlan(calls=[ApiCall(service=BENEFITS, operation=OPERATIONS[action], request=request)], summary=summary)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _plan_attachment(backend: PartnerCentral, application, parameters: FundRequestChange) -> WritePlan:
    from agent.funding.attachments import AttachmentError, check_file

    if not parameters.file_path:
        raise MissingInput({"file_path": "The file to attach (its path on this machine)."})
    path = Path(parameters.file_path).expanduser()
    try:
        scan = check_file(path)
    except AttachmentError as exc:
        raise PlanError(f"Cannot attach: {exc}") from None
    use = parameters.reason or "Supporting document"
    summary = [f"Attach {path.name} ({path.stat().st_size:,} bytes) to fund request {application.Id} "
               f"({application.Name}) as '{use}'."]
    notes = [f"AWS's scan will quarantine it: {scan.reason}."] if scan.status == "Quarantined" else []
    request = {"Catalog": backend.catalog, "Identifier": application.Id,
               "FileDetails": [{"FileURI": str(path.resolve()), "BusinessUseCase": use}]}
    call = ApiCall(service=BENEFITS, operation="AttachFile", request=request,
                   expects={"FileSha256": file_sha256(path)})  # the file approved is the file uploaded
    return WritePlan(calls=[call], summary=summary, notes=notes)


def _plan_edit(backend: PartnerCentral, application, category: str, parameters: FundRequestChange) -> WritePlan:
    changes = parameters.answers.details()
    if not changes:
        raise MissingInput({"StartDate": "Which fields to change, with their new values (e.g. StartDate)."},
                           parameter="answers")
    details = {**application.BenefitApplicationDetails, **changes}
    _check_dates(details, category, parameters.today, new_start="StartDate" in changes)
    if changes.keys() & {"RequestedAmount", "ExpectedArr"}:
        _check_amounts(backend, details, load_catalog().of_benefit(application.BenefitId))
    summary = [f"Edit fund request {application.Id} ({application.Name}):"]
    summary += [f"  {field}: {application.BenefitApplicationDetails.get(field, '(empty)')} -> {value}"
                for field, value in changes.items()]
    request = {"Catalog": backend.catalog, "Identifier": application.Id, "Revision": application.Revision,
               "BenefitApplicationDetails": details}
    return WritePlan(calls=[ApiCall(service=BENEFITS, operation="UpdateBenefitApplication", request=request)],
                     summary=summary)


def check_file_unchanged(backend: PartnerCentral, call: ApiCall) -> None:
    if call.operation != "AttachFile":
        return
    [file] = call.request["FileDetails"]
    if file_sha256(Path(file["FileURI"])) != call.expects["FileSha256"]:
        raise errors.ConflictException(f"{Path(file['FileURI']).name} changed after the person approved attaching it; "
                                       "nothing was uploaded. Ask for the attachment again.",
                                       reason="FILE_CHANGED_SINCE_APPROVAL")


def already_submitted(backend: PartnerCentral, call: ApiCall) -> dict[str, Any] | None:
    """SubmitBenefitApplication has no ClientToken: after a crash, a request already in review was submitted."""
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
    current = backend.get_benefit_application(identifier)
    return {"Id": current.Id, "Stage": current.Stage, "Status": current.Status}


FUND_REQUEST_MANAGEMENT = WriteAction(
    tool="manage_funding_request", parameters=FundRequestChange, operations=management_operations,
    plan=plan_management, check=check_file_unchanged, settled=already_submitted, outcome=management_outcome)
