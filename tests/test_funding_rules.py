"""Funding eligibility as a table: stage x ARR x partner path x PRM readiness -> programs, with reasons."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from agent.funding.application import ApplicationForm
from agent.funding.catalog import Catalog, Program
from agent.funding.lifecycle import Claim, RequestFacts, deadline_after, refusal
from agent.funding.recommend import Budget, ExistingRequest, PartnerFacts, budgets_for, estimate, evaluate, rank
from agent.models.benefits import BenefitAllocation, BenefitApplicationSummary
from agent.models.selling import Opportunity

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def program(pid: str, **rules) -> Program:
    estimate_basis = rules.pop("estimate", {"kind": "percent_of_arr", "percent": 10, "cap_usd": 50000})
    return Program.model_validate(
        {
            "id": pid,
            "name": pid.upper(),
            "benefit": rules.pop("benefit", None),
            "category": "Misc",
            "repeatable": rules.pop("repeatable", False),
            "description": f"{pid} program",
            "fulfillment_types": ["CASH"],
            "eligibility": rules,
            "estimate": estimate_basis,
            "sources": [{"title": "test", "kind": "project-default"}],
        }
    )


CATALOG = Catalog(
    version="test",
    disclaimer="estimates only",
    programs=[
        program("migrate", min_stage="Qualified", min_arr_usd=100_000, use_cases=["Migration/Database Migration"]),
        program(
            "poc",
            min_stage="Qualified",
            max_stage="Business Validation",
            partner_paths=["Software"],
            estimate={"kind": "fixed_cap", "cap_usd": 25000},
        ),
        program("isv", partner_paths=["Software"], requires_prm_ready=True, min_arr_usd=50_000),
        program("mdf", requires_mdf_wallet=True, benefit={"program": "MDF"}, estimate={"kind": "wallet_balance"}),
        program("credits", min_stage="Qualified", repeatable=True, estimate={"kind": "fixed_cap", "cap_usd": 5000}),
    ],
)


def opportunity(stage: str, monthly: str | None, use_case: str | None = "Migration/Database Migration") -> Opportunity:
    spend = (
        [{"Amount": monthly, "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}] if monthly else []
    )
    return Opportunity.model_validate(
        {
            "Id": "O1",
            "Catalog": "Sandbox",
            "CreatedDate": NOW,
            "LastModifiedDate": NOW,
            "LifeCycle": {"Stage": stage},
            "Project": {"CustomerUseCase": use_case, "ExpectedCustomerSpend": spend},
        }
    )


def wallet(remaining: int) -> Budget:
    return Budget(
        allocation_id="benalloc-alto0mdfwallet",
        name="MDF wallet",
        allocated=Decimal(50000),
        committed=Decimal(50000 - remaining),
        remaining=Decimal(remaining),
        currency="USD",
        expires_at=None,
    )


SOFTWARE_READY = PartnerFacts(path="Software", prm_ready=True, budgets={"mdf": [wallet(35000)]})
SOFTWARE_NOT_READY = PartnerFacts(path="Software", prm_ready=False, prm_gaps=["publish a listing"])
SERVICES = PartnerFacts(path="Services", prm_ready=False, prm_gaps=["publish a listing"], budgets={"mdf": [wallet(0)]})


@pytest.mark.parametrize(
    ("stage", "monthly", "partner", "expected"),
    [
        ("Prospect", "20000", SOFTWARE_READY, ["isv"]),  # too early for migrate and poc
        ("Qualified", "20000", SOFTWARE_READY, ["migrate", "poc", "isv", "credits"]),  # ARR 240k
        ("Qualified", "5000", SOFTWARE_READY, ["poc", "isv", "credits"]),  # ARR 60k: below migrate's 100k
        ("Qualified", "4000", SOFTWARE_READY, ["poc", "credits"]),  # ARR 48k: below isv's 50k
        ("Committed", "20000", SOFTWARE_READY, ["migrate", "isv", "credits"]),  # past poc's last stage
        ("Qualified", "20000", SOFTWARE_NOT_READY, ["migrate", "poc", "credits"]),  # no PRM, no wallet
        ("Qualified", "20000", SERVICES, ["migrate", "credits"]),  # path and empty wallet
        ("Closed Lost", "20000", SOFTWARE_READY, []),  # a lost deal gets no funding
        ("Qualified", None, SERVICES, ["credits"]),  # no spend: only what needs none
    ],
)
def test_eligibility_table(stage: str, monthly: str | None, partner: PartnerFacts, expected: list[str]) -> None:
    eligible, _, _ = rank(CATALOG, opportunity(stage, monthly), partner)
    assert sorted(e.program.id for e in eligible) == sorted(expected)


def test_reasons_can_be_checked_against_the_opportunity() -> None:
    result = evaluate(CATALOG.get("migrate"), opportunity("Qualified", "20000"), SOFTWARE_READY)
    assert result.eligible
    reasons = [c.text for c in result.checks]
    assert "stage 'Qualified' is at or after 'Qualified'" in reasons
    assert "expected ARR $240,000 (12 x $20,000 monthly) is at least $100,000" in reasons
    assert "use case 'Migration/Database Migration' is one the program funds" in reasons


def test_near_misses_say_what_is_missing() -> None:
    _, near, _ = rank(CATALOG, opportunity("Prospect", "5000"), SOFTWARE_READY)
    migrate = next(e for e in near if e.program.id == "migrate")
    assert migrate.gaps == [
        "the opportunity must reach 'Qualified' (it is at 'Prospect')",
        "expected ARR $60,000 (12 x $5,000 monthly) is below the $100,000 threshold",
    ]


def test_programs_without_opportunity_rules_are_not_matched_to_a_deal() -> None:
    eligible, near, _ = rank(CATALOG, opportunity("Qualified", "20000"), SOFTWARE_READY)
    assert "mdf" not in {e.program.id for e in eligible + near}  # a wallet funds campaigns, not this deal
    assert evaluate(CATALOG.get("mdf"), opportunity("Qualified", None), SOFTWARE_READY).eligible


def test_estimates_show_their_formula_and_caps() -> None:
    capped = estimate(CATALOG.get("migrate"), 720_000, 60_000, None)
    assert (capped.amount, capped.formula) == (50000, "10% of expected ARR $720,000 = $72,000, capped at $50,000")
    assert capped.is_estimate and capped.inputs["expected_arr_usd"] == 720_000
    assert estimate(CATALOG.get("migrate"), None, None, None).amount is None
    wallet_based = evaluate(CATALOG.get("mdf"), opportunity("Prospect", None), SOFTWARE_READY).estimate
    assert wallet_based.amount == 35000 and "wallet" in wallet_based.formula


def test_non_usd_spend_is_not_silently_converted() -> None:
    data = opportunity("Qualified", None).model_dump()
    data["Project"]["ExpectedCustomerSpend"] = [
        {"Amount": "20000", "CurrencyCode": "EUR", "Frequency": "Monthly", "TargetCompany": "AWS"}
    ]
    opp = Opportunity.model_validate(data)
    gaps = evaluate(CATALOG.get("migrate"), opp, SOFTWARE_READY).gaps
    assert "no expected monthly AWS spend (ExpectedCustomerSpend) in USD" in gaps[0]


def test_unknown_prm_state_is_a_gap_not_a_guess() -> None:
    unknown = PartnerFacts(path="Software", prm_ready=None)
    gaps = evaluate(CATALOG.get("isv"), opportunity("Qualified", "20000"), unknown).gaps
    assert gaps == ["PRM readiness could not be checked on this backend; check it in Partner Central"]


@pytest.mark.parametrize(
    ("start", "end", "category", "problem"),
    [
        ("2026-12-01", "2026-12-15", "MAP", None),
        ("2026-12-01", "2026-12-16", "MAP", "December 16 and January 1"),
        ("2026-12-01", "2027-01-01", "MAP", "December 16 and January 1"),
        ("2026-12-01", "2027-01-02", "MAP", None),
        ("2026-11-01", "2027-01-02", "MDF", "cannot span calendar years"),
        ("2028-02-28", "2028-02-29", "MDF", None),  # leap day
        ("2026-12-01", "2026-11-30", "POC", "before the start date"),
    ],
)
def test_end_date_rules(start: str, end: str, category: str, problem: str | None) -> None:
    from agent.funding.dates import end_date_problem

    found = end_date_problem(date.fromisoformat(start), date.fromisoformat(end), category)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    ("today", "category", "start", "end"),
    [
        ("2026-11-27", "MAP", "2026-12-11", "2027-02-09"),
        ("2026-12-10", "MDF", "2027-01-02", "2027-03-03"),  # 14 days out is in the year-end blackout: January 2
        ("2026-12-20", "POC", "2027-01-03", "2027-03-04"),
    ],
)
def test_proposed_dates_follow_the_rules(today: str, category: str, start: str, end: str) -> None:
    from agent.funding.dates import end_date_problem, propose_dates

    proposed = propose_dates(date.fromisoformat(today), category)
    assert [d.isoformat() for d in proposed] == [start, end]
    if start < end:
        assert end_date_problem(*proposed, category) is None


def test_programs_already_requested_for_the_opportunity_are_set_apart_unless_repeatable() -> None:
    earlier = {
        pid: [ExistingRequest(funding_request_id=f"benappl-{pid}", status="APPROVED", opportunity_id="O1")]
        for pid in ("poc", "credits")
    }
    other_deal = {"migrate": [ExistingRequest(funding_request_id="benappl-m", status="APPROVED", opportunity_id="O2")]}
    partner = SOFTWARE_READY.model_copy(update={"requests": {**earlier, **other_deal}})
    eligible, _, already = rank(CATALOG, opportunity("Qualified", "20000"), partner)
    assert sorted(e.program.id for e in eligible) == ["credits", "isv", "migrate"]  # credits may be asked again
    assert [(e.program.id, e.existing.funding_request_id) for e in already] == [("poc", "benappl-poc")]


SCA, OTHER = "ben-sca00000000001", "ben-other000000001"
APPLICATION_NUMBERS = itertools.count(1)


def allocation(amount: str, *, status: str = "ACTIVE", benefit: str = SCA) -> BenefitAllocation:
    return BenefitAllocation.model_validate(
        {
            "Id": "benalloc-sca00000000001",
            "Catalog": "Sandbox",
            "Status": status,
            "Name": "SCA budget",
            "ApplicableBenefitIds": [f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/benefit/{benefit}"],
            "FulfillmentDetail": {
                "ConsumableDetails": {
                    "AllocatedAmount": {"Amount": amount, "CurrencyCode": "USD"},
                    "RemainingAmount": {"Amount": amount, "CurrencyCode": "USD"},
                }
            },
        }
    )


def application(status: str, amount: object, benefit: str = SCA) -> BenefitApplicationSummary:
    return BenefitApplicationSummary.model_validate(
        {
            "Id": f"benappl-{next(APPLICATION_NUMBERS):014d}",
            "Catalog": "Sandbox",
            "BenefitId": benefit,
            "Status": status,
            "Stage": "Created",
            "BenefitApplicationDetails": {"RequestedAmount": amount},
        }
    )


SCA_FORM = ApplicationForm(
    {"type": "object", "properties": {"RequestedAmount": {"type": "number", "title": "Requested amount"}}}
)


def test_budgets_are_allocations_minus_what_is_in_review_or_approved() -> None:
    requests = [
        application("APPROVED", 100000),
        application("IN_REVIEW", "36000.50"),
        application("PENDING_SUBMISSION", 999),
        application("REJECTED", 5000),
        application("CANCELED", 7),
        application("APPROVED", "a lot"),  # unreadable: counts as nothing rather than failing
        application("APPROVED", 1, benefit=OTHER),
    ]
    [budget] = budgets_for(SCA, [allocation("500000.005")], requests, lambda benefit: SCA_FORM)
    assert (budget.allocated, budget.committed, budget.remaining) == (
        Decimal("500000.005"),
        Decimal("136000.50"),
        Decimal("363999.505"),
    )
    assert budgets_for(SCA, [allocation("500000", status="INACTIVE")], requests, lambda b: SCA_FORM) == []


TODAY = date(2026, 11, 27)


def facts(category: str = "MAP", stage: str = "Created", status: str = "PENDING_SUBMISSION", **known) -> RequestFacts:
    dates = {name: date.fromisoformat(known.pop(name)) for name in ("start", "end") if name in known}
    return RequestFacts(category=category, stage=stage, status=status, **dates, **known)


APPROVED = {"category": "MAP", "stage": "Cash Claim", "status": "APPROVED", "start": "2026-10-01", "end": "2026-11-20"}
NO_END = {name: value for name, value in APPROVED.items() if name != "end"}  # its schema names no end date


@pytest.mark.parametrize(
    ("action", "request_facts", "options", "problem"),
    [
        ("submit", facts(), {}, None),
        ("submit", facts(status="REJECTED"), {}, "resubmit"),
        ("submit", facts(category="MDF", start="2026-12-20", end="2027-01-20"), {}, "cannot span calendar years"),
        ("submit", facts(start="2026-11-28", end="2026-12-10", resubmission=True), {}, "on or after 2026-12-11"),
        ("submit", facts(required_attachments=["Statement of work"]), {}, "Statement of work"),
        ("submit", facts(required_attachments=["Statement of work"], attachments=["Statement of work"]), {}, None),
        ("resubmit", facts(status="REJECTED", start="2026-12-11", end="2027-02-01"), {}, None),  # exactly 14 days out
        ("resubmit", facts(status="REJECTED", start="2026-12-10", end="2027-02-01"), {}, "on or after 2026-12-11"),
        ("resubmit", facts(status="REJECTED", end="2027-02-01"), {}, "start date is unknown"),
        (
            "resubmit",
            facts(category="MDF", status="REJECTED", start="2026-12-20", end="2027-01-20"),
            {},
            "calendar years",
        ),
        ("recall", facts(category="POC", stage="Technical Validation", status="IN_REVIEW"), {}, None),
        ("recall", facts(category="POC", stage="Created", status="REJECTED"), {}, None),  # reopens it
        ("recall", facts(category="POC", stage="Pre-Approved", status="APPROVED"), {}, "before Pre-Approved"),
        ("cancel", facts(category="MDF", stage="Cash Claim", status="APPROVED"), {}, None),
        ("cancel", facts(category="MDF", stage="Completed", status="APPROVED"), {}, "completed"),
        ("cancel", facts(category="MDF", stage="Business Approval", status="CANCELED"), {}, "cancelled"),
        ("delete", facts(category="MDF", status="REJECTED"), {}, None),
        ("delete", facts(category="MDF", stage="Business Approval", status="IN_REVIEW"), {}, "Created stage"),
        ("edit", facts(), {}, None),
        ("edit", facts(status="REJECTED"), {}, "only a draft"),
        ("edit", facts(stage="Business Approval", status="IN_REVIEW"), {}, "recall"),
        ("extend", facts(**APPROVED), {"new_end_date": date(2027, 2, 18)}, None),  # 90 days
        ("extend", facts(**APPROVED), {"new_end_date": date(2027, 2, 19)}, "1-90 days"),
        ("extend", facts(**APPROVED), {"new_end_date": date(2026, 11, 20)}, "1-90 days"),
        ("extend", facts(**APPROVED), {"new_end_date": date(2026, 12, 16)}, "December 16"),
        ("extend", facts(**APPROVED), {"new_end_date": date(2026, 12, 15)}, None),
        ("extend", facts(**{**APPROVED, "category": "MDF"}), {"new_end_date": date(2027, 1, 5)}, "calendar years"),
        ("extend", facts(**APPROVED, extended=True), {"new_end_date": date(2026, 12, 1)}, "only once"),
        (
            "extend",
            facts(**{**APPROVED, "stage": "Business Approval", "status": "IN_REVIEW"}),
            {"new_end_date": date(2026, 12, 1)},
            "approved",
        ),
        ("extend", facts(**NO_END), {"new_end_date": date(2026, 12, 1)}, "end date is unknown"),
        (
            "extend",
            facts(**{**APPROVED, "end": "2026-10-20"}),
            {"new_end_date": date(2026, 12, 1)},
            "expired on 2026-11-19",
        ),
    ],
)
def test_lifecycle_rules(action: str, request_facts: RequestFacts, options: dict, problem: str | None) -> None:
    found = refusal(action, request_facts, TODAY, **options)
    assert (found is None) if problem is None else (problem in found), found


CLAIMABLE = facts(**{**APPROVED, "end": "2026-11-01"}, amount=Decimal(10000), claims=[])


@pytest.mark.parametrize(
    ("request_facts", "amount", "claim_id", "problem"),
    [
        (CLAIMABLE, Decimal(10000), None, None),
        (CLAIMABLE, Decimal("10000.01"), None, "at most the approved 10,000.00"),
        (CLAIMABLE, Decimal("1e300"), None, "at most the approved"),
        (
            facts(**{**APPROVED, "end": "2026-12-01"}, amount=Decimal(10000), claims=[]),
            Decimal(1),
            None,
            "once the activity has ended",
        ),
        (facts(**{**APPROVED, "stage": "Pre-Approved", "end": "2026-11-01"}), Decimal(1), None, "Cash Claim stage"),
        (facts(**NO_END), Decimal(1), None, "end date is unknown"),
        (
            facts(
                **{**APPROVED, "end": "2026-11-01"},
                amount=Decimal(10000),
                claims=[Claim("c1", Decimal(9500), "APPROVED")],
            ),
            Decimal(9500),
            None,
            "at most 500.00 is left",
        ),
        (
            facts(
                **{**APPROVED, "end": "2026-11-01"},
                amount=Decimal(10000),
                claims=[Claim("c1", Decimal(100), "IN_REVIEW")],
            ),
            Decimal(1),
            None,
            "already in review",
        ),
        (
            facts(
                **{**APPROVED, "end": "2026-11-01"},
                amount=Decimal(10000),
                claims=[Claim("c1", Decimal(9500), "REJECTED")],
            ),
            Decimal(9000),
            "c1",
            None,
        ),  # edited and resubmitted
        (
            facts(
                **{**APPROVED, "end": "2026-11-01"},
                amount=Decimal(10000),
                claims=[Claim("c1", Decimal(9500), "APPROVED")],
            ),
            Decimal(400),
            "c1",
            "only a rejected claim",
        ),
        (facts(**{**APPROVED, "end": "2026-11-01"}, amount=None, claims=[]), Decimal(5), None, None),  # unknown amount
    ],
)
def test_cash_claim_rules(
    request_facts: RequestFacts, amount: Decimal, claim_id: str | None, problem: str | None
) -> None:
    found = refusal("edit_claim" if claim_id else "claim", request_facts, TODAY, claim_amount=amount, claim_id=claim_id)
    assert (found is None) if problem is None else (problem in found), found


def test_expired_is_shown_as_a_status_and_ends_with_completion_or_cancellation() -> None:
    ended = facts(**{**APPROVED, "end": "2026-10-20"})
    assert ended.expires_on == date(2026, 11, 19) and ended.shown_status(TODAY) == "EXPIRED"
    assert ended.shown_status(date(2026, 11, 19)) == "APPROVED"  # the last day still counts
    assert facts(**{**APPROVED, "end": "2026-10-20", "stage": "Completed"}).shown_status(TODAY) == "APPROVED"
    assert facts(**{**APPROVED, "end": "2026-10-20", "status": "CANCELED"}).shown_status(TODAY) == "CANCELED"
    assert facts(**NO_END).shown_status(TODAY) == "APPROVED"  # an unknown end date never expires a request


@pytest.mark.parametrize(
    ("end", "expires"),
    [
        ("2026-12-15", "2026-12-15"),  # ends on December 15: expires that day
        ("2026-11-01", "2026-12-01"),
        ("2026-11-20", "2026-12-15"),  # 30 days would pass December 15
        ("2026-12-10", "2026-12-15"),
        ("2027-01-02", "2027-02-01"),
        ("2028-02-10", "2028-03-11"),  # leap year
        ("2028-02-29", "2028-03-30"),
    ],
)
def test_expiry_and_claim_deadline(end: str, expires: str) -> None:
    assert deadline_after(date.fromisoformat(end)).isoformat() == expires
