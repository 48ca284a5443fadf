"""The loopback test site shared by tests/test_safe_fetch.py and tests/test_website_scan.py.

A real HTTP server on 127.0.0.1 serving the files in tests/sites/, plus a few routes that misbehave on
purpose (redirect chains and loops, a slow page, an endless page, error statuses, a page with no
Content-Type). Use the fixtures from a test module::

    from tests.sites_server import site_fixture, site_server_fixture  # noqa: F401 - pytest fixtures

That provides the fixtures ``site``, one server per test module with its request log emptied for each
test, and ``site_server`` underneath it. (The functions carry a suffix so that a test's ``site`` argument
does not shadow an imported name.)
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from agent.onboarding.website import ProposedField, WebsiteScan

SITES = Path(__file__).resolve().parent / "sites"
LOOPBACK = {"127.0.0.1"}


# ------------------------------------------------------------------------------------- the test site


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, SiteHandler)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.sent: dict[str, int] = {}

    @property
    def port(self) -> int:
        return self.server_address[1]

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


class SiteHandler(SimpleHTTPRequestHandler):
    """The files in tests/sites/, plus a few routes that misbehave on purpose."""

    server: SiteServer

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, directory=str(SITES), **kwargs)

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        path, _, query = self.path.partition("?")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        if path == "/redirect":
            return self._redirect(params["to"])
        if path.startswith("/chain/"):
            hops = int(path.rsplit("/", 1)[1])
            return self._redirect(str(hops - 1)) if hops > 0 else self._html((SITES / "index.html").read_bytes())
        if path == "/loop-a":
            return self._redirect("/loop-b")
        if path == "/loop-b":
            return self._redirect("/loop-a")
        if path == "/set-cookie":
            return self._redirect("/index.html", cookie="session=abc123; Path=/")
        if path == "/slow":
            time.sleep(8)
            with contextlib.suppress(OSError):  # the scanner has long hung up
                self._html(b"<title>Too late</title>")
            return None
        if path == "/endless":
            return self._endless()
        if path == "/declared-huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "50000000")
            self.end_headers()
            self.wfile.write(b"<html>" + b" " * 1024)
            return None
        if path.startswith("/status/"):
            return self.send_error(int(path.rsplit("/", 1)[1]))
        if path == "/no-content-type":
            body = b"<title>Untyped</title>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        if path == "/latin1":
            body = (
                '<title>M\u00fcller Cloud Beratung</title><meta property="og:description" content="Cloud-'
                'Beratung f\u00fcr den Mittelstand in M\u00fcnchen und Umgebung.">'
            ).encode("iso-8859-1")
            return self._html(body, content_type="text/html; charset=iso-8859-1")
        return super().do_GET()

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _html(self, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _endless(self) -> None:
        """An HTML page generated on the fly that never ends (no Content-Length): only a cap stops it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        chunk = b"<p>" + b"Larkspur filler text. " * 2900 + b"</p>\n"
        sent, stop_at = 0, time.monotonic() + 10
        try:
            while time.monotonic() < stop_at:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.server.sent["endless"] = sent


def serve(server: SiteServer) -> Iterator[SiteServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module", name="site_server")
def site_server_fixture() -> Iterator[SiteServer]:
    yield from serve(SiteServer(("127.0.0.1", 0)))


@pytest.fixture(name="site")
def site_fixture(site_server: SiteServer) -> SiteServer:
    """The module's test site, its request log emptied for this test."""
    site_server.requests.clear()
    return site_server


# ------------------------------------------------------------------------------------- reading a scan


def field(scan: WebsiteScan, name: str) -> ProposedField | None:
    return next((p for p in scan.proposal if p.field == name), None)


def values(scan: WebsiteScan) -> dict:
    return {p.field: p.value for p in scan.proposal}
