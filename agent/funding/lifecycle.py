"""The fund request lifecycle, as the guide states it, written once.

Stages: Created -> [AWS Review, for POC, Jumpstart and ISV WMP] -> [Technical Validation, POC only] ->
Business Approval -> Finance Approval -> Pre-Approved (not MAP: a MAP request in Cash Claim is
pre-approved) -> Cash Claim -> Completed. The API's Status follows the stage: Created is
PENDING_SUBMISSION (REJECTED after a rejection), review stages are IN_REVIEW, later ones APPROVED; a
cancelled request is CANCELED and keeps its stage.

- expiry: 30 days after the activity's end date, and no later than December 15 of that year; an expired request
  takes no action at all (the console shows it as Expired; the API has no such status, so it is computed here);
- submit / resubmit: the dates obey the rules (MDF within one calendar year...), the attachments the program
  requires are there; a resubmission after a rejection starts at least 14 days after it;
- recall: only before Pre-Approved (from a review stage), back to Created; a rejected request is reopened the
  same way (then edited and submitted: the API updates and submits only requests pending submission);
- cancel: any time before Completed; the status changes, the stage does not;
- delete: only in the Created stage (never submitted, or rejected);
- extend: once, 1-90 days past the original end date, never ending December 16 - January 1, MDF never
  crossing the calendar year; only approved requests, before they expire;
- cash claim: in the Cash Claim stage, once the activity has ended, by the claim deadline (the expiry date); one
  claim in review at a time; all claims not rejected together at most the approved amount; a rejected claim is
  edited and resubmitted.

The facts come from the request through its benefit's schema (`agent.funding.application`); a fact the schema does
not give is unknown, and a rule that needs it says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from agent.funding.dates import LEAD_DAYS, end_date_problem

CREATED, COMPLETED = "Created", "Completed"
REVIEW_STAGES = ("AWS Review", "Technical Validation", "Business Approval", "Finance Approval")
STATUS_OF_STAGE = {
    CREATED: "PENDING_SUBMISSION",
    "AWS Review": "IN_REVIEW",
    "Technical Validation": "IN_REVIEW",
    "Business Approval": "IN_REVIEW",
    "Finance Approval": "IN_REVIEW",
    "Pre-Approved": "APPROVED",
    "Cash Claim": "APPROVED",
    COMPLETED: "APPROVED",
}
MAX_EXTENSION_DAYS = 90
CLAIM_WINDOW_DAYS = 30
EXPIRED = "EXPIRED"


def stages(category: str) -> list[str]:
    """The stages a request of ``category`` (MAP, POC, MDF, ...) goes through, in order."""
    path = [CREATED]
    if category in ("POC", "Jumpstart", "ISV WMP"):
        path.append("AWS Review")
    if category == "POC":
        path.append("Technical Validation")
    path += ["Business Approval", "Finance Approval"]
    if category != "MAP":
        path.append("Pre-Approved")
    return path + ["Cash Claim", COMPLETED]


def next_stage(category: str, stage: str) -> str:
    path = stages(category)
    if stage not in path or stage == COMPLETED:
        raise ValueError(f"a {category} request in stage {stage!r} has no next stage")
    return path[path.index(stage) + 1]


def deadline_after(end: date) -> date:
    """Claim deadline and expiry of an activity ending on ``end``: 30 days later, but no later than
    December 15 of that year (an activity ending on December 15 expires that day)."""
    return min(end + timedelta(days=CLAIM_WINDOW_DAYS), date(end.year, 12, 15))


@dataclass(frozen=True)
class Claim:
    claim_id: str
    amount: Decimal | None
    status: str  # IN_REVIEW | APPROVED | REJECTED


@dataclass(frozen=True)
class RequestFacts:
    """What the rules read of one fund request; None where its benefit's schema does not say."""

    category: str
    stage: str
    status: str
    start: date | None = None
    end: date | None = None
    amount: Decimal | None = None
    extended: bool = False
    resubmission: bool = False  # submitted before (then rejected, or recalled): the 14-day rule applies
    claims: list[Claim] | None = None  # None: this backend cannot read claims
    attachments: list[str] = field(default_factory=list)  # the business uses of the files attached
    required_attachments: list[str] = field(default_factory=list)

    @property
    def expires_on(self) -> date | None:
        return deadline_after(self.end) if self.end else None

    def expired(self, today: date) -> bool:
        """Past its expiry and not ended otherwise (completed or cancelled)."""
        return (
            self.expires_on is not None
            and today > self.expires_on
            and self.stage != COMPLETED
            and self.status != "CANCELED"
        )

    def shown_status(self, today: date) -> str:
        """The status a person reads: the API's, or EXPIRED as the console shows it."""
        return EXPIRED if self.expired(today) else self.status


def refusal(
    action: str,
    facts: RequestFacts,
    today: date,
    *,
    new_end_date: date | None = None,
    claim_amount: Decimal | None = None,
    claim_id: str | None = None,
) -> str | None:
    """Why ``action`` is not allowed on this request now, or None when it is."""
    if facts.status == "CANCELED":
        return "the request was cancelled; it can no longer be changed, submitted or viewed in detail"
    if facts.expired(today):
        return (
            f"the request expired on {facts.expires_on} (30 days after its end date {facts.end}, and no later "
            "than December 15); no action is possible any more: start a new request"
        )
    if action == "submit":
        if facts.stage != CREATED or facts.status != "PENDING_SUBMISSION":
            return (
                "a rejected request is resubmitted with the 'resubmit' action"
                if facts.status == "REJECTED"
                else "only a request in the Created stage can be submitted"
            )
        return _submission_problem(facts, today)
    if action == "resubmit":
        if facts.status != "REJECTED":
            return "only a rejected request can be resubmitted"
        return _submission_problem(facts, today, resubmission=True)
    if action == "recall":
        return (
            None
            if facts.stage in REVIEW_STAGES or facts.status == "REJECTED"
            else ("a request can only be recalled while in review, before Pre-Approved (or reopened after a rejection)")
        )
    if action == "cancel":
        return None if facts.stage != COMPLETED else "a completed request cannot be cancelled"
    if action == "delete":
        return (
            None
            if facts.stage == CREATED
            else "only a request in the Created stage (never submitted, or rejected) can be deleted"
        )
    if action == "extend":
        return _extension_problem(facts, new_end_date)
    if action == "claim":
        return _claim_problem(facts, today, claim_amount, replacing=None)
    if action == "edit_claim":
        rejected = next((c for c in facts.claims or [] if c.claim_id == claim_id), None)
        if facts.claims is not None and (rejected is None or rejected.status != "REJECTED"):
            return f"only a rejected claim can be edited and resubmitted; {claim_id or 'no claim_id'} is not one"
        return _claim_problem(facts, today, claim_amount, replacing=claim_id)
    if action == "edit":
        return (
            None
            if facts.stage == CREATED and facts.status == "PENDING_SUBMISSION"
            else ("only a draft (Created stage, not submitted) can be edited; recall a request in review first")
        )
    if action == "attach":
        return None
    raise ValueError(action)


def _submission_problem(facts: RequestFacts, today: date, resubmission: bool = False) -> str | None:
    if resubmission or facts.resubmission:
        earliest = today + timedelta(days=LEAD_DAYS)
        if facts.start is None:
            return "its start date is unknown (its benefit's schema names none), so the 14-day rule cannot be checked"
        if facts.start < earliest:
            return (
                f"a resubmitted request must start on or after {earliest} (14 days from today); change its start "
                "date first (recall it to edit it)"
            )
    if facts.start and facts.end and (problem := end_date_problem(facts.start, facts.end, facts.category)):
        return problem
    missing = [use for use in facts.required_attachments if use not in facts.attachments]
    if missing:
        return f"it needs these attachments first: {', '.join(missing)} (attach them, then submit)"
    return None


def _extension_problem(facts: RequestFacts, new_end: date | None) -> str | None:
    if facts.status != "APPROVED" or facts.stage == COMPLETED:
        return "only an approved request that is not completed can be extended"
    if facts.extended:
        return "the request was already extended once; a request can be extended only once"
    if new_end is None:
        return "give the new end date"
    if facts.end is None:
        return "its end date is unknown (its benefit's schema names none), so it cannot be extended here"
    days = (new_end - facts.end).days
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        return f"the new end date must be 1-{MAX_EXTENSION_DAYS} days after the original end date {facts.end} (it is {days})"
    return end_date_problem(facts.start or facts.end, new_end, facts.category)


def _claim_problem(facts: RequestFacts, today: date, amount: Decimal | None, replacing: str | None) -> str | None:
    if facts.stage != "Cash Claim":
        return "cash claims are submitted in the Cash Claim stage"
    if facts.end is None:
        return "its end date is unknown (its benefit's schema names none), so the claim window cannot be checked"
    if today < facts.end:
        return f"a claim is made once the activity has ended; it ends on {facts.end}"
    if today > deadline_after(facts.end):
        return f"the claim deadline was {deadline_after(facts.end)} (30 days after the activity ended, and no later than December 15)"
    if facts.claims is None:
        return None
    if any(c.status == "IN_REVIEW" for c in facts.claims):
        return "a claim is already in review; wait for AWS's decision on it"
    if amount is not None and facts.amount is not None:
        claimed = sum(
            (c.amount or Decimal(0)) for c in facts.claims if c.status != "REJECTED" and c.claim_id != replacing
        )
        if claimed + amount > facts.amount:
            return (
                f"claims may total at most the approved {facts.amount:,.2f}; {claimed:,.2f} is already claimed, "
                f"so at most {facts.amount - claimed:,.2f} is left"
            )
    return None
