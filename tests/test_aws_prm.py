"""Seller setup, PRM evidence and the PRM and onboarding verdicts on the aws backend, every AWS call under botocore's
Stubber (which checks each request against the real service model): full and sparse answers, and one source failing
while the rest stay known."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from mcp import Client

from agent.app import AgentApp
from agent.backends.aws import PRODUCT_TYPES, AwsPartnerCentral
from agent.compliance.prm import EVIDENCE_ACTIONS, PRM_EVIDENCE_ACTIONS, assess_prm
from agent.config import Settings
from agent.graphs.onboarding import ConnectionChange, plan_connections
from agent.models.seller import (
    RESALE_AUTHORIZATION_ROLE,
    CostAllocationTag,
    MarketplaceProductSummary,
    RevenueAttribution,
)
from agent.onboarding.status import onboarding_status, read_snapshot
from agent.server import build_server
from agent.tools.onboarding import PRM_ACTIONS, STATUS_ACTIONS
from agent.trust.permissions import known_actions, missing_actions
from tests.stubbed_aws import offline_backend, stubbers

PARTNER = "partner-altocloud0004"
LINKED, SUBSIDIARY = "123456789012", "222233334444"
ARN = f"arn:aws:partnercentral:us-east-1:{LINKED}:catalog/Sandbox/partner/{PARTNER}"
NOW = datetime.now(UTC).replace(microsecond=0)
SAAS, AMI, DATA = "prod-altosaas00001", "prod-altoami000001", "prod-altodata00001"
SAAS_CODE, AMI_CODE = "b2k9altocloudwarehouse7", "7qx2altocloudami4engine"
MARKETPLACE = {"Catalog": "AWSMarketplace"}
SANDBOX = {"Catalog": "Sandbox"}
PRM_KEYS = {"TagKeys": ["aws-apn-id", f"aws-apn-id-{LINKED}"], "Type": "UserDefined"}
NO_API = {"SellerRegistration", "TaxInterview", "BankAccount", "Compliance"}
FOUR_UNKNOWN_TASKS = {"seller_registration", "tax_interview", "banking", "compliance"}


def iso(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> AwsPartnerCentral:
    return offline_backend(monkeypatch, PARTNER)


@pytest.fixture
def stubs(backend: AwsPartnerCentral) -> Iterator[dict[str, Stubber]]:
    with stubbers(backend, "account", "iam", "catalog_api", "ce", "revenue") as answers:
        yield answers


# AWS answers, full unless said otherwise


def partner(*, headquarters: bool = True) -> dict:
    profile = {
        "DisplayName": "AltoCloud Data",
        "Description": "Managed analytics and data lakes on AWS for retailers and banks.",
        "WebsiteUrl": "https://altocloud-data.example",
        "LogoUrl": "https://altocloud-data.example/logo.png",
        "PrimarySolutionType": "SOFTWARE_PRODUCTS",
        "IndustrySegments": ["RETAIL"],
        "TranslationSourceLocale": "en-US",
    }
    if headquarters:
        profile["Headquarters"] = {"CountryCode": "US", "SubdivisionCode": "WA"}
    return {
        "Catalog": "Sandbox",
        "Arn": ARN,
        "Id": PARTNER,
        "LegalName": "AltoCloud Data Inc.",
        "CreatedAt": NOW,
        "Profile": profile,
    }


def entity(entity_id: str, entity_type: str, title: str, visibility: str) -> dict:
    return {
        "EntityId": entity_id,
        "EntityType": entity_type,
        "Name": title,
        "Visibility": visibility,
        "EntityArn": f"arn:aws:aws-marketplace:us-east-1:{LINKED}:AWSMarketplace/{entity_type}/{entity_id}",
        "LastModifiedDate": "2026-10-01T00:00:00Z",
        f"{entity_type}Summary": {"ProductTitle": title, "Visibility": visibility},
    }


def described(entity_id: str, code: str | None, *, as_string: bool = False) -> dict:
    details = {"Description": {"ProductTitle": "A product", "ProductCode": code}} if code else {"Versions": []}
    body = {
        "EntityType": "SaaSProduct@1.0",
        "EntityIdentifier": f"{entity_id}@4",
        "LastModifiedDate": "2026-10-01T00:00:00Z",
    }
    return {**body, "Details": json.dumps(details)} if as_string else {**body, "DetailsDocument": details}


def cost_allocation_tag(key: str, *, status: str = "Active", used: timedelta | None = timedelta(days=5)) -> dict:
    tag = {"TagKey": key, "Type": "UserDefined", "Status": status, "LastUpdatedDate": iso(NOW - timedelta(days=90))}
    return tag | ({"LastUsedDate": iso(NOW - used)} if used is not None else {})


def attribution(product_id: str, code: str) -> dict:
    return {
        "Id": "ra-aabbccddee001",
        "Arn": f"arn:aws:partnercentral:us-east-1:{LINKED}:catalog/Sandbox/revenue-attribution/ra-aabbccddee001",
        "Catalog": "Sandbox",
        "Name": "Warehouse deals",
        "TenancyModel": "MULTI_TENANT",
        "MarketplaceProduct": {"ProductId": product_id, "ProductCode": code, "ProductName": "AltoCloud Warehouse"},
    }


ROLE = {
    "Path": "/aws-service-role/resale-authorization.marketplace.amazonaws.com/",
    "RoleName": RESALE_AUTHORIZATION_ROLE,
    "RoleId": "AROA1234567890EXAMPLE",
    "CreateDate": NOW,
    "Arn": f"arn:aws:iam::{LINKED}:role/aws-service-role/resale-authorization.marketplace.amazonaws.com/"
    f"{RESALE_AUTHORIZATION_ROLE}",
}
LISTINGS = {
    "SaaSProduct": [entity(SAAS, "SaaSProduct", "AltoCloud Managed Warehouse", "Public")],
    "AmiProduct": [entity(AMI, "AmiProduct", "AltoCloud Engine", "Limited")],
    "DataProduct": [entity(DATA, "DataProduct", "Retail benchmarks", "Public")],
}


def denied(stubber: Stubber, operation: str, expected: dict, action: str) -> None:
    stubber.add_client_error(
        operation,
        service_error_code="AccessDeniedException",
        http_status_code=403,
        service_message=f"User is not authorized to perform: {action}",
        expected_params=expected,
    )


def stub_listings(stubs: dict[str, Stubber], rows: dict[str, list[dict]], codes: dict[str, dict] | None = None) -> None:
    """ListEntities for every product type, then DescribeEntity for each listing but data products."""
    for entity_type in PRODUCT_TYPES:
        stubs["catalog_api"].add_response(
            "list_entities",
            {"EntitySummaryList": rows.get(entity_type, [])},
            {**MARKETPLACE, "EntityType": entity_type, "OwnershipType": "SELF"},
        )
    described_ids = [
        row["EntityId"]
        for entity_type in PRODUCT_TYPES
        for row in rows.get(entity_type, [])
        if entity_type != "DataProduct" and "EntityId" in row
    ]
    for entity_id in described_ids:
        stubs["catalog_api"].add_response(
            "describe_entity",
            (codes or {}).get(entity_id, described(entity_id, None)),
            {**MARKETPLACE, "EntityId": entity_id},
        )


def stub_seller_setup(stubs: dict[str, Stubber], *, rows: dict[str, list[dict]] = LISTINGS) -> None:
    stubs["iam"].add_response("get_role", {"Role": ROLE}, {"RoleName": RESALE_AUTHORIZATION_ROLE})
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    stub_listings(stubs, rows, {SAAS: described(SAAS, SAAS_CODE), AMI: described(AMI, AMI_CODE, as_string=True)})


def stub_prm_evidence(stubs: dict[str, Stubber], *, tags: list[dict] | None = None) -> None:
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    stubs["ce"].add_response(
        "list_cost_allocation_tags",
        {"CostAllocationTags": ([cost_allocation_tag(f"aws-apn-id-{LINKED}")] if tags is None else tags)},
        PRM_KEYS,
    )
    stubs["revenue"].add_response(
        "list_revenue_attributions", {"RevenueAttributionSummaries": [attribution(SAAS, SAAS_CODE)]}, SANDBOX
    )


# get_seller_setup


def test_the_seller_setup_reads_listings_codes_role_and_headquarters(backend: AwsPartnerCentral, stubs) -> None:
    stub_seller_setup(stubs)
    setup = backend.get_seller_setup()
    [account] = setup.SellerAccounts
    assert (account.AwsAccountId, account.LegalName, account.IsPrimary) == (LINKED, "AltoCloud Data Inc.", True)
    assert [
        (listing.ProductId, listing.ProductCode, listing.ProductType, listing.Visibility)
        for listing in account.Listings
    ] == [(SAAS, SAAS_CODE, "SaaS", "Public"), (AMI, AMI_CODE, "AMI", "Limited"), (DATA, None, "DataProduct", "Public")]
    assert setup.HeadquartersCountryCode == "US"
    assert setup.ResaleAuthorizationRoleExists is True
    assert setup.EscCatalogRegistration == "COMPLETED"
    # only what no AWS API exposes is unknown, plus the seller accounts these credentials cannot see
    assert set(setup.Unknown) == NO_API | {"SellerAccounts"}
    assert setup.SellerRegistration is None and setup.TaxInterview is None and setup.Compliance is None
    assert all("Marketplace Management Portal" in setup.Unknown[name].Where for name in NO_API)


def test_a_sparse_catalog_answer_still_reads(backend: AwsPartnerCentral, stubs) -> None:
    """Rows with nothing but an id, a row without one (skipped), details without a product code, no headquarters."""
    stubs["iam"].add_client_error(
        "get_role",
        service_error_code="NoSuchEntity",
        http_status_code=404,
        expected_params={"RoleName": RESALE_AUTHORIZATION_ROLE},
    )
    stubs["account"].add_response("get_partner", partner(headquarters=False), {**SANDBOX, "Identifier": PARTNER})
    for entity_type in PRODUCT_TYPES:
        rows = {
            "SaaSProduct": [{"EntityId": SAAS}, {"Name": "no id"}],
            "ProfessionalServicesProduct": [
                {"EntityId": "prod-altoproserv01", "Name": "Migration sprint", "Visibility": "Draft"}
            ],
        }.get(entity_type)
        stubs["catalog_api"].add_response(
            "list_entities",
            {"EntitySummaryList": rows} if rows else {},
            {**MARKETPLACE, "EntityType": entity_type, "OwnershipType": "SELF"},
        )
    stubs["catalog_api"].add_response("describe_entity", {}, {**MARKETPLACE, "EntityId": SAAS})
    stubs["catalog_api"].add_response(
        "describe_entity",
        described("prod-altoproserv01", "8d3dhvaytz2l63mydmfgn9wkf"),
        {**MARKETPLACE, "EntityId": "prod-altoproserv01"},
    )
    setup = backend.get_seller_setup()
    listings = setup.SellerAccounts[0].Listings
    assert [(listing.ProductId, listing.Title, listing.ProductCode, listing.Visibility) for listing in listings] == [
        (SAAS, SAAS, None, None),
        ("prod-altoproserv01", "Migration sprint", "8d3dhvaytz2l63mydmfgn9wkf", "Draft"),
    ]
    assert setup.EscCatalogRegistration == "COMPLETED"  # a listing of unknown visibility exists
    assert setup.ResaleAuthorizationRoleExists is False
    assert setup.HeadquartersCountryCode is None and "HeadquartersCountryCode" not in setup.Unknown  # not set, known


def test_only_draft_listings_leave_the_catalog_registration_in_progress(backend: AwsPartnerCentral, stubs) -> None:
    stub_seller_setup(stubs, rows={"SaaSProduct": [entity(SAAS, "SaaSProduct", "AltoCloud", "Draft")]})
    assert backend.get_seller_setup().EscCatalogRegistration == "IN_PROGRESS"


def test_listings_denied_leave_the_rest_known_and_name_the_action(backend: AwsPartnerCentral, stubs) -> None:
    stubs["iam"].add_response("get_role", {"Role": ROLE}, {"RoleName": RESALE_AUTHORIZATION_ROLE})
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    for entity_type in PRODUCT_TYPES:
        denied(
            stubs["catalog_api"],
            "list_entities",
            {**MARKETPLACE, "EntityType": entity_type, "OwnershipType": "SELF"},
            "aws-marketplace:ListEntities",
        )
    setup = backend.get_seller_setup()
    assert "aws-marketplace:ListEntities" in setup.Unknown["Listings"].Reason
    assert setup.EscCatalogRegistration is None and setup.Unknown["EscCatalogRegistration"] == setup.Unknown["Listings"]
    assert setup.ResaleAuthorizationRoleExists is True and setup.HeadquartersCountryCode == "US"


def test_a_product_code_denied_keeps_the_listing(backend: AwsPartnerCentral, stubs) -> None:
    stubs["iam"].add_response("get_role", {"Role": ROLE}, {"RoleName": RESALE_AUTHORIZATION_ROLE})
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    for entity_type in PRODUCT_TYPES:
        stubs["catalog_api"].add_response(
            "list_entities",
            {"EntitySummaryList": LISTINGS.get(entity_type, [])},
            {**MARKETPLACE, "EntityType": entity_type, "OwnershipType": "SELF"},
        )
    denied(stubs["catalog_api"], "describe_entity", {**MARKETPLACE, "EntityId": SAAS}, "aws-marketplace:DescribeEntity")
    stubs["catalog_api"].add_response("describe_entity", described(AMI, AMI_CODE), {**MARKETPLACE, "EntityId": AMI})
    setup = backend.get_seller_setup()
    assert [listing.ProductCode for listing in setup.SellerAccounts[0].Listings] == [None, AMI_CODE, None]
    assert "aws-marketplace:DescribeEntity" in setup.Unknown["ProductCodes"].Reason
    assert setup.EscCatalogRegistration == "COMPLETED"


def test_a_throttled_role_check_is_unknown_with_the_reason(backend: AwsPartnerCentral, stubs) -> None:
    stubs["iam"].add_client_error(
        "get_role",
        service_error_code="Throttling",
        http_status_code=400,
        service_message="Rate exceeded",
        expected_params={"RoleName": RESALE_AUTHORIZATION_ROLE},
    )
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    stub_listings(stubs, {})
    setup = backend.get_seller_setup()
    assert setup.ResaleAuthorizationRoleExists is None
    reason = setup.Unknown["ResaleAuthorizationRoleExists"].Reason
    assert "iam:GetRole" in reason and "Rate exceeded" in reason
    assert setup.EscCatalogRegistration == "NOT_STARTED"  # every product type listed: none


def test_get_partner_denied_leaves_headquarters_and_listings_unknown(backend: AwsPartnerCentral, stubs) -> None:
    stubs["iam"].add_response("get_role", {"Role": ROLE}, {"RoleName": RESALE_AUTHORIZATION_ROLE})
    denied(stubs["account"], "get_partner", {**SANDBOX, "Identifier": PARTNER}, "partnercentral:GetPartner")
    setup = backend.get_seller_setup()
    assert setup.SellerAccounts == [] and setup.HeadquartersCountryCode is None
    assert {"HeadquartersCountryCode", "Listings", "EscCatalogRegistration"} <= set(setup.Unknown)
    assert "partnercentral:GetPartner" in setup.Unknown["Listings"].Reason
    assert setup.ResaleAuthorizationRoleExists is True


# get_prm_evidence


def test_prm_evidence_reads_the_linked_account_tag_keys_and_attribution_ids(backend: AwsPartnerCentral, stubs) -> None:
    stub_prm_evidence(stubs)
    evidence = backend.get_prm_evidence()
    assert evidence.LinkedPrimaryAccountId == LINKED  # the account of GetPartner's ARN
    assert [(tag.TagKey, tag.Status) for tag in evidence.CostAllocationTags] == [(f"aws-apn-id-{LINKED}", "Active")]
    assert evidence.RevenueAttributions[0].MarketplaceProduct.ProductCode == SAAS_CODE
    assert evidence.Signals is None and set(evidence.Unknown) == {"Signals"}
    assert "Attributed revenue" in evidence.Unknown["Signals"].Where


def test_sparse_prm_answers_read(backend: AwsPartnerCentral, stubs) -> None:
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    stubs["ce"].add_response("list_cost_allocation_tags", {}, PRM_KEYS)
    stubs["revenue"].add_response(
        "list_revenue_attributions", {"RevenueAttributionSummaries": [{"TenancyModel": "SINGLE_TENANT"}]}, SANDBOX
    )
    evidence = backend.get_prm_evidence()
    assert evidence.CostAllocationTags == [] and evidence.RevenueAttributions == [RevenueAttribution()]


def test_cost_explorer_denied_names_the_action_and_keeps_the_rest(backend: AwsPartnerCentral, stubs) -> None:
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    denied(stubs["ce"], "list_cost_allocation_tags", PRM_KEYS, "ce:ListCostAllocationTags")
    stubs["revenue"].add_client_error(
        "list_revenue_attributions",
        service_error_code="InternalServerException",
        http_status_code=500,
        service_message="try again",
        expected_params=SANDBOX,
    )
    evidence = backend.get_prm_evidence()
    assert evidence.CostAllocationTags is None and evidence.RevenueAttributions is None
    assert "ce:ListCostAllocationTags" in evidence.Unknown["CostAllocationTags"].Reason
    assert "partnercentral:ListRevenueAttributions failed" in evidence.Unknown["RevenueAttributions"].Reason
    assert evidence.LinkedPrimaryAccountId == LINKED


def test_without_the_partner_only_the_older_tag_key_is_asked_for(backend: AwsPartnerCentral, stubs) -> None:
    denied(stubs["account"], "get_partner", {**SANDBOX, "Identifier": PARTNER}, "partnercentral:GetPartner")
    stubs["ce"].add_response(
        "list_cost_allocation_tags", {"CostAllocationTags": []}, {"TagKeys": ["aws-apn-id"], "Type": "UserDefined"}
    )
    stubs["revenue"].add_response("list_revenue_attributions", {"RevenueAttributionSummaries": []}, SANDBOX)
    evidence = backend.get_prm_evidence()
    assert evidence.LinkedPrimaryAccountId is None
    assert "partnercentral:GetPartner" in evidence.Unknown["LinkedPrimaryAccountId"].Reason


def test_every_call_the_evidence_reads_make_is_declared_by_the_tools(backend: AwsPartnerCentral, stubs) -> None:
    """The IAM action of each operation called, against the actions the tools declare."""
    called: set[str] = set()
    prefixes = {
        "account": "partnercentral",
        "revenue": "partnercentral",
        "catalog_api": "aws-marketplace",
        "ce": "ce",
        "iam": "iam",
    }
    for name, prefix in prefixes.items():
        getattr(backend, name).meta.events.register(
            "before-call", lambda model, prefix=prefix, **_: called.add(f"{prefix}:{model.name}")
        )
    stub_seller_setup(stubs)
    stub_prm_evidence(stubs)
    backend.get_seller_setup()
    backend.get_prm_evidence()
    for tool, required in (("get_onboarding_status", STATUS_ACTIONS), ("check_prm_compliance", PRM_ACTIONS)):
        assert called <= {*required, *EVIDENCE_ACTIONS[tool]}, tool


def test_the_access_data_knows_the_evidence_actions_and_the_policies_granting_them() -> None:
    assert set(PRM_EVIDENCE_ACTIONS) <= known_actions()
    # the default stdio principal's policies grant every evidence read but Cost Explorer's (a billing policy does)
    default = ["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"]
    assert missing_actions(default, PRM_EVIDENCE_ACTIONS, "AWS") == ["ce:ListCostAllocationTags"]


# the verdicts: assess_prm, onboarding status, and the tools through a real MCP client


def assessment(backend: AwsPartnerCentral):
    return assess_prm(backend.get_seller_setup(), backend.get_prm_evidence(), [], [], NOW)


def test_complete_answers_give_a_prm_verdict(backend: AwsPartnerCentral, stubs) -> None:
    stub_seller_setup(stubs)
    stub_prm_evidence(stubs)
    result = assessment(backend)
    statuses = {r.id: r.status for r in result.requirements}
    assert statuses == {
        "linked_primary_account": "met",
        "marketplace_listing": "met",
        "revenue_attribution": "met",
        "subsidiary_connections": "not_applicable",
    }
    assert result.prm_ready is True and result.plan == []
    attribution_ = next(r for r in result.requirements if r.id == "revenue_attribution")
    assert f"aws-apn-id-{LINKED}" in attribution_.evidence[0]
    assert any(f"pc:{SAAS_CODE}" in note and "Tag Editor" in note for note in attribution_.remediation)  # values unseen
    subsidiaries = next(r for r in result.requirements if r.id == "subsidiary_connections")
    assert "not visible" in subsidiaries.evidence[0]


@pytest.mark.parametrize(
    ("tags", "said"),
    [
        ([], "lists no PRM tag key"),
        ([cost_allocation_tag("aws-apn-id", used=timedelta(days=200))], "too long ago to count"),
        ([cost_allocation_tag("aws-apn-id", used=None)], "last used never"),
    ],
)
def test_no_recent_tag_key_leaves_attribution_unknown_never_not_met(
    backend, stubs, tags: list[dict], said: str
) -> None:
    """User agents and tags in customers' accounts are invisible here: no tag key seen is not proof of no attribution."""
    stub_seller_setup(stubs)
    stub_prm_evidence(stubs, tags=tags)
    result = assessment(backend)
    attribution_ = next(r for r in result.requirements if r.id == "revenue_attribution")
    assert attribution_.status == "unknown" and any(said in line for line in attribution_.evidence)
    assert attribution_.remediation[0] == (
        "Check whether AWS measures your product codes in Partner Central's "
        "Attributed revenue dashboard (Onboarding status table)."
    )
    assert any(f"APN_1.1/pc_{SAAS_CODE}$" in step for step in attribution_.remediation)
    assert result.prm_ready is None and result.gaps == []


def test_an_open_requirement_still_gives_a_verdict_beside_an_unknown_one(backend: AwsPartnerCentral, stubs) -> None:
    stub_seller_setup(stubs, rows={})
    stub_prm_evidence(stubs, tags=[])
    result = assessment(backend)
    assert {r.id: r.status for r in result.requirements}["marketplace_listing"] == "not_met"
    assert result.prm_ready is False


def test_a_product_code_unread_in_the_catalog_comes_from_its_revenue_attribution_id(backend, stubs) -> None:
    stubs["iam"].add_response("get_role", {"Role": ROLE}, {"RoleName": RESALE_AUTHORIZATION_ROLE})
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    stub_listings(stubs, {"SaaSProduct": LISTINGS["SaaSProduct"]})  # described without a product code
    stub_prm_evidence(stubs)
    result = assessment(backend)
    assert result.seller_accounts[0].product_codes == [SAAS_CODE]
    listing = next(r for r in result.requirements if r.id == "marketplace_listing")
    assert f"product code {SAAS_CODE}" in listing.evidence[0]


def test_subsidiaries_are_known_from_connections_and_invitations_on_aws(backend: AwsPartnerCentral, stubs) -> None:
    from agent.models.account import Connection, ConnectionInvitation

    stub_seller_setup(stubs)
    stub_prm_evidence(stubs)
    connection = Connection.model_validate(
        {
            "Catalog": "Sandbox",
            "Id": "pac-altosub000001",
            "Arn": "arn:aws:partnercentral:us-east-1::catalog/Sandbox/connection/pac-altosub000001",
            "OtherParticipantAccountId": SUBSIDIARY,
            "UpdatedAt": NOW,
            "ConnectionTypes": {
                "SUBSIDIARY": {
                    "CreatedAt": NOW,
                    "InviterEmail": "dana@altocloud-data.example",
                    "InviterName": "Dana Okafor",
                    "Status": "ACTIVE",
                }
            },
        }
    )
    invitation = ConnectionInvitation.model_validate(
        {
            "Catalog": "Sandbox",
            "Id": "pacinv-altosub000002",
            "Arn": "arn:aws:partnercentral:us-east-1::catalog/Sandbox/connection-invitation/pacinv-altosub000002",
            "ConnectionType": "SUBSIDIARY",
            "CreatedAt": NOW,
            "UpdatedAt": NOW,
            "OtherParticipantIdentifier": "333344445555",
            "ParticipantType": "SENDER",
            "Status": "PENDING",
            "InvitationMessage": "Please accept",
            "InviterEmail": "dana@altocloud-data.example",
            "InviterName": "Dana Okafor",
        }
    )
    result = assess_prm(backend.get_seller_setup(), backend.get_prm_evidence(), [connection], [invitation], NOW)
    assert [(a.aws_account_id, a.connection, a.invitation_id) for a in result.seller_accounts] == [
        (LINKED, "primary", None),
        (SUBSIDIARY, "connected", None),
        ("333344445555", "invitation_pending", "pacinv-altosub000002"),
    ]
    subsidiaries = next(r for r in result.requirements if r.id == "subsidiary_connections")
    assert subsidiaries.status == "in_progress" and result.prm_ready is False


def test_a_subsidiary_invitation_to_an_account_not_visible_is_planned_not_refused(
    backend: AwsPartnerCentral, stubs
) -> None:
    """The aws backend cannot list every seller account the partner owns, so it cannot refuse one as a stranger."""
    stub_seller_setup(stubs)
    stubs["account"].add_response(
        "list_connection_invitations", {"ConnectionInvitationSummaries": []}, {**SANDBOX, "Status": "PENDING"}
    )
    stubs["account"].add_response("list_connections", {"ConnectionSummaries": []}, SANDBOX)
    plan = plan_connections(
        backend,
        ConnectionChange(
            receiver_account_ids=[SUBSIDIARY], inviter_name="Dana Okafor", inviter_email="dana@altocloud-data.example"
        ),
    )
    assert plan.calls[0].request["ReceiverIdentifier"] == SUBSIDIARY
    assert any("check each id is an account you own" in note for note in plan.notes)


def stub_status_reads(stubs: dict[str, Stubber]) -> None:
    """What get_onboarding_status reads, in the order it reads it (the Stubber answers each client in order)."""
    account = stubs["account"]
    for kind in ("REGISTRANT_VERIFICATION", "BUSINESS_VERIFICATION"):
        account.add_response(
            "get_verification",
            {
                "VerificationType": kind,
                "VerificationStatus": "SUCCEEDED",
                "StartedAt": NOW,
                "CompletedAt": NOW,
                "VerificationResponseDetails": {
                    "RegistrantVerificationResponse": {
                        "CompletionUrl": "https://verify.example/done",
                        "CompletionUrlExpiresAt": NOW,
                    }
                }
                if kind.startswith("REG")
                else {
                    "BusinessVerificationResponse": {
                        "BusinessVerificationDetails": {
                            "LegalName": "AltoCloud Data Inc.",
                            "RegistrationId": "601234567",
                            "CountryCode": "US",
                        }
                    }
                },
            },
            {"VerificationType": kind},
        )
    stub_seller_setup(stubs)
    account.add_response("list_connection_invitations", {"ConnectionInvitationSummaries": []}, SANDBOX)
    account.add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    account.add_response(
        "get_profile_visibility",
        {
            "Catalog": "Sandbox",
            "Arn": ARN,
            "Id": PARTNER,
            "Visibility": "PUBLIC",
            "ProfileId": "pprofile-altocloud0004",
        },
        {**SANDBOX, "Identifier": PARTNER},
    )
    account.add_response(
        "get_alliance_lead_contact",
        {
            "Catalog": "Sandbox",
            "Arn": ARN,
            "Id": PARTNER,
            "AllianceLeadContact": {
                "FirstName": "Dana",
                "LastName": "Okafor",
                "Email": "dana@altocloud-data.example",
                "BusinessTitle": "VP",
            },
        },
        {**SANDBOX, "Identifier": PARTNER},
    )
    stub_prm_evidence(stubs)
    account.add_response("list_connections", {"ConnectionSummaries": []}, {**SANDBOX, "ConnectionType": "SUBSIDIARY"})


def test_onboarding_status_on_aws_leaves_only_the_four_tasks_without_an_api_unknown(backend, stubs) -> None:
    stub_status_reads(stubs)
    status = onboarding_status(read_snapshot(backend, NOW))
    tasks = {t.id: t for stage in status.stages for t in stage.tasks}
    assert {task_id for task_id, task in tasks.items() if task.status == "unknown"} == FOUR_UNKNOWN_TASKS
    assert status.prm_ready is True
    assert (tasks["esc_catalog"].status, tasks["resale_role"].status) == ("done", "done")
    assert "Settings > Tax information" in tasks["tax_interview"].next_step


async def call_on_aws(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, backend: AwsPartnerCentral, *tools: str
) -> list[dict]:
    """Each tool's structured result in full through a real MCP client, the server acting on the stubbed aws
    backend."""
    monkeypatch.setattr(AgentApp, "partner_central", lambda self, principal: backend)
    server = build_server(settings.model_copy(update={"backend": "aws", "approval_port": 0, "partner_id": PARTNER}))
    results = []
    async with Client(server) as client:
        for tool in tools:
            result = await client.call_tool(tool, {"detail": "full"})
            assert not result.is_error, result.content[0].text
            results.append(result.structured_content)
    return results


def stub_prm_check(stubs: dict[str, Stubber]) -> None:
    """What check_prm_compliance reads, in order."""
    stub_seller_setup(stubs)
    stubs["account"].add_response(
        "list_connection_invitations",
        {"ConnectionInvitationSummaries": []},
        {**SANDBOX, "ConnectionType": "SUBSIDIARY"},
    )
    stub_prm_evidence(stubs)
    stubs["account"].add_response(
        "list_connections", {"ConnectionSummaries": []}, {**SANDBOX, "ConnectionType": "SUBSIDIARY"}
    )


async def test_the_tools_give_a_verdict_on_aws_through_a_real_mcp_client(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, backend: AwsPartnerCentral, stubs
) -> None:
    stub_prm_check(stubs)
    stub_status_reads(stubs)
    prm, status = await call_on_aws(settings, monkeypatch, backend, "check_prm_compliance", "get_onboarding_status")
    assert prm["prm_ready"] is True and prm["summary"].startswith("PRM-ready")
    unknown = {t["id"] for stage in status["stages"] for t in stage["tasks"] if t["status"] == "unknown"}
    assert unknown == FOUR_UNKNOWN_TASKS and status["prm_ready"] is True


async def test_denied_evidence_is_an_unknown_verdict_naming_the_action_not_a_failed_tool(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, backend: AwsPartnerCentral, stubs
) -> None:
    stub_seller_setup(stubs)
    stubs["account"].add_response(
        "list_connection_invitations",
        {"ConnectionInvitationSummaries": []},
        {**SANDBOX, "ConnectionType": "SUBSIDIARY"},
    )
    stubs["account"].add_response("get_partner", partner(), {**SANDBOX, "Identifier": PARTNER})
    denied(stubs["ce"], "list_cost_allocation_tags", PRM_KEYS, "ce:ListCostAllocationTags")
    stubs["revenue"].add_response("list_revenue_attributions", {"RevenueAttributionSummaries": []}, SANDBOX)
    stubs["account"].add_response(
        "list_connections", {"ConnectionSummaries": []}, {**SANDBOX, "ConnectionType": "SUBSIDIARY"}
    )
    [prm] = await call_on_aws(settings, monkeypatch, backend, "check_prm_compliance")
    assert "prm_ready" not in prm and prm["summary"].startswith("PRM readiness unknown")
    statuses = {r["id"]: r["status"] for r in prm["requirements"]}
    assert statuses == {
        "linked_primary_account": "met",
        "marketplace_listing": "met",
        "revenue_attribution": "unknown",
        "subsidiary_connections": "not_applicable",
    }
    attribution_ = next(r for r in prm["requirements"] if r["id"] == "revenue_attribution")
    assert any("ce:ListCostAllocationTags" in line for line in attribution_["evidence"])


def test_the_aws_shapes_mirrored_match_botocore() -> None:
    for model in (CostAllocationTag, RevenueAttribution, MarketplaceProductSummary):
        service, shape_name = model.api_shape
        shape = boto3.session.Session(region_name="us-east-1").client(service).meta.service_model.shape_for(shape_name)
        assert set(model.model_fields) <= set(shape.members), model.__name__
        required = {name for name, field in model.model_fields.items() if field.is_required()}
        assert required <= set(shape.required_members), model.__name__
