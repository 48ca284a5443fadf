"""Funding eligibility as a table: stage x ARR x partner path x PRM readiness -> programs, with reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.funding.catalog import Catalog, Program
from agent.funding.recommend import PartnerFacts, estimate, evaluate, rank
from agent.models.benefits import BenefitAllocation
from agent.models.selling import Opportunity

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def program(pid: str, **rules) -> Program:
    estimate_basis = rules.pop("estimate", {"kind": "percent_of_arr", "percent": 10, "cap_usd": 50000})
    return Program.model_validate({
        "id": pid, "name": pid.upper(), "benefit_id": rules.pop("benefit_id", None), "category": "Misc",
        "description": f"{pid} program", "fulfillment_types": ["CASH"], "eligibility": rules,
        "estimate": estimate_basis, "sources": [{"title": "test", "kind": "project-default"}],
    })


CATALOG = Catalog(version="test", disclaimer="estimates only", programs=[
    program("migrate", min_stage="Qualified", min_arr_usd=100_000, use_cases=["Migration/Database Migration"]),
    program("poc", min_stage="Qualified", max_stage="Business Validation", partner_paths=["Software"],
            estimate={"kind": "fixed_cap", "cap_usd": 25000}),
    program("isv", partner_paths=["Software"], requires_prm_ready=True, min_arr_usd=50_000),
    program("mdf", requires_mdf_wallet=True, benefit_id="ben-mdfcampaign001", estimate={"kind": "wallet_balance"}),
])


def opportunity(stage: str, monthly: str | None, use_case: str | None = "Migration/Database Migration") -> Opportunity:
    spend = [{"Amount": monthly, "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}] if monthly else []
    return Opportunity.model_validate({
        "Id": "O1", "Catalog": "Sandbox", "CreatedDate": NOW, "LastModifiedDate": NOW,
        "LifeCycle": {"Stage": stage}, "Project": {"CustomerUseCase": use_case, "ExpectedCustomerSpend": spend},
    })


def wallet(remaining: int) -> BenefitAllocation:
    money = {"Amount": str(remaining), "CurrencyCode": "USD"}
    return BenefitAllocation.model_validate({
        "Id": "benalloc-alto0mdfwallet", "Catalog": "Sandbox", "Status": "ACTIVE", "Name": "MDF wallet",
        "ApplicableBenefitIds": ["ben-mdfcampaign001"],
        "FulfillmentDetail": {"ConsumableDetails": {"AllocatedAmount": {"Amount": "50000", "CurrencyCode": "USD"},
                                                    "RemainingAmount": money}},
    })


SOFTWARE_READY = PartnerFacts(path="Software", prm_ready=True, allocations=[wallet(35000)])
SOFTWARE_NOT_READY = PartnerFacts(path="Software", prm_ready=False, prm_gaps=["publish a listing"])
SERVICES = PartnerFacts(path="Services", prm_ready=False, prm_gaps=["publish a listing"], allocations=[wallet(0)])


@pytest.mark.parametrize(("stage", "monthly", "partner", "expected"), [
    ("Prospect", "20000", SOFTWARE_READY, ["isv"]),                         # too early for migrate and poc
    ("Qualified", "20000", SOFTWARE_READY, ["migrate", "poc", "isv"]),       # ARR 240k
    ("Qualified", "5000", SOFTWARE_READY, ["poc", "isv"]),                  # ARR 60k: below migrate's 100k
    ("Qualified", "4000", SOFTWARE_READY, ["poc"]),                         # ARR 48k: below isv's 50k
    ("Committed", "20000", SOFTWARE_READY, ["migrate", "isv"]),             # past poc's last stage
    ("Qualified", "20000", SOFTWARE_NOT_READY, ["migrate", "poc"]),          # no PRM, no wallet
    ("Qualified", "20000", SERVICES, ["migrate"]),                          # path and empty wallet
    ("Closed Lost", "20000", SOFTWARE_READY, []),                           # a lost deal gets no funding
    ("Qualified", None, SERVICES, []),                                      # no spend: nothing fits
])
def test_eligibility_table(stage: str, monthly: str | None, partner: PartnerFacts, expected: list[str]) -> None:
    eligible, _ = rank(CATALOG, opportunity(stage, monthly), partner)
    assert sorted(e.program.id for e in eligible) == sorted(expected)


def test_reasons_can_be_checked_against_the_opportunity() -> None:
    result = evaluate(CATALOG.get("migrate"), opportunity("Qualified", "20000"), SOFTWARE_READY)
    assert result.eligible
    reasons = [c.text for c in result.checks]
    assert "stage 'Qualified' is at or after 'Qualified'" in reasons
    assert "expected ARR $240,000 (12 x $20,000 monthly) is at least $100,000" in reasons
    assert "use case 'Migration/Database Migration' is one the program funds" in reasons


def test_near_misses_say_what_is_missing() -> None:
    _, near = rank(CATALOG, opportunity("Prospect", "5000"), SOFTWARE_READY)
    migrate = next(e for e in near if e.program.id == "migrate")
    assert migrate.gaps == ["the opportunity must reach 'Qualified' (it is at 'Prospect')",
                            "expected ARR $60,000 (12 x $5,000 monthly) is below the $100,000 threshold"]


def test_programs_without_opportunity_rules_are_not_matched_to_a_deal() -> None:
    eligible, near = rank(CATALOG, opportunity("Qualified", "20000"), SOFTWARE_READY)
    assert "mdf" not in {e.program.id for e in eligible + near}  # a wallet funds campaigns, not this deal
    assert evaluate(CATALOG.get("mdf"), opportunity("Qualified", None), SOFTWARE_READY).eligible


def test_estimates_show_their_formula_and_caps() -> None:
    capped = estimate(CATALOG.get("migrate"), 720_000, 60_000, [])
    assert (capped.amount, capped.formula) == (50000, "10% of expected ARR $720,000 = $72,000, capped at $50,000")
    assert capped.is_estimate and capped.inputs["expected_arr_usd"] == 720_000
    assert estimate(CATALOG.get("migrate"), None, None, []).amount is None
    wallet_based = evaluate(CATALOG.get("mdf"), opportunity("Prospect", None), SOFTWARE_READY).estimate
    assert wallet_based.amount == 35000 and "wallet" in wallet_based.formula


def test_non_usd_spend_is_not_silently_converted() -> None:
    data = opportunity("Qualified", None).model_dump()
    data["Project"]["ExpectedCustomerSpend"] = [
        {"Amount": "20000", "CurrencyCode": "EUR", "Frequency": "Monthly", "TargetCompany": "AWS"}]
    opp = Opportunity.model_validate(data)
    gaps = evaluate(CATALOG.get("migrate"), opp, SOFTWARE_READY).gaps
    assert "no expected monthly AWS spend (ExpectedCustomerSpend) in USD" in gaps[0]


def test_unknown_prm_state_is_a_gap_not_a_guess() -> None:
    unknown = PartnerFacts(path="Software", prm_ready=None)
    gaps = evaluate(CATALOG.get("isv"), opportunity("Qualified", "20000"), unknown).gaps
    assert gaps == ["PRM readiness could not be checked on this backend; check it in Partner Central"]


@pytest.mark.parametrize(("start", "end", "category", "problem"), [
    ("2026-12-01", "2026-12-15", "MAP", None),
    ("2026-12-01", "2026-12-16", "MAP", "December 16 and January 1"),
    ("2026-12-01", "2027-01-01", "MAP", "December 16 and January 1"),
    ("2026-12-01", "2027-01-02", "MAP", None),
    ("2026-11-01", "2027-01-02", "MDF", "cannot span calendar years"),
    ("2028-02-28", "2028-02-29", "MDF", None),  # leap day
    ("2026-12-01", "2026-11-30", "POC", "before the start date"),
])
def test_end_date_rules(start: str, end: str, category: str, problem: str | None) -> None:
    from datetime import date

    from agent.funding.dates import end_date_problem

    found = end_date_problem(date.fromisoformat(start), date.fromisoformat(end), category)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(("today", "category", "start", "end"), [
    ("2026-11-27", "MAP", "2026-12-11", "2027-02-09"),
    ("2026-12-10", "MDF", "2027-01-02", "2027-03-03"),  # 14 days out is in the year-end blackout: January 2
    ("2026-12-20", "POC", "2027-01-03", "2027-03-04"),
])
def test_proposed_dates_follow_the_rules(today: str, category: str, start: str, end: str) -> None:
    from datetime import date

    from agent.funding.dates import end_date_problem, propose_dates

    proposed = propose_dates(date.fromisoformat(today), category)
    assert [d.isoformat() for d in proposed] == [start, end]
    if start < end:
        assert end_date_problem(*proposed, category) is None


TODAY = "2026-11-27"
APPROVED_DETAILS = {"StartDate": "2026-10-01", "EndDate": "2026-11-20"}


@pytest.mark.parametrize(("action", "category", "stage", "status", "details", "kwargs", "problem"), [
    ("submit", "MAP", "Created", "PENDING_SUBMISSION", {}, {}, None),
    ("submit", "MAP", "Created", "REJECTED", {}, {}, "resubmit"),
    ("recall", "POC", "Technical Validation", "IN_REVIEW", {}, {}, None),
    ("recall", "POC", "Pre-Approved", "APPROVED", {}, {}, "before Pre-Approved"),
    ("cancel", "MDF", "Cash Claim", "APPROVED", {}, {}, None),
    ("cancel", "MDF", "Completed", "APPROVED", {}, {}, "completed"),
    ("cancel", "MDF", "Business Approval", "CANCELED", {}, {}, "cancelled"),
    ("delete", "MDF", "Created", "REJECTED", {}, {}, None),
    ("delete", "MDF", "Business Approval", "IN_REVIEW", {}, {}, "Created stage"),
    ("resubmit", "POC", "Created", "REJECTED", {"StartDate": "2026-12-11"}, {}, None),   # exactly 14 days out
    ("resubmit", "POC", "Created", "REJECTED", {"StartDate": "2026-12-10"}, {}, "on or after 2026-12-11"),
    ("extend", "MAP", "Cash Claim", "APPROVED", APPROVED_DETAILS, {"new_end_date": "2027-02-18"}, None),  # 90 days
    ("extend", "MAP", "Cash Claim", "APPROVED", APPROVED_DETAILS, {"new_end_date": "2027-02-19"}, "1-90 days"),
    ("extend", "MAP", "Cash Claim", "APPROVED", APPROVED_DETAILS, {"new_end_date": "2026-11-20"}, "1-90 days"),
    ("extend", "MAP", "Cash Claim", "APPROVED", APPROVED_DETAILS, {"new_end_date": "2026-12-16"}, "December 16"),
    ("extend", "MAP", "Cash Claim", "APPROVED", APPROVED_DETAILS, {"new_end_date": "2026-12-15"}, None),
    ("extend", "MDF", "Pre-Approved", "APPROVED", APPROVED_DETAILS, {"new_end_date": "2027-01-05"}, "calendar years"),
    ("extend", "MAP", "Cash Claim", "APPROVED", APPROVED_DETAILS, {"new_end_date": "2026-12-01", "extended": True}, "only once"),
    ("extend", "MAP", "Business Approval", "IN_REVIEW", APPROVED_DETAILS, {"new_end_date": "2026-12-01"}, "approved"),
    ("claim", "MAP", "Cash Claim", "APPROVED", {"EndDate": "2026-11-01"}, {}, None),          # deadline Dec 1
    ("claim", "MAP", "Cash Claim", "APPROVED", {"EndDate": "2026-10-20"}, {}, "deadline was 2026-11-19"),
    ("claim", "MAP", "Pre-Approved", "APPROVED", {"EndDate": "2026-11-01"}, {}, "Cash Claim stage"),
])
def test_lifecycle_rules(action, category, stage, status, details, kwargs, problem) -> None:
    from datetime import date

    from agent.funding.lifecycle import refusal

    options = {"new_end_date": date.fromisoformat(kwargs["new_end_date"]) if "new_end_date" in kwargs else None,
               "extended": kwargs.get("extended", False)}
    found = refusal(action, category, stage, status, details, date.fromisoformat(TODAY), **options)
    assert (found is None) if problem is None else (problem in found), found


def test_claims_near_year_end_are_due_by_december_15() -> None:
    from agent.funding.lifecycle import claim_deadline

    assert claim_deadline({"EndDate": "2026-12-10"}).isoformat() == "2026-12-15"
    assert claim_deadline({"EndDate": "2028-02-29"}).isoformat() == "2028-03-30"  # leap year
    assert claim_deadline({"EndDate": "2027-01-02"}).isoformat() == "2027-02-01"


@pytest.mark.parametrize(("end", "expires"), [
    ("2026-12-15", "2026-12-15"),  # ends on December 15: expires that day
    ("2026-11-01", "2026-12-01"),
    ("2026-11-20", "2026-12-15"),  # 30 days would pass December 15
    ("2027-01-02", "2027-02-01"),
    ("2028-02-10", "2028-03-11"),  # leap year
])
def test_expiry_and_claim_deadline(end: str, expires: str) -> None:
    from datetime import date

    from agent.funding.lifecycle import deadline_after

    assert deadline_after(date.fromisoformat(end)).isoformat() == expires
