"""The search parameters, shared by the HTML page, ``/api/v1/search`` and (as options) the CLI.

One validation serves the page and the API: each error is kept on its field, in the visitor's
language, and ``field_errors`` names the field beside it (the page by its label, the API by its
parameter). Prices take a decimal comma ("1499,99", as Ukrainians write it) and spaces between
thousands; "1,500.00" reads the comma as a thousands separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError

from marketplace.catalog.pricing import to_minor
from marketplace.urls import MAX_ID
from search_index import SearchQuery

SORTS = [
    SelectChoice("relevance", _l("Relevance")),
    SelectChoice("price_asc", _l("Price: low to high")),
    SelectChoice("price_desc", _l("Price: high to low")),
    SelectChoice("newest", _l("Newest first")),
    # Price plus the seller's delivery cost, where the seller states it (as the product page sorts offers).
    SelectChoice("total", _l("Total with delivery: low to high")),
]
SORT_VALUES = frozenset(choice.value for choice in SORTS)
CONDITIONS = [
    SelectChoice("new", _l("New")),
    SelectChoice("used", _l("Used")),
    SelectChoice("refurbished", _l("Refurbished")),
]
#: "products": one row per product with its best matching offer; "offers": every offer.
VIEWS = [SelectChoice("products", _l("Products")), SelectChoice("offers", _l("All offers"))]
MAX_PRICE = Decimal("1000000000")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_QUERY_LENGTH = 200

#: An amount as the form accepts it once normalised: digits, then at most two decimals.
_AMOUNT = re.compile(r"\d+(?:\.\d{1,2})?")
#: What may sit between groups of thousands: spaces, no-break spaces, thin spaces, apostrophes.
_THOUSANDS = re.compile(r"[\s\u00a0\u202f\u2009'’]")

NOT_A_CHOICE = _l("Not one of the choices offered.")


def parse_amount(text: str) -> Decimal | None:
    """Return the amount ``text`` writes, or ``None`` if it is not a plain non-negative amount.

    Accepts "1500", "1499.99", "1499,99", "1 499,99" and "1,499.99"; refuses signs, exponents,
    NaN, and more than two decimals (which, after a comma, would more likely be thousands).
    """
    value = _THOUSANDS.sub("", text.strip())
    if "," in value and "." in value:
        value = value.replace(",", "")  # "1,499.99": the commas group thousands
    elif value.count(",") == 1:
        value = value.replace(",", ".")  # "1499,99": a decimal comma
    if not _AMOUNT.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


class AmountField(DecimalField):
    """A price in the base currency, typed as people write it (see ``parse_amount``)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_amount(str(valuelist[0]))
        if self.data is None:
            raise ValueError(_l("Not an amount: write it like 1500 or 1499,99."))


def _unread(form: FlaskForm, field: Any) -> None:
    """Stop at a value that could not be read: its one message says so, and no range applies to it."""
    if field.process_errors:
        raise StopValidation()


def _whole_number(low: int, high: int) -> Any:
    return _l("Must be a whole number from %(min)d to %(max)d.", min=low, max=high)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One message about one parameter: its name in the URL, its label on the page."""

    name: str
    label: str
    message: str


class SearchForm(FlaskForm):
    """Read search parameters from the query string; GET forms carry no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=MAX_QUERY_LENGTH, message=_l("At most %(max)d characters."))],
    )
    min_price = AmountField(
        _l("Price from"),
        places=2,
        validators=[_unread, Optional(), NumberRange(min=0, max=MAX_PRICE, message=_l("At most 1,000,000,000."))],
    )
    max_price = AmountField(
        _l("Price to"),
        places=2,
        validators=[_unread, Optional(), NumberRange(min=0, max=MAX_PRICE, message=_l("At most 1,000,000,000."))],
    )
    supplier = SelectMultipleField(_l("Suppliers"), choices=[], validate_choice=False)
    brand = SelectMultipleField(_l("Brands"), choices=[], validate_choice=False)
    category = IntegerField(
        _l("Category"),
        validators=[_unread, Optional(), NumberRange(min=1, max=MAX_ID, message=_l("No such category."))],
        invalid_value_message=_l("No such category."),
    )
    in_stock = BooleanField(_l("In stock only"))
    condition = SelectMultipleField(_l("Condition"), choices=CONDITIONS, invalid_choice_message=NOT_A_CHOICE)
    sort = SelectField(
        _l("Sort"), choices=SORTS, default="relevance", validators=[Optional()], invalid_choice_message=NOT_A_CHOICE
    )
    view = SelectField(
        _l("Show"), choices=VIEWS, default="products", validators=[Optional()], invalid_choice_message=NOT_A_CHOICE
    )
    page = IntegerField(
        _l("Page"),
        validators=[_unread, Optional(), NumberRange(min=1, max=MAX_PAGE, message=_whole_number(1, MAX_PAGE))],
        default=1,
        invalid_value_message=_whole_number(1, MAX_PAGE),
    )
    per_page = IntegerField(
        _l("Results per page"),
        validators=[_unread, Optional(), NumberRange(min=1, max=MAX_PER_PAGE, message=_whole_number(1, MAX_PER_PAGE))],
        invalid_value_message=_whole_number(1, MAX_PER_PAGE),
    )

    def validate_min_price(self, field: AmountField) -> None:
        """Say so when the range is upside down, rather than find nothing."""
        if field.data is not None and self.max_price.data is not None and field.data > self.max_price.data:
            raise ValidationError(_l("Higher than “%(other)s”.", other=self.max_price.label.text))

    def field_errors(self) -> list[FieldError]:
        """Return every error with the field it concerns, in the order the fields are declared."""
        return [
            FieldError(field.name, str(field.label.text), str(message)) for field in self for message in field.errors
        ]

    def to_query(self, per_page: int) -> SearchQuery:
        """Return the validated parameters as a ``SearchQuery`` (prices in minor units)."""
        return SearchQuery(
            text=(self.q.data or "").strip(),
            min_price_minor=to_minor(self.min_price.data) if self.min_price.data is not None else None,
            max_price_minor=to_minor(self.max_price.data) if self.max_price.data is not None else None,
            suppliers=tuple(s for s in (self.supplier.data or []) if s),
            category_id=self.category.data,
            brands=tuple(b for b in (self.brand.data or []) if b and b.strip()),
            in_stock=True if self.in_stock.data else None,
            conditions=tuple(self.condition.data or ()),
            sort=self.sort.data if self.sort.data in SORT_VALUES else "relevance",
            by_product=self.view.data != "offers",
            page=self.page.data or 1,
            per_page=self.per_page.data or per_page,
        )
