"""Forms of the operators' product pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, NumberRange


class SplitOfferForm(FlaskForm):
    """The "split out" button beside one offer."""

    offer_id = HiddenField(validators=[DataRequired()])


class MergeProductForm(FlaskForm):
    """Merge another product into the one on the page."""

    other_id = IntegerField(
        _l("Product to merge into this one (its id)"),
        validators=[DataRequired(_l("Enter the id of the other product.")), NumberRange(min=1)],
    )
