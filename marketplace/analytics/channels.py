"""Which channel brought a visit: search engine, direct, internal, referral, campaign or e-mail."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from urllib.parse import urlsplit

SEARCH = "search"
DIRECT = "direct"
INTERNAL = "internal"
REFERRAL = "referral"
CAMPAIGN = "campaign"
EMAIL = "email"
CHANNELS = (SEARCH, DIRECT, INTERNAL, REFERRAL, CAMPAIGN, EMAIL)

#: Click ids that ad networks add to a landing URL: a paid visit even without UTM tags
#: (the parameters Umami's PAID_AD_PARAMS names).
PAID_AD_PARAMS = ("gclid", "gbraid", "wbraid", "fbclid", "msclkid", "dclid", "twclid", "li_fat_id", "yclid", "ttclid")
#: utm_medium values that mean a mail, not a campaign page.
EMAIL_MEDIUMS = frozenset({"email", "e-mail", "mail", "newsletter"})


class DomainList:
    """A list of domains: exact names, "name.*" for every country domain, "*.name" for every subdomain."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.any_tld: set[str] = set()
        self.any_sub: set[str] = set()
        for raw in lines:
            line = raw.strip().lower()
            if not line or line.startswith("#"):
                continue
            if line.endswith(".*"):
                self.any_tld.add(line[:-2])
            elif line.startswith("*."):
                self.any_sub.add(line[2:])
            else:
                self.exact.add(line)

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        host = host.lower().removeprefix("www.")
        if host in self.exact:
            return True
        labels = host.split(".")
        # "google.com.ua" and "google.de" match "google.*"; so does "news.google.com".
        for start in range(len(labels) - 1):
            if ".".join(labels[start:]) in self.any_sub and start > 0:
                return True
            for end in range(start + 1, len(labels)):
                if ".".join(labels[start:end]) in self.any_tld and _is_suffix(labels[end:]):
                    return True
        return False


def _is_suffix(labels: list[str]) -> bool:
    """Return whether the labels look like a public suffix: "com", "com.ua", "co.uk", "de"."""
    return 1 <= len(labels) <= 2 and all(len(label) <= 4 for label in labels)


@functools.cache
def search_engines() -> DomainList:
    """Return the maintained list of search engines (analytics/data/search_engines.txt)."""
    return DomainList(_data("search_engines.txt"))


@functools.cache
def email_domains() -> DomainList:
    """Return the maintained list of webmail hosts (analytics/data/email_domains.txt)."""
    return DomainList(_data("email_domains.txt"))


def _data(name: str) -> list[str]:
    return resources.files("marketplace.analytics").joinpath("data", name).read_text("utf-8").splitlines()


def classify(referrer: str | None, own_host: str, query: Mapping[str, str]) -> str:
    """Return the channel of a visit that landed with ``query`` on our page from ``referrer``."""
    medium = (query.get("utm_medium") or "").strip().lower()
    if medium in EMAIL_MEDIUMS:
        return EMAIL
    if query.get("utm_source") or query.get("utm_campaign") or any(p in query for p in PAID_AD_PARAMS):
        return CAMPAIGN
    if not referrer:
        return DIRECT
    host = (urlsplit(referrer).hostname or "").lower()
    if not host:
        return DIRECT
    if host == own_host.split(":")[0].lower():
        return INTERNAL
    # Webmail first: "mail.google.com" is Google's, but no search brought the visit.
    if host in email_domains():
        return EMAIL
    if host in search_engines():
        return SEARCH
    return REFERRAL
