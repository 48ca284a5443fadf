"""Partner accounts, as in the ``partnercentral-account`` API: partner and profile, visibility, alliance
lead, training and certification domains, connection invitations and connections, verification."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from agent.models.base import ApiModel

ACCOUNT = "partnercentral-account"

PARTNER_ID_PATTERN = r"^partner-[A-Za-z0-9]{13}$"
INVITATION_ID_PATTERN = r"^pacinv-[A-Za-z0-9]{13}$"
PartnerId = Annotated[str, Field(pattern=PARTNER_ID_PATTERN, examples=["partner-altocloud0004"])]
_TEXT = r"^[\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD]+$"
Text80 = Annotated[str, Field(min_length=1, max_length=80, pattern=_TEXT)]
Text600 = Annotated[str, Field(min_length=1, max_length=600, pattern=_TEXT)]
HttpsUrl = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^(https|HTTPS):\/\/[^\/\s]+(\/\S*)?$")]
EmailAddress = Annotated[
    str,
    Field(
        min_length=1,
        max_length=320,
        pattern=r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
        r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
    ),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 320}),
]
"""Validated on the API's pattern; published as ``format: email`` (the pattern says no more to a model, at ~190
characters in each tool that takes an address)."""
AwsAccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]

SolutionType = Literal[
    "SOFTWARE_PRODUCTS",
    "CONSULTING_SERVICES",
    "PROFESSIONAL_SERVICES",
    "MANAGED_SERVICES",
    "HARDWARE_PRODUCTS",
    "COMMUNICATION_SERVICES",
    "VALUE_ADDED_RESALE_AWS_SERVICES",
    "TRAINING_SERVICES",
]
IndustrySegment = Literal[
    "AGRICULTURE_MINING",
    "BIOTECHNOLOGY",
    "BUSINESS_CONSUMER_SERVICES",
    "BUSINESS_SERV",
    "COMMUNICATIONS",
    "COMPUTER_HARDWARE",
    "COMPUTERS_ELECTRONICS",
    "COMPUTER_SOFTWARE",
    "CONSUMER_GOODS",
    "CONSUMER_RELATED",
    "EDUCATION",
    "ENERGY_UTILITIES",
    "FINANCIAL_SERVICES",
    "GAMING",
    "GOVERNMENT",
    "GOVERNMENT_EDUCATION_PUBLIC_SERVICES",
    "HEALTHCARE",
    "HEALTHCARE_PHARMACEUTICALS_BIOTECH",
    "INDUSTRIAL_ENERGY",
    "INTERNET_SPECIFIC",
    "LIFE_SCIENCES",
    "MANUFACTURING",
    "MEDIA_ENTERTAINMENT_LEISURE",
    "MEDIA_ENTERTAINMENT",
    "MEDICAL_HEALTH",
    "NON_PROFIT_ORGANIZATION",
    "OTHER",
    "PROFESSIONAL_SERVICES",
    "REAL_ESTATE_CONSTRUCTION",
    "RETAIL",
    "RETAIL_WHOLESALE_DISTRIBUTION",
    "SEMICONDUCTOR_ELECTR",
    "SOFTWARE_INTERNET",
    "TELECOMMUNICATIONS",
    "TRANSPORTATION_LOGISTICS",
    "TRAVEL_HOSPITALITY",
    "WHOLESALE_DISTRIBUTION",
]
ProfileVisibilityValue = Literal["PRIVATE", "PUBLIC"]
ProfileTaskStatus = Literal["IN_PROGRESS", "CANCELED", "SUCCEEDED", "FAILED"]
ProfileValidationErrorReason = Literal[
    "INVALID_CONTENT",
    "DUPLICATE_PROFILE",
    "INVALID_LOGO",
    "INVALID_LOGO_URL",
    "INVALID_LOGO_FILE",
    "INVALID_LOGO_SIZE",
    "INVALID_WEBSITE_URL",
]
ConnectionTypeName = Literal["OPPORTUNITY_COLLABORATION", "SUBSIDIARY"]
InvitationStatus = Literal["PENDING", "ACCEPTED", "REJECTED", "CANCELED", "EXPIRED"]
ParticipantRole = Literal["SENDER", "RECEIVER"]
ConnectionStatus = Literal["ACTIVE", "CANCELED"]
VerificationTypeName = Literal["BUSINESS_VERIFICATION", "REGISTRANT_VERIFICATION"]
VerificationStatusName = Literal["PENDING_CUSTOMER_ACTION", "IN_PROGRESS", "FAILED", "SUCCEEDED", "REJECTED"]


class LocalizedContent(ApiModel):
    api_shape = (ACCOUNT, "LocalizedContent")

    DisplayName: Text80
    Description: Text600
    WebsiteUrl: HttpsUrl
    LogoUrl: HttpsUrl
    Locale: Annotated[str, Field(pattern=r"^[a-z]{2}-[A-Z]{2}$")]


class HeadquartersLocation(ApiModel):
    api_shape = (ACCOUNT, "Headquarters")

    CountryCode: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    SubdivisionCode: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,3}$")]


class ProfileDetails(ApiModel):
    """The public profile fields, as StartProfileUpdateTask takes them."""

    api_shape = (ACCOUNT, "TaskDetails")

    DisplayName: Text80
    Description: Text600
    WebsiteUrl: HttpsUrl
    LogoUrl: HttpsUrl
    PrimarySolutionType: SolutionType
    IndustrySegments: Annotated[list[IndustrySegment], Field(min_length=1, max_length=3)]
    TranslationSourceLocale: Annotated[str, Field(pattern=r"^[a-z]{2}-[A-Z]{2}$")] = "en-US"
    LocalizedContents: Annotated[list[LocalizedContent], Field(max_length=20)] = Field(default_factory=list)
    Headquarters: HeadquartersLocation | None = None


EDITABLE_PROFILE_FIELDS = (
    "DisplayName",
    "Description",
    "WebsiteUrl",
    "LogoUrl",
    "PrimarySolutionType",
    "IndustrySegments",
    "Headquarters",
)
"""The profile fields a partner edits: `ProfileDetails` less the translation members."""


class PartnerProfile(ProfileDetails):
    """The partner's public profile, as GetPartner returns it."""

    api_shape = (ACCOUNT, "PartnerProfile")

    ProfileId: Annotated[str, Field(pattern=r"^pprofile-[A-Za-z0-9]{13}$")] | None = None


class PartnerDomain(ApiModel):
    """An email domain whose AWS Training and Certification results count for the partner."""

    api_shape = (ACCOUNT, "PartnerDomain")

    DomainName: Annotated[str, Field(min_length=1, max_length=253)]
    RegisteredAt: datetime


class Partner(ApiModel):
    """A partner account, as GetPartner returns it."""

    api_shape = (ACCOUNT, "GetPartnerResponse")

    Catalog: str
    Arn: str
    Id: PartnerId
    LegalName: Text80
    CreatedAt: datetime
    Profile: PartnerProfile
    AwsTrainingCertificationEmailDomains: list[PartnerDomain] = Field(default_factory=list)


class ProfileVisibility(ApiModel):
    """Whether the partner's profile is listed publicly (GetProfileVisibility)."""

    api_shape = (ACCOUNT, "GetProfileVisibilityResponse")

    Catalog: str
    Arn: str
    Id: PartnerId
    Visibility: ProfileVisibilityValue
    ProfileId: str


class AllianceLeadContact(ApiModel):
    """The partner's main contact for AWS: newsletters, program and policy announcements."""

    api_shape = (ACCOUNT, "AllianceLeadContact")

    FirstName: Text80
    LastName: Text80
    Email: EmailAddress
    BusinessTitle: Text80


class AllianceLeadContactAnswer(ApiModel):
    """GetAllianceLeadContact's response; only the contact is kept."""

    api_shape = (ACCOUNT, "GetAllianceLeadContactResponse")
    api_omitted = frozenset({"Catalog", "Arn", "Id"})  # the partner's, as GetPartner gives them

    AllianceLeadContact: AllianceLeadContact


class ErrorDetail(ApiModel):
    api_shape = (ACCOUNT, "ErrorDetail")

    Locale: str
    Message: str
    Reason: ProfileValidationErrorReason


class ProfileUpdateTask(ApiModel):
    """An asynchronous profile update (StartProfileUpdateTask / GetProfileUpdateTask)."""

    api_shape = (ACCOUNT, "GetProfileUpdateTaskResponse")

    Catalog: str
    Arn: str
    Id: PartnerId
    TaskId: Annotated[str, Field(pattern=r"^pprofiletask-[A-Za-z0-9]{13}$")]
    TaskDetails: ProfileDetails
    StartedAt: datetime
    Status: ProfileTaskStatus
    EndedAt: datetime | None = None
    ErrorDetailList: list[ErrorDetail] = Field(default_factory=list)


class ConnectionInvitation(ApiModel):
    """An invitation to connect two partner accounts (GetConnectionInvitation)."""

    api_shape = (ACCOUNT, "GetConnectionInvitationResponse")

    Catalog: str
    Id: Annotated[str, Field(pattern=INVITATION_ID_PATTERN)]
    Arn: str
    ConnectionId: Annotated[str, Field(pattern=r"^pac-[A-Za-z0-9]{13}$")] | None = None
    ConnectionType: ConnectionTypeName
    CreatedAt: datetime
    UpdatedAt: datetime
    ExpiresAt: datetime | None = None
    OtherParticipantIdentifier: str
    ParticipantType: ParticipantRole
    Status: InvitationStatus
    InvitationMessage: Annotated[str, Field(min_length=1, max_length=256)]
    InviterEmail: EmailAddress
    InviterName: Text80


class PartnerProfileSummary(ApiModel):
    """Another partner, by its public profile."""

    api_shape = (ACCOUNT, "PartnerProfileSummary")

    Id: Annotated[str, Field(pattern=r"^pprofile-[A-Za-z0-9]{13}$")]
    Name: str


class SellerProfileSummary(ApiModel):
    """An AWS Marketplace seller, by its seller profile."""

    api_shape = (ACCOUNT, "SellerProfileSummary")

    Id: str
    Name: str


class AccountSummary(ApiModel):
    """An AWS account, by its name."""

    api_shape = (ACCOUNT, "AccountSummary")

    Name: str


class Participant(ApiModel):
    """The other side of a connection: exactly one branch is set."""

    api_shape = (ACCOUNT, "Participant")

    PartnerProfile: PartnerProfileSummary | None = None
    SellerProfile: SellerProfileSummary | None = None
    Account: AccountSummary | None = None

    @property
    def name(self) -> str | None:
        """The other side's name, whichever branch carries it."""
        branch = self.PartnerProfile or self.SellerProfile or self.Account
        return branch.Name if branch else None


class ConnectionTypeDetail(ApiModel):
    api_shape = (ACCOUNT, "ConnectionTypeDetail")

    CreatedAt: datetime
    InviterEmail: str
    InviterName: str
    Status: ConnectionStatus
    CanceledAt: datetime | None = None
    CanceledBy: str | None = None
    OtherParticipant: Participant | None = None


class Connection(ApiModel):
    """An active (or canceled) link between two accounts, per connection type (GetConnection)."""

    api_shape = (ACCOUNT, "GetConnectionResponse")

    Catalog: str
    Id: Annotated[str, Field(pattern=r"^pac-[A-Za-z0-9]{13}$")]
    Arn: str
    OtherParticipantAccountId: AwsAccountId
    UpdatedAt: datetime
    ConnectionTypes: dict[ConnectionTypeName, ConnectionTypeDetail]


class VerificationCompletion(ApiModel):
    """Where the person finishes a verification that waits for them (the business details are not kept)."""

    api_shape = (ACCOUNT, "RegistrantVerificationResponse")

    CompletionUrl: str | None = None
    CompletionUrlExpiresAt: datetime | None = None


class BusinessVerificationCompletion(VerificationCompletion):
    api_shape = (ACCOUNT, "BusinessVerificationResponse")
    api_omitted = frozenset({"BusinessVerificationDetails"})  # a registration id: not ours to keep


class VerificationResponse(ApiModel):
    api_shape = (ACCOUNT, "VerificationResponseDetails")

    BusinessVerificationResponse: BusinessVerificationCompletion | None = None
    RegistrantVerificationResponse: VerificationCompletion | None = None

    def completion(self) -> VerificationCompletion | None:
        return self.BusinessVerificationResponse or self.RegistrantVerificationResponse


class Verification(ApiModel):
    """The state of registrant (identity) or business verification (GetVerification)."""

    api_shape = (ACCOUNT, "GetVerificationResponse")

    VerificationType: VerificationTypeName
    VerificationStatus: VerificationStatusName
    VerificationStatusReason: str | None = None
    VerificationResponseDetails: VerificationResponse | None = None
    StartedAt: datetime
    CompletedAt: datetime | None = None
