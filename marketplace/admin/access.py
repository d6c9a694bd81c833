"""Who may open the operators' pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let only operators in: anonymous visitors log in first, everyone else gets 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403, description=_("This page is for the marketplace's operators."))
        return view(*args, **kwargs)

    return wrapped
