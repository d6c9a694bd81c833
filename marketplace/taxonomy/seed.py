"""Seed the marketplace category tree from the bundled Google product taxonomy."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.taxonomy.models import Category

logger = logging.getLogger(__name__)

#: Google product taxonomy, version 2021-09-21 (en-US), bundled under its CC-BY licence.
TAXONOMY_FILE = "taxonomy-with-ids.en-US.txt"


def read_taxonomy(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(google_id, [level1, level2, ...])`` from ``id - A > B > C`` lines."""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        google_id, sep, path = line.partition(" - ")
        if not sep or not google_id.strip().isdigit():
            raise ValueError(f"not a taxonomy line: {line!r}")
        yield int(google_id), [part.strip() for part in path.split(" > ")]


def bundled_taxonomy() -> str:
    """Return the text of the bundled taxonomy file."""
    return resources.files("marketplace.taxonomy").joinpath("data", TAXONOMY_FILE).read_text("utf-8")


def seed_categories(session: Session, text: str | None = None) -> int:
    """Create the category tree from ``text`` (the bundled taxonomy by default) if it is empty.

    Returns the number of categories created; 0 when a tree already exists.
    """
    if session.scalar(select(func.count()).select_from(Category)):
        return 0
    by_path: dict[tuple[str, ...], Category] = {}
    for google_id, names in read_taxonomy(text if text is not None else bundled_taxonomy()):
        parent = by_path.get(tuple(names[:-1])) if len(names) > 1 else None
        category = Category(
            google_id=google_id,
            name=names[-1],
            parent=parent,
            path=" > ".join(names),
            depth=len(names) - 1,
        )
        session.add(category)
        by_path[tuple(names)] = category
    session.flush()
    logger.info("Seeded %d categories from the Google product taxonomy", len(by_path))
    return len(by_path)
