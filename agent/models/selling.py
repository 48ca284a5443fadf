"""Opportunities, as in the ``partnercentral-selling`` API (GetOpportunity, ListOpportunities)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from agent.models.base import ApiModel

SELLING = "partnercentral-selling"

OPPORTUNITY_ID_PATTERN = r"^O[0-9]{1,19}$"
OpportunityId = Annotated[str, Field(pattern=OPPORTUNITY_ID_PATTERN, examples=["O1234567"])]
Date = Annotated[str, Field(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$")]

LifeCycleStage = Literal[
    "Prospect", "Qualified", "Technical Validation", "Business Validation", "Committed", "Launched", "Closed Lost"
]
STAGE_ORDER: tuple[LifeCycleStage, ...] = (
    "Prospect",
    "Qualified",
    "Technical Validation",
    "Business Validation",
    "Committed",
    "Launched",
)
"""Open stages in the order a deal moves through them; "Closed Lost" can follow any of them."""

LifeCycleReviewStatus = Literal[
    "Pending Submission", "Submitted", "In review", "Approved", "Rejected", "Action Required"
]
OpportunityTypeName = Literal["Net New Business", "Flat Renewal", "Expansion"]
IndustryName = Literal[
    "Aerospace",
    "Agriculture",
    "Automotive",
    "Computers and Electronics",
    "Consumer Goods",
    "Education",
    "Energy - Oil and Gas",
    "Energy - Power and Utilities",
    "Financial Services",
    "Gaming",
    "Government",
    "Healthcare",
    "Hospitality",
    "Life Sciences",
    "Manufacturing",
    "Marketing and Advertising",
    "Media and Entertainment",
    "Mining",
    "Non-Profit Organization",
    "Professional Services",
    "Real Estate and Construction",
    "Retail",
    "Software and Internet",
    "Telecommunications",
    "Transportation and Logistics",
    "Travel",
    "Wholesale and Distribution",
    "Other",
]
DeliveryModel = Literal["SaaS or PaaS", "BYOL or AMI", "Managed Services", "Professional Services", "Resell", "Other"]
SalesActivity = Literal[
    "Initialized discussions with customer",
    "Customer has shown interest in solution",
    "Conducted POC / Demo",
    "In evaluation / planning stage",
    "Agreed on solution to Business Problem",
    "Completed Action Plan",
    "Finalized Deployment Need",
    "SOW Signed",
]
PrimaryNeedFromAws = Literal[
    "Co-Sell - Architectural Validation",
    "Co-Sell - Business Presentation",
    "Co-Sell - Competitive Information",
    "Co-Sell - Pricing Assistance",
    "Co-Sell - Technical Consultation",
    "Co-Sell - Total Cost of Ownership Evaluation",
    "Co-Sell - Deal Support",
    "Co-Sell - Support for Public Tender / RFx",
]
LostReason = Literal[
    "Customer Deficiency",
    "Delay / Cancellation of Project",
    "Legal / Tax / Regulatory",
    "Lost to Competitor - Google",
    "Lost to Competitor - Microsoft",
    "Lost to Competitor - SoftLayer",
    "Lost to Competitor - VMWare",
    "Lost to Competitor - Other",
    "No Opportunity",
    "On Premises Deployment",
    "Partner Gap",
    "Price",
    "Security / Compliance",
    "Technical Limitations",
    "Customer Experience",
    "Other",
    "People/Relationship/Governance",
    "Product/Technology",
    "Financial/Commercial",
]
MarketingChannel = Literal[
    "AWS Marketing Central",
    "Content Syndication",
    "Display",
    "Email",
    "Live Event",
    "Out Of Home (OOH)",
    "Print",
    "Search",
    "Social",
    "Telemarketing",
    "TV",
    "Video",
    "Virtual Event",
]
Competitor = Literal[
    "Oracle Cloud",
    "On-Prem",
    "Co-location",
    "Akamai",
    "AliCloud",
    "Google Cloud Platform",
    "IBM Softlayer",
    "Microsoft Azure",
    "Other- Cost Optimization",
    "No Competition",
    "*Other",
]


class PostalAddressSummary(ApiModel):
    api_shape = (SELLING, "AddressSummary")

    City: str | None = None
    PostalCode: str | None = None
    StateOrRegion: str | None = None
    CountryCode: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None


class PostalAddress(PostalAddressSummary):
    api_shape = (SELLING, "Address")

    StreetAddress: str | None = None


class CustomerAccountSummary(ApiModel):
    api_shape = (SELLING, "AccountSummary")

    CompanyName: Annotated[str, Field(max_length=120)]
    Industry: IndustryName | None = None
    OtherIndustry: str | None = None
    WebsiteUrl: str | None = None
    Address: PostalAddressSummary | None = None


class CustomerAccount(CustomerAccountSummary):
    """The end customer's company."""

    api_shape = (SELLING, "Account")

    Address: PostalAddress | None = None
    AwsAccountId: Annotated[str, Field(pattern=r"^([0-9]{12}|\w{1,12})$")] | None = None
    Duns: Annotated[str, Field(pattern=r"^[0-9]{9}$")] | None = None


class Contact(ApiModel):
    api_shape = (SELLING, "Contact")

    Email: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    BusinessTitle: str | None = None
    Phone: Annotated[str, Field(pattern=r"^\+[1-9]\d{1,14}$")] | None = None


class OpportunityCustomerSummary(ApiModel):
    api_shape = (SELLING, "CustomerSummary")

    Account: CustomerAccountSummary | None = None


class OpportunityCustomer(OpportunityCustomerSummary):
    api_shape = (SELLING, "Customer")

    Account: CustomerAccount | None = None
    Contacts: list[Contact] = Field(default_factory=list)


class CustomerSpend(ApiModel):
    """Expected AWS spend of the customer for this deal. Frequency is always ``Monthly``."""

    api_shape = (SELLING, "ExpectedCustomerSpend")

    Amount: Annotated[str, Field(pattern=r"^((0|([1-9][0-9]{0,30}))(\.[0-9]{0,2})?)?$")] | None = None
    CurrencyCode: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    Frequency: Literal["Monthly"] = "Monthly"
    TargetCompany: Annotated[str, Field(min_length=1, max_length=80)]
    EstimationUrl: str | None = None


class ContractDuration(ApiModel):
    api_shape = (SELLING, "ExpectedContractDuration")

    Term: Literal["Months"] = "Months"
    Value: str


class OpportunityProjectSummary(ApiModel):
    api_shape = (SELLING, "ProjectSummary")

    DeliveryModels: list[DeliveryModel] = Field(default_factory=list)
    ExpectedCustomerSpend: list[CustomerSpend] = Field(default_factory=list, max_length=10)
    ExpectedContractDuration: ContractDuration | None = None


class OpportunityProject(OpportunityProjectSummary):
    api_shape = (SELLING, "Project")

    Title: Annotated[str, Field(max_length=255)] | None = None
    CustomerBusinessProblem: Annotated[str, Field(min_length=20, max_length=2000)] | None = None
    CustomerUseCase: str | None = None
    ApnPrograms: list[str] = Field(default_factory=list)
    SalesActivities: list[SalesActivity] = Field(default_factory=list)
    CompetitorName: Competitor | None = None
    OtherCompetitorNames: str | None = None
    OtherSolutionDescription: str | None = None
    AdditionalComments: str | None = None
    RelatedOpportunityIdentifier: OpportunityId | None = None
    AwsPartition: Literal["aws-eusc"] | None = None


class NextStepsEntry(ApiModel):
    api_shape = (SELLING, "NextStepsHistory")

    Value: str
    Time: datetime


class OpportunityLifeCycleSummary(ApiModel):
    api_shape = (SELLING, "LifeCycleSummary")

    Stage: LifeCycleStage | None = None
    ReviewStatus: LifeCycleReviewStatus | None = None
    ReviewComments: str | None = None
    ReviewStatusReason: str | None = None
    ClosedLostReason: LostReason | None = None
    NextSteps: Annotated[str, Field(max_length=255)] | None = None
    TargetCloseDate: Date | None = None


class OpportunityLifeCycle(OpportunityLifeCycleSummary):
    api_shape = (SELLING, "LifeCycle")

    NextStepsHistory: list[NextStepsEntry] = Field(default_factory=list)


class RelatedEntities(ApiModel):
    api_shape = (SELLING, "RelatedEntityIdentifiers")

    AwsMarketplaceOffers: list[str] = Field(default_factory=list)
    AwsMarketplaceOfferSets: list[str] = Field(default_factory=list)
    Solutions: list[str] = Field(default_factory=list)
    AwsProducts: list[str] = Field(default_factory=list)
    AwsMarketplaceSolutions: list[str] = Field(default_factory=list)
    AwsMarketplaceProducts: list[str] = Field(default_factory=list)


class OpportunityMarketing(ApiModel):
    """How marketing sourced the opportunity; ``AwsFundingUsed`` says whether AWS marketing funds paid for it."""

    api_shape = (SELLING, "Marketing")

    CampaignName: str | None = None
    Source: Literal["Marketing Activity", "None"] | None = None
    UseCases: list[str] = Field(default_factory=list)
    Channels: list[MarketingChannel] = Field(default_factory=list)
    AwsFundingUsed: Literal["Yes", "No"] | None = None


class RevenueAmount(ApiModel):
    api_shape = (SELLING, "MonetaryValue")

    Amount: Annotated[str, Field(pattern=r"^(0|([1-9][0-9]{0,30}))(\.[0-9]{0,2})?$")]
    CurrencyCode: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class OpportunitySoftwareRevenue(ApiModel):
    """The partner's own software revenue from the deal (ISV opportunities)."""

    api_shape = (SELLING, "SoftwareRevenue")

    DeliveryModel: Literal["Contract", "Pay-as-you-go", "Subscription"] | None = None
    Value: RevenueAmount | None = None
    EffectiveDate: Date | None = None
    ExpirationDate: Date | None = None


class OpportunitySummary(ApiModel):
    """One row of ListOpportunities: only ``Catalog`` is certain to be there."""

    api_shape = (SELLING, "OpportunitySummary")

    Id: OpportunityId | None = None
    Arn: str | None = None
    Catalog: str
    PartnerOpportunityIdentifier: str | None = None
    OpportunityType: OpportunityTypeName | None = None
    LifeCycle: OpportunityLifeCycleSummary | None = None
    Customer: OpportunityCustomerSummary | None = None
    Project: OpportunityProjectSummary | None = None
    CreatedDate: datetime | None = None
    LastModifiedDate: datetime | None = None


class Opportunity(OpportunitySummary):
    """A co-sell opportunity, as GetOpportunity returns it."""

    api_shape = (SELLING, "GetOpportunityResponse")

    Id: OpportunityId
    CreatedDate: datetime
    LastModifiedDate: datetime
    NationalSecurity: Literal["Yes", "No"] | None = None
    PrimaryNeedsFromAws: list[PrimaryNeedFromAws] = Field(default_factory=list)
    Customer: OpportunityCustomer | None = None
    Project: OpportunityProject | None = None
    LifeCycle: OpportunityLifeCycle | None = None
    OpportunityTeam: list[Contact] = Field(default_factory=list)
    RelatedEntityIdentifiers: RelatedEntities = Field(default_factory=RelatedEntities)
    Marketing: OpportunityMarketing | None = None
    SoftwareRevenue: OpportunitySoftwareRevenue | None = None

    def summary(self) -> OpportunitySummary:
        """The ListOpportunities row for this opportunity."""
        return OpportunitySummary.model_validate(self.model_dump())


# Engagement invitations (AWS referrals), solutions, AWS's side of an opportunity, engagement tasks

ENGAGEMENT_INVITATION_ID_PATTERN = r"^engi-[0-9a-z]{13}$"
SOLUTION_ID_PATTERN = r"^S-[0-9]{1,19}$"
InvitationStatus = Literal["ACCEPTED", "PENDING", "REJECTED", "EXPIRED"]
InvolvementTypeName = Literal["For Visibility Only", "Co-Sell"]
SubmissionVisibility = Literal["Full", "Limited"]
RelatedEntityType = Literal[
    "Solutions",
    "AwsProducts",
    "AwsMarketplaceOffers",
    "AwsMarketplaceOfferSets",
    "AwsMarketplaceSolutions",
    "AwsMarketplaceProducts",
]
RejectionReason = Literal[
    "Customer problem unclear", "Next steps unclear", "Unable to support", "Duplicate of partner referral", "Other"
]
"""The acceptable values RejectEngagementInvitation's documentation lists (the model types it as a string)."""
TaskStatusName = Literal["IN_PROGRESS", "COMPLETE", "FAILED"]


class EngagementCustomer(ApiModel):
    api_shape = (SELLING, "EngagementCustomer")

    Industry: IndustryName | None = None
    CompanyName: str | None = None
    WebsiteUrl: str | None = None
    CountryCode: str | None = None


class InvitationProject(ApiModel):
    api_shape = (SELLING, "ProjectDetails")

    BusinessProblem: str | None = None
    Title: str | None = None
    TargetCompletionDate: str | None = None
    ExpectedCustomerSpend: list[CustomerSpend] = Field(default_factory=list)


class SenderContact(ApiModel):
    api_shape = (SELLING, "SenderContact")

    Email: str
    FirstName: str | None = None
    LastName: str | None = None
    BusinessTitle: str | None = None
    Phone: str | None = None


class OpportunityInvitationPayload(ApiModel):
    api_shape = (SELLING, "OpportunityInvitationPayload")

    SenderContacts: list[SenderContact] = Field(default_factory=list)
    ReceiverResponsibilities: list[str] = Field(default_factory=list)
    Customer: EngagementCustomer | None = None
    Project: InvitationProject | None = None
    OpportunityType: OpportunityTypeName | None = None


class InvitationPayload(ApiModel):
    """A union in the API: only the opportunity branch is read (leads and account planning are not referrals)."""

    api_shape = (SELLING, "Payload")
    api_omitted = frozenset({"LeadInvitation", "AccountPlanningInvitation"})

    OpportunityInvitation: OpportunityInvitationPayload | None = None


class EngagementInvitation(ApiModel):
    """An engagement invitation as GetEngagementInvitation returns it (ListEngagementInvitations' rows lack the
    payload): from AWS, an AWS referral."""

    api_shape = (SELLING, "GetEngagementInvitationResponse")
    api_omitted = frozenset({"ExistingMembers", "EnrichmentContext", "Receiver"})

    Id: str
    Catalog: str
    Arn: str | None = None
    PayloadType: Literal["OpportunityInvitation", "LeadInvitation", "AccountPlanningInvitation"] | None = None
    EngagementId: str | None = None
    EngagementTitle: str | None = None
    Status: InvitationStatus | None = None
    InvitationDate: datetime | None = None
    ExpirationDate: datetime | None = None
    SenderAwsAccountId: str | None = None
    SenderCompanyName: str | None = None
    RejectionReason: str | None = None
    InvitationMessage: str | None = None
    EngagementDescription: str | None = None
    Payload: InvitationPayload | None = None


class Solution(ApiModel):
    api_shape = (SELLING, "SolutionBase")
    api_omitted = frozenset({"AwsMarketplaceSolutionArn"})

    Catalog: str
    Id: str
    Arn: str | None = None
    Name: str
    Status: Literal["Active", "Inactive", "Draft"]
    Category: str
    CreatedDate: datetime


class AwsTeamMember(ApiModel):
    api_shape = (SELLING, "AwsTeamMember")

    Email: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    BusinessTitle: str | None = None


class AwsNextStepsEntry(ApiModel):
    api_shape = (SELLING, "ProfileNextStepsHistory")

    Value: str
    Time: datetime


class AwsLifeCycle(ApiModel):
    api_shape = (SELLING, "AwsOpportunityLifeCycle")

    TargetCloseDate: str | None = None
    ClosedLostReason: str | None = None
    Stage: str | None = None
    NextSteps: str | None = None
    NextStepsHistory: list[AwsNextStepsEntry] = Field(default_factory=list)


class AwsInsights(ApiModel):
    api_shape = (SELLING, "AwsOpportunityInsights")
    api_omitted = frozenset({"Recommendations", "OpportunityQuality", "AwsProductsSpendInsightsBySource"})

    NextBestActions: str | None = None
    EngagementScore: Literal["High", "Medium", "Low"] | None = None


class AwsOpportunitySummary(ApiModel):
    """AWS's side of a shared opportunity (GetAwsOpportunitySummary)."""

    api_shape = (SELLING, "GetAwsOpportunitySummaryResponse")
    api_omitted = frozenset(
        {"Customer", "RelatedEntityIds", "CosellMotionReason", "Project", "CosellMotion", "SoftwareRevenue"}
    )

    Catalog: str
    RelatedOpportunityId: str | None = None
    Origin: Literal["AWS Referral", "Partner Referral"] | None = None
    InvolvementType: InvolvementTypeName | None = None
    Visibility: SubmissionVisibility | None = None
    LifeCycle: AwsLifeCycle | None = None
    OpportunityTeam: list[AwsTeamMember] = Field(default_factory=list)
    Insights: AwsInsights | None = None
    InvolvementTypeChangeReason: str | None = None


class EngagementTask(ApiModel):
    """An engagement task (StartEngagementFromOpportunityTask / StartEngagementByAcceptingInvitationTask, and the
    rows of their List...Tasks)."""

    api_shape = (SELLING, "StartEngagementFromOpportunityTaskResponse")
    api_omitted = frozenset({"ResourceSnapshotJobId"})

    TaskId: str | None = None
    TaskArn: str | None = None
    StartTime: datetime | None = None
    TaskStatus: TaskStatusName | None = None
    Message: str | None = None
    ReasonCode: str | None = None
    OpportunityId: str | None = None
    EngagementId: str | None = None
    EngagementInvitationId: str | None = None
