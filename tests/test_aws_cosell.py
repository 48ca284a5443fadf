"""The co-sell flows on the aws backend, under botocore's Stubber: every Selling operation the tools call, each request
checked against the real model, planned and applied exactly as on the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from agent.backends import errors
from agent.backends.aws import AwsPartnerCentral
from agent.graphs.opportunity import (
    OPPORTUNITY_CHANGE,
    REFERRAL_RESPONSE,
    OpportunityChange,
    OpportunityFields,
    ReferralResponse,
)
from agent.graphs.plans import PlanError, apply_call

PARTNER = "partner-altocloud0004"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CLOSE = (date.today() + timedelta(days=90)).isoformat()
OPPORTUNITY = {
    "Catalog": "Sandbox",
    "Id": "O1234567",
    "Arn": "arn:aws:partnercentral:us-east-1::catalog/Sandbox/opportunity/O1234567",
    "CreatedDate": NOW,
    "LastModifiedDate": NOW,
    "OpportunityType": "Net New Business",
    "PrimaryNeedsFromAws": ["Co-Sell - Technical Consultation"],
    "Customer": {
        "Account": {
            "CompanyName": "Blue Yonder Airlines",
            "Industry": "Travel",
            "WebsiteUrl": "https://blueyonder.example",
            "Address": {"CountryCode": "US", "StateOrRegion": "Washington", "PostalCode": "98101"},
        }
    },
    "Project": {
        "Title": "Crew analytics",
        "CustomerBusinessProblem": "Nightly batch misses same-day disruptions.",
        "CustomerUseCase": "AI Machine Learning and Analytics",
        "DeliveryModels": ["SaaS or PaaS"],
        "SalesActivities": ["Conducted POC / Demo"],
        "ExpectedCustomerSpend": [
            {"Amount": "12000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
        ],
    },
    "LifeCycle": {"Stage": "Qualified", "ReviewStatus": "Pending Submission", "TargetCloseDate": CLOSE},
    "RelatedEntityIdentifiers": {"Solutions": ["S-0000000401"]},
}
INVITATION = {
    "Catalog": "Sandbox",
    "Id": "engi-alto000000001",
    "Status": "PENDING",
    "PayloadType": "OpportunityInvitation",
    "ExpirationDate": NOW + timedelta(days=10),
    "Payload": {
        "OpportunityInvitation": {
            "ReceiverResponsibilities": ["Co-Sell Facilitator"],
            "Customer": {
                "Industry": "Financial Services",
                "CompanyName": "Adatum Bank",
                "WebsiteUrl": "https://adatum.example",
                "CountryCode": "US",
            },
            "Project": {
                "BusinessProblem": "Risk reports on an ageing Hadoop cluster.",
                "Title": "Lakehouse",
                "TargetCompletionDate": CLOSE,
                "ExpectedCustomerSpend": [],
            },
        }
    },
}


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> AwsPartnerCentral:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return AwsPartnerCentral(PARTNER, "Sandbox", "us-east-1", session=boto3.session.Session(region_name="us-east-1"))


@pytest.fixture
def selling(backend: AwsPartnerCentral) -> Iterator[Stubber]:
    with Stubber(backend.selling) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def get(stub: Stubber, body: dict = OPPORTUNITY) -> None:
    stub.add_response("get_opportunity", body, {"Catalog": "Sandbox", "Identifier": body["Id"]})


def test_create_is_planned_and_sent_as_the_model_says(backend: AwsPartnerCentral, selling: Stubber) -> None:
    parameters = OpportunityChange(
        action="create",
        fields=OpportunityFields(
            customer_name="Blue Yonder Airlines",
            title="Crew analytics",
            target_close_date=date.fromisoformat(CLOSE),
            monthly_spend="12000",
            industry="Travel",
        ),
    )
    [call] = OPPORTUNITY_CHANGE.plan(backend, parameters).calls
    selling.add_response(
        "create_opportunity", {"Id": "O1234567", "LastModifiedDate": NOW}, {**call.request, "ClientToken": ANY}
    )
    assert apply_call(OPPORTUNITY_CHANGE, backend, call, "appr-1")["OpportunityId"] == "O1234567"


def test_contacts_are_sent_as_the_api_shapes_them(backend: AwsPartnerCentral, selling: Stubber) -> None:
    from agent.graphs.opportunity import ContactFields

    parameters = OpportunityChange(
        action="create",
        fields=OpportunityFields(
            customer_name="Blue Yonder Airlines",
            title="Crew analytics",
            target_close_date=date.fromisoformat(CLOSE),
            contacts=[
                ContactFields(
                    first_name="Mara",
                    last_name="Lind",
                    title="CTO",
                    email="Mara.Lind@BlueYonder.example",
                    phone="+12065550100",
                ),
                ContactFields(first_name="Lena", last_name="Vogel", email="lena@altocloud.example", team=True),
            ],
        ),
    )
    [call] = OPPORTUNITY_CHANGE.plan(backend, parameters).calls
    assert call.request["Customer"]["Contacts"] == [
        {
            "FirstName": "Mara",
            "LastName": "Lind",
            "BusinessTitle": "CTO",
            "Email": "mara.lind@blueyonder.example",
            "Phone": "+12065550100",
        }
    ]
    assert call.request["OpportunityTeam"] == [
        {"FirstName": "Lena", "LastName": "Vogel", "Email": "lena@altocloud.example"}
    ]
    # Stubber checks the request, contacts included, against the real CreateOpportunity input shape
    selling.add_response(
        "create_opportunity", {"Id": "O1234567", "LastModifiedDate": NOW}, {**call.request, "ClientToken": ANY}
    )
    assert apply_call(OPPORTUNITY_CHANGE, backend, call, "appr-1")["OpportunityId"] == "O1234567"
    get(selling)
    with pytest.raises(PlanError, match="team=true"):  # UpdateOpportunity has no OpportunityTeam
        OPPORTUNITY_CHANGE.plan(
            backend,
            OpportunityChange(
                action="update",
                opportunity_id="O1234567",
                fields=OpportunityFields(contacts=[ContactFields(first_name="Lena", team=True)]),
            ),
        )


def test_update_sends_the_whole_opportunity_with_its_last_modified_date(backend, selling) -> None:
    get(selling)
    plan = OPPORTUNITY_CHANGE.plan(
        backend,
        OpportunityChange(action="update", opportunity_id="O1234567", fields=OpportunityFields(next_steps="Workshop")),
    )
    [call] = plan.calls
    assert call.request["LastModifiedDate"] == NOW.isoformat() and call.request["Project"]["Title"] == "Crew analytics"
    get(selling)  # settled? no: the next step differs
    selling.add_client_error(
        "update_opportunity", "ConflictException", "modified since", http_status_code=409, expected_params=call.request
    )
    with pytest.raises(errors.ConflictException):
        apply_call(OPPORTUNITY_CHANGE, backend, call, "appr-1")


def test_associate_submit_and_follow_the_task(backend, selling) -> None:
    get(selling, {**OPPORTUNITY, "RelatedEntityIdentifiers": {}})
    selling.add_response(
        "list_solutions",
        {
            "SolutionSummaries": [
                {
                    "Catalog": "Sandbox",
                    "Id": "S-0000000401",
                    "Name": "Platform",
                    "Status": "Active",
                    "Category": "Software",
                    "CreatedDate": NOW,
                }
            ]
        },
        {"Catalog": "Sandbox"},
    )
    [associate] = OPPORTUNITY_CHANGE.plan(
        backend, OpportunityChange(action="associate", opportunity_id="O1234567", related_ids=["S-0000000401"])
    ).calls
    get(selling, {**OPPORTUNITY, "RelatedEntityIdentifiers": {}})
    selling.add_response("associate_opportunity", {}, associate.request)
    apply_call(OPPORTUNITY_CHANGE, backend, associate, "appr-1")

    get(selling)
    [submit] = OPPORTUNITY_CHANGE.plan(backend, OpportunityChange(action="submit", opportunity_id="O1234567")).calls
    selling.add_response(
        "start_engagement_from_opportunity_task",
        {"TaskId": "task-0000000000001", "TaskStatus": "IN_PROGRESS", "OpportunityId": "O1234567"},
        {**submit.request, "ClientToken": ANY},
    )
    selling.add_response(
        "list_engagement_from_opportunity_tasks",
        {
            "TaskSummaries": [
                {
                    "TaskId": "task-0000000000001",
                    "TaskStatus": "COMPLETE",
                    "OpportunityId": "O1234567",
                    "EngagementId": "eng-00000000000001",
                }
            ]
        },
        {"Catalog": "Sandbox", "TaskIdentifier": ["task-0000000000001"]},
    )
    assert apply_call(OPPORTUNITY_CHANGE, backend, submit, "appr-2")["TaskStatus"] == "COMPLETE"


def test_a_submission_aws_fails_is_an_error_with_its_reason(backend, selling) -> None:
    get(selling)
    [submit] = OPPORTUNITY_CHANGE.plan(backend, OpportunityChange(action="submit", opportunity_id="O1234567")).calls
    selling.add_response(
        "start_engagement_from_opportunity_task",
        {
            "TaskId": "task-0000000000002",
            "TaskStatus": "FAILED",
            "ReasonCode": "OpportunityValidationFailed",
            "Message": "Customer.Account.Duns",
        },
        {**submit.request, "ClientToken": ANY},
    )
    with pytest.raises(errors.ValidationException, match="OpportunityValidationFailed"):
        apply_call(OPPORTUNITY_CHANGE, backend, submit, "appr-3")


def test_an_incomplete_opportunity_is_refused_before_asking(backend, selling) -> None:
    get(selling, {**OPPORTUNITY, "RelatedEntityIdentifiers": {}})
    with pytest.raises(PlanError, match="no solution associated"):
        OPPORTUNITY_CHANGE.plan(backend, OpportunityChange(action="submit", opportunity_id="O1234567"))


def test_referrals_listed_accepted_and_rejected(backend, selling) -> None:
    summary = {k: INVITATION[k] for k in ("Catalog", "Id", "Status", "PayloadType")}
    selling.add_response(
        "list_engagement_invitations",
        {"EngagementInvitationSummaries": [summary], "NextToken": "n"},
        {
            "Catalog": "Sandbox",
            "ParticipantType": "RECEIVER",
            "PayloadType": ["OpportunityInvitation"],
            "Sort": {"SortBy": "InvitationDate", "SortOrder": "DESCENDING"},
        },
    )
    selling.add_response(
        "list_engagement_invitations",
        {"EngagementInvitationSummaries": []},
        {
            "Catalog": "Sandbox",
            "ParticipantType": "RECEIVER",
            "PayloadType": ["OpportunityInvitation"],
            "Sort": {"SortBy": "InvitationDate", "SortOrder": "DESCENDING"},
            "NextToken": "n",
        },
    )
    selling.add_response(
        "get_engagement_invitation", INVITATION, {"Catalog": "Sandbox", "Identifier": INVITATION["Id"]}
    )
    [invitation] = backend.list_engagement_invitations()
    assert invitation.Payload.OpportunityInvitation.Customer.CompanyName == "Adatum Bank"

    selling.add_response(
        "get_engagement_invitation", INVITATION, {"Catalog": "Sandbox", "Identifier": INVITATION["Id"]}
    )
    [accept] = REFERRAL_RESPONSE.plan(backend, ReferralResponse(invitation_id=INVITATION["Id"], action="accept")).calls
    selling.add_response(
        "start_engagement_by_accepting_invitation_task",
        {"TaskId": "task-0000000000003", "TaskStatus": "COMPLETE", "OpportunityId": "O7654321"},
        {**accept.request, "ClientToken": ANY},
    )
    assert apply_call(REFERRAL_RESPONSE, backend, accept, "appr-4")["OpportunityId"] == "O7654321"

    selling.add_response(
        "get_engagement_invitation", INVITATION, {"Catalog": "Sandbox", "Identifier": INVITATION["Id"]}
    )
    [reject] = REFERRAL_RESPONSE.plan(
        backend, ReferralResponse(invitation_id=INVITATION["Id"], action="reject", reason="Next steps unclear")
    ).calls
    selling.add_response(
        "get_engagement_invitation", INVITATION, {"Catalog": "Sandbox", "Identifier": INVITATION["Id"]}
    )
    selling.add_response("reject_engagement_invitation", {}, reject.request)
    assert apply_call(REFERRAL_RESPONSE, backend, reject, "appr-5")["Status"] == "REJECTED"


def test_aws_side_of_an_opportunity(backend, selling) -> None:
    selling.add_response(
        "get_aws_opportunity_summary",
        {
            "Catalog": "Sandbox",
            "RelatedOpportunityId": "O1234567",
            "Insights": {"EngagementScore": "High"},
            "OpportunityTeam": [{"FirstName": "Priya", "BusinessTitle": "PDM"}],
        },
        {"Catalog": "Sandbox", "RelatedOpportunityIdentifier": "O1234567"},
    )
    assert backend.get_aws_opportunity_summary("O1234567").Insights.EngagementScore == "High"
