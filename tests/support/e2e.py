"""Serve the demo marketplace live and drive it with Debian's chromium; used by the e2e tests.

The shared ``app`` fixture binds sessions to a rolled-back transaction, which a server in
another thread cannot see; the browser tests build their own app on their own committed
database (a SQLite file, or a ``<name>_e2e`` database next to ``TEST_DATABASE_URL`` on
PostgreSQL), load the demo through the real services, index it, and serve it with the
background worker.

Plain functions, so that the e2e ``conftest.py`` and ``screenshots.py`` share them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    expect,
)
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from marketplace import create_app
from marketplace.db import database
from marketplace.demo.loader import DEMO_PASSWORD, load_demo
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.taxonomy.seed import seed_categories
from marketplace.worker import run_worker
from tests.support.app import app_config
from tests.support.database import migrate, side_database

CHROMIUM = "/usr/bin/chromium"
#: The only way these tests start a browser: Debian's chromium, headless, quiet on the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Playwright's assertion and action timeout; the pages are local, so 5 s is generous.
TIMEOUT_MS = 5_000

BUYER = "buyer@traderow.example"
#: Demo supplier members, by supplier slug.
SELLERS = {
    "kyiv-kitchen": "seller@kyiv-kitchen.example",
    "sad-horod": "seller@sad-horod.example",
    "office-point": "seller@office-point.example",
    "dnipro-tools": "seller@dnipro-tools.example",
}
#: The browser these tests play: a person's desktop Chrome. Analytics and click-outs count
#: HeadlessChrome (chromium's own agent here) as a bot, as they must; a test that plays a bot
#: passes ``user_agent=HEADLESS_AGENT`` or leaves the agent to chromium.
PERSON_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
HEADLESS_AGENT = PERSON_AGENT.replace("Chrome/", "HeadlessChrome/")
#: What the intercepted "seller's store" answers, so a test can see where a click-out landed.
SELLER_STORE_HTML = "<!doctype html><title>Seller store</title><h1>Seller store</h1>"


@dataclass
class LiveApp:
    """A TradeRow app served on loopback, with its worker running."""

    app: Flask
    base_url: str

    def session(self) -> Session:
        """Open a session on the live database for reading; the caller closes it."""
        return database(self.app).session()

    def write_session(self) -> Session:
        """Open a session that holds SQLite's write lock from its start; the caller commits and closes it.

        A test's deferred transaction that reads, then writes, fails at once in WAL when the live
        server or worker committed in between (CI's alerts test did); this one waits its turn.
        """
        return database(self.app).write_session(self.app.config["SQLITE_BUSY_TIMEOUT"])


# --- the database, the app and the server -------------------------------------------------


def build_app(workdir: Path, database_url: str) -> Flask:
    """Create the app with CSRF on, as the real forms need, and the demo loaded and indexed."""
    migrate(database_url)
    # As in production: the worker refreshes the product pages' recommendations, and pages write
    # their analytics events in batches at most every 5 s, not after every request as unit tests do.
    app = create_app(
        app_config(
            workdir,
            database_url,
            SECRET_KEY="e2e-secret",
            WTF_CSRF_ENABLED=True,
            RECOMMENDATIONS_INTERVAL=3600,
            ANALYTICS_FLUSH_SECONDS=5.0,
        )
    )
    with app.app_context():
        session = database(app).session()
        try:
            # The full taxonomy: the demo feeds map their categories by Google taxonomy name.
            seed_categories(session)
            load_demo(session, base_currency=app.config["BASE_CURRENCY"], rates=app.config["CURRENCY_RATES"])
            session.commit()
            sync_index(session, get_index(app))
        finally:
            session.close()
    return app


@contextmanager
def serve(app: Flask) -> Iterator[LiveApp]:
    """Serve ``app`` on a free loopback port, with the background worker, until the block ends."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    server_thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    stop = threading.Event()
    worker_thread = threading.Thread(
        target=run_worker, args=(app,), kwargs={"interval": 0.2, "stop": stop}, name="e2e-worker", daemon=True
    )
    server_thread.start()
    worker_thread.start()
    try:
        yield LiveApp(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        worker_thread.join(timeout=10)
        server_thread.join(timeout=10)
        get_index(app).close()
        database(app).dispose()


@contextmanager
def live_traderow(workdir: Path) -> Iterator[LiveApp]:
    """Yield the demo marketplace served live from ``workdir``; tear everything down after."""
    # On PostgreSQL the database is ``<TEST_DATABASE_URL's name>_e2e`` on the same server.
    with side_database(workdir, "e2e") as url:
        app = build_app(workdir, url)
        with serve(app) as live:
            yield live


# --- the browser --------------------------------------------------------------------------


def launch_browser(playwright: Playwright) -> Browser:
    """Launch Debian's chromium, headless; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@dataclass
class OutsideTraffic:
    """What a browser context tried to reach beyond loopback."""

    #: Requests the router answered: the "stores" it fulfilled and everything it aborted.
    routed: list[str] = field(default_factory=list)
    #: Pages of the demo stores the browser navigated to (a click-out's landing), in order.
    visits: list[str] = field(default_factory=list)
    #: Every non-loopback request the browser issued, routed or not.
    seen: list[str] = field(default_factory=list)
    #: Non-loopback requests that failed other than by the router's abort: the network was tried.
    failed: list[str] = field(default_factory=list)

    def store_visits(self) -> list[str]:
        """Return the demo store pages the browser landed on, in order (not their pictures)."""
        return list(self.visits)

    def escaped(self) -> list[str]:
        """Return the outside requests that got past the router (a followed redirect does)."""
        return [url for url in self.seen if url not in self.routed] + self.failed


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost")


def _is_store(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and (parts.hostname or "").endswith(".example")


def new_context(browser: Browser, live: LiveApp, traffic: OutsideTraffic, **options: Any) -> BrowserContext:
    """Open a fresh browser context on ``live`` that cannot reach anything beyond loopback.

    Navigations to the demo stores (``https://*.example/``) get a tiny "Seller store" page so a
    click-out's landing URL can be checked, and their pictures a 404; every other outside
    request is aborted. Both are written down in ``traffic``.
    """
    options.setdefault("locale", "en-US")
    options.setdefault("user_agent", PERSON_AGENT)
    context = browser.new_context(base_url=live.base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)

    def handle(route: Route) -> None:
        request = route.request
        if _is_loopback(request.url):
            if request.method == "GET" and request.resource_type == "document":
                _keep_redirect_routed(route)
            else:
                route.continue_()
            return
        traffic.routed.append(request.url)
        if _is_store(request.url) and request.is_navigation_request():
            traffic.visits.append(request.url)
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=SELLER_STORE_HTML)
        elif _is_store(request.url):
            route.fulfill(status=404, body="")  # a store's picture: answered, never fetched
        else:
            route.abort("blockedbyclient")

    def watch(request: Request) -> None:
        if not _is_loopback(request.url):
            traffic.seen.append(request.url)

    def watch_failure(request: Request) -> None:
        if not _is_loopback(request.url) and not (request.failure or "").startswith("net::ERR_BLOCKED_BY_CLIENT"):
            traffic.failed.append(f"{request.url} ({request.failure})")

    context.on("request", watch)
    context.on("requestfailed", watch_failure)
    context.route(re.compile(r".*"), handle)
    return context


def _keep_redirect_routed(route: Route) -> None:
    """Load a page of ours, turning a redirect off the site into a navigation the router sees.

    Playwright never routes the request that follows a redirect, so the browser would follow
    ``/go/<id>``'s 302 straight onto the network. Instead the 302 is fetched here, and the
    browser gets a page that moves to the same ``Location`` with ``location.replace``.
    """
    response = route.fetch(max_redirects=0)
    location = response.headers.get("location")
    target = urljoin(route.request.url, location) if location else None
    if not (300 <= response.status < 400 and target and not _is_loopback(target)):
        route.fulfill(response=response)
        return
    headers = {"cache-control": "no-store"}
    if "set-cookie" in response.headers:
        headers["set-cookie"] = response.headers["set-cookie"]
    script = json.dumps(target).replace("<", "\\u003c")
    route.fulfill(
        status=200,
        headers=headers,
        content_type="text/html; charset=utf-8",
        body=f"<!doctype html><title>Redirecting</title><script>location.replace({script})</script>",
    )


def log_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real login form and wait for the welcome message."""
    page.goto("/account/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_contain_text("Welcome back", timeout=TIMEOUT_MS)


def log_out(page: Page) -> None:
    """Log out with the header's button (a POST carrying the CSRF token)."""
    page.locator(".site-header").get_by_role("button", name="Log out").click()
    expect(page.locator(".flash-info")).to_contain_text("logged out", timeout=TIMEOUT_MS)


def upload_price_list(page: Page, path: Path | str, *, dry_run: bool = False) -> None:
    """Upload a price list with the portal's form (the page must be the portal, or ``/portal/`` is opened)."""
    if "/portal/" not in page.url or not page.get_by_test_id("upload-form").count():
        page.goto("/portal/")
    form = page.get_by_test_id("upload-form")
    form.locator("input[name=feed]").set_input_files(str(path))
    if dry_run:
        form.get_by_test_id("upload-dry-run").check()
    form.get_by_role("button", name="Upload").click()


def run_stats(page: Page) -> dict[str, int]:
    """Return the import page's counters by label, e.g. ``{"new": 2, "rejected": 1}``."""
    expect(page.get_by_test_id("run-stats")).to_be_visible(timeout=TIMEOUT_MS)
    stats = {}
    for text in page.get_by_test_id("run-stats").locator("li").all_inner_texts():
        number, label = text.strip().split(maxsplit=1)
        stats[label] = int(number)
    return stats


def page_width(page: Page) -> int:
    """Return how wide the page's content is (wider than the viewport means it scrolls sideways).

    Measured once the page has loaded with its stylesheet: right after a form's submit, an
    unstyled page with a long word is as wide as the word (CI once read 1,249 px at 414).
    """
    page.wait_for_load_state("load")
    return int(page.evaluate("document.documentElement.scrollWidth"))
