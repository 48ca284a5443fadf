"""The server as a person runs it: the README's command over stdio, and streamable HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.mcp_checks import check_errors_are_actionable, check_read_tools
from tests.servers import SERVE, HttpServer, create_token, server_env


async def test_stdio_subprocess(data_dir: Path, protocol_mode: str, guidance_index: Path) -> None:
    params = StdioServerParameters(command=SERVE, args=[], env=server_env(data_dir))
    async with Client(params, mode=protocol_mode) as client:
        await check_read_tools(client)
        await check_errors_are_actionable(client)


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory, guidance_index: Path) -> Iterator[tuple[HttpServer, str]]:
    data_dir = tmp_path_factory.mktemp("http-data")
    token = create_token(data_dir, "tester")
    server = HttpServer(data_dir).start()
    yield server, token
    server.stop()


async def test_streamable_http(http_server: tuple[HttpServer, str], protocol_mode: str) -> None:
    server, token = http_server
    http, client = server.client(token, protocol_mode)
    async with http, client:
        await check_read_tools(client)
        await check_errors_are_actionable(client)


def test_http_refuses_foreign_host_headers(http_server: tuple[HttpServer, str]) -> None:
    """DNS-rebinding protection: a page on another origin cannot drive the local server."""
    server, token = http_server
    response = httpx.post(
        f"{server.url}/mcp",
        content=b"{}",
        headers={"Host": "evil.example.com", "Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 421


async def test_stdio_approvals_in_the_client_form_and_on_the_loopback_page(
    data_dir: Path, guidance_index: Path
) -> None:
    """Under stdio: a client with forms approves in the form; one without gets a localhost page link, which an HTTP
    client can read but not decide with (that takes the person's passkey: test_approval_page_browser.py)."""
    from mcp.types import ElicitResult

    from agent.backends.local.sandbox import LocalSandbox

    async def approve(context, params) -> ElicitResult:
        return ElicitResult(action="accept", content={"approve": True})

    env = {**server_env(data_dir), "PARTNER_AGENT_APPROVAL_PORT": "0"}
    params = StdioServerParameters(command=SERVE, args=[], env=env)
    async with Client(params, elicitation_callback=approve) as client:
        result = (await client.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
        assert result["status"] == "applied"
    backend = LocalSandbox(data_dir / "sandbox.db").client("partner-altocloud0004")
    assert backend.get_profile_visibility().Visibility == "PRIVATE"

    async with Client(params, mode="legacy") as client:  # no elicitation capability: the page
        pending = (await client.call_tool("update_profile", {"visibility": "PUBLIC"})).structured_content
        url = pending["approval"]["approve_url"]
        assert url.startswith("http://localhost:")
        origin, key = url.split("/approvals/")[0], url.split("#")[1]
        base = url.split("#")[0]
        async with httpx.AsyncClient() as http:
            assert (await http.post(f"{base}/view", json={"key": key}, headers={"Origin": origin})).json()[
                "status"
            ] == "pending"
            decided = await http.post(
                f"{base}/decide",
                json={"key": key, "approve": True, "challenge_id": "chl-x", "credential": {}},
                headers={"Origin": origin},
            )
        assert decided.status_code == 403
        status = await client.call_tool(
            "get_approval", {"approval_id": pending["approval"]["approval_id"], "session_id": pending["session_id"]}
        )
        assert status.structured_content["status"] == "pending"
    assert backend.get_profile_visibility().Visibility == "PRIVATE"
