"""Where a supplier's offers may send buyers: its own store's host, and the hosts an operator allows.

``/go/<offer>`` redirects to the offer's stored link, so a feed that names any site would
turn the marketplace into an open redirect for whoever registers as a supplier. An offer
link is accepted when its host is the store's registered host (``Supplier.store_url``) or a
subdomain of it, ``www.`` aside, or one of the hosts an operator allowed for that supplier
(``Supplier.extra_offer_hosts``: a shop on its own domain that also sells through a
storefront such as ``shop.prom.ua``). Subdomains follow the host they are under: allowing
``shop.prom.ua`` allows ``m.shop.prom.ua``, never another shop on ``prom.ua``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

#: A host name as operators type it: labels of letters, digits and dashes (IDN in its ``xn--`` form).
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


#: A link's host: letters (any script), digits, dots and dashes, nothing a browser reads differently.
_LINK_HOST_RE = re.compile(r"^[^\W_](?:[\w.-]*[^\W_])?$")


class InvalidHost(ValueError):
    """Not a host name an operator can allow."""


def host_of(url: str | None) -> str | None:
    """Return the lower-case host of ``url`` without ``www.`` and a trailing dot; ``None`` if it has none."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    if not host.isascii():
        # One spelling for an IDN host, whichever way the feed or the operator wrote it.
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return host[4:] if host.startswith("www.") else host


def normalize_host(value: str) -> str:
    """Return an operator's host entry (``shop.example``, ``https://www.shop.example/``) as a bare host."""
    value = value.strip().lower()
    host = host_of(value if "//" in value else f"https://{value}")
    if host is None or not _HOST_RE.match(host):
        raise InvalidHost(value)
    return host


def parse_hosts(text: str) -> list[str]:
    """Return the hosts of ``text`` (one per line, or separated by commas or spaces), de-duplicated, sorted."""
    return sorted({normalize_host(part) for part in re.split(r"[\s,]+", text) if part.strip()})


def allowed_hosts(store_url: str | None, extra: Iterable[str] | None) -> frozenset[str]:
    """Return the hosts a supplier's offer links may name (each with its subdomains)."""
    hosts = {host for host in (host_of(store_url), *(extra or ())) if host}
    return frozenset(hosts)


def link_allowed(url: str, hosts: frozenset[str]) -> bool:
    """Say whether ``url``'s host is one of ``hosts`` or a subdomain of one."""
    try:
        netloc = urlsplit(url.strip()).netloc
    except ValueError:
        return False
    host = host_of(url)
    # Browsers read "\\" as "/" and decode "%2e": "evil.example\\.shop.example" is evil.example to them.
    if host is None or "\\" in netloc or not _LINK_HOST_RE.match(host):
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)
