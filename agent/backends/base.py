"""The one interface every backend implements: a Partner Central client scoped to one partner account.

A backend instance acts for exactly one partner account in one catalog, like API credentials do: it
cannot see or change another partner's data, and ids of other partners' resources are simply not found.
Errors are the API's own (`agent.backends.errors`), whichever backend raises them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.models.account import (
    AllianceLeadContact,
    Connection,
    ConnectionInvitation,
    ConnectionTypeName,
    InvitationStatus,
    ParticipantRole,
    Partner,
    ProfileDetails,
    ProfileUpdateTask,
    ProfileVisibility,
    ProfileVisibilityValue,
    Verification,
    VerificationTypeName,
)
from agent.models.benefits import Benefit, BenefitAllocation, BenefitApplication, BenefitApplicationSummary
from agent.models import selling
from agent.models.selling import Opportunity, OpportunitySummary
from agent.models.seller import PrmEvidence, SellerSetup


class OpportunityQuery(BaseModel):
    """ListOpportunities filters, sorting and paging."""

    LifeCycleStage: list[selling.LifeCycleStage] = Field(default_factory=list, max_length=10)
    LifeCycleReviewStatus: list[selling.LifeCycleReviewStatus] = Field(default_factory=list, max_length=10)
    CustomerCompanyName: list[str] = Field(default_factory=list, max_length=10)
    Identifier: list[str] = Field(default_factory=list, max_length=20)
    SortBy: Literal["LastModifiedDate", "Identifier", "CustomerCompanyName", "CreatedDate", "TargetCloseDate"] = (
        "LastModifiedDate"
    )
    SortOrder: Literal["ASCENDING", "DESCENDING"] = "DESCENDING"
    MaxResults: int = Field(default=20, ge=1, le=100)
    NextToken: str | None = None


class OpportunityPage(BaseModel):
    OpportunitySummaries: list[OpportunitySummary]
    NextToken: str | None = None


class PartnerCentral(ABC):
    """Partner Central, as seen by one partner account in one catalog.

    A write that takes a ``client_token`` is idempotent by it: the same call with the same token returns the
    first call's result without writing again, a different call with that token is a ConflictException
    (CONFLICT_CLIENT_TOKEN). Where it is optional, None means no replay.
    """

    partner_id: str
    catalog: str

    def unsupported(self, operation: str) -> str | None:
        """Why this backend cannot do ``operation`` (an API operation, or a console action such as
        DeleteBenefitApplication, SubmitCashClaim, AttachFile), or None when it can."""
        return None

    @abstractmethod
    def send(self, service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Make one write call exactly as given and return the response body in the API's output shape
        (no ResponseMetadata).

        ``request`` uses the API's member names, ``Catalog`` and ``ClientToken`` included when the operation
        takes them. The writes are listed in `agent.backends.operations`: API operations of
        partnercentral-account, partnercentral-benefits and IAM's CreateServiceLinkedRole, and the console
        actions DeleteBenefitApplication, SubmitCashClaim and AttachFile (partnercentral-benefits; ours, not
        the API's). A request for another catalog than this backend's is refused.
        """

    # partnercentral-account

    @abstractmethod
    def get_partner(self) -> Partner:
        """GetPartner: the partner account and its public profile."""

    @abstractmethod
    def get_profile_visibility(self) -> ProfileVisibility:
        """GetProfileVisibility."""

    @abstractmethod
    def get_alliance_lead_contact(self) -> AllianceLeadContact:
        """GetAllianceLeadContact; ResourceNotFoundException when none is set."""

    @abstractmethod
    def put_profile_visibility(self, visibility: ProfileVisibilityValue) -> ProfileVisibility:
        """PutProfileVisibility."""

    @abstractmethod
    def send_email_verification_code(self, email: str) -> None:
        """SendEmailVerificationCode: AWS emails a 6-digit code to ``email``."""

    @abstractmethod
    def put_alliance_lead_contact(
        self, contact: AllianceLeadContact, email_verification_code: str | None
    ) -> AllianceLeadContact:
        """PutAllianceLeadContact; a new email address needs the code sent to it."""

    @abstractmethod
    def get_verification(self, verification_type: VerificationTypeName) -> Verification:
        """GetVerification: registrant (identity) or business verification; ResourceNotFound if never started."""

    @abstractmethod
    def start_profile_update_task(self, details: ProfileDetails, client_token: str) -> ProfileUpdateTask:
        """StartProfileUpdateTask: replace the public profile asynchronously; one task at a time."""

    @abstractmethod
    def get_profile_update_task(self) -> ProfileUpdateTask:
        """GetProfileUpdateTask: the latest profile update task; ResourceNotFound when there was none."""

    @abstractmethod
    def associate_training_domain(self, email: str, email_verification_code: str, client_token: str) -> None:
        """AssociateAwsTrainingCertificationEmailDomain: the domain of ``email``, proven by the code sent to it."""

    @abstractmethod
    def disassociate_training_domain(self, domain_name: str, client_token: str) -> None:
        """DisassociateAwsTrainingCertificationEmailDomain."""

    @abstractmethod
    def list_connection_invitations(
        self, *, participant_type: ParticipantRole | None = None, status: InvitationStatus | None = None,
        connection_type: ConnectionTypeName | None = None,
    ) -> list[ConnectionInvitation]:
        """ListConnectionInvitations (all pages), each as GetConnectionInvitation returns it."""

    @abstractmethod
    def create_connection_invitation(
        self, *, client_token: str, connection_type: ConnectionTypeName, receiver: str, email: str, name: str,
        message: str,
    ) -> ConnectionInvitation:
        """CreateConnectionInvitation: ask another AWS account to connect (SUBSIDIARY: an account you own)."""

    @abstractmethod
    def accept_connection_invitation(self, invitation_id: str, client_token: str) -> Connection:
        """AcceptConnectionInvitation (as the receiver): the connection it creates or extends."""

    @abstractmethod
    def reject_connection_invitation(self, invitation_id: str, client_token: str, reason: str | None = None) -> ConnectionInvitation:
        """RejectConnectionInvitation (as the receiver)."""

    @abstractmethod
    def cancel_connection_invitation(self, invitation_id: str, client_token: str) -> ConnectionInvitation:
        """CancelConnectionInvitation (as the sender, while it is pending)."""

    @abstractmethod
    def list_connections(self, connection_type: ConnectionTypeName | None = None) -> list[Connection]:
        """ListConnections (all pages): the accounts this partner's account is connected with."""

    # partnercentral-selling

    @abstractmethod
    def list_opportunities(self, query: OpportunityQuery) -> OpportunityPage:
        """ListOpportunities with filters, sorting and paging."""

    @abstractmethod
    def get_opportunity(self, opportunity_id: str) -> Opportunity:
        """GetOpportunity; ResourceNotFoundException for ids this partner cannot see."""

    # partnercentral-benefits

    @abstractmethod
    def list_benefits(self) -> list[Benefit]:
        """ListBenefits: the funding programs available in this catalog."""

    @abstractmethod
    def list_benefit_applications(self) -> list[BenefitApplicationSummary]:
        """ListBenefitApplications: this partner's fund requests."""

    @abstractmethod
    def get_benefit_application(self, application_id: str) -> BenefitApplication:
        """GetBenefitApplication."""

    @abstractmethod
    def create_benefit_application(
        self, *, client_token: str, benefit_id: str, name: str, description: str, fulfillment_types: list[str],
        details: dict, associated_resources: list[str] | None = None,
    ) -> BenefitApplication:
        """CreateBenefitApplication: a fund request in PENDING_SUBMISSION; one per ClientToken."""

    @abstractmethod
    def update_benefit_application(
        self, application_id: str, *, revision: str, name: str | None = None, description: str | None = None,
        details: dict | None = None, client_token: str | None = None,
    ) -> BenefitApplication:
        """UpdateBenefitApplication: edit a request that is not in review, at the Revision last read."""

    @abstractmethod
    def submit_benefit_application(self, application_id: str) -> BenefitApplication:
        """SubmitBenefitApplication (also resubmits a rejected request)."""

    @abstractmethod
    def recall_benefit_application(
        self, application_id: str, reason: str, client_token: str | None = None
    ) -> BenefitApplication:
        """RecallBenefitApplication: back to Created, to edit."""

    @abstractmethod
    def cancel_benefit_application(
        self, application_id: str, reason: str | None = None, client_token: str | None = None
    ) -> BenefitApplication:
        """CancelBenefitApplication."""

    @abstractmethod
    def amend_benefit_application(
        self, application_id: str, *, revision: str, reason: str, amendments: list[dict[str, str]],
        client_token: str | None = None,
    ) -> BenefitApplication:
        """AmendBenefitApplication: change fields of an approved request."""

    @abstractmethod
    def delete_benefit_application(self, application_id: str, client_token: str | None = None) -> None:
        """Delete a Created-stage request (a console action; no API operation)."""

    @abstractmethod
    def attach_file(
        self, application_id: str, path: str, business_use_case: str, client_token: str | None = None
    ) -> BenefitApplication:
        """Upload a local file and attach it to a fund request; AWS's scan sets its FileStatus."""

    @abstractmethod
    def submit_cash_claim(self, application_id: str, amount: float, client_token: str | None = None) -> BenefitApplication:
        """Submit a cash claim's actuals (the funding portal's claim; no API operation)."""

    @abstractmethod
    def list_benefit_allocations(self) -> list[BenefitAllocation]:
        """ListBenefitAllocations: budgets granted to this partner (SCA, MDF wallet)."""

    # Marketplace seller setup and PRM evidence (outside the Partner Central APIs)

    @abstractmethod
    def get_seller_setup(self) -> SellerSetup:
        """The Marketplace seller setup state: tax, banking, compliance, listings, role."""

    @abstractmethod
    def get_prm_evidence(self) -> PrmEvidence:
        """What AWS sees of this partner's revenue attribution."""

    @abstractmethod
    def resale_authorization_role_exists(self) -> bool:
        """Whether the AWSServiceRoleForMarketplaceResaleAuthorization role exists (IAM GetRole)."""

    @abstractmethod
    def create_resale_authorization_role(self) -> None:
        """Create the resale authorization service-linked role (IAM CreateServiceLinkedRole); idempotent."""
