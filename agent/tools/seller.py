"""AWS Marketplace seller setup guidance tools: tax form, KYC/BAV/SU, banking, first listing.

Informational only and free of personal data: none of these tools takes a tax id, bank account number,
password or identity document, and each answer says where the person enters those themselves.
"""

from typing import Annotated, Generic, Literal, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from agent.app import AgentApp
from agent.onboarding import seller_guidance as rules
from agent.tools.errors import tool_errors
from agent.tools.params import SessionIdParam

G = TypeVar("G")
CountryParam = Annotated[str, Field(description="ISO 3166-1 alpha-2 country code, e.g. US, DE, GB, JP.",
                                    min_length=2, max_length=2)]
GUIDANCE = ToolAnnotations(read_only_hint=True, idempotent_hint=True, destructive_hint=False, open_world_hint=False)


class GuidanceResult(BaseModel, Generic[G]):
    session_id: str
    guidance: G


def _guide(compute):
    """Run a rule function, turning bad input into an error the model can act on."""
    try:
        return compute()
    except ValueError as exc:
        raise ToolError(str(exc)) from None


def register(server: MCPServer, app: AgentApp) -> None:
    def session(tool: str, session_id: str | None) -> str:
        with tool_errors():
            return app.begin(tool, [], session_id).session.session_id

    @server.tool(title="Determine tax form", annotations=GUIDANCE)
    def determine_tax_form(
        country: CountryParam,
        entity_type: Annotated[Literal["individual", "business"], Field(description="A person, or a company/organization.")],
        us_effectively_connected_income: Annotated[bool, Field(
            description="The income is effectively connected with a US trade or business.")] = False,
        intermediary: Annotated[bool, Field(
            description="The entity receives payments for others (intermediary or flow-through entity).")] = False,
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[rules.TaxFormGuidance]:
        """Which US tax form AWS Marketplace's tax interview will ask for (W-9, W-8BEN, W-8BEN-E, W-8ECI, W-8IMY),
        why, what to have ready and where. Informational, not tax advice; never ask for the tax id."""
        sid = session("determine_tax_form", session_id)
        return GuidanceResult(session_id=sid, guidance=_guide(lambda: rules.determine_tax_form(
            country, entity_type, us_effectively_connected_income=us_effectively_connected_income,
            intermediary=intermediary)))

    @server.tool(title="Seller compliance requirements", annotations=GUIDANCE)
    def seller_compliance_requirements(
        seller_country: CountryParam,
        bank_country: CountryParam,
        sales_geography: Annotated[list[str] | None, Field(
            description="Country codes of the buyers you sell to (EMEA buyers trigger KYC); omitted: your home market.",
            max_length=60)] = None,
        has_secondary_users: Annotated[bool, Field(description="Other people will manage the seller account.")] = False,
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[rules.ComplianceRequirements]:
        """Whether KYC, bank account verification (BAV) and secondary user verification (SU) apply to this seller,
        with reasons and next steps. Informational; documents are uploaded only in the AWS portals."""
        sid = session("seller_compliance_requirements", session_id)
        return GuidanceResult(session_id=sid, guidance=_guide(lambda: rules.seller_compliance_requirements(
            seller_country, bank_country, sales_geography, has_secondary_users=has_secondary_users)))

    @server.tool(title="Banking and disbursement guidance", annotations=GUIDANCE)
    def banking_guidance(
        bank_country: CountryParam,
        currency: Annotated[str | None, Field(description="ISO 4217 currency of the account, e.g. USD, EUR.",
                                              min_length=3, max_length=3)] = None,
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[rules.BankingGuidance]:
        """How AWS Marketplace pays out for a bank in this country and currency: supported or not, account type,
        disbursement schedule, verification, alternatives. Informational; bank numbers go only into the
        AWS Marketplace Management Portal."""
        sid = session("banking_guidance", session_id)
        return GuidanceResult(session_id=sid, guidance=_guide(lambda: rules.banking_guidance(bank_country, currency)))

    @server.tool(title="ESC catalog registration steps", annotations=GUIDANCE)
    def esc_catalog_steps(
        product_type: Annotated[str | None, Field(
            description="SaaS, AMI, Container, ML, ProfessionalServices or Data; omitted: the common steps.")] = None,
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[list[rules.Step]]:
        """The ordered steps to create the seller entity and the first product listing (limited visibility first,
        then public), with where each happens. Informational."""
        sid = session("esc_catalog_steps", session_id)
        return GuidanceResult(session_id=sid, guidance=_guide(lambda: rules.esc_catalog_steps(product_type)))
