"""The app behind Flask's ``current_app`` proxy, for work that keeps it past the request or command.

A thread, the click spool, a queued job and the worker hold the app object itself: the proxy
only resolves inside an app context, and theirs may be gone (or another one) by then.
"""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app


def real_app() -> Flask:
    """Return the app object ``current_app`` stands for in this context."""
    # Flask annotates current_app as Flask, so mypy cannot see the proxy's own method.
    return cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
