"""The catalog: products, suppliers' offers and click-outs (the category tree is taxonomy/).

An offer is a supplier's line in a category, so these models sit a floor above Supplier
and Category and import them; neither of those modules knows of the catalog.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    select,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from marketplace.db import Base, created_at, currency_code, intpk, money, str255, str2000, utcnow
from marketplace.suppliers.models import Supplier, SupplierCategory
from marketplace.taxonomy.models import Category


class Product(Base):
    """One thing that several suppliers may sell; it groups their offers."""

    __tablename__ = "products"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(1000))
    brand: Mapped[str | None] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    #: A GTIN with a valid check digit; the strongest grouping key.
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    #: ``brand|mpn`` normalised (lower-case alphanumerics); the second grouping key.
    brand_mpn_key: Mapped[str | None] = mapped_column(String(255), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    created_at: Mapped[created_at]
    #: Made by an import with no GTIN or brand-code partner: the text matcher has not seen it yet.
    match_pending: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    #: Set when an operator merged this product into another; old links redirect there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)

    category: Mapped[Category | None] = relationship()
    offers: Mapped[list[Offer]] = relationship(back_populates="product")

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.title[:40]!r}>"


class OfferStatus(enum.StrEnum):
    """Whether buyers see an offer."""

    ACTIVE = "active"
    #: No longer in the supplier's feed: kept for history, hidden from buyers.
    WITHDRAWN = "withdrawn"


class GroupBasis(enum.StrEnum):
    """How an offer joined its product: the evidence an operator is shown, and what the product's identity trusts."""

    #: It made the product: the first offer, or one split out or kept apart from another.
    FOUNDER = "founder"
    #: Its valid GTIN is the product's.
    GTIN = "gtin"
    #: Its brand and normalised MPN or model code are the product's (``Product.brand_mpn_key``).
    BRAND_CODE = "brand_code"
    #: The text matcher joined it, with the score in ``Offer.group_score``: the weakest evidence.
    TEXT = "text"
    #: An operator merged its product into this one.
    OPERATOR = "operator"


#: The evidence strong enough for an offer to name the product and show its pictures
#: (:mod:`marketplace.catalog.identity`); a text match is not.
STRONG_BASES = frozenset({GroupBasis.FOUNDER, GroupBasis.GTIN, GroupBasis.BRAND_CODE, GroupBasis.OPERATOR})


class Offer(Base):
    """One supplier's line in its price list."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("supplier_id", "supplier_sku"),
        Index("ix_offers_product_status", "product_id", "status"),
        #: A category's newest offers, for the returning visitor's "new in the categories you browse".
        Index("ix_offers_category_created", "category_id", "created_at"),
    )

    id: Mapped[intpk]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    #: The supplier's own id of the line (YML ``offer/@id``).
    supplier_sku: Mapped[str255]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    supplier_category_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_categories.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(1000))
    #: The Ukrainian title, where the feed gives one beside ``title``.
    title_uk: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(Text)
    description_uk: Mapped[str | None] = mapped_column(Text)
    brand: Mapped[str | None] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    gtin: Mapped[str | None] = mapped_column(String(14))
    mpn: Mapped[str | None] = mapped_column(String(255))
    #: "new", "used" or "refurbished"; ``None`` means the feed did not say (shown as new).
    condition: Mapped[str | None] = mapped_column(String(20))
    #: The Google taxonomy id or path the feed itself names.
    google_category: Mapped[str | None] = mapped_column(String(255))
    #: Variants of one product share it (Google Merchant ``item_group_id``).
    item_group_id: Mapped[str | None] = mapped_column(String(255))
    #: The supplier's ids (``supplier_sku``) of its offers that go with this one (YML ``<rec>``).
    recs: Mapped[list[Any] | None] = mapped_column(JSON, default=list)
    #: The offer's page at the seller's store: the only place a click-out may lead.
    url: Mapped[str2000]
    #: Picture URLs, in the feed's order.
    pictures: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: ``[[name, value], ...]`` as the feed gives them (value includes the unit).
    params: Mapped[list[Any]] = mapped_column(JSON, default=list)
    price: Mapped[money]
    currency: Mapped[currency_code]
    #: ``price`` converted to the marketplace's base currency; filters and sorting use it.
    price_base: Mapped[money]
    #: The crossed-out price, in ``currency``.
    old_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: Delivery cost in ``currency`` where the feed states it; ``None`` when unknown.
    delivery_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    available: Mapped[bool] = mapped_column(default=True)
    stock_quantity: Mapped[int | None]
    status: Mapped[OfferStatus] = mapped_column(String(20), default=OfferStatus.ACTIVE, index=True)
    #: Set when an operator hid the offer for breaking the rules: buyers and the index lose it
    #: whatever its status, and an import does not bring it back; the supplier sees ``hidden_reason``.
    hidden_at: Mapped[dt.datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: The import's digest of the feed row this offer was last read from, under the feed-wide
    #: facts of that import (see ``marketplace.imports.compare``); ``None``: read it again.
    feed_digest: Mapped[int | None] = mapped_column(BigInteger)
    #: That row's warnings, ``[[code, field, value, message], ...]``: reported again when the
    #: row comes unchanged and is not read; ``None`` when it had none.
    feed_warnings: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    #: Why the offer is on its product (:class:`GroupBasis`); ``None``: grouped before reasons were
    #: kept and not the product's first offer, so not trusted as strong evidence.
    group_basis: Mapped[GroupBasis | None] = mapped_column(String(20))
    #: The text matcher's score when ``group_basis`` is "text" (text cosine plus code agreement, 0 to 2).
    group_score: Mapped[float | None] = mapped_column(Float)
    #: What the text matcher derives from the offer's title, brand, codes and description
    #: (``product_matching.Derived``), stored when an import writes the offer so that grouping does
    #: not derive a whole catalog's again: the normalised document, and the model codes joined by
    #: spaces. Valid only under ``match_version`` equal to ``product_matching.MATCHER_VERSION``;
    #: otherwise (``None``: written before or outside an import) grouping derives and stores them again.
    match_document: Mapped[str | None] = mapped_column(Text)
    match_codes: Mapped[str | None] = mapped_column(Text)
    match_version: Mapped[int | None]

    supplier: Mapped[Supplier] = relationship()
    product: Mapped[Product] = relationship(back_populates="offers")
    category: Mapped[Category | None] = relationship()
    supplier_category: Mapped[SupplierCategory | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Return whether buyers see the offer (as :func:`shown_to_buyers`)."""
        return self.status == OfferStatus.ACTIVE and self.supplier.hidden_at is None

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.supplier_id}:{self.supplier_sku} {self.price} {self.currency}>"


def shown_to_buyers() -> ColumnElement[bool]:
    """Return the condition on ``Offer`` for the offers buyers see: active, of a supplier no operator hid.

    An offer an operator hid is withdrawn as well, so ``status`` covers it.
    """
    hidden_suppliers = select(Supplier.id).where(Supplier.hidden_at.is_not(None)).correlate(None)
    return and_(Offer.status == OfferStatus.ACTIVE, Offer.supplier_id.not_in(hidden_suppliers))


class PriceHistory(Base):
    """An offer's price from the moment an import set it; one row per change."""

    __tablename__ = "price_history"
    __table_args__ = (Index("ix_price_history_offer_recorded", "offer_id", "recorded_at"),)

    id: Mapped[intpk]
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    #: Denormalised so that a product's chart is one indexed query.
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    price: Mapped[money]
    currency: Mapped[currency_code]
    price_base: Mapped[money]
    old_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    available: Mapped[bool]
    #: ``False`` from the moment the offer was withdrawn.
    active: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PriceHistory offer={self.offer_id} {self.price} {self.currency} at {self.recorded_at:%Y-%m-%d}>"


class ClickOut(Base):
    """One buyer leaving for a seller's store through ``/go/<offer_id>``."""

    __tablename__ = "click_outs"
    #: A repeated click is found by visitor and offer within a short window.
    __table_args__ = (Index("ix_click_outs_visitor_offer_created", "visitor_id", "offer_id", "created_at"),)

    id: Mapped[intpk]
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The anonymous visitor cookie, so that returning visitors are recognised.
    visitor_id: Mapped[str | None] = mapped_column(String(64))
    #: The page the click came from (path only, on our own site).
    source_page: Mapped[str | None] = mapped_column(String(2000))
    #: The offer's 1-based position in the list it was clicked in.
    position: Mapped[int | None]
    #: The offer's price in the base currency at the time of the click.
    price_base: Mapped[money]
    target_url: Mapped[str2000]
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<ClickOut {self.id} offer={self.offer_id}>"


class GroupingDecisionKind(enum.StrEnum):
    """What an operator decided about two offers."""

    #: The two offers are different products: no rule may group them again.
    APART = "apart"
    #: The two offers are one product (recorded when products are merged).
    TOGETHER = "together"


class OfferPair:
    """Columns of a row about two offers, stored once per pair with the lower id first.

    Per pair of offers, not per product, so that the row outlives products that are merged or
    split later and re-imports that touch the offers.
    """

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            UniqueConstraint("offer_id", "other_offer_id"),
            CheckConstraint("offer_id < other_offer_id", name="ordered_pair"),
        )

    id: Mapped[intpk]
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    other_offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)


class GroupingDecision(OfferPair, Base):
    """An operator's decision about two offers, which grouping respects from then on."""

    __tablename__ = "grouping_decisions"

    kind: Mapped[GroupingDecisionKind] = mapped_column(String(20))
    #: The operator who decided; kept as ``None`` if the account is deleted.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<GroupingDecision {self.offer_id} {self.kind} {self.other_offer_id}>"


class GroupingCandidate(OfferPair, Base):
    """Two offers the text matcher found likely one product but would not join: a pair for an operator to decide.

    Deciding it records a :class:`GroupingDecision` and deletes the candidate
    (``marketplace.catalog.review``).
    """

    __tablename__ = "grouping_candidates"

    #: The matcher's score of the pair (text cosine plus code agreement); the queue shows the best first.
    score: Mapped[float] = mapped_column(Float, index=True)
    #: The evidence for and against, as ``product_matching.NearMiss.evidence()`` gives it.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]

    offer: Mapped[Offer] = relationship(foreign_keys="GroupingCandidate.offer_id")
    other_offer: Mapped[Offer] = relationship(foreign_keys="GroupingCandidate.other_offer_id")

    def __repr__(self) -> str:
        return f"<GroupingCandidate {self.offer_id} ~ {self.other_offer_id} {self.score:.3f}>"
