"""The fund request lifecycle, as the guide states it, written once.

Stages: Created -> [AWS Review, for POC, Jumpstart and ISV WMP] -> [Technical Validation, POC only] ->
Business Approval -> Finance Approval -> Pre-Approved (not MAP: a MAP request in Cash Claim is
pre-approved) -> Cash Claim -> Completed. The API's Status follows the stage: Created is
PENDING_SUBMISSION (REJECTED after a rejection), review stages are IN_REVIEW, later ones APPROVED; a
cancelled request is CANCELED and keeps its stage.

- recall: only before Pre-Approved (from a review stage), back to Created;
- cancel: any time before Completed; the status changes, the stage does not;
- delete: only in the Created stage (never submitted, or rejected);
- resubmit after rejection: the start date must be at least 14 days after the resubmission;
- extend: once, 1-90 days past the original end date, never ending December 16 - January 1, MDF never
  crossing the calendar year; only approved requests;
- cash claim: in the Cash Claim stage, within 30 days of the activity's end and by December 15 of the
  request's year (the guide gives both limits; the earlier one is applied). The request expires on the
  same date, and an extension moves it.
"""

from __future__ import annotations

from datetime import date, timedelta

from agent.funding.dates import LEAD_DAYS, end_date_problem

CREATED, COMPLETED = "Created", "Completed"
REVIEW_STAGES = ("AWS Review", "Technical Validation", "Business Approval", "Finance Approval")
STATUS_OF_STAGE = {
    CREATED: "PENDING_SUBMISSION", "AWS Review": "IN_REVIEW", "Technical Validation": "IN_REVIEW",
    "Business Approval": "IN_REVIEW", "Finance Approval": "IN_REVIEW", "Pre-Approved": "APPROVED",
    "Cash Claim": "APPROVED", COMPLETED: "APPROVED",
}
MAX_EXTENSION_DAYS = 90
CLAIM_WINDOW_DAYS = 30


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


def refusal(action: str, category: str, stage: str, status: str, details: dict, today: date, *,
            new_end_date: date | None = None, extended: bool = False) -> str | None:
    """Why ``action`` is not allowed on this request now, or None when it is."""
    if status == "CANCELED":
        return "the request was cancelled; it can no longer be changed, submitted or viewed in detail"
    if action == "submit":
        return None if stage == CREATED and status == "PENDING_SUBMISSION" else (
            "only a request in the Created stage can be submitted" if status != "REJECTED" else
            "a rejected request is resubmitted with the 'resubmit' action")
    if action == "resubmit":
        if status != "REJECTED":
            return "only a rejected request can be resubmitted"
        start = details.get("StartDate")
        earliest = today + timedelta(days=LEAD_DAYS)
        if not start or date.fromisoformat(start) < earliest:
            return f"a resubmitted request must start on or after {earliest} (14 days from today); change StartDate first"
        return None
    if action == "recall":
        return None if stage in REVIEW_STAGES else "a request can only be recalled while in review, before Pre-Approved"
    if action == "cancel":
        return None if stage != COMPLETED else "a completed request cannot be cancelled"
    if action == "delete":
        return None if stage == CREATED else "only a request in the Created stage (never submitted, or rejected) can be deleted"
    if action == "extend":
        return _extension_refusal(category, stage, status, details, new_end_date, extended)
    if action == "claim":
        return _claim_refusal(stage, details, today)
    if action == "edit":
        return None if stage == CREATED and status in ("PENDING_SUBMISSION", "ACTION_REQUIRED", "REJECTED") else (
            "only a draft or a rejected request (Created stage) can be edited; recall it first if it is in review")
    if action == "attach":
        return None  # any request that is not cancelled
    raise ValueError(action)


def _extension_refusal(category: str, stage: str, status: str, details: dict, new_end: date | None, extended: bool) -> str | None:
    if status != "APPROVED" or stage == COMPLETED:
        return "only an approved request that is not completed can be extended"
    if extended:
        return "the request was already extended once; a request can be extended only once"
    if new_end is None:
        return "give the new end date"
    original = date.fromisoformat(details["EndDate"])
    days = (new_end - original).days
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        return f"the new end date must be 1-{MAX_EXTENSION_DAYS} days after the original end date {original} (it is {days})"
    return end_date_problem(date.fromisoformat(details.get("StartDate", details["EndDate"])), new_end, category)


def deadline_after(end: date) -> date:
    """Claim deadline and expiry of an activity ending on ``end``: 30 days later, but no later than
    December 15 of that year (an activity ending on December 15 expires that day)."""
    return min(end + timedelta(days=CLAIM_WINDOW_DAYS), date(end.year, 12, 15))


def claim_deadline(details: dict) -> date:
    return deadline_after(date.fromisoformat(details["EndDate"]))


def _claim_refusal(stage: str, details: dict, today: date) -> str | None:
    if stage != "Cash Claim":
        return "cash claims are submitted in the Cash Claim stage"
    deadline = claim_deadline(details)
    if today > deadline:
        return f"the claim deadline was {deadline} (30 days after the activity ended, and no later than December 15)"
    return None
