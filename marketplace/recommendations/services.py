"""What the product page reads: the precomputed recommendations beside one product."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.services import ProductSummary, product_summaries
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind


@dataclass
class Recommended:
    """A product page's recommendation blocks, each in rank order; a block may be empty."""

    similar: list[ProductSummary] = field(default_factory=list)
    also_viewed: list[ProductSummary] = field(default_factory=list)
    accessories: list[ProductSummary] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.similar or self.also_viewed or self.accessories)


def product_recommendations(session: Session, product_id: int) -> Recommended:
    """Read one product's recommendations: one query on the (product, kind, rank) index, then the cards.

    Products withdrawn since the worker's last refresh are left out (``product_summaries`` skips
    products with no active offer).
    """
    rows = session.execute(
        select(ProductRecommendation.kind, ProductRecommendation.recommended_id)
        .where(ProductRecommendation.product_id == product_id)
        .order_by(ProductRecommendation.kind, ProductRecommendation.rank)
    ).all()
    if not rows:
        return Recommended()
    cards = {summary.product.id: summary for summary in product_summaries(session, list({r for _, r in rows}))}
    recommended = Recommended()
    blocks = {
        RecommendationKind.SIMILAR: recommended.similar,
        RecommendationKind.ALSO_VIEWED: recommended.also_viewed,
        RecommendationKind.ACCESSORY: recommended.accessories,
    }
    for kind, recommended_id in rows:
        if recommended_id in cards:
            blocks[RecommendationKind(kind)].append(cards[recommended_id])
    return recommended
