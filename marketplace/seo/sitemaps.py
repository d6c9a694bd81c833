"""What the sitemaps list: live products and the categories that hold them, with when each last changed.

A sitemap file holds at most 50,000 URLs (sitemaps.org). Every product and category is
listed once per language, so a file covers ``urls_per_file // len(languages)`` of them,
by id range: file ``n`` holds ids ``n*size+1 .. (n+1)*size``. A product keeps its file for
life, so a change touches one file's ``lastmod``, and the files that are empty are not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, Product, shown_to_buyers
from marketplace.taxonomy.models import Category

#: sitemaps.org's limit of URLs in one file.
MAX_URLS_PER_FILE = 50_000


@dataclass(frozen=True)
class Entry:
    """One product or category to list."""

    id: int
    #: The text its slug comes from: a product's title, a category's English name.
    name: str
    #: When its content (an offer of it, or under it) last changed.
    lastmod: dt.datetime


@dataclass(frozen=True)
class Chunk:
    """One sitemap file: its number and the newest change in it."""

    number: int
    lastmod: dt.datetime


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite hands datetimes back naive; they were written in UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _live_offers() -> ColumnElement[bool]:
    return and_(shown_to_buyers(), Product.merged_into_id.is_(None))


def product_chunks(session: Session, size: int) -> list[Chunk]:
    """Return the product files that list anything, with each one's newest change."""
    number = (Product.id - 1) // size
    rows = session.execute(
        select(number.label("number"), func.max(Offer.updated_at))
        .join(Offer, Offer.product_id == Product.id)
        .where(_live_offers())
        .group_by(number)
        .order_by(number)
    ).all()
    return [Chunk(int(n), _utc(lastmod)) for n, lastmod in rows]


def products_in_chunk(session: Session, number: int, size: int) -> list[Entry]:
    """Return the live products of file ``number``: those with an active offer, not merged away."""
    rows = session.execute(
        select(Product.id, Product.title, func.max(Offer.updated_at))
        .join(Offer, Offer.product_id == Product.id)
        .where(_live_offers(), Product.id.between(number * size + 1, (number + 1) * size))
        .group_by(Product.id, Product.title)
        .order_by(Product.id)
    ).all()
    return [Entry(id, title, _utc(lastmod)) for id, title, lastmod in rows]


def live_categories(session: Session) -> list[Entry]:
    """Return every category with an active offer in it or below it, with the newest change under it."""
    rows = session.execute(
        select(Offer.category_id, func.max(Offer.updated_at))
        .where(shown_to_buyers(), Offer.category_id.is_not(None))
        .group_by(Offer.category_id)
    )
    newest = {category_id: _utc(lastmod) for category_id, lastmod in rows if category_id is not None}
    tree = {row.id: row for row in session.execute(select(Category.id, Category.name, Category.parent_id))}
    under: dict[int, dt.datetime] = {}
    for category_id, lastmod in newest.items():
        node: int | None = category_id
        seen: set[int] = set()
        while node is not None and node in tree and node not in seen:
            seen.add(node)
            if node not in under or under[node] < lastmod:
                under[node] = lastmod
            node = tree[node].parent_id
    return [Entry(id, tree[id].name, lastmod) for id, lastmod in sorted(under.items())]


def category_chunks(categories: list[Entry], size: int) -> list[Chunk]:
    """Return the category files that list anything, with each one's newest change."""
    chunks: dict[int, dt.datetime] = {}
    for entry in categories:
        number = (entry.id - 1) // size
        chunks[number] = max(chunks.get(number, entry.lastmod), entry.lastmod)
    return [Chunk(n, lastmod) for n, lastmod in sorted(chunks.items())]


def categories_in_chunk(categories: list[Entry], number: int, size: int) -> list[Entry]:
    """Return the categories of file ``number``."""
    return [entry for entry in categories if (entry.id - 1) // size == number]
