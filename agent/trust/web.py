"""What the person's browser pages share: one HTML shell, strict headers, a Host check, and a loopback listener.

The pages (approval, passkey enrollment) are served by the HTTP transport, or under stdio by a listener bound
to loopback only. Their links use ``localhost``: WebAuthn needs a domain as its relying-party id (an IP address
is refused), and ``http://localhost`` is a secure context.
"""

from __future__ import annotations

import html
import json
import logging
import socket
import threading
from collections.abc import Iterable
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from agent.deadlines import TimedHttpProtocol

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}

_STYLE = """
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#16191f}
h1{font-size:1.4rem;margin-bottom:.25rem} .meta{color:#5f6b7a;margin-top:0}
pre{background:#f2f3f3;border:1px solid #d5dbdb;border-radius:8px;padding:1rem;white-space:pre-wrap;word-break:break-word}
.buttons{display:flex;gap:1rem;margin-top:1.5rem} button{font-size:1rem;padding:.6rem 1.4rem;border-radius:20px;cursor:pointer}
.approve{background:#0972d3;color:#fff;border:0} .decline{background:#fff;color:#0972d3;border:2px solid #0972d3}
button:disabled{opacity:.5;cursor:default}
.result{border-left:6px solid #0972d3;padding:.5rem 1rem;background:#f2f8fd} .refused{border-color:#d91515;background:#fff7f7}
"""


def page(title: str, body: str, *, status: int = 200, script: str | None = None) -> HTMLResponse:
    """An HTML page with the strict headers. ``body`` is trusted markup: escape every value put in it.
    ``script`` names a file in ``static/``, served by `static_route`, that the page loads."""
    tag = f"<script src='/static/{html.escape(script)}' defer></script>" if script else ""
    document = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>{tag}</head><body>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=HEADERS)


def json_response(body: dict, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=HEADERS)


def static_route(name: str, *, hosts: Iterable[str] | None = None) -> Route:
    """Serves the file ``static/<name>`` at /static/<name>, one route per file so that several pages' routes
    compose in one app. With ``hosts``, a foreign Host header gets `misdirected`."""
    path = STATIC / name
    hosts = None if hosts is None else list(hosts)

    async def serve(request: Request) -> Response:
        if hosts is not None and not host_allowed(request, hosts):
            return misdirected()
        return Response(path.read_bytes(), media_type="text/javascript", headers=HEADERS)

    return Route(f"/static/{name}", serve, methods=["GET"])


def host_allowed(request: Request, hosts: Iterable[str]) -> bool:
    """Whether the request's Host header is one this server answers to (DNS-rebinding protection). ``hosts`` are
    ``host:port`` or ``host:*`` (any port), as the MCP transport's allowed hosts are written."""
    host = request.headers.get("host", "").lower()
    name = host.rpartition(":")[0] if host.rpartition(":")[2].isdigit() else host
    return any(
        host == allowed.lower() or (allowed.endswith(":*") and name == allowed[:-2].lower()) for allowed in hosts
    )


def same_origin(request: Request) -> str | None:
    """The request's ``Origin`` header when it is this page's own origin (its host is the Host header), else None.
    Browsers send ``Origin`` with every fetch POST; a cross-site request, or one without it, gets None. Either
    scheme is accepted so a page behind a TLS-terminating proxy still matches."""
    origin = request.headers.get("origin", "")
    scheme, _, host = origin.partition("://")
    if scheme in ("http", "https") and host and host.lower() == request.headers.get("host", "").lower():
        return origin
    return None


async def json_body(request: Request, limit: int = 64 * 1024) -> dict | None:
    """The request's body as a JSON object; None when it is not ``application/json``, not an object, or longer
    than ``limit`` bytes (read no further than that)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def loopback_hosts(port: int) -> list[str]:
    """The Host headers a loopback listener on ``port`` answers to."""
    return [f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"]


def misdirected() -> Response:
    """What a request with a foreign Host header gets, as the MCP endpoint answers it."""
    return Response("Misdirected request: unknown Host header.", status_code=421, headers=HEADERS)


def bind_loopback(port: int, *, fallback: bool = True) -> socket.socket:
    """A listening socket on 127.0.0.1: ``port``, or (with ``fallback``) any free one if it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        if not fallback:
            sock.close()
            raise
        log.warning("port %d is taken; using a free port", port)
        sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


class LoopbackServer:
    """Serves ``routes`` on 127.0.0.1 in a background thread; the links use ``http://localhost:PORT``."""

    def __init__(self, routes: list[Route], sock: socket.socket, name: str) -> None:
        self.port = sock.getsockname()[1]
        self.base_url = f"http://localhost:{self.port}"

        # the same deadlines for request headers and bodies as the HTTP transport (`agent.deadlines.use_deadlines`)
        config = uvicorn.Config(
            Starlette(routes=routes),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=5,
            http=TimedHttpProtocol,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name=name)
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
