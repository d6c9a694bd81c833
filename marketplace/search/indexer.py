"""The work of keeping the search index in step with the catalog: documents, batches, drift.

It never commits: :mod:`marketplace.search.jobs` holds the write lock and the transactions
around it, for the worker and the CLI (never for web requests).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, delete, func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus, shown_to_buyers
from marketplace.catalog.pricing import to_minor
from marketplace.changes.models import IndexChange
from marketplace.changes.outbox import queue_reindex
from marketplace.db import analyze_changed, one_of
from marketplace.suppliers.models import Supplier, SupplierCategory
from marketplace.taxonomy.models import Category
from search_index import CONDITIONS, OfferDocument, PostgresSearchIndex, SearchEngine

logger = logging.getLogger(__name__)

#: Offers written to the index per writer commit (WHOOSH.md: batch, never per request).
SYNC_BATCH = 5000


#: A digit 1C glues to a group's name to tell apart groups of one name ("Зимние2" beside
#: "Зимние"): a code-like token to the analyzer, it would keep "зимние" from finding them.
_DUPLICATE_SUFFIX_RE = re.compile(r"(?<=[^\W\d_]{4})\d$")


def _with_bare_name(name: str) -> str:
    """Return a supplier category's name, and beside it the name without a 1C duplicate digit."""
    bare = _DUPLICATE_SUFFIX_RE.sub("", name)
    return name if bare == name else f"{name} {bare}"


class _Categories:
    """Category paths (en, uk, ru) and ancestors, read once per sync; supplier categories per supplier."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = session.execute(
            select(Category.id, Category.parent_id, Category.path, Category.path_uk, Category.path_ru)
        ).all()
        self.parent = {row.id: row.parent_id for row in rows}
        self.path = {row.id: row.path for row in rows}
        # Category.path_in: a path without a translation reads as the English one, which the
        # index already holds; "" keeps it from being written twice.
        self.path_uk = {row.id: row.path_uk or "" for row in rows}
        self.path_ru = {row.id: row.path_ru or "" for row in rows}
        self._supplier_paths: dict[int, dict[int, str]] = {}

    def supplier_path(self, supplier_id: int, supplier_category_id: int | None) -> str:
        """Return the supplier category's path as its feed names it, root first ("Шины > 13 > Зимние")."""
        if supplier_category_id is None:
            return ""
        paths = self._supplier_paths.get(supplier_id)
        if paths is None:
            paths = self._supplier_paths[supplier_id] = self._read_supplier_paths(supplier_id)
        return paths.get(supplier_category_id, "")

    def _read_supplier_paths(self, supplier_id: int) -> dict[int, str]:
        rows = self.session.execute(
            select(
                SupplierCategory.id,
                SupplierCategory.external_id,
                SupplierCategory.name,
                SupplierCategory.parent_external_id,
            ).where(SupplierCategory.supplier_id == supplier_id)
        ).all()
        by_external = {row.external_id: (row.name, row.parent_external_id) for row in rows}
        paths: dict[int, str] = {}
        for row in rows:
            names: list[str] = []
            seen: set[str] = set()
            external_id: str | None = row.external_id
            while external_id is not None and external_id in by_external and external_id not in seen:
                seen.add(external_id)
                name, external_id = by_external[external_id]
                # "#17" stands for a category the feed used without declaring it: no words.
                if not name.startswith("#"):
                    names.append(_with_bare_name(name))
            paths[row.id] = " > ".join(reversed(names))
        return paths

    def ancestors(self, category_id: int | None) -> tuple[int, ...]:
        found: list[int] = []
        while category_id is not None and category_id not in found:
            found.append(category_id)
            category_id = self.parent.get(category_id)
        return tuple(found)


def _unix(moment: dt.datetime | None) -> int:
    if moment is None:
        return 0
    return int(moment.timestamp())  # aware: every datetime column is a UTCDateTime


#: What an index document is made of. Read as plain rows, not ORM objects: a rebuild reads
#: every offer, and rows cost a quarter of the time (100k offers: 2.7 s instead of 11.7 s).
_DOCUMENT_COLUMNS = (
    Offer.id,
    Offer.status,
    Offer.product_id,
    Supplier.slug.label("supplier_slug"),
    Supplier.hidden_at.label("supplier_hidden_at"),
    Offer.title,
    Offer.title_uk,
    Offer.brand,
    Offer.model,
    Offer.mpn,
    Offer.gtin,
    Offer.supplier_sku,
    Offer.description,
    Offer.category_id,
    Offer.supplier_id,
    Offer.supplier_category_id,
    Offer.params,
    Offer.price_base,
    Offer.available,
    Offer.condition,
    Offer.created_at,
    Offer.updated_at,
)


def offer_rows(session: Session, *where: ColumnElement[bool], yield_per: int | None = None) -> Iterator[Row[Any]]:
    """Yield the rows index documents are made of, for the offers ``where`` selects, by id."""
    statement = select(*_DOCUMENT_COLUMNS).join(Supplier, Supplier.id == Offer.supplier_id).where(*where)
    statement = statement.order_by(Offer.id)
    if yield_per:
        statement = statement.execution_options(yield_per=yield_per)
    return iter(session.execute(statement))


def offer_document(offer: Row[Any], categories: _Categories) -> OfferDocument:
    """Return the index document for an active offer's row (see :func:`offer_rows`)."""
    return OfferDocument(
        offer_id=offer.id,
        product_id=offer.product_id,
        supplier=offer.supplier_slug,
        title=offer.title,
        # Matched too, so "сковорода" finds an offer whose feed names it in English and
        # Ukrainian; never shown, so autocomplete and snippets show one title.
        alt_title=offer.title_uk or "",
        brand=offer.brand or "",
        model=offer.model or "",
        mpn=offer.mpn or "",
        gtin=offer.gtin or "",
        # A part number as the offer id ("68377850AA") is what buyers of auto parts type.
        sku=offer.supplier_sku,
        description=offer.description or "",
        category_ids=tuple(reversed(categories.ancestors(offer.category_id))),
        category_path=categories.path.get(offer.category_id, "") if offer.category_id else "",
        category_path_uk=categories.path_uk.get(offer.category_id, "") if offer.category_id else "",
        category_path_ru=categories.path_ru.get(offer.category_id, "") if offer.category_id else "",
        supplier_category_path=categories.supplier_path(offer.supplier_id, offer.supplier_category_id),
        params="; ".join(f"{name} {value}" for name, value in offer.params or ()),
        param_pairs=tuple((str(pair[0]), str(pair[1])) for pair in offer.params or () if len(pair) == 2),
        price_minor=to_minor(offer.price_base),
        in_stock=offer.available,
        # A feed that says nothing about condition sells new goods.
        condition=offer.condition if offer.condition in CONDITIONS else "new",
        created_at=_unix(offer.created_at),
        updated_at=_unix(offer.updated_at),
    )


def _documents(
    session: Session, offer_ids: Sequence[int], categories: _Categories
) -> tuple[list[OfferDocument], list[int]]:
    # An offer of a supplier an operator hid leaves the index like a withdrawn one.
    active = [
        row
        for row in offer_rows(session, one_of(session.get_bind().dialect, Offer.id, offer_ids))
        if row.status == OfferStatus.ACTIVE and row.supplier_hidden_at is None
    ]
    active_ids = {o.id for o in active}
    removals = [offer_id for offer_id in offer_ids if offer_id not in active_ids]
    return [offer_document(o, categories) for o in active], removals


def delete_changes(session: Session, change_ids: Sequence[int]) -> None:
    """Delete exactly the queue rows that were read, never a range of ids.

    Ids are handed out before commit: a transaction holding a lower id can commit after
    a range was read, and deleting ``id <= last`` would drop its change unindexed.
    """
    for start in range(0, len(change_ids), SYNC_BATCH):
        session.execute(delete(IndexChange).where(IndexChange.id.in_(change_ids[start : start + SYNC_BATCH])))


def queued_changes(session: Session) -> Sequence[Row[int, int]]:
    """Return the oldest batch of queued changes (``id`` and ``offer_id``), at most ``SYNC_BATCH``."""
    batch = select(IndexChange.id, IndexChange.offer_id).order_by(IndexChange.id).limit(SYNC_BATCH)
    return session.execute(batch).all()


def apply_changes(session: Session, index: SearchEngine, changes: Sequence[Row[int, int]]) -> int:
    """Write the documents of the offers ``changes`` name to the index, or remove them; return offers applied.

    The caller holds the index's write lock and deletes the changes afterwards
    (:func:`delete_changes`); the index commits, the database is only read.
    """
    offer_ids = list(dict.fromkeys(change.offer_id for change in changes))
    upserts, removals = _documents(session, offer_ids, _Categories(session))
    index.apply(upserts, removals)
    logger.info("Index sync: %d upserted, %d removed", len(upserts), len(removals))
    return len(offer_ids)


def apply_offers(
    session: Session, index: PostgresSearchIndex, offer_ids: Sequence[int], *, connection: Connection
) -> tuple[int, int]:
    """Write the offers' documents (or their removal) into ``index`` inside ``connection``'s transaction.

    In batches of ``SYNC_BATCH``, each read as the one before is written, so an import of
    100,000 offers never holds every document at once (the index makes a batch's rows in a
    helper process meanwhile); returns how many were upserted and removed. The caller commits.
    When they are many, the index's tables are analyzed in the same transaction, so searches
    are planned on the index as it is from the commit on (see :func:`analyze_changed`).
    """
    categories = _Categories(session)
    upserted = removed = 0

    def batches() -> Iterator[tuple[list[OfferDocument], list[int]]]:
        nonlocal upserted, removed
        for start in range(0, len(offer_ids), SYNC_BATCH):
            upserts, removals = _documents(session, offer_ids[start : start + SYNC_BATCH], categories)
            upserted += len(upserts)
            removed += len(removals)
            yield upserts, removals

    index.apply_batches(batches(), connection=connection)
    analyze_changed(connection, index.tables(), upserted + removed)
    return upserted, removed


def writes_with_the_catalog(index: SearchEngine) -> bool:
    """Say whether ``index`` is written in the catalog's own transactions (no outbox, no index writer)."""
    return isinstance(index, PostgresSearchIndex)


def active_offer_count(session: Session) -> int:
    """Return how many offers buyers can see, which is how many the index should hold."""
    return session.scalar(select(func.count()).where(shown_to_buyers())) or 0


def queued_change_ids(session: Session) -> list[int]:
    """Return the ids of every queued change."""
    return list(session.scalars(select(IndexChange.id)))


def write_generation(session: Session, index: SearchEngine, progress: Callable[[int], None] | None = None) -> int:
    """Write every active offer into a fresh index generation and swap it in; return how many.

    The caller holds the index's write lock; the database is only read.
    """
    categories = _Categories(session)

    def documents() -> Iterable[OfferDocument]:
        stream = offer_rows(session, shown_to_buyers(), yield_per=2000)
        for count, offer in enumerate(stream, 1):
            yield offer_document(offer, categories)
            if progress is not None and count % 1000 == 0:
                progress(1000)

    return index.rebuild(documents())


# --- drift between the database and the index ----------------------------------------------


@dataclass
class IndexDrift:
    """How the index differs from the database's active offers."""

    #: Active offers the index does not hold.
    missing: list[int]
    #: Offers the index holds with another price, stock, update time, product or category
    #: than the database.
    stale: list[int]
    #: Offers in the index that are withdrawn or deleted in the database.
    extra: list[int]
    #: Offers already queued for the index writer (left out of the three lists above).
    pending: int
    #: Active offers in the database, and documents in the index.
    active: int
    indexed: int

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)

    def offer_ids(self) -> list[int]:
        """Return every drifting offer id once."""
        return sorted({*self.missing, *self.stale, *self.extra})


def check_index(session: Session, index: SearchEngine) -> IndexDrift:
    """Compare the index with the database's active offers; change neither."""
    queued = set(session.scalars(select(IndexChange.offer_id)))
    indexed = index.indexed_offers()
    categories = _Categories(session)
    rows = session.execute(
        select(
            Offer.id, Offer.price_base, Offer.available, Offer.updated_at, Offer.product_id, Offer.category_id
        ).where(shown_to_buyers())
    ).all()
    active_ids = set()
    missing, stale = [], []
    for offer_id, price_base, available, updated_at, product_id, category_id in rows:
        active_ids.add(offer_id)
        if offer_id in queued:
            continue
        held = indexed.get(offer_id)
        if held is None:
            missing.append(offer_id)
            continue
        expected = (
            to_minor(price_base),
            available,
            _unix(updated_at),
            product_id,
            tuple(reversed(categories.ancestors(category_id))),
        )
        if (held.price_minor, held.in_stock, held.updated_at, held.product_id, held.category_ids) != expected:
            stale.append(offer_id)
    extra = [offer_id for offer_id in indexed if offer_id not in active_ids and offer_id not in queued]
    return IndexDrift(
        missing=sorted(missing),
        stale=sorted(stale),
        extra=sorted(extra),
        pending=len(queued),
        active=len(active_ids),
        indexed=len(indexed),
    )


def fix_drift(session: Session, drift: IndexDrift) -> int:
    """Queue every drifting offer for the index writer; part of the caller's transaction."""
    queued = queue_reindex(session, drift.offer_ids())
    logger.info(
        "Index drift queued for repair: %d missing, %d stale, %d extra",
        len(drift.missing),
        len(drift.stale),
        len(drift.extra),
    )
    return queued
