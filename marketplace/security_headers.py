"""The security headers every response carries: one place, so that each policy is stated once.

The pages hold no inline script, style or event handler, so the Content-Security-Policy
allows scripts and styles from our own origin only. Product pictures come from suppliers'
hosts, so images may come from any http(s) URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

#: Directive -> sources. Keep the pages free of inline code: a browser test fails on any violation.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: https: http:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: One year, and every subdomain: sent only when the site is served over HTTPS.
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(site_url: str) -> dict[str, str]:
    """Return the headers for a site reached at ``site_url``."""
    headers = {
        "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in CONTENT_SECURITY_POLICY.items()),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    if urlsplit(site_url).scheme == "https":
        headers["Strict-Transport-Security"] = HSTS
    return headers


def init_app(app: Flask) -> None:
    """Add the headers to every response; a view's own header (a click-out's Referrer-Policy) wins."""
    headers = security_headers(app.config["SITE_URL"])

    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
