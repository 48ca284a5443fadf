"""PRM (Partner Revenue Measurement) readiness: can AWS attribute revenue to this partner's solution?

The requirements: a Marketplace seller account linked to the Partner Central account, a Marketplace
listing (its product code identifies the solution), and attribution evidence, by resource tagging
(``aws-apn-id`` = ``pc:<product code>``), the user-agent string ``APN_1.1/pc_<product code>$``, or
Marketplace metering.
"""

from __future__ import annotations

from pydantic import BaseModel

from agent.models.seller import PrmEvidence, SellerSetup


class PrmReadiness(BaseModel):
    ready: bool
    gaps: list[str]


def prm_readiness(setup: SellerSetup, evidence: PrmEvidence) -> PrmReadiness:
    """The PRM requirements this account does not meet yet (none when it is PRM-ready)."""
    gaps = []
    if not evidence.LinkedPrimaryAccountId:
        gaps.append("link your primary Marketplace seller account to Partner Central")
    codes = [listing.ProductCode for account in setup.SellerAccounts for listing in account.Listings]
    if not codes:
        gaps.append("publish a Marketplace listing (its product code identifies your solution)")
    if not evidence.Signals:
        example = codes[0] if codes else "<product code>"
        gaps.append(f"attribute revenue: tag resources with aws-apn-id = pc:{example}, or send the user agent "
                    f"APN_1.1/pc_{example}$ from your software")
    return PrmReadiness(ready=not gaps, gaps=gaps)
