"""The precomputed recommendations: one row per (product, kind, rank), read by the product page in one query."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, intpk, utcnow


class RecommendationKind(enum.StrEnum):
    """Why a product is recommended beside another; also the order of the page's blocks."""

    #: Same category, same price band, close params and text.
    SIMILAR = "similar"
    #: Viewed in the same visits ("people who viewed this also viewed").
    ALSO_VIEWED = "also_viewed"
    #: The seller names it as going with the product (YML ``<rec>``).
    ACCESSORY = "accessory"
    #: An accessory whose compatibility param names this product's model (:mod:`product_matching.compatibility`).
    COMPATIBLE = "compatible"
    #: Of another category, taken in the same visits as this product (click-outs; :mod:`recommendations.complements`).
    COMPLEMENT = "complement"
    #: The reverse of ``COMPATIBLE``: on an accessory's page, the products it fits.
    FITS = "fits"


class ProductRecommendation(Base):
    """One recommended product beside another, of one kind, at one rank (1 is best)."""

    __tablename__ = "product_recommendations"
    #: The product page reads a product's rows in display order through this index alone.
    __table_args__ = (Index("ix_product_recommendations_product_kind_rank", "product_id", "kind", "rank"),)

    id: Mapped[intpk]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    kind: Mapped[RecommendationKind] = mapped_column(String(20))
    rank: Mapped[int]
    recommended_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    #: The recommended product's first picture when the job ran, so that the page reads no offers for it.
    picture: Mapped[str | None] = mapped_column(String(2000))
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ProductRecommendation {self.product_id} {self.kind} #{self.rank} -> {self.recommended_id}>"
