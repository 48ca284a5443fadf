"""Running the server the way people do, for end-to-end tests: the README's stdio command and an HTTP
process, with bearer tokens made by the real CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from agent.config import Settings
from tests.conftest import REPO, VENV_BIN

SERVE = str(REPO / "scripts" / "serve")  # the README's quick-start command
CLI = str(VENV_BIN / "partner-agent")


def server_env(data_dir: Path, settings: Settings | None = None) -> dict[str, str]:
    """A clean environment: the test's data folder, the session's prebuilt guidance index, and the database of
    ``settings`` when it names one."""
    if not GUIDANCE_INDEX:
        raise RuntimeError("request the guidance_index fixture before starting a server")
    database = (
        {"PARTNER_AGENT_DATABASE_URL": settings.database_url.get_secret_value()}
        if settings is not None and settings.database_url
        else {}
    )
    return {
        "PATH": os.environ["PATH"],
        "PARTNER_AGENT_DATA_DIR": str(data_dir),
        "PARTNER_AGENT_INDEX_DIR": GUIDANCE_INDEX,
        **database,
    }


GUIDANCE_INDEX = ""
"""Set by the `guidance_index` fixture, so servers started by tests do not index the guidance again."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_token(data_dir: Path, name: str, *extra: str, settings: Settings | None = None) -> str:
    """A token made by the real CLI, in the token store of ``settings`` (default: the data folder's file)."""
    done = subprocess.run(
        [CLI, "token", "create", "--name", name, *extra],
        env=server_env(data_dir, settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


class HttpServer:
    """`scripts/serve --transport http` in a subprocess, on a free loopback port."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        settings: dict[str, str] | None = None,
        agent_settings: Settings | None = None,
        arguments: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = data_dir
        self.settings = settings or {}
        """More PARTNER_AGENT_* settings for the server."""
        self.agent_settings = agent_settings
        """Whose database the server uses (default: SQLite in the data folder)."""
        self.arguments = arguments
        """More `serve` arguments (--workers...)."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.access_log = data_dir.parent / f"http-{self.port}.out"
        """Where the server's stdout goes: uvicorn writes its access log there."""

    def start(self) -> HttpServer:
        with self.access_log.open("ab") as out:
            self.process = subprocess.Popen(
                [SERVE, "--transport", "http", "--port", str(self.port), *self.arguments],
                env={**server_env(self.data_dir, self.agent_settings), **self.settings},
                stdout=out,
                stderr=subprocess.PIPE,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited: {self.process.stderr.read().decode()}")
            try:
                httpx.get(f"{self.url}/approvals/x", timeout=0.5)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.process.kill()
        pytest.fail("HTTP server did not start in 60 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)

    def client(self, token: str, mode: str = "auto") -> tuple[httpx2.AsyncClient, Client]:
        """An HTTP client carrying the token, and the MCP client over it: `async with http, mcp:`."""
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return http, Client(streamable_http_client(f"{self.url}/mcp", http_client=http), mode=mode)
