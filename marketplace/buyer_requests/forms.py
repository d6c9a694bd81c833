"""Forms for requests, quotes and their threads; they check shape, the services check rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from marketplace.buyer_requests.units import DEFAULT_UNIT, unit_label

#: The currencies a buyer or a supplier picks from; the services accept any ISO code.
CURRENCIES = ("UAH", "USD", "EUR", "PLN")
#: Empty item rows the publish form offers.
ITEM_ROWS = 5


def _currency_field(label: Any) -> SelectField:
    return SelectField(label, choices=[SelectChoice(code, code) for code in CURRENCIES], default=CURRENCIES[0])


class ItemForm(Form):
    """One item row; a row left blank is ignored (on the edit page: the item is removed).

    A plain ``wtforms.Form``: the enclosing ``RequestForm`` carries the one CSRF token.
    """

    #: The item being edited; empty for a new row.
    id = HiddenField()
    text = StringField(_l("Item"), validators=[Optional(), Length(max=500)])
    # places=None: shown as stored (2.5, 0.125), never rounded to cents when the buyer edits.
    quantity = DecimalField(_l("Quantity"), places=None, validators=[Optional()])
    # Shown in the buyer's language; the view stores the code of a known unit (``units.unit_code``).
    unit = StringField(_l("Unit"), default=lambda: unit_label(DEFAULT_UNIT), validators=[Optional(), Length(max=20)])
    max_price = DecimalField(_l("Price ceiling per unit"), validators=[Optional()])
    currency = _currency_field(_l("Currency"))
    #: Choices are set by the view (``set_category_choices``): the tree's top levels.
    category_id = SelectField(_l("Category"), choices=[], default="", validate_choice=True)

    @property
    def is_blank(self) -> bool:
        """Return whether the buyer left the row empty (the unit, currency and category have defaults)."""
        return not (self.text.data or "").strip() and all(
            not (field.raw_data or [""])[0].strip() for field in (self.quantity, self.max_price)
        )


class RequestForm(FlaskForm):
    title = StringField(_l("What do you need?"), validators=[InputRequired(), Length(max=255)])
    region = StringField(_l("Delivery region"), validators=[Optional(), Length(max=255)])
    deadline = DateField(_l("Quotes accepted until"), validators=[Optional()])
    visibility = RadioField(
        _l("Who sees the request"),
        choices=[
            SelectChoice("all", _l("All suppliers (listed publicly, without your contacts)")),
            SelectChoice("matched", _l("Only suppliers whose catalog matches it")),
        ],
        default="all",
    )
    items = FieldList(FormField(ItemForm), min_entries=ITEM_ROWS, max_entries=50)

    def set_category_choices(self, choices: list[SelectChoice]) -> None:
        """Give every item row the category choices, an empty "any category" first."""
        full = [SelectChoice("", str(_l("Any category"))), *choices]
        for entry in self.items:
            entry.form.category_id.choices = full

    def filled_rows(self) -> list[tuple[int, ItemForm]]:
        """Return ``(row index, row)`` for every row the buyer filled in."""
        return [(index, entry.form) for index, entry in enumerate(self.items) if not entry.form.is_blank]

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate the fields, then require a description and a quantity on each filled row."""
        valid = super().validate(extra_validators)
        rows = self.filled_rows()
        if not rows:
            self.form_errors.append(_l("List at least one item."))
            valid = False
        for _index, row in rows:
            if not (row.text.data or "").strip():
                row.text.errors.append(_l("Describe the item."))
                valid = False
            if row.quantity.data is None and not row.quantity.errors:
                row.quantity.errors.append(_l("Enter a quantity."))
                valid = False
        return valid


def _optional_int(value: Any) -> int | None:
    """Return the offer id picked, ``None`` for "no offer"; raise ``ValueError`` for anything else."""
    if value is None or value == "" or value == "None":
        return None
    return int(value)


class QuoteForm(FlaskForm):
    """A supplier's quote on one item; the page shows one per item, each with its own prefix."""

    price = DecimalField(_l("Price per unit"), validators=[InputRequired()])
    currency = _currency_field(_l("Currency"))
    delivery_cost = DecimalField(_l("Delivery cost"), validators=[Optional()])
    availability = StringField(
        _l("Availability"), validators=[Optional(), Length(max=255)], description=_l("In stock, 3 days…")
    )
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    #: Choices are set by the view (``set_offer_choices``): the supplier's own active offers.
    #: Not checked against them here: ``submit_quote`` decides whether the offer is the supplier's.
    offer_id = SelectField(
        _l("Link one of your offers"),
        coerce=_optional_int,
        choices=[],
        validate_choice=False,
        description=_l("Optional: one of your catalog offers the buyer can open."),
    )

    def set_offer_choices(self, choices: list[SelectChoice]) -> None:
        """Offer ``choices`` (best matching the item first), after an empty "no offer"."""
        self.offer_id.choices = [SelectChoice("", str(_l("No offer"))), *choices]


class MessageForm(FlaskForm):
    """A question or an answer in a quote's thread; prefixed per quote."""

    body = TextAreaField(_l("Message"), validators=[InputRequired(), Length(max=4000)])


class ActionForm(FlaskForm):
    """A button that changes something: it carries only the CSRF token."""
