"""Every response carries the security headers; HSTS only on an HTTPS site; templates hold no inline code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("path", ["/", "/account/login", "/nowhere", "/api/v1/openapi.json", "/static/traderow.css"])
def test_every_response_carries_the_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # the test site is http://


class TestOnHttps:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"SITE_URL": "https://traderow.example"}

    def test_hsts_is_sent(self, client: FlaskClient) -> None:
        assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_template_holds_inline_script_style_or_handlers() -> None:
    # A JSON-LD or JSON block is data the browser never runs (so CSP does not apply to it): it is allowed.
    inline = re.compile(
        r"<script(?![^>]*\b(?:src=|type=\"application/(?:ld\+)?json\"))[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:",
        re.IGNORECASE,
    )
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if inline.search(line)
    ]
    assert offenders == []
