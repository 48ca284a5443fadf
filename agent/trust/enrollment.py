"""The passkey enrollment page: where a person turns a one-time link from `partner-agent approver enroll`
into a passkey.

The link is ``<base>/enroll#<secret>``: the secret sits in the fragment, which browsers never send, and the
page's script posts it in a JSON body. Every route answers only to the configured Host headers; the POSTs
also need the page's own ``Origin``, which is what the passkey is made for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent.trust import web
from agent.trust.passkeys import PasskeyError, Passkeys

_BODY = (
    "<h1>Enroll a passkey</h1>"
    "<p class=meta>Partner Central agent</p>"
    "<p>Create a passkey on this device to approve the assistant's changes. Your device will ask you to verify "
    "yourself (PIN, fingerprint or face).</p>"
    "<div class=buttons><button class=approve id=enroll disabled>Create passkey</button></div>"
    "<p id=outcome aria-live=polite></p>"
)


def enrollment_routes(passkeys: Passkeys, hosts: Iterable[str]) -> list[Route]:
    """GET /enroll (the page), POST /enroll/options and /enroll/finish (its JSON calls), and its script."""
    hosts = list(hosts)

    async def show(request: Request) -> Response:
        if not web.host_allowed(request, hosts):
            return web.misdirected()
        return web.page("Enroll a passkey", _BODY, script="enroll.js")

    def call(step: Callable[[str, dict, str], object]) -> Callable[[Request], Awaitable[Response]]:
        """A POST route: Host and Origin checked, ``{"secret", ...}`` read, then ``step(secret, body, origin)``."""

        async def endpoint(request: Request) -> Response:
            if not web.host_allowed(request, hosts):
                return web.misdirected()
            origin = web.same_origin(request)
            if origin is None:
                return web.json_response({"error": "Refused: this request did not come from the enrollment page."}, 403)
            body = await web.json_body(request)
            if body is None or not isinstance(body.get("secret"), str):
                return web.json_response({"error": "Open the whole link the command printed."}, 400)
            try:
                result = await anyio.to_thread.run_sync(step, body["secret"], body, origin)
            except PasskeyError as exc:
                return web.json_response({"error": str(exc)}, 400)
            return web.json_response(result)

        return endpoint

    def options(secret: str, body: dict, origin: str) -> dict:
        return {"options": passkeys.registration_options(secret, origin)}

    def finish(secret: str, body: dict, origin: str) -> dict:
        if not isinstance(body.get("credential"), dict):
            raise PasskeyError("No passkey was sent. Try again.")
        approver = passkeys.finish_registration(secret, body["credential"], origin)
        return {"message": f"Passkey enrolled for {approver.name}. You can close this page."}

    return [
        Route("/enroll", show, methods=["GET"]),
        Route("/enroll/options", call(options), methods=["POST"]),
        Route("/enroll/finish", call(finish), methods=["POST"]),
        web.static_route("enroll.js", hosts=hosts),
    ]
