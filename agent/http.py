"""The streamable HTTP transport as `partner-agent serve --transport http` runs it: one worker or several.

- Every connection has deadlines for its request's headers and body (`agent.deadlines`; uvicorn has no such
  timeouts of its own, and half-open connections would otherwise hold a file descriptor for ever).
- MCP sessions (2025-11-25 clients) are capped per bearer token and in total, and close when idle.
- ``--workers N`` runs N processes on one listening socket (uvicorn's supervisor restarts one that dies). They
  share the database (SQLite files of DATA_DIR on one machine, or PostgreSQL anywhere), so any worker can decide a
  change another one asked for; the approval page and the 2026-07-28 protocol need no session affinity.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from typing import Any

import uvicorn
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, authorization_context
from mcp.server.streamable_http import MCP_SESSION_ID_HEADER
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.config import Settings, load_settings
from agent.deadlines import TimedHttpProtocol, use_deadlines
from agent.server import build_server

log = logging.getLogger("partner_agent")

WORKER_ENV = "_PARTNER_AGENT_HTTP_LISTENER"
"""How `serve` tells worker processes where they listen (JSON: host, port); not a setting."""


class SessionCap:
    """Refuses a new MCP session (429) to a bearer token that already holds ``per_token`` open ones in this worker.

    Wraps the MCP SDK's session manager, whose table of session owners it reads (the SDK caps the total only)."""

    def __init__(self, app: ASGIApp, manager: Any, per_token: int) -> None:
        if not isinstance(getattr(manager, "_session_owners", None), dict):
            raise RuntimeError(
                "this mcp version keeps no table of session owners; the per-token session cap cannot work"
            )
        self.app = app
        self.owners: dict[str, Any] = manager._session_owners
        self.per_token = per_token
        self._session_header = MCP_SESSION_ID_HEADER.lower().encode()
        self._legacy = {version.encode() for version in HANDSHAKE_PROTOCOL_VERSIONS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and self._opens_session(scope):
            user = scope.get("user")
            if isinstance(user, AuthenticatedUser):
                owner = authorization_context(user)
                if sum(1 for held in self.owners.values() if held == owner) >= self.per_token:
                    await _json_rpc_error(
                        send,
                        429,
                        f"This token already has {self.per_token} open MCP sessions "
                        "(PARTNER_AGENT_MCP_SESSIONS_PER_TOKEN). End one (DELETE /mcp with its "
                        "Mcp-Session-Id) or let an idle one close, then try again.",
                    )
                    return
        await self.app(scope, receive, send)

    def _opens_session(self, scope: Scope) -> bool:
        headers = dict(scope["headers"])
        version = headers.get(b"mcp-protocol-version")
        return self._session_header not in headers and (version is None or version in self._legacy)


async def _json_rpc_error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def http_app(settings: Settings, host: str, port: int) -> ASGIApp:
    """The whole HTTP application of one worker: MCP at /mcp, the approval and enrollment pages, with every limit."""
    use_deadlines(settings)
    # Links name localhost, not a loopback address: passkeys need a domain (WebAuthn refuses IP addresses).
    name = "localhost" if is_loopback(host) else f"[{host}]" if ":" in host else host
    base_url = settings.public_url or f"http://{name}:{port}"
    allowed = {f"{name}:*", "127.0.0.1:*", "localhost:*", "[::1]:*", base_url.split("://", 1)[1].split("/")[0]}
    server = build_server(settings, transport="http", base_url=base_url, page_hosts=sorted(allowed), start_up=True)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=sorted(allowed),
        allowed_origins=sorted({f"http://{h}" for h in allowed} | {f"https://{h}" for h in allowed}),
    )
    app = server.streamable_http_app(
        host=host,
        transport_security=security,
        stateless_http=settings.stateless_http,
        session_idle_timeout=settings.mcp_session_idle_minutes * 60,
        max_sessions=settings.mcp_max_sessions,
    )
    manager = server._lowlevel_server._session_manager
    manager.asgi_app = SessionCap(manager.asgi_app, manager, settings.mcp_sessions_per_token)
    log.info("serving MCP over streamable HTTP at %s/mcp (worker %d)", base_url, os.getpid())
    return app


def worker_app() -> ASGIApp:
    """The application of one of several workers (uvicorn's factory), listening where `serve` said."""
    listener = json.loads(os.environ[WORKER_ENV])
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return http_app(settings, listener["host"], listener["port"])


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Run the HTTP transport in ``workers`` processes until interrupted."""
    # Many callers: one thread per embedding. Concurrent questions share a batch, and a second OpenMP thread
    # would spin against the event loop for the same cores (search p50 at 50 clients ~300 -> ~270 ms).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "http": TimedHttpProtocol,
        "timeout_keep_alive": 5,
    }
    if workers == 1:
        uvicorn.run(http_app(settings, host, port), **options)
        return
    os.environ[WORKER_ENV] = json.dumps({"host": host, "port": port})
    uvicorn.run("agent.http:worker_app", factory=True, workers=workers, **options)
