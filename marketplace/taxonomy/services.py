"""Questions about the category tree that several domains ask: the one home of the subtree rule."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from marketplace.taxonomy.models import Category


def in_subtree(category_id: int) -> Select[int]:
    """Return a query for the id of ``category_id`` and of every category below it.

    A category's ``path`` is its ancestors' names and its own, joined by " > ", so the
    categories below one are those whose path starts with its path and the separator: one
    query, usable as a subquery (``Offer.category_id.in_(in_subtree(id))``).
    """
    root = select(Category.path).where(Category.id == category_id).scalar_subquery()
    return select(Category.id).where(
        or_(Category.id == category_id, Category.path.startswith(root.concat(" > "), autoescape=False))
    )


def subtree_ids(session: Session, category_id: int) -> list[int]:
    """Return ``category_id`` and the ids of all categories below it."""
    return list(session.scalars(in_subtree(category_id)))
