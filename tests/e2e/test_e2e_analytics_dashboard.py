"""The operator's analytics page in a real browser: Chart.js loads from our own static files and draws.

At a desktop width and a phone's, the charts' canvases are there and drawn, no script breaks
the Content-Security-Policy, and the page never scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.e2e import LiveApp, log_in, page_width

pytestmark = pytest.mark.e2e

ADMIN = "admin@traderow.example"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_analytics_page_draws_its_charts(page: Page, live: LiveApp, width: int) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, ADMIN)

    page.goto("/admin/analytics")

    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    assert page.evaluate("typeof window.Chart") == "function"
    for name in ("traffic", "depth", "channels", "funnel"):
        canvas = page.locator(f'[data-testid="chart-{name}"] canvas')
        expect(canvas).to_have_attribute("data-drawn", "true")
        assert canvas.bounding_box()["height"] > 100  # type: ignore[index]
    expect(page.get_by_test_id("table-funnel")).to_be_visible()
    assert page_width(page) <= width
    assert violations == []
