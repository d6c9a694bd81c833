"""Fixtures of the browser tests: one live demo marketplace and one chromium per run.

The tests share the live app, so each one works on data the others leave alone: the search
test reads the cookware, the portal test replaces Sad & Horod's catalog (garden tools), the
request test publishes a request of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support.e2e import CHROMIUM, LiveApp, OutsideTraffic, launch_browser, live_traderow, new_context


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """Serve the demo marketplace for the whole e2e run."""
    with live_traderow(tmp_path_factory.mktemp("e2e")) as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch chromium once; without it the tests skip locally and fail in CI."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing; install Debian's chromium package to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        yield browser
        browser.close()


@pytest.fixture
def traffic() -> OutsideTraffic:
    """Return the record of the test's requests beyond loopback."""
    return OutsideTraffic()


@pytest.fixture
def context(browser: Browser, live: LiveApp, traffic: OutsideTraffic) -> Iterator[BrowserContext]:
    """Open a fresh context per test, and fail the test if a request got past the router."""
    context = new_context(browser, live, traffic)
    yield context
    context.close()
    assert not traffic.escaped(), f"requests left loopback without the router: {traffic.escaped()}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
