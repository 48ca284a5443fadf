"""The embedded Partner Central sandbox: the API's behaviour on a local SQLite file.

`LocalSandbox` owns the database (create, seed, reset, list partners); `LocalPartnerCentral` is the
`PartnerCentral` client of one partner account on it. Like the real service it enforces id formats,
ClientToken idempotency, Revision optimistic locking and allowed status transitions, and raises the
API's errors, each in the exception shape of its operation's service (`agent.backends.errors`).
Every write is one SQLite transaction.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from agent.backends import errors, operations
from agent.backends.base import OpportunityPage, OpportunityQuery, PartnerCentral
from agent.backends.errors import ACCOUNT, BENEFITS, SELLING
from agent.backends.local import details as request_details
from agent.backends.local import store
from agent.backends.local.account import (
    INVITATION,
    VERIFICATION,
    AccountOperations,
    answer_invitation,
    invitation_view,
)
from agent.backends.local.claims import CashClaimOperations, in_review_of
from agent.backends.local.seed import seed
from agent.backends.local.selling import AWS_SUMMARY, SellingOperations
from agent.backends.local.store import (
    ALLIANCE_LEAD,
    ALLOCATION,
    APPLICATION,
    BENEFIT,
    EMAIL_CODE,
    OPPORTUNITY,
    PARTNER,
    PRM_EVIDENCE,
    SELLER_SETUP,
    VISIBILITY,
    Store,
    new_id,
    require,
)
from agent.funding.attachments import AttachmentError, check_file
from agent.funding.lifecycle import COMPLETED, CREATED, STATUS_OF_STAGE, next_stage
from agent.models.account import (
    PARTNER_ID_PATTERN,
    AllianceLeadContact,
    ConnectionInvitation,
    Partner,
    ProfileDetails,
    ProfileVisibility,
    ProfileVisibilityValue,
)
from agent.models.benefits import (
    BENEFIT_APPLICATION_ID_PATTERN,
    BENEFIT_ID_PATTERN,
    Benefit,
    BenefitAllocation,
    BenefitApplication,
    BenefitApplicationSummary,
    BenefitSummary,
    CashClaim,
    FileDetail,
    FulfillmentTypeName,
)
from agent.models.seller import RESALE_AUTHORIZATION_SERVICE, PrmEvidence, SellerSetup
from agent.models.selling import OPPORTUNITY_ID_PATTERN, Opportunity
from agent.storage import utcnow

M = TypeVar("M", bound=BaseModel)


_NOT_FOUND: dict[str, tuple[str | None, str | None]] = {
    PARTNER: (ACCOUNT, "PARTNER_NOT_FOUND"),
    VISIBILITY: (ACCOUNT, "PARTNER_PROFILE_NOT_FOUND"),
    ALLIANCE_LEAD: (ACCOUNT, "PARTNER_PROFILE_NOT_FOUND"),
    VERIFICATION: (ACCOUNT, "VERIFICATION_NOT_FOUND"),
    OPPORTUNITY: (SELLING, None),
    BENEFIT: (BENEFITS, None),
    APPLICATION: (BENEFITS, None),
    SELLER_SETUP: (None, None),
    PRM_EVIDENCE: (None, None),
}
"""The service whose ResourceNotFoundException a missing resource of each kind is, and its Reason there (the
seller setup and PRM evidence are not Partner Central's: their errors are the sandbox's own)."""

EMAIL_CODE_TTL = timedelta(hours=48)
"""The guide: a verification code can be entered for 48 hours after it was sent."""
EMAIL_CODE_SENDS = 5
"""The guide: a code can be requested up to 5 times (per address, while the last code is valid)."""


def _parse(model: type[M], body: str | dict) -> M:
    return model.model_validate(json.loads(body) if isinstance(body, str) else body)


class LocalSandbox:
    """The sandbox database: created and seeded on first use, resettable."""

    def __init__(self, path: Path, catalog: str = "Sandbox") -> None:
        self.store = Store(path)
        self.catalog = catalog

    def ensure_ready(self) -> None:
        """Create and seed the database if it is new; a half-created file is rebuilt (the seed is atomic)."""
        if self.store.schema_version() is None:
            self.reset()

    def reset(self) -> None:
        """Drop everything and seed the sandbox again, in one transaction."""
        with self.store.transaction() as conn:
            Store.drop_all(conn)
            Store.create_schema(conn)
            seed(conn, utcnow())

    def list_partners(self) -> list[Partner]:
        """Every partner account in this catalog (ListPartners, sandbox-wide)."""
        self.ensure_ready()
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT body FROM resources WHERE kind=? AND catalog=? ORDER BY id", (PARTNER, self.catalog)
            ).fetchall()
        return [_parse(Partner, r["body"]) for r in rows]

    def advance(self, application_id: str, reject_reason: str | None = None) -> BenefitApplication:
        """Play AWS's reviewer: approve the request's cash claim in review if it has one, else move the request to
        its next stage; or reject the request with a reason (REJECTED, back in the Created stage)."""
        client = self._owner_client(application_id)
        if not reject_reason and in_review_of(client.list_cash_claims(application_id)):
            client._decide_claim(application_id, None)
            return client.get_benefit_application(application_id)
        if reject_reason:
            return client._transition(
                application_id,
                "RejectBenefitApplication",
                {"IN_REVIEW"},
                {"Status": "REJECTED", "Stage": CREATED, "StatusReason": reject_reason},
            )

        def advanced(current: BenefitApplication) -> dict[str, Any]:
            stage = next_stage(_category(current), current.Stage or CREATED)
            return {"Stage": stage, "Status": STATUS_OF_STAGE[stage], "StatusReason": None}

        return client._transition(
            application_id,
            "AdvanceBenefitApplication",
            {"IN_REVIEW", "APPROVED"},
            advanced,
            guard=lambda current: "it is completed" if current.Stage == COMPLETED else None,
        )

    def advance_opportunity(self, opportunity_id: str, reject_reason: str | None = None) -> Opportunity:
        """Play AWS's reviewer of a submitted opportunity: Submitted -> In review -> Approved (AWS's side then has a
        team, an engagement score and next steps), or Rejected with ``reject_reason``."""
        require(SELLING, opportunity_id, OPPORTUNITY_ID_PATTERN, "Identifier", "O1234567")
        self.ensure_ready()
        with self.store.transaction() as conn:
            row = store.get_row(conn, OPPORTUNITY, self.catalog, opportunity_id)
            if row is None:
                raise errors.ResourceNotFoundException(
                    f"Opportunity {opportunity_id} was not found in the sandbox.", service=SELLING
                )
            current = _parse(Opportunity, row["body"])
            review = current.LifeCycle.ReviewStatus if current.LifeCycle else None
            if review not in ("Submitted", "In review"):
                raise errors.ConflictException(
                    f"Opportunity {opportunity_id} is {review}: AWS reviews only a Submitted or In review one.",
                    service=SELLING,
                )
            if reject_reason:
                changes = {"ReviewStatus": "Rejected", "ReviewStatusReason": reject_reason[:255]}
            else:
                changes = {"ReviewStatus": "In review" if review == "Submitted" else "Approved"}
            now = utcnow()
            updated = current.model_copy(
                update={"LifeCycle": current.LifeCycle.model_copy(update=changes), "LastModifiedDate": now}
            )
            store.update_row(conn, OPPORTUNITY, self.catalog, opportunity_id, row["revision"], updated.api_dict(), now)
            summary_row = store.get_row(conn, AWS_SUMMARY, self.catalog, opportunity_id)
            if changes["ReviewStatus"] == "Approved" and summary_row is not None:
                summary = json.loads(summary_row["body"])
                summary["OpportunityTeam"] = [
                    {"FirstName": "Sam", "LastName": "Rivera", "Email": "samriv@amazon.example", "BusinessTitle": "PDM"}
                ]
                summary["Insights"] = {"EngagementScore": "Medium"}
                summary["LifeCycle"] = {
                    **summary.get("LifeCycle", {}),
                    "Stage": "Qualify",
                    "NextSteps": "AWS account manager to join the next customer call.",
                }
                store.update_row(conn, AWS_SUMMARY, self.catalog, opportunity_id, summary_row["revision"], summary, now)
        return updated

    def review_claim(self, application_id: str, reject_reason: str | None = None) -> CashClaim:
        """Play AWS's claim reviewer: approve the request's cash claim in review, or reject it with a reason."""
        return self._owner_client(application_id)._decide_claim(application_id, reject_reason)

    def application(self, application_id: str) -> BenefitApplication:
        """A fund request, whoever owns it."""
        return self._owner_client(application_id).get_benefit_application(application_id)

    def cash_claims(self, application_id: str) -> list[CashClaim]:
        """A fund request's cash claims, whoever owns it."""
        return self._owner_client(application_id).list_cash_claims(application_id)

    def _owner_client(self, application_id: str) -> LocalPartnerCentral:
        """The client of the partner that owns a fund request."""
        self.ensure_ready()
        with self.store.reading() as conn:
            row = store.get_row(conn, APPLICATION, self.catalog, application_id)
        if row is None:
            raise errors.ResourceNotFoundException(
                f"Benefit application {application_id} was not found in the sandbox.", service=BENEFITS
            )
        return LocalPartnerCentral(self.store, self.catalog, row["owner"])

    def respond(self, invitation_id: str, accept: bool) -> ConnectionInvitation:
        """Play the receiving account of a connection invitation (e.g. a subsidiary seller account that is not a
        partner in this sandbox): accept or reject it."""
        self.ensure_ready()
        with self.store.transaction() as conn:
            row = store.get_row(conn, INVITATION, self.catalog, invitation_id)
            if row is None:
                raise errors.ResourceNotFoundException(
                    f"Connection invitation {invitation_id} was not found in the sandbox.",
                    service=ACCOUNT,
                    reason="CONNECTION_INVITATION_NOT_FOUND",
                )
            record = json.loads(row["body"])
            receiver = record["ReceiverAccountId"]
            if invitation_view(record, receiver, utcnow()).Status != "PENDING":
                raise errors.ConflictException(
                    f"Invitation {invitation_id} is not pending; it cannot be answered.",
                    service=ACCOUNT,
                    reason="INCOMPATIBLE_CONNECTION_INVITATION_STATE",
                )
            answer_invitation(conn, self.catalog, record, accept=accept)
            updated = json.loads(store.get_row(conn, INVITATION, self.catalog, invitation_id)["body"])
        return invitation_view(updated, receiver, utcnow())

    def client(self, partner_id: str) -> LocalPartnerCentral:
        """The Partner Central client of one partner account; AccessDenied if the account does not exist."""
        require(ACCOUNT, partner_id, PARTNER_ID_PATTERN, "partner_id", "partner-altocloud0004")
        try:
            known = self._has_partner(partner_id)  # one read when the sandbox is seeded, as it nearly always is
        except sqlite3.OperationalError:  # no tables yet: a new file (the seed is one transaction), seeded now
            self.ensure_ready()
            # A database error now (locked, unreadable) is reported as such, never taken for "no such partner".
            known = self._has_partner(partner_id)
        if not known:
            raise errors.AccessDeniedException(
                f"Partner account {partner_id} does not exist in the {self.catalog} catalog of this sandbox. "
                "Run `partner-agent sandbox list` to see the seeded partners.",
                service=ACCOUNT,
                reason="ACCESS_DENIED",
            )
        return LocalPartnerCentral(self.store, self.catalog, partner_id)

    def _has_partner(self, partner_id: str) -> bool:
        with self.store.reading() as conn:
            return store.get_row(conn, PARTNER, self.catalog, partner_id) is not None


class LocalPartnerCentral(AccountOperations, CashClaimOperations, SellingOperations, PartnerCentral):
    """One partner account's view of the sandbox.

    Fund requests follow the API documentation: UpdateBenefitApplication and SubmitBenefitApplication only in
    PENDING_SUBMISSION, RecallBenefitApplication from review back to PENDING_SUBMISSION, AmendBenefitApplication
    while IN_REVIEW or APPROVED with JSONPath field paths (``$.EndDate``). The sandbox's own rules, where the
    documentation is silent:

    - a REJECTED request stays in the Created stage; to resubmit it, the partner recalls it (RecallBenefitApplication
      takes a REJECTED request back to PENDING_SUBMISSION, like the console's "reopen"), updates it and submits it;
    - an amendment's ``FieldPath`` must name a member of the benefit's ``BenefitRequestSchema`` (nested members
      as ``$.a.b``), its ``NewValue`` is read as that member's JSON type, and the amended details must satisfy the
      schema there; a Completed request is not amended;
    - Create and Update validate ``BenefitApplicationDetails`` against the benefit's request schema (every
      problem named as a field error, as an amendment's are);
    - cash claims (console actions SubmitCashClaim, UpdateCashClaim; `list_cash_claims`) are made in the Cash
      Claim stage of an APPROVED request, one in review at a time, never totalling more than the amount the
      request was approved for (claims not rejected count); a rejected claim is edited and resubmitted; the request
      is Completed once its approved claims reach that amount;
    - `LocalSandbox.advance` plays AWS: it approves the claim in review, or moves a request to its next stage, or
      rejects it; `LocalSandbox.review_claim` approves or rejects the claim in review;
    - identifiers may be ids or the sandbox's own ARNs; another ARN is not found.
    """

    def __init__(self, db: Store, catalog: str, partner_id: str) -> None:
        self.store = db
        self.catalog = catalog
        self.partner_id = partner_id

    def cache_scope(self) -> tuple[str, ...]:
        return (*super().cache_scope(), str(self.store.path))

    # one write, exactly as given

    def send(self, service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Make one write as the API would (see `PartnerCentral.send`).

        The request is first checked against the operation's input shape (`operations.checked_request`: its
        ClientToken's pattern and length too), then made by this class's method for it with exactly the request's
        members. Where the API takes a ClientToken, the same token with the same request returns the first call's
        response, with another request a ConflictException (CONFLICT_CLIENT_TOKEN in partnercentral-account, whose
        ConflictException has a Reason). Sandbox rules: the console actions take a ClientToken and replay the same
        way; members the sandbox does not model (such as Tags) are refused, not dropped; a partner ``Identifier``
        must be this partner's.
        """
        request = operations.checked_request(service, operation, request)
        operations.require_catalog(request, self.catalog)
        self._require_own_partner(service, operation, request)
        unmodelled = sorted(_UNMODELLED.get(operation, frozenset()) & request.keys())
        if unmodelled:
            raise errors.UnsupportedOperationException(
                f"The sandbox does not model {', '.join(unmodelled)} of {operation}; leave them out of the request, "
                "or use the aws backend."
            )
        return operations.api_response(service, operation, _as_body(_SENDS[operation](self, request)))

    def _require_own_partner(self, service: str, operation: str, request: dict[str, Any]) -> None:
        """A member naming the partner (the API's PartnerIdentifier) must name this one: other partners are not found."""
        model = operations.operation_model(service, operation)
        if model is None:
            return
        mine = (self.partner_id, self._arn("partner", self.partner_id))
        for member, shape in model.input_shape.members.items():
            if shape.name == "PartnerIdentifier" and request[member] not in mine:
                raise errors.ResourceNotFoundException(
                    f"Partner {request[member]} was not found in the {self.catalog} catalog; this client acts for "
                    f"{self.partner_id}.",
                    service=service,
                    reason="PARTNER_NOT_FOUND",
                )

    # reading helpers

    def _get(self, conn: sqlite3.Connection, kind: str, rid: str, model: type[M], label: str) -> tuple[M, int]:
        row = store.get_row(conn, kind, self.catalog, rid)
        if row is None or row["owner"] not in (self.partner_id, None):
            service, reason = _NOT_FOUND[kind]
            raise errors.ResourceNotFoundException(
                f"{label} {rid} was not found in the {self.catalog} catalog.", service=service, reason=reason
            )
        return _parse(model, row["body"]), row["revision"]

    def _one(self, kind: str, rid: str, model: type[M], label: str) -> M:
        with self.store.reading() as conn:
            return self._get(conn, kind, rid, model, label)[0]

    def _owned(self, kind: str, model: type[M]) -> list[M]:
        with self.store.reading() as conn:
            rows = store.list_rows(conn, kind, self.catalog, self.partner_id)
        return [_parse(model, r["body"]) for r in rows]

    # partnercentral-account

    def get_partner(self) -> Partner:
        self.settle_profile_task()
        return self._one(PARTNER, self.partner_id, Partner, "Partner")

    def get_profile_visibility(self) -> ProfileVisibility:
        return self._one(VISIBILITY, self.partner_id, ProfileVisibility, "Profile visibility of")

    def get_alliance_lead_contact(self) -> AllianceLeadContact:
        return self._one(ALLIANCE_LEAD, self.partner_id, AllianceLeadContact, "Alliance lead contact of")

    def put_profile_visibility(self, visibility: ProfileVisibilityValue) -> ProfileVisibility:
        """PutProfileVisibility."""
        if visibility not in ("PUBLIC", "PRIVATE"):
            raise errors.invalid_request(
                ACCOUNT,
                f"Visibility '{visibility[:80]}' is not one of PUBLIC, PRIVATE.",
                [
                    errors.FieldError(
                        FieldName="Visibility", Message="must be PUBLIC or PRIVATE", Code="INVALID_ENUM_VALUE"
                    )
                ],
            )
        with self.store.transaction() as conn:
            current, revision = self._get(conn, VISIBILITY, self.partner_id, ProfileVisibility, "Profile visibility of")
            updated = current.model_copy(update={"Visibility": visibility})
            store.update_row(conn, VISIBILITY, self.catalog, self.partner_id, revision, updated.api_dict(), utcnow())
        return updated

    def send_email_verification_code(self, email: str) -> None:
        """SendEmailVerificationCode: the sandbox 'mails' a 6-digit code to its outbox."""
        code = f"{secrets.randbelow(10**6):06d}"
        now = utcnow()
        key = f"{self.partner_id}:{email.lower()}"
        with self.store.transaction() as conn:
            row = store.get_row(conn, EMAIL_CODE, self.catalog, key)
            previous = json.loads(row["body"]) if row else None
            live = previous is not None and previous["ExpiresAt"] > now.isoformat()
            sends = previous.get("Sends", 1) + 1 if live else 1
            if sends > EMAIL_CODE_SENDS:
                raise errors.ServiceQuotaExceededException(
                    f"A verification code was already sent to {email} {EMAIL_CODE_SENDS} times. Use the latest code "
                    "(it stays valid for 48 hours), or contact AWS Partner Central Support if it does not arrive.",
                    service=ACCOUNT,
                    reason="LIMIT_EXCEEDED_NUMBER_OF_EMAIL",
                )
            body = {
                "Email": email.lower(),
                "Code": code,
                "ExpiresAt": (now + EMAIL_CODE_TTL).isoformat(),
                "Sends": sends,
            }
            store.delete_row(conn, EMAIL_CODE, self.catalog, key)
            store.insert_row(conn, EMAIL_CODE, self.catalog, key, self.partner_id, body, now)

    def outbox(self) -> list[dict[str, Any]]:
        """The verification codes the sandbox has 'mailed' for this partner (sandbox only)."""
        with self.store.reading() as conn:
            rows = store.list_rows(conn, EMAIL_CODE, self.catalog, self.partner_id)
        return [json.loads(r["body"]) for r in rows]

    def put_alliance_lead_contact(
        self, contact: AllianceLeadContact, email_verification_code: str | None
    ) -> AllianceLeadContact:
        """PutAllianceLeadContact: a new email must carry the code sent to it, once. Putting the contact
        that is already there succeeds without a code (a replayed request changes nothing)."""
        with self.store.transaction() as conn:
            existing = store.get_row(conn, ALLIANCE_LEAD, self.catalog, self.partner_id)
            current = _parse(AllianceLeadContact, existing["body"]) if existing else None
            if current == contact:
                return contact
            if current is None or current.Email.lower() != contact.Email.lower():
                self._consume_email_code(conn, contact.Email, email_verification_code)
            now = utcnow()
            if existing is None:
                store.insert_row(
                    conn, ALLIANCE_LEAD, self.catalog, self.partner_id, self.partner_id, contact.api_dict(), now
                )
            else:
                store.update_row(
                    conn, ALLIANCE_LEAD, self.catalog, self.partner_id, existing["revision"], contact.api_dict(), now
                )
        return contact

    def _consume_email_code(self, conn: sqlite3.Connection, email: str, code: str | None) -> None:
        key = f"{self.partner_id}:{email.lower()}"
        row = store.get_row(conn, EMAIL_CODE, self.catalog, key)
        sent = json.loads(row["body"]) if row else None
        if sent is None or sent["Code"] != code or sent["ExpiresAt"] < utcnow().isoformat():
            raise errors.ValidationException(
                f"The email verification code for {email} is missing, wrong or expired. "
                "Send a new code with SendEmailVerificationCode and use the latest one.",
                service=ACCOUNT,
                reason="BUSINESS_VALIDATION_FAILED",
                field_errors=[errors.FieldError(FieldName="EmailVerificationCode", Message="invalid or expired")],
            )
        store.delete_row(conn, EMAIL_CODE, self.catalog, key)

    # partnercentral-selling

    def get_opportunity(self, opportunity_id: str) -> Opportunity:
        require(SELLING, opportunity_id, OPPORTUNITY_ID_PATTERN, "Identifier", "O1234567")
        return self._one(OPPORTUNITY, opportunity_id, Opportunity, "Opportunity")

    def list_opportunities(self, query: OpportunityQuery) -> OpportunityPage:
        matches = [o for o in self._owned(OPPORTUNITY, Opportunity) if _matches(o, query)]
        matches.sort(key=lambda o: _sort_key(o, query.SortBy), reverse=query.SortOrder == "DESCENDING")
        start = _decode_token(query) if query.NextToken else 0
        page = matches[start : start + query.MaxResults]
        more = start + query.MaxResults < len(matches)
        return OpportunityPage(
            OpportunitySummaries=[o.summary() for o in page],
            NextToken=_encode_token(query, start + query.MaxResults) if more else None,
        )

    # partnercentral-benefits

    def list_benefits(
        self, *, program: str | None = None, fulfillment_types: list[FulfillmentTypeName] | None = None
    ) -> list[BenefitSummary]:
        request: dict[str, Any] = {"Catalog": self.catalog}
        if program is not None:
            request["Programs"] = [program]
        if fulfillment_types:
            request["FulfillmentTypes"] = list(fulfillment_types)
        operations.check_read(BENEFITS, "ListBenefits", request)
        with self.store.reading() as conn:
            rows = store.list_rows(conn, BENEFIT, self.catalog, None)
        benefits = sorted((_parse(Benefit, r["body"]) for r in rows), key=lambda b: b.Name or "")
        return [
            b.summary()
            for b in benefits
            if (program is None or program in b.Programs)
            and (not fulfillment_types or set(fulfillment_types) & set(b.FulfillmentTypes))
        ]

    def get_benefit(self, benefit_id: str) -> Benefit:
        benefit_id = self._resolve(benefit_id, "benefit", BENEFIT_ID_PATTERN, "ben-0123456789abcd")
        return self._one(BENEFIT, benefit_id, Benefit, "Benefit")

    def list_benefit_applications(self) -> list[BenefitApplicationSummary]:
        return [application.summary() for application in self._owned(APPLICATION, BenefitApplication)]

    def get_benefit_application(self, application_id: str) -> BenefitApplication:
        return self._one(APPLICATION, self._application_id(application_id), BenefitApplication, "Benefit application")

    def _application_id(self, identifier: str) -> str:
        return self._resolve(
            identifier, "benefit-application", BENEFIT_APPLICATION_ID_PATTERN, "benappl-0123456789abcd"
        )

    def _resolve(self, identifier: str, resource: str, pattern: str, example: str) -> str:
        """The id an ``Identifier`` names: an id, or the sandbox's ARN of one (any other ARN is not found)."""
        if identifier.startswith("arn:"):
            rid = identifier.rsplit("/", 1)[-1]
            if identifier != self._arn(resource, rid):
                raise errors.ResourceNotFoundException(
                    f"{identifier[:200]} was not found in the {self.catalog} catalog.", service=BENEFITS
                )
            identifier = rid
        require(BENEFITS, identifier, pattern, "Identifier", example)
        return identifier

    def list_benefit_allocations(self) -> list[BenefitAllocation]:
        return self._owned(ALLOCATION, BenefitAllocation)

    def create_benefit_application(
        self,
        *,
        client_token: str,
        benefit_id: str,
        name: str | None,
        description: str | None,
        fulfillment_types: list[str],
        details: dict[str, Any],
        associated_resources: list[str] | None = None,
    ) -> BenefitApplication:
        """CreateBenefitApplication: a fund request in PENDING_SUBMISSION; one per ClientToken."""
        request = {
            "BenefitIdentifier": benefit_id,
            "Name": name,
            "Description": description,
            "FulfillmentTypes": sorted(fulfillment_types),
            "BenefitApplicationDetails": details,
            "AssociatedResources": associated_resources or [],
        }
        with self.store.transaction() as conn:
            replay = self._replay(conn, "CreateBenefitApplication", client_token, request)
            if replay is not None:
                return BenefitApplication.model_validate(replay)
            benefit_id = self._resolve(benefit_id, "benefit", BENEFIT_ID_PATTERN, "ben-0123456789abcd")
            benefit = self._get(conn, BENEFIT, benefit_id, Benefit, "Benefit")[0]
            if benefit.Status != "ACTIVE":
                raise errors.ConflictException(
                    f"Benefit {benefit_id} is {benefit.Status} and takes no applications.", service=BENEFITS
                )
            unsupported = set(fulfillment_types) - set(benefit.FulfillmentTypes)
            if unsupported:
                raise errors.ValidationException(
                    f"Benefit {benefit.Name} offers {', '.join(benefit.FulfillmentTypes)}, not {', '.join(sorted(unsupported))}.",
                    service=BENEFITS,
                    reason="BUSINESS_VALIDATION_FAILED",
                    field_errors=[
                        errors.FieldError(FieldName="FulfillmentTypes", Message="not offered by this benefit")
                    ],
                )
            _check_details(benefit.BenefitRequestSchema or {}, details)
            now = utcnow()
            app_id = new_id("benappl-", 14)
            application = BenefitApplication(
                Id=app_id,
                Arn=self._arn("benefit-application", app_id),
                Catalog=self.catalog,
                BenefitId=benefit_id,
                Name=name,
                Description=description,
                FulfillmentTypes=fulfillment_types,
                BenefitApplicationDetails=details,
                Programs=benefit.Programs,
                Status="PENDING_SUBMISSION",
                Stage="Created",
                CreatedAt=now,
                UpdatedAt=now,
                Revision="1",
                AssociatedResources=associated_resources or [],
            )
            store.insert_row(conn, APPLICATION, self.catalog, app_id, self.partner_id, application.api_dict(), now)
            self._remember(conn, "CreateBenefitApplication", client_token, request, application.api_dict())
        return application

    def update_benefit_application(
        self,
        application_id: str,
        *,
        revision: str,
        name: str | None = None,
        description: str | None = None,
        details: dict[str, Any] | None = None,
        client_token: str | None = None,
    ) -> BenefitApplication:
        """UpdateBenefitApplication: only in PENDING_SUBMISSION, and only at the Revision the caller last read; new
        details must satisfy the benefit's request schema."""
        if details is not None:
            _check_details(self._request_schema(application_id), details)
        changes = {
            k: v
            for k, v in {"Name": name, "Description": description, "BenefitApplicationDetails": details}.items()
            if v is not None
        }
        return self._transition(
            application_id,
            "UpdateBenefitApplication",
            {"PENDING_SUBMISSION"},
            changes,
            expected_revision=revision,
            client_token=client_token,
            request={"Revision": revision, **changes},
            hint=_EDIT,
        )

    def submit_benefit_application(self, application_id: str) -> BenefitApplication:
        """SubmitBenefitApplication: a request in PENDING_SUBMISSION enters its program's first review stage."""
        return self._transition(
            application_id,
            "SubmitBenefitApplication",
            {"PENDING_SUBMISSION"},
            lambda current: {
                "Status": "IN_REVIEW",
                "Stage": next_stage(_category(current), CREATED),
                "StatusReason": None,
            },
            hint=_RESUBMIT,
        )

    def recall_benefit_application(
        self, application_id: str, reason: str, client_token: str | None = None
    ) -> BenefitApplication:
        """RecallBenefitApplication: IN_REVIEW (before Pre-Approved) or REJECTED -> PENDING_SUBMISSION in Created,
        to edit and submit again."""
        return self._transition(
            application_id,
            "RecallBenefitApplication",
            {"IN_REVIEW", "REJECTED"},
            {"Status": "PENDING_SUBMISSION", "Stage": CREATED, "StatusReason": reason},
            client_token=client_token,
            request={"Reason": reason},
        )

    def cancel_benefit_application(
        self, application_id: str, reason: str | None = None, client_token: str | None = None
    ) -> BenefitApplication:
        """CancelBenefitApplication: any request not yet completed -> CANCELED (its stage is kept)."""
        return self._transition(
            application_id,
            "CancelBenefitApplication",
            {"PENDING_SUBMISSION", "IN_REVIEW", "ACTION_REQUIRED", "APPROVED", "REJECTED"},
            {"Status": "CANCELED", "StatusReason": reason},
            guard=lambda current: "a completed request cannot be cancelled" if current.Stage == COMPLETED else None,
            client_token=client_token,
            request={"Reason": reason},
        )

    def amend_benefit_application(
        self,
        application_id: str,
        *,
        revision: str,
        reason: str,
        amendments: list[dict[str, str]],
        client_token: str | None = None,
    ) -> BenefitApplication:
        """AmendBenefitApplication: corrections while IN_REVIEW, changes once APPROVED (not once Completed). Each
        ``FieldPath`` is a JSONPath (``$.EndDate``, ``$.Audience.Region``) to a member of the benefit's request
        schema; the amended details must satisfy the schema there."""
        application_id = self._application_id(application_id)
        schema = self._request_schema(application_id)

        def amended(current: BenefitApplication) -> dict[str, Any]:
            return {
                "BenefitApplicationDetails": _amended_details(schema, current.BenefitApplicationDetails, amendments),
                "StatusReason": reason,
            }

        return self._transition(
            application_id,
            "AmendBenefitApplication",
            {"IN_REVIEW", "APPROVED"},
            amended,
            expected_revision=revision,
            guard=lambda current: "it is completed" if current.Stage == COMPLETED else None,
            client_token=client_token,
            request={"Revision": revision, "AmendmentReason": reason, "Amendments": amendments},
        )

    def delete_benefit_application(self, application_id: str, client_token: str | None = None) -> None:
        """Delete a request in the Created stage (the console's delete; the API has no operation for it).
        A ClientToken replays like the API's writes do (a sandbox rule: the console has no such token)."""
        application_id = self._application_id(application_id)
        request = {"Identifier": application_id}
        with self.store.transaction() as conn:
            if self._replay(conn, "DeleteBenefitApplication", client_token, request) is not None:
                return
            current, _ = self._get(conn, APPLICATION, application_id, BenefitApplication, "Benefit application")
            if current.Stage != CREATED or current.Status not in ("PENDING_SUBMISSION", "REJECTED"):
                raise errors.ConflictException(
                    f"Benefit application {application_id} is in stage {current.Stage} ({current.Status}); only a request "
                    "in the Created stage can be deleted.",
                    service=BENEFITS,
                )
            store.delete_row(conn, APPLICATION, self.catalog, application_id)
            self._remember(conn, "DeleteBenefitApplication", client_token, request, {})

    def attach_file(
        self, application_id: str, path: str, business_use_case: str, client_token: str | None = None
    ) -> BenefitApplication:
        """'Upload' a copy into the sandbox's bucket and scan it as AWS does (formulas -> Quarantined), once the
        request may take it. A ClientToken replays like the API's writes do (a sandbox rule)."""

        def attached(current: BenefitApplication) -> dict[str, Any]:
            try:
                scan = check_file(Path(path))
            except AttachmentError as exc:
                raise errors.invalid_request(
                    BENEFITS,
                    str(exc),
                    [errors.FieldError(FieldName="FileDetails[0].FileURI", Message="cannot be attached")],
                ) from None
            bucket = self.store.path.parent / "uploads" / application_id
            bucket.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, bucket / Path(path).name)
            detail = {
                "FileURI": f"s3://partner-agent-sandbox/{application_id}/{Path(path).name}",
                "BusinessUseCase": business_use_case,
                "FileName": Path(path).name,
                "FileType": scan.file_type,
                "FileStatus": scan.status,
                "FileStatusReason": scan.reason,
                "CreatedBy": self.partner_id,
                "CreatedAt": utcnow(),
            }
            kept = [f for f in current.FileDetails if f.FileName != Path(path).name]  # re-attaching replaces
            return {"FileDetails": [*(f.model_dump() for f in kept), detail]}

        return self._transition(
            application_id,
            "AttachFile",
            {"PENDING_SUBMISSION", "IN_REVIEW", "ACTION_REQUIRED", "APPROVED", "REJECTED"},
            attached,
            client_token=client_token,
            request={"FileURI": path, "BusinessUseCase": business_use_case},
        )

    # Marketplace seller setup and PRM evidence

    def get_seller_setup(self) -> SellerSetup:
        return self._one(SELLER_SETUP, self.partner_id, SellerSetup, "Seller setup of")

    def get_prm_evidence(self) -> PrmEvidence:
        return self._one(PRM_EVIDENCE, self.partner_id, PrmEvidence, "PRM evidence of")

    # write helpers

    def _arn(self, resource: str, rid: str) -> str:
        return f"arn:aws:partnercentral:us-east-1:000000000000:catalog/{self.catalog}/{resource}/{rid}"

    def _replay(self, conn: sqlite3.Connection, operation: str, client_token: str | None, request: dict) -> dict | None:
        """The recorded response when this ClientToken was used before with the same request (no token: None); a
        ConflictException, as the operation's service gives it, when it was used for a different request."""
        if client_token is None:
            return None
        recorded = store.recorded_response(conn, self.partner_id, operation, client_token)
        if recorded is None:
            return None
        digest, response = recorded
        if digest != store.request_digest(request):
            service = operations.service_of(operation)
            raise errors.ConflictException(
                f"ClientToken '{client_token}' was already used for a different {operation} request. "
                "Use a new ClientToken for a new request.",
                service=service,
                reason=errors.reason_for(service, "ConflictException", "CONFLICT_CLIENT_TOKEN"),
            )
        return response

    def _remember(
        self, conn: sqlite3.Connection, operation: str, client_token: str | None, request: dict, response: dict
    ) -> None:
        """Record a write's response under its ClientToken, in the write's transaction, for `_replay`."""
        if client_token is not None:
            store.record_response(
                conn, self.partner_id, operation, client_token, store.request_digest(request), response
            )

    def _transition(
        self,
        application_id: str,
        operation: str,
        allowed_from: set[str],
        changes: dict[str, Any] | Callable[[BenefitApplication], dict[str, Any]],
        expected_revision: str | None = None,
        guard: Callable[[BenefitApplication], str | None] | None = None,
        client_token: str | None = None,
        request: dict[str, Any] | None = None,
        hint: dict[str, str] | None = None,
    ) -> BenefitApplication:
        """Change a fund request that is in one of ``allowed_from`` (and passes ``guard``), in one transaction.
        With a ClientToken, ``request`` (the call's members besides the Identifier) tells a replay, which returns
        the first call's result, from a different call. ``hint`` says what to do instead, by the refused status."""
        application_id = self._application_id(application_id)
        request = {"Identifier": application_id, **(request or {})}
        with self.store.transaction() as conn:
            if (replay := self._replay(conn, operation, client_token, request)) is not None:
                return BenefitApplication.model_validate(replay)
            current, row_revision = self._application_row(conn, application_id)
            if expected_revision is not None and expected_revision != current.Revision:
                raise errors.ConflictException(
                    f"Benefit application {application_id} is at revision {current.Revision}, not {expected_revision}: "
                    "it changed since you read it. Read it again and re-apply your change.",
                    service=BENEFITS,
                )
            if current.Status not in allowed_from:
                instead = (hint or {}).get(current.Status)
                problem = f"it is {current.Status}; it needs one of: {', '.join(sorted(allowed_from))}" + (
                    f"; {instead}" if instead else ""
                )
            else:
                problem = guard(current) if guard else None
            if problem:
                raise errors.ConflictException(
                    f"{operation} is not allowed on benefit application {application_id}: {problem}.",
                    service=BENEFITS,
                )
            updated = self._save_application(
                conn, current, row_revision, changes(current) if callable(changes) else changes
            )
            self._remember(conn, operation, client_token, request, updated.api_dict())
        return updated

    def _request_schema(self, application_id: str) -> dict[str, Any]:
        """The BenefitRequestSchema of the benefit the fund request applies for."""
        return self.get_benefit(self.get_benefit_application(application_id).BenefitId).BenefitRequestSchema or {}

    def _application_row(self, conn: sqlite3.Connection, application_id: str) -> tuple[BenefitApplication, int]:
        return self._get(conn, APPLICATION, application_id, BenefitApplication, "Benefit application")

    def _save_application(
        self, conn: sqlite3.Connection, current: BenefitApplication, row_revision: int, changes: dict[str, Any]
    ) -> BenefitApplication:
        """Write ``changes`` to a fund request read in this transaction, at its next Revision."""
        now = utcnow()
        updated = BenefitApplication.model_validate(
            {**current.model_dump(), **changes, "UpdatedAt": now, "Revision": str(int(current.Revision) + 1)}
        )
        store.update_row(conn, APPLICATION, self.catalog, current.Id, row_revision, updated.api_dict(), now)
        return updated


_RESUBMIT = {
    "REJECTED": "recall it first (RecallBenefitApplication) to return it to PENDING_SUBMISSION, then update and submit it",
}
"""What to do instead of submitting a request, by its status."""
_EDIT = {
    **_RESUBMIT,
    "IN_REVIEW": "recall it first (RecallBenefitApplication) to edit it, or amend it (AmendBenefitApplication)",
    "APPROVED": "amend it instead (AmendBenefitApplication)",
}
"""What to do instead of updating a request, by its status."""


def _check_details(schema: dict[str, Any], details: dict[str, Any]) -> None:
    """A ValidationException naming each place where ``details`` break the benefit's request schema."""
    found = request_details.problems(schema, details)
    if found:
        raise errors.ValidationException(
            f"BenefitApplicationDetails do not satisfy the benefit's request schema ({len(found)} problem(s)); "
            "nothing was changed.",
            service=BENEFITS,
            reason="fieldValidationFailed",
            field_errors=[
                errors.FieldError(
                    FieldName="BenefitApplicationDetails" + request_details.json_path(e)[1:],
                    Code="INVALID_VALUE",
                    Message=e.message[:200],
                )
                for e in found[:10]
            ],
        )


def _amended_details(
    schema: dict[str, Any], current: dict[str, Any], amendments: list[dict[str, str]]
) -> dict[str, Any]:
    """``current`` with each amendment applied; a ValidationException names every amendment that cannot be."""
    result, applied, problems = current, [], []
    for index, amendment in enumerate(amendments):
        names = request_details.field_path(amendment["FieldPath"])
        member = request_details.member(schema, names) if names else None
        if member is None:
            example = next(iter(schema.get("properties", {})), "Member")
            problems.append(
                errors.FieldError(
                    FieldName=f"Amendments[{index}].FieldPath",
                    Code="INVALID_VALUE",
                    Message=f"{amendment['FieldPath'][:80]!r} names no member of the benefit's request schema; give a "
                    f"JSONPath to one, such as $.{example}",
                )
            )
            continue
        result = request_details.amended(result, names, request_details.typed(amendment["NewValue"], member))
        applied.append((index, amendment["FieldPath"]))
    for error in request_details.problems(schema, result):
        where = request_details.json_path(error)
        index = next((i for i, path in applied if where == path or where.startswith((path + ".", path + "["))), None)
        if index is not None:  # what the amendments did not touch is not theirs to report
            problems.append(
                errors.FieldError(
                    FieldName=f"Amendments[{index}].NewValue",
                    Code="INVALID_VALUE",
                    Message=f"{where}: {error.message[:200]}",
                )
            )
    if problems:
        raise errors.ValidationException(
            f"The amendments cannot be applied ({len(problems)} problem(s)); nothing was changed.",
            service=BENEFITS,
            reason="fieldValidationFailed",
            field_errors=problems,
        )
    return result


_UNMODELLED: dict[str, frozenset[str]] = {
    "CreateBenefitApplication": frozenset({"Tags", "PartnerContacts", "FileDetails"}),
    "UpdateBenefitApplication": frozenset({"PartnerContacts", "FileDetails"}),
    "CreateServiceLinkedRole": frozenset({"Description", "CustomSuffix"}),
    "CreateOpportunity": frozenset({"Tags", "Marketing", "SoftwareRevenue", "Origin"}),
    "UpdateOpportunity": frozenset({"Marketing", "SoftwareRevenue"}),
    "StartEngagementFromOpportunityTask": frozenset({"Tags"}),
    "StartEngagementByAcceptingInvitationTask": frozenset({"Tags"}),
}
"""API members the sandbox cannot honour (a local file is attached with the AttachFile console action)."""


def _as_body(result: BaseModel | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(result, BaseModel):
        return result.model_dump()
    return result or {}


def _put_alliance_lead_contact(pc: LocalPartnerCentral, r: dict[str, Any]) -> dict[str, Any]:
    contact = pc.put_alliance_lead_contact(
        AllianceLeadContact.model_validate(r["AllianceLeadContact"]), r.get("EmailVerificationCode")
    )
    return {
        "Catalog": pc.catalog,
        "Arn": pc._arn("partner", pc.partner_id),
        "Id": pc.partner_id,
        "AllianceLeadContact": contact.model_dump(),
    }


def _create_service_linked_role(pc: LocalPartnerCentral, r: dict[str, Any]) -> None:
    if r["AWSServiceName"] != RESALE_AUTHORIZATION_SERVICE:
        raise errors.UnsupportedOperationException(
            f"The sandbox has one service-linked role, for {RESALE_AUTHORIZATION_SERVICE}; it cannot create one for "
            f"{r['AWSServiceName']}."
        )
    pc.create_resale_authorization_role()


def _delete(pc: LocalPartnerCentral, r: dict[str, Any]) -> dict[str, Any]:
    pc.delete_benefit_application(r["Identifier"], r["ClientToken"])
    return {"Id": r["Identifier"], "Status": "DELETED"}


def _attach_file(pc: LocalPartnerCentral, r: dict[str, Any]) -> FileDetail:
    [file] = r["FileDetails"]  # exactly one: the console action's input shape says so
    application = pc.attach_file(r["Identifier"], file["FileURI"], file["BusinessUseCase"], r["ClientToken"])
    return next(f for f in application.FileDetails if f.FileName == Path(file["FileURI"]).name)


_SENDS: dict[str, Callable[[LocalPartnerCentral, dict[str, Any]], BaseModel | dict[str, Any] | None]] = {
    # partnercentral-account
    "PutProfileVisibility": lambda pc, r: pc.put_profile_visibility(r["Visibility"]),
    "PutAllianceLeadContact": _put_alliance_lead_contact,
    "StartProfileUpdateTask": lambda pc, r: pc.start_profile_update_task(
        ProfileDetails.model_validate(r["TaskDetails"]), r["ClientToken"]
    ),
    "AssociateAwsTrainingCertificationEmailDomain": lambda pc, r: pc.associate_training_domain(
        r["Email"], r["EmailVerificationCode"], r["ClientToken"]
    ),
    "DisassociateAwsTrainingCertificationEmailDomain": lambda pc, r: pc.disassociate_training_domain(
        r["DomainName"], r["ClientToken"]
    ),
    "CreateConnectionInvitation": lambda pc, r: pc.create_connection_invitation(
        client_token=r["ClientToken"],
        connection_type=r["ConnectionType"],
        receiver=r["ReceiverIdentifier"],
        email=r["Email"],
        name=r["Name"],
        message=r["Message"],
    ),
    "AcceptConnectionInvitation": lambda pc, r: {
        "Connection": pc.accept_connection_invitation(r["Identifier"], r["ClientToken"]).model_dump()
    },
    "RejectConnectionInvitation": lambda pc, r: pc.reject_connection_invitation(
        r["Identifier"], r["ClientToken"], r.get("Reason")
    ),
    "CancelConnectionInvitation": lambda pc, r: pc.cancel_connection_invitation(r["Identifier"], r["ClientToken"]),
    # partnercentral-benefits
    "CreateBenefitApplication": lambda pc, r: pc.create_benefit_application(
        client_token=r["ClientToken"],
        benefit_id=r["BenefitIdentifier"],
        name=r.get("Name"),
        description=r.get("Description"),
        fulfillment_types=r.get("FulfillmentTypes", []),
        details=r.get("BenefitApplicationDetails", {}),
        associated_resources=r.get("AssociatedResources"),
    ),
    "UpdateBenefitApplication": lambda pc, r: pc.update_benefit_application(
        r["Identifier"],
        revision=r["Revision"],
        name=r.get("Name"),
        description=r.get("Description"),
        details=r.get("BenefitApplicationDetails"),
        client_token=r["ClientToken"],
    ),
    "SubmitBenefitApplication": lambda pc, r: pc.submit_benefit_application(r["Identifier"]),
    "RecallBenefitApplication": lambda pc, r: pc.recall_benefit_application(
        r["Identifier"], r["Reason"], r.get("ClientToken")
    ),
    "CancelBenefitApplication": lambda pc, r: pc.cancel_benefit_application(
        r["Identifier"], r.get("Reason"), r["ClientToken"]
    ),
    "AmendBenefitApplication": lambda pc, r: pc.amend_benefit_application(
        r["Identifier"],
        revision=r["Revision"],
        reason=r["AmendmentReason"],
        amendments=r["Amendments"],
        client_token=r["ClientToken"],
    ),
    # partnercentral-selling
    "CreateOpportunity": lambda pc, r: pc.create_opportunity(r),
    "UpdateOpportunity": lambda pc, r: pc.update_opportunity(r),
    "AssociateOpportunity": lambda pc, r: pc.associate_opportunity(r),
    "DisassociateOpportunity": lambda pc, r: pc.associate_opportunity(r, associate=False),
    "StartEngagementFromOpportunityTask": lambda pc, r: pc.start_engagement_from_opportunity(r),
    "StartEngagementByAcceptingInvitationTask": lambda pc, r: pc.accept_engagement_invitation(r),
    "RejectEngagementInvitation": lambda pc, r: pc.reject_engagement_invitation(r),
    # iam
    "CreateServiceLinkedRole": _create_service_linked_role,
    # console actions
    "DeleteBenefitApplication": _delete,
    "SubmitCashClaim": lambda pc, r: pc.submit_cash_claim(r["Identifier"], r["Amount"], r["ClientToken"]).api_dict(),
    "UpdateCashClaim": lambda pc, r: pc.update_cash_claim(
        r["Identifier"], r["ClaimId"], r["Amount"], r["ClientToken"]
    ).api_dict(),
    "AttachFile": _attach_file,
}
"""How the sandbox makes each write: its method for it, called with exactly the request's members."""


def _category(application: BenefitApplication) -> str:
    return application.Programs[0] if application.Programs else "Misc"


def _matches(o: Opportunity, q: OpportunityQuery) -> bool:
    life = o.LifeCycle
    company = o.Customer.Account.CompanyName if o.Customer and o.Customer.Account else ""
    return (
        (not q.LifeCycleStage or (life is not None and life.Stage in q.LifeCycleStage))
        and (not q.LifeCycleReviewStatus or (life is not None and life.ReviewStatus in q.LifeCycleReviewStatus))
        and (not q.CustomerCompanyName or any(n.lower() in company.lower() for n in q.CustomerCompanyName))
        and (not q.Identifier or o.Id in q.Identifier)
    )


def _sort_key(o: Opportunity, sort_by: str) -> tuple:
    return {
        "LastModifiedDate": (o.LastModifiedDate, o.Id),
        "CreatedDate": (o.CreatedDate, o.Id),
        "Identifier": (int(o.Id[1:]),),
        "CustomerCompanyName": (
            (o.Customer.Account.CompanyName if o.Customer and o.Customer.Account else "").lower(),
            o.Id,
        ),
        "TargetCloseDate": ((o.LifeCycle.TargetCloseDate if o.LifeCycle else None) or "", o.Id),
    }[sort_by]


def _query_fingerprint(q: OpportunityQuery) -> str:
    return store.request_digest(q.model_dump(exclude={"NextToken", "MaxResults"}))[:16]


def _encode_token(q: OpportunityQuery, offset: int) -> str:
    raw = json.dumps({"o": offset, "q": _query_fingerprint(q)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(q: OpportunityQuery) -> int:
    token = q.NextToken or ""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, fingerprint = int(data["o"]), data["q"]
    except (ValueError, KeyError, TypeError):
        raise _invalid_next_token(
            "NextToken is not valid. Pass the NextToken returned by the previous page unchanged, "
            "or omit it to start over."
        ) from None
    if fingerprint != _query_fingerprint(q) or offset < 0:
        raise _invalid_next_token(
            "NextToken belongs to a request with different filters or sorting. Repeat the same "
            "filters, or omit NextToken."
        )
    return offset


def _invalid_next_token(message: str) -> errors.ValidationException:
    return errors.invalid_request(SELLING, message, [errors.FieldError(FieldName="NextToken", Message="not valid")])
