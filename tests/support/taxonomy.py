"""Grow the small test category tree by real Google categories, translated as the seed does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.taxonomy.models import Category
from marketplace.taxonomy.seed import bundled_taxonomy, read_taxonomy, translate_tree


def add_google_categories(session: Session, *google_ids: int) -> dict[int, Category]:
    """Add the bundled taxonomy's categories ``google_ids`` and their ancestors; return them by Google id.

    Nodes already in the tree are reused. New nodes get their uk and ru names and paths from
    the bundled Google editions, as ``seed_categories`` gives them.
    """
    paths = {google_id: names for google_id, names in read_taxonomy(bundled_taxonomy())}
    id_by_path = {tuple(names): google_id for google_id, names in paths.items()}
    existing = {c.google_id: c for c in session.scalars(select(Category)) if c.google_id is not None}
    added: list[tuple[Category, Category | None]] = []
    wanted: dict[int, Category] = {}
    for google_id in google_ids:
        names = paths[google_id]
        parent: Category | None = None
        for depth in range(1, len(names) + 1):
            node_id = id_by_path[tuple(names[:depth])]
            node = existing.get(node_id)
            if node is None:
                node = Category(
                    google_id=node_id,
                    name=names[depth - 1],
                    parent=parent,
                    path=" > ".join(names[:depth]),
                    depth=depth - 1,
                )
                session.add(node)
                existing[node_id] = node
                added.append((node, parent))
            parent = node
        wanted[google_id] = existing[google_id]
    translate_tree(added)
    session.flush()
    return wanted
