"""The server as a person runs it: the README's command over stdio, and streamable HTTP on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import REPO
from tests.mcp_checks import check_errors_are_actionable, check_read_tools

SERVE = str(REPO / "scripts" / "serve")  # the README's quick-start command


def server_env(data_dir: Path) -> dict[str, str]:
    return {"PARTNER_AGENT_DATA_DIR": str(data_dir), "PATH": os.environ["PATH"]}


async def test_stdio_subprocess(data_dir: Path, protocol_mode: str) -> None:
    params = StdioServerParameters(command=SERVE, args=[], env=server_env(data_dir))
    async with Client(params, mode=protocol_mode) as client:
        await check_read_tools(client)
        await check_errors_are_actionable(client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("http-data")
    proc = subprocess.Popen([SERVE, "--transport", "http", "--port", str(port)], env=server_env(data_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited early: {proc.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("HTTP server did not start listening within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


async def test_streamable_http(http_server: str, protocol_mode: str) -> None:
    async with Client(http_server, mode=protocol_mode) as client:
        await check_read_tools(client)
        await check_errors_are_actionable(client)


def test_http_refuses_foreign_host_headers(http_server: str) -> None:
    """DNS-rebinding protection: a page on another origin cannot drive the local server."""
    response = httpx.post(http_server, headers={"Host": "evil.example.com", "Content-Type": "application/json"},
                          content=b"{}")
    assert response.status_code == 421


def test_http_refuses_to_bind_beyond_loopback(data_dir: Path) -> None:
    result = subprocess.run([SERVE, "--transport", "http", "--host", "0.0.0.0"], env=server_env(data_dir),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "only binds to loopback" in result.stderr
