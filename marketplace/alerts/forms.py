"""The forms that set, edit and remove alerts, save a search, and mark a favourite."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, EmailField, IntegerField, SelectChoice, SelectField, URLField
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from marketplace.alerts.models import AlertKind
from marketplace.search.forms import AmountField

PRODUCT_KINDS = [
    SelectChoice(AlertKind.TARGET.value, _l("The price reaches my target")),
    SelectChoice(AlertKind.DROP.value, _l("The price drops by a percentage")),
    SelectChoice(AlertKind.STOCK.value, _l("It is back in stock")),
    SelectChoice(AlertKind.LOWEST.value, _l("It is the lowest price in a number of days")),
]


class ButtonForm(FlaskForm):
    """A button that only needs the CSRF token: the heart, remove, unsubscribe."""


class _Owner(FlaskForm):
    #: Asked only of a visitor who is not signed in; they confirm it by mail (double opt-in).
    email = EmailField(
        _l("Your e-mail"), validators=[Optional(), Email(message=_l("Not an e-mail address.")), Length(max=255)]
    )


class ProductAlertForm(_Owner):
    """Tell me when this product's price or stock moves."""

    kind = SelectField(_l("Tell me when"), choices=PRODUCT_KINDS, default=AlertKind.TARGET.value)
    target_price = AmountField(_l("Target price"), places=2, validators=[Optional()])
    drop_percent = DecimalField(
        _l("Drop, %"),
        places=0,
        validators=[Optional(), NumberRange(min=1, max=99, message=_l("From 1 to 99."))],
    )
    days = IntegerField(
        _l("Days"), validators=[Optional(), NumberRange(min=1, max=365, message=_l("From 1 to 365."))], default=30
    )


class SaveSearchForm(_Owner):
    """Save the search in the query string; its parameters are read by the search form itself."""


class EditAlertForm(FlaskForm):
    """Change an alert's threshold or pause it."""

    target_price = AmountField(_l("Target price"), places=2, validators=[Optional()])
    drop_percent = DecimalField(
        _l("Drop, %"), places=0, validators=[Optional(), NumberRange(min=1, max=99, message=_l("From 1 to 99."))]
    )
    days = IntegerField(_l("Days"), validators=[Optional(), NumberRange(min=1, max=365, message=_l("From 1 to 365."))])
    active = BooleanField(_l("Active"))


class WebhookForm(FlaskForm):
    """Where the user's own system hears of their alerts."""

    url = URLField(
        _l("Webhook URL"),
        validators=[DataRequired(), URL(require_tld=False, message=_l("Not a web address.")), Length(max=2000)],
    )
