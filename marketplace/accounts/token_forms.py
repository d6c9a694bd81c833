"""The account page's API token forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=255)],
        description=_l("What will use it, e.g. “ERP connector”."),
    )


class RevokeTokenForm(FlaskForm):
    """The revoke button: only the CSRF token."""
