"""Seed the marketplace category tree from the bundled Google product taxonomy."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.taxonomy.models import Category, CategoryNames

logger = logging.getLogger(__name__)

#: Google product taxonomy, version 2021-09-21 (en-US), published by Google for merchants.
TAXONOMY_FILE = "taxonomy-with-ids.en-US.txt"
#: Google's Ukrainian and Russian editions (version 2015-02-19), published for merchants like
#: the en-US file. They join it on the id; about 170 newer ids have no translation.
TRANSLATED_FILES = {"uk": "taxonomy-with-ids.uk-UA.txt", "ru": "taxonomy-with-ids.ru-RU.txt"}


def read_taxonomy(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(google_id, [level1, level2, ...])`` from ``id - A > B > C`` lines."""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        google_id, sep, path = line.partition(" - ")
        if not sep or not google_id.strip().isdigit():
            raise ValueError(f"not a taxonomy line: {line!r}")
        yield int(google_id), [part.strip() for part in path.split(" > ")]


def bundled_taxonomy(locale: str = "en") -> str:
    """Return the text of the bundled taxonomy file in ``locale`` ("en", "uk" or "ru")."""
    name = TAXONOMY_FILE if locale == "en" else TRANSLATED_FILES[locale]
    return resources.files("marketplace.taxonomy").joinpath("data", name).read_text("utf-8")


def translated_names(locale: str) -> dict[int, str]:
    """Map each Google id to its leaf name in ``locale``'s edition of the taxonomy."""
    return {google_id: names[-1] for google_id, names in read_taxonomy(bundled_taxonomy(locale))}


class _Node(CategoryNames, Protocol):
    google_id: int | None


def translate_tree(nodes: Iterable[tuple[_Node, _Node | None]]) -> None:
    """Fill each node's uk and ru names and paths; ``nodes`` are (node, parent), parents first.

    A level without a translation keeps its English name inside the translated path, so a
    path is always whole.
    """
    names = {locale: translated_names(locale) for locale in TRANSLATED_FILES}
    for node, parent in nodes:
        for locale, by_id in names.items():
            name = by_id.get(node.google_id) if node.google_id is not None else None
            setattr(node, f"name_{locale}", name)
            own = name or node.name
            above = (getattr(parent, f"path_{locale}") or parent.path) if parent is not None else None
            setattr(node, f"path_{locale}", f"{above} > {own}" if above else own)


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
    translate_tree((category, category.parent) for category in by_path.values())
    session.flush()
    logger.info("Seeded %d categories from the Google product taxonomy", len(by_path))
    return len(by_path)
