"""Compare up to four products of one category side by side, spec by spec."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.catalog.models import Offer, Product
from marketplace.catalog.services import ProductSummary, SpecRow, merge_specs, product_summaries, sorted_offers
from marketplace.domain_errors import DomainError
from marketplace.taxonomy.models import Category

#: The most products one comparison holds.
MAX_COMPARED = 4

#: Spec names that say the brand, which the table shows in its own row already.
BRAND_SPECS = frozenset({"brand", "vendor", "бренд", "марка", "торгова марка", "торговая марка"})


class CompareError(DomainError):
    """A product cannot join the comparison; the message is fit to show the buyer."""


def add_to_comparison(session: Session, compared: Sequence[int], product_id: int) -> list[int]:
    """Return the comparison list with ``product_id`` added; raise ``CompareError`` if it cannot join."""
    ids = list(dict.fromkeys(compared))
    if product_id in ids:
        return ids
    product = session.get(Product, product_id)
    if product is None or not sorted_offers(product.offers):
        raise CompareError(_l("That product is not on sale."))
    if len(ids) >= MAX_COMPARED:
        raise CompareError(_l("A comparison holds at most %(num)d products; remove one first.", num=MAX_COMPARED))
    if product.category_id is None:
        # Without a category there is no telling what it may be compared with.
        raise CompareError(_l("This product has no category yet, so it cannot be compared."))
    if ids:
        first = session.get(Product, ids[0])
        if first is not None and first.category_id != product.category_id:
            raise CompareError(_l("Only products of one category can be compared; clear the comparison first."))
    return [*ids, product_id]


@dataclass
class ComparedRow:
    """One spec across the compared products: each product's value(s), empty where it states none."""

    name: str
    values: list[list[str]]

    @property
    def differs(self) -> bool:
        return len({tuple(v) for v in self.values}) > 1


@dataclass
class Comparison:
    """The compared products and their specs side by side."""

    products: list[ProductSummary]
    category: Category | None
    rows: list[ComparedRow]
    #: Each product's brand: its own, else the one its offers' params state; ``None`` if neither.
    brands: list[str | None]


def comparison(session: Session, product_ids: Sequence[int]) -> Comparison:
    """Return the comparison table of up to ``MAX_COMPARED`` products (of the first one's category)."""
    ids = list(dict.fromkeys(product_ids))[:MAX_COMPARED]
    summaries = product_summaries(session, ids)
    # Products without a category are compared with nothing (None == None says nothing).
    summaries = [s for s in summaries if s.product.category_id is not None]
    category_id = summaries[0].product.category_id if summaries else None
    summaries = [s for s in summaries if s.product.category_id == category_id]
    offers = {
        p.id: sorted_offers(p.offers)
        for p in session.scalars(
            select(Product)
            .where(Product.id.in_([s.product.id for s in summaries]))
            .options(selectinload(Product.offers).selectinload(Offer.supplier))
        )
    }
    specs: list[dict[str, SpecRow]] = [
        {row.name.casefold(): row for row in merge_specs(offers.get(s.product.id, []))} for s in summaries
    ]
    brands = [
        s.product.brand or next((_values(row)[0] for key, row in per_product.items() if key in BRAND_SPECS), None)
        for s, per_product in zip(summaries, specs, strict=True)
    ]
    names: dict[str, str] = {}
    for per_product in specs:
        for key, row in per_product.items():
            if key not in BRAND_SPECS:
                names.setdefault(key, row.name)
    rows = [ComparedRow(name, [_values(per_product.get(key)) for per_product in specs]) for key, name in names.items()]
    category = session.get(Category, category_id) if category_id is not None else None
    return Comparison(summaries, category, rows, brands)


def _values(row: SpecRow | None) -> list[str]:
    return [value for value, _sellers in row.values] if row is not None else []
