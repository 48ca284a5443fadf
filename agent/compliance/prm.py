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

A requirement whose evidence could not be read is ``unknown``, saying why and where the person checks it: the
aws backend, for one, cannot see measured attribution, only the PRM tag keys Cost Explorer lists.

`assess_prm` is pure; `read_prm` gathers its inputs from a backend.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.backends.base import PartnerCentral
from agent.models.account import Connection, ConnectionInvitation
from agent.models.seller import LEGACY_TAG_KEY, CostAllocationTag, PrmEvidence, SellerSetup, UnknownEvidence, tag_key

RequirementStatus = Literal["met", "in_progress", "not_met", "not_applicable", "unknown"]

SELLER_SETUP_ACTIONS = (
    "partnercentral:GetPartner",
    "aws-marketplace:ListEntities",
    "aws-marketplace:DescribeEntity",
    "iam:GetRole",
)
"""The IAM actions of the aws backend's seller setup read (`get_seller_setup`)."""
PRM_EVIDENCE_ACTIONS = (
    "aws-marketplace:ListEntities",
    "aws-marketplace:DescribeEntity",
    "partnercentral:ListRevenueAttributions",
    "ce:ListCostAllocationTags",
    "iam:GetRole",
)
"""The IAM actions the aws backend's seller setup and PRM evidence reads call besides partnercentral:GetPartner.
The tools that read them declare them without requiring them: a read the caller may not make leaves its evidence
unknown, naming the action, instead of failing the tool."""
EVIDENCE_ACTIONS: dict[str, tuple[str, ...]] = {
    "get_onboarding_status": PRM_EVIDENCE_ACTIONS,
    "check_prm_compliance": PRM_EVIDENCE_ACTIONS,
    "recommend_funding": PRM_EVIDENCE_ACTIONS,  # PRM readiness and listings are program conditions
    "estimate_funding": PRM_EVIDENCE_ACTIONS,
    "recommend_next_steps": PRM_EVIDENCE_ACTIONS,  # the funding it may qualify for, as recommend_funding
    "manage_account_connections": SELLER_SETUP_ACTIONS,  # a SUBSIDIARY invitation checks the accounts are yours
}
"""Every tool that reads seller setup or PRM evidence, and the actions it declares without requiring them."""
SIGNAL_FRESHNESS = timedelta(days=62)
"""Attribution evidence older than about two billing months no longer shows the solution is measured."""
ATTRIBUTED_REVENUE = "Partner Central's Attributed revenue dashboard (Onboarding status table)"
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
    legal_name: str | None = Field(description="Absent for an account seen only in a connection or invitation.")
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
    prm_ready: bool | None = Field(description="Absent when no requirement is open but one could not be checked.")
    requirements: list[Requirement]
    seller_accounts: list[SellerAccountStatus]
    plan: list[PlanStep] = Field(description="Empty when PRM-ready; otherwise the steps in order.")

    @property
    def gaps(self) -> list[str]:
        return [r.title for r in self.requirements if r.status in ("not_met", "in_progress")]

    @property
    def unchecked(self) -> list[str]:
        return [r.title for r in self.requirements if r.status == "unknown"]


def _unknown(
    requirement_id: str,
    title: str,
    unknown: UnknownEvidence,
    check: str,
    *,
    evidence: tuple[str, ...] = (),
    remediation: tuple[str, ...] = (),
) -> Requirement:
    """A requirement whose evidence could not be read: why, then where the person checks ``check``."""
    return Requirement(
        id=requirement_id,
        title=title,
        status="unknown",
        evidence=[unknown.Reason, *evidence],
        remediation=[f"Check {check} in {unknown.Where}.", *remediation],
    )


def _linked(evidence: PrmEvidence) -> Requirement:
    title = "Link your primary AWS Marketplace seller account to Partner Central"
    if evidence.LinkedPrimaryAccountId:
        return Requirement(
            id="linked_primary_account",
            title=title,
            status="met",
            evidence=[f"Partner Central is linked to AWS account {evidence.LinkedPrimaryAccountId}."],
        )
    if unknown := evidence.Unknown.get("LinkedPrimaryAccountId"):
        return _unknown("linked_primary_account", title, unknown, "which AWS account is linked")
    return Requirement(
        id="linked_primary_account",
        title=title,
        status="not_met",
        evidence=["No AWS account is linked to this Partner Central account."],
        remediation=[
            "Register as an AWS Marketplace seller with the AWS account that will sell (your primary account).",
            "In Partner Central choose Account linking (Settings) and link that AWS account; the person linking "
            "needs IAM permissions to create the PartnerCentralRoleFor* roles.",
        ],
    )


def _product_codes(setup: SellerSetup, evidence: PrmEvidence) -> dict[str, str]:
    """Each listing's product code by product id: its own, else the one a Revenue Attribution ID names for it."""
    named = {
        product.ProductId.rsplit("/", 1)[-1]: product.ProductCode
        for attribution in evidence.RevenueAttributions or []
        if (product := attribution.MarketplaceProduct) and product.ProductId and product.ProductCode
    }
    return {
        listing.ProductId: code
        for account in setup.SellerAccounts
        for listing in account.Listings
        if (code := listing.ProductCode or named.get(listing.ProductId))
    }


def _listing(setup: SellerSetup, codes: dict[str, str]) -> Requirement:
    title = "Publish an AWS Marketplace listing (its product code identifies your solution)"
    listings = [(account, listing) for account in setup.SellerAccounts for listing in account.Listings]
    if not listings:
        create = (
            "Create your product in the AWS Marketplace Management Portal (Partner Central's Build menu "
            "leads there); it starts with Limited visibility, only your account sees it.",
            "Test it, then request Public visibility so buyers can find it.",
        )
        if unknown := setup.Unknown.get("Listings"):
            return _unknown("marketplace_listing", title, unknown, "your product listings", remediation=create)
        return Requirement(
            id="marketplace_listing",
            title=title,
            status="not_met",
            evidence=["No AWS Marketplace listing was found on your seller accounts."],
            remediation=list(create),
        )
    seen = [
        f"{listing.Title}: "
        + (f"product code {codes[listing.ProductId]}" if listing.ProductId in codes else "no product code read")
        + f", {listing.Visibility or 'unknown'} visibility, seller account {account.AwsAccountId}"
        for account, listing in listings
    ]
    notes = (
        []
        if any(listing.Visibility == "Public" for _, listing in listings)
        else ["Your listings are not public yet: request Public visibility when ready."]
    )
    if len(codes) < len(listings) and (unread := setup.Unknown.get("ProductCodes")):
        notes.append(f"Some product codes could not be read ({unread.Reason}): {FIND_PRODUCT_CODE}")
    return Requirement(id="marketplace_listing", title=title, status="met", evidence=seen, remediation=notes)


def _prm_tags(evidence: PrmEvidence) -> list[CostAllocationTag]:
    keys = {LEGACY_TAG_KEY, tag_key(evidence.LinkedPrimaryAccountId)}
    return [tag for tag in evidence.CostAllocationTags or [] if tag.TagKey in keys]


def _activation_note(evidence: PrmEvidence) -> list[str]:
    """The optional Cost Explorer step, when the PRM tag key is known not to be activated."""
    if evidence.CostAllocationTags is None or any(tag.Status == "Active" for tag in _prm_tags(evidence)):
        return []
    return [
        "Optional, not a PRM requirement: to follow your own tagged spend in Cost Explorer, activate the tag key "
        "as a cost allocation tag in the Billing console of your management account."
    ]


def _attribution_ids(evidence: PrmEvidence) -> list[str]:
    ids = [
        attribution.Id.rsplit("/", 1)[-1]
        + (f" ({product.ProductCode})" if (product := attribution.MarketplaceProduct) and product.ProductCode else "")
        for attribution in evidence.RevenueAttributions or []
        if attribution.Id
    ]
    return (
        [f"Revenue Attribution IDs (also valid as tag values or in the user agent): {', '.join(ids)}."] if ids else []
    )


def _how_to_attribute(setup: SellerSetup, evidence: PrmEvidence, codes: dict[str, str]) -> list[str]:
    key = tag_key(evidence.LinkedPrimaryAccountId)
    metered = sorted(
        {
            codes[listing.ProductId]
            for account in setup.SellerAccounts
            for listing in account.Listings
            if listing.ProductType in ("AMI", "MachineLearning") and listing.ProductId in codes
        }
    )
    return [
        *(
            f"For {code}: tag the resources it runs on that cost money (on services PRM includes, in your account or the "
            f"customer's) with the key {key} and the value {tag_value(code)} (resources already tagged "
            f"{LEGACY_TAG_KEY} = {tag_value(code)} still count); or, where your software makes control-plane AWS API "
            f"calls (at least one per resource each month), put {user_agent(code)} in the user agent of every AWS SDK "
            "client it uses (for example botocore's Config(user_agent_extra=...)), final $ included."
            for code in (list(codes.values()) or ["<product code>"])
        ),
        *(
            f"{code} is an AMI or ML product: AWS Marketplace metering attributes its usage automatically once customers "
            "buy and run it through AWS Marketplace."
            for code in metered
        ),
        FIND_PRODUCT_CODE,
        WHEN_IT_SHOWS,
    ]


ATTRIBUTION_TITLE = "Attribute revenue: tag resources or send the APN user agent with your product code"


def _attribution(setup: SellerSetup, evidence: PrmEvidence, codes: dict[str, str], now: datetime) -> Requirement:
    if evidence.Signals is None:
        return _attribution_from_tag_keys(setup, evidence, codes, now)
    by_code: dict[str, list[str]] = defaultdict(list)
    ignored = []
    for signal in evidence.Signals:
        age = now - signal.LastSeenAt
        described = f"{signal.Observations} {METHODS[signal.Method]} for pc:{signal.ProductCode}"
        if signal.ProductCode not in codes.values():
            ignored.append(f"{described}: not the product code of any of your listings (check the code you tag with).")
        elif signal.Observations == 0 or age > SIGNAL_FRESHNESS:
            ignored.append(f"{described}, last seen {age.days} days ago: too old or empty to count now.")
        else:
            by_code[signal.ProductCode].append(
                f"{described}, last seen {max(int(age.total_seconds() // 3600), 0)} h ago"
            )
    seen = [line for code in sorted(by_code) for line in by_code[code]]
    if seen:
        notes = [
            f"Product code {code} has no attribution yet." for code in codes.values() if code not in by_code
        ] + ignored
        if any(s.Method == "RESOURCE_TAGGING" for s in evidence.Signals):
            notes += _activation_note(evidence)
        return Requirement(
            id="revenue_attribution", title=ATTRIBUTION_TITLE, status="met", evidence=seen, remediation=notes
        )
    return Requirement(
        id="revenue_attribution",
        title=ATTRIBUTION_TITLE,
        status="not_met",
        evidence=[
            "No recent tagged resources, user-agent calls or metering records were seen for your product codes.",
            *ignored,
            *_attribution_ids(evidence),
        ],
        remediation=_how_to_attribute(setup, evidence, codes),
    )


def _attribution_from_tag_keys(
    setup: SellerSetup, evidence: PrmEvidence, codes: dict[str, str], now: datetime
) -> Requirement:
    """Where measured attribution is unknown: a PRM tag key Cost Explorer saw on billed resources recently shows the
    resources are tagged (keys only, so the values are for the person to confirm); otherwise it stays unknown."""
    measured = evidence.Unknown.get("Signals") or UnknownEvidence(
        Reason="Measured attribution was not read.", Where=ATTRIBUTED_REVENUE
    )
    tags = _prm_tags(evidence)
    fresh = [tag for tag in tags if tag.LastUsedDate and now - tag.LastUsedDate <= SIGNAL_FRESHNESS]
    if fresh:
        values = ", ".join(tag_value(code) for code in codes.values()) or tag_value("<product code>")
        return Requirement(
            id="revenue_attribution",
            title=ATTRIBUTION_TITLE,
            status="met",
            evidence=[
                f"Cost Explorer lists the tag key {tag.TagKey} on resources billed to this account, last used "
                f"{tag.LastUsedDate:%Y-%m}."
                for tag in fresh
            ]
            + _attribution_ids(evidence),
            remediation=[
                f"Cost Explorer shows tag keys, not values: confirm in Tag Editor that the values are {values} "
                "(or a Revenue Attribution ID).",
                f"User-agent attribution and tags in your customers' accounts show only in {measured.Where}.",
                *_activation_note(evidence),
            ],
        )
    if evidence.CostAllocationTags is None:
        seen = evidence.Unknown["CostAllocationTags"].Reason
    elif tags:
        seen = (
            "; ".join(
                f"Cost Explorer lists the tag key {tag.TagKey}, last used "
                + (f"{tag.LastUsedDate:%Y-%m}: too long ago to count" if tag.LastUsedDate else "never")
                for tag in tags
            )
            + "."
        )
    else:
        seen = (
            f"Cost Explorer lists no PRM tag key ({LEGACY_TAG_KEY} or {tag_key(evidence.LinkedPrimaryAccountId)}) "
            "on resources billed to this account."
        )
    return _unknown(
        "revenue_attribution",
        ATTRIBUTION_TITLE,
        measured,
        "whether AWS measures your product codes",
        evidence=(seen, *_attribution_ids(evidence)),
        remediation=tuple(_how_to_attribute(setup, evidence, codes)),
    )


def _accounts(
    setup: SellerSetup,
    evidence: PrmEvidence,
    codes: dict[str, str],
    connections: list[Connection],
    invitations: list[ConnectionInvitation],
) -> list[SellerAccountStatus]:
    """Each seller account and its tie to the primary account (the linked one, or the one flagged primary). Where
    the backend cannot list every seller account, the others are those connected or invited as subsidiaries."""
    connected = {
        c.OtherParticipantAccountId
        for c in connections
        if "SUBSIDIARY" in c.ConnectionTypes and c.ConnectionTypes["SUBSIDIARY"].Status == "ACTIVE"
    }
    pending = {
        i.OtherParticipantIdentifier: i.Id
        for i in invitations
        if i.ConnectionType == "SUBSIDIARY" and i.Status == "PENDING" and i.ParticipantType == "SENDER"
    }
    linked = evidence.LinkedPrimaryAccountId
    statuses = []
    for account in setup.SellerAccounts:
        account_id = account.AwsAccountId
        primary = account_id == linked if linked else account.IsPrimary
        state = (
            "primary"
            if primary
            else "connected"
            if account_id in connected
            else "invitation_pending"
            if account_id in pending
            else "not_connected"
        )
        statuses.append(
            SellerAccountStatus(
                aws_account_id=account_id,
                legal_name=account.LegalName,
                is_primary=primary,
                product_codes=[codes[listing.ProductId] for listing in account.Listings if listing.ProductId in codes],
                connection=state,
                invitation_id=pending.get(account_id) if state == "invitation_pending" else None,
            )
        )
    if "SellerAccounts" in setup.Unknown:
        listed = {account.AwsAccountId for account in setup.SellerAccounts} | {linked}
        statuses += [
            SellerAccountStatus(
                aws_account_id=account_id,
                legal_name=None,
                is_primary=False,
                product_codes=[],
                connection="connected" if account_id in connected else "invitation_pending",
                invitation_id=None if account_id in connected else pending[account_id],
            )
            for account_id in sorted((connected | set(pending)) - listed)
        ]
    return statuses


def _subsidiaries(accounts: list[SellerAccountStatus], unlisted: UnknownEvidence | None) -> Requirement:
    title = "Connect every other seller account to the primary account as a subsidiary"
    others = [a for a in accounts if not a.is_primary]
    if not others:
        evidence = (
            "You have no seller accounts besides the primary one."
            if unlisted is None
            else "No other seller account is connected or invited as a subsidiary. Other seller accounts you own "
            "are not visible here: if you have any, invite each one."
        )
        return Requirement(id="subsidiary_connections", title=title, status="not_applicable", evidence=[evidence])
    evidence = [
        f"Seller account {a.aws_account_id}"
        + (f" ({a.legal_name})" if a.legal_name else "")
        + ": "
        + {
            "connected": "connected as a subsidiary",
            "invitation_pending": f"invitation {a.invitation_id} sent, waiting for that account to accept",
            "not_connected": "not connected",
        }[a.connection]
        for a in others
    ]
    if unlisted is not None:
        evidence.append("Other seller accounts you own are not visible here: invite any that are not listed.")
    if all(a.connection == "connected" for a in others):
        return Requirement(id="subsidiary_connections", title=title, status="met", evidence=evidence)
    remediation = []
    if unsent := [a.aws_account_id for a in others if a.connection == "not_connected"]:
        remediation.append(
            f"Send a SUBSIDIARY connection invitation from the primary account to {', '.join(unsent)} "
            "(the agent can send it once you approve). Only connect accounts you own."
        )
    remediation.append(
        "Sign in to Partner Central with each invited account, open Subsidiary account connections > "
        "Connection requests, and accept the request from your primary account."
    )
    status = "not_met" if unsent else "in_progress"
    return Requirement(
        id="subsidiary_connections", title=title, status=status, evidence=evidence, remediation=remediation
    )


def assess_prm(
    setup: SellerSetup,
    evidence: PrmEvidence,
    connections: list[Connection],
    invitations: list[ConnectionInvitation],
    now: datetime,
) -> PrmAssessment:
    """Check every PRM requirement and, when something is missing or unchecked, the numbered plan for it."""
    codes = _product_codes(setup, evidence)
    accounts = _accounts(setup, evidence, codes, connections, invitations)
    requirements = [
        _linked(evidence),
        _listing(setup, codes),
        _attribution(setup, evidence, codes, now),
        _subsidiaries(accounts, setup.Unknown.get("SellerAccounts")),
    ]
    plan: list[PlanStep] = []
    for requirement in requirements:
        if requirement.status not in ("not_met", "in_progress", "unknown"):
            continue
        if requirement.id == "subsidiary_connections":
            unsent = [a.aws_account_id for a in accounts if a.connection == "not_connected"]
            if unsent:
                plan.append(
                    PlanStep(
                        step=0,
                        action=requirement.remediation[0],
                        done_by="agent_with_approval",
                        tool="manage_account_connections",
                        arguments={"action": "send", "connection_type": "SUBSIDIARY", "receiver_account_ids": unsent},
                    )
                )
            plan.append(PlanStep(step=0, action=requirement.remediation[-1], done_by="partner"))
        else:
            plan.extend(PlanStep(step=0, action=action, done_by="partner") for action in requirement.remediation)
    if plan:
        plan.append(
            PlanStep(
                step=0,
                action="Run the PRM check again to confirm every requirement is met.",
                done_by="agent",
                tool="check_prm_compliance",
                arguments={},
            )
        )
    for number, step in enumerate(plan, start=1):
        step.step = number
    statuses = {r.status for r in requirements}
    prm_ready = False if statuses & {"not_met", "in_progress"} else None if "unknown" in statuses else True
    return PrmAssessment(prm_ready=prm_ready, requirements=requirements, seller_accounts=accounts, plan=plan)


def read_prm(
    backend: PartnerCentral,
    now: datetime,
    *,
    setup: SellerSetup | None = None,
    invitations: list[ConnectionInvitation] | None = None,
) -> PrmAssessment:
    """Gather the PRM inputs from ``backend`` and assess them (UnsupportedOperation where a backend cannot read seller
    data at all). A caller that already read the seller setup or the invitations passes them instead of reading them
    again."""
    setup = setup or backend.get_seller_setup()
    if invitations is None:
        invitations = backend.list_connection_invitations(connection_type="SUBSIDIARY")
    subsidiary_invitations = [i for i in invitations if i.ConnectionType == "SUBSIDIARY"]
    return assess_prm(
        setup, backend.get_prm_evidence(), backend.list_connections("SUBSIDIARY"), subsidiary_invitations, now
    )
