"""``/healthz`` (the process answers) and ``/readyz`` (it can serve buyers), as small JSON bodies."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from marketplace.db import get_session
from marketplace.health.services import check_readiness
from marketplace.search.index_runtime import get_index

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer 200 while the process serves requests; touches neither the database nor the index."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Answer 200 when the database answers, the index opens and does not lag; else 503 saying which failed."""
    readiness = check_readiness(get_session(), get_index(), current_app.config["READY_INDEX_LAG_SECONDS"])
    status = 200 if readiness.ready else 503
    body = {"status": "ok" if readiness.ready else "fail", "engine": readiness.engine, "checks": readiness.checks}
    return jsonify(body), status
