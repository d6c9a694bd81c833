"""Login, registration, password and verification forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, StringField, URLField
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional

from marketplace.accounts.passwords import MIN_PASSWORD_LENGTH

#: Longer passwords are refused before hashing: a megabyte of password costs the hash real time.
MAX_PASSWORD_LENGTH = 1000


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Keep me logged in on this device"))


def _new_password(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=_l(
            "At least %(num)d characters; a few unrelated words are easy to remember.", num=MIN_PASSWORD_LENGTH
        ),
    )


class RegisterForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=255)])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=255)])
    password = _new_password(_l("Password"))
    account_type = RadioField(
        _l("I am"),
        choices=[SelectChoice("buyer", _l("a buyer")), SelectChoice("supplier", _l("a supplier"))],
        default="buyer",
    )
    shop_name = StringField(_l("Shop name"), validators=[Optional(), Length(max=255)])
    shop_slug = StringField(_l("Shop address in the row"), validators=[Optional(), Length(max=60)])
    store_url = URLField(_l("Your web store"), validators=[Optional(), URL(require_tld=False)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    new_password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])


class ResetForm(FlaskForm):
    new_password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class ButtonForm(FlaskForm):
    """A button that only carries the CSRF token (log out everywhere, resend the verification mail)."""
