"""AWS Marketplace seller setup and PRM (Partner Revenue Measurement) evidence.

No Partner Central operation returns these: in the console they come from the Marketplace Management
Portal, the tax and payment settings, IAM and Cost Explorer. The names follow the AWS consoles; the
local sandbox stores them per partner, and the onboarding and PRM checks read them.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from agent.models.base import ApiModel

SetupStatus = Literal["NOT_STARTED", "IN_PROGRESS", "COMPLETED", "ACTION_REQUIRED"]
VerificationState = Literal["NOT_REQUIRED", "NOT_STARTED", "IN_PROGRESS", "VERIFIED", "FAILED"]
TaxForm = Literal["W-9", "W-8BEN", "W-8BEN-E", "W-8ECI", "W-8IMY"]
ListingVisibility = Literal["Limited", "Public", "Restricted"]
ListingType = Literal["SaaS", "AMI", "Container", "MachineLearning", "ProfessionalServices", "DataProduct"]
AttributionMethod = Literal["RESOURCE_TAGGING", "USER_AGENT", "MARKETPLACE_METERING"]
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]

RESALE_AUTHORIZATION_ROLE = "AWSServiceRoleForMarketplaceResaleAuthorization"
RESALE_AUTHORIZATION_SERVICE = "resale-authorization.marketplace.amazonaws.com"
"""The service principal the resale authorization role is linked to (IAM CreateServiceLinkedRole's AWSServiceName)."""


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
    """A Marketplace product listing. ``ProductCode`` is what PRM attribution tags and user agents carry."""

    ProductId: Annotated[str, Field(pattern=r"^prod-[a-z0-9]{13}$")]
    ProductCode: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,64}$")]
    Title: str
    ProductType: ListingType
    Visibility: ListingVisibility


class SellerAccount(ApiModel):
    """An AWS account registered as a Marketplace seller for the partner."""

    AwsAccountId: AccountId
    LegalName: str
    IsPrimary: bool = Field(description="The seller account linked to the Partner Central account.")
    Listings: list[Listing] = Field(default_factory=list)


class SellerSetup(ApiModel):
    """Everything between registering as a Marketplace seller and being able to sell and get paid."""

    SellerRegistration: SetupStatus = "NOT_STARTED"
    HeadquartersCountryCode: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    TaxInterview: TaxInterviewState = Field(default_factory=TaxInterviewState)
    BankAccount: BankAccountSetup = Field(default_factory=BankAccountSetup)
    Compliance: ComplianceChecks = Field(default_factory=ComplianceChecks)
    EscCatalogRegistration: SetupStatus = "NOT_STARTED"
    ResaleAuthorizationRoleExists: bool = Field(
        default=False, description=f"Whether the {RESALE_AUTHORIZATION_ROLE} service-linked role exists."
    )
    SellerAccounts: list[SellerAccount] = Field(default_factory=list)


class AttributionSignal(ApiModel):
    """Revenue attribution seen for one product: tagged resources, user-agent calls or metering."""

    ProductCode: str
    Method: AttributionMethod
    LastSeenAt: datetime
    Observations: int = Field(ge=0, description="Tagged resources, or API calls carrying the user agent.")


class PrmEvidence(ApiModel):
    """What AWS can see of a partner's revenue attribution, the inputs of a PRM compliance check."""

    LinkedPrimaryAccountId: AccountId | None = None
    Signals: list[AttributionSignal] = Field(default_factory=list)
    CostAllocationTagActivated: bool = Field(
        default=False, description="Whether `aws-apn-id` is activated as a cost allocation tag in Cost Explorer."
    )
