"""Suppliers, their own categories and the record of every import."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, created_at, currency_code, intpk, str255, str2000, utcnow
from marketplace.taxonomy.models import Category


class Supplier(Base):
    """A seller whose price list feeds the row."""

    __tablename__ = "suppliers"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str255]
    #: The seller's own web store; click-outs go to offer URLs on its host (see ``offer_hosts``).
    store_url: Mapped[str2000]
    #: Hosts an operator allowed for offer links besides the store's (a storefront on Prom.ua, say).
    extra_offer_hosts: Mapped[list[str] | None] = mapped_column(JSON)
    contact_email: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    #: The currency assumed for feed rows that name none.
    currency: Mapped[currency_code] = mapped_column(default="UAH")
    #: ``False`` for sellers who sell only here: "Buy" opens an order request instead of a redirect.
    has_own_store: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: UTM tags added to every click-out's URL where set (``utm_source`` and so on).
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    #: The supplier's own price type in a 1C (CommerceML 2) exchange, by name or Ид, where its
    #: offers carry several (retail, wholesale...); None: the only one, or the one named retail.
    price_type: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]
    #: Set when an operator hid it for breaking the rules; the owner sees ``hidden_reason``.
    hidden_at: Mapped[dt.datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    categories: Mapped[list[SupplierCategory]] = relationship(back_populates="supplier")

    def __repr__(self) -> str:
        return f"<Supplier {self.id} {self.slug}>"


class SupplierCategory(Base):
    """A category as the supplier's feed names it, and where it sits in the marketplace tree."""

    __tablename__ = "supplier_categories"
    __table_args__ = (UniqueConstraint("supplier_id", "external_id"),)

    id: Mapped[intpk]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    #: The feed's own id (YML ``category/@id``) or, for feeds without ids, the joined path.
    external_id: Mapped[str255]
    name: Mapped[str255]
    parent_external_id: Mapped[str | None] = mapped_column(String(255))
    #: The marketplace category this maps onto; ``None`` while unmapped.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    #: How the mapping was made, one of :class:`MappingSource`; a weaker source never overrides a stronger one.
    mapping_source: Mapped[str | None] = mapped_column(String(20))

    supplier: Mapped[Supplier] = relationship(back_populates="categories")
    category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return f"<SupplierCategory {self.supplier_id}:{self.external_id} -> {self.category_id}>"


class MappingSource(enum.StrEnum):
    """Where a supplier category's mapping came from, weakest first."""

    #: Name similarity to the taxonomy, through the glossary.
    NAME = "name"
    #: A rule an earlier manual mapping of the same name taught.
    LEARNED = "learned"
    #: The feed's own ``google_product_category``.
    FEED = "feed"
    #: The supplier or an operator chose it.
    MANUAL = "manual"

    @property
    def strength(self) -> int:
        return list(MappingSource).index(self)


class CategoryMappingRule(Base):
    """What a manual mapping taught: a supplier category name and the marketplace category it means."""

    __tablename__ = "category_mapping_rules"

    id: Mapped[intpk]
    #: The supplier category's name, folded by ``taxonomy_matching.name_key``.
    name_key: Mapped[str255] = mapped_column(unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    #: ``True`` when an operator made it: a supplier's later mapping does not override it.
    by_admin: Mapped[bool] = mapped_column(default=False)
    #: The user whose mapping taught it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<CategoryMappingRule {self.name_key!r} -> {self.category_id}>"


class ImportStatus(enum.StrEnum):
    """Where an import run stands."""

    #: A CSV or Excel upload whose first rows the worker is reading, to see whether its
    #: columns need the supplier's mapping (never read in a web request).
    PREPARING = "preparing"
    #: A CSV or Excel upload whose columns the supplier still has to map.
    NEEDS_MAPPING = "needs_mapping"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    #: A full import that would withdraw too much of the catalog; nothing was applied (``withdraw_guard``).
    HELD = "held"


class ImportRun(Base):
    """One import of one feed, with its report."""

    __tablename__ = "import_runs"

    id: Mapped[intpk]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str255]
    #: Where an uploaded file waits for the worker, relative to the upload folder.
    source_path: Mapped[str | None] = mapped_column(String(500))
    format: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[ImportStatus] = mapped_column(String(20), default=ImportStatus.QUEUED)
    created_at: Mapped[created_at]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    rows_read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    #: A whole-file failure, in words a supplier understands.
    error: Mapped[str | None] = mapped_column(Text)
    #: ``{"problems": [...], "counts": {code: n}, "truncated": bool, "diff": {...}}``.
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: What the supplier asked for: "auto" (the feed says), "full" or "partial".
    mode: Mapped[str] = mapped_column(String(10), default="auto")
    #: Whether the run was applied as a partial update (only the offers it names).
    partial: Mapped[bool] = mapped_column(default=False)
    #: A dry run computes the diff and publishes nothing.
    dry_run: Mapped[bool] = mapped_column(default=False)
    #: The top of a CSV or Excel upload as the worker read it for the mapping page
    #: (``marketplace.imports.columns.MappingPreview.as_json``); None for other runs.
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The supplier confirmed that this full import may withdraw more than the guard allows.
    withdraw_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The feed URL this run fetched, if it came from one.
    feed_source_id: Mapped[int | None] = mapped_column(ForeignKey("feed_sources.id", ondelete="SET NULL"))

    supplier: Mapped[Supplier] = relationship()
    feed_source: Mapped[FeedSource | None] = relationship()

    def __repr__(self) -> str:
        return f"<ImportRun {self.id} supplier={self.supplier_id} {self.status}>"


class FeedSource(Base):
    """A price list the site fetches from the supplier's own URL on a schedule."""

    __tablename__ = "feed_sources"
    __table_args__ = (Index("ix_feed_sources_enabled_next_fetch_at", "enabled", "next_fetch_at"),)

    id: Mapped[intpk]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    url: Mapped[str2000]
    #: "auto", "full" or "partial", as for an upload.
    mode: Mapped[str] = mapped_column(String(10), default="auto")
    #: Fetch every this many hours.
    interval_hours: Mapped[int] = mapped_column(default=24)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: The validators of the last response, sent back as If-None-Match / If-Modified-Since.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetched_at: Mapped[dt.datetime | None]
    #: When the worker fetches it next; ``None`` means as soon as possible.
    next_fetch_at: Mapped[dt.datetime | None]
    #: The outcome of the last fetch in words a supplier understands.
    last_status: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

    supplier: Mapped[Supplier] = relationship()

    def __repr__(self) -> str:
        return f"<FeedSource {self.id} supplier={self.supplier_id} every {self.interval_hours}h>"


class SupplierColumnMapping(Base):
    """How one supplier's CSV or Excel columns map onto offer fields, remembered per layout."""

    __tablename__ = "supplier_column_mappings"
    __table_args__ = (UniqueConstraint("supplier_id", "signature"),)

    id: Mapped[intpk]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    #: A digest of the header row (or of the column count for a file without one).
    signature: Mapped[str] = mapped_column(String(64))
    #: Header name or ``"#<index>"`` -> ``FeedOffer`` field name.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SupplierColumnMapping supplier={self.supplier_id} {self.signature[:12]}>"
