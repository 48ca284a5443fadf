"""Matching an opportunity to funding programs: every decision comes with a reason the partner can check
against the opportunity, every near miss with what is missing, every amount with its formula."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.funding.catalog import Catalog, PartnerPath, Program
from agent.models.account import SolutionType
from agent.models.benefits import BenefitAllocation
from agent.models.selling import STAGE_ORDER, Opportunity

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


class PartnerFacts(BaseModel):
    """What eligibility depends on besides the opportunity."""

    path: PartnerPath
    prm_ready: bool | None = Field(description="None when it cannot be checked on this backend.")
    prm_gaps: list[str] = Field(default_factory=list)
    has_listing: bool | None = None
    allocations: list[BenefitAllocation] = Field(default_factory=list)


class Check(BaseModel):
    passed: bool
    text: str
    about_opportunity: bool = Field(description="Whether the rule looks at the opportunity (stage, ARR, use case...).")


class Budget(BaseModel):
    """An allocation (SCA budget, MDF wallet) that can fund the program."""

    allocation_id: str
    name: str | None
    allocated: float | None
    remaining: float | None
    currency: str
    expires_at: str | None


class FundingEstimate(BaseModel):
    amount: float | None = Field(description="Estimated amount; None when there is no basis for a number.")
    currency: str = "USD"
    formula: str = Field(description="How the amount was computed, with its inputs.")
    inputs: dict[str, float | None]
    is_estimate: bool = Field(default=True, description="Always true: AWS sets the amount at review.")


class Evaluation(BaseModel):
    program: Program
    checks: list[Check]
    estimate: FundingEstimate
    budgets: list[Budget]

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
        check(partner.path in rules.partner_paths, f"your partner path ({partner.path}) qualifies",
              f"open to {' or '.join(rules.partner_paths)} partners; your path is {partner.path}", False)
    if rules.min_stage:
        check(_stage_index(stage) >= _stage_index(rules.min_stage), f"stage '{stage}' is at or after '{rules.min_stage}'",
              f"the opportunity must reach '{rules.min_stage}' (it is at '{stage or 'no stage'}')")
    if rules.max_stage and stage != "Closed Lost":
        check(_stage_index(stage) <= _stage_index(rules.max_stage), f"stage '{stage}' is not past '{rules.max_stage}'",
              f"the program funds opportunities up to '{rules.max_stage}'; this one is at '{stage}'")
    if rules.min_arr_usd is not None or rules.max_arr_usd is not None:
        if arr is None:
            check(False, "", "the opportunity has no expected monthly AWS spend (ExpectedCustomerSpend) in USD")
        else:
            shown = f"expected ARR ${arr:,.0f} (12 x ${monthly:,.0f} monthly){caveat}"
            if rules.min_arr_usd is not None:
                check(arr >= rules.min_arr_usd, f"{shown} is at least ${rules.min_arr_usd:,.0f}",
                      f"{shown} is below the ${rules.min_arr_usd:,.0f} threshold")
            if rules.max_arr_usd is not None:
                check(arr <= rules.max_arr_usd, f"{shown} is within the ${rules.max_arr_usd:,.0f} limit",
                      f"{shown} is above the ${rules.max_arr_usd:,.0f} limit")
    if rules.use_cases:
        check(use_case in rules.use_cases, f"use case '{use_case}' is one the program funds",
              f"the customer use case is '{use_case or 'not set'}'; the program funds {', '.join(rules.use_cases)}")
    if rules.apn_programs:
        matched = sorted(set(apn) & set(rules.apn_programs))
        check(bool(matched), f"APN program {', '.join(matched)} is set",
              f"the opportunity's APN programs do not include {' or '.join(rules.apn_programs)}")
    if rules.opportunity_types:
        kind = opportunity.OpportunityType
        check(kind in rules.opportunity_types, f"opportunity type '{kind}' qualifies",
              f"opportunity type '{kind or 'not set'}' is not one of {', '.join(rules.opportunity_types)}")
    if rules.requires_prm_ready:
        if partner.prm_ready is None:
            check(False, "", "PRM readiness could not be checked on this backend; check it in Partner Central", False)
        else:
            check(partner.prm_ready, "your account is PRM-ready", "become PRM-ready: " + "; ".join(partner.prm_gaps), False)
    budgets = budgets_for(program, partner.allocations)
    if rules.requires_mdf_wallet:
        funded = [b for b in budgets if (b.remaining or 0) > 0]
        check(bool(funded), f"your MDF wallet has ${funded[0].remaining:,.0f} remaining" if funded else "",
              "you have no active MDF wallet with funds left", False)
    if rules.requires_marketplace_listing:
        check(bool(partner.has_listing), "you have a Marketplace listing", "publish a Marketplace listing first", False)
    return Evaluation(program=program, checks=checks, estimate=estimate(program, arr, monthly, budgets), budgets=budgets)


def estimate(program: Program, arr: float | None, monthly: float | None, budgets: list[Budget]) -> FundingEstimate:
    basis = program.estimate
    inputs = {"monthly_spend_usd": monthly, "expected_arr_usd": arr, "percent": basis.percent,
              "min_usd": basis.min_usd, "cap_usd": basis.cap_usd}
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
        remaining = sum(b.remaining or 0 for b in budgets)
        return FundingEstimate(amount=remaining, formula=f"up to your MDF wallet's remaining ${remaining:,.0f}",
                               inputs={**inputs, "wallet_remaining_usd": remaining})
    if basis.kind == "fixed_cap":
        return FundingEstimate(amount=basis.cap_usd, formula=f"up to ${basis.cap_usd:,.0f} per request", inputs=inputs)
    return FundingEstimate(amount=None, formula="no public basis for an amount; AWS sets it at review", inputs=inputs)


def budgets_for(program: Program, allocations: list[BenefitAllocation]) -> list[Budget]:
    """The active allocations (SCA budget, MDF wallet) that can fund ``program``."""
    found = []
    for allocation in allocations:
        if allocation.Status != "ACTIVE" or program.benefit_id not in allocation.ApplicableBenefitIds:
            continue
        detail = allocation.FulfillmentDetail.ConsumableDetails if allocation.FulfillmentDetail else None
        allocated = detail.AllocatedAmount if detail else None
        remaining = detail.RemainingAmount if detail else None
        found.append(Budget(
            allocation_id=allocation.Id, name=allocation.Name,
            allocated=float(allocated.Amount) if allocated else None,
            remaining=float(remaining.Amount) if remaining else None,
            currency=(remaining or allocated).CurrencyCode if (remaining or allocated) else "USD",
            expires_at=allocation.ExpiresAt.date().isoformat() if allocation.ExpiresAt else None,
        ))
    return found


def rank(catalog: Catalog, opportunity: Opportunity, partner: PartnerFacts) -> tuple[list[Evaluation], list[Evaluation]]:
    """(eligible programs, largest estimate first; near misses with at most two gaps, fewest first).

    Only programs with a rule about the opportunity are matched to it; the others (MDF campaigns,
    partner initiatives, sandbox credits) are in list_funding_programs.
    """
    evaluations = [e for e in (evaluate(p, opportunity, partner) for p in catalog.programs) if e.about_opportunity]
    eligible = sorted((e for e in evaluations if e.eligible), key=lambda e: -(e.estimate.amount or 0))
    near = sorted((e for e in evaluations if not e.eligible and len(e.gaps) <= 2
                   and "the opportunity is Closed Lost" not in e.gaps), key=lambda e: len(e.gaps))
    return eligible, near
