"""Funding, as in the ``partnercentral-benefits`` API: benefits (funding programs), benefit applications
(fund requests) and benefit allocations (SCA and MDF budgets); and the funding portal's cash claims.

The output shapes make almost every member optional, and so do these models: code reading them handles
absent members. Benefit ids in applications and allocations may be ARNs, as the API allows.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import Field

from agent.models.base import ApiModel

BENEFITS = "partnercentral-benefits"

BENEFIT_ID_PATTERN = r"^ben-[0-9a-z]{14}$"
BENEFIT_REFERENCE_PATTERN = r"^(arn:.+|ben-[0-9a-z]{14})$"
BENEFIT_APPLICATION_ID_PATTERN = r"^benappl-[0-9a-z]{14}$"
BENEFIT_ALLOCATION_ID_PATTERN = r"^benalloc-[0-9a-z]{14}$"
CASH_CLAIM_ID_PATTERN = r"^claim-[0-9a-z]{13}$"
BenefitIdentifier = Annotated[str, Field(pattern=BENEFIT_ID_PATTERN)]
BenefitReference = Annotated[str, Field(pattern=BENEFIT_REFERENCE_PATTERN)]
"""A benefit's id or its ARN, where the API answers with either."""
BenefitApplicationIdentifier = Annotated[str, Field(pattern=BENEFIT_APPLICATION_ID_PATTERN)]
BenefitAllocationIdentifier = Annotated[str, Field(pattern=BENEFIT_ALLOCATION_ID_PATTERN)]

FulfillmentTypeName = Literal["CREDITS", "CASH", "ACCESS"]
BenefitStatus = Literal["ACTIVE", "INACTIVE"]
BenefitApplicationStatus = Literal[
    "PENDING_SUBMISSION", "IN_REVIEW", "ACTION_REQUIRED", "APPROVED", "REJECTED", "CANCELED"
]
BenefitAllocationStatus = Literal["ACTIVE", "INACTIVE", "FULFILLED"]
CashClaimStatus = Literal["IN_REVIEW", "APPROVED", "REJECTED"]
FileMediaType = Literal[
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/csv",
]


def parse_amount(value: object) -> Decimal | None:
    """An amount as a Decimal: a string as the API writes it (``"320000.005"``, surrounding spaces allowed) or a
    JSON number. None when it is absent or not a finite number ("unknown"), never an exception."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        amount = Decimal(value if isinstance(value, str) else str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


class MonetaryValue(ApiModel):
    """An amount and its currency. ``Amount`` is a string in the API: read it through `value`."""

    api_shape = (BENEFITS, "MonetaryValue")

    Amount: str
    CurrencyCode: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

    @property
    def value(self) -> Decimal | None:
        """``Amount`` as a Decimal, or None when it is not a number."""
        return parse_amount(self.Amount)


class BenefitSummary(ApiModel):
    """One row of ListBenefits: a funding program partners can apply for."""

    api_shape = (BENEFITS, "BenefitSummary")

    Id: BenefitIdentifier | None = None
    Catalog: str | None = None
    Arn: str | None = None
    Name: str | None = None
    Description: str | None = None
    Programs: list[str] = Field(default_factory=list)
    FulfillmentTypes: list[FulfillmentTypeName] = Field(default_factory=list)
    Status: BenefitStatus | None = None


class Benefit(BenefitSummary):
    """A benefit as GetBenefit returns it. ``BenefitRequestSchema`` is the JSON Schema of the
    ``BenefitApplicationDetails`` an application for it carries."""

    api_shape = (BENEFITS, "GetBenefitOutput")

    BenefitRequestSchema: dict[str, Any] | None = None

    def summary(self) -> BenefitSummary:
        """The ListBenefits row for this benefit."""
        return BenefitSummary.model_validate(self.model_dump())


class PartnerContact(ApiModel):
    api_shape = (BENEFITS, "Contact")

    Email: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    BusinessTitle: str | None = None
    Phone: str | None = None


class FileDetail(ApiModel):
    """An attachment of a fund request; ``FileStatus`` is set by AWS's scan."""

    api_shape = (BENEFITS, "FileDetail")

    FileURI: Annotated[str, Field(pattern=r"^(s3://|https://).*")]
    BusinessUseCase: str | None = None
    FileName: str | None = None
    FileStatus: str | None = None
    FileStatusReason: str | None = None
    FileType: FileMediaType | None = None
    CreatedBy: str | None = None
    CreatedAt: datetime | None = None


class BenefitApplicationSummary(ApiModel):
    """One row of ListBenefitApplications."""

    api_shape = (BENEFITS, "BenefitApplicationSummary")

    Id: BenefitApplicationIdentifier | None = None
    Arn: str | None = None
    Catalog: str | None = None
    BenefitId: BenefitReference | None = None
    Name: str | None = None
    Programs: list[str] = Field(default_factory=list)
    FulfillmentTypes: list[FulfillmentTypeName] = Field(default_factory=list)
    Status: BenefitApplicationStatus | None = None
    Stage: str | None = None
    CreatedAt: datetime | None = None
    UpdatedAt: datetime | None = None
    BenefitApplicationDetails: dict[str, Any] = Field(default_factory=dict)
    AssociatedResources: list[str] = Field(default_factory=list)


class BenefitApplication(BenefitApplicationSummary):
    """A fund request (GetBenefitApplication). ``Revision`` guards updates against lost writes."""

    api_shape = (BENEFITS, "GetBenefitApplicationOutput")

    Description: str | None = None
    StatusReason: str | None = None
    StatusReasonCode: str | None = None
    StatusReasonCodes: list[str] = Field(default_factory=list)
    Revision: str | None = None
    PartnerContacts: list[PartnerContact] = Field(default_factory=list)
    FileDetails: list[FileDetail] = Field(default_factory=list)

    def summary(self) -> BenefitApplicationSummary:
        """The ListBenefitApplications row for this application."""
        return BenefitApplicationSummary.model_validate(self.model_dump())


class IssuanceDetail(ApiModel):
    """One issuance of value from an allocation."""

    api_shape = (BENEFITS, "IssuanceDetail")

    IssuanceId: str | None = None
    IssuanceAmount: MonetaryValue | None = None
    IssuedAt: datetime | None = None


class ConsumableBudget(ApiModel):
    """A budget drawn down over time: allocated, utilized and remaining amounts."""

    api_shape = (BENEFITS, "ConsumableDetails")

    AllocatedAmount: MonetaryValue | None = None
    RemainingAmount: MonetaryValue | None = None
    UtilizedAmount: MonetaryValue | None = None
    IssuanceDetails: IssuanceDetail | None = None


class Disbursement(ApiModel):
    """Cash paid out to the partner."""

    api_shape = (BENEFITS, "DisbursementDetails")

    DisbursedAmount: MonetaryValue | None = None
    IssuanceDetails: IssuanceDetail | None = None


class CreditCode(ApiModel):
    """A promotional credit code for one AWS account."""

    api_shape = (BENEFITS, "CreditCode")

    AwsAccountId: str
    Value: MonetaryValue
    AwsCreditCode: str
    Status: BenefitAllocationStatus
    IssuedAt: datetime
    ExpiresAt: datetime


class CreditGrant(ApiModel):
    """AWS promotional credits: allocated, issued, and the codes issued."""

    api_shape = (BENEFITS, "CreditDetails")

    AllocatedAmount: MonetaryValue
    IssuedAmount: MonetaryValue
    Codes: list[CreditCode]


class AccessGrant(ApiModel):
    """Access to a service or feature."""

    api_shape = (BENEFITS, "AccessDetails")

    Description: str | None = None


class FulfillmentDetails(ApiModel):
    """How an allocation is fulfilled: one branch per fulfillment kind."""

    api_shape = (BENEFITS, "FulfillmentDetails")

    DisbursementDetails: Disbursement | None = None
    ConsumableDetails: ConsumableBudget | None = None
    CreditDetails: CreditGrant | None = None
    AccessDetails: AccessGrant | None = None


class BenefitAllocation(ApiModel):
    """A budget granted to the partner, such as a Strategic Collaboration Agreement (SCA) allocation or an
    MDF wallet (GetBenefitAllocation)."""

    api_shape = (BENEFITS, "GetBenefitAllocationOutput")

    Id: BenefitAllocationIdentifier | None = None
    Catalog: str | None = None
    Arn: str | None = None
    Name: str | None = None
    Description: str | None = None
    Status: BenefitAllocationStatus | None = None
    StatusReason: str | None = None
    BenefitApplicationId: BenefitApplicationIdentifier | None = None
    BenefitId: BenefitReference | None = None
    FulfillmentType: FulfillmentTypeName | None = None
    ApplicableBenefitIds: list[BenefitReference] = Field(default_factory=list)
    FulfillmentDetail: FulfillmentDetails | None = None
    CreatedAt: datetime | None = None
    UpdatedAt: datetime | None = None
    StartsAt: datetime | None = None
    ExpiresAt: datetime | None = None

    def amounts(self) -> tuple[Decimal | None, Decimal | None, str]:
        """(allocated, remaining as the API says, currency) from whichever fulfillment branch the allocation has:
        a budget's allocated and remaining amounts, credits allocated less issued, cash disbursed. None where the
        allocation does not say, or says something that is not a number."""
        detail = self.FulfillmentDetail or FulfillmentDetails()
        if detail.ConsumableDetails:
            budget = detail.ConsumableDetails
            allocated, remaining = budget.AllocatedAmount, budget.RemainingAmount
            money = allocated or remaining
            return (
                allocated.value if allocated else None,
                remaining.value if remaining else None,
                money.CurrencyCode if money else "USD",
            )
        if detail.CreditDetails:
            credits = detail.CreditDetails
            allocated, issued = credits.AllocatedAmount.value, credits.IssuedAmount.value
            left = allocated - issued if allocated is not None and issued is not None else None
            return allocated, left, credits.AllocatedAmount.CurrencyCode
        if detail.DisbursementDetails and detail.DisbursementDetails.DisbursedAmount:
            paid = detail.DisbursementDetails.DisbursedAmount
            return paid.value, Decimal(0) if paid.value is not None else None, paid.CurrencyCode
        return None, None, "USD"


class CashClaim(ApiModel):
    """A cash claim on an approved fund request: the actual amount spent, reviewed by AWS. Claims live in the
    AWS Partner funding portal, not in the API; only the sandbox models them (console actions SubmitCashClaim
    and UpdateCashClaim)."""

    Id: Annotated[str, Field(pattern=CASH_CLAIM_ID_PATTERN)]
    BenefitApplicationId: BenefitApplicationIdentifier
    Amount: Decimal
    Status: CashClaimStatus
    StatusReason: str | None = None
    SubmittedAt: datetime
    UpdatedAt: datetime
