"""Forms of the shop pages, and the category-mapping form the portal and the operators' queue share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from marketplace.shops.services import MAX_QUANTITY


class OrderItemForm(Form):
    """One line of an order request: which offer and how many."""

    offer_id = HiddenField()
    quantity = IntegerField(_l("Quantity"), default=1, validators=[Optional(), NumberRange(min=0, max=MAX_QUANTITY)])


class OrderForm(FlaskForm):
    """An order request to a seller without a web store of its own."""

    buyer_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=255)])
    #: A business buyer's company; the name above is then its contact person.
    company = StringField(_l("Company (for business buyers)"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=255)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    items = FieldList(FormField(OrderItemForm), min_entries=0, max_entries=50)


class CategoryMappingForm(FlaskForm):
    """Map one supplier category: by Google id, full path or unique name; empty unmaps it."""

    supplier_category_id = HiddenField(validators=[DataRequired()])
    category = StringField(_l("Marketplace category"), validators=[Optional(), Length(max=1000)])
