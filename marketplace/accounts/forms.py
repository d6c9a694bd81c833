"""Login and registration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField, URLField
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from marketplace.accounts.services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class RegisterForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=255)])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])
    account_type = RadioField(
        _l("I am"),
        choices=[SelectChoice("buyer", _l("a buyer")), SelectChoice("supplier", _l("a supplier"))],
        default="buyer",
    )
    shop_name = StringField(_l("Shop name"), validators=[Optional(), Length(max=255)])
    shop_slug = StringField(_l("Shop address in the row"), validators=[Optional(), Length(max=60)])
    store_url = URLField(_l("Your web store"), validators=[Optional(), URL(require_tld=False)])
