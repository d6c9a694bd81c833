"""Error pages for browsers, JSON errors for ``/api/``."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.db import close_session

logger = logging.getLogger(__name__)

bp = Blueprint("errors", __name__)

#: The titles of the HTTP errors a person may meet, in their language (werkzeug's are English).
TITLES = {
    400: _l("Bad request"),
    401: _l("Not logged in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    415: _l("Unsupported content type"),
    429: _l("Too many attempts"),
}
#: What each of them means, for an ``abort(code)`` that gave no description of its own.
DESCRIPTIONS = {
    400: _l("The request could not be understood. Check what you entered and try again."),
    401: _l("Log in, or send a valid API token, to use this."),
    403: _l("You do not have access to this page."),
    404: _l("There is no such page. Check the address, or start again from the catalog."),
    405: _l("This address does not take that kind of request."),
    413: _l("The file is larger than this site accepts."),
    415: _l("This address does not take content of that type."),
    429: _l("Please wait a few minutes before you try again."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, title: str, description: str, *, without_database: bool = False) -> ResponseReturnValue:
    if _wants_json():
        return jsonify(error={"code": code, "title": title, "message": description}), code
    # without_database: the header shows no account (looking it up may be what failed).
    return render_template(
        "errors/error.html", code=code, title=title, description=description, without_database=without_database
    ), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> ResponseReturnValue:
    return _render(400, _("Form expired"), _("The form was missing its security token. Reload the page and try again."))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    if error.code is None or error.code < 400:
        return error
    title = str(TITLES.get(error.code, error.name))
    description = error.description
    if not description or description == type(error).description:
        # werkzeug's own English text: say it in the reader's language instead.
        description = str(DESCRIPTIONS.get(error.code, title))
    return _render(error.code, title, description)


@bp.app_errorhandler(429)
def too_many_requests(error: HTTPException) -> ResponseReturnValue:
    # Flask-Limiter's Retry-After and X-RateLimit headers are added to this response after the handler.
    return _render(429, str(TITLES[429]), str(DESCRIPTIONS[429]))


@bp.app_errorhandler(InternalServerError)
def server_error(error: InternalServerError) -> ResponseReturnValue:
    logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=error.original_exception)
    # The database may be what failed (locked, down): this page must not need it, and the
    # request's session may be unusable until rolled back.
    close_session()
    title, description = _("Something went wrong"), _("The error was logged. Please try again in a moment.")
    try:
        return _render(500, title, description, without_database=True)
    except Exception:
        logger.exception("The error page failed too; answering with the plain one")
        title, description = escape(title), escape(description)
        page = f"<!doctype html><title>500 {title}</title><h1>500 — {title}</h1><p>{description}</p>"
        return Response(page, status=500, mimetype="text/html")
