"""Take the README's screenshots of the demo marketplace: ``.venv/bin/python tests/e2e/screenshots.py``.

Serves the demo exactly as the browser tests do (its own temporary database and index, the
worker running, nothing beyond loopback) and writes docs/screenshots/{home,search,product,
portal,request}.png at 1280x900. Not a test: pytest collects only ``test_*.py``.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    # Run as a script, only this folder is on the path; the helpers live in the tests package.
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.support.e2e import (  # noqa: E402
    BUYER,
    SELLERS,
    TIMEOUT_MS,
    OutsideTraffic,
    launch_browser,
    live_traderow,
    log_in,
    new_context,
)

OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}


def shoot(page: Page, name: str) -> None:
    """Save the visible page (the viewport, as a reader's screen shows it)."""
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="traderow-screenshots-") as workdir,
        live_traderow(Path(workdir)) as live,
        sync_playwright() as playwright,
    ):
        browser = launch_browser(playwright)
        traffic = OutsideTraffic()
        context = new_context(browser, live, traffic, viewport=VIEWPORT)
        page = context.new_page()

        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=TIMEOUT_MS)
        shoot(page, "home")

        page.goto("/search?q=frying+pan")
        expect(page.get_by_test_id("hit").first).to_be_visible(timeout=TIMEOUT_MS)
        shoot(page, "search")

        # One row per product, titled by its best offer: the 28 cm pan may carry a Ukrainian title.
        page.get_by_test_id("hit").filter(has_text=re.compile(r"28 (cm|см)")).locator(".hit-title").click()
        expect(page.get_by_test_id("offers")).to_be_visible(timeout=TIMEOUT_MS)
        shoot(page, "product")

        log_in(page, BUYER)
        page.goto("/requests/")
        page.get_by_test_id("request-row").first.get_by_role("link").click()
        expect(page.get_by_test_id("quotes").first).to_be_visible(timeout=TIMEOUT_MS)
        shoot(page, "request")
        context.close()

        context = new_context(browser, live, traffic, viewport=VIEWPORT)
        page = context.new_page()
        log_in(page, SELLERS["kyiv-kitchen"])
        page.goto("/portal/")
        expect(page.get_by_test_id("upload-form")).to_be_visible(timeout=TIMEOUT_MS)
        shoot(page, "portal")
        context.close()
        browser.close()
    if traffic.escaped():
        print(f"requests left loopback without the router: {traffic.escaped()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
