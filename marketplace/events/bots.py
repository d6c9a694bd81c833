"""Telling people from robots: a maintained crawler list, headless browsers, prefetches and HEAD probes."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from crawlerdetect import CrawlerDetect
from werkzeug.datastructures import Headers

#: Agents the crawler list misses but that are not a person: HTTP libraries and monitors.
#: CrawlerDetect counts HeadlessChrome as a crawler too; so do we, in analytics and click-outs.
EXTRA_BOT_AGENTS = re.compile(
    r"headlesschrome|curl/|wget/|python-requests|python-urllib|httpx|aiohttp|go-http-client|okhttp|java/|"
    r"libwww|scrapy|lighthouse|pingdom|uptimerobot|monitor|preview",
    re.IGNORECASE,
)

_detector = CrawlerDetect()


@functools.lru_cache(maxsize=4096)
def is_bot_agent(user_agent: str) -> bool:
    """Return ``True`` when ``user_agent`` announces a robot (cached: a visitor sends the same one)."""
    if not user_agent.strip():
        return True
    return bool(EXTRA_BOT_AGENTS.search(user_agent)) or bool(_detector.isCrawler(user_agent))


def is_prefetch(headers: Mapping[str, str] | Headers) -> bool:
    """Return ``True`` for a browser's speculative load: prefetch, prerender or a link preview."""
    purpose = " ".join(headers.get(name, "") for name in ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")).lower()
    return "prefetch" in purpose or "preview" in purpose or "prerender" in purpose


def is_bot_request(method: str, user_agent: str | None, headers: Mapping[str, str] | Headers) -> bool:
    """Return ``True`` for requests that are not a person looking: bots, HEAD probes and prefetches."""
    if method.upper() != "GET":
        return True
    return is_bot_agent(user_agent or "") or is_prefetch(headers)
