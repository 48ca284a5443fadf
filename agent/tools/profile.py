"""Partner account and profile tools."""

from __future__ import annotations

from datetime import datetime

from mcp.server import MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from agent.app import AgentApp
from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.models.account import AllianceLeadContact, PartnerDomain, PartnerProfile, ProfileVisibilityValue
from agent.tools.errors import tool_errors


class PartnerProfileResult(BaseModel):
    """The partner account as the console's profile page shows it."""

    partner_id: str = Field(description="Partner account id (partner-...).")
    catalog: str = Field(description="`Sandbox` or `AWS` (production).")
    legal_name: str
    created_at: datetime
    profile: PartnerProfile = Field(description="Public profile fields, with the API's names and enums.")
    visibility: ProfileVisibilityValue | None = Field(
        description="PUBLIC: AWS customers can find the profile. PRIVATE: hidden. None if not readable."
    )
    alliance_lead_contact: AllianceLeadContact | None = Field(
        description="Main contact for AWS Partner Network communications; None when not set."
    )
    training_certification_domains: list[PartnerDomain] = Field(
        description="Email domains whose AWS Training and Certification results count for this partner."
    )


def partner_profile(backend: PartnerCentral) -> PartnerProfileResult:
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
    return PartnerProfileResult(
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
    read_only = ToolAnnotations(
        read_only_hint=True, idempotent_hint=True, destructive_hint=False, open_world_hint=app.settings.backend == "aws"
    )

    @server.tool(title="Get partner profile", annotations=read_only)
    def get_partner_profile() -> PartnerProfileResult:
        """Show the partner account this session acts for: legal name, public profile (display name,
        description, website, logo, solution type, industry segments, headquarters), profile visibility,
        alliance lead contact and training/certification email domains. Read-only; no parameters."""
        with tool_errors():
            return partner_profile(app.partner_central())
