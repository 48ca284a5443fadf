"""Bounded resources on the HTTP listener: a client that never finishes its request is disconnected, one token
cannot hoard MCP sessions, and idle sessions close. Each limit is a setting; these tests set them low."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PRM_READY
from tests.servers import HttpServer, create_token

LEGACY = "2025-11-25"
ACCEPT = "application/json, text/event-stream"


@pytest.fixture
def limited(data_dir: Path, guidance_index: Path) -> Iterator[HttpServer]:
    server = HttpServer(
        data_dir,
        settings={
            "PARTNER_AGENT_HTTP_HEADER_TIMEOUT": "1",
            "PARTNER_AGENT_HTTP_BODY_TIMEOUT": "1",
            "PARTNER_AGENT_MCP_SESSIONS_PER_TOKEN": "2",
        },
    ).start()
    yield server
    server.stop()


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a test timeout if it never does)."""
    sock.settimeout(60)
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_a_client_that_never_finishes_its_headers_is_disconnected(limited: HttpServer) -> None:
    with (
        socket.create_connection(("127.0.0.1", limited.port)) as silent,
        socket.create_connection(("127.0.0.1", limited.port)) as halfway,
    ):
        halfway.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # ...and never the blank line
        assert read_until_closed(silent).startswith(b"HTTP/1.1 408 ")
        assert read_until_closed(halfway).startswith(b"HTTP/1.1 408 ")
    assert httpx.get(f"{limited.url}/approvals/x").status_code == 200  # the server itself is fine


def test_a_client_that_never_finishes_its_body_is_disconnected(limited: HttpServer, data_dir: Path) -> None:
    token = create_token(data_dir, "dana", "--partner-id", PRM_READY)
    with socket.create_connection(("127.0.0.1", limited.port)) as sock:
        sock.sendall(
            f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{limited.port}\r\nAuthorization: Bearer {token}\r\n"
            f"Accept: {ACCEPT}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            '{"jsonrpc": '.encode()
        )  # 12 bytes of the 100 announced
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_a_slow_but_steady_client_and_kept_alive_connections_are_served(limited: HttpServer) -> None:
    with socket.create_connection(("127.0.0.1", limited.port)) as sock:
        for _ in range(2):  # the second request on the same connection, after an idle moment under the keep-alive
            for part in (b"GET /approvals/x HTTP/1.1\r\n", f"Host: 127.0.0.1:{limited.port}\r\n".encode(), b"\r\n"):
                sock.sendall(part)
                time.sleep(0.3)  # a slow network: each part on its own, the whole within the deadline
            sock.settimeout(30)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
            time.sleep(0.5)


def open_session(server: HttpServer, token: str) -> httpx.Response:
    """A 2025-11-25 client's `initialize`, which opens an MCP session."""
    return httpx.post(
        f"{server.url}/mcp",
        headers={"Authorization": f"Bearer {token}", "Accept": ACCEPT},
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
        },
    )


def test_one_token_cannot_hold_more_than_its_share_of_sessions(limited: HttpServer, data_dir: Path) -> None:
    dana = create_token(data_dir, "dana", "--partner-id", PRM_READY)
    omar = create_token(data_dir, "omar", "--partner-id", PRM_READY)
    first, second = open_session(limited, dana), open_session(limited, dana)
    assert first.status_code == second.status_code == 200
    refused = open_session(limited, dana)
    assert refused.status_code == 429
    assert "already has 2 open MCP sessions" in refused.json()["error"]["message"]
    assert open_session(limited, omar).status_code == 200  # another token is not held back by dana's
    ended = httpx.delete(
        f"{limited.url}/mcp",
        headers={
            "Authorization": f"Bearer {dana}",
            "Mcp-Session-Id": first.headers["mcp-session-id"],
            "MCP-Protocol-Version": LEGACY,
        },
    )
    assert ended.status_code == 200
    assert open_session(limited, dana).status_code == 200  # ending one makes room for another

    async def sessionless_clients() -> list[bool]:  # 2026-07-28 clients hold no session: never capped
        answered = []
        for _ in range(3):
            http, mcp = limited.client(dana)
            async with http, mcp:
                answered.append(
                    (await mcp.call_tool("get_partner_profile", {})).structured_content["partner_id"] == PRM_READY
                )
        return answered

    assert asyncio.run(sessionless_clients()) == [True] * 3


def test_an_idle_session_is_closed(data_dir: Path, guidance_index: Path) -> None:
    server = HttpServer(data_dir, settings={"PARTNER_AGENT_MCP_SESSION_IDLE_MINUTES": "0.02"}).start()  # 1.2 s
    try:
        token = create_token(data_dir, "dana", "--partner-id", PRM_READY)
        session = open_session(server, token).headers["mcp-session-id"]
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": ACCEPT,
            "Mcp-Session-Id": session,
            "MCP-Protocol-Version": LEGACY,
        }
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        deadline = time.monotonic() + 60
        while (
            status := httpx.post(f"{server.url}/mcp", json=ping, headers=headers).status_code
        ) == 200 and time.monotonic() < deadline:
            time.sleep(3)  # idle for longer than the setting between pings
        assert status == 404  # the client is told to start a new session
    finally:
        server.stop()


def test_the_stdio_approval_page_disconnects_a_client_that_never_finishes(data_dir: Path) -> None:
    """Under stdio the approval page has its own loopback listener, with the same deadlines."""
    from urllib.parse import urlsplit

    from agent.app import AgentApp
    from agent.config import Settings

    app = AgentApp(Settings(data_dir=data_dir, approval_port=0, http_header_timeout=1))
    port = urlsplit(app.page_server.ensure_started()).port
    with socket.create_connection(("127.0.0.1", port)) as halfway:
        halfway.sendall(b"GET /approvals/x HTTP/1.1\r\n")
        assert read_until_closed(halfway).startswith(b"HTTP/1.1 408 ")
    assert httpx.get(f"http://127.0.0.1:{port}/approvals/x", headers={"Host": f"localhost:{port}"}).status_code == 200
