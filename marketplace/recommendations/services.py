"""What the product page reads: the precomputed recommendations beside one product, in one indexed query."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, Product, shown_to_buyers
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind


@dataclass(frozen=True, slots=True)
class RecommendedProduct:
    """A recommended product as its tile shows it: prices and sellers as of now, the picture as of the job."""

    product_id: int
    title: str
    lowest_price_base: Decimal
    highest_price_base: Decimal
    seller_count: int
    picture: str | None
    #: Why it is shown; in the accessories block, which of its three sources put it there.
    kind: RecommendationKind


#: The sources of the "accessories and complements" block, surest first: a model the seller states
#: it fits, then the seller's own pick (``<rec>``, which may be an upsell), then what shoppers took with it.
ACCESSORY_KINDS = (RecommendationKind.COMPATIBLE, RecommendationKind.ACCESSORY, RecommendationKind.COMPLEMENT)
#: The accessories block shows at most this many tiles of its three sources.
MAX_ACCESSORIES = 12


@dataclass
class Recommended:
    """A product page's recommendation blocks, each in rank order; a block may be empty."""

    similar: list[RecommendedProduct] = field(default_factory=list)
    also_viewed: list[RecommendedProduct] = field(default_factory=list)
    #: Accessories and complements: each product once, under its surest source (:data:`ACCESSORY_KINDS`).
    accessories: list[RecommendedProduct] = field(default_factory=list)
    #: On an accessory's page, the products its seller states it fits.
    fits: list[RecommendedProduct] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.similar or self.also_viewed or self.accessories or self.fits)


@functools.cache
def recommendations_query() -> Select[RecommendationKind, int, str | None, str, Decimal | None, Decimal | None, int]:
    """Return the one query the product page runs, for the product ``:product_id``: its rows, each with its tile.

    Built once: building it took as long as SQLite took to run it.

    The outer query reads ``product_recommendations`` alone, through its (product, kind, rank)
    index; each row's title, price range and sellers are subqueries on that row's product
    (``products``' key, ``ix_offers_product_status``). A join would leave the planner free to start
    from the offers, and SQLite did (through ``ix_offers_status``: 170 ms a page at 5,000
    products); two queries cost a second round trip (``bench/recommend_page.py`` measured both).

    Prices and sellers are read live from the offers buyers see, so a tile never shows a price the
    catalog no longer has; a product withdrawn since the job ran has no such offer (no lowest price).
    """
    shown = (Offer.product_id == ProductRecommendation.recommended_id) & shown_to_buyers()
    return (
        select(
            ProductRecommendation.kind,
            ProductRecommendation.recommended_id,
            ProductRecommendation.picture,
            select(Product.title).where(Product.id == ProductRecommendation.recommended_id).scalar_subquery(),
            select(func.min(Offer.price_base)).where(shown).scalar_subquery(),
            select(func.max(Offer.price_base)).where(shown).scalar_subquery(),
            select(func.count(func.distinct(Offer.supplier_id))).where(shown).scalar_subquery(),
        )
        .where(ProductRecommendation.product_id == bindparam("product_id"))
        .order_by(ProductRecommendation.kind, ProductRecommendation.rank)
    )


def product_recommendations(session: Session, product_id: int) -> Recommended:
    """Read one product's recommendation blocks in one indexed query (:func:`recommendations_query`)."""
    rows = session.execute(recommendations_query(), {"product_id": product_id}).all()
    recommended = Recommended()
    blocks = {
        RecommendationKind.SIMILAR: recommended.similar,
        RecommendationKind.ALSO_VIEWED: recommended.also_viewed,
        RecommendationKind.FITS: recommended.fits,
    }
    sources: dict[RecommendationKind, list[RecommendedProduct]] = {kind: [] for kind in ACCESSORY_KINDS}
    for stored_kind, recommended_id, picture, title, lowest, highest, sellers in rows:
        if lowest is None or highest is None:
            continue  # no offer buyers see
        kind = RecommendationKind(stored_kind)
        tile = RecommendedProduct(recommended_id, title, lowest, highest, sellers, picture, kind)
        (sources[kind] if kind in sources else blocks[kind]).append(tile)
    shown: set[int] = set()
    for kind in ACCESSORY_KINDS:
        for tile in sources[kind]:
            if tile.product_id not in shown and len(recommended.accessories) < MAX_ACCESSORIES:
                shown.add(tile.product_id)
                recommended.accessories.append(tile)
    # "Also viewed" is the vaguest reason: a product another block shows with a sharper one is not repeated there.
    elsewhere = shown | {tile.product_id for tile in recommended.similar + recommended.fits}
    recommended.also_viewed[:] = [tile for tile in recommended.also_viewed if tile.product_id not in elsewhere]
    return recommended


#: Rows read per product by :func:`recommendations_of`, over all kinds.
ROWS_PER_PRODUCT = 30


def recommendations_of(session: Session, product_ids: Sequence[int]) -> list[tuple[int, int]]:
    """Return ``(product, recommended product)`` pairs for a few products, best rank first, then in their order.

    The returning visitor's home page merges the recommendations of the products they viewed
    last; it reads at most ``ROWS_PER_PRODUCT`` rows of each through the (product, kind, rank) index.
    """
    if not product_ids:
        return []
    ranked = (
        select(
            ProductRecommendation.product_id,
            ProductRecommendation.recommended_id,
            ProductRecommendation.rank,
            func.row_number()
            .over(partition_by=ProductRecommendation.product_id, order_by=ProductRecommendation.rank)
            .label("n"),
        )
        .where(ProductRecommendation.product_id.in_(list(product_ids)))
        .subquery()
    )
    rows: list[tuple[int, int, int]] = [
        (product_id, recommended_id, rank)
        for product_id, recommended_id, rank in session.execute(
            select(ranked.c.product_id, ranked.c.recommended_id, ranked.c.rank).where(ranked.c.n <= ROWS_PER_PRODUCT)
        )
    ]
    position = {product_id: n for n, product_id in enumerate(product_ids)}
    rows.sort(key=lambda row: (row[2], position[row[0]]))
    return [(product_id, recommended_id) for product_id, recommended_id, _rank in rows]
