"""The notifications page's buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm


class MarkReadForm(FlaskForm):
    """A button that marks notifications read: only the CSRF token."""
