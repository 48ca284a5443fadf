"""The approval page in a real headless Chromium: what the person sees, and that only their passkey decides.

The person's device is Chromium's virtual authenticator (CDP WebAuthn) holding a passkey enrolled through the
real enrollment page. The attacker is a model with an HTTP client and a browser of its own: it can read the link
and the page, but holds no enrolled passkey.
"""

from __future__ import annotations

import httpx
import pytest
from mcp import Client

from agent.app import AgentApp
from agent.backends.local.sandbox import LocalSandbox
from agent.config import Settings
from agent.server import build_server
from tests.browser import BROWSER, add_virtual_authenticator, decide_on_page, enroll_passkey
from tests.conftest import NEWCOMER, PRM_READY
from tests.sites_server import site_server_fixture  # noqa: F401 - the loopback site's pytest fixture

pytestmark = BROWSER


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"approval_port": 0, "user": "dana"})


def visibility(settings: Settings) -> str:
    return LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility


async def ask(client: Client, arguments: dict) -> dict:
    result = (await client.call_tool("update_profile", arguments)).structured_content
    assert result["status"] == "requires_approval", result
    return result


async def test_the_person_reviews_the_exact_change_and_approves_it_with_their_passkey(
    settings: Settings, browser_page
) -> None:
    app = AgentApp(settings)
    await enroll_passkey(browser_page, app.passkeys, "Dana", principal="local:dana")
    async with Client(build_server(settings)) as client:
        asked = await ask(
            client, {"visibility": "PRIVATE", "alliance_lead": {"title": "<b>Chief</b> Partner\u202eOfficer"}}
        )
        assert "approver enroll" not in asked["message"]  # Dana has a passkey: no enrollment hint
        url = asked["approval"]["approve_url"]
        await browser_page.goto(url)
        await browser_page.wait_for_selector("#approve:not([disabled])")
        preview = await browser_page.text_content("#preview")
        assert "Profile visibility: PUBLIC -> PRIVATE" in preview
        assert (
            'BusinessTitle: "<b>Chief</b> Partner⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩Officer"' in preview
        )  # text, made visible
        assert await browser_page.locator("b").count() == 0
        assert preview == asked["approval"]["preview"]  # the page shows what the tool result said
        outcome = await decide_on_page(browser_page, url)
        assert "The change was applied" in outcome
        status = (
            await client.call_tool(
                "get_approval", {"approval_id": asked["approval"]["approval_id"], "session_id": asked["session_id"]}
            )
        ).structured_content
        events = (await client.call_tool("list_audit_events", {})).structured_content["events"]
    assert status["status"] == "applied"
    assert status["decided_by"]["channel"] == "page" and status["decided_by"]["name"] == "Dana"
    assert status["decided_by"]["verification"].startswith("passkey with user verification")
    decision = next(e for e in events if e["eventName"] == "DecideApproval")
    assert decision["decision"] == "approved" and decision["decidedBy"]["id"].startswith("apr-")
    assert visibility(settings) == "PRIVATE"
    await browser_page.reload()  # reloading a decided page says so and offers nothing to press
    await browser_page.wait_for_selector("#outcome:not(:empty)")
    assert "Already decided" in await browser_page.text_content("#outcome")
    assert await browser_page.is_disabled("#approve")


async def test_declining_on_the_page_writes_nothing(settings: Settings, browser_page) -> None:
    await enroll_passkey(browser_page, AgentApp(settings).passkeys, "Dana", principal="local:dana")
    async with Client(build_server(settings)) as client:
        asked = await ask(client, {"visibility": "PRIVATE"})
        outcome = await decide_on_page(browser_page, asked["approval"]["approve_url"], "decline")
    assert "did not approve" in outcome
    assert visibility(settings) == "PUBLIC"


async def test_a_model_with_http_and_a_browser_of_its_own_cannot_decide(
    settings: Settings, browser_page, chromium_browser
) -> None:
    app = AgentApp(settings)
    await enroll_passkey(browser_page, app.passkeys, "Dana", principal="local:dana")  # the person's device
    async with Client(build_server(settings)) as client:
        asked = await ask(client, {"visibility": "PRIVATE"})
        url = asked["approval"]["approve_url"]
        origin, key = url.split("/approvals/")[0], url.split("#")[1]
        base = f"{origin}/approvals/{asked['approval']['approval_id']}"

        # Plain HTTP, as an HTTP tool would: it can read the page, not decide.
        async with httpx.AsyncClient() as http:
            headers = {"Origin": origin}
            assert (await http.get(url.split("#")[0])).status_code == 200
            view = await http.post(f"{base}/view", json={"key": key}, headers=headers)
            assert view.status_code == 200 and view.json()["status"] == "pending"
            assert (await http.post(f"{base}/view", json={"key": "0" * 32}, headers=headers)).status_code == 404
            assert (await http.post(f"{base}/view", json={"key": key})).status_code == 403  # no Origin: not the page
            foreign = await http.post(f"{base}/view", json={"key": key}, headers={**headers, "Host": "evil.example"})
            assert foreign.status_code == 421
            challenge = (
                await http.post(f"{base}/challenge", json={"key": key, "approve": True}, headers=headers)
            ).json()
            forged = await http.post(
                f"{base}/decide",
                headers=headers,
                json={
                    "key": key,
                    "approve": True,
                    "challenge_id": challenge["challenge_id"],
                    "credential": {
                        "id": "x",
                        "rawId": "x",
                        "type": "public-key",
                        "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
                    },
                },
            )
            assert forged.status_code == 403 and "Not decided" in forged.json()["message"]

        # A browser of its own, with its own authenticator: no enrolled passkey to answer with.
        context = await chromium_browser.new_context()
        try:
            page = await context.new_page()
            await add_virtual_authenticator(page)
            outcome = await decide_on_page(page, url)
        finally:
            await context.close()
        assert "Your passkey was not used" in outcome

        status = (
            await client.call_tool(
                "get_approval", {"approval_id": asked["approval"]["approval_id"], "session_id": asked["session_id"]}
            )
        ).structured_content
        assert status["status"] == "pending"
        events = (await client.call_tool("list_audit_events", {})).structured_content["events"]
    assert visibility(settings) == "PUBLIC"
    refused = [e for e in events if e["eventName"] == "DecideApproval"]
    assert refused and all(e["decision"] == "refused" and e["decidedBy"]["id"] == "(not verified)" for e in refused)


async def test_user_verification_is_required(settings: Settings, browser_page) -> None:
    app = AgentApp(settings)
    authenticator = await enroll_passkey(browser_page, app.passkeys, "Dana", principal="local:dana")
    cdp = await browser_page.context.new_cdp_session(browser_page)
    await cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False})
    async with Client(build_server(settings)) as client:
        asked = await ask(client, {"visibility": "PRIVATE"})
        outcome = await decide_on_page(browser_page, asked["approval"]["approve_url"])
    assert "nothing was decided" in outcome or "Not decided" in outcome
    assert visibility(settings) == "PUBLIC"


async def test_another_persons_passkey_cannot_decide_even_when_offered(
    settings: Settings, browser_page, chromium_browser
) -> None:
    """Mallory has a passkey of her own (for her own changes). Her page script drops the allowed credentials so
    her authenticator signs anyway: the server refuses it, because she may not approve Dana's change."""
    app = AgentApp(settings)
    await enroll_passkey(browser_page, app.passkeys, "Dana", principal="local:dana")
    context = await chromium_browser.new_context()
    try:
        mallory = await context.new_page()
        await enroll_passkey(mallory, app.passkeys, "Mallory", principal="local:mallory")
        await mallory.add_init_script("""{
            const parse = PublicKeyCredential.parseRequestOptionsFromJSON;
            PublicKeyCredential.parseRequestOptionsFromJSON = (o) => parse({...o, allowCredentials: []});
        }""")
        async with Client(build_server(settings)) as client:
            asked = await ask(client, {"visibility": "PRIVATE"})
            outcome = await decide_on_page(mallory, asked["approval"]["approve_url"])
            status = (
                await client.call_tool(
                    "get_approval", {"approval_id": asked["approval"]["approval_id"], "session_id": asked["session_id"]}
                )
            ).structured_content
    finally:
        await context.close()
    assert "not enrolled for anyone who may decide this" in outcome
    assert status["status"] == "pending" and visibility(settings) == "PUBLIC"


async def test_a_delegated_approver_decides_only_with_the_policies_the_change_needs(
    settings: Settings, browser_page, chromium_browser
) -> None:
    app = AgentApp(settings)
    context = await chromium_browser.new_context()
    try:
        reader = await context.new_page()
        await enroll_passkey(
            reader, app.passkeys, "Rita", partner_id=PRM_READY, policies=["AWSPartnerCentralOpportunityManagement"]
        )
        await enroll_passkey(
            browser_page, app.passkeys, "Lead", partner_id=PRM_READY, policies=["AWSPartnerCentralFullAccess"]
        )
        async with Client(build_server(settings)) as client:
            asked = await ask(client, {"visibility": "PRIVATE"})
            url = asked["approval"]["approve_url"]
            assert "Your passkey was not used" in await decide_on_page(reader, url)  # her policies lack the write
            assert "The change was applied" in await decide_on_page(browser_page, url)
    finally:
        await context.close()
    assert visibility(settings) == "PRIVATE"


async def test_without_an_enrolled_passkey_the_page_says_how_to_enroll(settings: Settings, browser_page) -> None:
    async with Client(build_server(settings)) as client:
        asked = await ask(client, {"visibility": "PRIVATE"})
        outcome = await decide_on_page(browser_page, asked["approval"]["approve_url"])
    assert "partner-agent approver enroll --name" in outcome and "dana" in outcome
    assert visibility(settings) == "PUBLIC"


async def test_the_page_decides_after_the_session_ended_until_the_approval_expires(
    settings: Settings, browser_page
) -> None:
    import time

    short = settings.model_copy(update={"session_ttl_hours": 0.5 / 3600})
    await enroll_passkey(browser_page, AgentApp(short).passkeys, "Dana", principal="local:dana")
    async with Client(build_server(short)) as client:
        asked = await ask(client, {"visibility": "PRIVATE"})
        time.sleep(0.6)
        assert (await client.call_tool("get_session", {"session_id": asked["session_id"]})).is_error  # session over
        assert "The change was applied" in await decide_on_page(browser_page, asked["approval"]["approve_url"])
    assert visibility(short) == "PRIVATE"


async def test_a_website_scan_is_applied_from_the_approval_page(settings: Settings, browser_page, site_server) -> None:
    """Scan the test site on loopback, ask for the proposal, and approve it in the browser: the person sees the
    field diff, the profile update task runs once approved, and the page's hidden instructions change nothing."""
    settings = settings.model_copy(update={"partner_id": NEWCOMER, "website_allow_hosts": ["127.0.0.1"]})
    await enroll_passkey(browser_page, AgentApp(settings).passkeys, "Dana", principal="local:dana")
    async with Client(build_server(settings)) as client:
        scan = (
            await client.call_tool("scan_company_website", {"url": f"http://127.0.0.1:{site_server.port}/index.html"})
        ).structured_content
        asked = (
            await client.call_tool(
                "update_profile", {"profile": scan["profile_update"], "session_id": scan["session_id"]}
            )
        ).structured_content
        assert asked["status"] == "requires_approval"
        await browser_page.goto(asked["approval"]["approve_url"])
        await browser_page.wait_for_selector("#approve:not([disabled])")
        preview = await browser_page.text_content("#preview")
        assert "DisplayName: Nimbus Analytics Ltd -> Larkspur Cloud Partners" in preview
        assert "attacker@evil.example" not in preview
        assert "The change was applied" in await decide_on_page(browser_page, asked["approval"]["approve_url"])
        outcome = (
            await client.call_tool(
                "get_approval", {"approval_id": asked["approval"]["approval_id"], "session_id": scan["session_id"]}
            )
        ).structured_content
        assert outcome["status"] == "applied"
    backend = LocalSandbox(settings.sandbox_db).client(NEWCOMER)
    assert backend.get_partner().Profile.DisplayName == "Larkspur Cloud Partners"
    assert backend.get_profile_visibility().Visibility == "PRIVATE"
    assert backend.get_alliance_lead_contact().Email == "priya@nimbus-analytics.example"


async def test_a_person_enrolls_with_the_cli_and_approves_a_stdio_servers_change(
    data_dir, guidance_index, browser_page
) -> None:
    """The whole path as a person meets it: `partner-agent approver enroll` in a terminal (it serves its own
    page), the README's `scripts/serve` over stdio for the assistant, and the approval page in the browser."""
    import asyncio

    from mcp import StdioServerParameters

    from tests.servers import CLI, SERVE, server_env

    env = {**server_env(data_dir), "PARTNER_AGENT_APPROVAL_PORT": "0", "PARTNER_AGENT_USER": "dana"}
    enrolling = await asyncio.create_subprocess_exec(
        CLI,
        "approver",
        "enroll",
        "--name",
        "Dana",
        "--port",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    link = (await asyncio.wait_for(enrolling.stdout.readline(), 60)).decode().strip()
    await add_virtual_authenticator(browser_page)
    await browser_page.goto(link)
    await browser_page.click("#enroll")
    await browser_page.wait_for_selector("#outcome.result")
    assert (await asyncio.wait_for(enrolling.wait(), 30)) == 0
    async with Client(StdioServerParameters(command=SERVE, args=[], env=env), mode="legacy") as client:
        asked = (await client.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
        assert "The change was applied" in await decide_on_page(browser_page, asked["approval"]["approve_url"])
    assert LocalSandbox(data_dir / "sandbox.db").client(PRM_READY).get_profile_visibility().Visibility == "PRIVATE"


async def test_nobody_can_try_forever_or_fill_the_audit_trail(settings: Settings, browser_page) -> None:
    """A script holding the link asks for challenges and posts forged answers: challenges are capped, and after
    five failed checks the approval is closed (refused), with five audit events, not thousands."""
    app = AgentApp(settings)
    await enroll_passkey(browser_page, app.passkeys, "Dana", principal="local:dana")
    async with Client(build_server(settings)) as client:
        asked = await ask(client, {"visibility": "PRIVATE"})
        url = asked["approval"]["approve_url"]
        origin, key = url.split("/approvals/")[0], url.split("#")[1]
        base, headers = url.split("#")[0], {"Origin": origin}
        forged = {
            "id": "x",
            "rawId": "x",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
        }
        async with httpx.AsyncClient() as http:
            challenges = [
                await http.post(f"{base}/challenge", json={"key": key, "approve": True}, headers=headers)
                for _ in range(6)
            ]
            assert [r.status_code for r in challenges] == [200] * 5 + [400]
            assert "Too many passkey requests" in challenges[-1].json()["message"]
            answers = [
                await http.post(
                    f"{base}/decide",
                    headers=headers,
                    json={"key": key, "approve": True, "challenge_id": c.json()["challenge_id"], "credential": forged},
                )
                for c in challenges[:5]
            ]
            assert [r.status_code for r in answers] == [403] * 5
            after = await http.post(
                f"{base}/decide",
                headers=headers,
                json={"key": key, "approve": True, "challenge_id": "chl-x", "credential": forged},
            )
            assert after.status_code == 409 and "Already decided" in after.json()["message"]
        status = (
            await client.call_tool(
                "get_approval", {"approval_id": asked["approval"]["approval_id"], "session_id": asked["session_id"]}
            )
        ).structured_content
        events = (await client.call_tool("list_audit_events", {})).structured_content["events"]
    assert status["status"] == "refused" and "5 failed passkey checks" in status["reason"]
    assert [e["decision"] for e in events if e["eventName"] == "DecideApproval"] == ["refused"] * 5
    assert visibility(settings) == "PUBLIC"
