"""Error pages for browsers, JSON errors for ``/api/``."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)

bp = Blueprint("errors", __name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, title: str, description: str):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify(error={"code": code, "title": title, "message": description}), code
    return render_template("errors/error.html", code=code, title=title, description=description), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
    return _render(400, _("Form expired"), _("The form was missing its security token. Reload the page and try again."))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    if error.code is None or error.code < 400:
        return error
    return _render(error.code, error.name, error.description or error.name)


@bp.app_errorhandler(429)
def too_many_requests(error: HTTPException):  # type: ignore[no-untyped-def]
    # Flask-Limiter's Retry-After and X-RateLimit headers are added to this response after the handler.
    return _render(429, _("Too many attempts"), _("Please wait a few minutes before you try again."))


@bp.app_errorhandler(InternalServerError)
def server_error(error: InternalServerError):  # type: ignore[no-untyped-def]
    logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=error.original_exception)
    return _render(500, _("Something went wrong"), _("The error was logged. Please try again in a moment."))
