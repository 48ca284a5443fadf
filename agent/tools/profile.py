"""Partner account and profile tools."""

from datetime import datetime
from typing import Annotated

from mcp.server import MCPServer
from mcp.server.mcpserver import ElicitationResult, Resolve
from pydantic import BaseModel, Field

from agent.app import AgentApp
from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.profile_update import (
    PROFILE_UPDATE,
    AllianceLeadInput,
    ProfileFields,
    ProfileUpdate,
    VerificationCode,
)
from agent.models.account import (
    AllianceLeadContact,
    EmailAddress,
    PartnerDomain,
    PartnerProfile,
    ProfileUpdateTask,
    ProfileVisibilityValue,
)
from agent.tools import hints, writes
from agent.tools.params import SessionIdParam

READ_PROFILE = [
    "partnercentral:GetPartner",
    "partnercentral:GetProfileVisibility",
    "partnercentral:GetAllianceLeadContact",
    "partnercentral:GetProfileUpdateTask",
]


class PartnerProfileResult(BaseModel):
    """The partner account as the console's profile page shows it."""

    session_id: str
    partner_id: str
    catalog: str
    legal_name: str
    created_at: datetime
    profile: PartnerProfile
    visibility: ProfileVisibilityValue | None = Field(description="Absent if not readable.")
    alliance_lead_contact: AllianceLeadContact | None
    training_certification_domains: list[PartnerDomain]
    latest_profile_update: ProfileUpdateTask | None = None


class CodeSent(BaseModel):
    session_id: str
    email: str
    message: str


def partner_profile(backend: PartnerCentral, session_id: str) -> PartnerProfileResult:
    """Read the partner, its visibility and its alliance lead in one result."""
    partner = backend.get_partner()
    try:
        visibility = backend.get_profile_visibility().Visibility
    except errors.ResourceNotFoundException:
        visibility = None
    try:
        lead = backend.get_alliance_lead_contact()
    except errors.ResourceNotFoundException:
        lead = None
    try:
        latest_task = backend.get_profile_update_task()
    except errors.ResourceNotFoundException:
        latest_task = None
    return PartnerProfileResult(
        latest_profile_update=latest_task,
        session_id=session_id,
        partner_id=partner.Id,
        catalog=partner.Catalog,
        legal_name=partner.LegalName,
        created_at=partner.CreatedAt,
        profile=partner.Profile,
        visibility=visibility,
        alliance_lead_contact=lead,
        training_certification_domains=partner.AwsTrainingCertificationEmailDomains,
    )


def register(server: MCPServer, app: AgentApp) -> None:
    read_only = hints.reading(app.reaches_aws)

    @server.tool(title="Get partner profile", annotations=read_only)
    def get_partner_profile(session_id: SessionIdParam = None) -> PartnerProfileResult:
        """The partner account this session acts for: legal name, public profile, visibility, alliance lead contact
        and training/certification email domains."""
        call = app.begin("get_partner_profile", READ_PROFILE, session_id)
        return partner_profile(call.backend, call.session.session_id)

    @server.tool(
        title="Send email verification code",
        annotations=hints.writing(open_world=True, destructive=False, idempotent=False),  # it emails someone
    )
    def send_email_verification_code(
        email: Annotated[
            EmailAddress,
            Field(
                description="The new alliance lead email address, or an address at a training and certification domain to link."
            ),
        ],
        session_id: SessionIdParam = None,
    ) -> CodeSent:
        """Email a 6-digit verification code (changes no data): for a new alliance lead email (then update_profile)
        or a training and certification domain (then manage_training_domains). Arrives within ~5
        minutes, valid 48 hours, up to 5 sends. Ask the person for it."""
        call = app.begin("send_email_verification_code", ["partnercentral:SendEmailVerificationCode"], session_id)
        call.backend.send_email_verification_code(email)
        where = " (sandbox: `partner-agent sandbox outbox` shows it)" if app.settings.backend == "local" else ""
        return CodeSent(
            session_id=call.session.session_id,
            email=email,
            message=f"A verification code was sent to {email}{where}. Ask the person for it.",
        )

    def planned_update(
        profile=None, visibility=None, alliance_lead=None, email_verification_code=None, session_id=None
    ) -> writes.Planned:
        parameters = ProfileUpdate(
            profile=profile,
            visibility=visibility,
            alliance_lead=alliance_lead,
            email_verification_code=email_verification_code,
        )
        return writes.plan_change(app, PROFILE_UPDATE, parameters, session_id)

    ask_for_update = writes.asking(planned_update)

    @server.tool(
        title="Update partner profile",
        annotations=hints.writing(app.reaches_aws, destructive=False, idempotent=True),
    )
    def update_profile(
        change: Annotated[writes.Planned, Resolve(planned_update)],
        answer: Annotated[ElicitationResult[writes.ApprovalForm], Resolve(ask_for_update)],
        profile: Annotated[
            ProfileFields | None,
            Field(description="e.g. scan_company_website's `profile_update` as accepted"),
        ] = None,
        visibility: Annotated[
            ProfileVisibilityValue | None,
            Field(),
        ] = None,
        alliance_lead: Annotated[AllianceLeadInput | None, Field(description="Omitted fields stay.")] = None,
        email_verification_code: Annotated[
            VerificationCode | None, Field(description="The 6-digit code sent to a new alliance lead email.")
        ] = None,
        session_id: SessionIdParam = None,
    ) -> writes.WriteResult:
        """Change the public profile, its visibility and/or the alliance lead contact once the person approves the
        exact change. A new alliance lead email needs send_email_verification_code first."""
        call = writes.begin(app, PROFILE_UPDATE, change, session_id)
        return writes.run_change(app, call, PROFILE_UPDATE, change, answer)
