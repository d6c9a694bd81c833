"""Authenticate API calls by ``Authorization: Bearer <token>``; never by the session cookie.

API views read the caller from here only, which is why the API blueprints may be exempt
from CSRF: a cross-site form can make the browser send our cookie, never a bearer token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from flask import abort, request
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.tokens import authenticate_token
from marketplace.db import get_session

_CACHE_KEY = "traderow.api_user"


def api_user() -> User | None:
    """Return the user whose bearer token the request carries; abort 401 for a bad token."""
    # Cached on the request, not on ``g``: an app context (and its ``g``) can outlive one request.
    if _CACHE_KEY in request.environ:
        return cast("User | None", request.environ[_CACHE_KEY])
    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _sep, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            abort(
                401,
                description=_(
                    "Use '%(header)s' with a token from your account page.", header="Authorization: Bearer <token>"
                ),
            )
        user = authenticate_token(get_session(), secret.strip())
        if user is None:
            abort(401, description=_("The API token is unknown or revoked."))
    request.environ[_CACHE_KEY] = user
    return user


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse the call with 401 unless it carries a live API token."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if api_user() is None:
            abort(
                401,
                description=_("This call needs an API token: '%(header)s'.", header="Authorization: Bearer <token>"),
            )
        return view(*args, **kwargs)

    return wrapped
