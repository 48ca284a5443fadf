"""Drafting a fund request from an opportunity: map its data to the program's application fields, find
what is missing, and create the benefit application (PENDING_SUBMISSION) once approved. Never submits.

The ClientToken is derived from the partner, opportunity, program and the exact details, so the same
draft asked for twice is created once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.funding.catalog import Program, load_catalog
from agent.funding.dates import end_date_problem, propose_dates
from agent.funding.recommend import estimate, expected_spend
from agent.graphs.plans import ApiCall, MissingInput, PlanError, WriteAction, WritePlan
from agent.models.selling import Opportunity

BENEFITS = "partnercentral-benefits"
QUESTIONS = {
    "ActivityName": "A short name for the funded activity.",
    "ActivityDescription": "What will be done, for whom and why (at least 20 characters).",
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
NUMBERS = {"RequestedAmount", "ExpectedArr"}


def from_opportunity(program: Program, opportunity: Opportunity, today: date) -> tuple[dict[str, Any], list[str]]:
    """Application details the opportunity provides, and which of them are proposals to check."""
    account = opportunity.Customer.Account if opportunity.Customer else None
    project = opportunity.Project
    monthly, _ = expected_spend(opportunity)
    arr = monthly * 12 if monthly is not None else None
    start, end = propose_dates(today, program.category)
    details: dict[str, Any] = {
        "OpportunityId": opportunity.Id,
        "CustomerName": account.CompanyName if account else None,
        "ActivityName": f"{program.name}: {project.Title}"[:255] if project and project.Title else None,
        "ActivityDescription": project.CustomerBusinessProblem if project else None,
        "ExpectedArr": arr,
        "RequestedAmount": estimate(program, arr, monthly, []).amount,
        "CurrencyCode": "USD",
        "AwsAccountId": account.AwsAccountId if account and account.AwsAccountId and account.AwsAccountId.isdigit() else None,
        "StartDate": start.isoformat(),
        "EndDate": end.isoformat(),
    }
    proposed = ["StartDate", "EndDate"] + (["RequestedAmount"] if details["RequestedAmount"] is not None else [])
    return {k: v for k, v in details.items() if k in program.required_fields and v is not None}, proposed


def missing_fields(program: Program, details: dict[str, Any]) -> list[str]:
    return [field for field in program.required_fields if details.get(field) in (None, "", [])]


def normalize_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """The person's answers as the application expects them (numbers, lists, dates checked)."""
    clean: dict[str, Any] = {}
    for field, value in answers.items():
        if field not in QUESTIONS:
            raise PlanError(f"{field!r} is not an application field; fields are: {', '.join(sorted(QUESTIONS))}.")
        if value in (None, ""):
            continue
        if field in NUMBERS:
            try:
                value = float(str(value).replace(",", "").replace("$", ""))
            except ValueError:
                raise PlanError(f"{field} must be a number in USD, not {value!r}.") from None
        elif field == "CampaignChannels" and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif field in ("StartDate", "EndDate"):
            try:
                value = date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise PlanError(f"{field} must be a date like 2027-01-31, not {value!r}.") from None
        clean[field] = value
    return clean


def client_token(partner_id: str, benefit_id: str, details: dict[str, Any]) -> str:
    """The same draft for the same partner gets the same token: CreateBenefitApplication replays it."""
    canonical = json.dumps([partner_id, benefit_id, details], sort_keys=True, default=str)
    return "draft-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _check_dates(details: dict[str, Any], category: str) -> None:
    if "StartDate" in details and "EndDate" in details:
        problem = end_date_problem(date.fromisoformat(details["StartDate"]), date.fromisoformat(details["EndDate"]), category)
        if problem:
            raise PlanError(f"The dates cannot be used: {problem}.")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plan_fund_request(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    program = load_catalog().get(parameters["program"])
    if program.benefit_id is None:
        raise PlanError(f"{program.name} has no application in Partner Central's benefits API; apply as the guide describes.")
    opportunity = backend.get_opportunity(parameters["opportunity_id"])
    details, proposed = from_opportunity(program, opportunity, date.fromisoformat(parameters["today"]))
    details.update(normalize_answers(parameters.get("answers") or {}))
    missing = missing_fields(program, details)
    if missing:
        raise MissingInput({field: QUESTIONS[field] for field in missing})
    _check_dates(details, program.category)
    request = {
        "Catalog": backend.catalog,
        "ClientToken": client_token(backend.partner_id, program.benefit_id, details),
        "BenefitIdentifier": program.benefit_id,
        "Name": details.get("ActivityName", program.name)[:255],
        "Description": str(details.get("ActivityDescription", program.description))[:1000],
        "FulfillmentTypes": program.fulfillment_types[:1],
        "BenefitApplicationDetails": details,
        "AssociatedResources": [opportunity.Arn] if opportunity.Arn else [],
    }
    lines = [f"Create a DRAFT fund request (not submitted) for {program.name}, opportunity {opportunity.Id}:"]
    for field in program.required_fields:
        if field in details:
            note = " (proposed: check it)" if field in proposed and field not in (parameters.get("answers") or {}) else ""
            lines.append(f"  {field}: {details[field]}{note}")
    lines.append("  Status after creation: PENDING_SUBMISSION (you review and submit it in Partner Central).")
    return WritePlan(calls=[ApiCall(service=BENEFITS, operation="CreateBenefitApplication", request=request)],
                     preview="\n".join(lines))


def apply_fund_request(backend: PartnerCentral, call: ApiCall, client_token_: str) -> dict[str, Any]:
    request = call.request
    application = backend.create_benefit_application(
        client_token=request["ClientToken"], benefit_id=request["BenefitIdentifier"], name=request["Name"],
        description=request["Description"], fulfillment_types=request["FulfillmentTypes"],
        details=request["BenefitApplicationDetails"], associated_resources=request["AssociatedResources"],
    )
    return {"Id": application.Id, "Status": application.Status, "Revision": application.Revision}


FUND_REQUEST_DRAFT = WriteAction(tool="draft_funding_request", plan=plan_fund_request, apply=apply_fund_request)


# Managing an existing fund request: every action checked against the guide's lifecycle rules.

OPERATIONS = {
    "submit": "SubmitBenefitApplication", "resubmit": "SubmitBenefitApplication",
    "recall": "RecallBenefitApplication", "cancel": "CancelBenefitApplication",
    "delete": "DeleteBenefitApplication", "extend": "AmendBenefitApplication", "claim": "SubmitCashClaim",
    "attach": "UpdateBenefitApplication", "edit": "UpdateBenefitApplication",
}
CAPABILITIES = {"attach": "AttachFile"}
"""What a backend must be able to do for an action, where that is not the API operation itself (see unsupported)."""


def iam_action(action: str) -> str:
    """The IAM action a management action needs. Deleting a draft and claiming cash are console actions with no API
    operation; IAM knows them as updates of the request."""
    operation = OPERATIONS[action]
    return "partnercentral:" + ("UpdateBenefitApplication" if operation in ("DeleteBenefitApplication", "SubmitCashClaim")
                                else operation)


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


def plan_management(backend: PartnerCentral, parameters: dict[str, Any]) -> WritePlan:
    from agent.funding.lifecycle import claim_deadline, deadline_after, refusal

    action = parameters["action"]
    application = backend.get_benefit_application(parameters["funding_request_id"])
    category = application.Programs[0] if application.Programs else "Misc"
    details = application.BenefitApplicationDetails
    new_end = date.fromisoformat(parameters["new_end_date"]) if parameters.get("new_end_date") else None
    problem = refusal(action, category, application.Stage or "Created", application.Status, details,
                      date.fromisoformat(parameters["today"]), new_end_date=new_end,
                      extended="ExtendedFromEndDate" in details)
    if problem:
        raise PlanError(f"Cannot {action} {application.Id}: {problem}.")
    unsupported = backend.unsupported(CAPABILITIES.get(action, OPERATIONS[action]))
    if unsupported:  # refused before the person is asked, not after they approved
        raise PlanError(f"Cannot {action} {application.Id} through this backend: {unsupported}")
    if action == "attach":
        return _plan_attachment(backend, application, parameters)
    if action == "edit":
        return _plan_edit(backend, application, category, parameters)
    identity = {"Catalog": backend.catalog, "Identifier": application.Id}
    reason = parameters.get("reason") or DESCRIPTIONS[action]
    request: dict[str, Any] = dict(identity)
    extra = ""
    if action in ("recall", "cancel"):
        request["Reason"] = reason
    elif action == "extend":
        expires = deadline_after(new_end)
        request.update(Revision=application.Revision, AmendmentReason=reason, Amendments=[
            {"FieldPath": "BenefitApplicationDetails.EndDate", "NewValue": new_end.isoformat()},
            {"FieldPath": "BenefitApplicationDetails.ExtendedFromEndDate", "NewValue": details["EndDate"]},
            {"FieldPath": "BenefitApplicationDetails.ExpirationDate", "NewValue": expires.isoformat()},
        ])
        extra = f"\n  End date: {details['EndDate']} -> {new_end}; the request now expires on {expires}"
    elif action == "claim":
        if not parameters.get("claim_amount") or parameters["claim_amount"] <= 0:
            raise PlanError("Give the claim's actual amount (claim_amount, in USD).")
        request["Amount"] = parameters["claim_amount"]
        extra = f"\n  Actual amount claimed: ${parameters['claim_amount']:,.2f} (deadline {claim_deadline(details)})"
    preview = (f"{DESCRIPTIONS[action]}: fund request {application.Id} ({application.Name}, {category}), "
               f"stage {application.Stage}, status {application.Status}.{extra}")
    return WritePlan(calls=[ApiCall(service=BENEFITS, operation=OPERATIONS[action], request=request)], preview=preview)


def _plan_attachment(backend: PartnerCentral, application, parameters: dict[str, Any]) -> WritePlan:
    from agent.funding.attachments import AttachmentError, check_file

    path = Path(parameters.get("file_path") or "").expanduser()
    try:
        scan = check_file(path)
    except AttachmentError as exc:
        raise PlanError(f"Cannot attach: {exc}") from None
    use = parameters.get("reason") or "Supporting document"
    warning = f"\n  AWS's scan will quarantine it: {scan.reason}." if scan.status == "Quarantined" else ""
    preview = (f"Attach {path.name} ({path.stat().st_size:,} bytes, from {path.parent}) to fund request "
               f"{application.Id} ({application.Name}) as '{use}'.{warning}")
    request = {"Catalog": backend.catalog, "Identifier": application.Id, "Revision": application.Revision,
               "FileDetails": [{"FileURI": str(path.resolve()), "BusinessUseCase": use}]}
    call = ApiCall(service=BENEFITS, operation="UpdateBenefitApplication", request=request,
                   expects={"FileSha256": file_sha256(path)})  # the file approved is the file uploaded
    return WritePlan(calls=[call], preview=preview)


def _plan_edit(backend: PartnerCentral, application, category: str, parameters: dict[str, Any]) -> WritePlan:
    changes = normalize_answers(parameters.get("answers") or {})
    if not changes:
        raise PlanError("Give the fields to change in `answers`, e.g. {\"StartDate\": \"2027-01-15\"}.")
    details = {**application.BenefitApplicationDetails, **changes}
    _check_dates(details, category)
    lines = [f"Edit fund request {application.Id} ({application.Name}):"]
    lines += [f"  {field}: {application.BenefitApplicationDetails.get(field, '(empty)')} -> {value}" for field, value in changes.items()]
    request = {"Catalog": backend.catalog, "Identifier": application.Id, "Revision": application.Revision,
               "BenefitApplicationDetails": details}
    return WritePlan(calls=[ApiCall(service=BENEFITS, operation="UpdateBenefitApplication", request=request)],
                     preview="\n".join(lines))


def apply_management(backend: PartnerCentral, call: ApiCall, client_token_: str) -> dict[str, Any]:
    request, identifier = call.request, call.request["Identifier"]
    if call.operation == "UpdateBenefitApplication" and "BenefitApplicationDetails" in request:
        result = backend.update_benefit_application(identifier, revision=request["Revision"],
                                                    details=request["BenefitApplicationDetails"])
        return {"Id": result.Id, "Stage": result.Stage, "Status": result.Status, "Revision": result.Revision}
    if call.operation == "UpdateBenefitApplication":
        [file] = request["FileDetails"]
        if call.expects and file_sha256(Path(file["FileURI"])) != call.expects["FileSha256"]:
            raise errors.ConflictException(f"{file['FileURI']} changed after the person approved attaching it; nothing "
                                           "was uploaded. Ask for the attachment again.", reason="FILE_CHANGED_SINCE_APPROVAL")
        result = backend.attach_file(identifier, file["FileURI"], file["BusinessUseCase"])
        attached = next(f for f in result.FileDetails if f.FileName == file["FileURI"].rsplit("/", 1)[-1])
        return {"Id": result.Id, "FileName": attached.FileName, "FileStatus": attached.FileStatus,
                "FileStatusReason": attached.FileStatusReason}
    if call.operation == "DeleteBenefitApplication":
        backend.delete_benefit_application(identifier)
        return {"Id": identifier, "Status": "DELETED"}
    if call.operation == "SubmitBenefitApplication":
        result = backend.submit_benefit_application(identifier)
    elif call.operation == "RecallBenefitApplication":
        result = backend.recall_benefit_application(identifier, request["Reason"])
    elif call.operation == "CancelBenefitApplication":
        result = backend.cancel_benefit_application(identifier, request["Reason"])
    elif call.operation == "AmendBenefitApplication":
        result = backend.amend_benefit_application(identifier, revision=request["Revision"],
                                                   reason=request["AmendmentReason"], amendments=request["Amendments"])
    else:
        result = backend.submit_cash_claim(identifier, request["Amount"])
    return {"Id": result.Id, "Stage": result.Stage, "Status": result.Status}


FUND_REQUEST_MANAGEMENT = WriteAction(tool="manage_funding_request", plan=plan_management, apply=apply_management)
