"""AWS Marketplace seller setup and PRM (Partner Revenue Measurement) evidence.

In the console these come from the Marketplace Management Portal, the tax and payment settings, IAM and Cost
Explorer, not from Partner Central. The local sandbox stores every member per partner. The aws backend reads what
an AWS API exposes and names the rest in ``Unknown``: why it could not be read and where the person checks it.
A member named there is None (for ``SellerAccounts`` and the listings, the list holds only what could be read).
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from agent.models.base import ApiModel

SetupStatus = Literal["NOT_STARTED", "IN_PROGRESS", "COMPLETED", "ACTION_REQUIRED"]
VerificationState = Literal["NOT_REQUIRED", "NOT_STARTED", "IN_PROGRESS", "VERIFIED", "FAILED"]
TaxForm = Literal["W-9", "W-8BEN", "W-8BEN-E", "W-8ECI", "W-8IMY"]
ListingVisibility = Literal["Limited", "Public", "Restricted", "Draft", "Unavailable"]
ListingType = Literal["SaaS", "AMI", "Container", "MachineLearning", "ProfessionalServices", "DataProduct"]
AttributionMethod = Literal["RESOURCE_TAGGING", "USER_AGENT", "MARKETPLACE_METERING"]
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
ProductCodeText = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,64}$")]

RESALE_AUTHORIZATION_ROLE = "AWSServiceRoleForMarketplaceResaleAuthorization"
RESALE_AUTHORIZATION_SERVICE = "resale-authorization.marketplace.amazonaws.com"
"""The service principal the resale authorization role is linked to (IAM CreateServiceLinkedRole's AWSServiceName)."""
LEGACY_TAG_KEY = "aws-apn-id"
"""The PRM tag key; since 30 September 2026 AWS recommends ``aws-apn-id-<linked account id>``, the older one still counts."""


def tag_key(linked_account_id: str | None) -> str:
    """The PRM tag key AWS recommends for the linked account."""
    return f"{LEGACY_TAG_KEY}-{linked_account_id}" if linked_account_id else f"{LEGACY_TAG_KEY}-<linked AWS account id>"


class UnknownEvidence(ApiModel):
    """Why a piece of evidence could not be read, and where the person checks it instead."""

    Reason: str
    Where: str


class TaxInterviewState(ApiModel):
    """The Marketplace tax interview. We record only its state and the form it produced, never tax ids."""

    Status: SetupStatus = "NOT_STARTED"
    Form: TaxForm | None = None
    CompletedAt: datetime | None = None


class BankAccountSetup(ApiModel):
    """Disbursement setup. We record only state, bank country and currency, never account numbers."""

    Status: SetupStatus = "NOT_STARTED"
    BankCountryCode: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    CurrencyCode: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    DisbursementSchedule: Literal["Daily", "Monthly"] | None = None


class ComplianceChecks(ApiModel):
    """Know Your Customer, bank account verification and secondary user verification."""

    Kyc: VerificationState = "NOT_STARTED"
    BankAccountVerification: VerificationState = "NOT_STARTED"
    SecondaryUserVerification: VerificationState = "NOT_STARTED"


class Listing(ApiModel):
    """A Marketplace product listing. ``ProductCode`` is what PRM attribution tags and user agents carry; None when
    the product's details could not be read."""

    ProductId: Annotated[str, Field(pattern=r"^[\w\-]+$")]
    ProductCode: ProductCodeText | None = None
    Title: str
    ProductType: ListingType
    Visibility: ListingVisibility | None = None


class SellerAccount(ApiModel):
    """An AWS account registered as a Marketplace seller for the partner."""

    AwsAccountId: AccountId
    LegalName: str
    IsPrimary: bool = Field(description="The seller account linked to the Partner Central account.")
    Listings: list[Listing] = Field(default_factory=list)


class SellerSetup(ApiModel):
    """Everything between registering as a Marketplace seller and being able to sell and get paid."""

    SellerRegistration: SetupStatus | None = "NOT_STARTED"
    HeadquartersCountryCode: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    TaxInterview: TaxInterviewState | None = Field(default_factory=TaxInterviewState)
    BankAccount: BankAccountSetup | None = Field(default_factory=BankAccountSetup)
    Compliance: ComplianceChecks | None = Field(default_factory=ComplianceChecks)
    EscCatalogRegistration: SetupStatus | None = "NOT_STARTED"
    ResaleAuthorizationRoleExists: bool | None = Field(
        default=False, description=f"Whether the {RESALE_AUTHORIZATION_ROLE} service-linked role exists."
    )
    SellerAccounts: list[SellerAccount] = Field(default_factory=list)
    Unknown: dict[str, UnknownEvidence] = Field(
        default_factory=dict,
        description="What could not be read, by member name; also 'Listings' (some listings may be missing) and "
        "'ProductCodes' (a listing's ProductCode is None).",
    )


class AttributionSignal(ApiModel):
    """Revenue attribution seen for one product: tagged resources, user-agent calls or metering."""

    ProductCode: str
    Method: AttributionMethod
    LastSeenAt: datetime
    Observations: int = Field(ge=0, description="Tagged resources, or API calls carrying the user agent.")


class CostAllocationTag(ApiModel):
    """A tag key as Cost Explorer lists it (ListCostAllocationTags): keys seen on billed resources, never values."""

    api_shape = ("ce", "CostAllocationTag")

    TagKey: str
    Type: Literal["AWSGenerated", "UserDefined"]
    Status: Literal["Active", "Inactive"] = Field(description="Active: activated as a cost allocation tag.")
    LastUpdatedDate: datetime | None = None
    LastUsedDate: datetime | None = Field(default=None, description="The last month the tag was used on a resource.")


class MarketplaceProductSummary(ApiModel):
    api_shape = ("partnercentral-revenue-measurement", "MarketplaceProductSummary")

    ProductId: str | None = None
    ProductCode: str | None = None
    ProductName: str | None = None


class RevenueAttribution(ApiModel):
    """A Revenue Attribution ID (``ra-...``): maps a product's measured revenue to deals, and may itself be the value
    of a PRM tag or user agent (ListRevenueAttributions)."""

    api_shape = ("partnercentral-revenue-measurement", "AttributionSummary")

    Id: str | None = None
    Name: str | None = None
    MarketplaceProduct: MarketplaceProductSummary | None = None


class PrmEvidence(ApiModel):
    """What AWS can see of a partner's revenue attribution, the inputs of a PRM compliance check."""

    LinkedPrimaryAccountId: AccountId | None = None
    Signals: list[AttributionSignal] | None = Field(default_factory=list)
    CostAllocationTags: list[CostAllocationTag] | None = Field(
        default_factory=list,
        description="The PRM tag keys (aws-apn-id, aws-apn-id-<linked account>) Cost Explorer lists.",
    )
    RevenueAttributions: list[RevenueAttribution] | None = Field(default_factory=list)
    Unknown: dict[str, UnknownEvidence] = Field(
        default_factory=dict, description="What could not be read, by member name."
    )
