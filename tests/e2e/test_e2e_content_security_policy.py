"""The main pages run under the strict Content-Security-Policy without a single violation.

The policy allows no inline script or style: a ``style=""`` attribute, an ``onclick`` or a
``<script>`` block in a template is refused by the browser, and this test names it.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page
from sqlalchemy import select

from marketplace.catalog.models import Product
from tests.support.e2e import SELLERS, LiveApp, log_in, log_out

pytestmark = pytest.mark.e2e

ADMIN = "admin@traderow.example"

#: Collects the page's CSP violations; an init script runs through the DevTools protocol, not the page's CSP.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"} at ${where}`);
});
"""


def visit(page: Page, path: str, found: list[str]) -> None:
    """Open ``path``, let it settle, and add its CSP violations to ``found``."""
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    violations: list[Any] = page.evaluate("window.__cspViolations")
    found.extend(f"{path}: {v}" for v in violations)


def test_the_main_pages_break_no_csp_rule(page: Page, live: LiveApp) -> None:
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            console.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.context.add_init_script(LISTEN)
    with live.session() as session:
        product_id = session.scalars(
            select(Product.id).where(Product.title.ilike("Hartwell Steel frying pan 28%"))
        ).first()
    assert product_id is not None

    found: list[str] = []
    for path in [
        "/",
        "/search?q=frying+pan",
        f"/products/{product_id}",
        "/requests/",
        "/categories/",
        "/account/login",
    ]:
        visit(page, path, found)
    # The search box's suggestions are script-driven: type into it, under the policy too.
    page.goto("/")
    page.locator(".header-search input[name=q]").press_sequentially("fry")
    page.wait_for_timeout(500)
    found.extend(page.evaluate("window.__cspViolations"))

    log_in(page, SELLERS["sad-horod"])
    visit(page, "/portal/", found)
    visit(page, "/portal/numbers", found)  # Chart.js draws from a JSON block: no inline script
    log_out(page)
    log_in(page, ADMIN)
    visit(page, "/admin/", found)
    visit(page, "/admin/analytics", found)
    log_out(page)

    assert found == [] and console == [], found + console
