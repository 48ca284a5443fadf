"""The guarded fetch: a real loopback HTTP(S) server (tests/sites_server.py), the SSRF guard, redirects,
fetch failures, time limits, DNS, TLS.

No network beyond 127.0.0.1. Hosts other than loopback are either refused before any connection (the
``NoConnect`` transport fails the test if a request is attempted) or resolved by a patched
``socket.getaddrinfo`` and served by an in-memory transport.
"""

from __future__ import annotations

import datetime
import itertools
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.onboarding import safe_fetch
from agent.onboarding.safe_fetch import (
    FetchedPage,
    WebsiteFetchError,
    WebsiteRefused,
    fetch_page,
)
from agent.onboarding.website import scan_website
from tests.sites_server import (  # noqa: F401 - pytest fixtures
    LOOPBACK,
    SITES,
    SiteServer,
    field,
    serve,
    site_fixture,
    site_server_fixture,
    values,
)


class NoConnect(httpx.BaseTransport):
    """A transport that fails the test if the scanner tries to connect anywhere."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pytest.fail(f"the guard should have refused before connecting, but a request went to {request.url}")


class Recording(httpx.BaseTransport):
    """The real transport, recording every address it was asked to connect to."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport(retries=0)
        self.hosts: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]], once: bool = True) -> dict[str, int]:
    """Patch getaddrinfo: names in ``answers`` resolve to those addresses; others resolve for real. With
    ``once``, a second lookup of a name fails (the connection must be pinned to the first answer)."""
    real = socket.getaddrinfo
    lookups: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in answers:
            return real(host, port, *args, **kwargs)
        lookups[name] = lookups.get(name, 0) + 1
        if once and lookups[name] > 1:
            raise socket.gaierror(socket.EAI_NONAME, "second lookup: the connection was not pinned")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in answers[name]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


# -------------------------------------------------------------------------------- the SSRF guard


def test_loopback_is_refused_without_allow_hosts(site: SiteServer) -> None:
    with pytest.raises(WebsiteRefused, match=r"'127\.0\.0\.1' is a loopback address"):
        scan_website(f"http://127.0.0.1:{site.port}/index.html")
    assert site.requests == []  # refused before connecting


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:{port}/", r"'localhost' resolves to 127\.0\.0\.1, which is a loopback address"),
        ("http://[::1]:{port}/", r"'::1' is a loopback address"),
        (
            "http://[::ffff:127.0.0.1]/",
            r"'::ffff:127\.0\.0\.1' is a loopback address \(this machine\), as 127\.0\.0\.1 inside an IPv6",
        ),
        ("http://2130706433/", r"resolves to 127\.0\.0\.1, which is a loopback address"),
        ("http://0x7f.1/", r"resolves to 127\.0\.0\.1, which is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", r"link-local address \(this range holds cloud metadata"),
        ("http://0.0.0.0:{port}/", r"unspecified address"),
        ("http://10.0.0.8/", r"'10\.0\.0\.8' is a private network address"),
        ("http://192.168.1.20:8080/admin", r"'192\.168\.1\.20' is a private network address"),
        ("http://172.16.5.4/", r"private network address"),
        ("http://100.64.0.7/", r"shared address \(100\.64\.0\.0/10"),
        ("http://224.0.0.1/", r"multicast address"),
        ("http://[fe80::1]/", r"link-local address"),
        ("http://[fd00::1]/", r"private network address"),
        ("http://[fec0::1]/", r"'fec0::1' is a site-local address \(fec0::/10"),
        ("http://[fefe:1::5]:8080/", r"site-local address"),
        ("http://240.0.0.1/", r"reserved address"),
    ],
)
def test_non_public_addresses_are_refused_before_connecting(site: SiteServer, url: str, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(WebsiteRefused, match=reason) as refused:
        scan_website(url.format(port=site.port), allow_hosts=LOOPBACK, transport=NoConnect())
    assert "Only public internet addresses are scanned" in str(refused.value)
    assert refused.value.reason == "address"
    assert time.monotonic() - started < 5  # no connection attempt, no waiting on a timeout
    assert site.requests == []


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(
        monkeypatch,
        {"intranet.larkspur.test": ["10.20.30.40"], "mixed.larkspur.test": ["52.94.236.248", "192.168.0.9"]},
    )
    with pytest.raises(
        WebsiteRefused,
        match=r"'intranet\.larkspur\.test' resolves to 10\.20\.30\.40, which is a "
        r"private network address",
    ):
        scan_website("https://intranet.larkspur.test/", transport=NoConnect())
    # One public and one private answer: refused, because the connection could go to either.
    with pytest.raises(WebsiteRefused, match=r"resolves to 192\.168\.0\.9, which is a private network address"):
        scan_website("https://mixed.larkspur.test/", transport=NoConnect())


@pytest.mark.parametrize(
    ("url", "message", "reason"),
    [
        ("file:///etc/passwd", r"only http and https URLs are scanned, not file:", "scheme"),
        ("ftp://ftp.larkspur.example/brochure.pdf", r"only http and https URLs are scanned, not ftp:", "scheme"),
        ("gopher://larkspur.example:70/", r"only http and https URLs are scanned, not gopher:", "scheme"),
        ("javascript:alert(document.cookie)", r"only http and https URLs are scanned, not javascript:", "scheme"),
        ("data:text/html,<title>x</title>", r"only http and https URLs are scanned, not data:", "scheme"),
        (
            "https://admin:s3cret@www.larkspur.example/",
            r"URLs with credentials \(user:password@\) are not scanned",
            "credentials",
        ),
        ("http://evil.example@127.0.0.1/", r"URLs with credentials \(user:password@\) are not scanned", "credentials"),
        ("www.larkspur.example", r"the URL has no scheme", "scheme"),
        ("http:///index.html", r"the URL has no host name", "url"),
        ("http://[::1/", r"not a valid URL", "url"),
        ("https://larkspur.example/" + "a" * 2100, r"the URL is longer than 2048 characters", "url"),
    ],
)
def test_schemes_and_credentials_are_refused(url: str, message: str, reason: str) -> None:
    with pytest.raises(WebsiteRefused, match=message) as refused:
        scan_website(url, transport=NoConnect())
    assert refused.value.reason == reason  # callers branch on this, not on the message
    assert "s3cret" not in str(refused.value)  # credentials are never repeated back


def test_a_redirect_to_a_private_address_is_refused(site: SiteServer) -> None:
    target = f"http://127.0.0.1:{site.port}/index.html"
    with pytest.raises(WebsiteRefused, match=r"'127\.0\.0\.1' is a loopback address") as refused:
        scan_website(f"http://localhost:{site.port}/redirect?to={target}", allow_hosts={"localhost"})
    assert refused.value.reason == "redirect_address"  # listing 127.0.0.1 would not help: it is a redirect
    assert f"(redirected from http://localhost:{site.port}/redirect?to=" in str(refused.value)
    assert site.paths() == [f"/redirect?to={target}"]  # the second hop was never requested


def test_a_redirect_to_the_metadata_service_is_refused_before_connecting(site: SiteServer) -> None:
    transport = Recording()
    started = time.monotonic()
    with pytest.raises(WebsiteRefused, match=r"'169\.254\.169\.254' is a link-local address") as refused:
        scan_website(
            f"http://localhost:{site.port}/redirect?to=http://169.254.169.254/latest/meta-data/",
            allow_hosts={"LOCALHOST."},
            transport=transport,
        )
    assert refused.value.reason == "redirect_address"
    assert time.monotonic() - started < 5  # refused before connecting: no waiting on a timeout
    assert transport.hosts == ["127.0.0.1"]  # only the allowed first hop; 169.254.169.254 never dialled


def test_a_redirect_to_another_scheme_is_refused(site: SiteServer) -> None:
    with pytest.raises(
        WebsiteRefused, match=r"not file: \(redirected from http://127\.0\.0\.1:\d+/redirect"
    ) as refused:
        scan_website(f"http://127.0.0.1:{site.port}/redirect?to=file:///etc/passwd", allow_hosts=LOOPBACK)
    assert refused.value.reason == "scheme"


def test_relative_redirects_are_followed_up_to_the_limit(site: SiteServer) -> None:
    scan = scan_website(f"http://127.0.0.1:{site.port}/chain/3", allow_hosts=LOOPBACK, max_redirects=3)
    assert scan.final_url == f"http://127.0.0.1:{site.port}/chain/0"
    assert scan.requested_url == f"http://127.0.0.1:{site.port}/chain/3"
    assert values(scan)["DisplayName"] == "Larkspur Cloud Partners"

    with pytest.raises(WebsiteRefused, match=r"too many redirects \(more than 2\)"):
        scan_website(f"http://127.0.0.1:{site.port}/chain/3", allow_hosts=LOOPBACK, max_redirects=2)


def test_a_redirect_loop_is_refused(site: SiteServer) -> None:
    with pytest.raises(
        WebsiteRefused, match=r"too many redirects \(more than 5\) \(the redirects go round in a loop\)"
    ) as refused:
        scan_website(f"http://127.0.0.1:{site.port}/loop-a", allow_hosts=LOOPBACK)
    assert refused.value.reason == "redirects"
    assert len(site.requests) == 6


def html_page(title: str) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Type": "text/html"}, html=f"<title>{title}</title>")


def redirect(location: str) -> httpx.Response:
    return httpx.Response(302, headers={"Location": location})


def test_a_public_site_cannot_redirect_the_scan_to_an_allowed_private_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """allow_hosts lets the person scan their own intranet site; it is not a door any public page can open."""
    fake_dns(monkeypatch, {"public.example": ["93.184.216.34"], "intranet.corp": ["10.0.0.5"]})
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "93.184.216.34":
            return redirect("http://intranet.corp:8080/admin/keys")
        return html_page("Internal admin: root keys")

    with pytest.raises(
        WebsiteRefused,
        match=r"'intranet\.corp' resolves to 10\.0\.0\.5, which is a private network "
        r"address",
    ) as refused:
        scan_website("http://public.example/", allow_hosts=["intranet.corp"], transport=httpx.MockTransport(handler))
    assert refused.value.reason == "redirect_address"
    assert "(redirected from http://public.example/)" in str(refused.value)
    assert "an allowed host, but the allowance covers only the address asked for" in str(refused.value)
    assert seen == ["http://93.184.216.34/"]  # the intranet host was never contacted


def test_allow_hosts_covers_the_host_asked_for_on_any_port_and_its_own_redirects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(
        monkeypatch,
        {"intranet.corp": ["10.0.0.5"], "wiki.corp": ["10.0.0.6"], "public.example": ["93.184.216.34"]},
        once=False,
    )
    routes = {
        "http://10.0.0.5:8080/": lambda: redirect("https://intranet.corp/home"),
        "https://10.0.0.5/home": lambda: html_page("Intranet home"),
        "http://10.0.0.5:8080/to-wiki": lambda: redirect("http://wiki.corp/"),
        "http://10.0.0.5:8080/via-public": lambda: redirect("http://public.example/bounce"),
        "http://93.184.216.34/bounce": lambda: redirect("http://intranet.corp:8080/admin"),
        "http://10.0.0.6/": lambda: html_page("Wiki"),  # would be read if the guard let the redirect through
        "http://10.0.0.5:8080/admin": lambda: html_page("Admin"),
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return routes[str(request.url)]()

    transport = httpx.MockTransport(handler)
    allow = ["intranet.corp", "wiki.corp"]

    # The host asked for, on port 8080, then redirected to https on the same host: followed.
    scan = scan_website("http://intranet.corp:8080/", allow_hosts=allow, transport=transport)
    assert (scan.final_url, scan.title) == ("https://intranet.corp/home", "Intranet home")

    # Another host, though listed too, reached through a redirect: refused before connecting.
    seen.clear()
    with pytest.raises(WebsiteRefused, match=r"'wiki\.corp' resolves to 10\.0\.0\.6") as refused:
        scan_website("http://intranet.corp:8080/to-wiki", allow_hosts=allow, transport=transport)
    assert refused.value.reason == "redirect_address"
    assert seen == ["http://10.0.0.5:8080/to-wiki"]

    # A public hop in between ends the allowance: a public page cannot send the scan back inside.
    seen.clear()
    with pytest.raises(
        WebsiteRefused,
        match=r"\(redirected from http://public\.example/bounce\): the host "
        r"'intranet\.corp' resolves to 10\.0\.0\.5",
    ) as refused:
        scan_website("http://intranet.corp:8080/via-public", allow_hosts=allow, transport=transport)
    assert refused.value.reason == "redirect_address"
    assert seen == ["http://10.0.0.5:8080/via-public", "http://93.184.216.34/bounce"]


@pytest.mark.parametrize(
    ("entry", "url"),
    [
        ("bücher.example", "http://xn--bcher-kva.example:8080/"),
        ("Bücher.Example.", "http://BÜCHER.example/"),
        ("XN--BCHER-KVA.EXAMPLE", "http://bücher.example./"),
        ("http://xn--bcher-kva.example:8443/", "https://bücher.example/"),  # a URL or host:port entry: its host
        ("[FD00::0:1]", "http://[fd00::1]/"),
    ],
)
def test_allow_hosts_entries_and_url_hosts_are_compared_in_idna_form(
    monkeypatch: pytest.MonkeyPatch, entry: str, url: str
) -> None:
    fake_dns(monkeypatch, {"xn--bcher-kva.example": ["10.0.0.7"], "xn--bcher-kva.example.": ["10.0.0.7"]})
    scan = scan_website(url, allow_hosts=[entry], transport=httpx.MockTransport(lambda _: html_page("Bücherei")))
    assert scan.title == "Bücherei"


def test_the_connection_is_pinned_to_the_checked_address(site: SiteServer, monkeypatch: pytest.MonkeyPatch) -> None:
    lookups = fake_dns(monkeypatch, {"www.larkspurcloud.test": ["127.0.0.1"]})
    scan = scan_website(f"http://www.larkspurcloud.test:{site.port}/index.html", allow_hosts={"www.larkspurcloud.test"})

    assert values(scan)["DisplayName"] == "Larkspur Cloud Partners"
    assert lookups == {"www.larkspurcloud.test": 1}  # looked up once; a second lookup would have failed
    [(_, headers)] = site.requests
    assert headers["host"] == f"www.larkspurcloud.test:{site.port}"


def test_a_public_host_is_fetched_through_its_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"www.larkspurcloud.example": ["52.94.236.248"]})
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=(SITES / "og-only.html").read_bytes())

    page = fetch_page("https://www.larkspurcloud.example/about", transport=httpx.MockTransport(handler))

    assert isinstance(page, FetchedPage)
    assert (page.final_url, page.content_type) == ("https://www.larkspurcloud.example/about", "text/html")
    [request] = seen
    assert str(request.url) == "https://52.94.236.248/about"
    assert request.headers["host"] == "www.larkspurcloud.example"
    assert request.extensions["sni_hostname"] == "www.larkspurcloud.example"
    assert request.headers["user-agent"].startswith("partner-central-agent/")
    assert "cookie" not in request.headers and "authorization" not in request.headers


def test_no_cookies_are_kept_and_the_tool_says_who_it_is(site: SiteServer) -> None:
    scan_website(f"http://127.0.0.1:{site.port}/set-cookie", allow_hosts=LOOPBACK)
    [(first, first_headers), (second, second_headers)] = site.requests
    assert (first, second) == ("/set-cookie", "/index.html")
    assert "cookie" not in second_headers
    assert "authorization" not in first_headers and "authorization" not in second_headers
    assert "website profile scan" in first_headers["user-agent"]


# ----------------------------------------------------------------------------- fetch failures


def test_a_non_html_file_is_refused_naming_its_type(site: SiteServer) -> None:
    with pytest.raises(WebsiteFetchError, match=r"not an HTML page: the server sent 'application/pdf'") as error:
        scan_website(f"http://127.0.0.1:{site.port}/brochure.pdf", allow_hosts=LOOPBACK)
    assert not isinstance(error.value, WebsiteRefused)
    with pytest.raises(WebsiteFetchError, match=r"the server sent no Content-Type"):
        scan_website(f"http://127.0.0.1:{site.port}/no-content-type", allow_hosts=LOOPBACK)


def test_an_oversized_page_is_stopped_while_streaming(site: SiteServer) -> None:
    started = time.monotonic()
    with pytest.raises(WebsiteFetchError, match=r"is larger than the 200,000-byte limit; it was not read to the end"):
        scan_website(f"http://127.0.0.1:{site.port}/endless", allow_hosts=LOOPBACK, max_bytes=200_000, timeout=30)
    # The page streams for 10 s and the time limit is 30 s: only stopping at the cap gets here this soon.
    assert time.monotonic() - started < 5


def test_a_declared_oversized_page_is_refused_before_reading(site: SiteServer) -> None:
    with pytest.raises(WebsiteFetchError, match=r"declares 50,000,000 bytes, larger than the 2,000,000-byte limit"):
        scan_website(f"http://127.0.0.1:{site.port}/declared-huge", allow_hosts=LOOPBACK)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, r"answered HTTP 404 Not Found: the page does not exist; check the address"),
        (500, r"answered HTTP 500 Internal Server Error: the site had a server error"),
        (403, r"answered HTTP 403 Forbidden: the site refuses this reader"),
    ],
)
def test_error_statuses_are_reported(site: SiteServer, status: int, reason: str) -> None:
    with pytest.raises(WebsiteFetchError, match=reason):
        scan_website(f"http://127.0.0.1:{site.port}/status/{status}", allow_hosts=LOOPBACK)


def test_a_slow_site_times_out(site: SiteServer) -> None:
    started = time.monotonic()
    with pytest.raises(WebsiteFetchError, match=r"Timed out") as error:
        scan_website(f"http://127.0.0.1:{site.port}/slow", allow_hosts=LOOPBACK, timeout=1)
    assert not isinstance(error.value, WebsiteRefused)
    assert time.monotonic() - started < 5  # the site answers after 8 s


def test_dribbled_headers_cannot_outlast_the_time_limit() -> None:
    """The server sends its headers one byte every 0.2 s for about 20 s: each read succeeds well within any
    per-read timeout, so only a deadline over the whole exchange stops it. The scan gives up after about
    1 s and hangs up (the server sees the connection closed), and none of its threads is left running."""
    server = socket.create_server(("127.0.0.1", 0))
    hung_up_after: list[float] = []
    started = time.monotonic()

    def dribble() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(4096)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Pad: "
            try:
                for byte in itertools.chain(head, itertools.repeat(ord("a"), 60)):
                    connection.sendall(bytes([byte]))
                    time.sleep(0.2)
            except OSError:
                hung_up_after.append(time.monotonic() - started)

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        with pytest.raises(WebsiteFetchError) as error:
            fetch_page(f"http://127.0.0.1:{server.getsockname()[1]}/", allow_hosts=LOOPBACK, timeout=1)
        elapsed = time.monotonic() - started
        dribbler.join(10)
    finally:
        server.close()
    assert elapsed < 5, f"timeout=1 but the fetch took {elapsed:.1f} s"  # the headers take the server ~20 s
    assert "Timed out waiting for" in str(error.value) and not isinstance(error.value, WebsiteRefused)
    assert hung_up_after and hung_up_after[0] < 8, "the scan did not close the connection"
    scan_threads = [t for t in threading.enumerate() if t.name.startswith("website-scan")]
    for thread in scan_threads:
        thread.join(2)
    assert not [t.name for t in scan_threads if t.is_alive()]


@pytest.fixture
def hung_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """getaddrinfo for 'hung.example' blocks until the event is set (at the latest when the test ends);
    'www.larkspurcloud.example' answers at once with a public address."""
    release = threading.Event()
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "hung.example":
            release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if host == "www.larkspurcloud.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("52.94.236.248", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield release
    release.set()


def _dns_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "website-scan-dns"]


def test_hung_dns_lookups_do_not_stall_later_scans(hung_dns: threading.Event) -> None:
    started = time.monotonic()
    errors = []
    for _ in range(6):  # more than any small fixed pool of resolver threads
        with pytest.raises(WebsiteFetchError) as error:
            scan_website("https://hung.example/", timeout=0.3, transport=NoConnect())
        errors.append(str(error.value))
    assert time.monotonic() - started < 10  # each gave up at its own deadline

    scan = scan_website(
        "https://www.larkspurcloud.example/", timeout=3, transport=httpx.MockTransport(lambda _: html_page("Larkspur"))
    )
    assert scan.title == "Larkspur"
    assert all(e.startswith("DNS lookup timed out for the host 'hung.example'") for e in errors), errors

    # A hung lookup holds only its own thread, which ends when the resolver gives up.
    hung_dns.set()
    for thread in _dns_threads():
        thread.join(5)
    assert _dns_threads() == []


def test_when_hung_lookups_hold_every_dns_slot_a_new_lookup_fails_fast(
    hung_dns: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe_fetch, "_DNS_SLOTS", threading.BoundedSemaphore(2))
    for _ in range(2):
        with pytest.raises(WebsiteFetchError, match=r"DNS lookup timed out .*the name server did not answer"):
            scan_website("https://hung.example/", timeout=0.3, transport=NoConnect())

    started = time.monotonic()
    with pytest.raises(
        WebsiteFetchError,
        match=r"DNS lookup timed out for the host 'www\.larkspurcloud\.example': "
        r"too many earlier host name lookups are still waiting",
    ):
        scan_website("https://www.larkspurcloud.example/", timeout=60, transport=NoConnect())
    assert time.monotonic() - started < 10  # a short wait for a free slot, not the 60 s limit

    hung_dns.set()  # the resolver gives up on the hung lookups: their slots come back
    for thread in _dns_threads():
        thread.join(5)
    scan = scan_website("https://www.larkspurcloud.example/", transport=httpx.MockTransport(lambda _: html_page("Ok")))
    assert scan.title == "Ok"


def test_the_declared_charset_is_used(site: SiteServer) -> None:
    scan = scan_website(f"http://127.0.0.1:{site.port}/latin1", allow_hosts=LOOPBACK)
    assert scan.title == "Müller Cloud Beratung"
    assert values(scan)["Description"] == "Cloud-Beratung für den Mittelstand in München und Umgebung."


# -------------------------------------------------------------------------------------------- TLS


def _certificates(tmp_path: Path, *leaf_names: str) -> tuple[str, list[Path]]:
    """A throwaway CA, and one server certificate (cert+key file) per DNS name, with no IP addresses."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    valid = {"not_valid_before": now - datetime.timedelta(hours=1), "not_valid_after": now + datetime.timedelta(days=1)}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Website scan test CA")])
    ca = (
        x509.CertificateBuilder(
            subject_name=ca_name,
            issuer_name=ca_name,
            public_key=ca_key.public_key(),
            serial_number=x509.random_serial_number(),
            **valid,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    bundles = []
    for name in leaf_names:
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder(
                subject_name=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]),
                issuer_name=ca_name,
                public_key=key.public_key(),
                serial_number=x509.random_serial_number(),
                **valid,
            )
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        bundle = tmp_path / f"{name}.pem"
        bundle.write_bytes(
            leaf.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        bundles.append(bundle)
    return ca.public_bytes(serialization.Encoding.PEM).decode(), bundles


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[SiteServer, list[str], dict[str, str]]]:
    """The test site over HTTPS on 127.0.0.1. One CA signs two certificates: one for 'localhost' and one for
    another name; ``settings["serve"]`` picks which the server presents."""
    ca_pem, bundles = _certificates(tmp_path, "localhost", "www.someone-else.example")
    contexts = {}
    for which, bundle in zip(("localhost", "other"), bundles, strict=True):
        contexts[which] = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        contexts[which].load_cert_chain(bundle)
    settings = {"serve": "localhost", "ca": ca_pem}
    sni: list[str] = []

    def choose(sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        sni.append(name or "")
        sock.context = contexts[settings["serve"]]

    contexts["localhost"].sni_callback = choose
    server = SiteServer(("127.0.0.1", 0))
    server.socket = contexts["localhost"].wrap_socket(server.socket, server_side=True)
    for running in serve(server):
        yield running, sni, settings


def test_https_is_pinned_and_the_certificate_is_checked_against_the_real_host(tls_site) -> None:
    server, sni, settings = tls_site
    trust = ssl.create_default_context(cadata=settings["ca"])

    # The connection goes to 127.0.0.1, but TLS is checked for 'localhost': the certificate has no IP address,
    # so this only succeeds because the real host name is used for SNI and verification.
    scan = scan_website(
        f"https://localhost:{server.port}/plain.html",
        allow_hosts={"localhost"},
        transport=httpx.HTTPTransport(verify=trust, retries=0),
    )
    assert sni == ["localhost"]
    assert server.requests[0][1]["host"] == f"localhost:{server.port}"
    assert field(scan, "WebsiteUrl").model_dump() == {
        "field": "WebsiteUrl",
        "value": f"https://localhost:{server.port}/plain.html",
        "source": "the scanned page's address",
        "confidence": "high",
    }
    assert values(scan)["DisplayName"] == "Brookvale IT"
    assert values(scan)["PrimarySolutionType"] == "TRAINING_SERVICES"

    # A certificate from the same trusted CA but for another name is refused: the host name is checked.
    settings["serve"] = "other"
    with pytest.raises(
        WebsiteFetchError,
        match=r"TLS certificate of 'localhost' could not be verified .*"
        r"Hostname mismatch",
    ):
        scan_website(
            f"https://localhost:{server.port}/plain.html",
            allow_hosts={"localhost"},
            transport=httpx.HTTPTransport(verify=trust, retries=0),
        )


def test_the_default_transport_pins_https_and_checks_the_certificate_of_the_real_host(
    tls_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same checks through the scanner's own transport (the one the tool uses), trusting the test CA
    the way any deployment can: SSL_CERT_FILE."""
    server, sni, settings = tls_site
    (tmp_path / "ca.pem").write_text(settings["ca"])
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))

    scan = scan_website(f"https://localhost:{server.port}/plain.html", allow_hosts={"localhost"}, timeout=5)
    assert values(scan)["DisplayName"] == "Brookvale IT"
    assert sni == ["localhost"]

    settings["serve"] = "other"
    with pytest.raises(
        WebsiteFetchError,
        match=r"TLS certificate of 'localhost' could not be verified .*"
        r"Hostname mismatch",
    ):
        scan_website(f"https://localhost:{server.port}/plain.html", allow_hosts={"localhost"}, timeout=5)
