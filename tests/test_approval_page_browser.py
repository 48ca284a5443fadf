"""The approval page in a real headless Chromium: what the person sees, and what their click does."""

from __future__ import annotations

from mcp import Client

from agent.backends.local.sandbox import LocalSandbox
from agent.config import Settings
from server import build_server
from tests.browser import BROWSER
from tests.conftest import PRM_READY

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
        await browser_page.click("button.approve")
        assert "The change was applied" in await browser_page.text_content("#outcome")
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
