"""The UI's languages: English, Ukrainian and Russian."""

from __future__ import annotations

import os

from flask import Flask, Response, current_app, has_request_context, request

from marketplace.extensions import babel

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

    @app.after_request
    def _remember_language(response: Response) -> Response:
        choice = request.args.get("lang")
        if choice in app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != choice:
            response.set_cookie(LANG_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax")
        return response
