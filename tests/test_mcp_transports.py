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
    response = httpx.post(f"{server.url}/mcp", content=b"{}", headers={
        "Host": "evil.example.com", "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert response.status_code == 421
