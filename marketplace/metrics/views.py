"""``/metrics`` for Prometheus: loopback only, or with the bearer token ``TRADEROW_METRICS_TOKEN``.

Never public: the figures name every route and tell how busy the site and its suppliers'
imports are. A scraper on the same machine needs nothing; one elsewhere sends the token. A
request that came through a proxy (it carries ``X-Forwarded-For`` or ``Forwarded``) is not a
loopback request, even though the proxy on this machine connected from 127.0.0.1: else a
reverse proxy in front of the site would make /metrics public.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue

from marketplace.appctx import real_app
from marketplace.db import get_session
from marketplace.metrics.collect import scrape

bp = Blueprint("metrics", __name__)


def _from_loopback() -> bool:
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _has_token() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Answer Prometheus with every process's figures; refuse anyone but loopback or the token's holder."""
    if not (_from_loopback() or _has_token()):
        abort(403)
    body, content_type = scrape(real_app(), get_session())
    return Response(body, content_type=content_type)
