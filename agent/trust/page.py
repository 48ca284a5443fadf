"""The approval page: where a person reviews one exact change in a browser and approves or declines it.

The link carries a per-approval key (an HMAC only this server can compute), so only its holder can open
the page. Deciding needs a POST with a CSRF token that must match a SameSite=Strict cookie set when the
page was shown, and a same-origin ``Origin`` header when the browser sends one. The page is served by the
HTTP transport, or under stdio by `PageServer`, a listener bound to 127.0.0.1 only.
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
import socket
import threading
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from agent.app import AgentApp

log = logging.getLogger(__name__)
CSRF_COOKIE = "pa_csrf"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send `Origin: null` on the form POST
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

_STYLE = """
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#16191f}
h1{font-size:1.4rem;margin-bottom:.25rem} .meta{color:#5f6b7a;margin-top:0}
pre{background:#f2f3f3;border:1px solid #d5dbdb;border-radius:8px;padding:1rem;white-space:pre-wrap;word-break:break-word}
.buttons{display:flex;gap:1rem;margin-top:1.5rem} button{font-size:1rem;padding:.6rem 1.4rem;border-radius:20px;cursor:pointer}
.approve{background:#0972d3;color:#fff;border:0} .decline{background:#fff;color:#0972d3;border:2px solid #0972d3}
.result{border-left:6px solid #0972d3;padding:.5rem 1rem;background:#f2f8fd} .refused{border-color:#d91515;background:#fff7f7}
"""


def _page(title: str, body: str, status: int = 200, cookie: str | None = None, path: str = "/") -> HTMLResponse:
    document = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )
    response = HTMLResponse(document, status_code=status, headers=HEADERS)
    if cookie:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", path=path, max_age=3600)
    return response


def _csrf_token(app: AgentApp, approval_id: str, nonce: str) -> str:
    return f"{nonce}.{app.approvals.sign(f'csrf:{approval_id}:{nonce}')}"


def _valid_csrf(app: AgentApp, approval_id: str, form_token: str, cookie_token: str) -> bool:
    if not form_token or not hmac.compare_digest(form_token, cookie_token or ""):
        return False
    nonce = form_token.split(".", 1)[0]
    return hmac.compare_digest(_csrf_token(app, approval_id, nonce), form_token)


def _not_found() -> HTMLResponse:
    return _page("Approval not found", "<h1>Approval not found</h1><p>This link is wrong or has expired.</p>", 404)


def approval_routes(app: AgentApp) -> list[Route]:
    async def show(request: Request) -> HTMLResponse:
        approval_id = request.path_params["approval_id"]
        if not app.approvals.check_page_key(approval_id, request.query_params.get("key", "")):
            return _not_found()
        approval = app.approvals.get(approval_id)
        if approval is None:
            return _not_found()
        if approval.status != "pending":
            return _page("Already decided", f"<h1>Already decided</h1><p class=result>This change is "
                         f"<b>{html.escape(approval.status)}</b>. Approvals are single use.</p>")
        token = _csrf_token(app, approval_id, secrets.token_hex(16))
        key = html.escape(request.query_params["key"])
        body = (
            f"<h1>Approve this change?</h1><p class=meta>Requested by the assistant with <code>{html.escape(approval.tool)}</code>"
            f" · expires {approval.expires_at:%Y-%m-%d %H:%M} UTC</p>"
            f"<pre id=preview>{html.escape(approval.preview)}</pre>"
            "<p>Nothing is written unless you approve. Check every value above: it is exactly what will be sent.</p>"
            f"<form method=post action='/approvals/{html.escape(approval_id)}?key={key}'>"
            f"<input type=hidden name=csrf value='{token}'>"
            "<div class=buttons><button class=approve name=decision value=approve>Approve</button>"
            "<button class=decline name=decision value=decline>Decline</button></div></form>"
        )
        return _page("Approve this change?", body, cookie=token, path=f"/approvals/{approval_id}")

    async def decide(request: Request) -> HTMLResponse:
        import anyio

        approval_id = request.path_params["approval_id"]
        if not app.approvals.check_page_key(approval_id, request.query_params.get("key", "")):
            return _not_found()
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.headers.get('host')}":
            return _page("Refused", "<h1>Refused</h1><p>Cross-site request.</p>", 403)
        form = await request.form()
        if not _valid_csrf(app, approval_id, str(form.get("csrf", "")), request.cookies.get(CSRF_COOKIE, "")):
            return _page("Refused", "<h1>Refused</h1><p>This form expired or was not sent from the approval page. "
                         "Reload the page and decide again.</p>", 403)
        approval = app.approvals.get(approval_id)
        if approval is None:
            return _not_found()
        from agent.tools.writes import deliver_decision

        owner = app.flows.principal_of(approval.flow_id)
        if owner is None:  # the flow ended (or its session expired): nothing is left to decide
            return _page("Already decided", f"<h1>Already decided</h1><p>This change is <b>{html.escape(approval.status)}"
                         "</b>. Approvals are single use.</p>")
        approve = form.get("decision") == "approve"
        result = await anyio.to_thread.run_sync(
            lambda: deliver_decision(app, approval_id, approve, "page", owner, approval.session_id)
        )
        css = "result" if result.status in ("applied", "rejected") else "result refused"
        heading = {"applied": "Applied", "rejected": "Declined"}.get(result.status, "Not applied")
        return _page(heading, f"<h1>{heading}</h1><p class='{css}' id=outcome>{html.escape(result.message)}</p>"
                     "<p>You can close this page and return to your assistant.</p>")

    return [
        Route("/approvals/{approval_id}", show, methods=["GET"]),
        Route("/approvals/{approval_id}", decide, methods=["POST"]),
    ]


class PageServer:
    """Serves approval pages under stdio: 127.0.0.1 only, in a background thread, started on first need."""

    def __init__(self, app: AgentApp, port: int) -> None:
        self.app = app
        self.port = port
        self._lock = threading.Lock()
        self._server = None

    def ensure_started(self) -> str:
        """The base URL of the running listener (starting it if needed)."""
        import uvicorn

        with self._lock:
            if self._server is None:
                sock = _bind_loopback(self.port)
                config = uvicorn.Config(Starlette(routes=approval_routes(self.app)), log_level="warning", lifespan="off")
                self._server = uvicorn.Server(config)
                threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                 name="approval-page").start()
                self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
                log.info("approval pages at %s", self.base_url)
            return self.base_url


def _bind_loopback(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1: the configured port, or any free one if it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        log.warning("approval page port %d is taken; using a free port", port)
        sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock
