"""Three visitors and a bot in a real browser: a new one, one returning a day later, one sending Do Not Track.

Each lands in the report as it should; the bot's visit (HeadlessChrome) appears in none of it.
The events are stamped through ``ANALYTICS_CLOCK`` on two days of their own, so the other
browser tests' visits to the shared live app stay out of these days' report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from marketplace.analytics.report import analytics_report
from marketplace.analytics.rollup import rollup_day
from marketplace.events.log import flush
from tests.support.e2e import HEADLESS_AGENT, LiveApp, OutsideTraffic, new_context

pytestmark = pytest.mark.e2e

DAY_ONE = dt.date(2031, 3, 10)
DAY_TWO = DAY_ONE + dt.timedelta(days=1)


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime.combine(DAY_ONE, dt.time(9, 0), tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.at += dt.timedelta(seconds=5)  # each event a little later, as in a real visit
        return self.at


@pytest.fixture
def clock(live: LiveApp) -> Iterator[Clock]:
    clock = Clock()
    live.app.config["ANALYTICS_CLOCK"] = clock
    yield clock
    live.app.config["ANALYTICS_CLOCK"] = None


def test_new_returning_and_dnt_visitors_and_a_bot(browser: Browser, live: LiveApp, clock: Clock) -> None:
    traffic = OutsideTraffic()
    new = new_context(browser, live, traffic)
    returning = new_context(browser, live, traffic)
    private = new_context(browser, live, traffic, extra_http_headers={"DNT": "1"})
    bot = new_context(browser, live, traffic, user_agent=HEADLESS_AGENT)
    try:
        page = returning.new_page()
        page.goto("/")
        page = new.new_page()
        page.goto("/")
        page.get_by_role("link", name="Your visits and privacy").click()
        page.wait_for_url("**/privacy/analytics")
        clock.at = dt.datetime.combine(DAY_TWO, dt.time(11, 0), tzinfo=dt.UTC)
        page = returning.new_page()
        page.goto("/categories/")
        page = private.new_page()
        page.goto("/")
        page.goto("/categories/")
        page = bot.new_page()
        page.goto("/search?q=robot")
        page.goto("/account/login")
    finally:
        for context in (new, returning, private, bot):
            context.close()
    assert not traffic.escaped()

    flush(live.app)  # the events the pages buffered, written now rather than at a later page's end
    session = live.write_session()
    try:
        for day in (DAY_ONE, DAY_TWO):
            rollup_day(session, day)
        session.commit()
        first = analytics_report(session, DAY_ONE, DAY_ONE)
        second = analytics_report(session, DAY_TWO, DAY_TWO)
        both = analytics_report(session, DAY_ONE, DAY_TWO)
    finally:
        session.close()

    assert (first["visitors"], first["new_visitors"], first["returning_visitors"]) == (2, 2, 0)
    assert {row["path"]: row["views"] for row in first["top_pages"]} == {"/": 2, "/privacy/analytics": 1}
    # Day two: only the returning visitor; the DNT visitor and the bot left no visit.
    assert (second["visits"], second["visitors"], second["new_visitors"], second["returning_visitors"]) == (1, 1, 0, 1)
    assert second["top_pages"] == [{"path": "/categories/", "views": 1}]
    assert second["bots_excluded"] >= 2
    assert (both["visitors"], both["visits"]) == (2, 3)
    for report in (first, second, both):
        paths = {row["path"] for key in ("top_pages", "entry_pages", "exit_pages") for row in report[key]}
        assert not paths & {"/search", "/account/login"}
        assert report["searches"] == [] and report["channels"] == {"direct": report["visits"]}
