"""The one interface every backend implements: a Partner Central client scoped to one partner account.

A backend instance acts for exactly one partner account in one catalog, like API credentials do: it
cannot see or change another partner's data, and ids of other partners' resources are simply not found.
Errors are the API's own (`agent.backends.errors`), whichever backend raises them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.models import selling
from agent.models.account import (
    AllianceLeadContact,
    Connection,
    ConnectionInvitation,
    ConnectionTypeName,
    InvitationStatus,
    ParticipantRole,
    Partner,
    ProfileUpdateTask,
    ProfileVisibility,
    Verification,
    VerificationTypeName,
)
from agent.models.benefits import (
    Benefit,
    BenefitAllocation,
    BenefitApplication,
    BenefitApplicationSummary,
    BenefitSummary,
    CashClaim,
    FulfillmentTypeName,
)
from agent.models.seller import PrmEvidence, SellerSetup
from agent.models.selling import Opportunity, OpportunitySummary


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

    Every write goes through `send`, as the API's own request; the other methods read, and
    `send_email_verification_code` mails a code.

    A request with a ``ClientToken`` is idempotent by it: the same request with the same token returns the
    first call's response without writing again, a different request with that token is a ConflictException
    (CONFLICT_CLIENT_TOKEN). Where the token is optional and left out, there is no replay.
    """

    partner_id: str
    catalog: str

    def cache_scope(self) -> tuple[str, ...]:
        """What a cache of this backend's answers is keyed by: the same data behind the same key."""
        return (type(self).__name__, self.catalog, self.partner_id)

    def unsupported(self, operation: str) -> str | None:
        """Why this backend cannot do ``operation`` (an API operation, or a console action such as
        DeleteBenefitApplication, SubmitCashClaim, UpdateCashClaim, AttachFile), or None when it can."""
        return None

    @abstractmethod
    def send(self, service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Make one write call exactly as given and return the response body in the API's output shape
        (no ResponseMetadata).

        ``request`` uses the API's member names, ``Catalog`` and ``ClientToken`` included when the operation
        takes them. The writes are listed in `agent.backends.operations`: API operations of
        partnercentral-account, partnercentral-benefits, partnercentral-selling and IAM's CreateServiceLinkedRole, and the console
        actions DeleteBenefitApplication, SubmitCashClaim, UpdateCashClaim and AttachFile
        (partnercentral-benefits; ours, not the API's). A request for another catalog than this backend's is refused.
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
    def send_email_verification_code(self, email: str) -> None:
        """SendEmailVerificationCode: AWS emails a 6-digit code to ``email``."""

    @abstractmethod
    def get_verification(self, verification_type: VerificationTypeName) -> Verification:
        """GetVerification: registrant (identity) or business verification; ResourceNotFound if never started."""

    @abstractmethod
    def get_profile_update_task(self) -> ProfileUpdateTask:
        """GetProfileUpdateTask: the latest profile update task; ResourceNotFound when there was none."""

    @abstractmethod
    def list_connection_invitations(
        self,
        *,
        participant_type: ParticipantRole | None = None,
        status: InvitationStatus | None = None,
        connection_type: ConnectionTypeName | None = None,
    ) -> list[ConnectionInvitation]:
        """ListConnectionInvitations (all pages), each as GetConnectionInvitation returns it."""

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

    @abstractmethod
    def get_aws_opportunity_summary(self, opportunity_id: str) -> selling.AwsOpportunitySummary:
        """GetAwsOpportunitySummary: AWS's side of a shared opportunity; ResourceNotFoundException before AWS has
        one (an opportunity never submitted)."""

    @abstractmethod
    def list_engagement_invitations(self) -> list[selling.EngagementInvitation]:
        """ListEngagementInvitations (all pages) of opportunity invitations this partner received, newest first,
        each as GetEngagementInvitation returns it."""

    @abstractmethod
    def get_engagement_invitation(self, invitation_id: str) -> selling.EngagementInvitation:
        """GetEngagementInvitation."""

    @abstractmethod
    def list_solutions(self) -> list[selling.Solution]:
        """ListSolutions (all pages): the partner's solutions, to associate with opportunities."""

    @abstractmethod
    def get_engagement_task(self, operation: str, task_id: str) -> selling.EngagementTask:
        """An engagement task by id: ``operation`` is the one that started it (StartEngagementFromOpportunityTask
        or StartEngagementByAcceptingInvitationTask), read through its List...Tasks operation."""

    # partnercentral-benefits

    @abstractmethod
    def list_benefits(
        self, *, program: str | None = None, fulfillment_types: list[FulfillmentTypeName] | None = None
    ) -> list[BenefitSummary]:
        """ListBenefits (all pages): the funding programs of this catalog, those of ``program`` (the API filters on
        one program) offering any of ``fulfillment_types`` (at most 2) when given."""

    @abstractmethod
    def get_benefit(self, benefit_id: str) -> Benefit:
        """GetBenefit, by id or ARN: the benefit with its ``BenefitRequestSchema``."""

    @abstractmethod
    def list_benefit_applications(self) -> list[BenefitApplicationSummary]:
        """ListBenefitApplications: this partner's fund requests."""

    @abstractmethod
    def get_benefit_application(self, application_id: str) -> BenefitApplication:
        """GetBenefitApplication, by id or ARN."""

    @abstractmethod
    def list_benefit_allocations(self) -> list[BenefitAllocation]:
        """ListBenefitAllocations: budgets granted to this partner (SCA, MDF wallet)."""

    @abstractmethod
    def list_cash_claims(self, application_id: str) -> list[CashClaim]:
        """The cash claims of a fund request, in the order they were last submitted (the funding portal's; the API
        has none)."""

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
