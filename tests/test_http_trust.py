"""The streamable HTTP transport as a team would run it: bearer tokens, tenant isolation, the approval
page, and a pending approval that survives `kill -9`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PRM_READY, SERVICES
from tests.servers import CLI, HttpServer, create_token, server_env


@pytest.fixture
def http(data_dir: Path, guidance_index: Path) -> Iterator[HttpServer]:
    server = HttpServer(data_dir).start()
    yield server
    server.stop()


def approve_on_page(approve_url: str, decision: str = "approve") -> httpx.Response:
    """What a browser does: load the page (getting its CSRF cookie), then submit the form."""
    with httpx.Client(timeout=30) as browser:
        page = browser.get(approve_url)
        assert page.status_code == 200, page.text
        token = re.search(r"name=csrf value='([^']+)'", page.text).group(1)
        return browser.post(approve_url, data={"csrf": token, "decision": decision})


def test_requests_without_a_valid_token_are_refused(http: HttpServer, data_dir: Path) -> None:
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    assert httpx.post(f"{http.url}/mcp", json=call).status_code == 401
    assert httpx.post(f"{http.url}/mcp", json=call, headers={"Authorization": "Bearer pca_00000000_forged"}).status_code == 401
    token = create_token(data_dir, "temp")
    token_id = token.split("_")[1]
    subprocess.run([CLI, "token", "revoke", token_id], env=server_env(data_dir), check=True, capture_output=True)
    revoked = httpx.post(f"{http.url}/mcp", json=call, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401  # revoked from the CLI, refused by the running server


async def test_token_principals_in_both_protocol_modes_see_only_their_partner(http: HttpServer, data_dir: Path, protocol_mode: str) -> None:
    alto = create_token(data_dir, "dana", "--partner-id", PRM_READY)
    stratus = create_token(data_dir, "marcus", "--partner-id", SERVICES)
    client, mcp = http.client(alto, protocol_mode)
    async with client, mcp:
        profile = (await mcp.call_tool("get_partner_profile", {})).structured_content
        assert profile["partner_id"] == PRM_READY
    client, mcp = http.client(stratus, protocol_mode)
    async with client, mcp:
        assert (await mcp.call_tool("get_partner_profile", {})).structured_content["partner_id"] == SERVICES
        guessed = await mcp.call_tool("get_opportunity", {"opportunity_id": "O4000001"})
        assert guessed.is_error and "not found" in guessed.content[0].text
        write = (await mcp.call_tool("update_profile", {"visibility": "PUBLIC"})).structured_content
        assert write["status"] == "requires_approval" and SERVICES in write["approval"]["preview"]


async def test_a_narrow_token_is_denied_with_the_missing_actions(http: HttpServer, data_dir: Path) -> None:
    token = create_token(data_dir, "sales", "--policy", "AWSPartnerCentralOpportunityManagement")
    client, mcp = http.client(token)
    async with client, mcp:
        assert not (await mcp.call_tool("list_opportunities", {})).is_error
        denied = await mcp.call_tool("update_profile", {"visibility": "PRIVATE"})
    assert denied.is_error and "partnercentral:PutProfileVisibility" in denied.content[0].text


async def test_approval_page_is_csrf_protected_and_single_use(http: HttpServer, data_dir: Path) -> None:
    token = create_token(data_dir, "dana")
    client, mcp = http.client(token)
    async with client, mcp:
        pending = (await mcp.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
        url = pending["approval"]["approve_url"]
        assert url.startswith(f"{http.url}/approvals/")
        wrong_key = re.sub(r"key=\w+", "key=" + "0" * 32, url)
        assert httpx.get(wrong_key).status_code == 404
        forged = httpx.post(url, data={"csrf": "x.y", "decision": "approve"})  # no page visit, no cookie
        assert forged.status_code == 403
        cross_site = httpx.post(url, data={"decision": "approve"}, headers={"Origin": "https://evil.example"})
        assert cross_site.status_code == 403
        done = approve_on_page(url)
        assert done.status_code == 200 and "Applied" in done.text
        assert "Already decided" in httpx.get(url).text
        status = (await mcp.call_tool("get_approval", {"approval_id": pending["approval"]["approval_id"],
                                                       "session_id": pending["session_id"]})).structured_content
        assert status["status"] == "applied"
        profile = (await mcp.call_tool("get_partner_profile", {})).structured_content
    assert profile["visibility"] == "PRIVATE"


async def test_kill_9_while_pending_then_restart_and_approve_writes_exactly_once(http: HttpServer, data_dir: Path) -> None:
    token = create_token(data_dir, "dana")
    client, mcp = http.client(token)
    async with client, mcp:
        pending = (await mcp.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
    url = pending["approval"]["approve_url"]

    http.stop(signal.SIGKILL)
    restarted = HttpServer(data_dir, port=http.port).start()  # same address: the link still works
    try:
        assert "Applied" in approve_on_page(url).text
        assert "Already decided" in httpx.get(url).text
        client, mcp = restarted.client(token)
        async with client, mcp:
            assert (await mcp.call_tool("get_partner_profile", {})).structured_content["visibility"] == "PRIVATE"
    finally:
        restarted.stop()
    exported = subprocess.run([CLI, "audit", "export"], env=server_env(data_dir), capture_output=True, text=True, check=True)
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    applied = [e for e in events if e["decision"] == "applied" and e["eventName"] == "PutProfileVisibility"]
    assert len(applied) == 1
    assert applied[0]["userIdentity"]["userName"] == "dana" and applied[0]["approvalId"] == pending["approval"]["approval_id"]
    assert token not in exported.stdout
