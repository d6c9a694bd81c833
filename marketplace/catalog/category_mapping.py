"""Keep a supplier's own categories and map them onto the marketplace tree.

A supplier category is mapped, strongest source first, by:

1. a person: the supplier in the portal or an operator in the admin queue (``MANUAL``);
2. the feed's own ``google_product_category`` on the category's offers (``FEED``);
3. what an earlier manual mapping of the same name taught (``LEARNED``);
4. name similarity to the Google taxonomy: its English names through a Ukrainian and Russian
   glossary, and Google's own Ukrainian and Russian names (``NAME``).

A weaker source never overrides a stronger one. Name similarity puts precision first: when
no node is clearly the best, the category stays unmapped and its offers wait in the admin's
queue; a wrong category hides goods where buyers never look.

It lives in catalog/, not suppliers/: mapping a category moves the supplier's offers, and
offers are the catalog's, a floor above the suppliers. The name matcher it asks is the pure
library ``taxonomy_matching``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import Offer, OfferStatus, Product
from marketplace.changes.outbox import queue_reindex
from marketplace.db import utcnow
from marketplace.domain_errors import DomainError
from marketplace.suppliers.models import CategoryMappingRule, MappingSource, Supplier, SupplierCategory
from marketplace.taxonomy.models import Category
from supplier_feeds import FeedOffer
from taxonomy_matching import CategoryGuess, TaxonomyMatcher, name_key

logger = logging.getLogger(__name__)


class CategoryMappingError(DomainError):
    """A mapping could not be made; the message is fit to show the user."""


def taxonomy_matcher(session: Session) -> TaxonomyMatcher:
    """Build the name matcher from the database's category tree, with its Ukrainian and Russian paths."""
    rows = session.execute(
        select(
            Category.id,
            Category.parent_id,
            Category.name,
            Category.path,
            Category.depth,
            Category.name_uk,
            Category.path_uk,
            Category.name_ru,
            Category.path_ru,
        )
    ).all()
    # A node without its own translation would only repeat its English name.
    translations = {row.id: [path for name, path in (row[5:7], row[7:9]) if name and path] for row in rows}
    return TaxonomyMatcher((row[:5] for row in rows), translations)


def find_google_category(session: Session, value: str | None) -> int | None:
    """Return the marketplace category a feed's ``google_product_category`` names (id or path), if any."""
    if not value or not value.strip():
        return None
    value = value.strip().replace("&amp;", "&")
    if value.isdigit():
        return session.scalar(select(Category.id).where(Category.google_id == int(value)))
    path = " > ".join(part.strip() for part in value.split(">"))
    return session.scalar(select(Category.id).where(func.lower(Category.path) == path.lower()).limit(1))


def _path_key(path: str) -> str:
    """Return a category path folded for comparison, level by level ("Дім і сад > Сад" -> "дім і сад>сад")."""
    return ">".join(name_key(part) for part in path.split(">"))


def _by_name_in_any_language(session: Session, text: str) -> int | None:
    """Return the category whose path or unique name is ``text`` in English, Ukrainian or Russian.

    Compared in Python, folded like the matcher folds names: SQLite's ``lower()`` leaves
    Cyrillic capitals alone. A person maps one category at a time, so reading the tree's names
    once per request costs little.
    """
    columns = (Category.path, Category.path_uk, Category.path_ru, Category.name, Category.name_uk, Category.name_ru)
    rows = session.execute(select(Category.id, *columns)).all()
    if ">" in text:
        path = _path_key(text)
        for row in rows:
            if path in {_path_key(p) for p in row[1:4] if p}:
                return int(row[0])
    key = name_key(text)
    found = {row[0] for row in rows if key in {name_key(n) for n in row[4:] if n}}
    if len(found) > 1:
        raise CategoryMappingError(
            _l("Several categories are called “%(name)s”; give the full path or the Google id.", name=text)
        )
    if found:
        return found.pop()
    # Not a name of the tree: a confident guess of the name matcher, which reads Ukrainian and
    # Russian words too ("Садовий інструмент" is the tree's "Садовий інвентар", "Gardening Tools").
    guess = taxonomy_matcher(session).guess([text])
    return guess.category_id if guess is not None else None


def find_category(session: Session, text: str) -> Category:
    """Return the category a person named by Google id, path or unique name, in en, uk or ru.

    Raise ``CategoryMappingError`` when nothing, or more than one category, matches.
    """
    text = text.strip()
    if not text:
        raise CategoryMappingError(_l("Name a category: its Google id, its path or its name."))
    category_id = find_google_category(session, text)
    if category_id is None and not text.isdigit() and name_key(text):
        category_id = _by_name_in_any_language(session, text)
    category = session.get(Category, category_id) if category_id is not None else None
    if category is None:
        raise CategoryMappingError(_l("No category matches “%(name)s”.", name=text))
    return category


class CategoryMapper:
    """Keep one supplier's categories during an import and map them onto the marketplace tree."""

    def __init__(self, session: Session, supplier: Supplier) -> None:
        self.session = session
        self.supplier = supplier
        self.existing = {
            sc.external_id: sc
            for sc in session.scalars(select(SupplierCategory).where(SupplierCategory.supplier_id == supplier.id))
        }
        self._matcher: TaxonomyMatcher | None = None
        self._rules: dict[str, int] | None = None
        self._google: dict[str, int | None] = {}

    @property
    def matcher(self) -> TaxonomyMatcher:
        if self._matcher is None:
            self._matcher = taxonomy_matcher(self.session)
        return self._matcher

    def _rule(self, name: str) -> int | None:
        if self._rules is None:
            rows = self.session.execute(select(CategoryMappingRule.name_key, CategoryMappingRule.category_id))
            self._rules = {key: category_id for key, category_id in rows}
        return self._rules.get(name_key(name))

    def _path(self, category: SupplierCategory) -> list[str]:
        names = [category.name]
        parent_id, seen = category.parent_external_id, {category.external_id}
        while parent_id and parent_id not in seen and parent_id in self.existing:
            seen.add(parent_id)
            parent = self.existing[parent_id]
            names.append(parent.name)
            parent_id = parent.parent_external_id
        return list(reversed(names))

    def _auto_map(self, category: SupplierCategory) -> None:
        if _strength(category.mapping_source) >= MappingSource.FEED.strength:
            return
        learned = self._rule(category.name)
        if learned is not None:
            category.category_id, category.mapping_source = learned, MappingSource.LEARNED
            return
        guess = self.matcher.guess(self._path(category))
        category.category_id = guess.category_id if guess else None
        category.mapping_source = MappingSource.NAME if guess else None

    def upsert(self, external_id: str, name: str, parent_external_id: str | None) -> SupplierCategory:
        """Create or update a supplier category and map it automatically unless a stronger source did."""
        category = self.existing.get(external_id)
        if category is None:
            category = SupplierCategory(supplier=self.supplier, external_id=external_id[:255])
            self.session.add(category)
            self.existing[external_id] = category
        category.name = name[:255]
        category.parent_external_id = parent_external_id
        self._auto_map(category)
        return category

    def for_offer(self, offer: FeedOffer) -> SupplierCategory | None:
        """Return the supplier category of a feed offer, mapped by the offer's Google category if it names one."""
        found: SupplierCategory | None = None
        if offer.category_id:
            found = self.existing.get(offer.category_id)
            # An offer may name a category the feed never declared (Rozetka feeds do this).
            found = found or self.upsert(offer.category_id, f"#{offer.category_id}", None)
        elif offer.category_path:
            for depth in range(1, len(offer.category_path) + 1):
                external_id = " > ".join(offer.category_path[:depth])
                parent_id = found.external_id if found else None
                found = self.existing.get(external_id) or self.upsert(
                    external_id, offer.category_path[depth - 1], parent_id
                )
        google_id = self._google_category(offer.google_category)
        if google_id is None:
            return found
        if found is None:
            name = self.session.scalar(select(Category.name).where(Category.id == google_id)) or str(google_id)
            found = self.existing.get(f"google:{google_id}") or self.upsert(f"google:{google_id}", name, None)
        if _strength(found.mapping_source) < MappingSource.FEED.strength:
            found.category_id, found.mapping_source = google_id, MappingSource.FEED
        return found

    def _google_category(self, value: str | None) -> int | None:
        if not value:
            return None
        if value not in self._google:
            self._google[value] = find_google_category(self.session, value)
        return self._google[value]


def _strength(source: str | None) -> int:
    return MappingSource(source).strength if source else -1


# --- people mapping categories: the portal and the admin queue ------------------------------


def set_mapping(session: Session, supplier_category: SupplierCategory, category: Category | None, *, by: User) -> int:
    """Map a supplier category by hand (``None`` unmaps it), move its offers and teach the rule.

    Returns how many offers moved. A supplier's member may map only the supplier's own
    categories; the rule it teaches never overrides an operator's.
    """
    if not by.is_admin and (not by.is_supplier or by.supplier_id != supplier_category.supplier_id):
        raise CategoryMappingError(_l("Only the supplier or an operator may map this category."))
    previous = supplier_category.category_id
    new_id = category.id if category is not None else None
    supplier_category.category_id = new_id
    supplier_category.mapping_source = MappingSource.MANUAL if category is not None else None
    moved = _move_offers(session, [supplier_category.id], previous, new_id)
    if category is not None:
        moved += _teach(session, supplier_category, category, by)
    session.flush()
    logger.info(
        "User %s mapped supplier category %d (%r of supplier %d) to %s; %d offers moved",
        by.id,
        supplier_category.id,
        supplier_category.name,
        supplier_category.supplier_id,
        new_id,
        moved,
    )
    return moved


def _move_offers(session: Session, supplier_category_ids: list[int], previous: int | None, new_id: int | None) -> int:
    offer_ids = session.scalars(
        select(Offer.id).where(
            Offer.supplier_category_id.in_(supplier_category_ids), Offer.category_id.is_distinct_from(new_id)
        )
    ).all()
    if not offer_ids:
        return 0
    session.execute(update(Offer).where(Offer.id.in_(offer_ids)).values(category_id=new_id))
    if new_id is not None:
        # Products that had no category, or had the one just corrected, follow their offers.
        product_ids = select(Offer.product_id).where(Offer.id.in_(offer_ids)).scalar_subquery()
        session.execute(
            update(Product)
            .where(Product.id.in_(product_ids), or_(Product.category_id.is_(None), Product.category_id == previous))
            .values(category_id=new_id)
        )
    queue_reindex(session, offer_ids)
    session.expire_all()
    return len(offer_ids)


def _teach(session: Session, supplier_category: SupplierCategory, category: Category, by: User) -> int:
    """Remember the mapping by name and apply it to other suppliers' categories still waiting; return offers moved."""
    key = name_key(supplier_category.name)
    if not key or supplier_category.name.startswith("#"):
        return 0
    rule = session.scalar(select(CategoryMappingRule).where(CategoryMappingRule.name_key == key))
    if rule is None:
        rule = CategoryMappingRule(name_key=key[:255], category_id=category.id, by_admin=by.is_admin, user_id=by.id)
        session.add(rule)
    elif by.is_admin or not rule.by_admin:
        rule.category_id, rule.by_admin, rule.user_id, rule.updated_at = category.id, by.is_admin, by.id, utcnow()
    else:
        return 0
    waiting = session.scalars(
        select(SupplierCategory).where(
            SupplierCategory.id != supplier_category.id,
            or_(
                SupplierCategory.mapping_source.is_(None),
                SupplierCategory.mapping_source.in_((MappingSource.NAME, MappingSource.LEARNED)),
            ),
        )
    ).all()
    moved = 0
    for other in waiting:
        if name_key(other.name) == key and other.category_id != rule.category_id:
            previous = other.category_id
            other.category_id, other.mapping_source = rule.category_id, MappingSource.LEARNED
            session.flush()
            moved += _move_offers(session, [other.id], previous, rule.category_id)
    return moved


@dataclass
class QueueEntry:
    """A supplier category whose offers wait for a mapping."""

    supplier_category: SupplierCategory
    supplier: Supplier
    offers: int
    path: list[str]
    #: The categories the name matcher suggests, best first.
    suggestions: list[Category]


def unmapped_queue(session: Session, *, supplier_id: int | None = None, limit: int = 100) -> list[QueueEntry]:
    """Return unmapped supplier categories that hold active offers, the fullest first, with suggestions."""
    query = (
        select(SupplierCategory, func.count(Offer.id))
        .join(Offer, Offer.supplier_category_id == SupplierCategory.id)
        .where(SupplierCategory.category_id.is_(None), Offer.status == OfferStatus.ACTIVE)
        .group_by(SupplierCategory.id)
        .order_by(func.count(Offer.id).desc(), SupplierCategory.id)
        .limit(limit)
    )
    if supplier_id is not None:
        query = query.where(SupplierCategory.supplier_id == supplier_id)
    rows = session.execute(query).all()
    if not rows:
        return []
    matcher = taxonomy_matcher(session)
    found = []
    for supplier_category, count in rows:
        path = supplier_category_path(session, supplier_category)
        found.append((supplier_category, count, path, matcher.candidates(path, limit=3)))
    categories = _suggested_categories(session, [guess for *_rest, guesses in found for guess in guesses])
    return [
        QueueEntry(sc, sc.supplier, count, path, [categories[g.category_id] for g in guesses])
        for sc, count, path, guesses in found
    ]


def _suggested_categories(session: Session, guesses: list[CategoryGuess]) -> dict[int, Category]:
    """Load the categories the matcher suggested in one query, so that a page can name them in its language."""
    ids = {guess.category_id for guess in guesses}
    return {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(ids)))} if ids else {}


def unmapped_offer_count(session: Session) -> int:
    """Return how many active offers have no marketplace category."""
    return (
        session.scalar(select(func.count()).where(Offer.status == OfferStatus.ACTIVE, Offer.category_id.is_(None))) or 0
    )


def supplier_category_path(session: Session, supplier_category: SupplierCategory) -> list[str]:
    """Return the supplier category's names from its root down."""
    names = [supplier_category.name]
    parent_id, seen = supplier_category.parent_external_id, {supplier_category.external_id}
    while parent_id and parent_id not in seen:
        seen.add(parent_id)
        parent = session.scalar(
            select(SupplierCategory).where(
                SupplierCategory.supplier_id == supplier_category.supplier_id, SupplierCategory.external_id == parent_id
            )
        )
        if parent is None:
            break
        names.append(parent.name)
        parent_id = parent.parent_external_id
    return list(reversed(names))


def supplier_categories(session: Session, supplier: Supplier) -> list[tuple[SupplierCategory, int]]:
    """Return the supplier's categories with their active offer counts, by name."""
    counts = (
        select(Offer.supplier_category_id, func.count(Offer.id).label("n"))
        .where(Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
        .group_by(Offer.supplier_category_id)
        .subquery()
    )
    rows = session.execute(
        select(SupplierCategory, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.supplier_category_id == SupplierCategory.id)
        .where(SupplierCategory.supplier_id == supplier.id)
        .order_by(SupplierCategory.name, SupplierCategory.id)
    ).all()
    return [(row[0], int(row[1])) for row in rows]


@dataclass
class MappingRow:
    """One of a supplier's categories as the portal shows it."""

    supplier_category: SupplierCategory
    offers: int
    #: The marketplace category, ``None`` while unmapped.
    category: Category | None
    #: Suggestions for an unmapped category, best first.
    suggestions: list[Category]


def supplier_mapping(session: Session, supplier: Supplier) -> list[MappingRow]:
    """Return the supplier's categories with offer counts, where they map, and suggestions for the unmapped."""
    rows = supplier_categories(session, supplier)
    mapped_ids = {sc.category_id for sc, _count in rows if sc.category_id is not None}
    mapped = {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(mapped_ids)))}
    matcher = taxonomy_matcher(session) if len(mapped_ids) < len(rows) else None
    guesses: dict[int, list[CategoryGuess]] = {}
    for sc, _count in rows:
        if sc.category_id is None and matcher is not None:
            guesses[sc.id] = matcher.candidates(supplier_category_path(session, sc), limit=3)
    suggested = _suggested_categories(session, [g for found in guesses.values() for g in found])
    return [
        MappingRow(
            sc,
            count,
            mapped.get(sc.category_id) if sc.category_id else None,
            [suggested[g.category_id] for g in guesses.get(sc.id, [])],
        )
        for sc, count in rows
    ]
