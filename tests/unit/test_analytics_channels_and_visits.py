"""Channels from referrers and UTM tags, and visits split at 30 minutes idle and at midnight."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.analytics.channels import classify
from marketplace.analytics.visits import Event, split_visits
from marketplace.events.bots import is_bot_request

OWN = "traderow.example"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36"


@pytest.mark.parametrize(
    ("referrer", "query", "channel"),
    [
        (None, {}, "direct"),
        ("", {}, "direct"),
        ("https://traderow.example/search?q=pan", {}, "internal"),
        ("https://www.google.com/", {}, "search"),
        ("https://www.google.com.ua/url?q=x", {}, "search"),
        ("https://google.de/", {}, "search"),
        ("https://duckduckgo.com/", {}, "search"),
        ("https://www.bing.com/search?q=pan", {}, "search"),
        ("https://search.brave.com/search?q=pan", {}, "search"),
        ("https://ya.ru/", {}, "search"),
        ("https://mail.google.com/mail/u/0/", {}, "email"),
        ("https://outlook.live.com/", {}, "email"),
        ("https://forum.example.org/thread/1", {}, "referral"),
        ("https://googlefans.example.com/", {}, "referral"),
        ("https://forum.example.org/", {"utm_source": "forum", "utm_campaign": "spring"}, "campaign"),
        (None, {"gclid": "abc"}, "campaign"),
        (None, {"utm_medium": "email", "utm_source": "newsletter"}, "email"),
    ],
)
def test_channels(referrer: str | None, query: dict[str, str], channel: str) -> None:
    assert classify(referrer, OWN, query) == channel


@pytest.mark.parametrize(
    ("method", "agent", "headers", "bot"),
    [
        ("GET", BROWSER, {}, False),
        ("GET", HEADLESS, {}, True),
        ("GET", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", {}, True),
        ("GET", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", {}, True),
        ("HEAD", BROWSER, {}, True),
        ("GET", BROWSER, {"Sec-Purpose": "prefetch"}, True),
    ],
)
def test_crawler_list_headless_chrome_head_and_prefetch_are_not_people(
    method: str, agent: str, headers: dict[str, str], bot: bool
) -> None:
    assert is_bot_request(method, agent, headers) is bot


def _at(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)


def test_a_visit_ends_after_thirty_idle_minutes() -> None:
    times = [_at(5, 10, 0), _at(5, 10, 29), _at(5, 10, 59), _at(5, 11, 30)]
    visits = split_visits(Event(t, "pageview", "v1", "/") for t in times)
    assert [len(v.pages) for v in visits] == [3, 1]


def test_a_visit_ends_at_midnight() -> None:
    times = [_at(5, 23, 50), _at(5, 23, 59), _at(6, 0, 5)]
    visits = split_visits(Event(t, "pageview", "v1", "/") for t in times)
    assert [len(v.pages) for v in visits] == [2, 1]


def test_people_have_their_own_visits_and_events_without_pages_make_none() -> None:
    events = [
        Event(_at(5, 10, 0), "pageview", "v1", "/", "search"),
        Event(_at(5, 10, 1), "pageview", "v2", "/a"),
        Event(_at(5, 10, 2), "search", "v1", data={"query": "pan"}),
        Event(_at(5, 15, 0), "login", "u3"),
    ]
    visits = split_visits(events)
    assert sorted((v.person, len(v.events), v.channel) for v in visits) == [("v1", 2, "search"), ("v2", 1, "direct")]
