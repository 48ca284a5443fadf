"""AWS Marketplace seller setup guidance tools: tax form, KYC/BAV/SU, banking, first listing.

Informational only and free of personal data: none of these tools takes a tax id, bank account number,
password or identity document, and each answer says where the person enters those themselves.
"""

from typing import Annotated, Generic, Literal, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from agent.app import AgentApp
from agent.onboarding import seller_guidance as rules
from agent.tools import hints
from agent.tools.guidance import resource_uri
from agent.tools.params import Detail, DetailParam, SessionIdParam

G = TypeVar("G")
CountryParam = Annotated[
    str, Field(description="ISO 3166-1 alpha-2 country code, e.g. US, DE, GB, JP.", min_length=2, max_length=2)
]
GUIDANCE = hints.reading(open_world=False)


class GuidanceResult(BaseModel, Generic[G]):
    guidance: G
    session_id: str


class CatalogSteps(BaseModel):
    step: rules.Step = Field(description="The step asked for (default: the first), in full.")
    steps: list[str] = Field(description="Every step in order: 'number. title (id)'.")
    all_steps: list[rules.Step] | None = Field(default=None, description="Every step in full (detail='full').")


def cited(sources: list) -> list[str]:
    """Sources in short: their URLs; this project's own guides as their guidance:// resource."""
    return [
        s
        if isinstance(s, str)
        else s.url
        if s.url.startswith("https://")
        else resource_uri(s.url.removeprefix("knowledge/"))
        for s in sources
    ]


def compact(guidance: G, detail: Detail) -> G:
    """The summary of a guidance answer: sources as URLs; a verification's background, documents to have ready,
    timing and sources only in full."""
    if detail == "full":
        return guidance
    update: dict = {"sources": cited(guidance.sources)}
    if isinstance(guidance, rules.ComplianceRequirements):
        brief = dict(what_it_is=None, have_ready=None, timing=None, sources=None)
        update |= {name: getattr(guidance, name).model_copy(update=brief) for name in ("kyc", "bav", "secondary_user")}
        update["other_requirements"] = [r.model_copy(update=brief) for r in guidance.other_requirements]
    return guidance.model_copy(update=update)


def register(server: MCPServer, app: AgentApp) -> None:
    seller_rules = rules.load_rules()
    kyc_region = seller_rules.named(seller_rules.emea)

    def session(tool: str, session_id: str | None) -> str:
        return app.begin(tool, [], session_id).session.session_id

    @server.tool(title="Determine tax form", annotations=GUIDANCE)
    def determine_tax_form(
        country: CountryParam,
        entity_type: Annotated[
            Literal["individual", "business"], Field(description="A person, or a company/organization.")
        ],
        us_effectively_connected_income: Annotated[
            bool, Field(description="The income is effectively connected with a US trade or business.")
        ] = False,
        intermediary: Annotated[
            bool, Field(description="The entity receives payments for others (intermediary or flow-through entity).")
        ] = False,
        detail: DetailParam = "summary",
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[rules.TaxFormGuidance]:
        """Which US tax form AWS Marketplace's tax interview will ask for (W-9, W-8BEN, W-8BEN-E, W-8ECI, W-8IMY),
        why, what to have ready and where (detail='full': sources). Informational, not tax advice; never ask for the
        tax id."""
        sid = session("determine_tax_form", session_id)
        guidance = rules.determine_tax_form(
            country,
            entity_type,
            us_effectively_connected_income=us_effectively_connected_income,
            intermediary=intermediary,
        )
        return GuidanceResult(session_id=sid, guidance=compact(guidance, detail))

    @server.tool(title="Seller compliance requirements", annotations=GUIDANCE)
    def seller_compliance_requirements(
        seller_country: CountryParam,
        bank_country: CountryParam,
        sales_geography: Annotated[
            list[str] | None,
            Field(
                description=f"Country codes of the buyers you sell to ({kyc_region} buyers trigger KYC); omitted: your home "
                "market.",
                max_length=60,
            ),
        ] = None,
        has_secondary_users: Annotated[bool, Field(description="Other people will manage the seller account.")] = False,
        detail: DetailParam = "summary",
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[rules.ComplianceRequirements]:
        """Whether KYC, bank account verification (BAV) and secondary user verification (SU) apply to this seller,
        with reasons and next steps (detail='full': what each is, what to have ready, timing, sources).
        Informational; documents are uploaded only in the AWS portals."""
        sid = session("seller_compliance_requirements", session_id)
        guidance = rules.seller_compliance_requirements(
            seller_country, bank_country, sales_geography, has_secondary_users=has_secondary_users
        )
        return GuidanceResult(session_id=sid, guidance=compact(guidance, detail))

    @server.tool(title="Banking and disbursement guidance", annotations=GUIDANCE)
    def banking_guidance(
        bank_country: CountryParam,
        currency: Annotated[
            str | None,
            Field(description="ISO 4217 currency of the account, e.g. USD, EUR.", min_length=3, max_length=3),
        ] = None,
        detail: DetailParam = "summary",
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[rules.BankingGuidance]:
        """How AWS Marketplace pays out for a bank in this country and currency: supported or not, account type,
        disbursement schedule, verification, alternatives (detail='full': sources). Informational; bank numbers go
        only into the AWS Marketplace Management Portal."""
        sid = session("banking_guidance", session_id)
        guidance = rules.banking_guidance(bank_country, currency)
        return GuidanceResult(session_id=sid, guidance=compact(guidance, detail))

    @server.tool(title="ESC catalog registration steps", annotations=GUIDANCE)
    def esc_catalog_steps(
        product_type: Annotated[
            str | None,
            Field(description="SaaS, AMI, Container, ML, ProfessionalServices or Data; omitted: the common steps."),
        ] = None,
        step: Annotated[int | None, Field(description="The step you are at, shown in full; default 1.", ge=1)] = None,
        detail: DetailParam = "summary",
        session_id: SessionIdParam = None,
    ) -> GuidanceResult[CatalogSteps]:
        """The ordered steps to create the seller entity and the first listing (limited visibility first, then
        public): every step's title and the current one in full (detail='full': all in full). Informational."""
        sid = session("esc_catalog_steps", session_id)
        steps = rules.esc_catalog_steps(product_type)
        if step is not None and step > len(steps):
            raise ToolError(f"There are {len(steps)} steps; ask for a step from 1 to {len(steps)}.")
        return GuidanceResult(
            session_id=sid,
            guidance=CatalogSteps(
                step=compact(steps[(step or 1) - 1], detail),
                steps=[f"{s.number}. {s.title} ({s.id})" for s in steps],
                all_steps=steps if detail == "full" else None,
            ),
        )
