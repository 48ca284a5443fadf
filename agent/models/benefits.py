"""Funding, as in the ``partnercentral-benefits`` API: benefits (funding programs), benefit applications
(fund requests) and benefit allocations (SCA and MDF budgets)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from agent.models.base import ApiModel

BENEFITS = "partnercentral-benefits"

BENEFIT_ID_PATTERN = r"^ben-[0-9a-z]{14}$"
BENEFIT_APPLICATION_ID_PATTERN = r"^benappl-[0-9a-z]{14}$"
BENEFIT_ALLOCATION_ID_PATTERN = r"^benalloc-[0-9a-z]{14}$"
BenefitIdentifier = Annotated[str, Field(pattern=BENEFIT_ID_PATTERN)]
BenefitApplicationIdentifier = Annotated[str, Field(pattern=BENEFIT_APPLICATION_ID_PATTERN)]
BenefitAllocationIdentifier = Annotated[str, Field(pattern=BENEFIT_ALLOCATION_ID_PATTERN)]

FulfillmentTypeName = Literal["CREDITS", "CASH", "ACCESS"]
BenefitStatus = Literal["ACTIVE", "INACTIVE"]
BenefitApplicationStatus = Literal[
    "PENDING_SUBMISSION", "IN_REVIEW", "ACTION_REQUIRED", "APPROVED", "REJECTED", "CANCELED"
]
BenefitAllocationStatus = Literal["ACTIVE", "INACTIVE", "FULFILLED"]
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


class MonetaryValue(ApiModel):
    api_shape = (BENEFITS, "MonetaryValue")

    Amount: Annotated[str, Field(pattern=r"^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$")]
    CurrencyCode: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"


class Benefit(ApiModel):
    """A funding program partners can apply for (GetBenefit). ``BenefitRequestSchema`` is the JSON Schema
    of the ``BenefitApplicationDetails`` an application must carry."""

    api_shape = (BENEFITS, "GetBenefitOutput")

    Id: BenefitIdentifier
    Catalog: str
    Arn: str | None = None
    Name: Annotated[str, Field(min_length=1, max_length=100)]
    Description: Annotated[str, Field(max_length=1000)] | None = None
    Programs: list[str] = Field(default_factory=list)
    FulfillmentTypes: list[FulfillmentTypeName] = Field(default_factory=list)
    BenefitRequestSchema: dict[str, Any] | None = None
    Status: BenefitStatus = "ACTIVE"


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

    Id: BenefitApplicationIdentifier
    Arn: str | None = None
    Catalog: str
    BenefitId: BenefitIdentifier
    Name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    Programs: list[str] = Field(default_factory=list)
    FulfillmentTypes: list[FulfillmentTypeName] = Field(default_factory=list)
    Status: BenefitApplicationStatus
    Stage: str | None = None
    CreatedAt: datetime
    UpdatedAt: datetime
    BenefitApplicationDetails: dict[str, Any] = Field(default_factory=dict)
    AssociatedResources: list[str] = Field(default_factory=list, max_length=10)


class BenefitApplication(BenefitApplicationSummary):
    """A fund request (GetBenefitApplication). ``Revision`` guards updates against lost writes."""

    api_shape = (BENEFITS, "GetBenefitApplicationOutput")

    Description: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    StatusReason: str | None = None
    StatusReasonCodes: list[str] = Field(default_factory=list)
    Revision: str
    PartnerContacts: list[PartnerContact] = Field(default_factory=list)
    FileDetails: list[FileDetail] = Field(default_factory=list, max_length=30)

    def summary(self) -> BenefitApplicationSummary:
        """The ListBenefitApplications row for this application."""
        return BenefitApplicationSummary.model_validate(self.model_dump())


class ConsumableBudget(ApiModel):
    """A budget drawn down over time: allocated, utilized and remaining amounts."""

    api_shape = (BENEFITS, "ConsumableDetails")

    AllocatedAmount: MonetaryValue | None = None
    RemainingAmount: MonetaryValue | None = None
    UtilizedAmount: MonetaryValue | None = None


class FulfillmentDetails(ApiModel):
    api_shape = (BENEFITS, "FulfillmentDetails")

    ConsumableDetails: ConsumableBudget | None = None


class BenefitAllocation(ApiModel):
    """A budget granted to the partner, such as a Strategic Collaboration Agreement (SCA) allocation or an
    MDF wallet (GetBenefitAllocation)."""

    api_shape = (BENEFITS, "GetBenefitAllocationOutput")

    Id: BenefitAllocationIdentifier
    Catalog: str
    Arn: str | None = None
    Name: str | None = None
    Description: str | None = None
    Status: BenefitAllocationStatus
    StatusReason: str | None = None
    BenefitApplicationId: BenefitApplicationIdentifier | None = None
    BenefitId: BenefitIdentifier | None = None
    FulfillmentType: FulfillmentTypeName | None = None
    ApplicableBenefitIds: list[str] = Field(default_factory=list)
    FulfillmentDetail: FulfillmentDetails | None = None
    CreatedAt: datetime | None = None
    UpdatedAt: datetime | None = None
    StartsAt: datetime | None = None
    ExpiresAt: datetime | None = None
