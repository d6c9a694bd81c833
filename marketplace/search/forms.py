"""The search parameters, shared by the HTML page, ``/api/v1/search`` and (as options) the CLI."""

from __future__ import annotations

from decimal import Decimal

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
from wtforms.validators import Length, NumberRange, Optional

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


class SearchForm(FlaskForm):
    """Read search parameters from the query string; GET forms carry no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    min_price = DecimalField(_l("Price from"), places=2, validators=[Optional(), NumberRange(min=0, max=MAX_PRICE)])
    max_price = DecimalField(_l("Price to"), places=2, validators=[Optional(), NumberRange(min=0, max=MAX_PRICE)])
    supplier = SelectMultipleField(_l("Suppliers"), choices=[], validate_choice=False)
    brand = SelectMultipleField(_l("Brands"), choices=[], validate_choice=False)
    category = IntegerField(_l("Category"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    in_stock = BooleanField(_l("In stock only"))
    condition = SelectMultipleField(_l("Condition"), choices=CONDITIONS)
    sort = SelectField(_l("Sort"), choices=SORTS, default="relevance", validators=[Optional()])
    view = SelectField(_l("Show"), choices=VIEWS, default="products", validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1000)], default=1)
    per_page = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_PER_PAGE)])

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
