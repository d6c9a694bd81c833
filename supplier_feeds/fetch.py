"""Fetch a supplier's feed URL without trusting it.

A conditional GET (ETag / Last-Modified), gzip, connect and read timeouts plus a deadline
for the whole download, a size cap counted on the decoded bytes (so a gzip bomb stops at
the cap), at most a few redirects, and only globally routable addresses unless the operator
allows others: the host is resolved and every address checked, on every hop, including the
IPv4 address inside an IPv6 one that carries it (IPv4-mapped, NAT64, 6to4).

The connection then goes to an address that was checked, never to a second DNS answer
(which a hostile DNS server could point at 127.0.0.1 between the check and the request):
``_PinnedAdapter`` connects to the checked IP, while the Host header, TLS SNI and the
certificate check keep using the host name.

A pure module: it imports neither flask nor marketplace. The HTTP transport is a
``requests.Session`` that callers may pass in (a test's fake transport); an injected
session makes its own connections, so only the default session is pinned.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from .rows import FeedError

#: Answers that are redirects; anything else ends the chain.
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], list[str]]
#: (host, port) -> the addresses checked for it, in the order to try them.
Pins = dict[tuple[str, int], list[str]]


@dataclass(frozen=True)
class FetchPolicy:
    """The limits of one fetch; the marketplace fills them from its configuration."""

    #: The largest body accepted, counted after gzip decoding.
    max_bytes: int = 256 * 1024 * 1024
    connect_timeout: float = 10.0
    #: Seconds without a byte before giving up.
    read_timeout: float = 60.0
    #: Seconds for the whole download, so a server dripping bytes cannot hold a worker forever.
    deadline: float = 600.0
    max_redirects: int = 3
    #: Allow private, loopback and link-local addresses (for tests and closed networks only).
    allow_private: bool = False
    user_agent: str = "TradeRow-feed-fetcher/1.0"


@dataclass(frozen=True)
class FetchResult:
    """What a fetch brought back."""

    #: The server said the feed has not changed since the validators we sent.
    not_modified: bool
    #: The URL the body came from, after redirects.
    url: str
    etag: str | None
    last_modified: str | None
    #: Bytes written to the destination (decoded).
    size: int
    #: The answer's Content-Type header, as sent (a picture fetch refuses what is not an image).
    content_type: str | None = None


def resolve(host: str, port: int) -> list[str]:
    """Return every address ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FeedError("fetch_dns_failed", f"The feed's host {host!r} could not be found ({exc.strerror}).") from None
    return sorted({str(info[4][0]) for info in infos})


#: IPv6 ranges refused outright, whatever ``is_global`` says on this Python: a fetch has no
#: business there, and where they embed an IPv4 address it cannot be trusted to be the one
#: reached. Site-local (fec0::/10, deprecated by RFC 3879, routed inside a site);
#: IPv4-compatible (::/96, deprecated by RFC 4291, reaches the embedded IPv4 through whatever
#: tunnel the host has); Teredo (2001::/32: the client's IPv4 is obfuscated and the path runs
#: through a relay we do not know); local-use NAT64 (64:ff9b:1::/48, RFC 8215: the operator's
#: own translator, whose prefix length, and so where the IPv4 sits, we cannot know); and the
#: ranges newer Pythons already mark non-global (documentation 3fff::/20, SRv6 5f00::/16).
_REFUSED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in ("fec0::/10", "::/96", "2001::/32", "64:ff9b:1::/48", "3fff::/20", "5f00::/16")
)
#: NAT64's well-known prefix (RFC 6052): an IPv6-only network with DNS64 reaches every IPv4
#: host as 64:ff9b::<IPv4>, so refusing it would refuse every feed there; the embedded IPv4
#: (the last 32 bits) is the address reached, and is checked instead.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def check_address(address: str, *, host: str, allow_private: bool) -> None:
    """Raise ``FeedError("fetch_refused_address")`` unless ``address`` is a globally routable one.

    An IPv6 address that carries an IPv4 address the packets really go to (IPv4-mapped,
    NAT64's well-known prefix, 6to4) is judged by that IPv4 address, which must be global too.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_private:
        return
    if not _is_public(ip):
        raise FeedError(
            "fetch_refused_address",
            f"The feed's host {host!r} points at a private or local network address ({ip}); "
            "feeds must be on the public internet.",
        )


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return True
    if any(ip in net for net in _REFUSED_V6):
        return False
    # 6to4 (2002::/16, RFC 3056): the relay sends the packets on to the embedded IPv4 address.
    embedded = ip.sixtofour
    if embedded is None and ip in _NAT64:
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return embedded is None or _is_public(embedded)


def check_url(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> tuple[str, int]:
    """Check a URL's scheme and every address of its host; return (host, port)."""
    host, port, _addresses = _checked(url, allow_private=allow_private, resolver=resolver)
    return host, port


def _checked(url: str, *, allow_private: bool, resolver: Resolver) -> tuple[str, int, list[str]]:
    """Check a URL as ``check_url`` does; return its host, port and the checked addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError("fetch_bad_url", "The feed address must start with http:// or https:// and name a host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FeedError("fetch_bad_url", "The feed address has an invalid port.") from None
    addresses = resolver(parts.hostname, port)
    if not addresses:
        raise FeedError("fetch_dns_failed", f"The feed's host {parts.hostname!r} could not be found.")
    for address in addresses:
        check_address(address, host=parts.hostname, allow_private=allow_private)
    return parts.hostname, port, addresses


def _pinned_connection(base: type[HTTPConnection], pins: Pins) -> type[HTTPConnection]:
    """Return a connection class of ``base`` that connects only to the pinned addresses of its host."""

    # mypy takes no class held in a variable as a base; ``base`` is a real HTTPConnection class.
    class PinnedConnection(base):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            # self.host stays the name (Host header, SNI, certificate); only the socket is pinned.
            addresses = pins.get((self.host, self.port))
            if not addresses:
                raise NewConnectionError(self, f"{self.host}:{self.port} was not checked before connecting")
            error: Exception | None = None
            for address in addresses:
                try:
                    return create_connection(
                        (address, self.port),
                        self.timeout,
                        source_address=self.source_address,
                        socket_options=self.socket_options,
                    )
                except TimeoutError as exc:
                    error = ConnectTimeoutError(self, f"Connection to {self.host} ({address}) timed out.")
                    error.__cause__ = exc
                except OSError as exc:
                    error = NewConnectionError(self, f"Failed to connect to {self.host} ({address}): {exc}")
            assert error is not None
            raise error

    return PinnedConnection


class _PinnedAdapter(HTTPAdapter):
    """A requests adapter whose connections go to the addresses ``fetch`` checked, never to a fresh DNS answer."""

    def __init__(self, pins: Pins) -> None:
        self._pins = pins
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: object) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        http_connection = _pinned_connection(HTTPConnection, self._pins)
        https_connection = _pinned_connection(HTTPSConnection, self._pins)

        class PinnedHTTPPool(HTTPConnectionPool):
            ConnectionCls = http_connection

        class PinnedHTTPSPool(HTTPSConnectionPool):
            # Built from HTTPSConnection above; the helper's return type says only HTTPConnection.
            ConnectionCls = https_connection  # type: ignore[assignment]

        self.poolmanager.pool_classes_by_scheme = {"http": PinnedHTTPPool, "https": PinnedHTTPSPool}


def fetch(
    url: str,
    dest: BinaryIO,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: FetchPolicy | None = None,
    session: requests.Session | None = None,
    resolver: Resolver = resolve,
) -> FetchResult:
    """Download ``url`` into ``dest`` under ``policy``; raise ``FeedError`` with a clear reason.

    Send ``etag``/``last_modified`` from the previous fetch to get a cheap "not modified".
    """
    policy = policy or FetchPolicy()
    own_session = session is None
    pins: Pins = {}
    if session is None:
        session = requests.Session()
        # Environment proxies would connect for us, to addresses we never checked.
        session.trust_env = False
        adapter = _PinnedAdapter(pins)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    headers = {"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.monotonic()
    current = url
    try:
        for _hop in range(policy.max_redirects + 1):
            host, port, addresses = _checked(current, allow_private=policy.allow_private, resolver=resolver)
            pins[(host, port)] = addresses
            try:
                response = session.get(
                    current,
                    headers=headers,
                    stream=True,
                    allow_redirects=False,
                    timeout=(policy.connect_timeout, policy.read_timeout),
                )
            except requests.Timeout:
                raise FeedError("fetch_timeout", "The feed's server did not answer in time.") from None
            except requests.RequestException as exc:
                raise FeedError("fetch_connection_failed", f"The feed's server could not be reached ({exc}).") from None
            with response:
                _check_peer(response, host=host, allow_private=policy.allow_private)
                location = response.headers.get("Location")
                if response.status_code in _REDIRECTS and location:
                    current = urljoin(current, location)
                    continue
                if response.status_code == 304:
                    return FetchResult(True, current, etag, last_modified, 0)
                if response.status_code >= 400 or response.status_code < 200:
                    raise FeedError(
                        "fetch_http_error",
                        f"The feed's server answered {response.status_code} {response.reason or ''}".rstrip() + ".",
                    )
                size = _stream_body(response, dest, policy, started)
                return FetchResult(
                    False,
                    current,
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                    size,
                    response.headers.get("Content-Type"),
                )
        raise FeedError(
            "fetch_too_many_redirects", f"The feed address redirects more than {policy.max_redirects} times."
        )
    finally:
        if own_session:
            session.close()


def _check_peer(response: requests.Response, *, host: str, allow_private: bool) -> None:
    """Check the address actually connected to, which a DNS answer changed since may have moved."""
    connection = getattr(response.raw, "connection", None) or getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    try:
        address = sock.getpeername()[0]
    except OSError:
        return
    check_address(address, host=host, allow_private=allow_private)


def _stream_body(response: requests.Response, dest: BinaryIO, policy: FetchPolicy, started: float) -> int:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and not response.headers.get("Content-Encoding") and int(declared) > policy.max_bytes:
        raise _too_large(policy)
    size = 0
    raw = response.raw
    try:
        # read1 returns what has arrived (so the deadline is checked while bytes drip in)
        # and decodes gzip at most a chunk at a time (so a bomb never unpacks past the cap).
        while chunk := raw.read1(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > policy.max_bytes:
                raise _too_large(policy)
            if time.monotonic() - started > policy.deadline:
                raise FeedError(
                    "fetch_timeout", f"The download took longer than {policy.deadline:.0f} seconds and was stopped."
                )
            dest.write(chunk)
    except urllib3.exceptions.ReadTimeoutError:
        raise FeedError("fetch_timeout", "The feed's server stopped sending in the middle of the file.") from None
    except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
        raise FeedError("fetch_connection_failed", f"The download broke off ({exc}).") from None
    return size


def _too_large(policy: FetchPolicy) -> FeedError:
    return FeedError(
        "fetch_too_large",
        f"The feed is larger than {policy.max_bytes // (1024 * 1024)} MB (after unpacking); the download was stopped.",
    )
