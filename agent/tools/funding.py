"""Funding tools: the program catalog, recommendations for an opportunity, estimates, and fund requests."""

import csv
import io
import logging
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, ValidationError, create_model

from agent.app import AgentApp
from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.compliance.prm import read_prm
from agent.funding.application import ApplicationForm
from agent.funding.attachments import MAX_FILES, AttachmentInput, stage
from agent.funding.benefits import application_form, benefit_key, benefit_of
from agent.funding.catalog import Program, load_catalog
from agent.funding.lifecycle import RequestFacts
from agent.funding.recommend import (
    PATH_OF_SOLUTION,
    Budget,
    Evaluation,
    ExistingRequest,
    FundingEstimate,
    PartnerFacts,
    budgets_for,
    evaluate,
    expected_spend,
    rank,
)
from agent.graphs.fund_request import (
    FUND_REQUEST_DRAFT,
    FUND_REQUEST_MANAGEMENT,
    Answers,
    FundRequestChange,
    FundRequestDraft,
    ManageAction,
    Money,
    request_facts,
)
from agent.models.benefits import BENEFIT_APPLICATION_ID_PATTERN, BenefitApplication, BenefitApplicationSummary
from agent.storage import utcnow
from agent.tools import hints, writes
from agent.tools.errors import validation_problems
from agent.tools.params import (
    Detail,
    DetailParam,
    OffsetParam,
    OpportunityIdParam,
    SessionIdParam,
    first_sentence,
    shorten_all,
)
from agent.trust.memory import note_answers

log = logging.getLogger(__name__)
UNKNOWN_STATUS = "UNKNOWN"
"""The status of a fund request the API listed without one."""
LOCAL_READ = hints.reading(open_world=False)
"""The program catalog is this server's own data."""
RECOMMEND_ACTIONS = [
    f"partnercentral:{operation}"
    for operation in (
        "GetOpportunity",
        "GetPartner",
        "ListBenefits",
        "GetBenefit",
        "ListBenefitAllocations",
        "GetBenefitAllocation",
        "ListBenefitApplications",
        "ListConnections",
        "GetConnection",
        "ListConnectionInvitations",
        "GetConnectionInvitation",
    )
]
"""The reads of a recommendation: the opportunity, the partner's path, each program's benefit and schema, budgets and
requests, and the connections of PRM readiness (the aws backend reads a listed item in full). Its seller setup and PRM
evidence reads are declared, not required, in `agent.compliance.prm.EVIDENCE_ACTIONS`."""


class ProgramDetails(BaseModel):
    category: str
    description: str
    fulfillment_types: list[str]
    eligibility: dict[str, Any] = Field(description="The rules, as data: a rule left out or null is no constraint.")
    estimate_basis: dict[str, Any]
    sources: list[dict[str, Any]]


class ProgramInfo(BaseModel):
    program: str = Field(description="Program id, for estimate_funding and draft_funding_request.")
    name: str
    max_amount: str = Field(description="What it can fund, as this catalog estimates it.")
    purpose: str = Field(description="What it funds, in one sentence.")
    details: ProgramDetails | None = Field(default=None, description="With detail='full' or `program`.")


class FundingPrograms(BaseModel):
    programs: list[ProgramInfo]
    next_offset: int | None = Field(default=None, description="Pass as offset for the next page; absent on the last.")
    total: int
    disclaimer: str
    catalog_version: str


class Recommendation(BaseModel):
    program: str
    name: str
    estimate: FundingEstimate
    reason: str = Field(description="Why it fits, in terms the partner can check against the opportunity.")
    budgets: list[Budget] = Field(description="SCA or MDF allocations that can fund it: allocated and remaining.")
    description: str | None = None
    category: str | None = None
    fulfillment_types: list[str] | None = None


class NearMiss(BaseModel):
    program: str
    name: str
    missing: list[str] = Field(description="What would make the opportunity eligible.")
    met: list[str] | None = None


class AlreadyRequested(BaseModel):
    program: str
    name: str
    funding_request_id: str
    status: str


class FundingRecommendations(BaseModel):
    opportunity_id: str
    recommendations: list[Recommendation] = Field(description="Eligible programs, largest estimate first.")
    next_steps: list[str]
    near_misses: list[NearMiss]
    already_requested: list[AlreadyRequested] = Field(
        description="Programs this opportunity already has a request for (not recommended again)."
    )
    opportunity: dict[str, Any] = Field(description="The facts the recommendations rest on.")
    disclaimer: str
    session_id: str


class FundingEstimateResult(BaseModel):
    eligible: bool
    estimate: FundingEstimate
    gaps: list[str]
    program: str
    opportunity_id: str
    budgets: list[Budget]
    sources: list[dict[str, Any]] | None = Field(default=None, description="With detail='full'.")
    disclaimer: str
    session_id: str


def partner_facts(backend: PartnerCentral) -> PartnerFacts:
    """Path, PRM readiness (unknown where seller data is unreadable), and per program the budgets that fund it and
    the requests already made for it (programs whose benefit this catalog does not offer have neither)."""
    path = PATH_OF_SOLUTION[backend.get_partner().Profile.PrimarySolutionType]
    allocations, applications = backend.list_benefit_allocations(), backend.list_benefit_applications()
    identified_applications = identified(applications)
    budgets: dict[str, list[Budget]] = {}
    requests: dict[str, list[ExistingRequest]] = {}
    for program in load_catalog().programs:
        benefit = benefit_of(backend, program)
        if benefit is None:
            continue
        form = application_form(backend, benefit.Id)
        budgets[program.id] = budgets_for(benefit.Id, allocations, applications, lambda b: application_form(backend, b))
        requests[program.id] = [
            ExistingRequest(
                funding_request_id=a.Id,
                status=a.Status or UNKNOWN_STATUS,
                opportunity_id=opportunity_of(a, form.value(a.BenefitApplicationDetails, "opportunity_id")),
            )
            for a in identified_applications
            if benefit_key(a.BenefitId) == benefit_key(benefit.Id) and a.Status not in ("CANCELED", "REJECTED")
        ]
    facts = {"path": path, "budgets": budgets, "requests": requests}
    try:
        setup = backend.get_seller_setup()
        readiness = read_prm(backend, utcnow(), setup=setup)
    except errors.UnsupportedOperationException:
        return PartnerFacts(**facts, prm_ready=None)
    return PartnerFacts(
        **facts,
        prm_ready=readiness.prm_ready,
        prm_gaps=readiness.gaps,
        has_listing=any(account.Listings for account in setup.SellerAccounts),
    )


def identified(applications: list[BenefitApplicationSummary]) -> list[BenefitApplicationSummary]:
    """The fund requests listed with an id; one without cannot be read or acted on, and is skipped and logged."""
    if skipped := sum(1 for a in applications if not a.Id):
        log.warning("ListBenefitApplications listed %d fund request(s) without an Id; they are skipped", skipped)
    return [a for a in applications if a.Id]


def opportunity_of(application, detail: object = None) -> str | None:
    """The opportunity a fund request funds: the opportunity among its associated resources, else its details'."""
    linked = next((arn.rsplit("/", 1)[-1] for arn in application.AssociatedResources if "/opportunity/" in arn), None)
    return linked or (str(detail) if detail else None)


def _recommendation(evaluation: Evaluation, detail: Detail) -> Recommendation:
    program = evaluation.program
    full = detail == "full"
    return Recommendation(
        program=program.id,
        name=program.name,
        estimate=evaluation.estimate,
        reason="; ".join(c.text for c in evaluation.checks) or "no conditions",
        budgets=evaluation.budgets,
        description=program.description if full else None,
        category=program.category if full else None,
        fulfillment_types=program.fulfillment_types if full else None,
    )


def max_amount(program: Program) -> str:
    """The program's amount rule in a few words."""
    basis = program.estimate
    if basis.kind == "percent_of_arr":
        return f"{basis.percent:g}% of expected ARR" + (f", up to ${basis.cap_usd:,.0f}" if basis.cap_usd else "")
    if basis.kind == "fixed_cap":
        return f"up to ${basis.cap_usd:,.0f} per request"
    if basis.kind == "wallet_balance":
        return "up to what your MDF wallet has left"
    return "no public figure; AWS sets it at review"


def _program_info(program: Program, detail: Detail) -> ProgramInfo:
    line = ProgramInfo(
        program=program.id,
        name=program.name,
        max_amount=max_amount(program),
        purpose=first_sentence(program.description),
    )
    if detail == "summary":
        return line
    return line.model_copy(
        update={
            "details": ProgramDetails(
                category=program.category,
                description=program.description,
                fulfillment_types=program.fulfillment_types,
                eligibility=program.eligibility.model_dump(exclude_none=True),
                estimate_basis=program.estimate.model_dump(exclude_none=True),
                sources=[s.model_dump(exclude_none=True) for s in program.sources],
            )
        }
    )


def register(server: MCPServer, app: AgentApp) -> None:
    _register_requests(server, app)
    _register_drafting(server, app)
    _register_management(server, app)

    @server.tool(title="List funding programs", annotations=LOCAL_READ)
    def list_funding_programs(
        program: Annotated[str | None, Field(description="Only this program id, in full.", max_length=64)] = None,
        detail: DetailParam = "summary",
        offset: OffsetParam = 0,
        limit: Annotated[int, Field(description="Page size, 1-50.", ge=1, le=50)] = 20,
        session_id: SessionIdParam = None,
    ) -> FundingPrograms:
        """The funding programs this server knows (MAP, MDF, POC, ISV WMP...), one line each; `program` or
        detail='full' adds eligibility rules, how amounts are estimated, sources."""
        catalog = load_catalog()
        app.begin("list_funding_programs", [], session_id)
        chosen = catalog.programs if program is None else [catalog.get(program)]
        if program is not None:
            detail, offset = "full", 0
        page = chosen[offset : offset + limit]
        return FundingPrograms(
            programs=[_program_info(p, detail) for p in page],
            total=len(chosen),
            next_offset=offset + limit if offset + limit < len(chosen) else None,
            disclaimer=catalog.disclaimer,
            catalog_version=catalog.version,
        )

    @server.tool(title="Recommend funding", annotations=hints.reading(app.reaches_aws))
    def recommend_funding(
        opportunity_id: OpportunityIdParam, detail: DetailParam = "summary", session_id: SessionIdParam = None
    ) -> FundingRecommendations:
        """Recommend funding programs for one opportunity, ranked, each with its reason (stage, ARR = 12 x monthly
        spend, use case, APN programs, path, PRM readiness), an estimate with its formula, remaining
        SCA/MDF budget, and near misses with what is missing (detail='full': what each meets, descriptions)."""
        call = app.begin("recommend_funding", RECOMMEND_ACTIONS, session_id)
        opportunity = call.backend.get_opportunity(opportunity_id)
        partner = partner_facts(call.backend)
        catalog = load_catalog()
        eligible, near, requested = rank(catalog, opportunity, partner)
        monthly, _ = expected_spend(opportunity)
        next_steps = (
            []
            if eligible
            else [
                "No program fits this opportunity today."
                + (
                    " Closest: " + "; ".join(f"{e.program.name} ({'; '.join(e.gaps)})" for e in near[:2])
                    if near
                    else ""
                ),
                "Ask search_guidance about funding programs, or list_funding_programs to see every program's rules.",
            ]
        )
        return FundingRecommendations(
            session_id=call.session.session_id,
            opportunity_id=opportunity_id,
            opportunity={
                "stage": opportunity.LifeCycle.Stage if opportunity.LifeCycle else None,
                "customer_use_case": opportunity.Project.CustomerUseCase if opportunity.Project else None,
                "monthly_spend_usd": monthly,
                "expected_arr_usd": monthly * 12 if monthly is not None else None,
                "apn_programs": opportunity.Project.ApnPrograms if opportunity.Project else [],
                "partner_path": partner.path,
                "prm_ready": partner.prm_ready,
            },
            recommendations=[_recommendation(e, detail) for e in eligible],
            near_misses=[
                NearMiss(
                    program=e.program.id,
                    name=e.program.name,
                    missing=e.gaps,
                    met=[c.text for c in e.checks if c.passed] if detail == "full" else None,
                )
                for e in near
            ],
            already_requested=[
                AlreadyRequested(
                    program=e.program.id,
                    name=e.program.name,
                    funding_request_id=e.existing.funding_request_id,
                    status=e.existing.status,
                )
                for e in requested
            ],
            next_steps=next_steps,
            disclaimer=catalog.disclaimer,
        )

    @server.tool(title="Estimate funding", annotations=hints.reading(app.reaches_aws))
    def estimate_funding(
        opportunity_id: OpportunityIdParam,
        program: Annotated[str, Field(description="Program id from list_funding_programs, e.g. 'map-assess'.")],
        detail: DetailParam = "summary",
        session_id: SessionIdParam = None,
    ) -> FundingEstimateResult:
        """Estimate what one program could fund for one opportunity: amount, formula and inputs, eligibility (or
        what is missing), remaining budgets; detail='full' adds sources."""
        catalog = load_catalog()
        chosen = catalog.get(program)
        call = app.begin("estimate_funding", RECOMMEND_ACTIONS, session_id)
        evaluation = evaluate(chosen, call.backend.get_opportunity(opportunity_id), partner_facts(call.backend))
        return FundingEstimateResult(
            session_id=call.session.session_id,
            opportunity_id=opportunity_id,
            program=chosen.id,
            eligible=evaluation.eligible,
            estimate=evaluation.estimate,
            gaps=evaluation.gaps,
            budgets=evaluation.budgets,
            sources=[s.model_dump(exclude_none=True) for s in chosen.sources] if detail == "full" else None,
            disclaimer=catalog.disclaimer,
        )


class FundingRequestRow(BaseModel):
    funding_request_id: str
    name: str | None
    program: str | None = Field(description="Program category (MAP, MDF, POC...).")
    benefit_id: str | None
    stage: str | None
    status: str = Field(
        description="The API's status, EXPIRED (30 days after the end date; no action possible), or "
        "UNKNOWN when the API did not say."
    )
    fulfillment_types: list[str]
    opportunity_id: str | None
    requested_amount: float | None
    expires_on: str | None = Field(
        description="When it expires (also the claim deadline); absent if its end date is unknown."
    )
    budget_year: int | None
    created_at: str | None
    updated_at: str | None


class FundingRequests(BaseModel):
    funding_requests: list[FundingRequestRow] = Field(description="Most recently updated first.")
    total: int = Field(description="How many requests match the filters.")
    next_offset: int | None = Field(default=None, description="Pass as offset for the next page; absent on the last.")
    csv: str | None = Field(default=None, description="The same rows as CSV, when format='csv' was asked.")
    session_id: str


class FundingRequestDetail(BaseModel):
    shown_status: str = Field(description="The status as the console shows it: the API's, or EXPIRED.")
    expires_on: str | None = Field(description="Expiry and claim deadline; absent when its end date is unknown.")
    funding_request: BenefitApplication = Field(description="Long texts are shortened unless detail='full'.")
    cash_claims: list[dict[str, Any]] = Field(description="Claims with their status (sandbox; the portal on AWS).")
    console: str = Field(description="Where the person reviews, submits and manages it in the console.")
    session_id: str


def _row(summary, form: ApplicationForm, today: date) -> FundingRequestRow:
    """One dashboard row; dates and amounts read through the benefit's schema (None where it names none)."""
    details = summary.BenefitApplicationDetails or {}
    start = form.date(details, "start_date")
    amount = form.amount(details, "requested_amount")
    facts = RequestFacts(
        category=(summary.Programs or ["Misc"])[0],
        stage=summary.Stage or "Created",
        status=summary.Status or UNKNOWN_STATUS,
        end=form.date(details, "end_date"),
    )
    return FundingRequestRow(
        funding_request_id=summary.Id,
        name=summary.Name,
        program=(summary.Programs or [None])[0],
        benefit_id=summary.BenefitId,
        stage=summary.Stage,
        status=facts.shown_status(today),
        fulfillment_types=summary.FulfillmentTypes,
        opportunity_id=opportunity_of(summary, form.value(details, "opportunity_id")),
        requested_amount=float(amount) if amount is not None else None,
        expires_on=facts.expires_on.isoformat() if facts.expires_on else None,
        budget_year=start.year if start else summary.CreatedAt.year if summary.CreatedAt else None,
        created_at=summary.CreatedAt.isoformat() if summary.CreatedAt else None,
        updated_at=summary.UpdatedAt.isoformat() if summary.UpdatedAt else None,
    )


def _csv(rows: list[FundingRequestRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FundingRequestRow.model_fields))
    writer.writeheader()
    for row in rows:
        record = row.model_dump()
        record["fulfillment_types"] = ";".join(record["fulfillment_types"])
        writer.writerow(record)
    return buffer.getvalue()


def _register_requests(server: MCPServer, app: AgentApp) -> None:
    @server.tool(title="List funding requests", annotations=hints.reading(app.reaches_aws))
    def list_funding_requests(
        funding_request_id: Annotated[str | None, Field(description="Only this fund request (benappl-...).")] = None,
        stage: Annotated[
            str | None, Field(description="Only this stage, e.g. 'Created', 'Pre-Approved', 'Cash Claim'.")
        ] = None,
        status: Annotated[
            Literal["PENDING_SUBMISSION", "IN_REVIEW", "ACTION_REQUIRED", "APPROVED", "REJECTED", "CANCELED"] | None,
            Field(),
        ] = None,
        fulfillment_type: Annotated[Literal["CASH", "CREDITS"] | None, Field()] = None,
        program: Annotated[str | None, Field(description="Program category, e.g. MAP, MDF, POC.")] = None,
        opportunity_id: Annotated[str | None, Field(description="Only requests funding this opportunity.")] = None,
        budget_year: Annotated[
            int | None, Field(description="Only this budget year (the activity's start year).", ge=2000, le=2100)
        ] = None,
        format: Annotated[
            Literal["json", "csv"],
            Field(description="'csv' also returns the rows as CSV, like the dashboard's export."),
        ] = "json",
        offset: OffsetParam = 0,
        limit: Annotated[int, Field(description="Page size, 1-100.", ge=1, le=100)] = 10,
        session_id: SessionIdParam = None,
    ) -> FundingRequests:
        """The partner's fund requests, filtered like the funding dashboard, a page at a time; optionally as CSV."""
        call = app.begin(
            "list_funding_requests", ["partnercentral:ListBenefitApplications", "partnercentral:GetBenefit"], session_id
        )
        today = utcnow().date()
        rows = [
            _row(s, application_form(call.backend, s.BenefitId), today)
            for s in identified(call.backend.list_benefit_applications())
        ]
        wanted = {
            "funding_request_id": funding_request_id,
            "stage": stage,
            "status": status,
            "program": program,
            "opportunity_id": opportunity_id,
            "budget_year": budget_year,
        }
        rows = [
            r
            for r in rows
            if all(v is None or getattr(r, k) == v for k, v in wanted.items())
            and (fulfillment_type is None or fulfillment_type in r.fulfillment_types)
        ]
        rows.sort(key=lambda r: r.updated_at or "", reverse=True)
        page = rows[offset : offset + limit]
        return FundingRequests(
            session_id=call.session.session_id,
            funding_requests=page,
            total=len(rows),
            next_offset=offset + limit if offset + limit < len(rows) else None,
            csv=_csv(page) if format == "csv" else None,
        )

    @server.tool(title="Get funding request", annotations=hints.reading(app.reaches_aws))
    def get_funding_request(
        funding_request_id: Annotated[str, Field(description="The fund request id (benappl- and 14 characters).")],
        detail: DetailParam = "summary",
        session_id: SessionIdParam = None,
    ) -> FundingRequestDetail:
        """One fund request: program, stage, status (with AWS's reason; EXPIRED past expiry), details,
        opportunity, contacts, attachments with scan status, cash claims; long texts whole with detail='full'."""
        call = app.begin(
            "get_funding_request", ["partnercentral:GetBenefitApplication", "partnercentral:GetBenefit"], session_id
        )
        application = call.backend.get_benefit_application(funding_request_id)
        facts = request_facts(call.backend, application, application_form(call.backend, application.BenefitId))
        today = utcnow().date()
        return FundingRequestDetail(
            session_id=call.session.session_id,
            shown_status=facts.shown_status(today),
            funding_request=application if detail == "full" else shorten_all(application),
            expires_on=facts.expires_on.isoformat() if facts.expires_on else None,
            cash_claims=[
                {
                    "claim_id": c.claim_id,
                    "amount": float(c.amount) if c.amount is not None else None,
                    "status": c.status,
                }
                for c in facts.claims or []
            ],
            console=console_link(call.backend.catalog, funding_request_id),
        )


def _today() -> date:
    return utcnow().date()


CONSOLE = "https://us-east-1.console.aws.amazon.com/partnercentral/home?region=us-east-1"


def console_link(catalog: str, funding_request_id: str) -> str:
    """Where a person finds a fund request in AWS Partner Central in the console (the deep link to one request is
    not documented: the address opens Partner Central, the words say where to go)."""
    where = "Funding > Funding dashboard" + (" (Sandbox catalog)" if catalog == "Sandbox" else "")
    return f"{CONSOLE} ({where}, {funding_request_id})"


def _register_drafting(server: MCPServer, app: AgentApp) -> None:
    def first_plan(
        opportunity_id: str, program: str, answers: dict | None = None, session_id: str | None = None
    ) -> writes.Planned:
        # the person's earlier answers in this session count, unless answered anew
        load_catalog().get(program)  # an unknown program is refused first
        remembered = app.remembered_answers(session_id, draft_about(opportunity_id, program))
        parameters = FundRequestDraft(
            opportunity_id=opportunity_id, program=program, answers={**remembered, **(answers or {})}, today=_today()
        )
        return writes.plan_change(app, FUND_REQUEST_DRAFT, parameters, session_id)

    def collect_missing(first: Annotated[writes.Planned, Resolve(first_plan)], ctx: Context):
        """When fields are missing and the client shows forms, ask the person for them in one form."""
        capabilities = ctx.client_capabilities
        if not first.questions or capabilities is None or capabilities.elicitation is None:
            return writes.NoElicitation()
        fields = {q.field: (str, Field(title=q.field, description=q.question)) for q in first.questions}
        return Elicit("To draft this fund request, please provide:", create_model("FundRequestDetails", **fields))

    def planned_draft(
        first: Annotated[writes.Planned, Resolve(first_plan)],
        filled: Annotated[ElicitationResult[BaseModel], Resolve(collect_missing)],
        session_id: str | None = None,
    ) -> writes.Planned:
        if (
            not first.questions
            or not isinstance(filled, AcceptedElicitation)
            or isinstance(filled.data, writes.NoElicitation)
        ):
            return first
        try:
            parameters = FundRequestDraft.model_validate(
                {**first.parameters, "answers": {**first.parameters["answers"], **filled.data.model_dump()}}
            )
        except ValidationError as exc:
            raise ToolError(
                f"The answers in the form cannot be used ({validation_problems(exc)}); nothing was created."
            ) from None
        return writes.plan_change(app, FUND_REQUEST_DRAFT, parameters, session_id)

    ask_for_draft = writes.asking(planned_draft)

    @server.tool(
        title="Draft a fund request",
        annotations=hints.writing(app.reaches_aws, destructive=False, idempotent=True),
    )
    def draft_funding_request(
        change: Annotated[writes.Planned, Resolve(planned_draft)],
        answer: Annotated[ElicitationResult[writes.ApprovalForm], Resolve(ask_for_draft)],
        opportunity_id: OpportunityIdParam,
        program: Annotated[
            str, Field(description="Program id from recommend_funding or list_funding_programs.", max_length=64)
        ],
        answers: Annotated[
            Answers | None,
            Field(
                description='Answers to needs_input questions by field name, e.g. {"StartDate": "2027-01-15"}; '
                "they also override proposed values."
            ),
        ] = None,
        session_id: SessionIdParam = None,
    ) -> writes.WriteResult:
        """Draft a fund request from the program's benefit schema, filled from the opportunity, asking for what is
        missing (needs_input: call again with `answers`). Created in PENDING_SUBMISSION once the person
        approves; it never submits (manage_funding_request does)."""
        call = writes.begin(app, FUND_REQUEST_DRAFT, change, session_id)
        result = writes.run_change(app, call, FUND_REQUEST_DRAFT, change, answer)
        if result.status in ("needs_input", "requires_approval", "applied"):  # valid: kept as the session's answers
            note_answers(draft_about(opportunity_id, program), change.parameters["answers"])
        if result.status == "applied":
            created = result.results[0]["Id"]
            result.message = (
                f"Draft fund request {created} was created in PENDING_SUBMISSION; nothing was submitted. "
                "The person reviews and submits it in the console: "
                f"{console_link(call.backend.catalog, created)} (or approves manage_funding_request "
                'with action "submit"); get_funding_request shows it.'
            )
        return result


def draft_about(opportunity_id: str, program: str) -> str:
    """What a draft's answers belong to in its session's memory (`agent.tools.events.about` of the call)."""
    return f"draft_funding_request {opportunity_id} {program}"


def _register_management(server: MCPServer, app: AgentApp) -> None:
    def planned_management(
        funding_request_id: str,
        action: str,
        reason: str | None = None,
        new_end_date: date | None = None,
        claim_amount: Decimal | None = None,
        claim_id: str | None = None,
        files: list[AttachmentInput] | None = None,
        answers: dict | None = None,
        session_id: str | None = None,
    ) -> writes.Planned:
        folder = None if app.require_token else app.settings.attachments_dir  # the operator's folder: stdio only
        staged = [
            stage(app.settings.data_dir / "attachments", app.principal().partner_id, item, folder)
            for item in files or []
        ]
        parameters = FundRequestChange(
            funding_request_id=funding_request_id,
            action=action,
            reason=reason,
            new_end_date=new_end_date,
            claim_amount=claim_amount,
            claim_id=claim_id,
            attachments=staged,
            answers=answers or {},
            today=_today(),
            extended_before=action == "extend" and app.audit.applied("AmendBenefitApplication", funding_request_id),
            submitted_before=action == "submit" and app.audit.applied("SubmitBenefitApplication", funding_request_id),
        )
        return writes.plan_change(app, FUND_REQUEST_MANAGEMENT, parameters, session_id)

    @server.tool(
        title="Manage a fund request",
        annotations=hints.writing(app.reaches_aws, destructive=True, idempotent=False),
    )
    def manage_funding_request(
        change: Annotated[writes.Planned, Resolve(planned_management)],
        answer: Annotated[ElicitationResult[writes.ApprovalForm], Resolve(writes.asking(planned_management))],
        funding_request_id: Annotated[
            str, Field(description="The fund request (benappl-...).", pattern=BENEFIT_APPLICATION_ID_PATTERN)
        ],
        action: Annotated[
            ManageAction,
            Field(
                description=(
                    "edit: a draft's `answers`; recall: back to Created; cancel, delete (a draft): final; extend: "
                    "new_end_date; claim: claim_amount; edit_claim: claim_id, claim_amount; attach: files. A refused "
                    "action names the rule."
                )
            ),
        ],
        reason: Annotated[str | None, Field(description="Why.", max_length=1000)] = None,
        new_end_date: Annotated[date | None, Field(description="extend")] = None,
        claim_amount: Annotated[Money | None, Field(description="claim, edit_claim: USD spent")] = None,
        claim_id: Annotated[
            str | None, Field(description="edit_claim: the rejected claim", pattern=r"^claim-[0-9a-z]{13}$")
        ] = None,
        files: Annotated[
            list[AttachmentInput] | None, Field(description="attach: up to 3 files of 4.5 MB", max_length=MAX_FILES)
        ] = None,
        answers: Annotated[Answers | None, Field(description="edit: fields to change")] = None,
        session_id: SessionIdParam = None,
    ) -> writes.WriteResult:
        """Edit, submit, recall, cancel, extend, claim or attach to a fund request under the guide's rules. Every
        action waits for the person's approval of the exact change."""
        call = writes.begin(app, FUND_REQUEST_MANAGEMENT, change, session_id)
        return writes.run_change(app, call, FUND_REQUEST_MANAGEMENT, change, answer)
