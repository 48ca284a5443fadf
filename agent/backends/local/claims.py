"""The sandbox's cash claims: the funding portal's claims on an approved fund request, each its own resource.

A mixin of `LocalPartnerCentral` (it uses that class's store and helpers). A claim is submitted in the Cash Claim
stage of an APPROVED request (console action SubmitCashClaim), reviewed by AWS (`LocalSandbox.advance` approves
it, `LocalSandbox.review_claim` approves or rejects it) and, once rejected, edited and resubmitted
(UpdateCashClaim). One claim is in review at a time, and the claims not rejected never add up to more than the
request's approved amount; the request is Completed once its approved claims reach that amount.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from agent.backends import errors
from agent.backends.errors import BENEFITS
from agent.backends.local import store
from agent.funding.lifecycle import COMPLETED
from agent.models.benefits import (
    CASH_CLAIM_ID_PATTERN,
    BenefitApplication,
    CashClaim,
    parse_amount,
)
from agent.storage import utcnow

CASH_CLAIM = "cash_claim"
CLAIM_STAGE = "Cash Claim"

MDF_BENEFIT = "ben-mdfcampaign001"
AMOUNT_MEMBERS = {MDF_BENEFIT: "FundingAmount"}
"""Which member of a benefit's details holds the amount requested, where it is not ``RequestedAmount``: what AWS
knows of its own benefits (the schema does not say), used by the sandbox to check cash claims."""


class CashClaimOperations:
    """SubmitCashClaim, UpdateCashClaim and the claims' reads and reviews."""

    def list_cash_claims(self, application_id: str) -> list[CashClaim]:
        """The claims of one of this partner's fund requests, in the order they were last submitted."""
        application_id = self._application_id(application_id)
        with self.store.reading() as conn:
            self._application_row(conn, application_id)
            return self._claims(conn, application_id)

    def submit_cash_claim(self, application_id: str, amount: float, client_token: str | None = None) -> CashClaim:
        """SubmitCashClaim: a new claim in review for ``amount``."""
        return self._claim(application_id, None, amount, client_token)

    def update_cash_claim(
        self, application_id: str, claim_id: str, amount: float, client_token: str | None = None
    ) -> CashClaim:
        """UpdateCashClaim: a rejected claim, edited to ``amount`` and in review again."""
        store.require(BENEFITS, claim_id, CASH_CLAIM_ID_PATTERN, "ClaimId", "claim-0123456789abc")
        return self._claim(application_id, claim_id, amount, client_token)

    def _claim(self, application_id: str, claim_id: str | None, amount: float, client_token: str | None) -> CashClaim:
        operation = "UpdateCashClaim" if claim_id else "SubmitCashClaim"
        application_id = self._application_id(application_id)
        request = {"Identifier": application_id, "Amount": amount, **({"ClaimId": claim_id} if claim_id else {})}
        with self.store.transaction() as conn:
            if (replay := self._replay(conn, operation, client_token, request)) is not None:
                return CashClaim.model_validate(replay)
            application = _in_claim_stage(self._application_row(conn, application_id)[0], operation)
            claims = self._claims(conn, application_id)
            if claim_id:
                _rejected(claims, claim_id, application_id)
            if (in_review := in_review_of(claims)) is not None:
                raise errors.ConflictException(
                    f"Cash claim {in_review.Id} of benefit application {application_id} is still in review; one claim "
                    "is reviewed at a time. Wait for AWS's decision on it.",
                    service=BENEFITS,
                )
            requested = Decimal(str(amount))
            _within_approved(self._approved_amount(application), claims, requested, application_id)
            now = utcnow()
            claim = CashClaim(
                Id=claim_id or _new_claim_id(),
                BenefitApplicationId=application_id,
                Amount=requested,
                Status="IN_REVIEW",
                SubmittedAt=now,
                UpdatedAt=now,
            )
            self._put_claim(conn, claim, new=claim_id is None)
            self._remember(conn, operation, client_token, request, claim.api_dict())
        return claim

    def _decide_claim(self, application_id: str, reject_reason: str | None) -> CashClaim:
        """AWS's review of the claim in review: rejected with a reason, or approved (the request is then Completed
        once its approved claims reach its approved amount)."""
        operation = "RejectCashClaim" if reject_reason else "ApproveCashClaim"
        with self.store.transaction() as conn:
            current, row_revision = self._application_row(conn, application_id)
            _in_claim_stage(current, operation)
            claims = self._claims(conn, application_id)
            claim = in_review_of(claims)
            if claim is None:
                raise errors.ConflictException(
                    f"No cash claim of benefit application {application_id} is in review.", service=BENEFITS
                )
            decided = claim.model_copy(
                update={
                    "Status": "REJECTED" if reject_reason else "APPROVED",
                    "StatusReason": reject_reason,
                    "UpdatedAt": utcnow(),
                }
            )
            self._put_claim(conn, decided, new=False)
            approved = sum((c.Amount for c in claims if c.Status == "APPROVED"), start=decided.Amount)
            if not reject_reason and approved >= self._approved_amount(current):
                self._save_application(conn, current, row_revision, {"Stage": COMPLETED})
        return decided

    def _claims(self, conn: sqlite3.Connection, application_id: str) -> list[CashClaim]:
        rows = store.list_rows(conn, CASH_CLAIM, self.catalog, self.partner_id)
        claims = [CashClaim.model_validate_json(r["body"]) for r in rows]
        return sorted(
            (c for c in claims if c.BenefitApplicationId == application_id), key=lambda c: (c.SubmittedAt, c.Id)
        )

    def _put_claim(self, conn: sqlite3.Connection, claim: CashClaim, *, new: bool) -> None:
        now = utcnow()
        if new:
            store.insert_row(conn, CASH_CLAIM, self.catalog, claim.Id, self.partner_id, claim.api_dict(), now)
            return
        row = store.get_row(conn, CASH_CLAIM, self.catalog, claim.Id)
        store.update_row(conn, CASH_CLAIM, self.catalog, claim.Id, row["revision"], claim.api_dict(), now)

    @staticmethod
    def _approved_amount(application: BenefitApplication) -> Decimal:
        """The amount the request was approved for, from the benefit's amount member of its details."""
        member = AMOUNT_MEMBERS.get(application.BenefitId, "RequestedAmount")
        amount = parse_amount(application.BenefitApplicationDetails.get(member))
        if amount is None:
            raise errors.ConflictException(
                f"Benefit application {application.Id} has no approved amount ({member} is missing or not a number), so "
                "no claim can be checked against it.",
                service=BENEFITS,
            )
        return amount


def _in_claim_stage(application: BenefitApplication, operation: str) -> BenefitApplication:
    if application.Status != "APPROVED" or application.Stage != CLAIM_STAGE:
        raise errors.ConflictException(
            f"{operation} is not allowed on benefit application {application.Id}: it is in stage {application.Stage} "
            f"({application.Status}); claims are made in the {CLAIM_STAGE} stage of an approved request.",
            service=BENEFITS,
        )
    return application


def _new_claim_id() -> str:
    return store.new_id("claim-", 13)


def in_review_of(claims: list[CashClaim]) -> CashClaim | None:
    """The claim in review among a request's claims (there is at most one)."""
    return next((c for c in claims if c.Status == "IN_REVIEW"), None)


def _rejected(claims: list[CashClaim], claim_id: str, application_id: str) -> None:
    """Refuse to edit a claim that is not there or not rejected."""
    claim = next((c for c in claims if c.Id == claim_id), None)
    if claim is None:
        raise errors.ResourceNotFoundException(
            f"Cash claim {claim_id} of benefit application {application_id} was not found.", service=BENEFITS
        )
    if claim.Status != "REJECTED":
        raise errors.ConflictException(
            f"Cash claim {claim_id} is {claim.Status}; only a rejected claim is edited and resubmitted.",
            service=BENEFITS,
        )


def _within_approved(approved: Decimal, claims: list[CashClaim], amount: Decimal, application_id: str) -> None:
    claimed = sum((c.Amount for c in claims if c.Status != "REJECTED"), start=Decimal(0))
    if claimed + amount > approved:
        left = max(approved - claimed, Decimal(0))
        raise errors.ValidationException(
            f"Claims on benefit application {application_id} may total at most its approved {approved:,.2f}; "
            f"{claimed:,.2f} is claimed already, so at most {left:,.2f} can still be claimed.",
            service=BENEFITS,
            reason="BUSINESS_VALIDATION_FAILED",
            field_errors=[
                errors.FieldError(FieldName="Amount", Message=f"at most {left:.2f}", Code="VALUE_OUT_OF_RANGE")
            ],
        )
