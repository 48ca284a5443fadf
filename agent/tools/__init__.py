"""MCP tools, one module per area. Each module's ``register(server, app)`` adds its tools.

Tools are thin: validate input (typed parameters), call the backend, return a pydantic model. Expected
failures raise an `agent.errors.AgentError`; the server turns each into the error the model reads, saying what
went wrong and what to do next (`agent.tools.errors.for_the_model`).
"""

from agent.config import Toolset

TOOLSETS: dict[Toolset, tuple[str, ...]] = {
    "account": (
        "get_partner_profile",
        "update_profile",
        "send_email_verification_code",
        "list_account_connections",
        "manage_account_connections",
        "manage_training_domains",
    ),
    "onboarding": (
        "get_onboarding_status",
        "scan_company_website",
        "check_resale_authorization_role",
        "create_resale_authorization_role",
    ),
    "prm": ("check_prm_compliance",),
    "seller": ("determine_tax_form", "seller_compliance_requirements", "banking_guidance", "esc_catalog_steps"),
    "opportunities": (
        "list_opportunities",
        "get_opportunity",
        "check_opportunity_readiness",
        "recommend_next_steps",
        "list_engagement_invitations",
        "manage_opportunity",
        "respond_to_referral",
    ),
    "funding": (
        "list_funding_programs",
        "recommend_funding",
        "estimate_funding",
        "list_funding_requests",
        "get_funding_request",
        "draft_funding_request",
        "manage_funding_request",
    ),
    "guidance": ("search_guidance",),
}
"""The tools of each toolset (PARTNER_AGENT_TOOLSETS). Every tool not listed here is always exposed: the session,
approval and audit tools, which every write needs."""


def hidden_tools(toolsets: list[Toolset]) -> set[str]:
    """The tools the toolsets not in ``toolsets`` hold."""
    return {tool for name, tools in TOOLSETS.items() if name not in toolsets for tool in tools}
