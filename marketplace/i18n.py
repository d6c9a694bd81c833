"""The UI's languages: English, Ukrainian and Russian."""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from marketplace.accounts.access import logged_in_account
from marketplace.accounts.services import set_locale
from marketplace.db import get_session
from marketplace.extensions import babel

logger = logging.getLogger(__name__)

#: The cookie that remembers a visitor's choice of language.
LANG_COOKIE = "lang"


def select_locale() -> str | None:
    """Pick the locale: ``?lang=``, then the cookie, then the browser's preference."""
    if not has_request_context():
        return None  # a CLI command or a job: the default language
    languages = current_app.config["LANGUAGES"]
    for choice in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in languages:
            return choice
    return request.accept_languages.best_match(languages)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel, with the catalogs shipped inside the package."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", os.path.join(os.path.dirname(__file__), "translations"))
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel keeps the locale on ``g``, which outlives a request when an app context is
    # shared (tests, the CLI's test client): each request chooses its own language.
    app.before_request(refresh)

    @app.after_request
    def _remember_language(response: Response) -> Response:
        choice = request.args.get("lang")
        if choice in app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != choice:
            response.set_cookie(LANG_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax")
        _remember_account_language(response, choice or request.cookies.get(LANG_COOKIE))
        return response


def _remember_account_language(response: Response, choice: str | None) -> None:
    """Keep the language a logged-in user picked (now or before logging in) on the account, for their mail."""
    if choice not in current_app.config["LANGUAGES"] or response.status_code >= 500 or request.endpoint == "static":
        return
    if not current_user.is_authenticated or current_user.locale == choice:
        return
    session = get_session()
    try:
        set_locale(session, logged_in_account(), choice)
        # Its own commit, at the request's end: the view's transaction is over by now.
        session.commit()
    except SQLAlchemyError:
        # A page already rendered must not fail for this; the next request tries again.
        session.rollback()
        logger.warning("Could not keep language %s for user %s", choice, current_user.get_id(), exc_info=True)
