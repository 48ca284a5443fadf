"""The aws backend against botocore's Stubber, which checks every request against the real service model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from agent.backends import errors
from agent.backends.aws import AwsPartnerCentral
from agent.backends.base import OpportunityQuery

PARTNER = "partner-altocloud0004"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ARN = f"arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/partner/{PARTNER}"


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> AwsPartnerCentral:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return AwsPartnerCentral(PARTNER, "Sandbox", "us-east-1", session=boto3.session.Session(region_name="us-east-1"))


@pytest.fixture
def stub(backend: AwsPartnerCentral) -> Iterator[dict[str, Stubber]]:
    stubbers = {name: Stubber(getattr(backend, name)) for name in ("account", "selling", "benefits")}
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def test_get_partner(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_response(
        "get_partner",
        {
            "Catalog": "Sandbox", "Arn": ARN, "Id": PARTNER, "LegalName": "AltoCloud Data Inc.", "CreatedAt": NOW,
            "Profile": {
                "DisplayName": "AltoCloud Data", "Description": "Managed analytics on AWS.",
                "WebsiteUrl": "https://altocloud-data.example", "LogoUrl": "https://altocloud-data.example/logo.png",
                "PrimarySolutionType": "SOFTWARE_PRODUCTS", "IndustrySegments": ["RETAIL"], "TranslationSourceLocale": "en-US",
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
            "OpportunitySummaries": [{
                "Catalog": "Sandbox", "Id": "O4000001", "LastModifiedDate": NOW, "CreatedDate": NOW,
                "LifeCycle": {"Stage": "Qualified", "ReviewStatus": "Approved"},
                "Customer": {"Account": {"CompanyName": "Northwind Grocers Inc."}},
                "Project": {"ExpectedCustomerSpend": [{"Amount": "60000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}]},
            }],
            "NextToken": "page-2",
        },
        {
            "Catalog": "Sandbox", "MaxResults": 5, "Sort": {"SortBy": "TargetCloseDate", "SortOrder": "ASCENDING"},
            "LifeCycleStage": ["Qualified"], "CustomerCompanyName": ["Northwind"], "NextToken": "page-1",
        },
    )
    page = backend.list_opportunities(OpportunityQuery(
        LifeCycleStage=["Qualified"], CustomerCompanyName=["Northwind"], MaxResults=5,
        SortBy="TargetCloseDate", SortOrder="ASCENDING", NextToken="page-1",
    ))
    assert page.NextToken == "page-2"
    assert page.OpportunitySummaries[0].Project.ExpectedCustomerSpend[0].Amount == "60000"


def test_not_found_becomes_the_same_error_as_the_sandbox(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["selling"].add_client_error(
        "get_opportunity", service_error_code="ResourceNotFoundException", service_message="Opportunity O9 not found",
        http_status_code=404, expected_params={"Catalog": "Sandbox", "Identifier": "O9"},
    )
    with pytest.raises(errors.ResourceNotFoundException, match="O9 not found"):
        backend.get_opportunity("O9")


def test_validation_error_keeps_the_field_list(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["selling"].add_client_error(
        "get_opportunity", service_error_code="ValidationException", service_message="Invalid request",
        http_status_code=400,
        response_meta={},
        modeled_fields={"Message": "Invalid request", "Reason": "REQUEST_VALIDATION_FAILED",
                        "ErrorList": [{"FieldName": "Identifier", "Message": "bad id", "Code": "INVALID_STRING_FORMAT"}]},
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
            "Id": "benalloc-alto0sca000001", "Catalog": "Sandbox", "Name": "SCA", "Status": "ACTIVE",
            "FulfillmentType": "CASH",
            "FulfillmentDetail": {"ConsumableDetails": {
                "AllocatedAmount": {"Amount": "500000", "CurrencyCode": "USD"},
                "RemainingAmount": {"Amount": "320000", "CurrencyCode": "USD"}}},
        },
        {"Catalog": "Sandbox", "Identifier": "benalloc-alto0sca000001"},
    )
    [allocation] = backend.list_benefit_allocations()
    assert allocation.FulfillmentDetail.ConsumableDetails.RemainingAmount.Amount == "320000"


def test_throttling_and_access_denied_map_to_their_errors(backend: AwsPartnerCentral, stub: dict[str, Stubber]) -> None:
    stub["account"].add_client_error("get_profile_visibility", service_error_code="AccessDeniedException",
                                     service_message="not authorized", http_status_code=403)
    with pytest.raises(errors.AccessDeniedException):
        backend.get_profile_visibility()


def test_data_outside_partner_central_says_where_to_look(backend: AwsPartnerCentral) -> None:
    with pytest.raises(errors.UnsupportedOperationException, match="Marketplace Management Portal"):
        backend.get_seller_setup()
