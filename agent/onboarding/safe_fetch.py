"""Fetch one HTML page from a URL someone else supplied, without letting the URL reach inside.

``fetch_page`` does a single guarded GET and returns a ``FetchedPage`` (final URL, decoded text, media
type). It is read-only and knows nothing about what the page is used for. Its guarantees:

- **Schemes and URLs.** Only ``http`` and ``https``; no ``user:password@``; a host name is required; at
  most 2048 characters. The same rules apply to every redirect target.
- **Addresses, after DNS and on every hop.** The host is resolved (in a short-lived thread, at most 16
  lookups in flight, bounded by the deadline) and *every* address it resolves to must be a public
  internet address: loopback, unspecified, private, shared (100.64.0.0/10), link-local (cloud metadata
  services), site-local (fec0::/10), multicast and reserved addresses are refused, including IPv4
  addresses embedded in IPv6 (mapped, 6to4, Teredo, NAT64). This is checked before any connection, for the
  URL asked for and again for each redirect (``allow_hosts`` below is the one exception).
- **Pinning.** The connection goes to an address that was checked, never to the result of a second
  lookup; the ``Host`` header, TLS SNI and certificate verification still use the real host name. The
  default transport verifies certificates (httpx's default trust: certifi, or ``SSL_CERT_FILE``).
- **Redirects.** Followed by hand (301, 302, 303, 307, 308), at most ``max_redirects``; loops are named.
- **One deadline.** ``timeout`` covers the whole exchange: DNS, connect, TLS, headers, body and every
  redirect. The default transport holds every socket operation to it, so a server that dribbles its bytes
  cannot stretch the fetch, and the connection is closed when it ends. A ``transport`` passed in gets the
  time left as its timeouts and the deadline is checked between steps, but it must bound its own reads.
- **Size cap.** At most ``max_bytes`` of body (after decompression), enforced while streaming; a declared
  ``Content-Length`` over the cap is refused before reading. Only identity, gzip and deflate encodings.
- **What is accepted.** A 2xx answer with ``text/html`` or ``application/xhtml+xml``; the text is decoded
  with the declared charset, else what the page declares or looks like.
- **Nothing carried.** No cookies and no credentials are sent; the default transport uses no proxies from
  the environment, no keep-alive and no retries. Messages never repeat credentials from a URL.
- **allow_hosts.** Hosts that may resolve to non-public addresses (an intranet site). An entry covers only
  the host of the URL asked for, on any port, and redirects that stay on that same host. A redirect to any
  other host must be public even if that host is listed, and once a redirect has left the host the
  allowance is over (a public page cannot send the fetch into the intranet). Entries and URL hosts are
  compared as IDNA (punycode), lower case, without a trailing dot; a port or path in an entry is ignored.

``WebsiteRefused`` (with a machine-readable ``reason``) means the guard refused a URL;
``WebsiteFetchError``, its base class, means the page could not be fetched or read. Both messages say what
to do next.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal

import httpcore
import httpx
from bs4.dammit import UnicodeDammit

from agent.errors import AgentError

__all__ = [
    "USER_AGENT",
    "FetchedPage",
    "RefusalReason",
    "WebsiteFetchError",
    "WebsiteRefused",
    "fetch_page",
    "normalise_host",
    "shown_url",
]


# --------------------------------------------------------------------------------- results and errors


class WebsiteFetchError(AgentError):
    """The page could not be fetched or read; the message says what went wrong and what to do."""


RefusalReason = Literal["url", "scheme", "credentials", "address", "redirect_address", "redirects"]


class WebsiteRefused(WebsiteFetchError):
    """The safety guard refused the URL. ``reason`` says which rule, so callers need not parse the message:

    - ``"url"``: not a usable URL (unparsable, longer than 2048 characters, no host name);
    - ``"scheme"``: no scheme, or not http/https (file:, ftp:, javascript:, data:, ...);
    - ``"credentials"``: the URL carries user:password@;
    - ``"address"``: the host that was asked for is, or resolves to, a non-public address (loopback,
      private, link-local, site-local, ...). Listing the host in ``allow_hosts`` would let it through
      (``next_step`` names the setting for it);
    - ``"redirect_address"``: a redirect leads to a non-public address. ``allow_hosts`` does not help here:
      it covers only the host asked for, never a host reached through a redirect; give that address itself;
    - ``"redirects"``: too many redirects, or a loop.

    The url, scheme and credentials rules apply to redirect targets too, with the same reasons.
    """

    def __init__(self, message: str, *, reason: RefusalReason) -> None:
        super().__init__(
            message,
            next_step="(An intranet site can be allowed by whoever runs this server, with the "
            "setting PARTNER_AGENT_WEBSITE_ALLOW_HOSTS.)"
            if reason == "address"
            else None,
        )
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
            addresses = _resolve(
                current, deadline, trusted=trusted, listed=_url_host(current) in allowed, redirected_from=previous
            )
            response = _send(transport, current, addresses, timeout, deadline)
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    target = _redirect_target(response, current)
                    redirects += 1
                    if redirects > max_redirects:
                        loop = " (the redirects go round in a loop)" if str(target) in visited else ""
                        raise WebsiteRefused(
                            f"Refused {shown_url(url)}: too many redirects (more than {max_redirects}){loop}. "
                            "Give the address of the page the site finally shows, e.g. its home page.",
                            reason="redirects",
                        )
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

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
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

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = _time_left(self._deadline, timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
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
            ssl_context=httpx.create_ssl_context(),
            max_keepalive_connections=0,
            retries=0,
            network_backend=_DeadlineBackend(deadline),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response),
            extensions=response.extensions,
        )

    def close(self) -> None:
        with _as_httpx_errors():
            self._pool.close()


def shown_url(url: str | httpx.URL) -> str:
    """A URL safe to repeat in a message: no credentials, not too long."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url).strip())
        text = str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else str(parsed)
    except (httpx.InvalidURL, TypeError, ValueError):
        text = "the URL" if "@" in str(url) else repr(str(url))
    return text if len(text) <= 120 else text[:117] + "..."


def normalise_host(host: str) -> str:
    """A host as written in a URL, for comparing: no brackets, lower case, no trailing dot."""
    return host.strip().strip("[]").lower().rstrip(".")


def _canonical_host(host: str) -> str:
    """An ASCII host name or IP address in the one form hosts are compared in."""
    name = normalise_host(host)
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
    via = f" (redirected from {shown_url(redirected_from)})" if redirected_from is not None else ""
    if isinstance(raw, str) and len(raw) > _MAX_URL_LENGTH:
        raise WebsiteRefused(f"Refused: the URL is longer than {_MAX_URL_LENGTH} characters{via}.", reason="url")
    try:
        url = raw if isinstance(raw, httpx.URL) else httpx.URL(raw.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise WebsiteRefused(
            f"Refused {shown_url(raw)}: not a valid URL ({exc}){via}. "
            "Give the full address, e.g. https://www.example.com/.",
            reason="url",
        ) from None
    if url.scheme not in ("http", "https"):
        if not url.scheme:
            raise WebsiteRefused(
                f"Refused {shown_url(raw)}: the URL has no scheme{via}. "
                "Give the full address, e.g. https://www.example.com/.",
                reason="scheme",
            )
        raise WebsiteRefused(
            f"Refused {shown_url(url)}: only http and https URLs are scanned, "
            f"not {url.scheme}:{via}. Give the company's public web address.",
            reason="scheme",
        )
    if url.userinfo:
        raise WebsiteRefused(
            f"Refused {shown_url(url)}: URLs with credentials (user:password@) are not "
            f"scanned{via}. Give the public address without a user name or password.",
            reason="credentials",
        )
    if not url.host:
        raise WebsiteRefused(f"Refused {shown_url(url)}: the URL has no host name{via}.", reason="url")
    return url.copy_with(fragment=None)


def _redirect_target(response: httpx.Response, current: httpx.URL) -> httpx.URL:
    location = response.headers.get("location", "").strip()
    if not location:
        raise WebsiteFetchError(
            f"{shown_url(current)} answered HTTP {response.status_code} (a redirect) "
            "without saying where to; give the address of the page itself."
        )
    try:
        target = current.join(location)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise WebsiteRefused(f"Refused a redirect from {shown_url(current)} to an invalid URL.", reason="url") from None
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


def _resolve(
    url: httpx.URL, deadline: float, *, trusted: bool, listed: bool, redirected_from: httpx.URL | None = None
) -> list[IPAddress]:
    """Every address the host resolves to, in resolver order; refused if any is not public, unless the
    host is ``trusted`` (allowed, and the host that was asked for). ``listed``: it is in allow_hosts."""
    via = f" (redirected from {shown_url(redirected_from)})" if redirected_from is not None else ""
    reason: RefusalReason = "address" if redirected_from is None else "redirect_address"
    host = url.raw_host.decode("ascii")
    name = normalise_host(host)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = _getaddrinfo(host.strip("[]"), port, name, deadline)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise WebsiteFetchError(
            f"Could not find the host {name!r} ({getattr(exc, 'strerror', None) or exc}). "
            "Check the spelling of the domain."
        ) from None
    addresses: list[IPAddress] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            raise WebsiteRefused(
                f"Refused {shown_url(url)}{via}: {name!r} resolved to an address that could not be checked.",
                reason=reason,
            ) from None
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
                advice = (
                    f"{name!r} is an allowed host, but the allowance covers only the address asked for "
                    "and redirects that stay on its host, never a redirect from another host. To scan "
                    f"{name!r}, give the address of the page wanted on it."
                )
            else:
                advice = "A redirect may only lead to a public address; give the company's public website address."
            raise WebsiteRefused(
                f"Refused {shown_url(url)}{via}: the host {name!r} {what} a {problem}. Only public internet "
                f"addresses are scanned, to protect this server and its network. {advice}",
                reason=reason,
            )
    return addresses


def _getaddrinfo(host: str, port: int, name: str, deadline: float) -> list[Any]:
    """``socket.getaddrinfo`` in a fresh daemon thread, waited for until the deadline at most.

    A lookup that hangs keeps only its own thread, which ends when the resolver gives up, and one of the
    ``_DNS_SLOTS``; it never holds up later scans. Only if every slot is held by a hung lookup does a new
    lookup fail, quickly, saying so.
    """
    slots = _DNS_SLOTS  # the one this lookup releases, even if the module's is replaced meanwhile
    if not slots.acquire(timeout=max(0.0, min(_DNS_SLOT_WAIT, deadline - time.monotonic()))):
        raise WebsiteFetchError(
            f"DNS lookup timed out for the host {name!r}: too many earlier host name "
            "lookups are still waiting for the name server. Try again in a minute."
        )
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
        raise WebsiteFetchError(
            f"DNS lookup timed out for the host {name!r}: the name server did not answer "
            "within the time limit. Check the domain, or try again later."
        )
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
        raise WebsiteFetchError(
            f"Timed out fetching {shown_url(url)}; the site is too slow. Try again later "
            "or give another page of the site."
        )
    return left


def _send(
    transport: httpx.BaseTransport, url: httpx.URL, addresses: list[IPAddress], timeout: float, deadline: float
) -> httpx.Response:
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
            raise WebsiteFetchError(
                f"Timed out waiting for {shown_url(url)} (limit {timeout:g} s); the site is "
                "too slow or unreachable. Check the address, or try again later."
            ) from None
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate" in str(exc).lower():
                raise WebsiteFetchError(
                    f"The TLS certificate of {host!r} could not be verified ({exc}). "
                    "The page was not read; check the address, or ask the site owner "
                    "to fix its certificate."
                ) from None
            failures.append(f"{address}: {exc}")
        except httpx.TransportError as exc:
            raise WebsiteFetchError(f"Could not fetch {shown_url(url)}: {type(exc).__name__}: {exc}.") from None
    raise WebsiteFetchError(
        f"Could not connect to {shown_url(url)} ({'; '.join(failures)}). Check that the "
        "site is up and the address is right."
    )


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
        what = (
            "the site had a server error; try again later or give another page"
            if status >= 500
            else "give the address of a public HTML page of the site"
        )
    reason = response.reason_phrase or ""
    raise WebsiteFetchError(f"{shown_url(url)} answered HTTP {status} {reason}".rstrip() + f": {what}.")


def _checked_content_type(response: httpx.Response, url: httpx.URL) -> str:
    header = response.headers.get("content-type", "")
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type in _HTML_TYPES:
        return media_type
    received = f"'{media_type}'" if media_type else "no Content-Type"
    raise WebsiteFetchError(
        f"{shown_url(url)} is not an HTML page: the server sent {received}, and only "
        "text/html or application/xhtml+xml pages are scanned. Give the address of "
        "the company's home page."
    )


def _read_capped(response: httpx.Response, url: httpx.URL, max_bytes: int, deadline: float) -> bytes:
    """The body, read in chunks and abandoned as soon as it passes ``max_bytes`` (decoded size)."""
    too_big = (
        f"{shown_url(url)} is larger than the {max_bytes:,}-byte limit; it was not read to the end. "
        "Give a lighter page of the site, such as its home or about page."
    )
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > max_bytes:
            raise WebsiteFetchError(too_big.replace("is larger", f"declares {int(declared):,} bytes, larger"))
        decompressor = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | (16 if "gzip" in encoding else 32))
    else:
        raise WebsiteFetchError(f"{shown_url(url)} was sent with an unsupported Content-Encoding '{encoding}'.")
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
        raise WebsiteFetchError(f"Timed out reading {shown_url(url)}; the site is too slow. Try again later.") from None
    except httpx.TransportError as exc:
        raise WebsiteFetchError(f"The connection broke while reading {shown_url(url)}: {exc}. Try again.") from None
    except zlib.error:
        raise WebsiteFetchError(f"{shown_url(url)} sent a body that could not be decompressed.") from None
    return bytes(body)


def _decode(body: bytes, response: httpx.Response) -> str:
    """The page as text: the charset the server declared, else what the page itself declares or looks like."""
    charset = response.charset_encoding
    known = [charset] if charset else []
    text = UnicodeDammit(body, known_definite_encodings=known, is_html=True).unicode_markup
    return text if text is not None else body.decode("utf-8", errors="replace")
