"""The aws backend against botocore's Stubber, which checks every request against the real service model."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import boto3
import pytest
from botocore import xform_name
from botocore.stub import ANY, Stubber
from pydantic import BaseModel

from agent.backends import errors
from agent.backends.aws import CONSOLE_ONLY, AwsPartnerCentral, UnreadableResponse
from agent.backends.base import OpportunityQuery, PartnerCentral
from agent.models.base import ApiModel
from agent.models.seller import RESALE_AUTHORIZATION_ROLE, RESALE_AUTHORIZATION_SERVICE
from tests.stubbed_aws import StubbedAws, generated, offline_backend, stubbers

PARTNER = "partner-altocloud0004"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ARN = f"arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/partner/{PARTNER}"


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> AwsPartnerCentral:
    return offline_backend(monkeypatch, PARTNER)


@pytest.fixture
def stub(backend: AwsPartnerCentral) -> Iterator[dict[str, Stubber]]:
    with stubbers(backend, "account", "selling", "benefits", "iam") as stubs:
        yield stubs


def test_get_partner(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_response(
        "get_partner",
        {
            "Catalog": "Sandbox",
            "Arn": ARN,
            "Id": PARTNER,
            "LegalName": "AltoCloud Data Inc.",
            "CreatedAt": NOW,
            "Profile": {
                "DisplayName": "AltoCloud Data",
                "Description": "Managed analytics on AWS.",
                "WebsiteUrl": "https://altocloud-data.example",
                "LogoUrl": "https://altocloud-data.example/logo.png",
                "PrimarySolutionType": "SOFTWARE_PRODUCTS",
                "IndustrySegments": ["RETAIL"],
                "TranslationSourceLocale": "en-US",
                "ProfileId": "pprofile-altocloud0004",
            },
            "AwsTrainingCertificationEmailDomains": [{"DomainName": "altocloud-data.example", "RegisteredAt": NOW}],
        },
        {"Catalog": "Sandbox", "Identifier": PARTNER},
    )
    partner = backend.get_partner()
    assert partner.Profile.IndustrySegments == ["RETAIL"]
    assert partner.AwsTrainingCertificationEmailDomains[0].DomainName == "altocloud-data.example"


def test_list_opportunities_sends_filters_sort_and_token(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["selling"].add_response(
        "list_opportunities",
        {
            "OpportunitySummaries": [
                {
                    "Catalog": "Sandbox",
                    "Id": "O4000001",
                    "LastModifiedDate": NOW,
                    "CreatedDate": NOW,
                    "LifeCycle": {"Stage": "Qualified", "ReviewStatus": "Approved"},
                    "Customer": {"Account": {"CompanyName": "Northwind Grocers Inc."}},
                    "Project": {
                        "ExpectedCustomerSpend": [
                            {"Amount": "60000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
                        ]
                    },
                }
            ],
            "NextToken": "page-2",
        },
        {
            "Catalog": "Sandbox",
            "MaxResults": 5,
            "Sort": {"SortBy": "TargetCloseDate", "SortOrder": "ASCENDING"},
            "LifeCycleStage": ["Qualified"],
            "CustomerCompanyName": ["Northwind"],
            "NextToken": "page-1",
        },
    )
    page = backend.list_opportunities(
        OpportunityQuery(
            LifeCycleStage=["Qualified"],
            CustomerCompanyName=["Northwind"],
            MaxResults=5,
            SortBy="TargetCloseDate",
            SortOrder="ASCENDING",
            NextToken="page-1",
        )
    )
    assert page.NextToken == "page-2"
    assert page.OpportunitySummaries[0].Project.ExpectedCustomerSpend[0].Amount == "60000"


def test_not_found_becomes_the_same_error_as_the_sandbox(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["selling"].add_client_error(
        "get_opportunity",
        service_error_code="ResourceNotFoundException",
        service_message="Opportunity O9 not found",
        http_status_code=404,
        expected_params={"Catalog": "Sandbox", "Identifier": "O9"},
    )
    with pytest.raises(errors.ResourceNotFoundException, match="O9 not found"):
        backend.get_opportunity("O9")


def test_validation_error_keeps_the_field_list(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["selling"].add_client_error(
        "get_opportunity",
        service_error_code="ValidationException",
        service_message="Invalid request",
        http_status_code=400,
        response_meta={},
        modeled_fields={
            "Message": "Invalid request",
            "Reason": "REQUEST_VALIDATION_FAILED",
            "ErrorList": [{"FieldName": "Identifier", "Message": "bad id", "Code": "INVALID_STRING_FORMAT"}],
        },
        expected_params={"Catalog": "Sandbox", "Identifier": "O1"},
    )
    with pytest.raises(errors.ValidationException) as raised:
        backend.get_opportunity("O1")
    assert raised.value.reason == "REQUEST_VALIDATION_FAILED"
    assert raised.value.field_errors[0].FieldName == "Identifier"


def test_allocations_are_read_in_full_for_their_amounts(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["benefits"].add_response(
        "list_benefit_allocations",
        {"BenefitAllocationSummaries": [{"Id": "benalloc-alto0sca000001", "Status": "ACTIVE", "Name": "SCA"}]},
        {"Catalog": "Sandbox"},
    )
    stub["benefits"].add_response(
        "get_benefit_allocation",
        {
            "Id": "benalloc-alto0sca000001",
            "Catalog": "Sandbox",
            "Name": "SCA",
            "Status": "ACTIVE",
            "FulfillmentType": "CASH",
            "FulfillmentDetail": {
                "ConsumableDetails": {
                    "AllocatedAmount": {"Amount": "500000", "CurrencyCode": "USD"},
                    "RemainingAmount": {"Amount": "320000", "CurrencyCode": "USD"},
                }
            },
        },
        {"Catalog": "Sandbox", "Identifier": "benalloc-alto0sca000001"},
    )
    [allocation] = backend.list_benefit_allocations()
    assert allocation.FulfillmentDetail.ConsumableDetails.RemainingAmount.Amount == "320000"


def test_throttling_and_access_denied_map_to_their_errors(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_client_error(
        "get_profile_visibility",
        service_error_code="AccessDeniedException",
        service_message="not authorized",
        http_status_code=403,
    )
    with pytest.raises(errors.AccessDeniedException):
        backend.get_profile_visibility()


# partnercentral-account: verification and profile update task

CATALOG = {"Catalog": "Sandbox"}
MINE = {"Catalog": "Sandbox", "Identifier": PARTNER}
TASK_DETAILS = {
    "DisplayName": "AltoCloud Data",
    "Description": "Managed analytics and data lakes on AWS.",
    "WebsiteUrl": "https://altocloud-data.example",
    "LogoUrl": "https://altocloud-data.example/logo.png",
    "PrimarySolutionType": "MANAGED_SERVICES",
    "IndustrySegments": ["RETAIL", "FINANCIAL_SERVICES"],
    "TranslationSourceLocale": "en-US",
    "LocalizedContents": [],
    "Headquarters": {"CountryCode": "US", "SubdivisionCode": "WA"},
}


def _task(status: str, **extra: object) -> dict:
    return {
        "Catalog": "Sandbox",
        "Arn": ARN,
        "Id": PARTNER,
        "TaskId": "pprofiletask-altocloud0042",
        "TaskDetails": TASK_DETAILS,
        "StartedAt": NOW,
        "Status": status,
        **extra,
    }


def test_get_verification_sends_only_the_type(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_response(
        "get_verification",
        {
            "VerificationType": "REGISTRANT_VERIFICATION",
            "VerificationStatus": "PENDING_CUSTOMER_ACTION",
            "VerificationStatusReason": "Identity document not uploaded yet",
            "VerificationResponseDetails": {
                "RegistrantVerificationResponse": {
                    "CompletionUrl": "https://verify.example/session/abc",
                    "CompletionUrlExpiresAt": NOW,
                }
            },
            "StartedAt": NOW,
        },
        {"VerificationType": "REGISTRANT_VERIFICATION"},
    )
    verification = backend.get_verification("REGISTRANT_VERIFICATION")
    assert verification.VerificationType == "REGISTRANT_VERIFICATION"
    assert verification.VerificationStatus == "PENDING_CUSTOMER_ACTION"
    assert verification.VerificationStatusReason == "Identity document not uploaded yet"
    assert verification.StartedAt == NOW and verification.CompletedAt is None


def test_get_profile_update_task_reads_the_errors(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_response(
        "get_profile_update_task",
        _task(
            "FAILED",
            EndedAt=NOW,
            ErrorDetailList=[
                {"Locale": "en-US", "Message": "The logo could not be downloaded", "Reason": "INVALID_LOGO_URL"}
            ],
        ),
        MINE,
    )
    task = backend.get_profile_update_task()
    assert task.Status == "FAILED"
    assert task.EndedAt == NOW
    assert [(e.Reason, e.Message) for e in task.ErrorDetailList] == [
        ("INVALID_LOGO_URL", "The logo could not be downloaded")
    ]


def test_no_profile_update_task_is_not_found(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_client_error(
        "get_profile_update_task",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        service_message="No profile update task found",
        modeled_fields={"Message": "No profile update task found", "Reason": "PARTNER_PROFILE_TASK_NOT_FOUND"},
        expected_params=MINE,
    )
    with pytest.raises(errors.ResourceNotFoundException, match="No profile update task") as raised:
        backend.get_profile_update_task()
    assert raised.value.reason == "PARTNER_PROFILE_TASK_NOT_FOUND"


# partnercentral-account: connection invitations and connections


def _invitation_arn(invitation_id: str) -> str:
    return f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/connection-invitation/{invitation_id}"


def _connection_arn(connection_id: str) -> str:
    return f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/connection/{connection_id}"


def _invitation_summary(invitation_id: str, other: str, status: str = "PENDING") -> dict:
    return {
        "Catalog": "Sandbox",
        "Id": invitation_id,
        "Arn": _invitation_arn(invitation_id),
        "ConnectionType": "OPPORTUNITY_COLLABORATION",
        "CreatedAt": NOW,
        "UpdatedAt": NOW,
        "ExpiresAt": NOW,
        "OtherParticipantIdentifier": other,
        "ParticipantType": "RECEIVER",
        "Status": status,
    }


def _invitation(invitation_id: str, other: str, status: str = "PENDING", **extra: object) -> dict:
    return {
        **_invitation_summary(invitation_id, other, status),
        "InvitationMessage": f"Let's co-sell, from {other}",
        "InviterEmail": "alliances@northwind.example",
        "InviterName": "Dana Reyes",
        **extra,
    }


def _connection(connection_id: str, account_id: str) -> dict:
    return {
        "Catalog": "Sandbox",
        "Id": connection_id,
        "Arn": _connection_arn(connection_id),
        "OtherParticipantAccountId": account_id,
        "UpdatedAt": NOW,
        "ConnectionTypes": {
            "OPPORTUNITY_COLLABORATION": {
                "CreatedAt": NOW,
                "InviterEmail": "alliances@northwind.example",
                "InviterName": "Dana Reyes",
                "Status": "ACTIVE",
                "OtherParticipant": {"Account": {"Name": "Northwind Grocers"}},
            }
        },
    }


def test_list_connection_invitations_pages_filters_and_reads_each(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    account = stub["account"]
    account.add_response(
        "list_connection_invitations",
        {
            "ConnectionInvitationSummaries": [_invitation_summary("pacinv-northwind0001", "111122223333")],
            "NextToken": "token-2",
        },
        {**CATALOG, "ParticipantType": "RECEIVER", "Status": "PENDING"},
    )
    account.add_response(
        "list_connection_invitations",
        {"ConnectionInvitationSummaries": [_invitation_summary("pacinv-contoso000002", "444455556666")]},
        {**CATALOG, "ParticipantType": "RECEIVER", "Status": "PENDING", "NextToken": "token-2"},
    )
    account.add_response(
        "get_connection_invitation",
        _invitation("pacinv-northwind0001", "111122223333"),
        {**CATALOG, "Identifier": "pacinv-northwind0001"},
    )
    account.add_response(
        "get_connection_invitation",
        _invitation("pacinv-contoso000002", "444455556666"),
        {**CATALOG, "Identifier": "pacinv-contoso000002"},
    )
    invitations = backend.list_connection_invitations(participant_type="RECEIVER", status="PENDING")
    assert [(i.Id, i.OtherParticipantIdentifier) for i in invitations] == [
        ("pacinv-northwind0001", "111122223333"),
        ("pacinv-contoso000002", "444455556666"),
    ]
    assert invitations[1].InvitationMessage == "Let's co-sell, from 444455556666"
    assert invitations[0].InviterName == "Dana Reyes"


def test_list_connection_invitations_without_filters_sends_none(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["account"].add_response("list_connection_invitations", {"ConnectionInvitationSummaries": []}, CATALOG)
    assert backend.list_connection_invitations() == []


def test_list_connection_invitations_by_type(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_response(
        "list_connection_invitations",
        {"ConnectionInvitationSummaries": []},
        {**CATALOG, "ConnectionType": "SUBSIDIARY"},
    )
    assert backend.list_connection_invitations(connection_type="SUBSIDIARY") == []


def test_list_connections_pages_and_reads_each(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    """The summaries lack CreatedAt and the inviter of each connection type, so each is read in full."""
    account = stub["account"]

    def summary(connection_id: str, account_id: str) -> dict:
        full = _connection(connection_id, account_id)
        full["ConnectionTypes"] = {"SUBSIDIARY": {"Status": "ACTIVE", "OtherParticipant": {"Account": {"Name": "Sub"}}}}
        return full

    account.add_response(
        "list_connections",
        {"ConnectionSummaries": [summary("pac-northwind0001", "111122223333")], "NextToken": "token-2"},
        {**CATALOG, "ConnectionType": "SUBSIDIARY"},
    )
    account.add_response(
        "list_connections",
        {"ConnectionSummaries": [summary("pac-contoso000002", "444455556666")]},
        {**CATALOG, "ConnectionType": "SUBSIDIARY", "NextToken": "token-2"},
    )
    account.add_response(
        "get_connection",
        _connection("pac-northwind0001", "111122223333"),
        {**CATALOG, "Identifier": "pac-northwind0001"},
    )
    account.add_response(
        "get_connection",
        _connection("pac-contoso000002", "444455556666"),
        {**CATALOG, "Identifier": "pac-contoso000002"},
    )
    connections = backend.list_connections("SUBSIDIARY")
    assert [(c.Id, c.OtherParticipantAccountId) for c in connections] == [
        ("pac-northwind0001", "111122223333"),
        ("pac-contoso000002", "444455556666"),
    ]
    assert connections[0].ConnectionTypes["OPPORTUNITY_COLLABORATION"].InviterName == "Dana Reyes"


def test_list_connections_without_filter_sends_none(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_response("list_connections", {"ConnectionSummaries": []}, CATALOG)
    assert backend.list_connections() == []


# IAM: the Marketplace resale authorization service-linked role

ROLE = {
    "Path": "/aws-service-role/resale-authorization.marketplace.amazonaws.com/",
    "RoleName": RESALE_AUTHORIZATION_ROLE,
    "RoleId": "AROA1234567890EXAMPLE",
    "CreateDate": NOW,
    "Arn": f"arn:aws:iam::123456789012:role/aws-service-role/resale-authorization.marketplace.amazonaws.com/"
    f"{RESALE_AUTHORIZATION_ROLE}",
}


def test_resale_authorization_role_exists(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["iam"].add_response(
        "get_role", {"Role": ROLE}, {"RoleName": "AWSServiceRoleForMarketplaceResaleAuthorization"}
    )
    assert backend.resale_authorization_role_exists() is True


def test_resale_authorization_role_missing(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["iam"].add_client_error(
        "get_role",
        service_error_code="NoSuchEntity",
        http_status_code=404,
        service_message=f"The role with name {RESALE_AUTHORIZATION_ROLE} cannot be found.",
        expected_params={"RoleName": RESALE_AUTHORIZATION_ROLE},
    )
    assert backend.resale_authorization_role_exists() is False


def test_resale_authorization_role_check_denied_names_the_permission(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["iam"].add_client_error(
        "get_role",
        service_error_code="AccessDenied",
        http_status_code=403,
        service_message="User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:GetRole",
        expected_params={"RoleName": RESALE_AUTHORIZATION_ROLE},
    )
    with pytest.raises(errors.AccessDeniedException, match="iam:GetRole") as raised:
        backend.resale_authorization_role_exists()
    assert RESALE_AUTHORIZATION_ROLE in raised.value.message


# send: one write, exactly as given

APPLICATION = "benappl-alto0mdf000001"
APPLICATION_ARN = f"arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/benefit-application/{APPLICATION}"
ON_APPLICATION = {"Catalog": "Sandbox", "Identifier": APPLICATION}
CONTACT = {"FirstName": "Ana", "LastName": "Silva", "Email": "ana@altocloud-data.example", "BusinessTitle": "Alliances"}
WRITES = [  # (client, operation, request, a response in the operation's output shape)
    (
        "account",
        "PutProfileVisibility",
        {**MINE, "Visibility": "PRIVATE"},
        {
            "Catalog": "Sandbox",
            "Arn": ARN,
            "Id": PARTNER,
            "Visibility": "PRIVATE",
            "ProfileId": "pprofile-altocloud0004",
        },
    ),
    (
        "account",
        "PutAllianceLeadContact",
        {**MINE, "AllianceLeadContact": CONTACT, "EmailVerificationCode": "482913"},
        {"Catalog": "Sandbox", "Arn": ARN, "Id": PARTNER, "AllianceLeadContact": CONTACT},
    ),
    (
        "account",
        "StartProfileUpdateTask",
        {**MINE, "ClientToken": "profile-1", "TaskDetails": TASK_DETAILS},
        _task("IN_PROGRESS"),
    ),
    (
        "account",
        "AssociateAwsTrainingCertificationEmailDomain",
        {
            **MINE,
            "ClientToken": "domain-1",
            "Email": "training@altocloud-data.example",
            "EmailVerificationCode": "482913",
        },
        {},
    ),
    (
        "account",
        "DisassociateAwsTrainingCertificationEmailDomain",
        {**MINE, "ClientToken": "domain-2", "DomainName": "old-altocloud.example"},
        {},
    ),
    (
        "account",
        "CreateConnectionInvitation",
        {
            **CATALOG,
            "ClientToken": "invite-1",
            "ConnectionType": "OPPORTUNITY_COLLABORATION",
            "ReceiverIdentifier": "111122223333",
            "Email": "alliances@altocloud-data.example",
            "Name": "Sam Okafor",
            "Message": "Let's co-sell",
        },
        _invitation("pacinv-northwind0003", "111122223333", ParticipantType="SENDER"),
    ),
    (
        "account",
        "AcceptConnectionInvitation",
        {**CATALOG, "Identifier": "pacinv-northwind0001", "ClientToken": "accept-1"},
        {"Connection": _connection("pac-northwind0001", "111122223333")},
    ),
    (
        "account",
        "RejectConnectionInvitation",
        {**CATALOG, "Identifier": "pacinv-northwind0001", "ClientToken": "reject-1", "Reason": "Not now"},
        _invitation("pacinv-northwind0001", "111122223333", "REJECTED"),
    ),
    (
        "account",
        "CancelConnectionInvitation",
        {**CATALOG, "Identifier": "pacinv-northwind0003", "ClientToken": "cancel-1"},
        _invitation("pacinv-northwind0003", "111122223333", "CANCELED", ParticipantType="SENDER"),
    ),
    (
        "benefits",
        "CreateBenefitApplication",
        {
            **CATALOG,
            "ClientToken": "draft-1",
            "BenefitIdentifier": "ben-mdfcampaign001",
            "Name": "Spring webinar",
            "Description": "Two webinars.",
            "FulfillmentTypes": ["CASH"],
            "BenefitApplicationDetails": {"RequestedAmount": 5000},
            "AssociatedResources": [],
            "Tags": [{"Key": "team", "Value": "alliances"}],
        },
        {"Id": APPLICATION, "Arn": APPLICATION_ARN, "Revision": "1"},
    ),
    (
        "benefits",
        "UpdateBenefitApplication",
        {
            **ON_APPLICATION,
            "ClientToken": "edit-1",
            "Revision": "1",
            "BenefitApplicationDetails": {"RequestedAmount": 6000},
        },
        {"Id": APPLICATION, "Arn": APPLICATION_ARN, "Revision": "2"},
    ),
    ("benefits", "SubmitBenefitApplication", ON_APPLICATION, {}),
    (
        "benefits",
        "RecallBenefitApplication",
        {**ON_APPLICATION, "ClientToken": "recall-1", "Reason": "Fix the dates"},
        {},
    ),
    ("benefits", "CancelBenefitApplication", {**ON_APPLICATION, "ClientToken": "cancel-2", "Reason": "Not needed"}, {}),
    (
        "benefits",
        "AmendBenefitApplication",
        {
            **ON_APPLICATION,
            "ClientToken": "amend-1",
            "Revision": "3",
            "AmendmentReason": "Two more weeks",
            "Amendments": [{"FieldPath": "$.EndDate", "NewValue": "2027-03-31"}],
        },
        {},
    ),
    ("iam", "CreateServiceLinkedRole", {"AWSServiceName": RESALE_AUTHORIZATION_SERVICE}, {"Role": ROLE}),
]


@pytest.mark.parametrize(("client", "operation", "request_", "response"), WRITES, ids=[w[1] for w in WRITES])
def test_send_makes_the_call_exactly_as_given_and_returns_its_body(
    backend: AwsPartnerCentral,
    stub: dict[str, Stubber],
    client: str,
    operation: str,
    request_: dict,
    response: dict,
) -> None:
    stub[client].add_response(xform_name(operation), response, expected_params=request_)  # exactly these members
    service = {"account": "partnercentral-account", "benefits": "partnercentral-benefits", "iam": "iam"}[client]
    assert backend.send(service, operation, request_) == response  # no ResponseMetadata


def test_send_errors_are_the_apis_own(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    request = {**ON_APPLICATION, "ClientToken": "edit-2", "Revision": "1", "Name": "Renamed"}
    stub["benefits"].add_client_error(
        "update_benefit_application",
        service_error_code="ConflictException",
        http_status_code=409,
        service_message="Revision 1 is stale",
        expected_params=request,
    )
    stub["benefits"].add_client_error(
        "create_benefit_application",
        service_error_code="ValidationException",
        http_status_code=400,
        service_message="Invalid request",
        modeled_fields={
            "Message": "Invalid request",
            "Reason": "fieldValidationFailed",
            "FieldList": [
                {
                    "Name": "BenefitApplicationDetails.EndDate",
                    "Message": "must be after StartDate",
                    "Code": "INVALID_VALUE",
                }
            ],
        },
        expected_params={**CATALOG, "ClientToken": "draft-2", "BenefitIdentifier": "ben-mdfcampaign001"},
    )
    with pytest.raises(errors.ConflictException, match="Revision 1 is stale"):
        backend.send("partnercentral-benefits", "UpdateBenefitApplication", request)
    with pytest.raises(errors.ValidationException) as invalid:
        backend.send(
            "partnercentral-benefits",
            "CreateBenefitApplication",
            {**CATALOG, "ClientToken": "draft-2", "BenefitIdentifier": "ben-mdfcampaign001"},
        )
    assert invalid.value.reason == "fieldValidationFailed"
    assert [(e.FieldName, e.Message) for e in invalid.value.field_errors] == [
        ("BenefitApplicationDetails.EndDate", "must be after StartDate")
    ]


def test_send_conflict_keeps_its_reason(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    """A second profile update task while one runs."""
    request = {**MINE, "ClientToken": "profile-update-2", "TaskDetails": TASK_DETAILS}
    stub["account"].add_client_error(
        "start_profile_update_task",
        service_error_code="ConflictException",
        http_status_code=409,
        service_message="A profile update task is already in progress",
        modeled_fields={
            "Message": "A profile update task is already in progress",
            "Reason": "INCOMPATIBLE_PARTNER_PROFILE_TASK_STATE",
        },
        expected_params=request,
    )
    with pytest.raises(errors.ConflictException, match="already in progress") as raised:
        backend.send("partnercentral-account", "StartProfileUpdateTask", request)
    assert raised.value.reason == "INCOMPATIBLE_PARTNER_PROFILE_TASK_STATE"


def test_send_account_validation_error_details_become_field_errors(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    """partnercentral-account lists them as ErrorDetails unions, not selling's ErrorList or benefits' FieldList."""
    request = {**MINE, "ClientToken": "domain-3", "Email": "someone@gmail.example", "EmailVerificationCode": "000000"}
    stub["account"].add_client_error(
        "associate_aws_training_certification_email_domain",
        service_error_code="ValidationException",
        http_status_code=400,
        service_message="Invalid request",
        modeled_fields={
            "Message": "Invalid request",
            "Reason": "REQUEST_VALIDATION_FAILED",
            "ErrorDetails": [
                {
                    "FieldValidationError": {
                        "Name": "EmailVerificationCode",
                        "Message": "The code is invalid or expired",
                        "Code": "INVALID_VALUE",
                    }
                },
                {
                    "BusinessValidationError": {
                        "Message": "Public email domains cannot be associated",
                        "Code": "INCOMPATIBLE_DOMAIN",
                    }
                },
            ],
        },
        expected_params=request,
    )
    with pytest.raises(errors.ValidationException) as raised:
        backend.send("partnercentral-account", "AssociateAwsTrainingCertificationEmailDomain", request)
    assert raised.value.reason == "REQUEST_VALIDATION_FAILED"
    assert [(e.FieldName, e.Code, e.Message) for e in raised.value.field_errors] == [
        ("EmailVerificationCode", "INVALID_VALUE", "The code is invalid or expired"),
        ("", "INCOMPATIBLE_DOMAIN", "Public email domains cannot be associated"),
    ]


ROLE_REQUEST = {"AWSServiceName": RESALE_AUTHORIZATION_SERVICE}


def test_send_of_a_role_that_exists_already_is_a_success(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["iam"].add_client_error(
        "create_service_linked_role",
        service_error_code="InvalidInput",
        http_status_code=400,
        service_message=f"Service role name {RESALE_AUTHORIZATION_ROLE} has been taken in this account, please try a "
        "different suffix.",
        expected_params=ROLE_REQUEST,
    )
    assert backend.send("iam", "CreateServiceLinkedRole", ROLE_REQUEST) == {}


def test_send_of_a_role_other_invalid_input_is_raised(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    """Only "has been taken" means the role exists: any other InvalidInput is an error."""
    stub["iam"].add_client_error(
        "create_service_linked_role",
        service_error_code="InvalidInput",
        http_status_code=400,
        service_message="Service is not supported in this partition",
        expected_params=ROLE_REQUEST,
    )
    with pytest.raises(errors.PartnerCentralError, match="not supported in this partition"):
        backend.send("iam", "CreateServiceLinkedRole", ROLE_REQUEST)


def test_send_of_a_role_denied_names_the_permission_and_the_role(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["iam"].add_client_error(
        "create_service_linked_role",
        service_error_code="AccessDenied",
        http_status_code=403,
        service_message="not authorized to perform: iam:CreateServiceLinkedRole",
        expected_params=ROLE_REQUEST,
    )
    with pytest.raises(errors.AccessDeniedException, match="grant iam:CreateServiceLinkedRole") as raised:
        backend.send("iam", "CreateServiceLinkedRole", ROLE_REQUEST)
    assert RESALE_AUTHORIZATION_ROLE in raised.value.message


@pytest.mark.parametrize("operation", ["DeleteBenefitApplication", "SubmitCashClaim", "UpdateCashClaim", "AttachFile"])
def test_send_refuses_console_actions_and_says_where_to_do_them(
    backend: AwsPartnerCentral, stub: dict[str, Stubber], operation: str
) -> None:
    with pytest.raises(errors.UnsupportedOperationException) as raised:
        backend.send("partnercentral-benefits", operation, {**ON_APPLICATION, "ClientToken": "console-1"})
    assert raised.value.message == CONSOLE_ONLY[operation]


def test_send_refuses_another_catalog_and_other_operations_before_calling(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    with pytest.raises(errors.ValidationException, match="works in the 'Sandbox' catalog"):
        backend.send("partnercentral-benefits", "SubmitBenefitApplication", {**ON_APPLICATION, "Catalog": "AWS"})
    with pytest.raises(
        errors.UnsupportedOperationException, match="does not make partnercentral-selling CreateEngagement"
    ):
        backend.send("partnercentral-selling", "CreateEngagement", {**CATALOG, "ClientToken": "o-1"})


def test_send_of_a_request_botocore_refuses_names_each_problem(backend: AwsPartnerCentral) -> None:
    """botocore validates before anything goes on the wire (no stub needed: nothing is sent)."""
    with pytest.raises(errors.ValidationException, match="nothing was sent") as raised:
        backend.send("partnercentral-account", "PutProfileVisibility", {**MINE, "Visiblity": "PRIVATE"})
    assert {(e.FieldName, e.Code) for e in raised.value.field_errors} == {
        ("Visiblity", "INVALID_VALUE"),
        ("Visibility", "REQUIRED_FIELD_MISSING"),
    }


# partnercentral-benefits reads: full and sparse responses

BENEFIT_ARN = "arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/benefit/ben-pocfunding0001"
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "POC request",
    "type": "object",
    "properties": {
        "EndDate": {"title": "End date", "description": "The last day.", "type": "string", "format": "date"},
        "Budget": {
            "title": "Budget",
            "description": "Amount.",
            "type": "number",
            "exclusiveMinimum": 0,
            "x-unit": None,
        },
    },
    "required": ["EndDate", "Budget"],
    "additionalProperties": False,
}


def test_list_benefits_sends_its_filters_and_reads_every_page(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    filters = {**CATALOG, "Programs": ["POC"], "FulfillmentTypes": ["CASH", "CREDITS"]}
    stub["benefits"].add_response(
        "list_benefits",
        {
            "BenefitSummaries": [
                {
                    "Id": "ben-pocfunding0001",
                    "Catalog": "Sandbox",
                    "Arn": BENEFIT_ARN,
                    "Name": "Proof of Concept",
                    "Description": "POC funding",
                    "Programs": ["POC"],
                    "FulfillmentTypes": ["CASH", "CREDITS"],
                    "Status": "ACTIVE",
                }
            ],
            "NextToken": "page-2",
        },
        filters,
    )
    stub["benefits"].add_response("list_benefits", {"BenefitSummaries": [{}]}, {**filters, "NextToken": "page-2"})
    full, sparse = backend.list_benefits(program="POC", fulfillment_types=["CASH", "CREDITS"])
    assert (full.Id, full.Name, full.FulfillmentTypes, full.Status) == (
        "ben-pocfunding0001",
        "Proof of Concept",
        ["CASH", "CREDITS"],
        "ACTIVE",
    )
    assert (sparse.Id, sparse.Name, sparse.Programs) == (None, None, [])


def test_list_benefits_without_filters_sends_none(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["benefits"].add_response("list_benefits", {"BenefitSummaries": []}, CATALOG)
    assert backend.list_benefits() == []


def test_get_benefit_by_arn_returns_its_request_schema_as_sent(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["benefits"].add_response(
        "get_benefit",
        {
            "Id": "ben-pocfunding0001",
            "Catalog": "Sandbox",
            "Arn": BENEFIT_ARN,
            "Name": "Proof of Concept",
            "Programs": ["POC"],
            "FulfillmentTypes": ["CASH"],
            "BenefitRequestSchema": SCHEMA,
            "Status": "ACTIVE",
        },
        {**CATALOG, "Identifier": BENEFIT_ARN},
    )
    stub["benefits"].add_response("get_benefit", {}, {**CATALOG, "Identifier": "ben-pocfunding0001"})
    assert backend.get_benefit(BENEFIT_ARN).BenefitRequestSchema == SCHEMA
    sparse = backend.get_benefit("ben-pocfunding0001")
    assert (sparse.Id, sparse.BenefitRequestSchema, sparse.FulfillmentTypes) == (None, None, [])


APPLICATION_FULL = {
    "Id": APPLICATION,
    "Arn": APPLICATION_ARN,
    "Catalog": "Sandbox",
    "BenefitId": BENEFIT_ARN,
    "Name": "Pilot",
    "Description": "A pilot.",
    "FulfillmentTypes": ["CASH"],
    "Programs": ["POC"],
    "Status": "APPROVED",
    "Stage": "Pre-Approved",
    "StatusReason": "",
    "StatusReasonCode": "OK",
    "StatusReasonCodes": ["OK"],
    "CreatedAt": NOW,
    "UpdatedAt": NOW,
    "Revision": "4",
    "AssociatedResources": [APPLICATION_ARN],
    "BenefitApplicationDetails": {"EndDate": "2027-01-31", "Budget": 10000},
    "PartnerContacts": [{"Email": "ana@altocloud-data.example"}],
    "FileDetails": [{"FileURI": "s3://bucket/plan.pdf", "FileStatus": "ScannedClean"}],
}


def test_get_benefit_application_reads_full_and_sparse_responses(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["benefits"].add_response("get_benefit_application", APPLICATION_FULL, ON_APPLICATION)
    stub["benefits"].add_response("get_benefit_application", {}, {**CATALOG, "Identifier": APPLICATION_ARN})
    full = backend.get_benefit_application(APPLICATION)
    assert (full.BenefitId, full.Stage, full.Revision, full.BenefitApplicationDetails["Budget"]) == (
        BENEFIT_ARN,
        "Pre-Approved",
        "4",
        10000,
    )
    assert full.FileDetails[0].FileStatus == "ScannedClean"
    sparse = backend.get_benefit_application(APPLICATION_ARN)
    assert (sparse.Id, sparse.Status, sparse.Revision, sparse.BenefitApplicationDetails) == (None, None, None, {})


def test_list_benefit_applications_reads_full_and_sparse_rows(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    row = {
        k: v
        for k, v in APPLICATION_FULL.items()
        if k
        in (
            "Id",
            "Arn",
            "Catalog",
            "BenefitId",
            "Name",
            "Programs",
            "FulfillmentTypes",
            "Status",
            "Stage",
            "CreatedAt",
            "UpdatedAt",
            "AssociatedResources",
        )
    }
    stub["benefits"].add_response(
        "list_benefit_applications",
        {"BenefitApplicationSummaries": [{**row, "BenefitApplicationDetails": {"EndDate": "2027-01-31"}}, {}]},
        CATALOG,
    )
    full, sparse = backend.list_benefit_applications()
    assert (full.Id, full.BenefitId, full.BenefitApplicationDetails) == (
        APPLICATION,
        BENEFIT_ARN,
        {"EndDate": "2027-01-31"},
    )
    assert (sparse.Id, sparse.Status, sparse.CreatedAt) == (None, None, None)


def _money(amount: str) -> dict:
    return {"Amount": amount, "CurrencyCode": "USD"}


ALLOCATIONS = {  # id -> GetBenefitAllocation's FulfillmentDetail, one branch each
    "benalloc-disbursement01": {
        "DisbursementDetails": {
            "DisbursedAmount": _money("9500.25"),
            "IssuanceDetails": {"IssuanceId": "iss-1", "IssuanceAmount": _money("9500.25"), "IssuedAt": NOW},
        }
    },
    "benalloc-consumable0001": {
        "ConsumableDetails": {
            "AllocatedAmount": _money("500000"),
            "RemainingAmount": _money("320000.005"),
            "UtilizedAmount": _money("n/a"),
        }
    },
    "benalloc-credits0000001": {
        "CreditDetails": {
            "AllocatedAmount": _money("25000"),
            "IssuedAmount": _money("5000"),
            "Codes": [
                {
                    "AwsAccountId": "123456789012",
                    "Value": _money("5000"),
                    "AwsCreditCode": "PC-ABC",
                    "Status": "ACTIVE",
                    "IssuedAt": NOW,
                    "ExpiresAt": NOW,
                }
            ],
        }
    },
    "benalloc-access00000001": {"AccessDetails": {"Description": "Preview access to a new service"}},
}


def test_allocations_read_every_fulfillment_branch_and_tolerate_odd_amounts(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["benefits"].add_response(
        "list_benefit_allocations",
        {
            "BenefitAllocationSummaries": [
                *({"Id": i, "BenefitId": BENEFIT_ARN} for i in ALLOCATIONS),
                {"Name": "Listed without an id", "Status": "ACTIVE"},
            ]
        },
        CATALOG,
    )
    for allocation_id, detail in ALLOCATIONS.items():
        stub["benefits"].add_response(
            "get_benefit_allocation",
            {
                "Id": allocation_id,
                "BenefitId": BENEFIT_ARN,
                "ApplicableBenefitIds": [BENEFIT_ARN],
                "FulfillmentDetail": detail,
            },
            {**CATALOG, "Identifier": allocation_id},
        )
    disbursed, consumable, credits, access, unlisted = backend.list_benefit_allocations()
    assert disbursed.FulfillmentDetail.DisbursementDetails.IssuanceDetails.IssuanceAmount.value == Decimal("9500.25")
    budget = consumable.FulfillmentDetail.ConsumableDetails
    assert (budget.RemainingAmount.value, budget.UtilizedAmount.value) == (Decimal("320000.005"), None)
    assert credits.FulfillmentDetail.CreditDetails.Codes[0].AwsCreditCode == "PC-ABC"
    assert access.FulfillmentDetail.AccessDetails.Description == "Preview access to a new service"
    assert (unlisted.Id, unlisted.Name, unlisted.FulfillmentDetail) == (None, "Listed without an id", None)
    assert consumable.BenefitId == BENEFIT_ARN == consumable.ApplicableBenefitIds[0]


def test_a_sparse_allocation_reads(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["benefits"].add_response(
        "list_benefit_allocations", {"BenefitAllocationSummaries": [{"Id": "benalloc-empty000000001"}]}, CATALOG
    )
    stub["benefits"].add_response("get_benefit_allocation", {}, {**CATALOG, "Identifier": "benalloc-empty000000001"})
    [allocation] = backend.list_benefit_allocations()
    assert (allocation.Id, allocation.Status, allocation.FulfillmentDetail) == (None, None, None)


def test_list_opportunities_reads_rows_with_only_a_catalog(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["selling"].add_response(
        "list_opportunities",
        {"OpportunitySummaries": [{"Catalog": "Sandbox"}]},
        {"Catalog": "Sandbox", "MaxResults": 20, "Sort": {"SortBy": "LastModifiedDate", "SortOrder": "DESCENDING"}},
    )
    [row] = backend.list_opportunities(OpportunityQuery()).OpportunitySummaries
    assert (row.Catalog, row.Id, row.LastModifiedDate, row.LifeCycle) == ("Sandbox", None, None, None)


def test_a_response_the_models_cannot_read_is_one_error_naming_operation_and_field(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    stub["benefits"].add_response("get_benefit_application", {"Id": APPLICATION, "Status": "ON_HOLD"}, ON_APPLICATION)
    with pytest.raises(errors.InternalServerException, match="GetBenefitApplication .* the first in Status") as raised:
        backend.get_benefit_application(APPLICATION)
    assert "ON_HOLD" not in raised.value.message  # the value is not echoed


def test_cash_claims_are_not_in_the_api(backend: AwsPartnerCentral) -> None:
    with pytest.raises(errors.UnsupportedOperationException, match="funding portal"):
        backend.list_cash_claims(APPLICATION)


@pytest.mark.parametrize(
    ("operation", "request_"),
    [(w[1], w[2]) for w in WRITES if w[1] in ("CreateBenefitApplication", "UpdateBenefitApplication")],
    ids=["CreateBenefitApplication", "UpdateBenefitApplication"],
)
def test_send_returns_a_sparse_benefits_answer_as_is(
    backend: AwsPartnerCentral, stub: dict[str, Stubber], operation: str, request_: dict
) -> None:
    """Their output members (Id, Arn, Revision) are all optional: an answer without them is not an error."""
    stub["benefits"].add_response(xform_name(operation), {}, expected_params=request_)
    assert backend.send("partnercentral-benefits", operation, request_) == {}


# A draft on the aws backend: the benefit and its schema come from the API, and only schema fields are sent

POC_SCHEMA = {  # a schema naming its fields unlike the sandbox's, with a field the opportunity cannot answer
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "OpportunityIdentifier": {"title": "Opportunity", "type": "string"},
        "PocTitle": {"title": "Project name", "type": "string", "maxLength": 80},
        "KickoffDate": {"title": "Start date", "type": "string", "format": "date"},
        "WrapUpDate": {"title": "End date", "type": "string", "format": "date"},
        "FundingAmount": {"title": "Requested amount (USD)", "type": "number", "exclusiveMinimum": 0, "maximum": 25000},
        "SuccessCriteria": {
            "title": "Success criteria",
            "description": "How the customer judges the POC.",
            "type": "string",
        },
    },
    "required": ["OpportunityIdentifier", "KickoffDate", "WrapUpDate", "FundingAmount", "SuccessCriteria"],
}
OPPORTUNITY = "O1234567"
OPPORTUNITY_ARN = f"arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/opportunity/{OPPORTUNITY}"


def _stub_draft_reads(stub: dict[str, Stubber], applications: list[dict]) -> None:
    """ListBenefits (a sparse row first, the POC benefit by ARN), GetBenefit, GetOpportunity, ListBenefitApplications."""
    stub["benefits"].add_response(
        "list_benefits",
        {
            "BenefitSummaries": [
                {"Name": "Proof of Concept", "Status": "ACTIVE"},  # no id: skipped
                {
                    "Id": "ben-pocfunding0001",
                    "Arn": BENEFIT_ARN,
                    "Name": "Proof of Concept",
                    "Programs": ["POC"],
                    "FulfillmentTypes": ["CASH"],
                    "Status": "ACTIVE",
                },
            ]
        },
        {**CATALOG, "Programs": ["POC"]},
    )
    stub["benefits"].add_response(
        "get_benefit",
        {"Name": "Proof of Concept", "BenefitRequestSchema": POC_SCHEMA},
        {**CATALOG, "Identifier": "ben-pocfunding0001"},
    )
    stub["selling"].add_response(
        "get_opportunity",
        {
            "Id": OPPORTUNITY,
            "Arn": OPPORTUNITY_ARN,
            "Catalog": "Sandbox",
            "CreatedDate": NOW,
            "LastModifiedDate": NOW,
            "RelatedEntityIdentifiers": {},
            "LifeCycle": {"Stage": "Qualified"},
            "Project": {
                "Title": "Contract search",
                "ExpectedCustomerSpend": [
                    {"Amount": "20000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
                ],
            },
        },
        {**CATALOG, "Identifier": OPPORTUNITY},
    )
    stub["benefits"].add_response("list_benefit_applications", {"BenefitApplicationSummaries": applications}, CATALOG)


def test_a_draft_reads_the_benefit_and_its_schema_first_and_sends_only_schema_fields(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    from agent.funding import benefits
    from agent.graphs.fund_request import FUND_REQUEST_DRAFT, FundRequestDraft, plan_fund_request
    from agent.graphs.plans import apply_call

    benefits._cache.clear()
    _stub_draft_reads(
        stub,
        [
            {
                "Id": APPLICATION,
                "BenefitId": "ben-pocfunding0001",
                "Status": "APPROVED",
                "AssociatedResources": [
                    "arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/opportunity/O7654321"
                ],
            }
        ],
    )
    plan = plan_fund_request(
        backend,
        FundRequestDraft(
            opportunity_id=OPPORTUNITY,
            program="proof-of-concept",
            answers={"SuccessCriteria": "90% of questions answered"},
            today=datetime(2027, 3, 1).date(),
        ),
    )
    [call] = plan.calls
    request = call.request
    assert request["BenefitIdentifier"] == "ben-pocfunding0001" and request["AssociatedResources"] == [OPPORTUNITY_ARN]
    assert request["BenefitApplicationDetails"] == {
        "OpportunityIdentifier": OPPORTUNITY,
        "PocTitle": "Proof of Concept (POC): Contract search",
        "KickoffDate": "2027-03-15",
        "WrapUpDate": "2027-05-14",
        "FundingAmount": 25000,
        "SuccessCriteria": "90% of questions answered",
    }
    sent = {**request, "ClientToken": ANY}
    stub["benefits"].add_response("create_benefit_application", {"Id": "benappl-new00000000001"}, sent)
    assert apply_call(FUND_REQUEST_DRAFT, backend, call, "approval-1") == {
        "Id": "benappl-new00000000001",
        "Status": "PENDING_SUBMISSION",
    }


def test_a_draft_on_aws_refuses_a_program_the_opportunity_already_has(
    backend: AwsPartnerCentral, stub: dict[str, Stubber]
) -> None:
    from agent.funding import benefits
    from agent.graphs.fund_request import FundRequestDraft, plan_fund_request
    from agent.graphs.plans import PlanError

    benefits._cache.clear()
    _stub_draft_reads(
        stub,
        [
            {
                "Id": APPLICATION,
                "BenefitId": BENEFIT_ARN,
                "Status": "IN_REVIEW",
                "AssociatedResources": [OPPORTUNITY_ARN],
            }
        ],
    )
    with pytest.raises(PlanError, match=f"already requested for {OPPORTUNITY}: {APPLICATION} \\(IN_REVIEW\\)"):
        plan_fund_request(
            backend,
            FundRequestDraft(opportunity_id=OPPORTUNITY, program="proof-of-concept", today=datetime(2027, 3, 1).date()),
        )


# Every read the backend makes, with the sparsest and the fullest answers the API allows

READ_ARGUMENTS = {  # a value for each parameter a read method requires
    "opportunity_id": OPPORTUNITY,
    "benefit_id": BENEFIT_ARN,
    "application_id": APPLICATION,
    "verification_type": "BUSINESS_VERIFICATION",
    "query": OpportunityQuery(),
    "email": "ana@altocloud-data.example",
    "invitation_id": "engi-alto000000001",
    "operation": "StartEngagementFromOpportunityTask",
    "task_id": "task-0000000000001",
}


def read_methods() -> list[str]:
    """Every method of the backend interface but `send`, which makes writes exactly as given."""
    return sorted(name for name in PartnerCentral.__abstractmethods__ if name != "send")


def _call_read(backend: AwsPartnerCentral, method: str) -> object:
    read = getattr(backend, method)
    required = [p.name for p in inspect.signature(read).parameters.values() if p.default is inspect.Parameter.empty]
    return read(**{name: READ_ARGUMENTS[name] for name in required})


def _unkept(value: object, path: str) -> list[str]:
    """Where a value read from a full answer lost something: a member left unset or empty (a union's other branches
    excepted, evidence the value names in its ``Unknown``, which no API answers, and a data product's code)."""
    if isinstance(value, list):
        return [problem for i, item in enumerate(value) for problem in _unkept(item, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [problem for key, item in value.items() for problem in _unkept(item, f"{path}.{key}")]
    if not isinstance(value, BaseModel):
        return []
    union = isinstance(value, ApiModel) and value.api_shape and model_shape(value).metadata.get("union")
    unknown = getattr(value, "Unknown", None) or {}
    if getattr(value, "ProductType", None) == "DataProduct":
        unknown = {"ProductCode"}  # data products carry no product code
    problems = []
    for name in type(value).model_fields:
        item = getattr(value, name)
        if item is None or item == [] or item == {}:
            if not union and name not in unknown:
                problems.append(f"{path}.{name}")
            continue
        problems += _unkept(item, f"{path}.{name}")
    return problems


def model_shape(model: ApiModel):
    service, shape = model.api_shape
    return boto3.client(service, region_name="us-east-1").meta.service_model.shape_for(shape)


def _with_product_codes(answer):
    """``answer`` with a product code in DescribeEntity's details: a free-form document the output shape cannot
    generate, which a full answer has."""

    def coded(service: str, operation: str, request: dict) -> dict:
        body = answer(service, operation, request)
        if operation == "DescribeEntity":
            body = {**body, "DetailsDocument": {"Description": {"ProductCode": "a1b2c3d4e5f6g7h8i9j0k1l2m"}}}
        return body

    return coded


@pytest.mark.parametrize("full", [False, True], ids=["sparse", "full"])
@pytest.mark.parametrize("method", read_methods())
def test_every_read_reads_the_sparsest_and_the_fullest_answer(
    backend: AwsPartnerCentral, method: str, full: bool
) -> None:
    """Sparse: only the members the API requires (a list answer with one such row). Full: every member, and a second
    page. Nothing the model keeps is lost from a full answer; the connection keeps the other side's name."""
    with StubbedAws(
        backend, _with_product_codes(generated(full=full)) if full else generated(full=False)
    ).active() as stubbed:
        try:
            result = _call_read(backend, method)
        except errors.UnsupportedOperationException:
            assert stubbed.calls == [], "a read the backend says it cannot make made calls"
            return
    assert stubbed.calls, f"{method} called nothing"
    if full:
        assert _unkept(result, method) == []
        if method == "list_connections":
            assert result[0].ConnectionTypes["SUBSIDIARY"].OtherParticipant.name == "a"


def _with_unknown_enum_values(answer):
    """``answer`` with every enum value replaced by one the API might add later (botocore's checks let it through)."""
    from botocore.session import get_session

    def unknown(value: object, shape) -> object:
        if shape.type_name == "structure" and not shape.metadata.get("document"):
            return {name: unknown(item, shape.members[name]) for name, item in value.items()}
        if shape.type_name == "list":
            return [unknown(item, shape.member) for item in value]
        if shape.type_name == "map":
            return {unknown(key, shape.key): unknown(item, shape.value) for key, item in value.items()}
        return "A_NEW_VALUE" if shape.type_name == "string" and shape.enum else value

    def changed(service: str, operation: str, request: dict) -> dict:
        shape = get_session().get_service_model(service).operation_model(operation).output_shape
        return unknown(answer(service, operation, request), shape) if shape else {}

    return changed


@pytest.mark.parametrize("method", read_methods())
def test_an_answer_a_read_cannot_understand_is_one_error_naming_operation_and_field(
    backend: AwsPartnerCentral, method: str
) -> None:
    with StubbedAws(backend, _with_unknown_enum_values(generated(full=True))).active() as stubbed:
        try:
            _call_read(backend, method)
        except UnreadableResponse as raised:
            unread = raised
        except errors.UnsupportedOperationException:
            return
        else:
            return  # nothing it reads has an enum
    operation = stubbed.calls[-1][1]
    said = re.fullmatch(
        rf"{operation} answered with a response this server cannot read \(\d+ problem\(s\), the first "
        r"in ([\w.\[\]]+): (.+)\)\. Report it with the operation's name; nothing was changed\.",
        unread.message,
    )
    assert said, unread.message
    assert "A_NEW_VALUE" not in said[2]  # what was received is not echoed (a map key names where it is)
    tool_message = _tool_error_text(unread)
    assert tool_message.startswith(f"InternalServerException: {operation} answered") and "try again" not in tool_message


def _tool_error_text(error: Exception) -> str:
    """What the model reads when a tool meets ``error``."""
    from agent.tools.errors import for_the_model

    return for_the_model(error)
