"""The approval page in a real headless Chromium: what the person sees, and what their click does."""

from __future__ import annotations

from mcp import Client

from agent.backends.local.sandbox import LocalSandbox
from agent.config import Settings
from server import build_server
from tests.browser import BROWSER
from tests.conftest import NEWCOMER, PRM_READY
from tests.sites_server import site_server_fixture  # noqa: F401 - the loopback site's pytest fixture

pytestmark = BROWSER


async def pending_url(settings: Settings, arguments: dict) -> tuple[Client, str]:
    client = Client(build_server(settings))
    await client.__aenter__()
    result = (await client.call_tool("update_profile", arguments)).structured_content
    assert result["status"] == "requires_approval"
    return client, result["approval"]["approve_url"]


async def test_the_person_reviews_the_exact_change_and_approves_it(settings: Settings, browser_page, tmp_path) -> None:
    settings = settings.model_copy(update={"approval_port": 0})
    client, url = await pending_url(settings, {"visibility": "PRIVATE", "alliance_lead": {"title": "<b>Chief</b> Partner Officer"}})
    try:
        await browser_page.goto(url)
        preview = await browser_page.text_content("#preview")
        assert "Profile visibility: PUBLIC -> PRIVATE" in preview
        assert "<b>Chief</b> Partner Officer" in preview  # shown as text, never rendered as markup
        assert await browser_page.locator("b").count() == 0
        await browser_page.screenshot(path=str(tmp_path / "approval-page.png"), full_page=True)  # for a look when debugging
        action = await browser_page.get_attribute("form", "action")
        csrf = await browser_page.get_attribute("input[name=csrf]", "value")
        await browser_page.click("button.approve")
        assert "The change was applied" in await browser_page.text_content("#outcome")
        origin = url.split("/approvals/")[0]
        resent = await browser_page.request.post(  # the same form sent again (double submit), with the tab's cookies
            origin + action, form={"csrf": csrf, "decision": "approve"}, headers={"Origin": origin})
        assert resent.ok and "Already decided" in await resent.text() and "applied" in await resent.text()
        await browser_page.goto(url)
        assert "Already decided" in await browser_page.content()
    finally:
        await client.__aexit__(None, None, None)
    backend = LocalSandbox(settings.sandbox_db).client(PRM_READY)
    assert backend.get_profile_visibility().Visibility == "PRIVATE"
    assert backend.get_alliance_lead_contact().BusinessTitle == "<b>Chief</b> Partner Officer"


async def test_declining_on_the_page_writes_nothing(settings: Settings, browser_page) -> None:
    settings = settings.model_copy(update={"approval_port": 0})
    client, url = await pending_url(settings, {"visibility": "PRIVATE"})
    try:
        await browser_page.goto(url)
        await browser_page.click("button.decline")
        assert "did not approve" in await browser_page.text_content("#outcome")
    finally:
        await client.__aexit__(None, None, None)
    assert LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility == "PUBLIC"


async def test_a_stale_form_from_another_tab_is_refused(settings: Settings, browser_page) -> None:
    """A form whose CSRF cookie was replaced (another tab reloaded the page) cannot decide."""
    settings = settings.model_copy(update={"approval_port": 0})
    client, url = await pending_url(settings, {"visibility": "PRIVATE"})
    try:
        await browser_page.goto(url)
        await browser_page.context.clear_cookies()
        await browser_page.click("button.approve")
        assert "Refused" in await browser_page.content()
    finally:
        await client.__aexit__(None, None, None)
    assert LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility == "PUBLIC"


async def test_a_website_scan_is_applied_from_the_approval_page(settings: Settings, browser_page, site_server) -> None:
    """Scan the test site on loopback, ask for the proposal, and approve it in the browser: the person sees the
    field diff, the profile update task runs once approved, and the page's hidden instructions change nothing."""
    settings = settings.model_copy(update={"approval_port": 0, "partner_id": NEWCOMER, "website_allow_hosts": ["127.0.0.1"]})
    async with Client(build_server(settings)) as client:
        scan = (await client.call_tool("scan_company_website",
                                       {"url": f"http://127.0.0.1:{site_server.port}/index.html"})).structured_content
        asked = (await client.call_tool("update_profile", {"profile": scan["profile_update"],
                                                           "session_id": scan["session_id"]})).structured_content
        assert asked["status"] == "requires_approval"
        await browser_page.goto(asked["approval"]["approve_url"])
        preview = await browser_page.text_content("#preview")
        assert "DisplayName: Nimbus Analytics Ltd -> Larkspur Cloud Partners" in preview
        assert "attacker@evil.example" not in preview
        await browser_page.click("button.approve")
        assert "The change was applied" in await browser_page.text_content("#outcome")
        outcome = (await client.call_tool("get_approval", {"approval_id": asked["approval"]["approval_id"],
                                                           "session_id": scan["session_id"]})).structured_content
        assert outcome["status"] == "applied"
    backend = LocalSandbox(settings.sandbox_db).client(NEWCOMER)
    assert backend.get_partner().Profile.DisplayName == "Larkspur Cloud Partners"
    assert backend.get_profile_visibility().Visibility == "PRIVATE"
    assert backend.get_alliance_lead_contact().Email == "priya@nimbus-analytics.example"
