"""Who may open which pages: the one home of the access decorators every blueprint uses.

Anonymous visitors are sent to log in first (Flask-Login's ``login_required``); a logged-in
user without the role gets a 403 that says, in their language, whom the page is for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import User

View = Callable[..., Any]


def _role_required(has_role: Callable[[Any], bool], refusal: Callable[[], str]) -> Callable[[View], View]:
    """Make a decorator that lets in the logged-in users for whom ``has_role`` holds."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user):
                abort(403, description=refusal())
            return view(*args, **kwargs)

        # Flask-Login ships no types: its decorator returns the view it was given, wrapped.
        return cast(View, login_required(wrapped))

    return decorator


#: The operators' pages (/admin/...).
admin_required = _role_required(lambda user: user.is_admin, lambda: _("This page is for the marketplace's operators."))

#: The supplier portal (/portal/...): members of a supplier only.
supplier_required = _role_required(
    lambda user: user.is_supplier, lambda: _("The supplier portal is for suppliers' members.")
)


def current_account() -> User | None:
    """Return the logged-in user itself, or ``None`` for a visitor.

    The object, not Flask-Login's proxy: services put it into relationships and compare it.
    """
    if not current_user.is_authenticated:
        return None
    return cast(User, current_user._get_current_object())


def logged_in_account() -> User:
    """Return the logged-in user, in a view that ``login_required`` (or a role) guards."""
    account = current_account()
    if account is None:
        abort(401)
    return account
