"""Keep the search index in step with the catalog, and run buyers' searches against it.

Services queue index changes in the database, inside the caller's transaction. Only the
worker (or a CLI command standing in for it) drains the queue into the index, after the
commit, so the index never shows what the database rolled back and only one process writes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, select
from sqlalchemy.orm import Session, contains_eager

from marketplace.catalog.models import Category, Offer, OfferStatus
from marketplace.catalog.pricing import to_minor
from marketplace.catalog.services import best_offer
from marketplace.search.models import IndexChange
from marketplace.suppliers.models import Supplier
from search_index import (
    CONDITIONS,
    OfferDocument,
    SearchIndex,
    SearchQuery,
    SearchResults,
)

logger = logging.getLogger(__name__)

#: Offers written to the index per writer commit (WHOOSH.md: batch, never per request).
SYNC_BATCH = 5000


def queue_reindex(session: Session, offer_ids: Iterable[int]) -> int:
    """Queue offers for the index writer; part of the caller's transaction."""
    rows = [{"offer_id": offer_id} for offer_id in dict.fromkeys(offer_ids)]
    if rows:
        session.execute(IndexChange.__table__.insert(), rows)
    return len(rows)


class _Categories:
    """Category paths and ancestors, read once per sync."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(Category.id, Category.parent_id, Category.path)).all()
        self.parent = {row.id: row.parent_id for row in rows}
        self.path = {row.id: row.path for row in rows}

    def ancestors(self, category_id: int | None) -> tuple[int, ...]:
        found: list[int] = []
        while category_id is not None and category_id not in found:
            found.append(category_id)
            category_id = self.parent.get(category_id)
        return tuple(found)


def _unix(moment: dt.datetime | None) -> int:
    if moment is None:
        return 0
    # SQLite hands back naive datetimes; every timestamp we write is UTC.
    return int((moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp())


#: What an index document is made of. Read as plain rows, not ORM objects: a rebuild reads
#: every offer, and rows cost a quarter of the time (100k offers: 2.7 s instead of 11.7 s).
_DOCUMENT_COLUMNS = (
    Offer.id,
    Offer.status,
    Offer.product_id,
    Supplier.slug.label("supplier_slug"),
    Offer.title,
    Offer.title_uk,
    Offer.brand,
    Offer.model,
    Offer.mpn,
    Offer.gtin,
    Offer.description,
    Offer.category_id,
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
        description=offer.description or "",
        category_ids=tuple(reversed(categories.ancestors(offer.category_id))),
        category_path=categories.path.get(offer.category_id, "") if offer.category_id else "",
        params="; ".join(f"{name} {value}" for name, value in offer.params or ()),
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
    active = [row for row in offer_rows(session, Offer.id.in_(offer_ids)) if row.status == OfferStatus.ACTIVE]
    active_ids = {o.id for o in active}
    removals = [offer_id for offer_id in offer_ids if offer_id not in active_ids]
    return [offer_document(o, categories) for o in active], removals


def _delete_changes(session: Session, change_ids: Sequence[int]) -> None:
    """Delete exactly the queue rows that were read, never a range of ids.

    Ids are handed out before commit: a transaction holding a lower id can commit after
    a range was read, and deleting ``id <= last`` would drop its change unindexed.
    """
    for start in range(0, len(change_ids), SYNC_BATCH):
        session.execute(delete(IndexChange).where(IndexChange.id.in_(change_ids[start : start + SYNC_BATCH])))


def sync_index(session: Session, index: SearchIndex, progress: Callable[[int], None] | None = None) -> int:
    """Apply queued changes to the index and commit the drained queue; return offers applied.

    Called by the worker and by CLI commands, never by web requests. Each batch is read
    from the database while holding the index's write lock, so a concurrent writer (the
    worker, or a rebuild) cannot write newer documents in between that this one would then
    overwrite with stale ones. A crash between the index commit and the queue commit only
    re-applies the same upserts: they are idempotent.
    """
    applied = 0
    while True:
        with index.write_lock():
            # End the session's transaction: what is read below must be what is committed
            # now, not a snapshot taken before the lock was ours.
            session.commit()
            changes = session.execute(
                select(IndexChange.id, IndexChange.offer_id).order_by(IndexChange.id).limit(SYNC_BATCH)
            ).all()
            if not changes:
                return applied
            offer_ids = list(dict.fromkeys(change.offer_id for change in changes))
            upserts, removals = _documents(session, offer_ids, _Categories(session))
            index.apply(upserts, removals)
            # End the read transaction first: on SQLite a read snapshot that another
            # writer committed past cannot become a write transaction.
            session.commit()
            _delete_changes(session, [change.id for change in changes])
            session.commit()
        applied += len(offer_ids)
        if progress is not None:
            progress(len(offer_ids))
        logger.info("Index sync: %d upserted, %d removed", len(upserts), len(removals))


def pending_changes(session: Session) -> int:
    """Return how many offers wait for the index writer."""
    return session.scalar(select(func.count()).select_from(IndexChange)) or 0


def oldest_change_age(session: Session) -> float | None:
    """Return how many seconds the oldest queued index change has waited (None: none queued)."""
    oldest = session.scalar(select(func.min(IndexChange.created_at)))
    if oldest is None:
        return None
    return max(0.0, dt.datetime.now(dt.UTC).timestamp() - _unix_float(oldest))


@dataclass(frozen=True)
class IndexLag:
    """How far the index writer is behind the queue of index changes."""

    #: Changes queued for the index writer.
    pending: int
    #: Of those, the changes queued for longer than ``stuck_after`` seconds: a worker that
    #: is up applies a change within a batch interval (``INDEX_COMMIT_SECONDS``) or a
    #: rebuild, so one this old means the writer is down, failing, or locked out.
    stuck: int
    #: Seconds the oldest queued change has waited (None: nothing queued).
    oldest_seconds: float | None
    #: The bound itself: ``READY_INDEX_LAG_SECONDS`` (``/readyz`` fails beyond it too).
    stuck_after: float

    @property
    def caught_up(self) -> bool:
        return self.pending == 0


def index_lag(session: Session, stuck_after: float) -> IndexLag:
    """Return the queue's length, its stuck changes and its oldest change's age."""
    horizon = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=stuck_after)
    pending, stuck = session.execute(
        select(func.count(), func.count().filter(IndexChange.created_at < horizon)).select_from(IndexChange)
    ).one()
    return IndexLag(
        pending=pending or 0,
        stuck=stuck or 0,
        oldest_seconds=oldest_change_age(session),
        stuck_after=stuck_after,
    )


def _unix_float(moment: dt.datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def active_offer_count(session: Session) -> int:
    """Return how many offers buyers can see, which is how many the index should hold."""
    return session.scalar(select(func.count()).where(Offer.status == OfferStatus.ACTIVE)) or 0


def rebuild_index(session: Session, index: SearchIndex, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database alongside the live one, then swap it in.

    The offers are read while holding the index's write lock, so the worker cannot write
    documents it read earlier over the new generation.
    """
    with index.write_lock():
        session.commit()  # read what is committed now, not an older snapshot
        # Changes queued before the rebuild reads the offers are contained in it; changes
        # committed later (whatever their id) stay queued for the next sync.
        change_ids = list(session.scalars(select(IndexChange.id)))
        categories = _Categories(session)

        def documents() -> Iterable[OfferDocument]:
            stream = offer_rows(session, Offer.status == OfferStatus.ACTIVE, yield_per=2000)
            for count, offer in enumerate(stream, 1):
                yield offer_document(offer, categories)
                if progress is not None and count % 1000 == 0:
                    progress(1000)

        written = index.rebuild(documents())
        session.commit()  # end the read transaction (see sync_index)
        _delete_changes(session, change_ids)
        session.commit()
    logger.info("Index rebuilt with %d offers", written)
    return written


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


def check_index(session: Session, index: SearchIndex) -> IndexDrift:
    """Compare the index with the database's active offers; change neither."""
    queued = set(session.scalars(select(IndexChange.offer_id)))
    indexed = index.indexed_offers()
    categories = _Categories(session)
    rows = session.execute(
        select(
            Offer.id, Offer.price_base, Offer.available, Offer.updated_at, Offer.product_id, Offer.category_id
        ).where(Offer.status == OfferStatus.ACTIVE)
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


# --- searching ----------------------------------------------------------------------------


@dataclass
class OfferHit:
    """One result row, with its offers loaded from the database.

    Grouped by product, ``offer`` is the product's best matching offer (``best_offer`` over
    ``offers``, every matching offer of the product); otherwise the one matching offer.
    """

    offer: Offer
    highlight: str
    position: int
    offers: list[Offer] = field(default_factory=list)
    #: Suppliers with an offer of this product that matches the search and its filters.
    seller_count: int = 1

    @property
    def lowest_price_base(self) -> Decimal:
        """Return the lowest base-currency price among the row's matching offers (the "from" price)."""
        return min((offer.price_base for offer in self.offers), default=self.offer.price_base)


@dataclass
class FacetOption:
    """One value of a facet, as the sidebar and the API show it."""

    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class RelaxHint:
    """A filter whose removal would find offers, and how many."""

    #: The query-string parameters to drop ("min_price" and "max_price" go together).
    params: tuple[str, ...]
    #: Which filter: "price", "supplier", "brand", "category", "in_stock" or "condition".
    name: str
    total: int


@dataclass
class SearchPage:
    """One page of search results, with offers as the database has them now."""

    query: SearchQuery
    results: SearchResults
    hits: list[OfferHit]
    #: Facet name -> options, most frequent first (price buckets in price order).
    facets: dict[str, list[FacetOption]] = field(default_factory=dict)
    #: When nothing was found: the filters whose removal would find something.
    relax: list[RelaxHint] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.results.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.results.total // self.query.per_page))


#: The filters a buyer can relax, with the query-string parameters that carry them.
_RELAXABLE: tuple[tuple[str, tuple[str, ...], dict[str, object]], ...] = (
    ("price", ("min_price", "max_price"), {"min_price_minor": None, "max_price_minor": None}),
    ("supplier", ("supplier",), {"suppliers": ()}),
    ("brand", ("brand",), {"brands": ()}),
    ("category", ("category",), {"category_id": None}),
    ("in_stock", ("in_stock",), {"in_stock": None}),
    ("condition", ("condition",), {"conditions": ()}),
)


def search_offers(session: Session, index: SearchIndex, query: SearchQuery) -> SearchPage:
    """Search the index and load the hits' offers in one query; offers gone since are skipped."""
    results = index.search(query)
    ids = {offer_id for hit in results.hits for offer_id in (hit.offer_ids or (hit.offer_id,))}
    loaded = {
        o.id: o
        for o in session.scalars(
            select(Offer)
            .join(Offer.supplier)
            .options(contains_eager(Offer.supplier))
            .where(Offer.id.in_(ids), Offer.status == OfferStatus.ACTIVE)
        )
    }
    first = (results.page - 1) * results.per_page
    hits = []
    for i, hit in enumerate(results.hits):
        offers = [loaded[offer_id] for offer_id in (hit.offer_ids or (hit.offer_id,)) if offer_id in loaded]
        best = best_offer(offers)
        if best is not None:
            hits.append(OfferHit(best, hit.highlight, first + i + 1, offers, hit.seller_count))
    page = SearchPage(query, results, hits, facets=_facet_options(session, query, results))
    if results.total == 0:
        page.relax = relax_hints(index, query)
    return page


def relax_hints(index: SearchIndex, query: SearchQuery) -> list[RelaxHint]:
    """Re-run ``query`` without each of its filters in turn; return those that find offers."""
    hints = []
    for name, params, cleared in _RELAXABLE:
        looser = replace(query, page=1, per_page=1, **cleared)  # type: ignore[arg-type]
        if looser == replace(query, page=1, per_page=1):
            continue  # this filter is not set
        total = index.search(looser).total
        if total:
            hints.append(RelaxHint(params, name, total))
    return hints


def _facet_options(session: Session, query: SearchQuery, results: SearchResults) -> dict[str, list[FacetOption]]:
    facets = results.facets

    def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    suppliers = dict(facets.get("supplier", {}))
    for slug in query.suppliers:
        suppliers.setdefault(slug, 0)
    names = dict(session.execute(select(Supplier.slug, Supplier.name).where(Supplier.slug.in_(suppliers))).all())
    brands = dict(facets.get("brand", {}))
    chosen_brands = {b.strip().lower() for b in query.brands}
    for brand in chosen_brands:
        brands.setdefault(brand, 0)
    category_counts = {int(k): n for k, n in facets.get("category", {}).items()}
    category_names = dict(
        session.execute(select(Category.id, Category.name).where(Category.id.in_(category_counts))).all()
    )
    conditions = dict(facets.get("condition", {}))
    return {
        "category": [
            FacetOption(str(cid), category_names.get(cid, str(cid)), n, cid == query.category_id)
            for cid, n in sorted(category_counts.items(), key=lambda item: (-item[1], category_names.get(item[0], "")))
        ],
        "brand": [
            FacetOption(key, results.brand_labels.get(key, key), n, key in chosen_brands) for key, n in ranked(brands)
        ],
        "supplier": [
            FacetOption(slug, names.get(slug, slug), n, slug in query.suppliers)
            for slug, n in ranked(suppliers)
            if slug in names
        ],
        "price": [
            FacetOption(label, label, n, _bucket_selected(label, query)) for label, n in facets.get("price", {}).items()
        ],
        "condition": [FacetOption(c, c, conditions[c], c in query.conditions) for c in CONDITIONS if c in conditions],
    }


def _bucket_selected(label: str, query: SearchQuery) -> bool:
    low, _, high = label.partition("-")
    return query.min_price_minor == int(low) and query.max_price_minor == (int(high) if high else None)


def bucket_bounds(label: str) -> tuple[int, int | None]:
    """Return a price bucket's bounds in minor units; see ``search_index.price_bucket_label``."""
    low, _, high = label.partition("-")
    return int(low), int(high) if high else None


# --- autocomplete -------------------------------------------------------------------------


@dataclass
class Suggestion:
    """One autocomplete entry."""

    #: "query", "product", "brand" or "category".
    kind: str
    text: str
    #: The page the entry leads to, as query-string parameters of the search page.
    params: dict[str, str]


def suggest(session: Session, index: SearchIndex, text: str, limit: int = 5) -> list[Suggestion]:
    """Return autocomplete entries for ``text``: completed queries, titles, brands, categories."""
    found = index.suggest(text, limit)
    entries = [Suggestion("query", q, {"q": q}) for q in found.queries]
    entries += [Suggestion("product", title, {"q": title}) for title in found.titles]
    entries += [Suggestion("brand", brand, {"brand": brand.lower()}) for brand in found.brands]
    prefix = (text or "").strip()
    categories: dict[int, str] = {}
    if found.category_ids:
        categories.update(
            session.execute(select(Category.id, Category.name).where(Category.id.in_(found.category_ids))).all()
        )
    if len(prefix) >= 2:
        # Categories named like the text, that buyers can find offers in.
        live = select(Offer.category_id).where(Offer.status == OfferStatus.ACTIVE).distinct()
        rows = session.execute(
            select(Category.id, Category.name)
            .where(func.lower(Category.name).startswith(prefix.lower()), Category.id.in_(live))
            .order_by(Category.name)
            .limit(limit)
        ).all()
        categories.update(rows)
    entries += [Suggestion("category", name, {"category": str(cid)}) for cid, name in categories.items()]
    return entries
