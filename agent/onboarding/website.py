"""Scan a company website and propose Partner Central profile fields for the person to review.

Read-only and guarded. ``fetch_page`` fetches one HTML page behind an SSRF guard: http(s) only, no
credentials in the URL, every resolved address must be public (unless it is the host that was asked for
and that host is explicitly allowed), the connection is pinned to the address that was checked, redirects
are followed by hand and checked again on every hop, one deadline covers the whole exchange, and the
size is capped. ``propose_profile`` is pure parsing: it reads JSON-LD, OpenGraph, meta tags, the title,
icons and the visible text, and proposes at most the seven profile fields below, every value validated
against the Partner Central API's limits.

The page is data, never instructions: text that looks like instructions to an AI is never used as a
value, and a note says it was there. Nothing here writes anything; the person approves a profile update
through the usual approval flow.

>>> scan = propose_profile('<title>Acme Cloud | Home</title>', "https://acme.example/")
>>> [(f.field, f.value) for f in scan.proposal]
[('DisplayName', 'Acme Cloud'), ('WebsiteUrl', 'https://acme.example/')]
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import socket
import threading
import time
import unicodedata
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from importlib import metadata
from typing import Annotated, Any, Literal

import httpcore
import httpx
from bs4 import BeautifulSoup, Comment, Tag
from bs4.dammit import UnicodeDammit
from pydantic import BaseModel, Field, TypeAdapter, model_validator

from agent.models.account import (
    HeadquartersLocation,
    HttpsUrl,
    IndustrySegment,
    SolutionType,
    Text80,
    Text600,
)
from agent.onboarding.countries import country_code, subdivision_code

__all__ = [
    "FetchedPage",
    "ProposedField",
    "RefusalReason",
    "WebsiteFetchError",
    "WebsiteRefused",
    "WebsiteScan",
    "fetch_page",
    "propose_profile",
    "scan_website",
]

ProfileFieldName = Literal[
    "DisplayName", "Description", "WebsiteUrl", "LogoUrl", "PrimarySolutionType", "IndustrySegments",
    "Headquarters",
]
Confidence = Literal["high", "medium", "low"]

_ADAPTERS: dict[str, TypeAdapter] = {
    "DisplayName": TypeAdapter(Text80),
    "Description": TypeAdapter(Text600),
    "WebsiteUrl": TypeAdapter(HttpsUrl),
    "LogoUrl": TypeAdapter(HttpsUrl),
    "PrimarySolutionType": TypeAdapter(SolutionType),
    "IndustrySegments": TypeAdapter(Annotated[list[IndustrySegment], Field(min_length=1, max_length=3)]),
    "Headquarters": TypeAdapter(HeadquartersLocation),
}


# --------------------------------------------------------------------------------------------- models


class ProposedField(BaseModel):
    """One profile field proposed from the website, with where it came from. The person reviews it;
    the value is always valid for the Partner Central API (checked when the object is built)."""

    field: ProfileFieldName = Field(description="The Partner Central profile field this value is for.")
    value: Any = Field(description="The proposed value, valid for the Partner Central API.")
    source: str = Field(description="Where on the page the value came from.")
    confidence: Confidence = Field(description="How sure the scan is: high (declared by the site), medium, low (inferred).")

    @model_validator(mode="after")
    def _within_api_limits(self) -> ProposedField:
        value = _ADAPTERS[self.field].validate_python(self.value)
        self.value = value.api_dict() if isinstance(value, HeadquartersLocation) else value
        return self


class WebsiteScan(BaseModel):
    """What a website scan proposes for the partner profile, and notes on what it could not fill."""

    requested_url: str = Field(description="The URL that was asked for.")
    final_url: str = Field(description="The page that was read, after redirects.")
    title: str | None = Field(description="The page's <title>, if it has a usable one.")
    proposal: list[ProposedField] = Field(description="Proposed profile fields, in a fixed order; only these.")
    notes: list[str] = Field(description="Fields that could not be filled and why, truncations, warnings.")


class WebsiteFetchError(Exception):
    """The page could not be fetched or read; the message says what went wrong and what to do."""


RefusalReason = Literal["url", "scheme", "credentials", "address", "redirect_address", "redirects"]


class WebsiteRefused(WebsiteFetchError):
    """The safety guard refused the URL. ``reason`` says which rule, so callers need not parse the message:

    - ``"url"``: not a usable URL (unparsable, longer than 2048 characters, no host name);
    - ``"scheme"``: no scheme, or not http/https (file:, ftp:, javascript:, data:, ...);
    - ``"credentials"``: the URL carries user:password@;
    - ``"address"``: the host that was asked for is, or resolves to, a non-public address (loopback,
      private, link-local, site-local, ...). Listing the host in ``allow_hosts`` would let it through;
    - ``"redirect_address"``: a redirect leads to a non-public address. ``allow_hosts`` does not help here:
      it covers only the host asked for, never a host reached through a redirect; give that address itself;
    - ``"redirects"``: too many redirects, or a loop.

    The url, scheme and credentials rules apply to redirect targets too, with the same reasons.
    """

    def __init__(self, message: str, *, reason: RefusalReason) -> None:
        super().__init__(message)
        self.reason: RefusalReason = reason


@dataclass(frozen=True)
class FetchedPage:
    """An HTML page as fetched: where it ended up, its text and its media type."""

    final_url: str
    html: str
    content_type: str


# ------------------------------------------------------------------------------------------- fetching

try:
    _VERSION = metadata.version("partner-central-agent")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    _VERSION = "0"
USER_AGENT = f"partner-central-agent/{_VERSION} (website profile scan; read-only)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_MAX_URL_LENGTH = 2048
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Host name lookups in flight at once, hung ones included: each runs in its own short-lived thread (see
# ``_getaddrinfo``), and this bounds how many threads a resolver that never answers can hold.
_DNS_SLOTS = threading.BoundedSemaphore(16)
_DNS_SLOT_WAIT = 1.0  # seconds a lookup waits for a free slot before failing

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def scan_website(
    url: str,
    *,
    allow_hosts: Collection[str] = (),
    timeout: float = 10.0,
    max_bytes: int = 2_000_000,
    max_redirects: int = 5,
    transport: httpx.BaseTransport | None = None,
) -> WebsiteScan:
    """Fetch ``url`` (guarded, see ``fetch_page``) and propose profile fields from it.

    Raises ``WebsiteRefused`` when the guard refuses the URL and ``WebsiteFetchError`` when the page
    cannot be fetched or is not HTML.
    """
    page = fetch_page(url, allow_hosts=allow_hosts, timeout=timeout, max_bytes=max_bytes,
                      max_redirects=max_redirects, transport=transport)
    scan = propose_profile(page.html, page.final_url)
    return scan.model_copy(update={"requested_url": url})


def fetch_page(
    url: str,
    *,
    allow_hosts: Collection[str] = (),
    timeout: float = 10.0,
    max_bytes: int = 2_000_000,
    max_redirects: int = 5,
    transport: httpx.BaseTransport | None = None,
) -> FetchedPage:
    """GET one HTML page behind the SSRF guard.

    Every hop: http(s) only, no credentials, all resolved addresses public; the connection goes to the
    checked address (Host header and TLS name stay the original host).

    ``allow_hosts`` lists hosts that may resolve to non-public addresses (an intranet site). It applies
    only to the host of ``url`` itself, on any port (intranet sites often use 8080), and to redirects
    that stay on that same host; a redirect to any other host must be public, even if that host is listed
    (a public page cannot send the scan into the intranet). Entries and URL hosts are compared as IDNA
    (punycode), lower case, without a trailing dot: ``bücher.example`` matches ``xn--bcher-kva.example``.

    ``timeout`` is one deadline for the whole exchange: DNS, connect, TLS, headers, body, every redirect.
    With the default transport it is enforced on the socket (each connect, handshake, read and write gets
    at most the time left, however slowly the server dribbles its bytes), so the call returns within about
    ``timeout`` and the connection is closed. The body is capped at ``max_bytes`` while streaming.
    ``transport`` replaces the network layer (tests, custom TLS trust); it gets the time left as its
    per-operation timeouts and the deadline is checked between steps, but it must bound its own reads.
    """
    deadline = time.monotonic() + timeout
    allowed = {_host_key(host) for host in allow_hosts}
    own_transport = transport is None
    if transport is None:
        transport = _DeadlineTransport(deadline)
    try:
        current, previous = _checked_url(url), None
        # allow_hosts covers the host asked for, and only while the redirects stay on that host.
        trusted = _url_host(current) in allowed
        visited = [str(current)]
        redirects = 0
        while True:
            addresses = _resolve(current, deadline, trusted=trusted, listed=_url_host(current) in allowed,
                                 redirected_from=previous)
            response = _send(transport, current, addresses, timeout, deadline)
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    target = _redirect_target(response, current)
                    redirects += 1
                    if redirects > max_redirects:
                        loop = " (the redirects go round in a loop)" if str(target) in visited else ""
                        raise WebsiteRefused(
                            f"Refused {_shown(url)}: too many redirects (more than {max_redirects}){loop}. "
                            "Give the address of the page the site finally shows, e.g. its home page.",
                            reason="redirects")
                    visited.append(str(target))
                    trusted = trusted and _url_host(target) == _url_host(current)
                    current, previous = target, current
                    continue
                _check_status(response, current)
                content_type = _checked_content_type(response, current)
                body = _read_capped(response, current, max_bytes, deadline)
            finally:
                response.close()
            return FetchedPage(final_url=str(current), html=_decode(body, response), content_type=content_type)
    finally:
        if own_transport:
            transport.close()


# The default transport: httpx over httpcore's own connection pool, with a network backend that holds every
# socket operation to the fetch's deadline. (httpx's HTTPTransport takes no network backend, so this is the
# few lines of it that matter here, on the public APIs of both libraries.)

_HTTPCORE_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Any:
    try:
        yield
    except Exception as exc:
        for source, target in _HTTPCORE_ERRORS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


def _time_left(deadline: float, timeout: float | None, error: type[Exception]) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the time limit for the whole fetch has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(self._deadline, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(self._deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        try:
            left = _time_left(self._deadline, timeout, httpcore.ConnectTimeout)
        except httpcore.ConnectTimeout:
            self._stream.close()
            raise
        # The handshake as a whole is bounded by the socket timeout (CPython's do_handshake uses a deadline).
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: float) -> None:
        self._deadline, self._backend = deadline, httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        left = _time_left(self._deadline, timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("the website scan does not use Unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Body(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    def __iter__(self) -> Any:
        with _as_httpx_errors():
            yield from self._response.iter_stream()

    def close(self) -> None:
        with _as_httpx_errors():
            self._response.close()


class _DeadlineTransport(httpx.BaseTransport):
    """No proxies from the environment, no keep-alive, no retries, certificates checked (certifi's roots,
    as httpx does by default), and the deadline on every socket operation."""

    def __init__(self, deadline: float) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_keepalive_connections=0, retries=0,
            network_backend=_DeadlineBackend(deadline))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host, port=request.url.port,
                             target=request.url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        with _as_httpx_errors():
            response = self._pool.handle_request(core_request)
        return httpx.Response(status_code=response.status, headers=response.headers, stream=_Body(response),
                              extensions=response.extensions)

    def close(self) -> None:
        with _as_httpx_errors():
            self._pool.close()


def _shown(url: str | httpx.URL) -> str:
    """A URL safe to repeat in a message: no credentials, not too long."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url).strip())
        text = str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else str(parsed)
    except (httpx.InvalidURL, TypeError, ValueError):
        text = "the URL" if "@" in str(url) else repr(str(url))
    return text if len(text) <= 120 else text[:117] + "..."


def _normalise_host(host: str) -> str:
    return host.strip().strip("[]").lower().rstrip(".")


def _canonical_host(host: str) -> str:
    """An ASCII host name or IP address in the one form hosts are compared in."""
    name = _normalise_host(host)
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def _url_host(url: httpx.URL) -> str:
    """The URL's host as compared with ``allow_hosts``: IDNA (punycode), lower case, no trailing dot."""
    return _canonical_host(url.raw_host.decode("ascii"))


def _host_key(entry: str) -> str:
    """An ``allow_hosts`` entry in the form of ``_url_host``: 'Bücher.Example.' -> 'xn--bcher-kva.example'.
    A port or path in the entry is ignored; an entry that is not a host name can match nothing real."""
    text = entry.strip()
    try:
        return _url_host(httpx.URL(text if "://" in text else f"http://{text}/"))
    except (httpx.InvalidURL, UnicodeError, ValueError, TypeError):
        return _canonical_host(text)


def _checked_url(raw: str | httpx.URL, redirected_from: httpx.URL | None = None) -> httpx.URL:
    """The URL parsed, or WebsiteRefused naming the rule it breaks (scheme, credentials, host)."""
    via = f" (redirected from {_shown(redirected_from)})" if redirected_from is not None else ""
    if isinstance(raw, str) and len(raw) > _MAX_URL_LENGTH:
        raise WebsiteRefused(f"Refused: the URL is longer than {_MAX_URL_LENGTH} characters{via}.", reason="url")
    try:
        url = raw if isinstance(raw, httpx.URL) else httpx.URL(raw.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise WebsiteRefused(f"Refused {_shown(raw)}: not a valid URL ({exc}){via}. "
                             "Give the full address, e.g. https://www.example.com/.", reason="url") from None
    if url.scheme not in ("http", "https"):
        if not url.scheme:
            raise WebsiteRefused(f"Refused {_shown(raw)}: the URL has no scheme{via}. "
                                 "Give the full address, e.g. https://www.example.com/.", reason="scheme")
        raise WebsiteRefused(f"Refused {_shown(url)}: only http and https URLs are scanned, "
                             f"not {url.scheme}:{via}. Give the company's public web address.", reason="scheme")
    if url.userinfo:
        raise WebsiteRefused(f"Refused {_shown(url)}: URLs with credentials (user:password@) are not "
                             f"scanned{via}. Give the public address without a user name or password.",
                             reason="credentials")
    if not url.host:
        raise WebsiteRefused(f"Refused {_shown(url)}: the URL has no host name{via}.", reason="url")
    return url.copy_with(fragment=None)


def _redirect_target(response: httpx.Response, current: httpx.URL) -> httpx.URL:
    location = response.headers.get("location", "").strip()
    if not location:
        raise WebsiteFetchError(f"{_shown(current)} answered HTTP {response.status_code} (a redirect) "
                                "without saying where to; give the address of the page itself.")
    try:
        target = current.join(location)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise WebsiteRefused(f"Refused a redirect from {_shown(current)} to an invalid URL.", reason="url") from None
    return _checked_url(target, redirected_from=current)


def _address_problem(address: IPAddress) -> str | None:
    """Why ``address`` is not a public internet address, or None if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            problem = _address_problem(embedded)
            if problem:
                return f"{problem}, as {embedded} inside an IPv6 address"
    if address.is_unspecified:
        return "unspecified address (it means this machine)"
    if address.is_loopback:
        return "loopback address (this machine)"
    if address.is_link_local:
        return "link-local address (this range holds cloud metadata services such as 169.254.169.254)"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local address (fec0::/10, a deprecated private range)"
    if address.is_multicast:
        return "multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED_ADDRESS_SPACE:
        return "shared address (100.64.0.0/10, carrier-grade NAT)"
    if address.is_reserved:
        return "reserved address"
    if address.is_private:
        return "private network address"
    if not address.is_global:
        return "address that is not publicly routable"
    return None


def _resolve(url: httpx.URL, deadline: float, *, trusted: bool, listed: bool,
             redirected_from: httpx.URL | None = None) -> list[IPAddress]:
    """Every address the host resolves to, in resolver order; refused if any is not public, unless the
    host is ``trusted`` (allowed, and the host that was asked for). ``listed``: it is in allow_hosts."""
    via = f" (redirected from {_shown(redirected_from)})" if redirected_from is not None else ""
    reason: RefusalReason = "address" if redirected_from is None else "redirect_address"
    host = url.raw_host.decode("ascii")
    name = _normalise_host(host)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = _getaddrinfo(host.strip("[]"), port, name, deadline)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise WebsiteFetchError(f"Could not find the host {name!r} ({getattr(exc, 'strerror', None) or exc}). "
                                "Check the spelling of the domain.") from None
    addresses: list[IPAddress] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            raise WebsiteRefused(f"Refused {_shown(url)}{via}: {name!r} resolved to an address that could "
                                 "not be checked.", reason=reason) from None
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise WebsiteFetchError(f"Could not find any address for the host {name!r}.")
    if trusted:
        return addresses
    for address in addresses:
        problem = _address_problem(address)
        if problem:
            what = "is" if _same_address(name, address) else f"resolves to {address}, which is"
            if redirected_from is None:
                advice = "Give the company's public website address."
            elif listed:
                advice = (f"{name!r} is an allowed host, but the allowance covers only the address asked for "
                          "and redirects that stay on its host, never a redirect from another host. To scan "
                          f"{name!r}, give the address of the page wanted on it.")
            else:
                advice = ("A redirect may only lead to a public address; give the company's public website "
                          "address.")
            raise WebsiteRefused(
                f"Refused {_shown(url)}{via}: the host {name!r} {what} a {problem}. Only public internet "
                f"addresses are scanned, to protect this server and its network. {advice}", reason=reason)
    return addresses


def _getaddrinfo(host: str, port: int, name: str, deadline: float) -> list[Any]:
    """``socket.getaddrinfo`` in a fresh daemon thread, waited for until the deadline at most.

    A lookup that hangs keeps only its own thread, which ends when the resolver gives up, and one of the
    ``_DNS_SLOTS``; it never holds up later scans. Only if every slot is held by a hung lookup does a new
    lookup fail, quickly, saying so.
    """
    slots = _DNS_SLOTS  # the one this lookup releases, even if the module's is replaced meanwhile
    if not slots.acquire(timeout=max(0.0, min(_DNS_SLOT_WAIT, deadline - time.monotonic()))):
        raise WebsiteFetchError(f"DNS lookup timed out for the host {name!r}: too many earlier host name "
                                "lookups are still waiting for the name server. Try again in a minute.")
    outcome: list[Any] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, which raises it
            outcome.append(exc)
        finally:
            slots.release()
            done.set()

    try:
        threading.Thread(target=lookup, name="website-scan-dns", daemon=True).start()
    except RuntimeError:  # cannot start a thread: the slot was never handed over
        slots.release()
        raise WebsiteFetchError(f"Could not look up the host {name!r} now; try again later.") from None
    if not done.wait(max(0.0, deadline - time.monotonic())):
        raise WebsiteFetchError(f"DNS lookup timed out for the host {name!r}: the name server did not answer "
                                "within the time limit. Check the domain, or try again later.")
    result = outcome[0]
    if isinstance(result, Exception):
        raise result
    return result


def _same_address(name: str, address: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(name) == address
    except ValueError:
        return False


def _remaining(deadline: float, url: httpx.URL) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise WebsiteFetchError(f"Timed out fetching {_shown(url)}; the site is too slow. Try again later "
                                "or give another page of the site.")
    return left


def _send(transport: httpx.BaseTransport, url: httpx.URL, addresses: list[IPAddress], timeout: float,
          deadline: float) -> httpx.Response:
    """GET ``url`` from the first checked address that accepts a connection (no new DNS lookup)."""
    host = url.raw_host.decode("ascii")
    headers = {
        "Host": url.netloc.decode("ascii"),
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        "Accept-Language": "en",
        "Accept-Encoding": "identity",
        "Connection": "close",
    }
    failures: list[str] = []
    for address in addresses:
        limit = min(timeout, _remaining(deadline, url))
        extensions: dict[str, Any] = {"timeout": {"connect": limit, "read": limit, "write": limit, "pool": limit}}
        if url.scheme == "https":
            extensions["sni_hostname"] = host.rstrip(".")  # TLS name and certificate check: the real host
        request = httpx.Request("GET", url.copy_with(host=str(address)), headers=headers, extensions=extensions)
        try:
            return transport.handle_request(request)
        except httpx.TimeoutException:
            raise WebsiteFetchError(f"Timed out waiting for {_shown(url)} (limit {timeout:g} s); the site is "
                                    "too slow or unreachable. Check the address, or try again later.") from None
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate" in str(exc).lower():
                raise WebsiteFetchError(f"The TLS certificate of {host!r} could not be verified ({exc}). "
                                        "The page was not read; check the address, or ask the site owner "
                                        "to fix its certificate.") from None
            failures.append(f"{address}: {exc}")
        except httpx.TransportError as exc:
            raise WebsiteFetchError(f"Could not fetch {_shown(url)}: {type(exc).__name__}: {exc}.") from None
    raise WebsiteFetchError(f"Could not connect to {_shown(url)} ({'; '.join(failures)}). Check that the "
                            "site is up and the address is right.")


def _check_status(response: httpx.Response, url: httpx.URL) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    what = {
        401: "the page needs a login; give a public page of the site",
        403: "the site refuses this reader; give another public page, or fill in the profile by hand",
        404: "the page does not exist; check the address",
        410: "the page is gone; check the address",
        429: "the site is rate limiting; try again in a few minutes",
    }.get(status)
    if what is None:
        what = ("the site had a server error; try again later or give another page" if status >= 500
                else "give the address of a public HTML page of the site")
    reason = response.reason_phrase or ""
    raise WebsiteFetchError(f"{_shown(url)} answered HTTP {status} {reason}".rstrip() + f": {what}.")


def _checked_content_type(response: httpx.Response, url: httpx.URL) -> str:
    header = response.headers.get("content-type", "")
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type in _HTML_TYPES:
        return media_type
    received = f"'{media_type}'" if media_type else "no Content-Type"
    raise WebsiteFetchError(f"{_shown(url)} is not an HTML page: the server sent {received}, and only "
                            "text/html or application/xhtml+xml pages are scanned. Give the address of "
                            "the company's home page.")


def _read_capped(response: httpx.Response, url: httpx.URL, max_bytes: int, deadline: float) -> bytes:
    """The body, read in chunks and abandoned as soon as it passes ``max_bytes`` (decoded size)."""
    too_big = (f"{_shown(url)} is larger than the {max_bytes:,}-byte limit; it was not read to the end. "
               "Give a lighter page of the site, such as its home or about page.")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > max_bytes:
            raise WebsiteFetchError(too_big.replace("is larger", f"declares {int(declared):,} bytes, larger"))
        decompressor = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | (16 if "gzip" in encoding else 32))
    else:
        raise WebsiteFetchError(f"{_shown(url)} was sent with an unsupported Content-Encoding '{encoding}'.")
    if response.is_stream_consumed:  # a transport that hands back a body already in memory
        if len(response.content) > max_bytes:
            raise WebsiteFetchError(too_big)
        return response.content
    body = bytearray()
    try:
        for chunk in response.iter_raw():
            if decompressor is not None:
                chunk = decompressor.decompress(chunk, max_bytes - len(body) + 1)
                if decompressor.unconsumed_tail:
                    raise WebsiteFetchError(too_big)
            body.extend(chunk)
            if len(body) > max_bytes:
                raise WebsiteFetchError(too_big)
            _remaining(deadline, url)
    except httpx.TimeoutException:
        raise WebsiteFetchError(f"Timed out reading {_shown(url)}; the site is too slow. Try again later.") from None
    except httpx.TransportError as exc:
        raise WebsiteFetchError(f"The connection broke while reading {_shown(url)}: {exc}. Try again.") from None
    except zlib.error:
        raise WebsiteFetchError(f"{_shown(url)} sent a body that could not be decompressed.") from None
    return bytes(body)


def _decode(body: bytes, response: httpx.Response) -> str:
    """The page as text: the charset the server declared, else what the page itself declares or looks like."""
    charset = response.charset_encoding
    known = [charset] if charset else []
    text = UnicodeDammit(body, known_definite_encodings=known, is_html=True).unicode_markup
    return text if text is not None else body.decode("utf-8", errors="replace")


# -------------------------------------------------------------------------------------------- parsing

_ORGANIZATION_TYPES = frozenset({
    "organization", "corporation", "localbusiness", "professionalservice", "onlinebusiness", "onlinestore",
    "ngo", "educationalorganization", "governmentorganization", "medicalorganization", "store",
    "newsmediaorganization", "researchorganization", "consortium", "airline", "sportsorganization",
    "workersunion",
})
_PRODUCT_TYPES = frozenset({"softwareapplication", "webapplication", "mobileapplication", "product", "service"})
_SITE_TYPES = frozenset({"website"})

_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
                   "head", "select", "option", "datalist")
_SCANNED_INVISIBLE_TAGS = frozenset({"noscript", "template"})
_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|opacity\s*:\s*0*(?:\.0*)?\s*(?:;|$|!)"
    r"|font-size\s*:\s*0*(?:\.0*)?(?:px|em|rem|pt|%|vw|vh)?\s*(?:;|$|!))",
    re.IGNORECASE,
)
_HIDDEN_CLASSES = frozenset({"hidden", "d-none", "invisible", "sr-only", "visually-hidden", "screen-reader-text"})
_BLOCK_TAGS = ("p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "li", "ul", "ol",
               "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "table", "blockquote",
               "figcaption", "figure", "address", "br", "hr", "form", "label", "button", "pre", "body")
_BLOCK = "\x1e"

# Phrases that address an AI or try to steer it. Tight on purpose: marketing copy ("AI agents, set up in
# minutes", "cost visibility across public cloud") must not match; a miss only drops a candidate value.
_INSTRUCTION_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|"
    r"all|any|your|system|existing|other)\b[^.!?\n]{0,20}?\b(?:instructions?|prompts?|directions|rules|"
    r"guidelines|directives)\b",
    r"\byou\s+are\s+(?:now\s+)?an?\s+(?:ai|artificial\s+intelligence|language\s+model|llm|assistant|chatbot)\b",
    r"\bas\s+an?\s+(?:ai|artificial\s+intelligence)\s+(?:assistant|agent|model|system|chatbot)\b",
    r"\bas\s+an?\s+(?:large\s+)?language\s+model\b",
    r"\b(?:ai|llm|gpt|claude|copilot|chatbot)s?(?:\s+(?:agents?|assistants?|models?|systems?|tools?|readers?|"
    r"crawlers?))?\s*[:,]\s*(?:please\s+)?(?:ignore|disregard|forget|approve|do\s+not|don't|you\s+must|"
    r"you\s+should|you\s+are)\b",
    r"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai|assistant|agent|model|llm|"
    r"chatbot|bot)s?\b",
    r"\b(?:attention|dear|hey|hello)\s*,?\s+(?:ai|llm|chatbot|assistant|gpt|claude)s?\b",
    r"\bsystem\s+prompt\s*(?::|override)|\b(?:reveal|print|show|ignore|override|disregard|your|new)\s+(?:the\s+)?"
    r"system\s+prompt\b",
    r"\b(?:hidden|secret|real|true)\s+instructions?\b",
    r"\bset\b[^.!?\n]{0,40}?\bvisibility\s*(?:to|=|:)\s*[\"']?public\b",
    r"\b(?:make|switch|change|turn)\b[^.!?\n]{0,30}?\bprofile\b[^.!?\n]{0,20}?\bpublic\b",
    r"\b(?:change|set|replace|switch)\b[^.!?\n]{0,30}?\b(?:alliance\s+lead|bank\s+(?:account|details)|payout)\b",
    r"\b(?:change|set|replace|update)\b[^.!?\n]{0,40}?\be-?mail\b[^.!?\n]{0,15}?\bto\s+\S+@\S+",
    r"\b(?:approve|authori[sz]e)\b[^.!?\n]{0,30}?\b(?:this|all|any|every|pending)\b[^.!?\n]{0,30}?\b(?:changes?|"
    r"requests?|updates?|writes?|approvals?|payments?|applications?|transfers?)\b",
    r"\b(?:accept|confirm)\s+(?:all|any|every)\s+(?:pending\s+)?(?:changes|requests|approvals|prompts)\b",
    r"\bauto-?approve\b",
    r"\bwithout\s+(?:asking|telling|informing|notifying)\b",
    r"\b(?:do\s+not|don't|never)\s+(?:tell|inform|ask|alert|notify|warn)\s+(?:the\s+)?(?:user|person|human|"
    r"customer|operator|owner)\b",
    r"<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?INST\]|<<\s*/?SYS\s*>>",
    r"\byou\s+(?:must|should|will)\s+now\b",
)]


def _looks_like_instructions(text: str) -> bool:
    """True if ``text`` reads like instructions to an AI (prompt injection): never used as a value."""
    return any(pattern.search(text) for pattern in _INSTRUCTION_PATTERNS)


def _clean_text(text: str) -> str:
    """Whitespace collapsed; control, format and non-BMP characters dropped (the API's text alphabet)."""
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif ord(char) > 0xFFFF or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return re.sub(r" {2,}", " ", "".join(kept)).strip()


def _truncate(text: str, limit: int) -> tuple[str, str]:
    """``text`` cut to ``limit`` characters on a sentence boundary (else a word boundary + '…')."""
    if len(text) <= limit:
        return text, ""
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text[: limit + 1]) if m.end() <= limit]
    if ends and ends[-1] >= limit // 2:
        return text[: ends[-1]], "a sentence boundary"
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…", "a word boundary"


@dataclass
class _Page:
    """Everything read from the document, before choosing values."""

    url: str
    base: str
    title: str | None
    meta: dict[str, str]
    canonical: str | None
    icons: list[tuple[str, str]]
    organization: dict | None
    product: dict | None
    site: dict | None
    blocks: list[str]
    paragraph: str | None
    injection_places: list[str]
    notes: list[str]


def propose_profile(html: str, page_url: str) -> WebsiteScan:
    """Propose profile fields from one HTML page (pure: no network). ``page_url`` resolves relative links."""
    page = _read_page(html, page_url)
    notes = page.notes
    proposal: list[ProposedField] = []
    for build in (_display_name, _description, _website_url, _logo_url):
        proposed = build(page, notes)
        if proposed is not None:
            proposal.append(proposed)
    description = next((p for p in proposal if p.field == "Description"), None)
    corpus = list(page.blocks)
    if description is not None and description.source != "first paragraph (<p>)":
        corpus.append(description.value)
    for build_keywords in (_solution_type, _industry_segments):
        proposed = build_keywords(corpus, notes)
        if proposed is not None:
            proposal.append(proposed)
    headquarters = _headquarters(page, notes)
    if headquarters is not None:
        proposal.append(headquarters)
    if page.injection_places:
        places = ", ".join(page.injection_places)
        notes.append(f"The page contains text that looks like instructions to an AI (in: {places}); it was "
                     "treated as data and ignored: no proposed value uses it, and it changes nothing else.")
    return WebsiteScan(requested_url=page_url, final_url=page_url, title=page.title, proposal=proposal, notes=notes)


def _read_page(html: str, page_url: str) -> _Page:
    soup = BeautifulSoup(html, "lxml")
    notes: list[str] = []
    injection_places: list[str] = []

    def flag(place: str, text: str) -> bool:
        if _looks_like_instructions(text):
            if place not in injection_places:
                injection_places.append(place)
            return True
        return False

    base_tag = soup.find("base", href=True)
    base_url = _absolute(str(base_tag["href"]), page_url) if isinstance(base_tag, Tag) else None
    base = str(base_url) if base_url is not None else page_url

    title = None
    title_tag = soup.find("title")
    if isinstance(title_tag, Tag):
        text = _clean_text(title_tag.get_text(" "))[:200]
        if flag("<title>", text):
            text = ""
        title = text or None

    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if key and isinstance(content, str):
            flag("meta tags", content)
            meta.setdefault(key, content)

    canonical = None
    icons: list[tuple[str, str]] = []
    for link in soup.find_all("link", href=True):
        rels = [r.lower() for r in (link.get("rel") or [])]
        href = str(link["href"]).strip()
        if "canonical" in rels and canonical is None:
            canonical = href
        if "apple-touch-icon" in rels or "apple-touch-icon-precomposed" in rels:
            icons.append(("<link rel=apple-touch-icon>", href))
        elif "icon" in rels:
            icons.append(("<link rel=icon>", href))
    icons.sort(key=lambda icon: 0 if "apple" in icon[0] else 1)  # stable: apple-touch-icons first

    nodes = _jsonld_nodes(soup, notes, flag)
    organization = _first_node(nodes, _ORGANIZATION_TYPES)
    product = _first_node(nodes, _PRODUCT_TYPES)
    site = _first_node(nodes, _SITE_TYPES)

    for tag in soup.find_all(True):
        for attribute in ("alt", "title", "aria-label", "placeholder"):
            value = tag.get(attribute)
            if isinstance(value, str):
                flag("element attributes", value)

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        flag("HTML comment", str(comment))
        comment.extract()
    for tag in list(soup.find_all(True)):
        if tag.decomposed or not isinstance(tag, Tag):
            continue
        if tag.name in _INVISIBLE_TAGS:
            if tag.name in _SCANNED_INVISIBLE_TAGS:
                flag("hidden element", tag.get_text(" "))
            tag.decompose()
        elif _is_hidden(tag):
            flag("hidden element", tag.get_text(" "))
            tag.decompose()

    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before(_BLOCK)
        tag.insert_after(_BLOCK)
    root = soup.body or soup
    blocks: list[str] = []
    for piece in root.get_text("").split(_BLOCK):
        text = _clean_text(piece)
        if text and not flag("visible text", text):
            blocks.append(text)

    paragraph = None
    container = soup.find("main") or soup.find("article") or root
    for p in container.find_all("p") if isinstance(container, Tag) else []:
        if p.find_parent(("nav", "header", "footer", "aside", "form")):
            continue
        text = _clean_text(p.get_text(""))
        if len(text) >= 60 and len(text.split()) >= 8 and not _looks_like_instructions(text):
            paragraph = text
            break

    return _Page(url=page_url, base=base, title=title, meta=meta, canonical=canonical, icons=icons,
                 organization=organization, product=product, site=site,
                 blocks=blocks, paragraph=paragraph, injection_places=injection_places, notes=notes)


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    if str(tag.get("aria-hidden", "")).strip().lower() == "true":
        return True
    if tag.name == "input" and str(tag.get("type", "")).lower() == "hidden":
        return True
    style = tag.get("style")
    if isinstance(style, str) and _HIDDEN_STYLE.search(style):
        return True
    classes = tag.get("class") or []
    return any(str(c).lower() in _HIDDEN_CLASSES for c in classes)


def _jsonld_nodes(soup: BeautifulSoup, notes: list[str], flag: Any) -> list[dict]:
    """Every typed JSON-LD node on the page, in document order (top level, @graph, nested values)."""
    nodes: list[dict] = []
    broken = 0
    for script in soup.find_all("script"):
        if str(script.get("type", "")).split(";")[0].strip().lower() != "application/ld+json":
            continue
        text = script.string or script.get_text()
        text = re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", text.strip())
        try:
            data = json.loads(text)
        except ValueError:
            broken += 1
            continue
        _collect_nodes(data, nodes, flag, depth=0)
    if broken:
        notes.append(f"{broken} JSON-LD block(s) on the page are not valid JSON and were ignored; "
                     "other sources were used.")
    return nodes


def _collect_nodes(data: Any, nodes: list[dict], flag: Any, depth: int) -> None:
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            _collect_nodes(item, nodes, flag, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            nodes.append(data)
        for key, value in data.items():
            if isinstance(value, str):
                flag("JSON-LD", value)
            elif key != "sameAs":
                _collect_nodes(value, nodes, flag, depth + 1)


def _types(node: dict) -> list[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for v in values if isinstance(v, str)]


def _first_node(nodes: list[dict], wanted: frozenset[str]) -> dict | None:
    return next((node for node in nodes if any(kind in wanted for kind in _types(node))), None)


def _text_value(value: Any) -> str | None:
    """A JSON-LD text value: a string, {"@value": ...}, or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("@value") if "@value" in value else value.get("name")
    return value if isinstance(value, str) else None


def _url_value(value: Any) -> str | None:
    """A JSON-LD URL value: a string, an ImageObject (url/contentUrl/@id), or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
    return value.strip() if isinstance(value, str) else None


def _jsonld_label(node: dict, prop: str) -> str:
    """'JSON-LD Organization.name': the node's own @type, as the page wrote it."""
    raw = node.get("@type")
    kind = raw if isinstance(raw, str) else next((t for t in raw or [] if isinstance(t, str)), "node")
    return f"JSON-LD {kind.rsplit('/', 1)[-1]}.{prop}"


# ----------------------------------------------------------------------------------------- the fields


def _display_name(page: _Page, notes: list[str]) -> ProposedField | None:
    candidates: list[tuple[str, str | None, Confidence]] = []
    for node in (page.organization, page.site):
        if node is not None:
            candidates.append((_jsonld_label(node, "name"), _text_value(node.get("name")), "high"))
    candidates.append(("og:site_name", page.meta.get("og:site_name"), "high"))
    title_sources = [("<title>", page.title), ("og:title", page.meta.get("og:title"))]
    for source, raw in title_sources:
        if raw:
            cleaned, confidence = _clean_title(raw, page.url)
            candidates.append((f"{source} (cleaned)" if cleaned != _clean_text(raw) else source, cleaned, confidence))
    for source, raw, confidence in candidates:
        if not raw:
            continue
        text = _clean_text(raw)
        if not text or _looks_like_instructions(text):
            continue
        if len(text) > 80:
            notes.append(f"DisplayName: the {source} is {len(text)} characters, over the 80 allowed; not used.")
            continue
        return ProposedField(field="DisplayName", value=text, source=source, confidence=confidence)
    notes.append("DisplayName: no company name found (no JSON-LD Organization name, og:site_name or usable "
                 "<title>); enter it yourself.")
    return None


_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·•»:]{1,2}\s+|\s*[|·•»]\s*")
_GENERIC_TITLE_PARTS = frozenset({
    "home", "homepage", "home page", "welcome", "official site", "official website", "main page", "start",
    "index", "start page", "landing page",
})


def _clean_title(title: str, page_url: str) -> tuple[str, Confidence]:
    """A company name from a page title: 'Acme | Home' -> 'Acme', 'Welcome to Acme' -> 'Acme'."""
    parts = [_clean_text(part) for part in _TITLE_SEPARATORS.split(_clean_text(title))]
    parts = [re.sub(r"^(?:welcome\s+to|home\s+of)\s+", "", p, flags=re.IGNORECASE) for p in parts if p]
    meaningful = [p for p in parts if p and p.lower() not in _GENERIC_TITLE_PARTS]
    if not meaningful:
        return "", "low"
    if len(meaningful) == 1:
        return meaningful[0], "medium"
    host = _normalise_host(httpx.URL(page_url).host) if page_url else ""
    host_key = re.sub(r"[^a-z0-9]", "", host.removeprefix("www.").split(".")[0])
    for part in meaningful:
        key = re.sub(r"[^a-z0-9]", "", part.lower())
        if key and host_key and (key in host_key or host_key in key):
            return part, "medium"
    return meaningful[0], "low"


def _description(page: _Page, notes: list[str]) -> ProposedField | None:
    candidates: list[tuple[str, str | None, Confidence]] = []
    for node in (page.organization, page.product):
        if node is not None:
            candidates.append((_jsonld_label(node, "description"), _text_value(node.get("description")), "high"))
    candidates += [
        ("og:description", page.meta.get("og:description"), "high"),
        ("<meta name=description>", page.meta.get("description"), "high"),
        ("first paragraph (<p>)", page.paragraph, "low"),
    ]
    for source, raw, confidence in candidates:
        if not raw:
            continue
        text = _clean_text(raw)
        if len(text) < 10 or _looks_like_instructions(text):
            continue
        value, boundary = _truncate(text, 600)
        if boundary:
            notes.append(f"Description: the {source} is {len(text)} characters; truncated to {len(value)} "
                         f"on {boundary} (Partner Central allows 600). Review the ending.")
            confidence = "medium" if confidence == "high" else "low"
        return ProposedField(field="Description", value=value, source=source, confidence=confidence)
    notes.append("Description: no description found (no JSON-LD description, og:description, meta description "
                 "or substantial paragraph); write one yourself (up to 600 characters).")
    return None


def _absolute(href: str | None, base: str) -> httpx.URL | None:
    if not href or href.lower().startswith(("data:", "javascript:")):
        return None
    try:
        url = httpx.URL(base).join(href.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if url.scheme not in ("http", "https") or not url.host or url.userinfo:
        return None
    return url.copy_with(fragment=None)


def _same_site(a: httpx.URL, b: httpx.URL) -> bool:
    def key(url: httpx.URL) -> str:
        return _normalise_host(url.host).removeprefix("www.")
    return key(a) == key(b)


def _https_value(url: httpx.URL, field: str) -> str | None:
    text = str(url)
    if url.scheme != "https" or len(text) > 256:
        return None
    try:
        _ADAPTERS[field].validate_python(text)
    except ValueError:
        return None
    return text


def _website_url(page: _Page, notes: list[str]) -> ProposedField | None:
    node_url = _url_value(page.organization.get("url")) if page.organization else None
    candidates = [
        ("<link rel=canonical>", page.canonical),
        ("og:url", page.meta.get("og:url")),
        (_jsonld_label(page.organization, "url") if page.organization else "JSON-LD url", node_url),
        ("the scanned page's address", page.url),
    ]
    final = httpx.URL(page.url) if page.url else None
    for source, raw in candidates:
        url = _absolute(raw, page.base)
        value = _https_value(url, "WebsiteUrl") if url is not None else None
        if value is None or url is None:
            continue
        confidence: Confidence = "high"
        if final is not None and not _same_site(url, final):
            confidence = "medium"
            notes.append(f"WebsiteUrl: the page names {value} ({source}), a different host from the scanned "
                         f"address {_shown(final)}; check which one is the company's website.")
        return ProposedField(field="WebsiteUrl", value=value, source=source, confidence=confidence)
    notes.append("WebsiteUrl: not proposed: Partner Central needs an https website URL and this site was "
                 "read over http with no https address on the page. If https://… works for the site, "
                 "enter it yourself.")
    return None


def _logo_url(page: _Page, notes: list[str]) -> ProposedField | None:
    candidates: list[tuple[str, str | None, Confidence]] = []
    if page.organization is not None:
        candidates.append((_jsonld_label(page.organization, "logo"), _url_value(page.organization.get("logo")), "high"))
    candidates += [
        ("og:image", page.meta.get("og:image"), "medium"),
        ("og:image:secure_url", page.meta.get("og:image:secure_url"), "medium"),
    ]
    candidates += [(source, href, "low") for source, href in page.icons]
    insecure = []
    for source, raw, confidence in candidates:
        url = _absolute(raw, page.base)
        if url is None:
            continue
        value = _https_value(url, "LogoUrl")
        if value is None:
            insecure.append(source)
            continue
        if confidence == "low":
            notes.append(f"LogoUrl: only a site icon was found ({source}); Partner Central shows a logo, so "
                         "a larger image may be better.")
        return ProposedField(field="LogoUrl", value=value, source=source, confidence=confidence)
    if insecure:
        notes.append(f"LogoUrl: not proposed: the logo candidates ({', '.join(insecure)}) are not https URLs, "
                     "and Partner Central needs an https logo URL.")
    else:
        notes.append("LogoUrl: no logo found (no JSON-LD logo, og:image or icon); give an https URL of "
                     "your logo yourself.")
    return None


# Keyword tables: (regular expression, value), matched case-insensitively on whole words. Order breaks ties.
_SOLUTION_KEYWORDS: list[tuple[str, str]] = [
    (r"managed[\s-]+service[\s-]+providers?|managed[\s-]+(?:cloud[\s-]+)?services?|msps?", "MANAGED_SERVICES"),
    (r"24\s*[x×/]\s*7|managed[\s-]+(?:operations|infrastructure|security)", "MANAGED_SERVICES"),
    (r"consulting|consultancy|consultants?|advisory|advisors?", "CONSULTING_SERVICES"),
    (r"professional[\s-]+services?|implementations?|systems?[\s-]+integrat(?:or|ors|ion)|migration[\s-]+services?",
     "PROFESSIONAL_SERVICES"),
    (r"saas|software[\s-]+as[\s-]+a[\s-]+service|software|platforms?", "SOFTWARE_PRODUCTS"),
    (r"training|bootcamps?|courses?|workshops?", "TRAINING_SERVICES"),
    (r"hardware|devices|appliances?|sensors", "HARDWARE_PRODUCTS"),
    (r"resell(?:s|ing|er|ers)?|resale|(?:aws|consolidated)[\s-]+billing", "VALUE_ADDED_RESALE_AWS_SERVICES"),
    (r"unified[\s-]+communications|voip|sip[\s-]+trunking|connectivity[\s-]+services?", "COMMUNICATION_SERVICES"),
]

_INDUSTRY_KEYWORDS: list[tuple[str, str]] = [
    (r"health[\s-]?care|hospitals?|clinics?|patients?|clinical", "HEALTHCARE"),
    (r"life[\s-]+sciences?|pharmaceuticals?|pharma|genomics|biotech(?:nology)?", "LIFE_SCIENCES"),
    (r"financial[\s-]+services?|fintech|capital[\s-]+markets|wealth[\s-]+management|bank(?:s|ing)|"
     r"credit[\s-]+unions?|insurance|insurers?", "FINANCIAL_SERVICES"),
    (r"retail(?:ers?)?|e-?commerce", "RETAIL"),
    (r"manufactur(?:ing|ers?)|factor(?:y|ies)|industrial", "MANUFACTURING"),
    (r"education|universit(?:y|ies)|schools?|edtech|k-12|colleges?", "EDUCATION"),
    (r"government|public[\s-]+sector|federal|municipal(?:ities)?", "GOVERNMENT"),
    (r"media[\s-]+(?:and|&)[\s-]+entertainment|broadcast(?:ers|ing)?|publishers?|entertainment",
     "MEDIA_ENTERTAINMENT"),
    (r"logistics|supply[\s-]+chains?|freight|shipping|transportation", "TRANSPORTATION_LOGISTICS"),
    (r"energy|utilit(?:y|ies)|oil[\s-]+(?:and|&)[\s-]+gas|renewables?", "ENERGY_UTILITIES"),
    (r"telecom(?:munications?)?|telcos?|mobile[\s-]+operators?", "TELECOMMUNICATIONS"),
    (r"gaming|game[\s-]+(?:studios?|developers?)|video[\s-]+games?", "GAMING"),
    (r"travel|hospitality|hotels?|airlines?", "TRAVEL_HOSPITALITY"),
    (r"agricultur(?:e|al)|farming|mining", "AGRICULTURE_MINING"),
    (r"real[\s-]+estate|construction|property[\s-]+management", "REAL_ESTATE_CONSTRUCTION"),
    (r"non-?profits?|charit(?:y|ies)|ngos?", "NON_PROFIT_ORGANIZATION"),
]


def _count_keywords(corpus: list[str], table: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """value -> {matched keyword (lower case): count}; each stretch of text counts once, longest match first."""
    compiled = [(re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.IGNORECASE), value) for pattern, value in table]
    counts: dict[str, dict[str, int]] = {}
    for text in corpus:
        matches = []
        for order, (regex, value) in enumerate(compiled):
            for m in regex.finditer(text):
                matches.append((m.start(), -(m.end() - m.start()), order, m.end(), value))
        matches.sort()
        taken_until = -1
        for start, _, _, end, value in matches:
            if start < taken_until:
                continue
            taken_until = end
            keyword = re.sub(r"\s+", " ", text[start:end].lower())
            per_value = counts.setdefault(value, {})
            per_value[keyword] = per_value.get(keyword, 0) + 1
    return counts


def _ranked(counts: dict[str, dict[str, int]], table: list[tuple[str, str]]) -> list[tuple[str, int]]:
    order = {value: i for i, (_, value) in reversed(list(enumerate(table)))}
    totals = [(value, sum(keywords.values())) for value, keywords in counts.items()]
    return sorted(totals, key=lambda item: (-item[1], order[item[0]]))


def _keyword_list(keywords: dict[str, int]) -> str:
    ranked = sorted(keywords.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"'{label}' ×{count}" for label, count in ranked)


def _solution_type(corpus: list[str], notes: list[str]) -> ProposedField | None:
    counts = _count_keywords(corpus, _SOLUTION_KEYWORDS)
    ranked = _ranked(counts, _SOLUTION_KEYWORDS)
    if not ranked:
        notes.append("PrimarySolutionType: no keywords in the page text pointed to a solution type; choose it "
                     "yourself.")
        return None
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    confidence: Confidence = "medium" if score >= 3 and score >= 2 * runner_up else "low"
    if len(ranked) > 1:
        others = "; ".join(f"{value} ({_keyword_list(counts[value])})" for value, _ in ranked[1:3])
        notes.append(f"PrimarySolutionType: the page also matched {others}; choose the type that describes "
                     "most of your business.")
    return ProposedField(field="PrimarySolutionType", value=best,
                         source=f"keywords in page text: {_keyword_list(counts[best])}", confidence=confidence)


def _industry_segments(corpus: list[str], notes: list[str]) -> ProposedField | None:
    counts = _count_keywords(corpus, _INDUSTRY_KEYWORDS)
    ranked = _ranked(counts, _INDUSTRY_KEYWORDS)
    if not ranked:
        notes.append("IndustrySegments: no industry keywords in the page text; choose up to 3 yourself.")
        return None
    chosen = ranked[:3]
    if len(ranked) > 3:
        notes.append("IndustrySegments: the page also mentions "
                     f"{', '.join(value for value, _ in ranked[3:])}; Partner Central allows at most 3.")
    confidence: Confidence = "medium" if min(score for _, score in chosen) >= 2 else "low"
    source = "keywords in page text: " + "; ".join(
        f"{_keyword_list(counts[value])} ({value})" for value, _ in chosen)
    return ProposedField(field="IndustrySegments", value=[value for value, _ in chosen], source=source,
                         confidence=confidence)


# ----------------------------------------------------------------------------------------- headquarters


def _address(node: dict) -> dict | None:
    for candidate in (node.get("address"), (node.get("location") or {}).get("address")
                      if isinstance(node.get("location"), dict) else None):
        if isinstance(candidate, list):
            candidate = next((c for c in candidate if isinstance(c, dict)), None)
        if isinstance(candidate, dict):
            return candidate
    return None


def _headquarters(page: _Page, notes: list[str]) -> ProposedField | None:
    address = _address(page.organization) if page.organization else None
    if address is None:
        notes.append("Headquarters: no structured address (JSON-LD Organization address) on the page; enter the "
                     "country and state or region yourself.")
        return None
    country = country_code(_clean_text(_text_value(address.get("addressCountry")) or ""))
    if country is None:
        notes.append("Headquarters: the JSON-LD address has no recognisable country (ISO 3166 code or name); "
                     "enter it yourself.")
        return None
    region = subdivision_code(country, _clean_text(_text_value(address.get("addressRegion")) or ""))
    if region is None:
        notes.append(f"Headquarters: the JSON-LD address gives the country {country} but no recognisable region "
                     "(ISO 3166-2 subdivision); enter it yourself.")
        return None
    label = _jsonld_label(page.organization, "address")
    return ProposedField(field="Headquarters", value={"CountryCode": country, "SubdivisionCode": region},
                         source=f"{label} (addressCountry, addressRegion)", confidence="high")

