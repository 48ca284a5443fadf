"""Every write the agent can make, by tool name."""

from agent.graphs.fund_request import FUND_REQUEST_DRAFT, FUND_REQUEST_MANAGEMENT
from agent.graphs.onboarding import CONNECTION_MANAGEMENT, RESALE_ROLE, TRAINING_DOMAINS
from agent.graphs.opportunity import OPPORTUNITY_CHANGE, REFERRAL_RESPONSE
from agent.graphs.profile_update import PROFILE_UPDATE

WRITE_ACTIONS = {
    action.tool: action
    for action in (
        PROFILE_UPDATE,
        FUND_REQUEST_DRAFT,
        FUND_REQUEST_MANAGEMENT,
        CONNECTION_MANAGEMENT,
        TRAINING_DOMAINS,
        RESALE_ROLE,
        OPPORTUNITY_CHANGE,
        REFERRAL_RESPONSE,
    )
}
