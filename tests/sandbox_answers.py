"""Answers to the aws backend's calls from a local sandbox partner's state, for `tests.stubbed_aws.StubbedAws`.

Tool flows then run on the aws backend (its requests, its reads, its list-then-get) against data as consistent as
a real partner account's: the funding programs exist, the fund requests have their benefits, the invitation can be
accepted. Writes go to the sandbox through `send`, so a flow sees its own changes. Calls the sandbox has no answer
for (other services) are answered from their output shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agent.backends import errors
from agent.backends.base import OpportunityQuery, PartnerCentral
from agent.backends.operations import API_WRITES
from agent.models.seller import RESALE_AUTHORIZATION_ROLE
from tests.stubbed_aws import MOMENT, Answer, ApiError, generated

ROLE = {
    "Path": "/aws-service-role/resale-authorization.marketplace.amazonaws.com/",
    "RoleName": RESALE_AUTHORIZATION_ROLE,
    "RoleId": "AROA1234567890EXAMPLE",
    "CreateDate": MOMENT,
    "Arn": f"arn:aws:iam::123456789012:role/aws-service-role/{RESALE_AUTHORIZATION_ROLE}",
}


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _by_id(items: list[Any], identifier: str) -> Any:
    found = next((item for item in items if item.Id == identifier), None)
    if found is None:
        raise ApiError("ResourceNotFoundException", f"{identifier} was not found", 404)
    return found


def _role(local: PartnerCentral) -> dict[str, Any]:
    if not local.resale_authorization_role_exists():
        raise ApiError("NoSuchEntity", f"The role with name {RESALE_AUTHORIZATION_ROLE} cannot be found.", 404)
    return {"Role": ROLE}


def _opportunities(local: PartnerCentral, request: dict[str, Any]) -> Any:
    filters = {
        name: request[name]
        for name in (
            "LifeCycleStage",
            "LifeCycleReviewStatus",
            "CustomerCompanyName",
            "Identifier",
            "MaxResults",
            "NextToken",
        )
        if name in request
    }
    return local.list_opportunities(OpportunityQuery(**filters, **request.get("Sort", {})))


def sandbox_answers(local: PartnerCentral) -> Answer:
    """Answers from ``local`` (a sandbox partner's backend), in the API's output shapes."""
    reads = {
        "GetPartner": lambda r: local.get_partner(),
        "GetProfileVisibility": lambda r: local.get_profile_visibility(),
        "GetAllianceLeadContact": lambda r: {"AllianceLeadContact": local.get_alliance_lead_contact()},
        "GetVerification": lambda r: local.get_verification(r["VerificationType"]),
        "GetProfileUpdateTask": lambda r: local.get_profile_update_task(),
        "ListConnectionInvitations": lambda r: {
            "ConnectionInvitationSummaries": local.list_connection_invitations(
                participant_type=r.get("ParticipantType"),
                status=r.get("Status"),
                connection_type=r.get("ConnectionType"),
            )
        },
        "GetConnectionInvitation": lambda r: _by_id(local.list_connection_invitations(), r["Identifier"]),
        "ListConnections": lambda r: {"ConnectionSummaries": local.list_connections(r.get("ConnectionType"))},
        "GetConnection": lambda r: _by_id(local.list_connections(), r["Identifier"]),
        "ListOpportunities": lambda r: _opportunities(local, r),
        "GetOpportunity": lambda r: local.get_opportunity(r["Identifier"]),
        "ListBenefits": lambda r: {
            "BenefitSummaries": local.list_benefits(
                program=(r.get("Programs") or [None])[0], fulfillment_types=r.get("FulfillmentTypes")
            )
        },
        "GetBenefit": lambda r: local.get_benefit(r["Identifier"]),
        "ListBenefitApplications": lambda r: {"BenefitApplicationSummaries": local.list_benefit_applications()},
        "GetBenefitApplication": lambda r: local.get_benefit_application(r["Identifier"]),
        "ListBenefitAllocations": lambda r: {"BenefitAllocationSummaries": local.list_benefit_allocations()},
        "GetBenefitAllocation": lambda r: _by_id(local.list_benefit_allocations(), r["Identifier"]),
        "GetRole": lambda r: _role(local),
        "SendEmailVerificationCode": lambda r: local.send_email_verification_code(r["Email"]) or {},
        "GetAwsOpportunitySummary": lambda r: local.get_aws_opportunity_summary(r["RelatedOpportunityIdentifier"]),
        "ListEngagementInvitations": lambda r: {
            "EngagementInvitationSummaries": [
                {k: v for k, v in i.model_dump().items() if k in ("Id", "Catalog", "Status", "PayloadType")}
                for i in local.list_engagement_invitations()
            ]
        },
        "GetEngagementInvitation": lambda r: local.get_engagement_invitation(r["Identifier"]),
        "ListSolutions": lambda r: {"SolutionSummaries": local.list_solutions()},
        "ListEngagementFromOpportunityTasks": lambda r: {
            "TaskSummaries": [local.get_engagement_task("StartEngagementFromOpportunityTask", r["TaskIdentifier"][0])]
        },
        "ListEngagementByAcceptingInvitationTasks": lambda r: {
            "TaskSummaries": [
                local.get_engagement_task("StartEngagementByAcceptingInvitationTask", r["TaskIdentifier"][0])
            ]
        },
    }
    shaped = generated(full=True)

    def answer(service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        try:
            if operation in reads:
                return _plain(reads[operation](request))
            if operation in API_WRITES.get(service, ()):
                return _plain(local.send(service, operation, request))
        except errors.PartnerCentralError as error:
            raise ApiError(error.code, error.message) from None
        return shaped(service, operation, request)

    return answer
