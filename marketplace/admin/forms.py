"""Forms of the operators' pages: products, suppliers, moderation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from marketplace.moderation.services import MAX_REASON, Target
from marketplace.suppliers.offer_hosts import InvalidHost, parse_hosts


class SplitOfferForm(FlaskForm):
    """The "split out" button beside one offer."""

    offer_id = HiddenField(validators=[DataRequired()])


class OfferHostsForm(FlaskForm):
    """The hosts a supplier's offer links may name besides its store's."""

    hosts = TextAreaField(_l("Other sites of this supplier (one host per line)"))

    def validate_hosts(self, field: TextAreaField) -> None:
        try:
            parse_hosts(field.data or "")
        except InvalidHost as exc:
            raise ValidationError(
                _l("“%(value)s” is not a host name (like shop.example or myshop.prom.ua).", value=str(exc))
            ) from exc


class MergeProductForm(FlaskForm):
    """Merge another product into the one on the page."""

    other_id = IntegerField(
        _l("Product to merge into this one (its id)"),
        validators=[DataRequired(_l("Enter the id of the other product.")), NumberRange(min=1)],
    )


class ReviewDecisionForm(FlaskForm):
    """The "Confirm" and "Reject" buttons of a pair in the review queue: the CSRF token is all they carry."""


#: What each kind of hideable thing is called on the moderation page.
TARGET_LABELS = {Target.REQUEST: _l("Buyer request"), Target.SHOP: _l("Shop"), Target.OFFER: _l("Offer")}


class HideForm(FlaskForm):
    """Hide one thing by its number, for a reason its owner reads."""

    target = SelectField(_l("What"), choices=[SelectChoice(t.value, TARGET_LABELS[t]) for t in Target])
    target_id = IntegerField(_l("Number"), validators=[DataRequired(), NumberRange(min=1)])
    reason = StringField(_l("Reason (its owner reads it)"), validators=[DataRequired(), Length(max=MAX_REASON)])


class ShowForm(FlaskForm):
    """The "show again" button."""
