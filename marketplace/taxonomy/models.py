"""The category tree: the lowest concept of the catalog, which everything above may name."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk, str255


class CategoryNames(Protocol):
    """The name columns every category node carries: English, and the uk and ru editions."""

    name: str
    path: str
    name_uk: str | None
    name_ru: str | None
    path_uk: str | None
    path_ru: str | None


class Translated:
    """The one rule for which of a category node's names (en, uk, ru) a page shows.

    :class:`Category` and the lighter rows built from its columns (the browsing tree's nodes)
    share it, so every page falls back to English the same way.
    """

    def name_in(self: CategoryNames, locale: str | None) -> str:
        """The node's name in ``locale`` ("en", "uk" or "ru"), English where it has none."""
        return {"uk": self.name_uk, "ru": self.name_ru}.get(locale or "en") or self.name

    def path_in(self: CategoryNames, locale: str | None) -> str:
        """The node's path in ``locale``, each level falling back to English on its own."""
        return {"uk": self.path_uk, "ru": self.path_ru}.get(locale or "en") or self.path


class Category(Translated, Base):
    """A node of the marketplace's category tree (seeded from the Google product taxonomy)."""

    __tablename__ = "categories"

    id: Mapped[intpk]
    #: The Google product taxonomy id, where the node comes from it.
    google_id: Mapped[int | None] = mapped_column(unique=True)
    name: Mapped[str255]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    #: The names from the root down, joined with " > "; kept so that a page needs no recursion.
    path: Mapped[str] = mapped_column(String(1000))
    depth: Mapped[int] = mapped_column(default=0)
    #: The node's name and path in Google's Ukrainian and Russian editions of the taxonomy,
    #: joined on the Google id; ``None`` where the node is newer than those editions (2015) or
    #: is the marketplace's own, so that :meth:`name_in` falls back to English.
    name_uk: Mapped[str | None] = mapped_column(String(255))
    name_ru: Mapped[str | None] = mapped_column(String(255))
    path_uk: Mapped[str | None] = mapped_column(String(1000))
    path_ru: Mapped[str | None] = mapped_column(String(1000))

    parent: Mapped[Category | None] = relationship(remote_side="Category.id", back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.name")

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.path!r}>"
