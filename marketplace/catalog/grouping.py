"""Decide which product an offer belongs to.

Rules, strongest first:

1. a valid GTIN (EAN, UPC);
2. brand together with a normalised MPN, vendorCode or model code;
3. the text matcher (the pure library ``product_matching``) over titles, brands and model codes.

Rules 1 and 2 run per offer while an import writes its rows (:class:`ProductMatcher`). An
offer they cannot place starts a product of its own, marked ``match_pending``; once the
import has written every row, :func:`group_new_offers` runs rule 3 over all pending
products at once, because one-to-one matching needs to see every candidate together.

Precision comes first: a missed merge leaves two cards, a wrong one shows buyers someone
else's price. So two offers of one supplier never share a product unless their GTIN says
so, offers an operator set apart stay apart, and the text matcher's threshold is strict.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, delete, func, insert, null, or_, select, update
from sqlalchemy.orm import Session

from marketplace.catalog.identity import refresh_identities
from marketplace.catalog.models import (
    GroupBasis,
    GroupingDecision,
    GroupingDecisionKind,
    Offer,
    OfferStatus,
    PriceHistory,
    Product,
)
from marketplace.catalog.review import queue_near_misses
from marketplace.changes.outbox import queue_reindex
from marketplace.db import new_ids, utcnow
from product_matching import (
    MATCHER_VERSION,
    MatchText,
    TextMatcher,
    derive,
    is_code,
    normalize_code,
    pack_codes,
    stored,
)
from product_matching.vetoes import Kinds, Stated, conflicts, stated
from supplier_feeds.gtin import GTIN_LENGTHS, normalize_gtin

logger = logging.getLogger(__name__)

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def brand_code_key(brand: str | None, code: str | None) -> str | None:
    """Return ``brand|code`` folded to lower-case alphanumerics, or ``None`` unless ``code`` is a code.

    Only a model code or part number identifies one product of a brand ("L1500402",
    "0603127020"); a model name does not (Tefal's "Ingenio" is a frying pan and a saucepan
    alike), so a value that does not look like a code (:func:`matching.is_code`) is no key.
    """
    if not brand or not code:
        return None
    brand_key = _NOT_ALNUM.sub("", brand.casefold())
    code_key = normalize_code(code)
    if not brand_key or not is_code(code_key):
        return None
    return f"{brand_key}|{code_key}"


def gtin_key(value: str | None) -> str | None:
    """Return a valid GTIN as its 14-digit form, the one key for UPC-A, EAN-13 and GTIN-14 alike.

    GS1 defines every GTIN as 14 digits, shorter ones padded with leading zeros, so UPC-A
    ``036000291452`` and EAN-13 ``0036000291452`` are one product. ``None`` if not valid.
    """
    digits = normalize_gtin(value)
    return digits.zfill(14) if digits else None


def _gtin_spellings(key: str) -> list[str]:
    # Products stored before keys were padded hold the GTIN as the feed wrote it.
    return [key[-length:] for length in GTIN_LENGTHS if key[: 14 - length].strip("0") == ""]


@dataclass(slots=True, eq=False)
class NewProduct:
    """A product :class:`ProductMatcher` decided to create; written by :meth:`ProductMatcher.insert_new`.

    Not an ORM object: building and flushing one ``Product`` per offer was the bulk of a
    first import's database time (and on SQLite the ORM inserts such rows one at a time).
    ``id`` is set once the row is written.
    """

    title: str
    brand: str | None
    model: str | None
    gtin: str | None
    brand_mpn_key: str | None
    category_id: int | None
    id: int | None = None


class ProductMatcher:
    """Find or create the product for offers of one import, remembering what it found.

    Products it creates are :class:`NewProduct` records, written together by
    :meth:`insert_new`; call it before reading their ``id``.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_gtin: dict[str, Product | NewProduct] = {}
        self._by_key: dict[str, Product | NewProduct] = {}
        #: Products made for one brand and code because its first product's title states other facts.
        self._variants: dict[str, list[Product | NewProduct]] = {}
        #: Created products not yet written.
        self._unwritten: list[NewProduct] = []

    def product_for(
        self,
        *,
        title: str,
        brand: str | None,
        model: str | None,
        mpn: str | None,
        gtin: str | None,
        category_id: int | None,
    ) -> tuple[Product | NewProduct, GroupBasis]:
        """Return the product these offer fields belong to, creating it if none matches, and why.

        The basis is ``FOUNDER`` for a created product, else ``GTIN`` or ``BRAND_CODE``: the key
        that found it (a GTIN the product shares wins over brand and code).

        A created product waits for the text matcher (``match_pending``) until
        :func:`group_new_offers` runs at the end of the import.

        Brand and code do not join two titles that state conflicting facts
        (:func:`product_matching.vetoes.conflicts`: measures such as "128GB" and "256GB" or "R14"
        and "R15", colours, other model codes): a code shared by a line's sizes or colours is a
        model code, not the variant's MPN, and a wrong merge costs more than a missed one. Such an
        offer gets a product of its own under the same key, which later offers stating its facts
        find. A matching GTIN joins whatever the titles say.
        """
        gtin = gtin_key(gtin)
        key = brand_code_key(brand, mpn) or brand_code_key(brand, model)
        product = self._find(gtin, key)
        if product is not None and gtin and product.gtin and product.gtin != gtin:
            # Same brand and code but two valid, different GTINs: two products (a bundle, a region).
            product = None
        basis = GroupBasis.GTIN if product is not None and gtin and product.gtin == gtin else GroupBasis.BRAND_CODE
        if product is not None and basis == GroupBasis.BRAND_CODE:
            facts = _title_facts(title)
            candidates = [product, *self._variants.get(key or "", ())]
            product = next((p for p in candidates if not conflicts(facts, _title_facts(p.title))), None)
            if product is None and key:
                product = self._new_product(title, brand, model, gtin, key, category_id)
                self._variants.setdefault(key, []).append(product)
                basis = GroupBasis.FOUNDER
        if product is None:
            product = self._new_product(title, brand, model, gtin, key, category_id)
            basis = GroupBasis.FOUNDER
        elif basis != GroupBasis.FOUNDER:
            # A later offer may carry the key the first one lacked; remember it for the next.
            product.gtin = product.gtin or gtin
            product.brand_mpn_key = product.brand_mpn_key or key
            product.category_id = product.category_id or category_id
        if gtin:
            self._by_gtin.setdefault(gtin, product)
        if key:
            self._by_key.setdefault(key, product)
        return product, basis

    def _new_product(
        self,
        title: str,
        brand: str | None,
        model: str | None,
        gtin: str | None,
        key: str | None,
        category_id: int | None,
    ) -> NewProduct:
        product = NewProduct(title, brand, model, gtin, key, category_id)
        self._unwritten.append(product)
        return product

    def insert_new(self) -> int:
        """Write the products created since the last call in one ``executemany``; set their ids.

        Their ids are taken first (:func:`marketplace.db.new_ids`), so the rows need no
        ``RETURNING``, whose order SQLite cannot promise and whose batched form is slow on
        PostgreSQL.
        """
        created, self._unwritten = self._unwritten, []
        if not created:
            return 0
        table = Product.metadata.tables[Product.__tablename__]
        now = utcnow()
        rows = []
        for product, product_id in zip(created, new_ids(self.session, table, len(created)), strict=True):
            product.id = product_id
            rows.append(
                {
                    "id": product_id,
                    "title": product.title,
                    "brand": product.brand,
                    "model": product.model,
                    "gtin": product.gtin,
                    "brand_mpn_key": product.brand_mpn_key,
                    "category_id": product.category_id,
                    "created_at": now,
                    "match_pending": True,
                }
            )
        self.session.execute(insert(table), rows)
        return len(created)

    def _find(self, gtin: str | None, key: str | None) -> Product | NewProduct | None:
        if gtin:
            found = self._by_gtin.get(gtin) or self.session.scalar(
                select(Product).where(Product.gtin.in_(_gtin_spellings(gtin))).limit(1)
            )
            if found is not None:
                return found
        if key:
            return self._by_key.get(key) or self.session.scalar(
                select(Product).where(Product.brand_mpn_key == key).limit(1)
            )
        return None


#: Brand and code already agree when rule 2 compares two titles; the other facts may still conflict.
_TITLE_VETOES = Kinds(brands=False)


def _title_facts(title: str) -> Stated:
    """Return what a title states of measures, colours and model codes, for rule 2's check."""
    return stated(MatchText(group=None, source=None, title=title), kinds=_TITLE_VETOES)


@dataclass
class GroupingOutcome:
    """What :func:`group_new_offers` changed."""

    #: New offers taken out of a product that already held an offer of their supplier.
    separated: int = 0
    #: Products joined by the text matcher.
    merged: int = 0
    #: Pending products the text matcher looked at.
    examined: int = 0


def group_new_offers(
    session: Session,
    supplier_id: int | None = None,
    *,
    since: dt.datetime | None = None,
    renamed: Iterable[int] = (),
) -> GroupingOutcome:
    """Finish grouping after an import: keep one supplier's offers apart, then match pending products by text.

    The importer calls this once, after its last batch and inside its transaction. With
    ``supplier_id`` and ``since`` (the run's start), offers of that supplier created since
    then that joined a product already holding an offer of theirs by brand and code are
    moved out first, unless their GTIN matches. ``renamed`` are the products whose offers
    the import changed in what names a product (``identity.NAMING_FIELDS``), or joined: they
    are named again last. Safe to call again: it only reads products still marked ``match_pending``.
    """
    outcome = GroupingOutcome()
    session.flush()
    if supplier_id is not None:
        outcome.separated = _separate_same_supplier(session, supplier_id, since)
    merged, examined = match_pending(session)
    outcome.merged, outcome.examined = merged, examined
    # A product this import made for an offer is named after it already (or refreshed when folded);
    # one whose offers only changed price or stock keeps its name.
    refresh_identities(session, renamed)
    return outcome


def _separate_same_supplier(session: Session, supplier_id: int, since: dt.datetime | None) -> int:
    mine = Offer.supplier_id == supplier_id
    crowded = select(Offer.product_id).where(mine).group_by(Offer.product_id).having(func.count() > 1)
    if since is not None:
        # Only an offer created since can be moved out: count the products those joined, not
        # every product of the supplier (a re-import of 1M offers creating none spent 2.2 s here).
        crowded = crowded.where(Offer.product_id.in_(select(Offer.product_id).where(mine, Offer.created_at >= since)))
    offers = session.scalars(
        select(Offer).where(Offer.supplier_id == supplier_id, Offer.product_id.in_(crowded)).order_by(Offer.id)
    ).all()
    by_product: dict[int, list[Offer]] = defaultdict(list)
    for offer in offers:
        by_product[offer.product_id].append(offer)
    separated = 0
    for product_id, group in by_product.items():
        product = session.get(Product, product_id)
        assert product is not None
        kept_gtins = {gtin_key(group[0].gtin)} - {None}
        for offer in group[1:]:
            gtin = gtin_key(offer.gtin)
            if gtin and (gtin in kept_gtins or gtin == gtin_key(product.gtin)):
                kept_gtins.add(gtin)
                continue
            if since is not None and offer.created_at < since:
                continue  # An older arrangement (an operator's merge): not this import's doing.
            fresh = Product(
                title=offer.title,
                brand=offer.brand,
                model=offer.model,
                gtin=gtin if gtin != gtin_key(product.gtin) else None,
                category_id=offer.category_id,
                match_pending=True,
            )
            session.add(fresh)
            session.flush()
            move_offers(session, [offer.id], fresh.id, basis=GroupBasis.FOUNDER)
            separated += 1
            logger.info(
                "Grouping: offer %d of supplier %d moved out of product %d (its supplier already sells it there)",
                offer.id,
                supplier_id,
                product_id,
            )
    refresh_identities(session, by_product)
    return separated


#: Texts are fetched for scoring in batches of this many ids (SQLite's bound parameters are limited).
_LOAD_BATCH = 500


#: The offer columns the stored match columns are derived from, in :func:`match_columns`' order.
MATCHED_FIELDS = ("title", "brand", "model", "mpn", "description")


def match_columns(
    title: str, brand: str | None, model: str | None, mpn: str | None, description: str | None
) -> dict[str, Any]:
    """Return the stored match columns of an offer with these values, as an import writes them."""
    found = derive(_match_text(None, None, title, brand, model, mpn, description))
    return {"match_document": found.document, "match_codes": pack_codes(found.codes), "match_version": MATCHER_VERSION}


def _match_text(
    group: int | None,
    source: int | None,
    title: str,
    brand: str | None,
    model: str | None,
    mpn: str | None,
    description: str | None,
    **more: Any,
) -> MatchText:
    """Return what the matcher reads of an offer: the one place its columns become a :class:`MatchText`."""
    model_codes = tuple(code for code in (model, mpn) if code)
    return MatchText(group, source, title, brand, model_codes=model_codes, description=description, **more)


def _offer_texts(session: Session, condition: ColumnElement[bool]) -> Iterator[tuple[int, MatchText]]:
    """Stream ``(offer id, MatchText)`` for the active offers of live products meeting ``condition``."""
    statement = _live_offers(
        condition,
        Offer.title,
        Offer.brand,
        Offer.model,
        Offer.mpn,
        Offer.description,
        Offer.params,
        Offer.match_document,
        Offer.match_codes,
        Offer.match_version,
        Product.gtin,
    )
    for row in session.execute(statement):
        yield (
            row.id,
            _match_text(
                row.product_id,
                row.supplier_id,
                row.title,
                row.brand,
                row.model,
                row.mpn,
                row.description,
                gtin=gtin_key(row.gtin),
                params=_params(row.params),
                derived=stored(row.match_document, row.match_codes, row.match_version),
            ),
        )


def _blocking_texts(session: Session, condition: ColumnElement[bool]) -> Iterator[tuple[int, MatchText]]:
    """Stream what :meth:`TextMatcher.match` reads of the offers it blocks: group, source, brand and stored keys.

    A large catalog is read whole on every import, so only that is read: no GTIN, params or
    description (most of a catalog's bytes), except the description of an offer whose stored
    derivation is missing or stale, which its keys are derived from. About a quarter of the
    full read's time at 200,000 offers.
    """
    fresh = Offer.match_version == MATCHER_VERSION
    statement = _live_offers(
        condition,
        case((fresh, null()), else_=Offer.title).label("title"),
        Offer.brand,
        case((fresh, null()), else_=Offer.model).label("model"),
        case((fresh, null()), else_=Offer.mpn).label("mpn"),
        case((fresh, null()), else_=Offer.description).label("description"),
        Offer.match_document,
        Offer.match_codes,
        Offer.match_version,
    )
    for offer_id, group, source, title, brand, model, mpn, description, document, codes, version in session.execute(
        statement
    ):
        found = stored(document, codes, version)
        if found is None:
            yield offer_id, _match_text(group, source, title, brand, model, mpn, description)
        else:
            yield offer_id, MatchText(group, source, "", brand, derived=found)


def _live_offers(condition: ColumnElement[bool], *columns: Any) -> Select[Any]:
    """Select id, product, supplier and ``columns`` of the active offers of live products meeting ``condition``."""
    return (
        select(Offer.id, Offer.product_id, Offer.supplier_id, *columns)
        .join(Product, Product.id == Offer.product_id)
        .where(Offer.status == OfferStatus.ACTIVE, Product.merged_into_id.is_(None), condition)
        .order_by(Offer.id)
        .execution_options(yield_per=2000)
    )


#: Offers whose match columns are filled per statement (``fill_match_columns``).
_FILL_BATCH = 2000


def fill_match_columns(session: Session) -> int:
    """Store the match columns of every active offer lacking them or holding another matcher version; return how many.

    Imports write them with each offer, so this finds only offers written before (or outside an
    import), once: after an upgrade, or after a change of ``MATCHER_VERSION``.
    """
    stale = or_(Offer.match_version.is_(None), Offer.match_version != MATCHER_VERSION)
    filled, after = 0, 0
    while True:
        rows = session.execute(
            select(Offer.id, Offer.title, Offer.brand, Offer.model, Offer.mpn, Offer.description)
            .where(Offer.status == OfferStatus.ACTIVE, stale, Offer.id > after)
            .order_by(Offer.id)
            .limit(_FILL_BATCH)
        ).all()
        if not rows:
            break
        session.execute(
            update(Offer),
            [
                {"id": row.id, **match_columns(row.title, row.brand, row.model, row.mpn, row.description)}
                for row in rows
            ],
            execution_options={"synchronize_session": False},
        )
        filled += len(rows)
        after = rows[-1].id
    if filled:
        logger.info("Grouping: stored the match columns of %d offers (matcher version %d)", filled, MATCHER_VERSION)
    return filled


def _params(params: list[Any] | None) -> tuple[tuple[str, str], ...]:
    """Return an offer's ``[[name, value], ...]`` params as the matcher reads them (malformed pairs dropped)."""
    return tuple(
        (str(pair[0]), str(pair[1])) for pair in params or () if isinstance(pair, list | tuple) and len(pair) == 2
    )


def _batched(values: list[Any], size: int = _LOAD_BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def match_pending(session: Session, matcher: TextMatcher | None = None) -> tuple[int, int]:
    """Run the text matcher for every product marked ``match_pending``; return ``(merged, examined)``.

    The pending products' offers are matched against the active offers of other suppliers;
    the matched pending product's offers (and their price history) move to its partner, and
    it is deleted.

    The work follows what the import created, not the catalog: when the pending products
    all belong to one supplier and no other supplier has an active offer, nothing can match
    (one supplier's offers never share a product by text) and nothing is read. Otherwise the
    other suppliers' offers are streamed once, keeping only those that share a blocking key
    with a pending offer, and the matcher scores candidates in bounded chunks
    (:meth:`TextMatcher.match`).
    """
    session.flush()
    examined = session.scalar(select(func.count()).select_from(Product).where(Product.match_pending.is_(True))) or 0
    if not examined:
        return 0, 0
    matcher = matcher or TextMatcher()
    waiting = Product.match_pending.is_(True)
    sources = session.scalars(
        select(Offer.supplier_id)
        .join(Product, Product.id == Offer.product_id)
        .where(waiting, Offer.status == OfferStatus.ACTIVE)
        .distinct()
    ).all()
    others: ColumnElement[bool] = Product.match_pending.is_(False)
    if len(sources) == 1:
        others = and_(others, Offer.supplier_id != sources[0])
    merged = 0
    if sources and (len(sources) > 1 or _others_exist(session, sources[0])):
        fill_match_columns(session)
        merges = matcher.match(
            _blocking_texts(session, waiting),
            _blocking_texts(session, others),
            load=lambda ids: _load_texts(session, ids),
            members=lambda groups: _group_texts(session, groups),
            apart=_apart_groups(session),
        )
        # product_matching types group ids as Hashable; the ones it hands back are our int ids.
        fold_products(
            session,
            {int(m.absorb): int(m.keep) for m in merges},  # type: ignore[call-overload]
            scores={int(m.absorb): m.score for m in merges},  # type: ignore[call-overload]
        )
        queue_near_misses(session, matcher.near_misses)
        merged = len(merges)
        logger.info("Grouping: text matcher joined %d of %d pending products (%s)", merged, examined, matcher.stats)
    session.execute(
        update(Product).where(waiting).values(match_pending=False),
        execution_options={"synchronize_session": False},
    )
    session.expire_all()
    return merged, examined


def _others_exist(session: Session, supplier_id: int) -> bool:
    """Tell whether a supplier other than ``supplier_id`` has an active offer (two index range look-ups)."""
    for other in (Offer.supplier_id < supplier_id, Offer.supplier_id > supplier_id):
        if session.scalar(select(Offer.id).where(other, Offer.status == OfferStatus.ACTIVE).limit(1)) is not None:
            return True
    return False


def _load_texts(session: Session, ids: list[Hashable]) -> list[MatchText]:
    found: dict[int, MatchText] = {}
    for batch in _batched(ids):
        found.update(_offer_texts(session, Offer.id.in_(batch)))
    return [found[offer_id] for offer_id in ids]  # type: ignore[index]  # the ids are ints, typed Hashable (as above)


def _group_texts(session: Session, groups: set[Hashable]) -> Iterator[MatchText]:
    for batch in _batched(sorted(groups)):  # type: ignore[type-var]  # int product ids, typed Hashable: they order
        for _, text in _offer_texts(session, Offer.product_id.in_(batch)):
            yield text


def _apart_groups(session: Session) -> list[tuple[int, int]]:
    """Return the pairs of products holding two offers an operator set apart (live offers only)."""
    decisions = session.execute(
        select(GroupingDecision.offer_id, GroupingDecision.other_offer_id).where(
            GroupingDecision.kind == GroupingDecisionKind.APART
        )
    ).all()
    if not decisions:
        return []
    offers = sorted({offer for pair in decisions for offer in pair})
    product_of: dict[int, int] = {}
    for batch in _batched(offers):
        product_of.update(
            (offer_id, product_id)
            for offer_id, product_id in session.execute(
                select(Offer.id, Offer.product_id)
                .join(Product, Product.id == Offer.product_id)
                .where(Offer.id.in_(batch), Offer.status == OfferStatus.ACTIVE, Product.merged_into_id.is_(None))
            )
        )
    return [
        (product_of[a], product_of[b])
        for a, b in decisions
        if a in product_of and b in product_of and product_of[a] != product_of[b]
    ]


def fold_products(
    session: Session,
    moves: dict[int, int],
    *,
    basis: GroupBasis = GroupBasis.TEXT,
    scores: dict[int, float] | None = None,
) -> None:
    """Fold each product ``absorbed`` of ``moves`` into ``moves[absorbed]``, with all its offers.

    The moved offers record ``basis`` as why they are on their new product, with the score
    ``scores[absorbed]`` of a text merge; the keepers' identities are then refreshed.

    Chains resolve (a -> b and b -> c fold a into c). A product still waiting for the text
    matcher was made by this import and nothing links to it yet: it is deleted. Any other
    absorbed product stays, empty, with ``merged_into_id`` set, so that old links can redirect.
    """
    if not moves:
        return

    def final(product_id: int) -> int:
        seen = set()
        while product_id in moves and product_id not in seen:
            seen.add(product_id)
            product_id = moves[product_id]
        return product_id

    target = {absorbed: final(absorbed) for absorbed in moves}
    session.flush()
    offers = session.execute(select(Offer.id, Offer.product_id).where(Offer.product_id.in_(target))).all()
    if offers:
        session.execute(
            update(Offer),
            [
                {
                    "id": offer_id,
                    "product_id": target[product_id],
                    "group_basis": basis,
                    "group_score": (scores or {}).get(product_id),
                }
                for offer_id, product_id in offers
            ],
        )
        history = PriceHistory.__table__
        session.execute(
            update(history).where(history.c.product_id == bindparam("old")).values(product_id=bindparam("new")),
            [{"old": old, "new": new} for old, new in target.items()],
        )
        queue_reindex(session, [offer_id for offer_id, _ in offers])
    products = {
        p.id: p for p in session.scalars(select(Product).where(Product.id.in_(set(target) | set(target.values()))))
    }
    doomed = []
    for absorbed_id, keep_id in target.items():
        keep, absorbed = products[keep_id], products[absorbed_id]
        keep.gtin = keep.gtin or absorbed.gtin
        keep.brand_mpn_key = keep.brand_mpn_key or absorbed.brand_mpn_key
        keep.brand = keep.brand or absorbed.brand
        keep.model = keep.model or absorbed.model
        keep.category_id = keep.category_id or absorbed.category_id
        absorbed.gtin = absorbed.brand_mpn_key = None
        if absorbed.match_pending:
            doomed.append(absorbed)
        else:
            absorbed.merged_into_id = keep_id
    session.flush()
    # Products merged into an absorbed one earlier now lead to its keeper. One look-up per batch
    # rather than one statement per absorbed product: merged_into_id has no index.
    redirects = []
    for batch in _batched(list(target)):
        redirects += session.execute(
            select(Product.id, Product.merged_into_id).where(Product.merged_into_id.in_(batch))
        ).all()
    if redirects:
        session.execute(
            update(Product),
            [{"id": product_id, "merged_into_id": target[old]} for product_id, old in redirects],
        )
    if doomed:
        session.execute(
            delete(Product).where(Product.id.in_([p.id for p in doomed])),
            execution_options={"synchronize_session": False},
        )
        for product in doomed:
            session.expunge(product)
    for offer in list(session.identity_map.values()):
        if isinstance(offer, Offer) and offer.product_id in target:
            session.expire(offer, ["product_id", "product", "group_basis", "group_score"])
    for product in products.values():
        if product.id not in target:
            session.expire(product, ["offers"])
    refresh_identities(session, set(target.values()))


def move_offers(session: Session, offer_ids: list[int], product_id: int, *, basis: GroupBasis) -> None:
    """Point offers, their price history and their index entries at ``product_id``, which they join on ``basis``."""
    if not offer_ids:
        return
    session.flush()
    session.execute(
        update(Offer).where(Offer.id.in_(offer_ids)).values(product_id=product_id, group_basis=basis, group_score=None),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(PriceHistory).where(PriceHistory.offer_id.in_(offer_ids)).values(product_id=product_id),
        execution_options={"synchronize_session": False},
    )
    for offer in session.identity_map.values():
        if isinstance(offer, Offer) and offer.id in offer_ids:
            session.expire(offer, ["product_id", "product", "group_basis", "group_score"])
    queue_reindex(session, offer_ids)
