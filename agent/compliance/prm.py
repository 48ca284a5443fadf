"""PRM (Partner Revenue Measurement) compliance: can AWS attribute revenue to this partner's solutions?

The requirements, each checked against what the backend shows:

1. an AWS account linked to the Partner Central account (the primary account; with several seller accounts
   AWS recommends a dedicated one);
2. a Marketplace listing, whose product code identifies the solution;
3. revenue attribution evidence for a product code: resources tagged ``aws-apn-id-<linked account id>`` (or
   the older ``aws-apn-id``) = ``pc:<product code>``, AWS control-plane calls whose user agent carries
   ``APN_1.1/pc_<product code>$``, or Marketplace metering (AMI and ML products bought through Marketplace);
4. with several seller accounts: each one connected to the primary account as a SUBSIDIARY, so attribution
   is consolidated across the organization.

`assess_prm` is pure; `read_prm` gathers its inputs from a backend.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.backends.base import PartnerCentral
from agent.models.account import Connection, ConnectionInvitation
from agent.models.seller import PrmEvidence, SellerSetup

RequirementStatus = Literal["met", "in_progress", "not_met", "not_applicable"]

LEGACY_TAG_KEY = "aws-apn-id"
SIGNAL_FRESHNESS = timedelta(days=62)
"""Attribution evidence older than about two billing months no longer shows the solution is measured."""
FIND_PRODUCT_CODE = (
    "Find your product code in the AWS Marketplace Management Portal: Products > choose the product type (for "
    "example SaaS) > select the product; its Product summary shows the 'Product code', a long alphanumeric "
    "string. Do not use the product ID (prod-...) or the UUID-style id."
)
WHEN_IT_SHOWS = (
    "Check tags at once with Tag Editor and user agents in CloudTrail's userAgent field; PRM evaluates usage per "
    "billing month and the attributed revenue dashboard updates about 45 days after the month ends, so run this "
    "check again then."
)
METHODS = {
    "RESOURCE_TAGGING": "tagged resources",
    "USER_AGENT": "API calls with the APN user agent",
    "MARKETPLACE_METERING": "Marketplace metering records",
}


def tag_key(linked_account_id: str | None) -> str:
    """The tag key AWS recommends since 30 September 2026 (the older ``aws-apn-id`` still counts)."""
    return f"{LEGACY_TAG_KEY}-{linked_account_id}" if linked_account_id else f"{LEGACY_TAG_KEY}-<linked AWS account id>"


def tag_value(product_code: str) -> str:
    return f"pc:{product_code}"


def user_agent(product_code: str) -> str:
    return f"APN_1.1/pc_{product_code}$"


class Requirement(BaseModel):
    id: Literal["linked_primary_account", "marketplace_listing", "revenue_attribution", "subsidiary_connections"]
    title: str
    status: RequirementStatus
    evidence: list[str] = Field(description="What the account shows, as checked now.")
    remediation: list[str] = Field(default_factory=list, description="What to do when it is not met, in order.")


class SellerAccountStatus(BaseModel):
    aws_account_id: str
    legal_name: str
    is_primary: bool
    product_codes: list[str]
    connection: Literal["primary", "connected", "invitation_pending", "not_connected"] = Field(
        description="How the account is tied to the primary account: a SUBSIDIARY connection, a pending "
        "invitation, or nothing yet."
    )
    invitation_id: str | None = None


class PlanStep(BaseModel):
    step: int
    action: str
    done_by: Literal["agent", "agent_with_approval", "partner"] = Field(
        description="agent: a read-only `tool` call; agent_with_approval: the agent makes the change through `tool` "
        "once the person approves; partner: the person does it (the action says where)."
    )
    tool: str | None = None
    arguments: dict[str, Any] | None = None


class PrmAssessment(BaseModel):
    prm_ready: bool
    requirements: list[Requirement]
    seller_accounts: list[SellerAccountStatus]
    plan: list[PlanStep] = Field(description="Empty when PRM-ready; otherwise the steps in order.")

    @property
    def gaps(self) -> list[str]:
        return [r.title for r in self.requirements if r.status in ("not_met", "in_progress")]


def _linked(evidence: PrmEvidence) -> Requirement:
    title = "Link your primary AWS Marketplace seller account to Partner Central"
    if evidence.LinkedPrimaryAccountId:
        return Requirement(id="linked_primary_account", title=title, status="met",
                           evidence=[f"Partner Central is linked to AWS account {evidence.LinkedPrimaryAccountId}."])
    return Requirement(
        id="linked_primary_account", title=title, status="not_met",
        evidence=["No AWS account is linked to this Partner Central account."],
        remediation=[
            "Register as an AWS Marketplace seller with the AWS account that will sell (your primary account).",
            "In Partner Central choose Account linking (Settings) and link that AWS account; the person linking "
            "needs IAM permissions to create the PartnerCentralRoleFor* roles.",
        ],
    )


def _listing(setup: SellerSetup) -> Requirement:
    title = "Publish an AWS Marketplace listing (its product code identifies your solution)"
    listings = [(account, listing) for account in setup.SellerAccounts for listing in account.Listings]
    if not listings:
        return Requirement(
            id="marketplace_listing", title=title, status="not_met",
            evidence=["No AWS Marketplace listing was found on your seller accounts."],
            remediation=[
                "Create your product in the AWS Marketplace Management Portal (Partner Central's Build menu "
                "leads there); it starts with Limited visibility, only your account sees it.",
                "Test it, then request Public visibility so buyers can find it.",
            ],
        )
    seen = [f"{listing.Title}: product code {listing.ProductCode}, {listing.Visibility} visibility, seller account "
            f"{account.AwsAccountId}" for account, listing in listings]
    public = any(listing.Visibility == "Public" for _, listing in listings)
    return Requirement(
        id="marketplace_listing", title=title, status="met", evidence=seen,
        remediation=[] if public else ["Your listings are not public yet: request Public visibility when ready."],
    )


def _attribution(setup: SellerSetup, evidence: PrmEvidence, now: datetime) -> Requirement:
    title = "Attribute revenue: tag resources or send the APN user agent with your product code"
    codes = [listing.ProductCode for account in setup.SellerAccounts for listing in account.Listings]
    by_code: dict[str, list[str]] = defaultdict(list)
    ignored = []
    for signal in evidence.Signals:
        age = now - signal.LastSeenAt
        described = f"{signal.Observations} {METHODS[signal.Method]} for pc:{signal.ProductCode}"
        if signal.ProductCode not in codes:
            ignored.append(f"{described}: not the product code of any of your listings (check the code you tag with).")
        elif signal.Observations == 0 or age > SIGNAL_FRESHNESS:
            ignored.append(f"{described}, last seen {age.days} days ago: too old or empty to count now.")
        else:
            by_code[signal.ProductCode].append(f"{described}, last seen {max(int(age.total_seconds() // 3600), 0)} h ago")
    seen = [line for code in sorted(by_code) for line in by_code[code]]
    unattributed = [code for code in codes if code not in by_code]
    if seen:
        notes = [f"Product code {code} has no attribution yet." for code in unattributed] + ignored
        if any(s.Method == "RESOURCE_TAGGING" for s in evidence.Signals) and not evidence.CostAllocationTagActivated:
            notes.append("Optional, not a PRM requirement: to follow your own tagged spend in Cost Explorer, activate "
                         "the tag key as a cost allocation tag in the Billing console of your management account.")
        return Requirement(id="revenue_attribution", title=title, status="met", evidence=seen, remediation=notes)
    key = tag_key(evidence.LinkedPrimaryAccountId)
    metered = sorted({listing.ProductCode for account in setup.SellerAccounts for listing in account.Listings
                      if listing.ProductType in ("AMI", "MachineLearning")})
    remediation = [
        *(f"For {code}: tag the resources it runs on that cost money (on services PRM includes, in your account or the "
          f"customer's) with the key {key} and the value {tag_value(code)} (resources already tagged "
          f"{LEGACY_TAG_KEY} = {tag_value(code)} still count); or, where your software makes control-plane AWS API "
          f"calls (at least one per resource each month), put {user_agent(code)} in the user agent of every AWS SDK "
          "client it uses (for example botocore's Config(user_agent_extra=...)), final $ included."
          for code in (codes or ["<product code>"])),
        *(f"{code} is an AMI or ML product: AWS Marketplace metering attributes its usage automatically once customers "
          "buy and run it through AWS Marketplace." for code in metered),
        FIND_PRODUCT_CODE,
        WHEN_IT_SHOWS,
    ]
    return Requirement(
        id="revenue_attribution", title=title, status="not_met",
        evidence=["No recent tagged resources, user-agent calls or metering records were seen for your product codes.",
                  *ignored],
        remediation=remediation,
    )


def _accounts(setup: SellerSetup, evidence: PrmEvidence, connections: list[Connection],
              invitations: list[ConnectionInvitation]) -> list[SellerAccountStatus]:
    """Each seller account and its tie to the primary account (the linked one, or the one flagged primary)."""
    connected = {c.OtherParticipantAccountId for c in connections
                 if "SUBSIDIARY" in c.ConnectionTypes and c.ConnectionTypes["SUBSIDIARY"].Status == "ACTIVE"}
    pending = {i.OtherParticipantIdentifier: i.Id for i in invitations
               if i.ConnectionType == "SUBSIDIARY" and i.Status == "PENDING" and i.ParticipantType == "SENDER"}
    statuses = []
    for account in setup.SellerAccounts:
        account_id = account.AwsAccountId
        primary = account_id == evidence.LinkedPrimaryAccountId if evidence.LinkedPrimaryAccountId else account.IsPrimary
        state = ("primary" if primary else "connected" if account_id in connected
                 else "invitation_pending" if account_id in pending else "not_connected")
        statuses.append(SellerAccountStatus(
            aws_account_id=account_id, legal_name=account.LegalName, is_primary=primary,
            product_codes=[listing.ProductCode for listing in account.Listings], connection=state,
            invitation_id=pending.get(account_id) if state == "invitation_pending" else None,
        ))
    return statuses


def _subsidiaries(accounts: list[SellerAccountStatus]) -> Requirement:
    title = "Connect every other seller account to the primary account as a subsidiary"
    others = [a for a in accounts if not a.is_primary]
    if not others:
        return Requirement(id="subsidiary_connections", title=title, status="not_applicable",
                           evidence=["You have no seller accounts besides the primary one."])
    evidence = [f"Seller account {a.aws_account_id} ({a.legal_name}): "
                + {"connected": "connected as a subsidiary",
                   "invitation_pending": f"invitation {a.invitation_id} sent, waiting for that account to accept",
                   "not_connected": "not connected"}[a.connection] for a in others]
    if all(a.connection == "connected" for a in others):
        return Requirement(id="subsidiary_connections", title=title, status="met", evidence=evidence)
    remediation = []
    if unsent := [a.aws_account_id for a in others if a.connection == "not_connected"]:
        remediation.append(f"Send a SUBSIDIARY connection invitation from the primary account to {', '.join(unsent)} "
                           "(the agent can send it once you approve). Only connect accounts you own.")
    remediation.append("Sign in to Partner Central with each invited account, open Subsidiary account connections > "
                       "Connection requests, and accept the request from your primary account.")
    status = "not_met" if unsent else "in_progress"
    return Requirement(id="subsidiary_connections", title=title, status=status, evidence=evidence,
                       remediation=remediation)


def assess_prm(setup: SellerSetup, evidence: PrmEvidence, connections: list[Connection],
               invitations: list[ConnectionInvitation], now: datetime) -> PrmAssessment:
    """Check every PRM requirement and, when something is missing, the numbered plan to fix it."""
    accounts = _accounts(setup, evidence, connections, invitations)
    requirements = [_linked(evidence), _listing(setup), _attribution(setup, evidence, now), _subsidiaries(accounts)]
    plan: list[PlanStep] = []
    for requirement in requirements:
        if requirement.status not in ("not_met", "in_progress"):
            continue
        if requirement.id == "subsidiary_connections":
            unsent = [a.aws_account_id for a in accounts if a.connection == "not_connected"]
            if unsent:
                plan.append(PlanStep(
                    step=0, action=requirement.remediation[0], done_by="agent_with_approval",
                    tool="manage_account_connections",
                    arguments={"action": "send", "connection_type": "SUBSIDIARY", "receiver_account_ids": unsent},
                ))
            plan.append(PlanStep(step=0, action=requirement.remediation[-1], done_by="partner"))
        else:
            plan.extend(PlanStep(step=0, action=action, done_by="partner") for action in requirement.remediation)
    if plan:
        plan.append(PlanStep(step=0, action="Run the PRM check again to confirm every requirement is met.",
                             done_by="agent", tool="check_prm_compliance", arguments={}))
    for number, step in enumerate(plan, start=1):
        step.step = number
    prm_ready = all(r.status in ("met", "not_applicable") for r in requirements)
    return PrmAssessment(prm_ready=prm_ready, requirements=requirements, seller_accounts=accounts, plan=plan)


def read_prm(backend: PartnerCentral, now: datetime, *, setup: SellerSetup | None = None,
             invitations: list[ConnectionInvitation] | None = None) -> PrmAssessment:
    """Gather the PRM inputs from ``backend`` and assess them (UnsupportedOperation where seller data is unreadable).
    A caller that already read the seller setup or the invitations passes them instead of reading them again."""
    setup = setup or backend.get_seller_setup()
    if invitations is None:
        invitations = backend.list_connection_invitations(connection_type="SUBSIDIARY")
    subsidiary_invitations = [i for i in invitations if i.ConnectionType == "SUBSIDIARY"]
    return assess_prm(setup, backend.get_prm_evidence(), backend.list_connections("SUBSIDIARY"), subsidiary_invitations, now)
