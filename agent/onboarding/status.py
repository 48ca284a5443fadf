"""Where a partner stands in onboarding: every task of the onboarding agent's table and the registration
steps, read from the backend, grouped like the Partner Central dashboard's "Get started" cards.

`onboarding_status` is pure over an `AccountSnapshot`; `read_snapshot` gathers one from a backend. Tasks
a backend cannot read (the seller registration, tax, banking and KYC/BAV/SU on the aws backend) are reported as
``unknown`` with why and where to check, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.compliance.prm import PrmAssessment, read_prm
from agent.models.account import (
    AllianceLeadContact,
    ConnectionInvitation,
    Partner,
    Verification,
)
from agent.models.seller import RESALE_AUTHORIZATION_ROLE, SellerSetup, UnknownEvidence
from agent.onboarding.seller_guidance import determine_tax_form

TaskStatus = Literal["done", "in_progress", "action_required", "not_started", "not_applicable", "unknown"]
StageId = Literal["registration", "profile", "marketplace", "revenue_measurement"]

STAGES: dict[StageId, str] = {
    "registration": "Complete registration",
    "profile": "Complete your partner profile",
    "marketplace": "Set up to sell in AWS Marketplace",
    "revenue_measurement": "Get revenue attributed (PRM) and connect your accounts",
}
AMMP = "the AWS Marketplace Management Portal (Partner Central: Partner admin > Marketplace settings)"
ACTIONABLE = ("action_required", "not_started", "in_progress")


class OnboardingTask(BaseModel):
    id: str
    stage: StageId
    title: str
    status: TaskStatus
    required: bool = Field(description="False for recommended tasks (public visibility, resale role, ...).")
    waiting_on: Literal["you", "aws", "nobody"] = Field(description="Who has to act for the task to progress.")
    why: str = Field(description="Why the task matters and why it has this status.")
    evidence: str = Field(description="What the account shows now.")
    next_step: str | None = Field(description="What to do next; absent when done or not applicable.")
    tool: str | None = Field(default=None, description="The tool that helps with the next step, if any.")


class OnboardingStage(BaseModel):
    id: StageId
    title: str
    done: int
    total: int
    tasks: list[OnboardingTask]


class OnboardingStatus(BaseModel):
    partner_id: str
    legal_name: str
    next_action: OnboardingTask | None = Field(description="The single most useful thing to do now.")
    stages: list[OnboardingStage]
    prm_ready: bool | None = Field(description="Absent when nothing is open but some PRM evidence could not be read.")
    disclaimer: str = (
        "Onboarding guidance is informational. Tax, banking and identity details are entered only in "
        "the official AWS portals, never in this conversation."
    )


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything the status is computed from, read once."""

    partner: Partner
    verifications: dict[str, Verification | None]
    """Per verification type: its state, None when it was never started; types that cannot be read are absent."""
    visibility: str | None
    alliance_lead: AllianceLeadContact | None
    seller: SellerSetup | None
    prm: PrmAssessment | None
    invitations_to_answer: list[ConnectionInvitation]


def read_snapshot(backend: PartnerCentral, now: datetime) -> AccountSnapshot:
    def optional(read):
        try:
            return read()
        except (errors.ResourceNotFoundException, errors.UnsupportedOperationException):
            return None

    verifications: dict[str, Verification | None] = {}
    for kind in ("REGISTRANT_VERIFICATION", "BUSINESS_VERIFICATION"):
        try:
            verifications[kind] = backend.get_verification(kind)
        except errors.ResourceNotFoundException:  # never started
            verifications[kind] = None
        except errors.UnsupportedOperationException:  # unreadable: left out
            pass
    seller = optional(backend.get_seller_setup)
    invitations = backend.list_connection_invitations()
    return AccountSnapshot(
        partner=backend.get_partner(),
        verifications=verifications,
        visibility=(v.Visibility if (v := optional(backend.get_profile_visibility)) else None),
        alliance_lead=optional(backend.get_alliance_lead_contact),
        seller=seller,
        prm=optional(lambda: read_prm(backend, now, setup=seller, invitations=invitations)) if seller else None,
        invitations_to_answer=[i for i in invitations if i.ParticipantType == "RECEIVER" and i.Status == "PENDING"],
    )


def _task(
    stage: StageId,
    id: str,
    title: str,
    status: TaskStatus,
    why: str,
    evidence: str,
    next_step: str | None = None,
    *,
    required: bool = True,
    waiting_on: str | None = None,
    tool: str | None = None,
) -> OnboardingTask:
    if waiting_on is None:
        waiting_on = "you" if status in ACTIONABLE else "nobody"
    return OnboardingTask(
        id=id,
        stage=stage,
        title=title,
        status=status,
        required=required,
        waiting_on=waiting_on,
        why=why,
        evidence=evidence,
        next_step=next_step if status not in ("done", "not_applicable") else None,
        tool=tool if status not in ("done", "not_applicable") else None,
    )


def _registration(snapshot: AccountSnapshot) -> list[OnboardingTask]:
    labels = {
        "REGISTRANT_VERIFICATION": ("registrant_verification", "Verify your identity (registrant verification)"),
        "BUSINESS_VERIFICATION": ("business_verification", "Verify your business"),
    }
    tasks = []
    for kind, (task_id, title) in labels.items():
        why = "AWS verifies who registers a partner account and that the business exists before it can co-sell."
        if kind not in snapshot.verifications:
            tasks.append(
                _task(
                    "registration",
                    task_id,
                    title,
                    "unknown",
                    why,
                    "The verification state could not be read.",
                    "Check the account summary in Partner Central settings.",
                )
            )
            continue
        verification = snapshot.verifications[kind]
        if verification is None:
            tasks.append(
                _task(
                    "registration",
                    task_id,
                    title,
                    "not_started",
                    why,
                    f"{kind}: never started.",
                    "Start it from Partner Central's registration (identity and business verification); "
                    "documents are uploaded there, never in this chat.",
                )
            )
            continue
        state = verification.VerificationStatus
        status, waiting, step = {
            "SUCCEEDED": ("done", "nobody", None),
            "IN_PROGRESS": ("in_progress", "aws", "AWS is reviewing it; nothing to do until it finishes."),
            "PENDING_CUSTOMER_ACTION": (
                "action_required",
                "you",
                "Finish the verification steps Partner Central asks for.",
            ),
            "FAILED": (
                "action_required",
                "you",
                "Start the verification again with corrected details, or contact Partner Central Support.",
            ),
            "REJECTED": (
                "action_required",
                "you",
                "Contact AWS Partner Central Support about the rejected verification.",
            ),
        }[state]
        completion = (
            verification.VerificationResponseDetails.completion() if verification.VerificationResponseDetails else None
        )
        if status == "action_required" and completion and completion.CompletionUrl:
            until = (
                f" before {completion.CompletionUrlExpiresAt:%Y-%m-%d %H:%M} UTC"
                if completion.CompletionUrlExpiresAt
                else ""
            )
            step = f"Finish it at {completion.CompletionUrl}{until} (identity documents go there, never in this chat)."
        reason = f" ({verification.VerificationStatusReason})" if verification.VerificationStatusReason else ""
        tasks.append(
            _task("registration", task_id, title, status, why, f"{kind}: {state}{reason}.", step, waiting_on=waiting)
        )
    return tasks


def _profile(snapshot: AccountSnapshot) -> list[OnboardingTask]:
    profile = snapshot.partner.Profile
    gaps = []
    if len(profile.Description) < 100 or profile.Description.strip() in (
        profile.DisplayName,
        snapshot.partner.LegalName,
    ):
        gaps.append("a real description (what you offer, to whom)")
    if profile.IndustrySegments == ["OTHER"]:
        gaps.append("the industries you serve")
    if profile.Headquarters is None:
        gaps.append("your headquarters location")
    profile_task = _task(
        "profile",
        "profile_details",
        "Fill in your public profile",
        "action_required" if gaps else "done",
        "AWS and customers find and match partners from the profile: description, solution type, industries, headquarters.",
        "Missing: " + "; ".join(gaps) + "."
        if gaps
        else f"'{profile.DisplayName}': description, {len(profile.IndustrySegments)} "
        "industry segment(s) and headquarters are filled in.",
        f"Let the agent read {profile.WebsiteUrl} (scan_company_website), review the proposed fields, then apply "
        "them with update_profile after you approve.",
        tool="scan_company_website",
    )
    visibility = _task(
        "profile",
        "profile_visibility",
        "Make your profile public",
        "done" if snapshot.visibility == "PUBLIC" else "unknown" if snapshot.visibility is None else "not_started",
        "A public profile lets AWS customers and sellers discover you; a private one stays hidden.",
        f"Profile visibility: {snapshot.visibility or 'unknown'}.",
        "When the profile is complete, set visibility to PUBLIC with update_profile.",
        required=False,
        tool="update_profile",
    )
    lead = snapshot.alliance_lead
    lead_task = _task(
        "profile",
        "alliance_lead",
        "Set your alliance lead contact",
        "done" if lead else "not_started",
        "All AWS Partner Network communications go only to this contact; a shared alias reaches more people.",
        f"Alliance lead: {lead.FirstName} {lead.LastName} ({lead.Email})." if lead else "No alliance lead is set.",
        "Give the agent the alliance lead's name, title and email; a new email is verified with a 6-digit code.",
        tool="update_profile",
    )
    domains = snapshot.partner.AwsTrainingCertificationEmailDomains
    domain_task = _task(
        "profile",
        "training_domains",
        "Link your training and certification email domains",
        "done" if domains else "not_started",
        "Certifications and trainings count for your company only when earned with an email at a linked domain.",
        f"Linked: {', '.join(d.DomainName for d in domains)}." if domains else "No email domain is linked.",
        "Link your company's email domain: a code is sent to an address at that domain, then the agent associates it "
        "after you approve.",
        tool="manage_training_domains",
    )
    return [profile_task, visibility, lead_task, domain_task]


MARKETPLACE_TASKS = {  # id: title, why it matters, the SellerSetup member it reads, the tool that helps
    "seller_registration": (
        "Register as an AWS Marketplace seller",
        "Selling through AWS Marketplace, and PRM, need a registered seller account.",
        "SellerRegistration",
        None,
    ),
    "tax_interview": (
        "Complete the tax interview",
        "AWS Marketplace collects a US tax form before it pays you.",
        "TaxInterview",
        "determine_tax_form",
    ),
    "banking": (
        "Set up your bank account for disbursements",
        "AWS Marketplace pays out to a bank account in a supported currency.",
        "BankAccount",
        "banking_guidance",
    ),
    "compliance": (
        "Complete the compliance checks: KYC, bank account (BAV) and secondary user (SU) verification",
        "Depending on where you and your bank are, AWS Marketplace verifies the business, the bank account "
        "and additional users before paying out.",
        "Compliance",
        "seller_compliance_requirements",
    ),
    "esc_catalog": (
        "Create your seller entity and first product listing (ESC catalog registration)",
        "A listing is what buyers subscribe to, and its product code is what PRM attributes revenue to.",
        "EscCatalogRegistration",
        "esc_catalog_steps",
    ),
    "resale_role": (
        f"Create the {RESALE_AUTHORIZATION_ROLE} role",
        "Needed only to sell through channel partners (CPPO / resale authorizations).",
        "ResaleAuthorizationRoleExists",
        "create_resale_authorization_role",
    ),
}
SELLER_SETUP_UNREADABLE = UnknownEvidence(
    Reason="The Marketplace seller setup is not readable on this backend.", Where=AMMP
)
PROGRESS: dict[str, TaskStatus] = {
    "COMPLETED": "done",
    "IN_PROGRESS": "in_progress",
    "ACTION_REQUIRED": "action_required",
    "NOT_STARTED": "not_started",
}
VERIFICATION: dict[str, TaskStatus] = {
    "NOT_REQUIRED": "not_applicable",
    "NOT_STARTED": "not_started",
    "IN_PROGRESS": "in_progress",
    "VERIFIED": "done",
    "FAILED": "action_required",
}


def _marketplace(snapshot: AccountSnapshot) -> list[OnboardingTask]:
    setup = snapshot.seller
    tasks = []
    for task_id, (title, why, member, tool) in MARKETPLACE_TASKS.items():
        required = task_id != "resale_role"
        unknown = SELLER_SETUP_UNREADABLE if setup is None else setup.Unknown.get(member)
        if unknown:
            tasks.append(
                _task(
                    "marketplace",
                    task_id,
                    title,
                    "unknown",
                    why,
                    unknown.Reason,
                    f"Check it in {unknown.Where}.",
                    required=required,
                    tool=tool,
                )
            )
            continue
        status, evidence, next_step, waiting_on = _seller_task(task_id, setup)
        tasks.append(
            _task(
                "marketplace",
                task_id,
                title,
                status,
                why,
                evidence,
                next_step,
                required=required,
                tool=tool,
                waiting_on=waiting_on,
            )
        )
    return tasks


def _seller_task(task_id: str, setup: SellerSetup) -> tuple[TaskStatus, str, str, str | None]:
    """Status, evidence, next step and (when not the default) who it waits on, of a seller-setup task the backend
    could read."""
    if task_id == "seller_registration":
        return (
            PROGRESS[setup.SellerRegistration],
            f"Seller registration: {setup.SellerRegistration}.",
            f"Complete the seller registration (public profile, legal business name) in {AMMP}.",
            None,
        )
    if task_id == "tax_interview":
        tax = setup.TaxInterview
        return (
            PROGRESS[tax.Status],
            f"Tax interview: {tax.Status}" + (f", form {tax.Form}." if tax.Form else "."),
            f"Finish the tax interview in {AMMP} (Settings > Tax information)"
            f"{_tax_form_hint(setup.HeadquartersCountryCode)}. Enter tax ids only there.",
            None,
        )
    if task_id == "banking":
        bank = setup.BankAccount
        return (
            PROGRESS[bank.Status],
            f"Bank account: {bank.Status}"
            + (f" ({bank.BankCountryCode}, {bank.CurrencyCode})." if bank.CurrencyCode else "."),
            f"Add the bank account in {AMMP} (Settings > Payment information); never share account numbers here.",
            None,
        )
    if task_id == "compliance":
        checks = setup.Compliance
        states = {"KYC": checks.Kyc, "BAV": checks.BankAccountVerification, "SU": checks.SecondaryUserVerification}
        found = {VERIFICATION[state] for state in states.values()}
        status = next(
            s for s in ("action_required", "not_started", "in_progress", "done", "not_applicable") if s in found
        )
        return (
            status,
            "; ".join(f"{name}: {state}" for name, state in states.items()) + ".",
            f"Complete the checks that apply in {AMMP}; seller_compliance_requirements explains whether and why "
            "each applies.",
            "aws" if status == "in_progress" else None,
        )
    if task_id == "esc_catalog":
        return (
            PROGRESS[setup.EscCatalogRegistration],
            f"ESC catalog registration: {setup.EscCatalogRegistration}.",
            "Follow the listing steps (esc_catalog_steps): create the product in AMMP with limited visibility, test, "
            "then publish.",
            None,
        )
    exists = setup.ResaleAuthorizationRoleExists
    return (
        "done" if exists else "not_started",
        f"The role {'exists' if exists else 'does not exist'} in your seller account.",
        "If you will work with channel partners, the agent can create the service-linked role after you approve.",
        None,
    )


def _tax_form_hint(country: str | None) -> str:
    if not country:
        return ""
    try:
        return f"; for a business in {country} it is usually {determine_tax_form(country, 'business').form}"
    except ValueError:
        return ""


def _revenue_measurement(snapshot: AccountSnapshot) -> list[OnboardingTask]:
    tasks = []
    prm = snapshot.prm
    why = {
        "linked_primary_account": "PRM and partner connections need the Partner Central account linked to your primary seller account.",
        "marketplace_listing": "PRM attributes revenue to a Marketplace product code.",
        "revenue_attribution": "Funding now depends on PRM: AWS must see usage attributed to your product codes.",
        "subsidiary_connections": "Attribution is consolidated across your organization only when every seller account is connected.",
    }
    if prm is None:
        tasks.append(
            _task(
                "revenue_measurement",
                "prm",
                "Become PRM-ready",
                "unknown",
                "Funding now depends on PRM compliance.",
                "PRM evidence is not readable on this backend.",
                "Check the Attributed revenue dashboard in Partner Central.",
            )
        )
    else:
        status_of: dict[str, TaskStatus] = {
            "met": "done",
            "not_met": "action_required",
            "in_progress": "in_progress",
            "not_applicable": "not_applicable",
            "unknown": "unknown",
        }
        for requirement in prm.requirements:
            tool = (
                "manage_account_connections" if requirement.id == "subsidiary_connections" else "check_prm_compliance"
            )
            tasks.append(
                _task(
                    "revenue_measurement",
                    requirement.id,
                    requirement.title,
                    status_of[requirement.status],
                    why[requirement.id],
                    " ".join(requirement.evidence),
                    " ".join(requirement.remediation[:2]) or None,
                    tool=tool,
                )
            )
    pending = snapshot.invitations_to_answer
    tasks.append(
        _task(
            "revenue_measurement",
            "connection_invitations",
            "Answer connection invitations sent to you",
            "action_required" if pending else "not_applicable",
            "Other accounts asked to connect with you (subsidiary or opportunity collaboration).",
            "; ".join(
                f"{i.Id}: {i.ConnectionType} from {i.OtherParticipantIdentifier} ({i.InviterName}), expires "
                f"{i.ExpiresAt:%Y-%m-%d}"
                for i in pending
            )
            if pending
            else "No invitation is waiting for you.",
            "Read who sent each invitation and why, then accept or reject it with manage_account_connections (after "
            "you approve). Accepting a SUBSIDIARY invitation makes your account a subsidiary of the sender's: only "
            "accept one from your own organization's primary account.",
            required=False,
            tool="manage_account_connections",
        )
    )
    return tasks


def _next_action(tasks: list[OnboardingTask]) -> OnboardingTask | None:
    """The first task you can act on: required ones first, in stage order; waiting on AWS never counts. With
    nothing left to act on, the first required task this backend cannot read (to check by hand)."""
    yours = [t for t in tasks if t.status in ACTIONABLE and t.waiting_on == "you"]
    required = [t for t in yours if t.required]
    unknown = [t for t in tasks if t.status == "unknown" and t.required]
    return (required or yours or unknown or [None])[0]


def onboarding_status(snapshot: AccountSnapshot) -> OnboardingStatus:
    """Every onboarding task with its status, grouped by stage, and the next action."""
    by_stage = {
        "registration": _registration(snapshot),
        "profile": _profile(snapshot),
        "marketplace": _marketplace(snapshot),
        "revenue_measurement": _revenue_measurement(snapshot),
    }
    stages = [
        OnboardingStage(
            id=stage,
            title=STAGES[stage],
            tasks=tasks,
            done=sum(t.status in ("done", "not_applicable") for t in tasks),
            total=len(tasks),
        )
        for stage, tasks in by_stage.items()
    ]
    return OnboardingStatus(
        partner_id=snapshot.partner.Id,
        legal_name=snapshot.partner.LegalName,
        next_action=_next_action([t for stage in stages for t in stage.tasks]),
        stages=stages,
        prm_ready=snapshot.prm.prm_ready if snapshot.prm else None,
    )
