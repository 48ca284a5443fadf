"""Passkeys in a real headless Chromium whose virtual authenticator stands in for the person's device:
enrollment through the CLI and its page, and the challenge an approval page will ask a passkey to sign."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from agent.trust import web
from agent.trust.db import agent_database
from agent.trust.enrollment import enrollment_routes
from agent.trust.passkeys import Approver, PasskeyError, Passkeys
from tests.browser import BROWSER, add_virtual_authenticator
from tests.conftest import PRM_READY, VENV_BIN

pytestmark = BROWSER

CLI = str(VENV_BIN / "partner-agent")
ACTIONS = ["partnercentral:UpdateOpportunity"]

# The test's own approval page stand-in: it asks the server for a challenge, lets the browser sign it with a
# passkey, and posts the credential back. ``tamper`` plays a page (or a model's browser tool) that changes
# the options before calling the authenticator; the server must not rely on them.
SIGN_PAGE = """<!doctype html><meta charset=utf-8><title>Sign</title><p id=outcome></p><script>
async function post(path, body) {
  const response = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  return {status: response.status, ...(await response.json())};
}
async function sign({subject, verifySubject = subject, userVerification, allowAny = false, delayMs = 0}) {
  const {challenge_id, options} = await post("/sign/options", {subject});
  if (userVerification) options.userVerification = userVerification;
  if (allowAny) options.allowCredentials = [];
  let credential;
  try {
    credential = await navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
  } catch (error) {
    return {status: 0, error: error.name};
  }
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  window.lastPost = {challenge_id, subject: verifySubject, credential: credential.toJSON()};
  const answer = await post("/sign/verify", window.lastPost);
  document.getElementById("outcome").textContent = answer.error || answer.approver;
  return answer;
}
</script>"""


@dataclass
class SignPage:
    """Serves SIGN_PAGE and answers it with `Passkeys.authentication_options` and `verify_authentication`."""

    passkeys: Passkeys
    approvers: list[Approver] = field(default_factory=list)

    def routes(self) -> list[Route]:
        async def show(request: Request) -> Response:
            return HTMLResponse(SIGN_PAGE)

        async def options(request: Request) -> Response:
            body = await web.json_body(request)
            return web.json_response(
                self.passkeys.authentication_options(body["subject"], self.approvers, web.same_origin(request))
            )

        async def verify(request: Request) -> Response:
            body = await web.json_body(request)
            try:
                verified = self.passkeys.verify_authentication(
                    body["challenge_id"], body["subject"], body["credential"], web.same_origin(request)
                )
            except PasskeyError as exc:
                return web.json_response({"error": str(exc)}, 400)
            return web.json_response(
                {
                    "approver": verified.approver.name,
                    "user_verified": verified.user_verified,
                    "credential_id": verified.credential_id,
                }
            )

        return [
            Route("/sign", show),
            Route("/sign/options", options, methods=["POST"]),
            Route("/sign/verify", verify, methods=["POST"]),
        ]


@dataclass
class Site:
    base_url: str
    port: int
    passkeys: Passkeys
    sign: SignPage
    db_path: Path


@pytest.fixture
def site(data_dir: Path) -> Iterator[Site]:
    """The enrollment page and the sign page on one loopback listener, over the real agent database."""
    passkeys = Passkeys(agent_database(data_dir))
    sock = web.bind_loopback(0)
    port = sock.getsockname()[1]
    sign = SignPage(passkeys)
    server = web.LoopbackServer(
        enrollment_routes(passkeys, web.loopback_hosts(port)) + sign.routes(), sock, "test-site"
    )
    try:
        yield Site(server.base_url, port, passkeys, sign, data_dir / "agent.db")
    finally:
        server.stop()


async def enroll_in_browser(page, link: str) -> str:
    """Open an enrollment link, press the button, and return what the page says came of it."""
    await page.goto(link)
    await page.click("#enroll")
    await page.wait_for_selector("#outcome.result")
    return await page.text_content("#outcome")


async def enrolled(site: Site, page, name: str = "Dana", principal: str = "local:dana") -> Approver:
    """An approver for ``principal`` whose passkey lives in ``page``'s virtual authenticator."""
    approver, secret = site.passkeys.enroll(name, principal=principal)
    assert "Passkey enrolled" in await enroll_in_browser(page, f"{site.base_url}/enroll#{secret}")
    return site.passkeys.get(approver.approver_id)


async def sign(page, site: Site, **arguments) -> dict:
    await page.goto(f"{site.base_url}/sign")
    return await page.evaluate("(arguments) => sign(arguments)", arguments)


def run_cli(*args: str, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    return [CLI, *args], {
        "PATH": os.environ["PATH"],
        "PARTNER_AGENT_DATA_DIR": str(data_dir),
        "PARTNER_AGENT_USER": "dana",
    }


async def start_enrollment_cli(data_dir: Path, *extra: str) -> tuple[asyncio.subprocess.Process, str]:
    """`partner-agent approver enroll` as a person runs it, and the link it prints first."""
    command, env = run_cli("approver", "enroll", "--name", "Dana", "--port", "0", *extra, data_dir=data_dir)
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    link = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
    return process, link


# Enrollment --------------------------------------------------------------------------------------------------


async def test_the_cli_enrolls_a_passkey_through_its_own_page(browser_page, data_dir: Path) -> None:
    process, link = await start_enrollment_cli(data_dir)
    try:
        assert link.startswith("http://localhost:") and "/enroll#" in link
        await add_virtual_authenticator(browser_page)
        outcome = await enroll_in_browser(browser_page, link)
        assert outcome == "Passkey enrolled for Dana. You can close this page."
        assert "#" not in browser_page.url  # the secret left the address bar
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0, stderr.decode()
    assert "Enrolled Dana (apr-" in stdout.decode() and "approve for local:dana" in stdout.decode()
    command, env = run_cli("approver", "list", data_dir=data_dir)
    listed = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.PIPE)
    rows = (await listed.communicate())[0].decode().splitlines()[1:]
    assert len(rows) == 1 and rows[0].split()[1:3] == ["Dana", "1"] and rows[0].endswith("local:dana")
    secret = link.split("#", 1)[1]
    stored = b"".join(path.read_bytes() for path in data_dir.glob("agent.db*"))
    assert secret.encode() not in stored


async def test_the_cli_says_when_its_link_expired_and_keeps_nothing(data_dir: Path) -> None:
    process, link = await start_enrollment_cli(data_dir)
    try:
        with sqlite3.connect(data_dir / "agent.db") as db:  # ten minutes pass
            db.execute("UPDATE enrollments SET expires_at='2000-01-01T00:00:00+00:00'")
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 1
    assert "expired before a passkey was created" in stderr.decode()
    assert link and stdout == b""  # the link, then nothing more on stdout
    assert Passkeys(agent_database(data_dir)).list() == []


async def test_an_enrollment_link_works_once(browser_page, chromium_browser, site: Site) -> None:
    approver, secret = site.passkeys.enroll("Dana", principal="local:dana")
    await add_virtual_authenticator(browser_page)
    assert "Passkey enrolled" in await enroll_in_browser(browser_page, f"{site.base_url}/enroll#{secret}")
    context = await chromium_browser.new_context()  # someone else, with their own authenticator, tries the link
    try:
        page = await context.new_page()
        await add_virtual_authenticator(page)
        outcome = await enroll_in_browser(page, f"{site.base_url}/enroll#{secret}")
    finally:
        await context.close()
    assert "wrong, already used or expired" in outcome
    assert [a.passkeys for a in site.passkeys.list()] == [1]


async def test_an_expired_enrollment_link_does_nothing(browser_page, site: Site) -> None:
    passkeys = Passkeys(site.passkeys.db, enrollment_ttl=timedelta(0))
    approver, secret = passkeys.enroll("Dana", principal="local:dana")
    await add_virtual_authenticator(browser_page)
    assert "wrong, already used or expired" in await enroll_in_browser(browser_page, f"{site.base_url}/enroll#{secret}")
    assert passkeys.enrollment_state(secret) == "expired" and site.passkeys.get(approver.approver_id).passkeys == 0


async def test_a_secret_in_the_query_string_or_a_wrong_secret_does_nothing(browser_page, site: Site) -> None:
    approver, secret = site.passkeys.enroll("Dana", principal="local:dana")
    await add_virtual_authenticator(browser_page)
    for url in (f"{site.base_url}/enroll?{secret}", f"{site.base_url}/enroll?secret={secret}"):
        await browser_page.goto(url)
        assert "This link is incomplete" in await browser_page.text_content("#outcome.refused")
        assert await browser_page.is_disabled("#enroll")
    outcome = await enroll_in_browser(browser_page, f"{site.base_url}/enroll#{secret[:-2]}xx")
    assert "wrong, already used or expired" in outcome
    assert site.passkeys.enrollment_state(secret) == "pending" and site.passkeys.get(approver.approver_id).passkeys == 0


async def test_an_authenticator_that_cannot_verify_the_person_is_refused(browser_page, site: Site) -> None:
    approver, secret = site.passkeys.enroll("Dana", principal="local:dana")
    failing = await add_virtual_authenticator(browser_page, user_verified=False)  # a wrong PIN: the browser refuses
    assert "could not verify you" in await enroll_in_browser(browser_page, f"{site.base_url}/enroll#{secret}")
    cdp = await browser_page.context.new_cdp_session(browser_page)
    await cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": failing})
    await add_virtual_authenticator(browser_page, has_user_verification=False)
    # A page that asks for no user verification gets a credential without it: the server refuses it.
    answer = await browser_page.evaluate(
        """async (secret) => {
        const post = (path, body) => fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                                  body: JSON.stringify(body)}).then((r) => r.json());
        const {options} = await post("/enroll/options", {secret});
        options.authenticatorSelection.userVerification = "discouraged";
        const credential = await navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)});
        return post("/enroll/finish", {secret, credential: credential.toJSON()});
    }""",
        secret,
    )
    assert answer == {
        "error": "Your authenticator did not verify you (PIN, fingerprint or face). Use a passkey that "
        "does; user verification is required."
    }
    assert site.passkeys.get(approver.approver_id).passkeys == 0 and site.passkeys.enrollment_state(secret) == "pending"


async def test_a_foreign_host_header_gets_421(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.base_url, headers={"Host": "attacker.example"}) as client:
        for method, path in (
            ("GET", "/enroll"),
            ("GET", "/static/enroll.js"),
            ("POST", "/enroll/options"),
            ("POST", "/enroll/finish"),
        ):
            response = await client.request(
                method, path, json={"secret": "x"}, headers={"Origin": "http://attacker.example"}
            )
            assert response.status_code == 421, path


async def test_a_cross_origin_post_is_refused(browser_page, site: Site) -> None:
    approver, secret = site.passkeys.enroll("Dana", principal="local:dana")
    async with httpx.AsyncClient(base_url=site.base_url) as client:
        for origin in ("http://attacker.example", "null", None):
            headers = {"Origin": origin} if origin else {}
            response = await client.post("/enroll/options", json={"secret": secret}, headers=headers)
            assert response.status_code == 403 and "did not come from the enrollment page" in response.json()["error"]
    # In a browser, a page on another origin (here the same listener reached as 127.0.0.1) can only send a
    # "simple" cross-site POST: a JSON one needs a CORS preflight the server never grants. It changes nothing.
    await browser_page.goto(f"http://127.0.0.1:{site.port}/sign")
    status = await browser_page.evaluate(
        """async ([url, secret]) => {
        try {
            await fetch(url, {method: "POST", mode: "no-cors", body: JSON.stringify({secret})});
            return "sent";
        } catch (error) { return error.name; }
    }""",
        [f"{site.base_url}/enroll/options", secret],
    )
    assert status == "sent"
    with sqlite3.connect(site.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM webauthn_challenges").fetchone()[0] == 0
    assert site.passkeys.enrollment_state(secret) == "pending"


async def test_an_ip_address_origin_is_refused_with_the_localhost_hint(browser_page, site: Site) -> None:
    approver, secret = site.passkeys.enroll("Dana", principal="local:dana")
    await add_virtual_authenticator(browser_page)
    outcome = await enroll_in_browser(browser_page, f"http://127.0.0.1:{site.port}/enroll#{secret}")
    assert outcome == (
        f"Passkeys need a host name, not an IP address. Open the page at http://localhost:{site.port} instead."
    )
    assert site.passkeys.enrollment_state(secret) == "pending"


# Authentication ----------------------------------------------------------------------------------------------


async def test_the_enrolled_passkey_answers_a_challenge_once(browser_page, site: Site) -> None:
    await add_virtual_authenticator(browser_page)
    dana = await enrolled(site, browser_page)
    site.sign.approvers = site.passkeys.approvers_for("local:dana", PRM_READY, "Sandbox", ACTIONS)
    assert [a.approver_id for a in site.sign.approvers] == [dana.approver_id]
    answer = await sign(browser_page, site, subject="appr-0001")
    assert answer["status"] == 200 and answer["approver"] == "Dana" and answer["user_verified"] is True
    with sqlite3.connect(site.db_path) as db:
        sign_count, last_used = db.execute("SELECT sign_count, last_used_at FROM passkeys").fetchone()
    assert sign_count >= 1 and last_used is not None
    replayed = await browser_page.evaluate("() => post('/sign/verify', window.lastPost)")
    assert replayed == {
        "status": 400,
        "error": "This passkey request was already used or has expired. Reload the page and try again.",
    }


async def test_a_challenge_for_another_subject_is_refused_and_used_up(browser_page, site: Site) -> None:
    await add_virtual_authenticator(browser_page)
    site.sign.approvers = [await enrolled(site, browser_page)]
    answer = await sign(browser_page, site, subject="appr-0001", verifySubject="appr-0002")
    assert answer["status"] == 400 and "made for something else" in answer["error"]
    again = await browser_page.evaluate("() => post('/sign/verify', {...window.lastPost, subject: 'appr-0001'})")
    assert again["status"] == 400 and "already used" in again["error"]


async def test_an_expired_challenge_is_refused(browser_page, site: Site) -> None:
    await add_virtual_authenticator(browser_page)
    site.sign.approvers = [await enrolled(site, browser_page)]
    site.sign.passkeys = Passkeys(site.passkeys.db, challenge_ttl=timedelta(seconds=1))
    answer = await sign(browser_page, site, subject="appr-0001", delayMs=1500)
    assert answer["status"] == 400 and "already used or has expired" in answer["error"]


async def test_another_authenticators_passkey_is_refused(browser_page, site: Site) -> None:
    first = await add_virtual_authenticator(browser_page)
    site.sign.approvers = [await enrolled(site, browser_page)]
    cdp = await browser_page.context.new_cdp_session(browser_page)
    await cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    await add_virtual_authenticator(browser_page)  # another device, whose passkey is enrolled for someone else
    await enrolled(site, browser_page, name="Sam", principal="local:sam")
    assert (await sign(browser_page, site, subject="appr-0001")) == {"status": 0, "error": "NotAllowedError"}
    answer = await sign(browser_page, site, subject="appr-0001", allowAny=True)  # its own passkey, offered anyway
    assert answer == {"status": 400, "error": "This passkey is not enrolled for anyone who may decide this."}


async def test_a_signature_without_user_verification_is_refused(browser_page, site: Site) -> None:
    authenticator = await add_virtual_authenticator(browser_page)
    site.sign.approvers = [await enrolled(site, browser_page)]
    cdp = await browser_page.context.new_cdp_session(browser_page)
    await cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False})
    assert (await sign(browser_page, site, subject="appr-0001")) == {"status": 0, "error": "NotAllowedError"}
    answer = await sign(browser_page, site, subject="appr-0001", userVerification="discouraged")
    assert answer["status"] == 400 and "did not verify you" in answer["error"]


async def test_a_removed_approver_can_no_longer_be_asked(browser_page, site: Site) -> None:
    await add_virtual_authenticator(browser_page)
    dana = await enrolled(site, browser_page)
    assert site.passkeys.remove(dana.approver_id) and not site.passkeys.remove(dana.approver_id)
    with pytest.raises(PasskeyError, match="Nobody who may decide this has a passkey for localhost"):
        site.passkeys.authentication_options("appr-0001", [dana], site.base_url)
