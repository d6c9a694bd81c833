"""The search parameters, shared by the HTML page, ``/api/v1/search`` and (as options) the CLI.

One validation serves the page and the API: each error is kept on its field, in the visitor's
language, and ``field_errors`` names the field beside it (the page by its label, the API by its
parameter). Prices take a decimal comma ("1499,99", as Ukrainians write it) and spaces between
thousands; "1,500.00" reads the comma as a thousands separator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
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
from search_index.params import facet_label

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

#: Param facets in the query string: "p.<key>" for each value chosen, "p.<key>.min" and
#: "p.<key>.max" for a range of numbers (keys as ``search_index.params`` makes them).
PARAM_PREFIX = "p."
MAX_PARAM_FILTERS = 20
MAX_PARAM_VALUES = 50
MAX_PARAM_NUMBER = Decimal("1000000000000")
_PARAM_NUMBER = re.compile(r"\d+(?:\.\d+)?")


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


def parse_number(text: str) -> Decimal | None:
    """Return the non-negative number ``text`` writes ("16", "1,5", "1 500", "0.25"), else None."""
    value = _THOUSANDS.sub("", text.strip())
    if value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    if not _PARAM_NUMBER.fullmatch(value):
        return None
    number = Decimal(value)
    return number if number <= MAX_PARAM_NUMBER else None


@dataclass(frozen=True, slots=True)
class ParamFilters:
    """The param facets a query string chooses, and what was wrong with it (see ``PARAM_PREFIX``)."""

    #: (facet key, value keys chosen), as ``SearchQuery.params``.
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: (facet key, low, high), as ``SearchQuery.param_ranges``.
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()
    errors: tuple[FieldError, ...] = ()
    #: The range inputs as typed, by parameter name, to show them back.
    typed: Mapping[str, str] = field(default_factory=dict)

    def chosen(self, key: str) -> tuple[str, ...]:
        return next((values for name, values in self.values if name == key), ())

    def error(self, name: str) -> str:
        """Return the messages about parameter ``name``, joined, or ""."""
        return " ".join(error.message for error in self.errors if error.name == name)


def read_param_filters(args: Any) -> ParamFilters:
    """Read the param facets of a query string (a MultiDict); each bad one is an error on its parameter."""
    if args is None or not hasattr(args, "getlist"):
        return ParamFilters()
    locale = str(get_locale() or "en")
    values: dict[str, tuple[str, ...]] = {}
    bounds: dict[str, dict[str, Decimal | None]] = {}
    typed: dict[str, str] = {}
    errors: list[FieldError] = []
    names = [name for name in dict.fromkeys(args.keys()) if name.startswith(PARAM_PREFIX)]
    for name in names:
        key, end = name[len(PARAM_PREFIX) :], None
        if key.endswith((".min", ".max")):
            key, end = key[:-4], key[-3:]
        label = facet_label(key, locale, key)
        if not key or len(key) > 60:
            errors.append(FieldError(name, name, str(NOT_A_CHOICE)))
            continue
        if len(values) + len(bounds) >= MAX_PARAM_FILTERS and key not in values and key not in bounds:
            errors.append(FieldError(name, label, _("At most %(max)d filters.", max=MAX_PARAM_FILTERS)))
            continue
        if end is None:
            chosen = tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
            if len(chosen) > MAX_PARAM_VALUES or any(len(v) > 200 for v in chosen):
                errors.append(FieldError(name, label, str(NOT_A_CHOICE)))
            elif chosen:
                values[key] = chosen
            continue
        text = str(args.get(name, "")).strip()
        typed[name] = text
        field_label = f"{label}, {_('from') if end == 'min' else _('to')}"
        if not text:
            continue
        number = parse_number(text)
        if number is None:
            errors.append(FieldError(name, field_label, _("Not a number: write it like 16 or 1,5.")))
            continue
        bounds.setdefault(key, {"min": None, "max": None})[end] = number
    for key, ends in bounds.items():
        low, high = ends["min"], ends["max"]
        if low is not None and high is not None and low > high:
            label = facet_label(key, locale, key)
            errors.append(
                FieldError(
                    f"{PARAM_PREFIX}{key}.min",
                    f"{label}, {_('from')}",
                    _("Higher than “%(other)s”.", other=f"{label}, {_('to')}"),
                )
            )
    ranges = tuple(
        (key, None if e["min"] is None else float(e["min"]), None if e["max"] is None else float(e["max"]))
        for key, e in bounds.items()
        if e["min"] is not None or e["max"] is not None
    )
    return ParamFilters(tuple(values.items()), ranges, tuple(errors), typed)


class SearchForm(FlaskForm):
    """Read search parameters from the query string; GET forms carry no CSRF token.

    The param facets' parameters are read beside the fields (``read_param_filters``): which
    there are depends on the category, so they cannot be declared.
    """

    class Meta:
        csrf = False

    def __init__(self, formdata: Any = None, **kwargs: Any) -> None:
        super().__init__(formdata, **kwargs)
        self.param_filters = read_param_filters(formdata)

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

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return valid and not self.param_filters.errors

    def field_errors(self) -> list[FieldError]:
        """Return every error with the field it concerns, in the order the fields are declared, then the params'."""
        return [
            FieldError(field.name, str(field.label.text), str(message)) for field in self for message in field.errors
        ] + list(self.param_filters.errors)

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
            params=self.param_filters.values,
            param_ranges=self.param_filters.ranges,
            sort=self.sort.data if self.sort.data in SORT_VALUES else "relevance",
            by_product=self.view.data != "offers",
            page=self.page.data or 1,
            per_page=self.per_page.data or per_page,
        )
