"""The sandbox's co-selling operations: opportunities created and updated, solutions associated, opportunities
shared with AWS, AWS referrals (engagement invitations) accepted or rejected, and AWS's side of an opportunity.

A mixin of `LocalPartnerCentral` (it uses that class's store and helpers). It follows the Selling API
documentation: UpdateOpportunity replaces the whole opportunity and only at the LastModifiedDate the caller read
(a ConflictException otherwise); an opportunity Submitted or In review cannot be edited; CreateOpportunity and
StartEngagementFromOpportunityTask replay by ClientToken. The sandbox's own rules, where the documentation is silent:

- a submission (StartEngagementFromOpportunityTask) is checked on the readiness rules of `agent.cosell.readiness`;
  an opportunity that misses one ends its task FAILED (OpportunityValidationFailed, the fields named in its
  Message), one not in Pending Submission or Action Required FAILED with OpportunityConflict; tasks end at once;
- `LocalSandbox.advance_opportunity` plays AWS's reviewer: Submitted -> In review -> Approved, or Rejected with a
  reason; once Approved, AWS's side (GetAwsOpportunitySummary) has a team, an engagement score and next steps;
- accepting a referral creates the partner's opportunity from the invitation's payload, Qualified and Approved
  (AWS originated it), with AWS's side already there; RejectEngagementInvitation takes the reasons its
  documentation lists as acceptable, no other;
- of the related entity types, Solutions (which must be this partner's active solutions), AwsProducts and
  AwsMarketplaceOffers are modelled.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any, get_args

from agent.backends import errors
from agent.backends.errors import SELLING
from agent.backends.local import store
from agent.cosell import readiness
from agent.models.selling import (
    AwsOpportunitySummary,
    EngagementInvitation,
    EngagementTask,
    Opportunity,
    RejectionReason,
    Solution,
)
from agent.storage import utcnow

ENGAGEMENT_INVITATION = "engagement_invitation"
SOLUTION = "solution"
AWS_SUMMARY = "aws_opportunity_summary"
ENGAGEMENT_TASK = "engagement_task"
OPPORTUNITY = "opportunity"

REPLACED_MEMBERS = (
    "PrimaryNeedsFromAws",
    "NationalSecurity",
    "PartnerOpportunityIdentifier",
    "Customer",
    "Project",
    "OpportunityType",
)
"""The members UpdateOpportunity replaces (LifeCycle too, its read-only members kept)."""
READ_ONLY_LIFECYCLE = ("ReviewStatus", "ReviewComments", "ReviewStatusReason", "NextStepsHistory")
IN_AWS_REVIEW = ("Submitted", "In review")
MODELLED_ENTITIES = {
    "Solutions": "Solutions",
    "AwsProducts": "AwsProducts",
    "AwsMarketplaceOffers": "AwsMarketplaceOffers",
}


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def invitation_view(record: dict[str, Any], now: datetime) -> EngagementInvitation:
    """An invitation record as the receiver sees it (a pending one past its expiration reads EXPIRED)."""
    invitation = EngagementInvitation.model_validate(record)
    if invitation.Status == "PENDING" and invitation.ExpirationDate and invitation.ExpirationDate <= now:
        invitation = invitation.model_copy(update={"Status": "EXPIRED"})
    return invitation


class SellingOperations:
    """Co-selling for one partner account of the sandbox (see the module's rules)."""

    # reads

    def list_solutions(self) -> list[Solution]:
        return sorted(self._owned(SOLUTION, Solution), key=lambda s: s.Id)

    def get_aws_opportunity_summary(self, opportunity_id: str) -> AwsOpportunitySummary:
        self.get_opportunity(opportunity_id)  # malformed or another partner's: as GetOpportunity says
        with self.store.reading() as conn:
            row = store.get_row(conn, AWS_SUMMARY, self.catalog, opportunity_id)
        if row is None:
            raise errors.ResourceNotFoundException(
                f"AWS has no summary of opportunity {opportunity_id}: it was never shared with AWS.", service=SELLING
            )
        return AwsOpportunitySummary.model_validate_json(row["body"])

    def list_engagement_invitations(self) -> list[EngagementInvitation]:
        now = utcnow()
        with self.store.reading() as conn:
            rows = store.list_rows(conn, ENGAGEMENT_INVITATION, self.catalog, self.partner_id)
        invitations = [invitation_view(json.loads(r["body"]), now) for r in rows]
        return sorted(invitations, key=lambda i: i.InvitationDate or now, reverse=True)

    def get_engagement_invitation(self, invitation_id: str) -> EngagementInvitation:
        with self.store.reading() as conn:
            record = self._invitation_record(conn, invitation_id)
        return invitation_view(record, utcnow())

    def get_engagement_task(self, operation: str, task_id: str) -> EngagementTask:
        with self.store.reading() as conn:
            row = store.get_row(conn, ENGAGEMENT_TASK, self.catalog, task_id)
        if row is None or row["owner"] != self.partner_id or json.loads(row["body"])["Operation"] != operation:
            raise errors.ResourceNotFoundException(f"Task {task_id[:80]} was not found.", service=SELLING)
        return EngagementTask.model_validate_json(row["body"])

    # writes

    def create_opportunity(self, request: dict[str, Any]) -> dict[str, Any]:
        """CreateOpportunity: an opportunity in Pending Submission; one per ClientToken."""
        token = request["ClientToken"]
        members = {k: v for k, v in request.items() if k not in ("ClientToken", "Catalog")}
        with self.store.transaction() as conn:
            if (replay := self._replay(conn, "CreateOpportunity", token, members)) is not None:
                return replay
            now = utcnow()
            oid = f"O{now.strftime('%y%m%d')}{store.request_digest([token, self.partner_id])[:6].translate(_DIGITS)}"
            while store.get_row(conn, OPPORTUNITY, self.catalog, oid) is not None:
                oid = f"O{int(oid[1:]) + 1}"
            life = {**members.get("LifeCycle", {}), "ReviewStatus": "Pending Submission"}
            body = {k: members[k] for k in REPLACED_MEMBERS if k in members}
            opportunity = self._valid(
                {
                    **body,
                    "LifeCycle": life,
                    "Id": oid,
                    "Arn": self._arn("opportunity", oid),
                    "Catalog": self.catalog,
                    "CreatedDate": now,
                    "LastModifiedDate": now,
                    "OpportunityTeam": members.get("OpportunityTeam", []),
                },
                now,
            )
            store.insert_row(conn, OPPORTUNITY, self.catalog, oid, self.partner_id, opportunity.api_dict(), now)
            response = {"Id": oid, "LastModifiedDate": opportunity.LastModifiedDate.isoformat()}
            if "PartnerOpportunityIdentifier" in members:
                response["PartnerOpportunityIdentifier"] = members["PartnerOpportunityIdentifier"]
            self._remember(conn, "CreateOpportunity", token, members, response)
        return response

    def update_opportunity(self, request: dict[str, Any]) -> dict[str, Any]:
        """UpdateOpportunity: the whole opportunity replaced (members left out become empty), only at the
        LastModifiedDate the caller read and not while AWS reviews it."""
        oid = request["Identifier"]
        with self.store.transaction() as conn:
            current, revision = self._opportunity_row(conn, oid)
            if _when(request["LastModifiedDate"]) != current.LastModifiedDate:
                raise errors.ConflictException(
                    f"Opportunity {oid} was modified at {current.LastModifiedDate.isoformat()}, after the "
                    "LastModifiedDate sent: someone changed it since you read it. Read it again and re-apply your "
                    "change.",
                    service=SELLING,
                )
            review = current.LifeCycle.ReviewStatus if current.LifeCycle else None
            if review in IN_AWS_REVIEW:
                raise errors.ConflictException(
                    f"Opportunity {oid} is {review}: it cannot be edited until AWS's review ends.", service=SELLING
                )
            now = max(utcnow(), current.LastModifiedDate + timedelta(microseconds=1))
            kept = current.LifeCycle.model_dump(include=set(READ_ONLY_LIFECYCLE)) if current.LifeCycle else {}
            life = {**request.get("LifeCycle", {}), **kept}
            previous_steps = current.LifeCycle.NextSteps if current.LifeCycle else None
            if life.get("NextSteps") and life["NextSteps"] != previous_steps:
                life["NextStepsHistory"] = [
                    *kept.get("NextStepsHistory", []),
                    {"Value": life["NextSteps"], "Time": now},
                ]
            identity = current.model_dump(
                include={"Id", "Arn", "Catalog", "CreatedDate", "RelatedEntityIdentifiers", "OpportunityTeam"}
            )
            body = {k: request[k] for k in REPLACED_MEMBERS if k in request}
            updated = self._valid({**identity, **body, "LifeCycle": life, "LastModifiedDate": now}, now)
            store.update_row(conn, OPPORTUNITY, self.catalog, oid, revision, updated.api_dict(), now)
        return {"Id": oid, "LastModifiedDate": now.isoformat()}

    def associate_opportunity(self, request: dict[str, Any], associate: bool = True) -> None:
        """AssociateOpportunity / DisassociateOpportunity: a related entity added to or taken from the opportunity
        (associating one already there, or taking away one that is not, changes nothing)."""
        oid, kind, entity = (
            request["OpportunityIdentifier"],
            request["RelatedEntityType"],
            request["RelatedEntityIdentifier"],
        )
        if kind not in MODELLED_ENTITIES:
            raise errors.UnsupportedOperationException(
                f"The sandbox models the related entity types {', '.join(MODELLED_ENTITIES)}, not {kind}."
            )
        with self.store.transaction() as conn:
            current, revision = self._opportunity_row(conn, oid)
            if kind == "Solutions" and associate:
                row = store.get_row(conn, SOLUTION, self.catalog, entity)
                solution = (
                    Solution.model_validate_json(row["body"]) if row and row["owner"] == self.partner_id else None
                )
                if solution is None or solution.Status != "Active":
                    raise errors.ValidationException(
                        f"{entity[:80]} is not an active solution of this partner (ListSolutions shows them).",
                        service=SELLING,
                        reason="BUSINESS_VALIDATION_FAILED",
                        field_errors=[
                            errors.FieldError(
                                FieldName="RelatedEntityIdentifier",
                                Message="not an active solution",
                                Code="INVALID_RESOURCE_STATE",
                            )
                        ],
                    )
            related = current.RelatedEntityIdentifiers.model_dump()
            values = [v for v in related.get(kind, []) if v != entity] + ([entity] if associate else [])
            if values == related.get(kind, []) or sorted(values) == sorted(related.get(kind, [])):
                return None
            now = utcnow()
            updated = current.model_copy(
                update={
                    "RelatedEntityIdentifiers": current.RelatedEntityIdentifiers.model_copy(update={kind: values}),
                    "LastModifiedDate": now,
                }
            )
            store.update_row(conn, OPPORTUNITY, self.catalog, oid, revision, updated.api_dict(), now)
        return None

    def start_engagement_from_opportunity(self, request: dict[str, Any]) -> dict[str, Any]:
        """StartEngagementFromOpportunityTask: share the opportunity with AWS; the task ends at once."""
        token, oid = request["ClientToken"], request["Identifier"]
        members = {k: v for k, v in request.items() if k not in ("ClientToken", "Catalog")}
        submission = request["AwsSubmission"]
        with self.store.transaction() as conn:
            if (replay := self._replay(conn, "StartEngagementFromOpportunityTask", token, members)) is not None:
                return replay
            current, revision = self._opportunity_row(conn, oid)
            now = utcnow()
            found = readiness.blocking(readiness.issues(current, submission["InvolvementType"], now.date()))
            task: dict[str, Any] = {
                "TaskId": _new_task_id(token, self.partner_id),
                "StartTime": now.isoformat(),
                "OpportunityId": oid,
            }
            if found:
                conflict = [i for i in found if i.field == "LifeCycle.ReviewStatus"]
                task.update(
                    TaskStatus="FAILED",
                    ReasonCode="OpportunityConflict" if conflict else "OpportunityValidationFailed",
                    Message="; ".join(f"{i.field}: {i.problem}" for i in found)[:1000],
                )
            else:
                engagement = "eng-" + store.request_digest([oid, token])[:14]
                task.update(TaskStatus="COMPLETE", EngagementId=engagement, Message="The opportunity was submitted.")
                life = current.LifeCycle.model_copy(update={"ReviewStatus": "Submitted", "ReviewStatusReason": None})
                updated = current.model_copy(update={"LifeCycle": life, "LastModifiedDate": now})
                store.update_row(conn, OPPORTUNITY, self.catalog, oid, revision, updated.api_dict(), now)
                summary = AwsOpportunitySummary(
                    Catalog=self.catalog,
                    RelatedOpportunityId=oid,
                    Origin="Partner Referral",
                    InvolvementType=submission["InvolvementType"],
                    Visibility=submission.get("Visibility", "Full"),
                    LifeCycle={"Stage": "Prospect", "TargetCloseDate": life.TargetCloseDate},
                )
                self._put(conn, AWS_SUMMARY, oid, summary.api_dict(), now)
            task["TaskArn"] = self._arn("engagement-from-opportunity-task", task["TaskId"])
            self._put(
                conn, ENGAGEMENT_TASK, task["TaskId"], {**task, "Operation": "StartEngagementFromOpportunityTask"}, now
            )
            self._remember(conn, "StartEngagementFromOpportunityTask", token, members, task)
        return task

    def accept_engagement_invitation(self, request: dict[str, Any]) -> dict[str, Any]:
        """StartEngagementByAcceptingInvitationTask: the referral becomes this partner's opportunity."""
        token = request["ClientToken"]
        members = {k: v for k, v in request.items() if k not in ("ClientToken", "Catalog")}
        with self.store.transaction() as conn:
            if (replay := self._replay(conn, "StartEngagementByAcceptingInvitationTask", token, members)) is not None:
                return replay
            record = self._invitation_record(conn, request["Identifier"])
            now = utcnow()
            invitation = self._pending(record, now)
            payload = invitation.Payload.OpportunityInvitation
            oid = f"O{now.strftime('%y%m%d')}{store.request_digest([invitation.Id])[:6].translate(_DIGITS)}"
            customer = payload.Customer
            opportunity = self._valid(
                {
                    "Id": oid,
                    "Arn": self._arn("opportunity", oid),
                    "Catalog": self.catalog,
                    "CreatedDate": now,
                    "LastModifiedDate": now,
                    "OpportunityType": payload.OpportunityType,
                    "Customer": {
                        "Account": {
                            "CompanyName": customer.CompanyName,
                            "Industry": customer.Industry,
                            "WebsiteUrl": customer.WebsiteUrl,
                            "Address": {"CountryCode": customer.CountryCode},
                        }
                    },
                    "Project": {
                        "Title": payload.Project.Title,
                        "CustomerBusinessProblem": payload.Project.BusinessProblem,
                        "ExpectedCustomerSpend": [s.api_dict() for s in payload.Project.ExpectedCustomerSpend],
                    },
                    "LifeCycle": {
                        "Stage": "Qualified",
                        "ReviewStatus": "Approved",
                        "TargetCloseDate": payload.Project.TargetCompletionDate,
                    },
                },
                None,
            )
            store.insert_row(conn, OPPORTUNITY, self.catalog, oid, self.partner_id, opportunity.api_dict(), now)
            team = [
                {"Email": c.Email, "FirstName": c.FirstName, "LastName": c.LastName, "BusinessTitle": "AWSSalesRep"}
                for c in payload.SenderContacts
            ]
            summary = AwsOpportunitySummary.model_validate(
                {
                    "Catalog": self.catalog,
                    "RelatedOpportunityId": oid,
                    "Origin": "AWS Referral",
                    "InvolvementType": "Co-Sell",
                    "Visibility": "Full",
                    "OpportunityTeam": team,
                    "LifeCycle": {
                        "Stage": "Engaged",
                        "TargetCloseDate": payload.Project.TargetCompletionDate,
                        "NextSteps": "Partner to contact the customer within 5 business days.",
                    },
                    "Insights": {"EngagementScore": "High"},
                }
            )
            self._put(conn, AWS_SUMMARY, oid, summary.api_dict(), now)
            record.update(Status="ACCEPTED")
            self._save_invitation(conn, record, now)
            task = {
                "TaskId": _new_task_id(token, self.partner_id),
                "StartTime": now.isoformat(),
                "TaskStatus": "COMPLETE",
                "OpportunityId": oid,
                "EngagementInvitationId": invitation.Id,
                "Message": "The invitation was accepted and the opportunity created.",
            }
            task["TaskArn"] = self._arn("engagement-by-accepting-invitation-task", task["TaskId"])
            self._put(
                conn,
                ENGAGEMENT_TASK,
                task["TaskId"],
                {**task, "Operation": "StartEngagementByAcceptingInvitationTask"},
                now,
            )
            self._remember(conn, "StartEngagementByAcceptingInvitationTask", token, members, task)
        return task

    def reject_engagement_invitation(self, request: dict[str, Any]) -> None:
        """RejectEngagementInvitation, with one of the reasons its documentation lists."""
        reason = request.get("RejectionReason")
        if reason is not None and reason not in get_args(RejectionReason):
            raise errors.invalid_request(
                SELLING,
                f"RejectionReason {reason[:80]!r} is not an acceptable value.",
                [
                    errors.FieldError(
                        FieldName="RejectionReason",
                        Message="one of: " + ", ".join(get_args(RejectionReason)),
                        Code="INVALID_ENUM_VALUE",
                    )
                ],
            )
        with self.store.transaction() as conn:
            record = self._invitation_record(conn, request["Identifier"])
            now = utcnow()
            self._pending(record, now)
            record.update(Status="REJECTED", RejectionReason=reason)
            self._save_invitation(conn, record, now)

    # helpers

    def _valid(self, body: dict[str, Any], now: datetime | None) -> Opportunity:
        """An opportunity as stored; business rules the API checks on create and update (``now`` None: none)."""
        opportunity = Opportunity.model_validate(body)
        if now is None:
            return opportunity
        problems = []
        close = opportunity.LifeCycle.TargetCloseDate if opportunity.LifeCycle else None
        if close and close < now.date().isoformat():
            problems.append(
                errors.FieldError(
                    FieldName="LifeCycle.TargetCloseDate", Message="must not be in the past", Code="INVALID_VALUE"
                )
            )
        account = opportunity.Customer.Account if opportunity.Customer else None
        if opportunity.NationalSecurity == "Yes" and (account is None or account.Industry != "Government"):
            problems.append(
                errors.FieldError(
                    FieldName="NationalSecurity", Message="Yes only for the Government industry", Code="INVALID_VALUE"
                )
            )
        if problems:
            raise errors.ValidationException(
                f"The opportunity breaks {len(problems)} business rule(s); nothing was changed.",
                service=SELLING,
                reason="BUSINESS_VALIDATION_FAILED",
                field_errors=problems,
            )
        return opportunity

    def _opportunity_row(self, conn: sqlite3.Connection, oid: str) -> tuple[Opportunity, int]:
        return self._get(conn, OPPORTUNITY, oid, Opportunity, "Opportunity")

    def _put(self, conn: sqlite3.Connection, kind: str, rid: str, body: dict[str, Any], now: datetime) -> None:
        store.delete_row(conn, kind, self.catalog, rid)
        store.insert_row(conn, kind, self.catalog, rid, self.partner_id, json.loads(json.dumps(body, default=str)), now)

    def _invitation_record(self, conn: sqlite3.Connection, identifier: str) -> dict[str, Any]:
        invitation_id = identifier.rsplit("/", 1)[-1]
        row = store.get_row(conn, ENGAGEMENT_INVITATION, self.catalog, invitation_id)
        if row is None or row["owner"] != self.partner_id:
            raise errors.ResourceNotFoundException(
                f"Engagement invitation {identifier[:80]} was not found in the {self.catalog} catalog.", service=SELLING
            )
        return json.loads(row["body"])

    def _pending(self, record: dict[str, Any], now: datetime) -> EngagementInvitation:
        invitation = invitation_view(record, now)
        if invitation.Status != "PENDING":
            raise errors.ConflictException(
                f"Engagement invitation {invitation.Id} is {invitation.Status}; only a PENDING one can be answered.",
                service=SELLING,
            )
        return invitation

    def _save_invitation(self, conn: sqlite3.Connection, record: dict[str, Any], now: datetime) -> None:
        row = store.get_row(conn, ENGAGEMENT_INVITATION, self.catalog, record["Id"])
        store.update_row(conn, ENGAGEMENT_INVITATION, self.catalog, record["Id"], row["revision"], record, now)


_DIGITS = str.maketrans("abcdef", "012345")


def _new_task_id(token: str, partner_id: str) -> str:
    return "task-" + store.request_digest([token, partner_id, "task"])[:13]
