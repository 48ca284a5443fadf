"""Approvals over the streamable HTTP transport, decided on the server's own page with a passkey in a real
browser: enrollment through the server's /enroll (the link `approver enroll --url` prints), tenant isolation
between tokens, and a pending approval that survives kill -9 of the server."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import BROWSER, add_virtual_authenticator, decide_on_page
from tests.conftest import PRM_READY, SERVICES
from tests.servers import CLI, HttpServer, create_token, server_env

pytestmark = BROWSER


@pytest.fixture
def http(data_dir: Path, guidance_index: Path) -> Iterator[HttpServer]:
    server = HttpServer(data_dir).start()
    yield server
    server.stop()


async def enroll_through_the_server(page, http: HttpServer, token: str, name: str) -> None:
    """`partner-agent approver enroll --token-id ... --url ...`, then the person opens the printed link."""
    done = subprocess.run(
        [
            CLI,
            "approver",
            "enroll",
            "--name",
            name,
            "--token-id",
            token.split("_")[1],
            "--url",
            f"http://localhost:{http.port}",
        ],
        env=server_env(http.data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    link = done.stdout.strip()
    assert link.startswith(f"http://localhost:{http.port}/enroll#")
    await add_virtual_authenticator(page)
    await page.goto(link)
    await page.click("#enroll")
    await page.wait_for_selector("#outcome.result")
    assert "Passkey enrolled" in await page.text_content("#outcome")


async def pending_change(http: HttpServer, token: str, arguments: dict) -> dict:
    client, mcp = http.client(token)
    async with client, mcp:
        asked = (await mcp.call_tool("update_profile", arguments)).structured_content
    assert asked["status"] == "requires_approval", asked
    return asked


async def visibility(http: HttpServer, token: str) -> str:
    client, mcp = http.client(token)
    async with client, mcp:
        return (await mcp.call_tool("get_partner_profile", {})).structured_content["visibility"]


async def test_the_token_holder_approves_on_the_servers_page_and_no_other_tenant_can(
    http: HttpServer, data_dir: Path, browser_page, chromium_browser
) -> None:
    dana = create_token(data_dir, "dana", "--partner-id", PRM_READY)
    marcus = create_token(data_dir, "marcus", "--partner-id", SERVICES)
    await enroll_through_the_server(browser_page, http, dana, "Dana")
    marcus_before = await visibility(http, marcus)
    context = await chromium_browser.new_context()
    try:
        other = await context.new_page()
        await enroll_through_the_server(other, http, marcus, "Marcus")  # a passkey, but for another partner's token
        asked = await pending_change(http, dana, {"visibility": "PRIVATE"})
        url = asked["approval"]["approve_url"]
        assert url.startswith(f"http://localhost:{http.port}/approvals/appr-")
        assert "Your passkey was not used" in await decide_on_page(other, url)
    finally:
        await context.close()
    page_url = url.split("#")[0]
    assert httpx.get(page_url.replace("localhost", "127.0.0.1"), headers={"Host": "evil.example"}).status_code == 421
    assert "The change was applied" in await decide_on_page(browser_page, url)
    assert await visibility(http, dana) == "PRIVATE"
    assert await visibility(http, marcus) == marcus_before  # Marcus's partner was never touched


async def test_kill_9_while_pending_then_restart_and_approve_writes_exactly_once(
    http: HttpServer, data_dir: Path, browser_page
) -> None:
    token = create_token(data_dir, "dana")
    await enroll_through_the_server(browser_page, http, token, "Dana")
    asked = await pending_change(http, token, {"visibility": "PRIVATE"})
    http.stop(signal.SIGKILL)
    restarted = HttpServer(data_dir, port=http.port).start()  # same address: the link still works
    try:
        assert "The change was applied" in await decide_on_page(browser_page, asked["approval"]["approve_url"])
        await browser_page.reload()
        await browser_page.wait_for_selector("#outcome:not(:empty)")
        assert "Already decided" in await browser_page.text_content("#outcome")
        assert await visibility(restarted, token) == "PRIVATE"
    finally:
        restarted.stop()
    access_log = restarted.access_log.read_text()
    assert "POST /approvals/" in access_log and asked["approval"]["approve_url"].split("#")[1] not in access_log
    exported = subprocess.run(
        [CLI, "audit", "export"], env=server_env(data_dir), capture_output=True, text=True, check=True
    )
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    applied = [e for e in events if e["decision"] == "applied" and e["eventName"] == "PutProfileVisibility"]
    assert len(applied) == 1
    assert (
        applied[0]["userIdentity"]["userName"] == "dana"
        and applied[0]["approvalId"] == asked["approval"]["approval_id"]
    )
    assert applied[0]["decidedBy"]["channel"] == "page" and applied[0]["decidedBy"]["name"] == "Dana"
    assert token not in exported.stdout
