"""The sandbox's seeded world: four partner accounts at different points of their journey.

Every record is validated through the API models before it is written, so the seed cannot drift from
the shapes the tools rely on. Dates are relative to the moment of seeding, so the sandbox stays current.

| partner id             | who                          | where they stand                                              |
|------------------------|------------------------------|---------------------------------------------------------------|
| partner-nimbus0000001  | Nimbus Analytics (new)       | just registered: private bare profile, nothing else yet       |
| partner-stratus000002  | Stratus Migration Partners   | services partner mid-onboarding; migration and POC deals      |
| partner-cirrus0000003  | Cirrus Secure Software (ISV) | Marketplace listing, no attribution evidence, subsidiary seller account not connected |
| partner-altocloud0004  | AltoCloud Data (ISV)         | PRM-ready; SCA allocation and MDF wallet; fund requests; a pending collaboration invitation from Cirrus |
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

from agent.backends.local import account as account_kinds
from agent.backends.local import details
from agent.backends.local import selling as selling_kinds
from agent.backends.local import store as kinds
from agent.backends.local.claims import MDF_BENEFIT
from agent.backends.local.store import insert_row
from agent.models.account import (
    AllianceLeadContact,
    Partner,
    ProfileVisibility,
    Verification,
)
from agent.models.base import ApiModel
from agent.models.benefits import Benefit, BenefitAllocation, BenefitApplication
from agent.models.seller import PrmEvidence, SellerSetup
from agent.models.selling import (
    AwsOpportunitySummary,
    EngagementInvitation,
    Opportunity,
    Solution,
)

CATALOG = "Sandbox"
NEW_REGISTRANT = "partner-nimbus0000001"
SERVICES_PARTNER = "partner-stratus000002"
ISV_NOT_ATTRIBUTED = "partner-cirrus0000003"
PRM_READY_ISV = "partner-altocloud0004"

ARN = "arn:aws:partnercentral:us-east-1:000000000000:catalog/Sandbox"


def seed(conn: sqlite3.Connection, now: datetime) -> None:
    """Write the whole sandbox world inside the caller's transaction."""
    today = now.date()

    def put(kind: str, rid: str, owner: str | None, model: type[ApiModel], body: dict[str, Any]) -> None:
        insert_row(conn, kind, CATALOG, rid, owner, model.model_validate(body).api_dict(), now)

    schemas = {}
    for benefit in _benefits():
        put(kinds.BENEFIT, benefit["Id"], None, Benefit, benefit)
        schemas[benefit["Id"]] = benefit["BenefitRequestSchema"]

    for partner in _partners(now):
        pid = partner["Id"]
        put(kinds.PARTNER, pid, pid, Partner, partner)
        put(
            kinds.VISIBILITY,
            pid,
            pid,
            ProfileVisibility,
            {
                "Catalog": CATALOG,
                "Arn": partner["Arn"],
                "Id": pid,
                "ProfileId": partner["Profile"]["ProfileId"],
                "Visibility": "PUBLIC" if pid in (ISV_NOT_ATTRIBUTED, PRM_READY_ISV) else "PRIVATE",
            },
        )
        put(kinds.ALLIANCE_LEAD, pid, pid, AllianceLeadContact, _ALLIANCE_LEADS[pid])
        for vtype in ("REGISTRANT_VERIFICATION", "BUSINESS_VERIFICATION"):
            put(
                "verification",
                f"{pid}:{vtype}",
                pid,
                Verification,
                {
                    "VerificationType": vtype,
                    "VerificationStatus": "SUCCEEDED",
                    "StartedAt": partner["CreatedAt"] - timedelta(hours=2),
                    "CompletedAt": partner["CreatedAt"] - timedelta(hours=1),
                },
            )
        put(kinds.SELLER_SETUP, pid, pid, SellerSetup, _SELLER_SETUPS[pid])
        put(kinds.PRM_EVIDENCE, pid, pid, PrmEvidence, _prm_evidence(pid, now))

    for owner, invitation in _invitations(now):
        account_kinds.invitation_view(invitation, invitation["SenderAccountId"], now)  # validates the record
        insert_row(conn, account_kinds.INVITATION, CATALOG, invitation["Id"], owner, invitation, now)

    for owner, opportunity in _opportunities(now, today):
        put(kinds.OPPORTUNITY, opportunity["Id"], owner, Opportunity, opportunity)
    for owner, solution in _solutions(now):
        put(selling_kinds.SOLUTION, solution["Id"], owner, Solution, solution)
    for owner, invitation in _referrals(now, today):
        put(selling_kinds.ENGAGEMENT_INVITATION, invitation["Id"], owner, EngagementInvitation, invitation)
    for owner, summary in _aws_summaries():
        put(selling_kinds.AWS_SUMMARY, summary["RelatedOpportunityId"], owner, AwsOpportunitySummary, summary)
    for owner, application in _applications(now, today):
        if problems := details.problems(schemas[application["BenefitId"]], application["BenefitApplicationDetails"]):
            raise ValueError(
                f"Seeded {application['Id']} breaks its benefit's request schema at "
                f"{details.json_path(problems[0])}: {problems[0].message}"
            )
        put(kinds.APPLICATION, application["Id"], owner, BenefitApplication, application)
    for owner, allocation in _allocations(now, today):
        put(kinds.ALLOCATION, allocation["Id"], owner, BenefitAllocation, allocation)


DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _property(title: str, description: str, **schema: Any) -> dict[str, Any]:
    """One member of a request schema: a title and a description a person understands, and its JSON Schema."""
    return {"title": title, "description": description, **schema}


def _text(title: str, description: str, max_length: int, min_length: int = 1) -> dict[str, Any]:
    return _property(title, description, type="string", minLength=min_length, maxLength=max_length)


def _date(title: str, description: str) -> dict[str, Any]:
    return _property(title, description, type="string", format="date")


_CURRENCY = {"type": "string", "enum": ["USD"]}
_PROPERTIES: dict[str, dict[str, Any]] = {
    "OpportunityId": _property(
        "Opportunity",
        "The Partner Central opportunity this activity supports, such as O1234567.",
        type="string",
        pattern="^O[0-9]{1,19}$",
    ),
    "CustomerName": _text("Customer name", "The end customer's company name, as on the opportunity.", 120),
    "ActivityName": _text("Activity name", "A short name for the funded activity.", 255),
    "ActivityDescription": _text("Activity description", "What will be done, for whom and why.", 2000, min_length=20),
    "StartDate": _date("Start date", "The day the activity starts."),
    "EndDate": _date("End date", "The day the activity ends; cash claims are due after it."),
    "RequestedAmount": _property(
        "Requested amount", "The funding requested, in the currency below.", type="number", exclusiveMinimum=0
    ),
    "CurrencyCode": _property("Currency", "The currency of the requested amount.", **_CURRENCY),
    "ExpectedArr": _property(
        "Expected annual recurring revenue",
        "The customer's expected yearly AWS spend once the workload runs on AWS.",
        type="number",
        minimum=0,
    ),
    "AwsAccountId": _property(
        "Customer AWS account",
        "The 12-digit AWS account that receives the credits.",
        type="string",
        pattern="^[0-9]{12}$",
    ),
    "MigrationWorkloads": _text(
        "Workloads to migrate", "The applications, databases and servers that move to AWS.", 1000
    ),
    "SuccessCriteria": _text("Success criteria", "How the customer will judge the proof of concept a success.", 1000),
}
"""Request schema members, under the names most benefits use for them."""

_MDF_PROPERTIES: dict[str, dict[str, Any]] = {
    "CampaignName": _text("Campaign name", "A short name for the marketing campaign.", 255),
    "CampaignDescription": _text(
        "Campaign description", "The campaign's audience, message and expected outcome.", 2000, min_length=20
    ),
    "CampaignStartDate": _date("Campaign start date", "The day the campaign starts."),
    "CampaignEndDate": _date("Campaign end date", "The day the campaign ends, in the same calendar year as it starts."),
    "FundingAmount": _property(
        "MDF amount",
        "The Marketing Development Funds requested from the MDF wallet.",
        type="number",
        exclusiveMinimum=0,
    ),
    "FundingCurrency": _property("Funding currency", "The currency of the MDF amount.", **_CURRENCY),
    "CampaignChannels": _property(
        "Channels",
        "The channels the campaign runs on.",
        type="array",
        minItems=1,
        maxItems=10,
        uniqueItems=True,
        items={
            "type": "string",
            "enum": [
                "Email",
                "Virtual Event",
                "In-Person Event",
                "Paid Search",
                "Paid Social",
                "Content Syndication",
                "Webinar",
            ],
        },
    ),
    "Audience": _property(
        "Target audience",
        "Who the campaign reaches.",
        type="object",
        additionalProperties=False,
        properties={
            "Industries": _property(
                "Industries", "The industries targeted.", type="array", items={"type": "string", "minLength": 1}
            ),
            "Region": _property(
                "Region",
                "Where the audience is.",
                type="string",
                enum=["North America", "LATAM", "EMEA", "APJ", "Global"],
            ),
        },
    ),
}
"""The MDF benefit's members: the same roles as other benefits' (name, dates, amount...) under other names."""


def _schema(title: str, properties: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    return {
        "$schema": DRAFT_2020_12,
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


_ACTIVITY = ("ActivityName", "ActivityDescription", "StartDate", "EndDate", "RequestedAmount", "CurrencyCode")
_CUSTOMER = ("OpportunityId", "CustomerName", "ExpectedArr")


def _request_schema(name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A benefit's request schema from the common members: ``required`` (after the activity's own) and ``optional``."""
    members = [*_ACTIVITY, *required]
    return _schema(f"{name} request", {m: _PROPERTIES[m] for m in [*members, *optional]}, members)


_EXAMPLE_VALUES: dict[str, Any] = {
    "OpportunityId": "O4000003",
    "CustomerName": "Contoso",
    "ActivityName": "Pilot",
    "ActivityDescription": "A six-week pilot of the contract search service.",
    "StartDate": "2030-03-01",
    "EndDate": "2030-04-01",
    "RequestedAmount": 9000,
    "CurrencyCode": "USD",
    "ExpectedArr": 96000,
    "AwsAccountId": "123456789012",
    "MigrationWorkloads": "Two PostgreSQL databases and their reporting jobs.",
    "SuccessCriteria": "90% of questions answered with a correct citation.",
    "CampaignName": "Webinar",
    "CampaignDescription": "Three webinars with AWS retail specialists.",
    "CampaignStartDate": "2030-03-01",
    "CampaignEndDate": "2030-04-01",
    "FundingAmount": 5000,
    "FundingCurrency": "USD",
    "CampaignChannels": ["Webinar"],
}


def example_details(benefit_id: str, **changes: Any) -> dict[str, Any]:
    """Details that satisfy a seeded benefit's request schema (its required members), with ``changes``: for tests,
    benchmarks and trying the sandbox out."""
    schema = next(b["BenefitRequestSchema"] for b in _benefits() if b["Id"] == benefit_id)
    return {**{name: _EXAMPLE_VALUES[name] for name in schema["required"]}, **changes}


def _benefits() -> list[dict[str, Any]]:
    def benefit(
        bid: str, name: str, description: str, programs: list[str], fulfillment: list[str], schema: dict[str, Any]
    ) -> dict:
        return {
            "Id": bid,
            "Catalog": CATALOG,
            "Arn": f"{ARN}/benefit/{bid}",
            "Name": name,
            "Description": description,
            "Programs": programs,
            "FulfillmentTypes": fulfillment,
            "Status": "ACTIVE",
            "BenefitRequestSchema": schema,
        }

    mdf_required = [
        "CampaignName",
        "CampaignDescription",
        "CampaignStartDate",
        "CampaignEndDate",
        "FundingAmount",
        "FundingCurrency",
        "CampaignChannels",
    ]
    return [
        benefit(
            "ben-mapassess00001",
            "MAP Assess",
            "Migration Acceleration Program, Assess phase: a migration readiness "
            "assessment and business case for a customer's move to AWS.",
            ["MAP"],
            ["CASH", "CREDITS"],
            _request_schema("MAP Assess", _CUSTOMER, ("AwsAccountId", "MigrationWorkloads")),
        ),
        benefit(
            "ben-mapmobilize001",
            "MAP Mobilize",
            "Migration Acceleration Program, Mobilize phase: landing zone, migration plan and pilot migrations.",
            ["MAP"],
            ["CASH", "CREDITS"],
            _request_schema("MAP Mobilize", (*_CUSTOMER, "MigrationWorkloads"), ("AwsAccountId",)),
        ),
        benefit(
            "ben-mapmigrate0001",
            "MAP Migrate and Modernize",
            "Migration Acceleration Program, Migrate and "
            "Modernize phase: credits that offset migration cost as workloads move.",
            ["MAP"],
            ["CREDITS"],
            _request_schema("MAP Migrate and Modernize", (*_CUSTOMER, "MigrationWorkloads", "AwsAccountId")),
        ),
        benefit(
            "ben-pocfunding0001",
            "Proof of Concept (POC)",
            "Funding for a proof of concept that shows a customer the technical feasibility of a workload on AWS.",
            ["POC"],
            ["CASH", "CREDITS"],
            _request_schema("Proof of Concept", (*_CUSTOMER, "SuccessCriteria"), ("AwsAccountId",)),
        ),
        benefit(
            MDF_BENEFIT,
            "Marketing Development Funds (MDF)",
            "Co-marketing funds drawn from the partner's MDF wallet for demand generation campaigns.",
            ["MDF"],
            ["CASH"],
            _schema("Marketing Development Funds request", _MDF_PROPERTIES, mdf_required),
        ),
        benefit(
            "ben-isvwmp00000001",
            "ISV Workload Migration Program",
            "Funding for ISVs moving a customer's workload onto their AWS-hosted software.",
            ["ISV WMP"],
            ["CASH", "CREDITS"],
            _request_schema("ISV Workload Migration Program", (*_CUSTOMER, "MigrationWorkloads"), ("AwsAccountId",)),
        ),
        benefit(
            "ben-pifinitiative1",
            "Partner Initiative Funding (PIF)",
            "Funding for partner initiatives agreed with AWS, such as enablement or solution development.",
            ["PIF"],
            ["CASH"],
            _request_schema("Partner Initiative Funding", (), ("OpportunityId", "CustomerName")),
        ),
        benefit(
            "ben-sandboxcred001",
            "Innovation Sandbox Credits",
            "AWS credits for building and testing a new solution in a non-production sandbox account.",
            ["Sandbox"],
            ["CREDITS"],
            _request_schema("Innovation Sandbox Credits", ("AwsAccountId",)),
        ),
    ]


def _partner(pid: str, legal: str, created: datetime, profile: dict[str, Any], domains: list[str]) -> dict[str, Any]:
    return {
        "Catalog": CATALOG,
        "Arn": f"{ARN}/partner/{pid}",
        "Id": pid,
        "LegalName": legal,
        "CreatedAt": created,
        "Profile": {
            "ProfileId": "pprofile-" + pid.removeprefix("partner-"),
            "TranslationSourceLocale": "en-US",
            **profile,
        },
        "AwsTrainingCertificationEmailDomains": [
            {"DomainName": d, "RegisteredAt": created + timedelta(days=3)} for d in domains
        ],
    }


def _partners(now: datetime) -> list[dict[str, Any]]:
    return [
        _partner(
            NEW_REGISTRANT,
            "Nimbus Analytics Ltd",
            now - timedelta(days=2),
            {
                "DisplayName": "Nimbus Analytics Ltd",
                "Description": "Nimbus Analytics Ltd",
                "WebsiteUrl": "https://www.nimbus-analytics.example",
                "LogoUrl": "https://www.nimbus-analytics.example/favicon.png",
                "PrimarySolutionType": "SOFTWARE_PRODUCTS",
                "IndustrySegments": ["OTHER"],
            },
            [],
        ),
        _partner(
            SERVICES_PARTNER,
            "Stratus Migration Partners LLC",
            now - timedelta(days=75),
            {
                "DisplayName": "Stratus Migration Partners",
                "Description": "Stratus plans and runs data center and database migrations to AWS for mid-size "
                "logistics and insurance companies, from assessment through cut-over and managed operations.",
                "WebsiteUrl": "https://stratus-migration.example",
                "LogoUrl": "https://stratus-migration.example/assets/logo.png",
                "PrimarySolutionType": "CONSULTING_SERVICES",
                "IndustrySegments": ["TRANSPORTATION_LOGISTICS", "FINANCIAL_SERVICES"],
                "Headquarters": {"CountryCode": "US", "SubdivisionCode": "TX"},
            },
            ["stratus-migration.example"],
        ),
        _partner(
            ISV_NOT_ATTRIBUTED,
            "Cirrus Secure Software GmbH",
            now - timedelta(days=240),
            {
                "DisplayName": "Cirrus Secure",
                "Description": "Cirrus Secure is a SaaS platform for cloud security posture management and "
                "compliance reporting across AWS organizations.",
                "WebsiteUrl": "https://cirrus-secure.example",
                "LogoUrl": "https://cirrus-secure.example/logo.svg",
                "PrimarySolutionType": "SOFTWARE_PRODUCTS",
                "IndustrySegments": ["COMPUTER_SOFTWARE", "FINANCIAL_SERVICES"],
                "Headquarters": {"CountryCode": "DE", "SubdivisionCode": "BE"},
            },
            ["cirrus-secure.example"],
        ),
        _partner(
            PRM_READY_ISV,
            "AltoCloud Data Inc.",
            now - timedelta(days=620),
            {
                "DisplayName": "AltoCloud Data",
                "Description": "AltoCloud Data builds a managed analytics platform on AWS that moves customers off "
                "legacy data warehouses, with migration services for the data and the reports.",
                "WebsiteUrl": "https://altocloud-data.example",
                "LogoUrl": "https://altocloud-data.example/brand/logo.png",
                "PrimarySolutionType": "SOFTWARE_PRODUCTS",
                "IndustrySegments": ["SOFTWARE_INTERNET", "RETAIL", "HEALTHCARE"],
                "Headquarters": {"CountryCode": "US", "SubdivisionCode": "WA"},
            },
            ["altocloud-data.example", "altocloud.example"],
        ),
    ]


_ALLIANCE_LEADS = {
    NEW_REGISTRANT: {
        "FirstName": "Priya",
        "LastName": "Raman",
        "Email": "priya@nimbus-analytics.example",
        "BusinessTitle": "Founder",
    },
    SERVICES_PARTNER: {
        "FirstName": "Marcus",
        "LastName": "Bell",
        "Email": "marcus.bell@stratus-migration.example",
        "BusinessTitle": "Head of Alliances",
    },
    ISV_NOT_ATTRIBUTED: {
        "FirstName": "Lena",
        "LastName": "Vogt",
        "Email": "lena.vogt@cirrus-secure.example",
        "BusinessTitle": "Partner Manager",
    },
    PRM_READY_ISV: {
        "FirstName": "Dana",
        "LastName": "Okafor",
        "Email": "dana.okafor@altocloud-data.example",
        "BusinessTitle": "VP Partnerships",
    },
}

_DONE = "COMPLETED"
_SELLER_SETUPS: dict[str, dict[str, Any]] = {
    NEW_REGISTRANT: {},
    SERVICES_PARTNER: {
        "SellerRegistration": "IN_PROGRESS",
        "HeadquartersCountryCode": "US",
        "TaxInterview": {"Status": "IN_PROGRESS"},
        "Compliance": {
            "Kyc": "NOT_REQUIRED",
            "BankAccountVerification": "NOT_REQUIRED",
            "SecondaryUserVerification": "NOT_REQUIRED",
        },
    },
    ISV_NOT_ATTRIBUTED: {
        "SellerRegistration": _DONE,
        "HeadquartersCountryCode": "DE",
        "TaxInterview": {"Status": _DONE, "Form": "W-8BEN-E"},
        "BankAccount": {
            "Status": _DONE,
            "BankCountryCode": "DE",
            "CurrencyCode": "EUR",
            "DisbursementSchedule": "Monthly",
        },
        "Compliance": {
            "Kyc": "VERIFIED",
            "BankAccountVerification": "VERIFIED",
            "SecondaryUserVerification": "VERIFIED",
        },
        "EscCatalogRegistration": _DONE,
        "ResaleAuthorizationRoleExists": False,
        "SellerAccounts": [
            {
                "AwsAccountId": "210987654321",
                "LegalName": "Cirrus Secure Software GmbH",
                "IsPrimary": True,
                "Listings": [
                    {
                        "ProductId": "prod-cirrusposture",
                        "ProductCode": "4x7kq2cirrus9posture1",
                        "Title": "Cirrus Secure Posture Manager",
                        "ProductType": "SaaS",
                        "Visibility": "Public",
                    }
                ],
            },
            {
                "AwsAccountId": "210987650000",
                "LegalName": "Cirrus Secure Inc. (US subsidiary)",
                "IsPrimary": False,
                "Listings": [
                    {
                        "ProductId": "prod-cirrususgov01",
                        "ProductCode": "8m3cirrususgov5edition",
                        "Title": "Cirrus Secure for GovCloud",
                        "ProductType": "SaaS",
                        "Visibility": "Limited",
                    }
                ],
            },
        ],
    },
    PRM_READY_ISV: {
        "SellerRegistration": _DONE,
        "HeadquartersCountryCode": "US",
        "TaxInterview": {"Status": _DONE, "Form": "W-9"},
        "BankAccount": {
            "Status": _DONE,
            "BankCountryCode": "US",
            "CurrencyCode": "USD",
            "DisbursementSchedule": "Daily",
        },
        "Compliance": {
            "Kyc": "NOT_REQUIRED",
            "BankAccountVerification": "NOT_REQUIRED",
            "SecondaryUserVerification": "NOT_REQUIRED",
        },
        "EscCatalogRegistration": _DONE,
        "ResaleAuthorizationRoleExists": True,
        "SellerAccounts": [
            {
                "AwsAccountId": "123456789012",
                "LegalName": "AltoCloud Data Inc.",
                "IsPrimary": True,
                "Listings": [
                    {
                        "ProductId": "prod-altoclouddwh1",
                        "ProductCode": "b2k9altocloudwarehouse7",
                        "Title": "AltoCloud Managed Warehouse",
                        "ProductType": "SaaS",
                        "Visibility": "Public",
                    }
                ],
            },
        ],
    },
}


def _prm_evidence(pid: str, now: datetime) -> dict[str, Any]:
    if pid == ISV_NOT_ATTRIBUTED:
        return {"LinkedPrimaryAccountId": "210987654321", "Signals": [], "CostAllocationTags": []}
    if pid == PRM_READY_ISV:
        code = "b2k9altocloudwarehouse7"
        return {
            "LinkedPrimaryAccountId": "123456789012",
            "CostAllocationTags": [
                {
                    "TagKey": "aws-apn-id-123456789012",
                    "Type": "UserDefined",
                    "Status": "Active",
                    "LastUpdatedDate": now - timedelta(days=90),
                    "LastUsedDate": now - timedelta(days=6),
                }
            ],
            "Signals": [
                {
                    "ProductCode": code,
                    "Method": "RESOURCE_TAGGING",
                    "LastSeenAt": now - timedelta(hours=6),
                    "Observations": 1843,
                },
                {
                    "ProductCode": code,
                    "Method": "USER_AGENT",
                    "LastSeenAt": now - timedelta(hours=1),
                    "Observations": 52210,
                },
            ],
        }
    return {}


def _invitations(now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Cirrus invited AltoCloud to collaborate on opportunities; AltoCloud has not answered yet."""
    sent = now - timedelta(days=3)
    invitation_id = "pacinv-cirrus2alto01"
    return [
        (
            ISV_NOT_ATTRIBUTED,
            {
                "Catalog": CATALOG,
                "Id": invitation_id,
                "Arn": account_kinds.connection_arn(CATALOG, "connection-invitation", invitation_id),
                "ConnectionType": "OPPORTUNITY_COLLABORATION",
                "CreatedAt": sent.isoformat(),
                "UpdatedAt": sent.isoformat(),
                "ExpiresAt": (sent + account_kinds.INVITATION_TTL).isoformat(),
                "Status": "PENDING",
                "InvitationMessage": "Hi Dana - we keep meeting AltoCloud in financial-services deals. Let's share opportunities.",
                "InviterEmail": "lena.vogt@cirrus-secure.example",
                "InviterName": "Lena Vogt",
                "SenderAccountId": "210987654321",
                "ReceiverAccountId": "123456789012",
            },
        )
    ]


def _opportunity(
    oid: str,
    now: datetime,
    age_days: int,
    *,
    title: str,
    company: str,
    industry: str,
    country: str,
    stage: str,
    review: str,
    monthly_spend: str | None,
    use_case: str | None,
    close: date,
    problem: str | None = None,
    programs: list[str] | None = None,
    delivery: list[str] | None = None,
    activities: list[str] | None = None,
    contacts: list[dict] | None = None,
    opportunity_type: str = "Net New Business",
    months: int | None = None,
    next_steps: str | None = None,
    website: str | None = None,
    account_id: str | None = None,
) -> dict[str, Any]:
    project: dict[str, Any] = {
        "Title": title,
        "CustomerUseCase": use_case,
        "CustomerBusinessProblem": problem,
        "ApnPrograms": programs or [],
        "DeliveryModels": delivery or [],
        "SalesActivities": activities or [],
        "ExpectedCustomerSpend": (
            [{"Amount": monthly_spend, "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}]
            if monthly_spend
            else []
        ),
    }
    if months:
        project["ExpectedContractDuration"] = {"Term": "Months", "Value": str(months)}
    return {
        "Id": oid,
        "Arn": f"{ARN}/opportunity/{oid}",
        "Catalog": CATALOG,
        "OpportunityType": opportunity_type,
        "Customer": {
            "Account": {
                "CompanyName": company,
                "Industry": industry,
                "WebsiteUrl": website,
                "AwsAccountId": account_id,
                "Address": {"CountryCode": country},
            },
            "Contacts": contacts or [],
        },
        "Project": project,
        "LifeCycle": {
            "Stage": stage,
            "ReviewStatus": review,
            "TargetCloseDate": close.isoformat(),
            "NextSteps": next_steps,
        },
        "CreatedDate": now - timedelta(days=age_days),
        "LastModifiedDate": now - timedelta(days=max(age_days // 4, 0), hours=age_days % 7),
    }


def _opportunities(now: datetime, today: date) -> list[tuple[str, dict[str, Any]]]:
    migration = "Migration/Database Migration"
    return [
        (
            SERVICES_PARTNER,
            _opportunity(
                "O2000001",
                now,
                40,
                title="Harbor Logistics data center exit to AWS",
                company="Harbor Logistics Inc.",
                industry="Transportation and Logistics",
                country="US",
                stage="Qualified",
                review="Approved",
                monthly_spend="45000",
                use_case=migration,
                close=today + timedelta(days=120),
                problem="Harbor's colocation contract ends next year; 220 VMs and two Oracle databases must move "
                "to AWS with less than four hours of downtime per application.",
                programs=["Migration Acceleration Program"],
                delivery=["Professional Services"],
                activities=["Initialized discussions with customer", "In evaluation / planning stage"],
                months=36,
                contacts=[
                    {
                        "FirstName": "Elena",
                        "LastName": "Ruiz",
                        "Email": "elena.ruiz@harbor-logistics.example",
                        "BusinessTitle": "CIO",
                    }
                ],
                next_steps="Run the migration readiness assessment.",
                website="https://harbor-logistics.example",
            ),
        ),
        (
            SERVICES_PARTNER,
            _opportunity(
                "O2000002",
                now,
                21,
                title="Serverless claims intake proof of concept",
                company="Lakeside Mutual Insurance",
                industry="Financial Services",
                country="US",
                stage="Technical Validation",
                review="Approved",
                monthly_spend="6000",
                use_case="Containers & Serverless",
                close=today + timedelta(days=60),
                problem="Claims intake runs on a batch mainframe job; the customer wants to prove an event-driven "
                "serverless pipeline can process claims within minutes.",
                delivery=["Professional Services"],
                activities=["Customer has shown interest in solution", "Conducted POC / Demo"],
                contacts=[
                    {
                        "FirstName": "Tom",
                        "LastName": "Nguyen",
                        "Email": "tom.nguyen@lakeside-mutual.example",
                        "BusinessTitle": "Director of Claims IT",
                    }
                ],
            ),
        ),
        (
            SERVICES_PARTNER,
            _opportunity(
                "O2000003",
                now,
                5,
                title="Windows estate modernization",
                company="Pinecrest Retail Group",
                industry="Retail",
                country="US",
                stage="Prospect",
                review="Pending Submission",
                monthly_spend=None,
                use_case=None,
                close=today + timedelta(days=200),
            ),
        ),
        (
            SERVICES_PARTNER,
            _opportunity(
                "O2000004",
                now,
                150,
                title="Backup to S3 for regional clinics",
                company="Valley Health Clinics",
                industry="Healthcare",
                country="US",
                stage="Closed Lost",
                review="Approved",
                monthly_spend="900",
                use_case="Storage & Backup",
                close=today - timedelta(days=30),
            ),
        ),
        (
            ISV_NOT_ATTRIBUTED,
            _opportunity(
                "O3000001",
                now,
                33,
                title="Posture management for a Frankfurt neobank",
                company="Rheinbank Digital AG",
                industry="Financial Services",
                country="DE",
                stage="Committed",
                review="Approved",
                monthly_spend="9500",
                use_case="Security & Compliance",
                close=today + timedelta(days=20),
                problem="The bank must evidence continuous compliance of 140 AWS accounts to its regulator every quarter.",
                delivery=["SaaS or PaaS"],
                activities=["Agreed on solution to Business Problem", "SOW Signed"],
                months=24,
            ),
        ),
        (
            PRM_READY_ISV,
            _opportunity(
                "O4000001",
                now,
                50,
                title="Northwind Grocers warehouse migration to AltoCloud on AWS",
                company="Northwind Grocers Inc.",
                industry="Retail",
                country="US",
                stage="Business Validation",
                review="Approved",
                monthly_spend="60000",
                use_case=migration,
                close=today + timedelta(days=90),
                problem="Northwind runs a 40 TB on-premises Teradata warehouse whose support ends in nine months; "
                "they need nightly reporting moved to AWS without breaking 300 store dashboards.",
                programs=["Migration Acceleration Program"],
                delivery=["SaaS or PaaS", "Professional Services"],
                activities=["Conducted POC / Demo", "Agreed on solution to Business Problem", "Completed Action Plan"],
                months=36,
                contacts=[
                    {
                        "FirstName": "Grace",
                        "LastName": "Kim",
                        "Email": "grace.kim@northwind-grocers.example",
                        "BusinessTitle": "VP Data Platforms",
                        "Phone": "+12065550142",
                    }
                ],
                next_steps="Sign the migration statement of work.",
                website="https://northwind-grocers.example",
                account_id="987654321098",
            ),
        ),
        (
            PRM_READY_ISV,
            _opportunity(
                "O4000002",
                now,
                18,
                title="Generative AI search over supplier contracts",
                company="Contoso Pharma Ltd",
                industry="Life Sciences",
                country="GB",
                stage="Technical Validation",
                review="Approved",
                monthly_spend="8000",
                use_case="AI Machine Learning and Analytics",
                close=today + timedelta(days=75),
                problem="Procurement lawyers spend days searching 80,000 supplier contracts; a retrieval pilot must "
                "answer clause questions with citations.",
                delivery=["SaaS or PaaS"],
                activities=["Customer has shown interest in solution"],
            ),
        ),
        (
            PRM_READY_ISV,
            _opportunity(
                "O4000003",
                now,
                300,
                title="Analytics subscription renewal",
                company="Fabrikam Outdoor Co.",
                industry="Retail",
                country="US",
                stage="Launched",
                review="Approved",
                monthly_spend="1500",
                use_case="Business Applications & Contact Center",
                close=today - timedelta(days=60),
                opportunity_type="Flat Renewal",
                delivery=["SaaS or PaaS"],
            ),
        ),
        (
            PRM_READY_ISV,
            _opportunity(
                "O4000004",
                now,
                3,
                title="Demand forecasting exploration",
                company="Tailspin Toys",
                industry="Consumer Goods",
                country="US",
                stage="Prospect",
                review="Pending Submission",
                monthly_spend=None,
                use_case=None,
                close=today + timedelta(days=240),
            ),
        ),
    ]


def _solutions(now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Each partner's solutions in Partner Central, to associate with opportunities (one of AltoCloud's inactive)."""

    def solution(sid: str, name: str, category: str, status: str = "Active") -> dict[str, Any]:
        return {
            "Catalog": CATALOG,
            "Id": sid,
            "Arn": sid,
            "Name": name,
            "Status": status,
            "Category": category,
            "CreatedDate": now - timedelta(days=200),
        }

    return [
        (SERVICES_PARTNER, solution("S-0000000201", "Stratus Migration Factory", "Consulting Offer")),
        (ISV_NOT_ATTRIBUTED, solution("S-0000000301", "Cirrus Posture Manager", "Software Product")),
        (PRM_READY_ISV, solution("S-0000000401", "AltoCloud Data Platform", "Software Product")),
        (PRM_READY_ISV, solution("S-0000000402", "AltoCloud Legacy Connector", "Software Product", "Inactive")),
    ]


def _referrals(now: datetime, today: date) -> list[tuple[str, dict[str, Any]]]:
    """AWS referrals (engagement invitations from AWS) waiting for the partners: pending ones with days left to
    answer, and one AltoCloud let expire."""

    def referral(
        iid: str,
        age: int,
        days_left: int,
        *,
        title: str,
        company: str,
        industry: str,
        country: str,
        website: str,
        problem: str,
        spend: str,
        close_in: int,
        contact: tuple[str, str, str],
    ) -> dict[str, Any]:
        first, last, email = contact
        return {
            "Catalog": CATALOG,
            "Id": iid,
            "Arn": f"{ARN}/engagement-invitation/{iid}",
            "PayloadType": "OpportunityInvitation",
            "EngagementId": "eng-" + iid[5:] + "x",
            "EngagementTitle": title[:40],
            "Status": "PENDING",
            "InvitationDate": now - timedelta(days=age),
            "ExpirationDate": now + timedelta(days=days_left),
            "SenderAwsAccountId": "aws",
            "SenderCompanyName": "Amazon Web Services",
            "InvitationMessage": f"AWS would like you to work with {company} on this opportunity.",
            "Payload": {
                "OpportunityInvitation": {
                    "SenderContacts": [
                        {"Email": email, "FirstName": first, "LastName": last, "BusinessTitle": "AWS Account Manager"}
                    ],
                    "ReceiverResponsibilities": ["Co-Sell Facilitator"],
                    "Customer": {
                        "Industry": industry,
                        "CompanyName": company,
                        "WebsiteUrl": website,
                        "CountryCode": country,
                    },
                    "Project": {
                        "BusinessProblem": problem,
                        "Title": title,
                        "TargetCompletionDate": (today + timedelta(days=close_in)).isoformat(),
                        "ExpectedCustomerSpend": [
                            {"Amount": spend, "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
                        ],
                    },
                    "OpportunityType": "Net New Business",
                }
            },
        }

    return [
        (
            PRM_READY_ISV,
            referral(
                "engi-alto000000001",
                2,
                12,
                title="Adatum Bank lakehouse modernisation",
                company="Adatum Bank",
                industry="Financial Services",
                country="US",
                website="https://adatum-bank.example",
                problem="Adatum runs nightly risk reports on an ageing Hadoop cluster and needs them on AWS before "
                "its data center lease ends.",
                spend="38000",
                close_in=150,
                contact=("Priya", "Shah", "priyash@amazon.example"),
            ),
        ),
        (
            PRM_READY_ISV,
            referral(
                "engi-alto000000002",
                6,
                3,
                title="Litware clinical data search",
                company="Litware Health",
                industry="Healthcare",
                country="GB",
                website="https://litware-health.example",
                problem="Clinicians cannot search 12 years of trial documents; Litware wants a governed search service.",
                spend="7000",
                close_in=90,
                contact=("Owen", "Hughes", "owenhu@amazon.example"),
            ),
        ),
        (
            PRM_READY_ISV,
            {
                **referral(
                    "engi-alto000000003",
                    40,
                    -10,
                    title="Wide World Importers BI refresh",
                    company="Wide World Importers",
                    industry="Wholesale and Distribution",
                    country="US",
                    website="https://wideworldimporters.example",
                    problem="Quarterly BI dashboards take two days to refresh from on-premises SQL Server.",
                    spend="4000",
                    close_in=60,
                    contact=("Priya", "Shah", "priyash@amazon.example"),
                )
            },
        ),
        (
            SERVICES_PARTNER,
            referral(
                "engi-stratus000001",
                1,
                14,
                title="Trey Research VMware exit",
                company="Trey Research",
                industry="Professional Services",
                country="US",
                website="https://treyresearch.example",
                problem="Trey's VMware licences renew in six months; 140 VMs must move to AWS before then.",
                spend="22000",
                close_in=180,
                contact=("Maya", "Lopez", "mayalo@amazon.example"),
            ),
        ),
    ]


def _aws_summaries() -> list[tuple[str, dict[str, Any]]]:
    """AWS's side of the seeded opportunities AWS approved."""
    return [
        (
            PRM_READY_ISV,
            {
                "Catalog": CATALOG,
                "RelatedOpportunityId": "O4000001",
                "Origin": "Partner Referral",
                "InvolvementType": "Co-Sell",
                "Visibility": "Full",
                "OpportunityTeam": [
                    {
                        "FirstName": "Priya",
                        "LastName": "Shah",
                        "Email": "priyash@amazon.example",
                        "BusinessTitle": "AWSAccountOwner",
                    }
                ],
                "LifeCycle": {
                    "Stage": "Technical Validation",
                    "NextSteps": "Joint architecture review with the AWS SA.",
                },
                "Insights": {"EngagementScore": "High", "NextBestActions": "Apply for MAP funding for the migration."},
            },
        )
    ]


def _applications(now: datetime, today: date) -> list[tuple[str, dict[str, Any]]]:
    def application(
        aid: str, benefit: str, name: str, status: str, stage: str, age: int, details: dict, **extra
    ) -> dict:
        return {
            "Id": aid,
            "Arn": f"{ARN}/benefit-application/{aid}",
            "Catalog": CATALOG,
            "BenefitId": benefit,
            "Name": name,
            "Description": details.get("ActivityDescription", name),
            "FulfillmentTypes": extra.pop("fulfillment", ["CASH"]),
            "BenefitApplicationDetails": details,
            "Programs": extra.pop("programs"),
            "Status": status,
            "Stage": stage,
            "CreatedAt": now - timedelta(days=age),
            "UpdatedAt": now - timedelta(days=age // 2),
            "Revision": "1",
            **extra,
        }

    return [
        (
            PRM_READY_ISV,
            application(
                "benappl-alto0mdf000001",
                MDF_BENEFIT,
                "Retail analytics webinar series",
                "IN_REVIEW",
                "Business Approval",
                10,
                {
                    "CampaignName": "Retail analytics webinar series",
                    "CampaignDescription": "Three webinars with AWS retail specialists on moving legacy warehouses to AWS.",
                    "CampaignStartDate": (today + timedelta(days=30)).isoformat(),
                    "CampaignEndDate": (today + timedelta(days=90)).isoformat(),
                    "FundingAmount": 15000,
                    "FundingCurrency": "USD",
                    "CampaignChannels": ["Virtual Event", "Email"],
                    "Audience": {"Industries": ["Retail"], "Region": "North America"},
                },
                programs=["MDF"],
                Description="Three webinars with AWS retail specialists on moving legacy warehouses to AWS.",
            ),
        ),
        (
            PRM_READY_ISV,
            application(
                "benappl-alto0poc000002",
                "ben-pocfunding0001",
                "Contract search pilot for Contoso Pharma",
                "APPROVED",
                "Pre-Approved",
                12,
                {
                    "OpportunityId": "O4000002",
                    "CustomerName": "Contoso Pharma Ltd",
                    "ActivityName": "Contract search pilot",
                    "ActivityDescription": "A six-week retrieval pilot over a sample of 5,000 supplier contracts.",
                    "StartDate": (today + timedelta(days=7)).isoformat(),
                    "EndDate": (today + timedelta(days=49)).isoformat(),
                    "RequestedAmount": 10000,
                    "CurrencyCode": "USD",
                    "ExpectedArr": 96000,
                    "SuccessCriteria": "90% of clause questions answered with a correct citation.",
                },
                programs=["POC"],
                AssociatedResources=[f"{ARN}/opportunity/O4000002"],
            ),
        ),
    ]


def _allocations(now: datetime, today: date) -> list[tuple[str, dict[str, Any]]]:
    year_end = datetime(today.year, 12, 31, 23, 59, tzinfo=now.tzinfo)

    def money(amount: int) -> dict:
        return {"Amount": str(amount), "CurrencyCode": "USD"}

    return [
        (
            PRM_READY_ISV,
            {
                "Id": "benalloc-alto0sca000001",
                "Catalog": CATALOG,
                "Arn": f"{ARN}/benefit-allocation/benalloc-alto0sca000001",
                "Name": "Strategic Collaboration Agreement 2026 budget",
                "Description": "SCA migration and POC investment budget.",
                "Status": "ACTIVE",
                "FulfillmentType": "CASH",
                "ApplicableBenefitIds": [
                    "ben-mapassess00001",
                    "ben-mapmobilize001",
                    "ben-mapmigrate0001",
                    "ben-pocfunding0001",
                ],
                "FulfillmentDetail": {
                    "ConsumableDetails": {
                        "AllocatedAmount": money(500000),
                        "UtilizedAmount": money(180000),
                        "RemainingAmount": money(320000),
                    }
                },
                "CreatedAt": now - timedelta(days=300),
                "StartsAt": now - timedelta(days=300),
                "ExpiresAt": now + timedelta(days=65),
            },
        ),
        (
            PRM_READY_ISV,
            {
                "Id": "benalloc-alto0mdfwallet",
                "Catalog": CATALOG,
                "Arn": f"{ARN}/benefit-allocation/benalloc-alto0mdfwallet",
                "Name": "MDF wallet",
                "Description": "Marketing Development Funds wallet for the calendar year.",
                "Status": "ACTIVE",
                "FulfillmentType": "CASH",
                "ApplicableBenefitIds": [MDF_BENEFIT],
                "FulfillmentDetail": {
                    "ConsumableDetails": {
                        "AllocatedAmount": money(50000),
                        "UtilizedAmount": money(15000),
                        "RemainingAmount": money(35000),
                    }
                },
                "CreatedAt": now - timedelta(days=200),
                "ExpiresAt": year_end,
            },
        ),
    ]
