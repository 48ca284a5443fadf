"""Real-browser test helpers: headless Debian Chromium driven by Playwright's async API.

Use from a test module (or import the fixtures once in conftest.py)::

    from tests.browser import BROWSER, browser_page, chromium_browser  # noqa: F401

    pytestmark = BROWSER  # = pytest.mark.asyncio(loop_scope="session")

    async def test_form(browser_page):
        await browser_page.goto(url)
        await browser_page.click("button")

Why async, with one session-wide event loop for the browser tests: Playwright's *sync* API
marks its private loop as the thread's running loop for as long as Playwright is started, so
with a session-wide sync browser every later ``async def`` test of this project (pytest-asyncio,
auto mode) fails with "Runner.run() cannot be called from a running event loop". The async
browser lives on pytest-asyncio's session loop instead, which runs only while a test marked
``BROWSER`` runs; the project's other async tests keep their function-scoped loops.
Serve the app under test from a background thread (e.g. uvicorn in a ``threading.Thread``).

The browser is Debian's ``/usr/bin/chromium`` (override: env ``PARTNER_AGENT_CHROMIUM``);
``playwright install`` is never needed. A missing browser FAILS the tests, never skips them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

if TYPE_CHECKING:  # playwright is imported lazily so this module never breaks collection
    from playwright.async_api import Browser, Page

CHROMIUM_ENV = "PARTNER_AGENT_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Read at import too: the project's autouse fixture clears PARTNER_AGENT_* during each test.
_CHROMIUM_AT_IMPORT = os.environ.get(CHROMIUM_ENV)
MISSING_HELP = "install Debian's chromium: apt-get install chromium"

#: Mark for browser test modules (``pytestmark = BROWSER``) or single tests.
BROWSER = pytest.mark.asyncio(loop_scope="session")

# Playwright adds --headless and its own fresh --user-data-dir (it rejects one in args).
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root; Chromium's sandbox refuses root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Shared memory in /tmp, not /dev/shm: containers often have a 64 MB /dev/shm, and the
    # Debian wrapper's own check for this breaks when /dev/shm is mounted twice.
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """The Chromium executable to use: ``$PARTNER_AGENT_CHROMIUM`` or ``/usr/bin/chromium``."""
    return os.environ.get(CHROMIUM_ENV) or _CHROMIUM_AT_IMPORT or DEFAULT_CHROMIUM


@asynccontextmanager
async def launch_chromium(timeout_ms: float = 30_000) -> AsyncIterator[Browser]:
    """Start Playwright and headless Chromium; yield the ``Browser``; stop both on exit.

    Calls ``pytest.fail`` (never skip) with an install hint when Chromium or Playwright is
    missing or the browser does not start.
    """
    exe = chromium_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        pytest.fail(f"Chromium not found at {exe!r}: {MISSING_HELP} (or set ${CHROMIUM_ENV})")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("the Python 'playwright' package is missing: pip install playwright")
    async with async_playwright() as pw:
        try:
            browser = await pw.chromium.launch(
                executable_path=exe, headless=True, args=CHROMIUM_ARGS, timeout=timeout_ms
            )
        except Exception as exc:  # noqa: BLE001 - any launch error becomes a clear failure
            pytest.fail(f"Chromium at {exe!r} did not start ({MISSING_HELP}?): {exc}")
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium_browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole test session, on the session event loop."""
    async with launch_chromium() as browser:
        yield browser


@pytest_asyncio.fixture(loop_scope="session")
async def browser_page(request: pytest.FixtureRequest, chromium_browser: Browser) -> AsyncIterator[Page]:
    """A fresh page in a fresh context (no shared cookies/storage); the context is closed after.

    Fails unless the test is ``async def`` and marked ``BROWSER``: a test on another event
    loop than the browser's would hang or error obscurely.
    """
    marker = request.node.get_closest_marker("asyncio")
    if marker is None or marker.kwargs.get("loop_scope") != "session":
        pytest.fail(
            "browser tests must be `async def` and marked with tests.browser.BROWSER "
            '(pytest.mark.asyncio(loop_scope="session")), e.g. `pytestmark = BROWSER`'
        )
    context = await chromium_browser.new_context()
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def add_virtual_authenticator(
    page: Page, *, user_verified: bool = True, has_user_verification: bool = True
) -> str:
    """Give ``page``'s browser a virtual platform authenticator (CDP ``WebAuthn``): CTAP2, internal transport,
    resident keys, user verification, presence confirmed automatically. Returns its authenticator id.

    ``user_verified=False``: it has user verification but verifying fails (a wrong PIN or finger).
    ``has_user_verification=False``: it cannot verify the user at all (a plain security key).
    """
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable", {"enableUI": False})
    added = await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": has_user_verification,
                "isUserVerified": user_verified,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return added["authenticatorId"]


async def enroll_passkey(page: Page, passkeys, name: str, **binding) -> str:
    """Enroll an approver ``name`` (bound as ``binding`` says: ``principal=...`` or ``partner_id=..., policies=...``)
    with a passkey in a new virtual authenticator of ``page``'s browser, through the real enrollment page served on
    a loopback listener for the duration. Returns the authenticator id (to change what it does later)."""
    from agent.trust import web
    from agent.trust.enrollment import enrollment_routes

    authenticator = await add_virtual_authenticator(page)
    approver, secret = passkeys.enroll(name, **binding)
    sock = web.bind_loopback(0)
    server = web.LoopbackServer(enrollment_routes(passkeys, web.loopback_hosts(sock.getsockname()[1])), sock, "enroll")
    try:
        await page.goto(f"{server.base_url}/enroll#{secret}")
        await page.click("#enroll")
        await page.wait_for_selector("#outcome.result")
        outcome = await page.text_content("#outcome")
    finally:
        server.stop()
    assert "Passkey enrolled" in outcome, outcome
    return authenticator


async def decide_on_page(page: Page, url: str, button: str = "approve") -> str:
    """Open an approval link, wait for the change to show, press ``button``, and return the page's outcome text."""
    await page.goto(url)
    await page.wait_for_selector(f"#{button}:not([disabled])")
    await page.click(f"#{button}")
    await page.wait_for_selector("#outcome:not(:empty)")
    return await page.text_content("#outcome")
