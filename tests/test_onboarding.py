"""The onboarding agent through a real MCP client on the seeded sandbox: onboarding status, PRM verdicts and
plans, account connections, training domains and the resale role, every write behind the person's approval."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from agent.backends.local.sandbox import LocalSandbox
from agent.config import Settings
from agent.graphs.preview import SENT_HEADING
from agent.server import build_server
from tests.conftest import ISV, NEWCOMER, SERVICES
from tests.mcp_checks import approving
from tests.sites_server import site_server_fixture  # noqa: F401 - the loopback site's pytest fixture

PRM_READY = "partner-altocloud0004"


def as_partner(settings: Settings, partner_id: str, **update) -> Settings:
    return settings.model_copy(update={"partner_id": partner_id, "approval_port": 0, **update})


async def call(settings: Settings, tool: str, arguments: dict | None = None, callback=None) -> dict:
    kwargs = {"elicitation_callback": callback} if callback else {}
    async with Client(build_server(settings), **kwargs) as client:
        result = await client.call_tool(tool, arguments or {})
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def tool_error(settings: Settings, tool: str, arguments: dict | None = None) -> str:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments or {})
    assert result.is_error
    return result.content[0].text


def requirement(result: dict, requirement_id: str) -> dict:
    return next(r for r in result["requirements"] if r["id"] == requirement_id)


# PRM verdicts of the seeded partners


async def test_the_prm_ready_isv_is_told_it_is_ready(settings: Settings) -> None:
    result = await call(as_partner(settings, PRM_READY), "check_prm_compliance", {"detail": "full"})
    assert result["prm_ready"] is True and result["plan"] == []
    assert {r["id"]: r["status"] for r in result["requirements"]} == {
        "linked_primary_account": "met",
        "marketplace_listing": "met",
        "revenue_attribution": "met",
        "subsidiary_connections": "not_applicable",
    }
    attribution = " ".join(requirement(result, "revenue_attribution")["evidence"])
    assert "1843 tagged resources for pc:b2k9altocloudwarehouse7" in attribution
    assert "52210 API calls with the APN user agent" in attribution


async def test_the_unattributed_isv_gets_exact_tags_and_a_subsidiary_step(settings: Settings) -> None:
    result = await call(as_partner(settings, ISV), "check_prm_compliance", {"detail": "full"})
    assert result["prm_ready"] is False
    assert requirement(result, "linked_primary_account")["status"] == "met"
    attribution = requirement(result, "revenue_attribution")
    assert attribution["status"] == "not_met"
    fix = " ".join(attribution["remediation"])
    for code in ("4x7kq2cirrus9posture1", "8m3cirrususgov5edition"):
        assert f"the key aws-apn-id-210987654321 and the value pc:{code}" in fix and f"APN_1.1/pc_{code}$" in fix
        assert f"aws-apn-id = pc:{code} still count" in fix  # the older key is still accepted
    assert "Product summary" in fix and "prod-" in fix  # where to find it, and what it is not
    assert "45 days" in fix
    accounts = {a["aws_account_id"]: a["connection"] for a in result["seller_accounts"]}
    assert accounts == {"210987654321": "primary", "210987650000": "not_connected"}
    agent_steps = [s for s in result["plan"] if s["done_by"] == "agent_with_approval"]
    assert agent_steps == [
        {
            "step": agent_steps[0]["step"],
            "action": agent_steps[0]["action"],
            "done_by": "agent_with_approval",
            "tool": "manage_account_connections",
            "arguments": {"action": "send", "connection_type": "SUBSIDIARY", "receiver_account_ids": ["210987650000"]},
        }
    ]
    assert [s["step"] for s in result["plan"]] == list(range(1, len(result["plan"]) + 1))
    assert "2 requirement(s) open" in result["summary"]


@pytest.mark.parametrize("partner_id", [NEWCOMER, SERVICES])
async def test_partners_without_a_seller_account_start_by_linking_one(settings: Settings, partner_id: str) -> None:
    result = await call(as_partner(settings, partner_id), "check_prm_compliance")
    assert result["prm_ready"] is False
    assert [r["status"] for r in result["requirements"]] == ["not_met", "not_met", "not_met", "not_applicable"]
    assert "Register as an AWS Marketplace seller" in result["plan"][0]["action"]
    assert "pc:<product code>" in " ".join(s["action"] for s in result["plan"])
    assert result["plan"][-1]["tool"] == "check_prm_compliance"


# Onboarding status


@pytest.mark.parametrize(
    ("partner_id", "next_task", "tool"),
    [
        (NEWCOMER, "profile_details", "scan_company_website"),
        (SERVICES, "seller_registration", None),
        (ISV, "revenue_attribution", "check_prm_compliance"),
        (PRM_READY, "connection_invitations", "manage_account_connections"),
    ],
)
async def test_onboarding_status_names_the_next_step(settings: Settings, partner_id: str, next_task: str, tool) -> None:
    status = await call(as_partner(settings, partner_id), "get_onboarding_status", {"detail": "full"})
    assert status["next_action"]["id"] == next_task
    assert status["next_action"].get("tool") == tool
    assert status["next_action"]["next_step"]
    stages = [stage["id"] for stage in status["stages"]]
    assert stages == ["registration", "profile", "marketplace", "revenue_measurement"]
    tasks = {t["id"] for stage in status["stages"] for t in stage["tasks"]}
    assert {
        "registrant_verification",
        "business_verification",
        "profile_details",
        "profile_visibility",
        "alliance_lead",
        "training_domains",
        "seller_registration",
        "tax_interview",
        "banking",
        "compliance",
        "esc_catalog",
        "resale_role",
        "linked_primary_account",
        "revenue_attribution",
        "subsidiary_connections",
        "connection_invitations",
    } <= tasks


async def test_onboarding_status_reads_the_seller_setup(settings: Settings) -> None:
    status = await call(as_partner(settings, SERVICES), "get_onboarding_status", {"detail": "full"})
    tasks = {t["id"]: t for stage in status["stages"] for t in stage["tasks"]}
    assert tasks["tax_interview"]["status"] == "in_progress" and "W-9" in tasks["tax_interview"]["next_step"]
    assert tasks["compliance"]["status"] == "not_applicable" and "next_step" not in tasks["compliance"]
    assert tasks["profile_visibility"]["required"] is False
    newcomer = await call(as_partner(settings, NEWCOMER), "get_onboarding_status", {"detail": "full"})
    profile = next(t for stage in newcomer["stages"] for t in stage["tasks"] if t["id"] == "profile_details")
    assert "description" in profile["evidence"] and "industries" in profile["evidence"]
    assert "https://www.nimbus-analytics.example" in profile["next_step"]


@pytest.mark.parametrize(
    ("checks", "status", "waiting_on"),
    [
        (
            {"Kyc": "VERIFIED", "BankAccountVerification": "FAILED", "SecondaryUserVerification": "IN_PROGRESS"},
            "action_required",
            "you",
        ),
        (
            {"Kyc": "VERIFIED", "BankAccountVerification": "IN_PROGRESS", "SecondaryUserVerification": "NOT_REQUIRED"},
            "in_progress",
            "aws",
        ),
        (
            {"Kyc": "VERIFIED", "BankAccountVerification": "VERIFIED", "SecondaryUserVerification": "NOT_REQUIRED"},
            "done",
            "nobody",
        ),
    ],
)
def test_kyc_bav_and_su_are_one_task_showing_the_check_that_needs_attention(
    sandbox: LocalSandbox, checks: dict, status: str, waiting_on: str
) -> None:
    """The onboarding agent's table has one compliance task; its status is the most urgent of the three checks."""
    from dataclasses import replace

    from agent.models.seller import ComplianceChecks
    from agent.onboarding.status import onboarding_status, read_snapshot
    from agent.storage import utcnow

    snapshot = read_snapshot(sandbox.client(ISV), utcnow())
    seller = snapshot.seller.model_copy(update={"Compliance": ComplianceChecks(**checks)})
    tasks = {t.id: t for stage in onboarding_status(replace(snapshot, seller=seller)).stages for t in stage.tasks}
    task = tasks["compliance"]
    assert (task.status, task.waiting_on) == (status, waiting_on)
    assert task.evidence.startswith(f"KYC: {checks['Kyc']}; BAV: {checks['BankAccountVerification']}")


# Account connections


async def test_subsidiary_invitation_is_sent_only_after_approval_then_counts_for_prm(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    isv = as_partner(settings, ISV)
    send = {
        "action": "send",
        "connection_type": "SUBSIDIARY",
        "receiver_account_ids": ["210987650000"],
        "inviter_name": "Lena Vogt",
        "inviter_email": "lena.vogt@cirrus-secure.example",
    }
    declined = await call(isv, "manage_account_connections", send, approving("decline"))
    assert declined["status"] == "rejected"
    assert sandbox.client(ISV).list_connection_invitations(connection_type="SUBSIDIARY") == []

    person = approving()
    sent = await call(isv, "manage_account_connections", send, person)
    assert sent["status"] == "applied", sent["message"]
    assert "210987650000 (Cirrus Secure Inc. (US subsidiary))" in person.asked[0]
    invitation_id = sent["results"][0]["InvitationId"]

    waiting = await call(isv, "check_prm_compliance", {"detail": "full"})
    assert requirement(waiting, "subsidiary_connections")["status"] == "in_progress"
    assert {a["aws_account_id"]: a.get("invitation_id") for a in waiting["seller_accounts"]}[
        "210987650000"
    ] == invitation_id
    assert "already pending" in await tool_error(isv, "manage_account_connections", send)

    sandbox.respond(invitation_id, accept=True)  # the subsidiary account accepts
    connected = await call(isv, "check_prm_compliance")
    assert requirement(connected, "subsidiary_connections")["status"] == "met"
    assert not any(s.get("tool") == "manage_account_connections" for s in connected["plan"])
    assert connected["prm_ready"] is False  # attribution is still missing


async def test_subsidiary_invitations_only_go_to_accounts_you_own(settings: Settings, sandbox: LocalSandbox) -> None:
    text = await tool_error(
        as_partner(settings, ISV),
        "manage_account_connections",
        {
            "receiver_account_ids": ["999999999999"],
            "inviter_name": "Lena Vogt",
            "inviter_email": "lena.vogt@cirrus-secure.example",
        },
    )
    assert "not one of your seller accounts" in text
    assert sandbox.client(ISV).list_connection_invitations(connection_type="SUBSIDIARY") == []


async def test_sending_asks_for_what_is_missing(settings: Settings) -> None:
    asked = await call(
        as_partner(settings, ISV), "manage_account_connections", {"receiver_account_ids": ["210987650000"]}
    )
    assert asked["status"] == "needs_input"
    assert {q["field"] for q in asked["questions"]} == {"inviter_name", "inviter_email"}


async def test_accepting_the_seeded_invitation_connects_both_partners(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    alto = as_partner(settings, PRM_READY)
    listed = await call(alto, "list_account_connections")
    assert [(i["Id"], i["ParticipantType"], i["Status"]) for i in listed["invitations"]] == [
        ("pacinv-cirrus2alto01", "RECEIVER", "PENDING")
    ]
    cancel = await tool_error(
        alto, "manage_account_connections", {"action": "cancel", "invitation_id": "pacinv-cirrus2alto01"}
    )
    assert "Only an invitation sent by this account" in cancel
    accepted = await call(
        alto, "manage_account_connections", {"action": "accept", "invitation_id": "pacinv-cirrus2alto01"}, approving()
    )
    assert accepted["status"] == "applied"
    assert accepted["results"][0]["OtherParticipantAccountId"] == "210987654321"
    seen_by_cirrus = sandbox.client(ISV).list_connections("OPPORTUNITY_COLLABORATION")
    assert [c.OtherParticipantAccountId for c in seen_by_cirrus] == ["123456789012"]
    again = await tool_error(
        alto, "manage_account_connections", {"action": "accept", "invitation_id": "pacinv-cirrus2alto01"}
    )
    assert "ACCEPTED" in again


# Training and certification domains


async def test_a_training_domain_is_linked_with_the_emailed_code_after_approval(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    newcomer = as_partner(settings, NEWCOMER)
    email = "training@nimbus-analytics.example"
    without_code = await call(newcomer, "manage_training_domains", {"email": email})
    assert without_code["status"] == "needs_input" and "email_verification_code" in without_code["message"]
    assert [q["field"] for q in without_code["questions"]] == ["email_verification_code"]
    assert "send_email_verification_code" in without_code["questions"][0]["question"]
    await call(newcomer, "send_email_verification_code", {"email": email})
    code = sandbox.client(NEWCOMER).outbox()[0]["Code"]
    wrong = "000000" if code != "000000" else "111111"
    failed = await call(
        newcomer, "manage_training_domains", {"email": email, "email_verification_code": wrong}, approving()
    )
    assert failed["status"] == "failed" and "missing, wrong or expired" in failed["message"]
    assert failed["message"].endswith("Correct the listed fields and call the tool again.")  # what to do next
    linked = await call(
        newcomer, "manage_training_domains", {"email": email, "email_verification_code": code}, approving()
    )
    assert linked["status"] == "applied"
    domains = [d.DomainName for d in sandbox.client(NEWCOMER).get_partner().AwsTrainingCertificationEmailDomains]
    assert domains == ["nimbus-analytics.example"]
    events = (await call(newcomer, "list_audit_events", {"detail": "full"}))["events"]
    associate = [e for e in events if e["eventName"] == "AssociateAwsTrainingCertificationEmailDomain"]
    assert associate and all(
        e["requestParameters"]["EmailVerificationCode"] == "HIDDEN_DUE_TO_SECURITY_REASONS" for e in associate
    )
    assert "approval" not in linked and failed["results"] == []


async def test_a_code_can_be_requested_five_times(settings: Settings) -> None:
    newcomer = as_partner(settings, NEWCOMER)
    for _ in range(5):
        await call(newcomer, "send_email_verification_code", {"email": "a@nimbus-analytics.example"})
    text = await tool_error(newcomer, "send_email_verification_code", {"email": "a@nimbus-analytics.example"})
    assert "5 times" in text and "48 hours" in text


# The resale authorization role


async def test_resale_role_is_created_once_after_approval(settings: Settings) -> None:
    isv = as_partner(settings, ISV)
    assert (await call(isv, "check_resale_authorization_role"))["exists"] is False
    declined = await call(isv, "create_resale_authorization_role", {}, approving(approve=False))
    assert declined["status"] == "rejected"
    assert (await call(isv, "check_resale_authorization_role"))["exists"] is False
    created = await call(isv, "create_resale_authorization_role", {}, approving())
    assert created["status"] == "applied"
    assert (await call(isv, "check_resale_authorization_role"))["exists"] is True
    assert "already exists" in await tool_error(isv, "create_resale_authorization_role")


async def test_creating_the_role_needs_the_marketplace_seller_policy(settings: Settings) -> None:
    text = await tool_error(
        as_partner(settings, ISV, policies=["AWSPartnerCentralFullAccess"]), "create_resale_authorization_role"
    )
    assert "iam:CreateServiceLinkedRole" in text and "AWSMarketplaceSellerFullAccess" in text


# Profile fields through the profile update task


async def test_profile_fields_are_applied_by_a_followed_task_after_approval(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    newcomer = as_partner(settings, NEWCOMER)
    profile = {
        "description": "Nimbus Analytics builds a managed analytics platform on AWS for retailers: demand "
        "forecasting, inventory dashboards and data pipelines run for you.",
        "industry_segments": ["RETAIL", "SOFTWARE_INTERNET"],
        "headquarters": {"CountryCode": "GB", "SubdivisionCode": "LND"},
    }
    person = approving()
    result = await call(newcomer, "update_profile", {"profile": profile}, person)
    assert result["status"] == "applied", result["message"]
    assert result["results"][0]["Status"] == "SUCCEEDED"
    assert "IndustrySegments: OTHER -> RETAIL, SOFTWARE_INTERNET" in person.asked[0]
    assert "Headquarters: (none) -> GB-LND" in person.asked[0]
    shown = await call(newcomer, "get_partner_profile")
    assert shown["profile"]["IndustrySegments"] == ["RETAIL", "SOFTWARE_INTERNET"]
    assert shown["profile"]["DisplayName"] == "Nimbus Analytics Ltd"  # untouched fields stay
    assert shown["latest_profile_update"]["Status"] == "SUCCEEDED"


async def test_a_failed_profile_task_reports_the_api_reasons_and_changes_nothing(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    alto = as_partner(settings, PRM_READY)
    before = sandbox.client(PRM_READY).get_partner().Profile
    result = await call(
        alto, "update_profile", {"profile": {"display_name": "Cirrus Secure"}, "visibility": "PRIVATE"}, approving()
    )
    assert result["status"] == "failed"
    assert "DUPLICATE_PROFILE" in result["message"]
    assert sandbox.client(PRM_READY).get_partner().Profile == before
    assert sandbox.client(PRM_READY).get_profile_visibility().Visibility == "PUBLIC"  # later calls never ran


async def test_profile_values_outside_the_api_limits_are_refused_before_asking(settings: Settings) -> None:
    async with Client(build_server(as_partner(settings, NEWCOMER))) as client:
        result = await client.call_tool(
            "update_profile", {"profile": {"industry_segments": ["RETAIL", "GAMING", "EDUCATION", "HEALTHCARE"]}}
        )
        assert result.is_error and "industry_segments" in result.content[0].text
        result = await client.call_tool("update_profile", {"profile": {"logo_url": "http://nimbus.example/logo.png"}})
        assert result.is_error and "logo_url" in result.content[0].text


# Website to profile, end to end


@pytest.fixture
def company_site(site_server) -> str:
    """The realistic partner site of tests/sites (JSON-LD, OpenGraph, hidden injected instructions) on loopback."""
    return f"http://127.0.0.1:{site_server.port}/index.html"


async def test_a_website_scan_fills_a_proposal_applied_only_after_approval(
    settings: Settings,
    sandbox: LocalSandbox,
    company_site: str,
) -> None:
    newcomer = as_partner(settings, NEWCOMER, website_allow_hosts=["127.0.0.1"])
    before = sandbox.client(NEWCOMER)
    profile_before, lead_before = before.get_partner().Profile, before.get_alliance_lead_contact()

    scan = await call(newcomer, "scan_company_website", {"url": company_site})
    proposed = scan["profile_update"]
    assert proposed["display_name"] == "Larkspur Cloud Partners"
    assert proposed["website_url"] == "https://www.larkspurcloud.example/"
    assert proposed["logo_url"] == "https://www.larkspurcloud.example/assets/larkspur-logo.png"
    assert proposed["headquarters"] == {"CountryCode": "US", "SubdivisionCode": "WA"}
    assert proposed["primary_solution_type"] == "MANAGED_SERVICES"
    assert "GAMING" not in (proposed["industry_segments"] or [])  # the hidden text's keywords never count
    assert {p["field"] for p in scan["proposal"]} >= {"DisplayName", "Description", "Headquarters"}
    assert all(p["source"] for p in scan["proposal"])
    assert "attacker@evil.example" not in json.dumps(scan)
    assert any("instruction" in note.lower() for note in scan["notes"])
    assert before.get_partner().Profile == profile_before  # scanning changes nothing

    declined = await call(newcomer, "update_profile", {"profile": proposed}, approving("decline"))
    assert declined["status"] == "rejected"
    assert before.get_partner().Profile == profile_before

    person = approving()
    applied = await call(newcomer, "update_profile", {"profile": proposed}, person)
    assert applied["status"] == "applied", applied["message"]
    assert "DisplayName: Nimbus Analytics Ltd -> Larkspur Cloud Partners" in person.asked[0]
    after = sandbox.client(NEWCOMER)
    assert after.get_partner().Profile.DisplayName == "Larkspur Cloud Partners"
    assert after.get_partner().Profile.Headquarters.SubdivisionCode == "WA"
    # what the page told "AI agents" to do never happened
    assert after.get_profile_visibility().Visibility == "PRIVATE"
    assert after.get_alliance_lead_contact() == lead_before


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://localhost:9/", "loopback address"),
        ("file:///etc/passwd", "http"),
        ("gopher://127.0.0.1:70/", "http"),
    ],
)
async def test_the_scan_tool_refuses_private_and_non_web_addresses(settings: Settings, url: str, reason: str) -> None:
    text = await tool_error(as_partner(settings, NEWCOMER), "scan_company_website", {"url": url})
    assert "Refused" in text and reason in text


async def test_loopback_sites_need_the_allow_hosts_setting(settings: Settings, company_site: str) -> None:
    text = await tool_error(as_partner(settings, NEWCOMER), "scan_company_website", {"url": company_site})
    assert "loopback address" in text and "PARTNER_AGENT_WEBSITE_ALLOW_HOSTS" in text


# Seller setup guidance through the tools


async def test_seller_guidance_tools_answer_with_sources_and_never_collect_secrets(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in ("determine_tax_form", "seller_compliance_requirements", "banking_guidance", "esc_catalog_steps"):
            schema = str(tools[name].input_schema).lower()
            assert tools[name].annotations.read_only_hint is True
            assert not any(word in schema for word in ("tax_id", "account_number", "iban", "password", "passport"))
        form = await client.call_tool("determine_tax_form", {"country": "DE", "entity_type": "business"})
        guidance = form.structured_content["guidance"]
        assert guidance["form"] == "W-8BEN-E" and guidance["informational"] is True and guidance["sources"]
        checks = await client.call_tool(
            "seller_compliance_requirements", {"seller_country": "DE", "bank_country": "DE"}
        )
        assert checks.structured_content["guidance"]["kyc"]["applies"] == "required"
        bank = await client.call_tool("banking_guidance", {"bank_country": "DE", "currency": "EUR"})
        assert bank.structured_content["guidance"]["supported"] == "supported"
        steps = (
            await client.call_tool("esc_catalog_steps", {"product_type": "SaaS", "detail": "full"})
        ).structured_content
        numbers = [s["number"] for s in steps["guidance"]["all_steps"]]
        assert numbers == list(range(1, len(numbers) + 1)) and len(steps["guidance"]["steps"]) == len(numbers)
        wrong = await client.call_tool("determine_tax_form", {"country": "UK", "entity_type": "business"})
        assert wrong.is_error and "GB" in wrong.content[0].text


# What an approval shows is exactly what is applied


async def test_an_approved_profile_change_never_overwrites_a_change_made_since(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    newcomer = as_partner(settings, NEWCOMER, tool_approvals=True)
    async with Client(build_server(newcomer)) as client:
        description = (
            "Nimbus Analytics runs managed analytics on AWS for retailers: forecasting, inventory "
            "dashboards and the data pipelines behind them."
        )
        first = (await client.call_tool("update_profile", {"profile": {"description": description}})).structured_content
        session = first["session_id"]
        second = (
            await client.call_tool(
                "update_profile",
                {"profile": {"logo_url": "https://nimbus-analytics.example/logo.png"}, "session_id": session},
            )
        ).structured_content
        summary = second["approval"]["preview"].split(SENT_HEADING)[0]
        assert "LogoUrl:" in summary and "Description:" not in summary  # planned against the old profile
        applied = (
            await client.call_tool(
                "decide_approval",
                {"approval_id": first["approval"]["approval_id"], "approve": True, "session_id": session},
            )
        ).structured_content
        assert applied["status"] == "applied"
        stale = (
            await client.call_tool(
                "decide_approval",
                {"approval_id": second["approval"]["approval_id"], "approve": True, "session_id": session},
            )
        ).structured_content
    assert (
        stale["status"] == "failed"
        and "profile changed since this change was approved (Description)" in stale["message"]
    )
    profile = sandbox.client(NEWCOMER).get_partner().Profile
    assert profile.Description == description and profile.LogoUrl == "https://www.nimbus-analytics.example/favicon.png"


async def test_translations_are_kept_and_said_to_be_kept(settings: Settings, sandbox: LocalSandbox) -> None:
    import time

    from agent.backends.local.account import PROFILE_TASK_SECONDS
    from agent.models.account import ProfileDetails

    alto = sandbox.client(PRM_READY)
    japanese = {
        "DisplayName": "AltoCloud Data",
        "Description": "AWS上のマネージド分析プラットフォーム。",
        "WebsiteUrl": "https://altocloud-data.example/ja",
        "LogoUrl": "https://altocloud-data.example/brand/logo.png",
        "Locale": "ja-JP",
    }
    profile = alto.get_partner().Profile.model_dump(exclude={"ProfileId"})
    alto.start_profile_update_task(
        ProfileDetails.model_validate({**profile, "LocalizedContents": [japanese]}), "seed-ja"
    )
    time.sleep(PROFILE_TASK_SECONDS + 0.1)
    assert alto.get_partner().Profile.LocalizedContents[0].Locale == "ja-JP"
    person = approving()
    result = await call(
        as_partner(settings, PRM_READY),
        "update_profile",
        {"profile": {"logo_url": "https://altocloud-data.example/brand/logo-2026.png"}},
        person,
    )
    assert result["status"] == "applied", result["message"]
    assert "translations for ja-JP" in person.asked[0]
    after = alto.get_partner().Profile
    assert after.LogoUrl.endswith("logo-2026.png") and [c.Locale for c in after.LocalizedContents] == ["ja-JP"]


async def test_a_rejection_reason_is_shown_before_it_is_sent(settings: Settings) -> None:
    person = approving()
    result = await call(
        as_partner(settings, PRM_READY),
        "manage_account_connections",
        {"action": "reject", "invitation_id": "pacinv-cirrus2alto01", "reason": "We only co-sell in retail."},
        person,
    )
    assert result["status"] == "applied" and result["results"][0]["Status"] == "REJECTED"
    assert 'Reason: "We only co-sell in retail."' in person.asked[0]


async def test_no_trace_of_a_verification_code_is_kept_once_the_change_ended(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    newcomer = as_partner(settings, NEWCOMER)
    email = "people@nimbus-analytics.example"
    await call(newcomer, "send_email_verification_code", {"email": email})
    code = sandbox.client(NEWCOMER).outbox()[0]["Code"]
    linked = await call(
        newcomer, "manage_training_domains", {"email": email, "email_verification_code": code}, approving()
    )
    assert linked["status"] == "applied"
    stored = b"".join(path.read_bytes() for path in settings.data_dir.glob("checkpoints.db*"))
    assert stored and b"\xa6" + code.encode() not in stored  # the code as a msgpack string, in any checkpoint
    assert code.encode() not in (settings.data_dir / "agent.db").read_bytes()


async def test_a_profile_task_still_running_is_reported_as_started_not_done(
    settings: Settings,
    sandbox: LocalSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agent.backends.local import account
    from agent.graphs import profile_update

    monkeypatch.setattr(account, "PROFILE_TASK_SECONDS", 60.0)  # AWS takes its time
    monkeypatch.setattr(profile_update, "TASK_WAIT_SECONDS", 0.3)
    result = await call(
        as_partner(settings, PRM_READY),
        "update_profile",
        {"profile": {"logo_url": "https://altocloud-data.example/brand/logo-new.png"}},
        approving(),
    )
    assert result["status"] == "applied" and "still processing" in result["message"]
    [started] = result["results"]
    assert started["Status"] == "IN_PROGRESS" and "latest_profile_update" in started["FollowUp"]
    assert sandbox.client(PRM_READY).get_profile_update_task().TaskId == started["TaskId"]
