"""Capture page views: one cheap ``log_event`` per HTML page a person is shown."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

from marketplace.analytics.channels import classify
from marketplace.events.bots import is_prefetch
from marketplace.events.log import log_event

#: Routes that are no page a person reads.
SKIPPED_PREFIXES = ("/static/", "/api/", "/thumbnails/", "/healthz", "/readyz", "/go/")
#: The view arguments that name what a page shows.
SHOWN_IDS = ("product_id", "category_id", "supplier_id")


def init_app(app: Flask) -> None:
    """Record a page view after every successful HTML GET."""
    app.after_request(_record_page_view)


def _record_page_view(response: Response) -> Response:
    if (
        request.method != "GET"
        or response.status_code != 200
        or response.mimetype != "text/html"
        or request.path.startswith(SKIPPED_PREFIXES)
        or is_prefetch(request.headers)
    ):
        return response
    args = request.view_args or {}
    shown = {name: args[name] for name in SHOWN_IDS if isinstance(args.get(name), int)}
    referrer = request.referrer
    log_event(
        "pageview",
        path=request.path[:500],
        route=request.endpoint,
        referrer=_without_query(referrer),
        channel=classify(referrer, request.host, request.args),
        utm_source=_tag("utm_source"),
        utm_medium=_tag("utm_medium"),
        utm_campaign=_tag("utm_campaign"),
        **shown,
    )
    if request.endpoint == "catalog.product":
        log_event("product_view", path=request.path[:500], route=request.endpoint, **shown)
    return response


def _tag(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    return value[:100] or None


def _without_query(referrer: str | None) -> str | None:
    """Return the referrer's host and path: its query may hold another site's visitor's data."""
    if not referrer:
        return None
    parts = urlsplit(referrer)
    return f"{parts.netloc}{parts.path}"[:500] or None
