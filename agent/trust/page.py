"""The approval page: where a person reviews one exact change in a browser and decides it with their passkey.

Reading the page needs its key, which travels in the link's fragment (browsers never send fragments, so no log
holds it). Deciding needs more than the link: a WebAuthn assertion with user verification from a passkey enrolled
for a person allowed to approve this change (`partner-agent approver enroll`), over a challenge bound to the
approval, the decision and the payload's digest. A model that can make HTTP requests or drive a browser holds no
such passkey, so it can read what it already knows but decide nothing. Every route refuses a foreign Host header,
and every POST one from another origin. Served by the HTTP transport, or under stdio by `PageServer` on loopback.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent.deadlines import use_deadlines
from agent.trust import web
from agent.trust.audit import DecidedBy
from agent.trust.passkeys import PasskeyError, VerifiedApprover, enroll_hint

if TYPE_CHECKING:
    from agent.app import AgentApp
    from agent.trust.approvals import Approval

log = logging.getLogger(__name__)

_SHELL = (
    "<h1>Approve this change?</h1><p class=meta id=meta>Loading the change...</p>"
    "<pre id=preview></pre>"
    "<p>Nothing is written unless you approve. Check every value above: it is exactly what will be sent. "
    "Approving or declining asks for your passkey.</p>"
    "<div class=buttons><button class=approve id=approve disabled>Approve</button>"
    "<button class=decline id=decline disabled>Decline</button></div>"
    "<p id=outcome role=status></p>"
    "<noscript><p class='result refused'>This page needs JavaScript: passkeys are used through the browser.</p></noscript>"
)


def approval_routes(app: AgentApp, hosts: list[str]) -> list[Route]:
    """The page's routes; ``hosts`` are the Host headers it answers to (others get 421)."""

    def message(text: str, status: int) -> Response:
        return web.json_response({"message": text}, status)

    async def checked(request: Request, *, pending: bool = False) -> tuple[Approval, dict[str, Any], str] | Response:
        """The approval, the JSON body and the origin of a POST that may go on (with ``pending``: only while the
        approval waits for a decision); otherwise the refusal."""
        if not web.host_allowed(request, hosts):
            return web.misdirected()
        origin = web.same_origin(request)
        if origin is None:
            return message("Refused: this request did not come from the approval page.", 403)
        body = await web.json_body(request)
        approval_id = request.path_params["approval_id"]
        if body is None or not app.approvals.check_page_key(approval_id, body.get("key")):
            return message("This link is wrong or has expired.", 404)
        approval = app.approvals.get(approval_id)
        if approval is None:
            return message("This link is wrong or has expired.", 404)
        if pending and approval.status != "pending":
            return message(_status_message(approval), 409)
        return approval, body, origin

    async def show(request: Request) -> Response:
        if not web.host_allowed(request, hosts):
            return web.misdirected()
        return web.page("Approve this change?", _SHELL, script="approve.js")

    async def view(request: Request) -> Response:
        found = await checked(request)
        if isinstance(found, Response):
            return found
        approval, _, _ = found
        app.gate.expire_due()
        approval = app.approvals.get(approval.approval_id)
        return web.json_response(
            {
                "status": approval.status,
                "tool": approval.tool,
                "preview": approval.preview,
                "expires_at": approval.expires_at.isoformat(),
                "message": _status_message(approval),
            }
        )

    async def challenge(request: Request) -> Response:
        found = await checked(request, pending=True)
        if isinstance(found, Response):
            return found
        approval, body, origin = found
        approvers = app.passkeys.approvers_for(
            approval.principal, approval.partner_id, approval.catalog, approval.actions
        )
        if not approvers:
            return message(f"{enroll_hint(approval.requester.name)} Then reload this page.", 409)
        try:
            options = await anyio.to_thread.run_sync(
                lambda: app.passkeys.authentication_options(
                    _subject(approval, body.get("approve") is True), approvers, origin
                )
            )
        except PasskeyError as exc:
            return message(str(exc), 400)
        return web.json_response(options)

    async def decide(request: Request) -> Response:
        found = await checked(request, pending=True)
        if isinstance(found, Response):
            return found
        approval, body, origin = found
        approve = body.get("approve") is True
        try:
            verified = await anyio.to_thread.run_sync(
                lambda: app.passkeys.verify_authentication(
                    str(body.get("challenge_id", "")), _subject(approval, approve), body.get("credential"), origin
                )
            )
        except PasskeyError as exc:
            problem = str(exc)
            await anyio.to_thread.run_sync(
                lambda: app.gate.refuse(approval, approve, f"passkey check failed: {problem}")
            )
            return message(f"Not decided: {problem}", 403)
        decided_by = _decided_by(verified)
        done = await anyio.to_thread.run_sync(
            lambda: app.gate.decide(
                approval.approval_id, approve, decided_by, principal=approval.principal, session_id=None
            )
        )
        return web.json_response({"status": done.status, "message": done.message})

    return [
        Route("/approvals/{approval_id}", show, methods=["GET"]),
        Route("/approvals/{approval_id}/view", view, methods=["POST"]),
        Route("/approvals/{approval_id}/challenge", challenge, methods=["POST"]),
        Route("/approvals/{approval_id}/decide", decide, methods=["POST"]),
        web.static_route("approve.js", hosts=hosts),
    ]


def _subject(approval: Approval, approve: bool) -> str:
    """What a passkey challenge is bound to: this approval, this decision, this exact payload."""
    return f"{approval.approval_id}:{'approve' if approve else 'decline'}:{approval.payload_sha256}"


def _decided_by(verified: VerifiedApprover) -> DecidedBy:
    return DecidedBy(
        name=verified.approver.name,
        id=verified.approver.approver_id,
        channel="page",
        verification=f"passkey with user verification (credential ...{verified.credential_id[-8:]})",
    )


def _status_message(approval: Approval) -> str:
    if approval.status == "pending":
        return f"Waiting for your decision until {approval.expires_at:%Y-%m-%d %H:%M} UTC."
    return f"Already decided: this change is {approval.status}. Approvals are single use."


class PageServer:
    """Serves approval pages under stdio: loopback only, in a background thread, started when an approval waits.

    It listens on the configured port, or on the one it used last (remembered in ``port_file``), so links handed
    out before a restart keep working."""

    def __init__(self, app: AgentApp, port: int, port_file: Path) -> None:
        self.app = app
        self.port = port
        self.port_file = port_file
        self._lock = threading.Lock()
        self._server: web.LoopbackServer | None = None

    def ensure_started(self) -> str:
        """The base URL of the running listener (starting it if needed): on the configured port, else the one used
        last, else any free one."""
        with self._lock:
            if self._server is None:
                use_deadlines(self.app.settings)
                sock = self._bind()
                port = sock.getsockname()[1]
                self._server = web.LoopbackServer(
                    approval_routes(self.app, web.loopback_hosts(port)), sock, "approval-page"
                )
                self._remember(port)
                log.info("approval pages at %s", self._server.base_url)
            return self._server.base_url

    def _bind(self) -> socket.socket:
        for port in dict.fromkeys(p for p in (self.port, self._remembered()) if p):
            try:
                return web.bind_loopback(port, fallback=False)
            except OSError:
                log.warning("approval page port %d is taken", port)
        return web.bind_loopback(0)

    def _remembered(self) -> int:
        """The port used last, or 0 when there is none (or the file is unreadable: it is only a hint)."""
        try:
            text = self.port_file.read_text()
        except OSError:
            return 0
        return int(text) if text.isdigit() and 0 < int(text) < 65536 else 0

    def _remember(self, port: int) -> None:
        """Write the port aside, then move it into place: a crash never leaves a torn file."""
        self.port_file.parent.mkdir(parents=True, exist_ok=True)
        staged = self.port_file.with_name(f".{self.port_file.name}.{os.getpid()}")
        staged.write_text(str(port))
        os.replace(staged, self.port_file)
