"""Matching an opportunity to funding programs: every decision comes with a reason the partner can check
against the opportunity, every near miss with what is missing, every amount with its formula."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

from agent.funding.application import ApplicationForm
from agent.funding.benefits import benefit_key
from agent.funding.catalog import Catalog, PartnerPath, Program
from agent.models.account import SolutionType
from agent.models.benefits import BenefitAllocation, BenefitApplicationSummary
from agent.models.selling import STAGE_ORDER, Opportunity

Amount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""An amount computed exactly, shown as a JSON number."""

PATH_OF_SOLUTION: dict[SolutionType, PartnerPath] = {
    "SOFTWARE_PRODUCTS": "Software",
    "CONSULTING_SERVICES": "Services",
    "PROFESSIONAL_SERVICES": "Services",
    "MANAGED_SERVICES": "Services",
    "COMMUNICATION_SERVICES": "Services",
    "HARDWARE_PRODUCTS": "Hardware",
    "TRAINING_SERVICES": "Training",
    "VALUE_ADDED_RESALE_AWS_SERVICES": "Distribution",
}
"""The partner path a primary solution type implies (the APIs do not return the path itself)."""


class Budget(BaseModel):
    """An allocation (SCA budget, MDF wallet) that can fund the program: what it grants, what the partner's requests
    in review or approved already take from it, and what is left to request."""

    allocation_id: str
    name: str | None
    allocated: Amount | None = Field(description="Absent when the allocation's amount is unknown or unreadable.")
    committed: Amount = Field(description="Requested by the partner's requests in review or approved.")
    remaining: Amount | None = Field(description="allocated - committed (the API's own figure when not allocated).")
    currency: str
    expires_at: str | None


class ExistingRequest(BaseModel):
    """A fund request the partner already has for a program."""

    funding_request_id: str
    status: str
    opportunity_id: str | None


class PartnerFacts(BaseModel):
    """What eligibility depends on besides the opportunity: the partner's path and PRM readiness, and per program
    (by catalog id) the budgets that fund it and the requests already made for it."""

    path: PartnerPath
    prm_ready: bool | None = Field(description="Absent when it cannot be checked on this backend.")
    prm_gaps: list[str] = Field(default_factory=list)
    has_listing: bool | None = None
    budgets: dict[str, list[Budget]] = Field(default_factory=dict)
    requests: dict[str, list[ExistingRequest]] = Field(default_factory=dict)


class Check(BaseModel):
    passed: bool
    text: str
    about_opportunity: bool = Field(description="Whether the rule looks at the opportunity (stage, ARR, use case...).")


class FundingEstimate(BaseModel):
    amount: float | None = Field(description="Estimated amount; absent when there is no basis for a number.")
    currency: str = "USD"
    formula: str = Field(description="How the amount was computed, with its inputs.")
    inputs: dict[str, float | None]
    is_estimate: bool = Field(default=True, description="Always true: AWS sets the amount at review.")


class Evaluation(BaseModel):
    program: Program
    checks: list[Check]
    estimate: FundingEstimate
    budgets: list[Budget]
    existing: ExistingRequest | None = Field(default=None, description="A request already made for this opportunity.")

    @property
    def eligible(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def about_opportunity(self) -> bool:
        """Programs with no rule about the opportunity (MDF, PIF...) fund the partner, not this deal."""
        return any(check.about_opportunity for check in self.checks)

    @property
    def gaps(self) -> list[str]:
        return [check.text for check in self.checks if not check.passed]


def expected_spend(opportunity: Opportunity) -> tuple[float | None, str]:
    """Monthly expected AWS spend in USD (the API's ExpectedCustomerSpend is monthly), with a caveat."""
    entries = opportunity.Project.ExpectedCustomerSpend if opportunity.Project else []
    usd = [float(e.Amount) for e in entries if e.CurrencyCode == "USD" and e.Amount]
    others = sorted({e.CurrencyCode for e in entries if e.CurrencyCode != "USD" and e.Amount})
    caveat = f" (spend in {', '.join(others)} is not converted)" if others else ""
    return (sum(usd) if usd else None), caveat


def _stage_index(stage: str | None) -> int:
    return STAGE_ORDER.index(stage) if stage in STAGE_ORDER else -1


def evaluate(program: Program, opportunity: Opportunity, partner: PartnerFacts) -> Evaluation:
    rules = program.eligibility
    stage = opportunity.LifeCycle.Stage if opportunity.LifeCycle else None
    use_case = opportunity.Project.CustomerUseCase if opportunity.Project else None
    apn = opportunity.Project.ApnPrograms if opportunity.Project else []
    monthly, caveat = expected_spend(opportunity)
    arr = monthly * 12 if monthly is not None else None
    checks: list[Check] = []

    def check(passed: bool, yes: str, no: str, about_opportunity: bool = True) -> None:
        checks.append(Check(passed=passed, text=yes if passed else no, about_opportunity=about_opportunity))

    if stage == "Closed Lost":
        check(False, "", "the opportunity is Closed Lost")
    if rules.partner_paths:
        check(
            partner.path in rules.partner_paths,
            f"your partner path ({partner.path}) qualifies",
            f"open to {' or '.join(rules.partner_paths)} partners; your path is {partner.path}",
            False,
        )
    if rules.min_stage:
        check(
            _stage_index(stage) >= _stage_index(rules.min_stage),
            f"stage '{stage}' is at or after '{rules.min_stage}'",
            f"the opportunity must reach '{rules.min_stage}' (it is at '{stage or 'no stage'}')",
        )
    if rules.max_stage and stage != "Closed Lost":
        check(
            _stage_index(stage) <= _stage_index(rules.max_stage),
            f"stage '{stage}' is not past '{rules.max_stage}'",
            f"the program funds opportunities up to '{rules.max_stage}'; this one is at '{stage}'",
        )
    if rules.min_arr_usd is not None or rules.max_arr_usd is not None:
        if arr is None:
            check(False, "", "the opportunity has no expected monthly AWS spend (ExpectedCustomerSpend) in USD")
        else:
            shown = f"expected ARR ${arr:,.0f} (12 x ${monthly:,.0f} monthly){caveat}"
            if rules.min_arr_usd is not None:
                check(
                    arr >= rules.min_arr_usd,
                    f"{shown} is at least ${rules.min_arr_usd:,.0f}",
                    f"{shown} is below the ${rules.min_arr_usd:,.0f} threshold",
                )
            if rules.max_arr_usd is not None:
                check(
                    arr <= rules.max_arr_usd,
                    f"{shown} is within the ${rules.max_arr_usd:,.0f} limit",
                    f"{shown} is above the ${rules.max_arr_usd:,.0f} limit",
                )
    if rules.use_cases:
        check(
            use_case in rules.use_cases,
            f"use case '{use_case}' is one the program funds",
            f"the customer use case is '{use_case or 'not set'}'; the program funds {', '.join(rules.use_cases)}",
        )
    if rules.apn_programs:
        matched = sorted(set(apn) & set(rules.apn_programs))
        check(
            bool(matched),
            f"APN program {', '.join(matched)} is set",
            f"the opportunity's APN programs do not include {' or '.join(rules.apn_programs)}",
        )
    if rules.opportunity_types:
        kind = opportunity.OpportunityType
        check(
            kind in rules.opportunity_types,
            f"opportunity type '{kind}' qualifies",
            f"opportunity type '{kind or 'not set'}' is not one of {', '.join(rules.opportunity_types)}",
        )
    if rules.requires_prm_ready:
        if partner.prm_ready is None:
            check(False, "", "PRM readiness could not be checked on this backend; check it in Partner Central", False)
        else:
            check(
                partner.prm_ready,
                "your account is PRM-ready",
                "become PRM-ready: " + "; ".join(partner.prm_gaps),
                False,
            )
    budgets = partner.budgets.get(program.id, [])
    left = sum((b.remaining for b in budgets if b.remaining is not None), Decimal(0)) if budgets else None
    if rules.requires_mdf_wallet:
        funded = [b for b in budgets if (b.remaining or 0) > 0]
        check(
            bool(funded),
            f"your MDF wallet has ${funded[0].remaining:,.0f} left to request" if funded else "",
            "you have no active MDF wallet with funds left",
            False,
        )
    if rules.requires_marketplace_listing:
        check(bool(partner.has_listing), "you have a Marketplace listing", "publish a Marketplace listing first", False)
    existing = next((r for r in partner.requests.get(program.id, []) if r.opportunity_id == opportunity.Id), None)
    return Evaluation(
        program=program,
        checks=checks,
        estimate=estimate(program, arr, monthly, left),
        budgets=budgets,
        existing=None if program.repeatable else existing,
    )


def estimate(
    program: Program, arr: float | None, monthly: float | None, budget_left: Decimal | None
) -> FundingEstimate:
    basis = program.estimate
    inputs = {
        "monthly_spend_usd": monthly,
        "expected_arr_usd": arr,
        "percent": basis.percent,
        "min_usd": basis.min_usd,
        "cap_usd": basis.cap_usd,
    }
    if basis.kind == "percent_of_arr":
        if arr is None:
            return FundingEstimate(amount=None, formula="needs the opportunity's expected monthly spend", inputs=inputs)
        amount = arr * (basis.percent or 0) / 100
        formula = f"{basis.percent:g}% of expected ARR ${arr:,.0f} = ${amount:,.0f}"
        if basis.cap_usd is not None and amount > basis.cap_usd:
            amount, formula = basis.cap_usd, formula + f", capped at ${basis.cap_usd:,.0f}"
        if basis.min_usd is not None and amount < basis.min_usd:
            formula += f" (below the ${basis.min_usd:,.0f} minimum request)"
        return FundingEstimate(amount=round(amount, 2), formula=formula, inputs=inputs)
    if basis.kind == "wallet_balance":
        remaining = float(budget_left or 0)
        return FundingEstimate(
            amount=remaining,
            formula=f"up to what your MDF wallet has left, ${remaining:,.0f}",
            inputs={**inputs, "wallet_remaining_usd": remaining},
        )
    if basis.kind == "fixed_cap":
        return FundingEstimate(amount=basis.cap_usd, formula=f"up to ${basis.cap_usd:,.0f} per request", inputs=inputs)
    return FundingEstimate(amount=None, formula="no public basis for an amount; AWS sets it at review", inputs=inputs)


COMMITTING = ("IN_REVIEW", "ACTION_REQUIRED", "APPROVED")
"""Statuses of a request that takes from a budget: asked for and in review, or approved."""


def budgets_for(
    benefit_id: str,
    allocations: list[BenefitAllocation],
    applications: list[BenefitApplicationSummary],
    form_of: Callable[[str], ApplicationForm],
) -> list[Budget]:
    """The active allocations that can fund ``benefit_id``, each with what the partner's requests already take from
    it (their requested amounts, read through each benefit's schema; an unreadable amount counts as nothing)."""
    found = []
    for allocation in allocations:
        funds = {benefit_key(ref) for ref in allocation.ApplicableBenefitIds}
        if allocation.Status != "ACTIVE" or benefit_key(benefit_id) not in funds:
            continue
        allocated, api_remaining, currency = allocation.amounts()
        committed = sum(
            (
                form_of(a.BenefitId).amount(a.BenefitApplicationDetails, "requested_amount") or Decimal(0)
                for a in applications
                if benefit_key(a.BenefitId) in funds and a.Status in COMMITTING
            ),
            Decimal(0),
        )
        found.append(
            Budget(
                allocation_id=allocation.Id or "(no id)",
                name=allocation.Name,
                allocated=allocated,
                committed=committed,
                remaining=allocated - committed if allocated is not None else api_remaining,
                currency=currency,
                expires_at=allocation.ExpiresAt.date().isoformat() if allocation.ExpiresAt else None,
            )
        )
    return found


def rank(
    catalog: Catalog, opportunity: Opportunity, partner: PartnerFacts
) -> tuple[list[Evaluation], list[Evaluation], list[Evaluation]]:
    """(eligible programs, largest estimate first; near misses with at most two gaps, fewest first; programs already
    requested for this opportunity, with that request).

    Only programs with a rule about the opportunity are matched to it; the others (MDF campaigns,
    partner initiatives, sandbox credits) are in list_funding_programs.
    """
    evaluations = [e for e in (evaluate(p, opportunity, partner) for p in catalog.programs) if e.about_opportunity]
    fresh = [e for e in evaluations if e.existing is None]
    eligible = sorted((e for e in fresh if e.eligible), key=lambda e: -(e.estimate.amount or 0))
    near = sorted(
        (e for e in fresh if not e.eligible and len(e.gaps) <= 2 and "the opportunity is Closed Lost" not in e.gaps),
        key=lambda e: len(e.gaps),
    )
    return eligible, near, [e for e in evaluations if e.existing is not None]
