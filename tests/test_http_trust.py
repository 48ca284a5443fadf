"""The streamable HTTP transport as a team would run it: bearer tokens and tenant isolation. Its approval pages,
decided with passkeys in a real browser, are in test_http_approvals_browser.py."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.config import Settings
from tests.conftest import PRM_READY, SERVICES
from tests.servers import CLI, HttpServer, server_env
from tests.servers import create_token as create_token_in


@pytest.fixture
def http(data_dir: Path, guidance_index: Path, settings: Settings) -> Iterator[HttpServer]:
    server = HttpServer(data_dir, agent_settings=settings).start()
    yield server
    server.stop()


@pytest.fixture
def create_token(settings: Settings):
    """`tests.servers.create_token` in this test's token store."""
    return lambda data_dir, name, *extra: create_token_in(data_dir, name, *extra, settings=settings)


def test_requests_without_a_valid_token_are_refused(
    http: HttpServer, data_dir: Path, settings: Settings, create_token
) -> None:
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    assert httpx.post(f"{http.url}/mcp", json=call).status_code == 401
    assert (
        httpx.post(f"{http.url}/mcp", json=call, headers={"Authorization": "Bearer pca_00000000_forged"}).status_code
        == 401
    )
    token = create_token(data_dir, "temp")
    token_id = token.split("_")[1]
    subprocess.run(
        [CLI, "token", "revoke", token_id], env=server_env(data_dir, settings), check=True, capture_output=True
    )
    revoked = httpx.post(f"{http.url}/mcp", json=call, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401  # revoked from the CLI, refused by the running server


async def test_token_principals_in_both_protocol_modes_see_only_their_partner(
    http: HttpServer, data_dir: Path, protocol_mode: str, create_token
) -> None:
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


async def test_a_narrow_token_is_denied_with_the_missing_actions(
    http: HttpServer, data_dir: Path, create_token
) -> None:
    token = create_token(data_dir, "sales", "--policy", "AWSPartnerCentralOpportunityManagement")
    client, mcp = http.client(token)
    async with client, mcp:
        assert not (await mcp.call_tool("list_opportunities", {})).is_error
        denied = await mcp.call_tool("update_profile", {"visibility": "PRIVATE"})
    assert denied.is_error and "partnercentral:PutProfileVisibility" in denied.content[0].text


async def test_over_http_files_come_only_from_the_client_never_from_the_servers_folder(
    data_dir: Path, guidance_index: Path, tmp_path: Path, settings: Settings, create_token
) -> None:
    """The operator's attachments folder is for stdio users: over HTTP it is the server's disk, not the person's."""
    import base64

    folder = tmp_path / "attachments"
    folder.mkdir()
    (folder / "plan.pdf").write_bytes(b"%PDF-1.4 someone's plan")
    server = HttpServer(
        data_dir, settings={"PARTNER_AGENT_ATTACHMENTS_DIR": str(folder)}, agent_settings=settings
    ).start()
    try:
        client, mcp = server.client(create_token(data_dir, "dana", "--partner-id", PRM_READY))
        async with client, mcp:
            by_path = await mcp.call_tool(
                "manage_funding_request",
                {
                    "funding_request_id": "benappl-alto0mdf000001",
                    "action": "attach",
                    "files": [{"name": "plan.pdf", "path": "plan.pdf"}],
                },
            )
            sent = await mcp.call_tool(
                "manage_funding_request",
                {
                    "funding_request_id": "benappl-alto0mdf000001",
                    "action": "attach",
                    "files": [{"name": "plan.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 my plan").decode()}],
                },
            )
    finally:
        server.stop()
    assert by_path.is_error and "none is open to this connection" in by_path.content[0].text
    assert sent.structured_content["status"] == "requires_approval"


async def test_over_http_a_token_sees_only_its_own_sessions(http: HttpServer, data_dir: Path, create_token) -> None:
    """Two people of one partner account: each lists and reads only the sessions their own token made."""
    dana = create_token(data_dir, "dana", "--partner-id", PRM_READY)
    lee = create_token(data_dir, "lee", "--partner-id", PRM_READY)
    client, mcp = http.client(dana)
    async with client, mcp:
        danas = (await mcp.call_tool("get_session", {})).structured_content["session_id"]
        await mcp.call_tool("list_opportunities", {"session_id": danas})
        assert [s["session_id"] for s in (await mcp.call_tool("list_sessions", {})).structured_content["sessions"]] == [
            danas
        ]
    client, mcp = http.client(lee)
    async with client, mcp:
        assert (await mcp.call_tool("list_sessions", {})).structured_content == {"sessions": []}
        read = await mcp.call_tool("get_session", {"session_id": danas})
        assert read.is_error and "does not exist or has expired" in read.content[0].text
