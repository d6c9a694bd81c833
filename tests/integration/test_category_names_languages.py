"""Naming a category by hand in English, Ukrainian or Russian, and the tree's order in each language."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.category_mapping import CategoryMappingError, find_category
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.names import collation_key


@pytest.mark.parametrize(
    ("text", "google_id"),
    [
        ("Степлери", 947),  # Ukrainian name
        ("степлеры", 947),  # Russian name, typed in lower case (SQLite's lower() leaves Cyrillic alone)
        ("Кухонні ножі", 665),
        ("Секаторы", 3841),
        ("Садовий інвентар", 3173),  # Google's Ukrainian name for Gardening Tools
        ("Товари для дому та саду > Кухня та вітальня", 638),  # a Ukrainian path
        ("дом и сад>товары для кухни и столовой", 638),  # a Russian path, loosely typed
        ("Kitchen Knives", 665),  # English still works
        ("Home & Garden > Kitchen & Dining", 638),
        ("947", 947),
        # Not a name of the tree, but the name matcher reads it confidently: "Gardening Tools".
        ("Садовий інструмент", 3173),
    ],
)
def test_a_person_names_a_category_in_any_language(db_session: Session, text: str, google_id: int) -> None:
    assert find_category(db_session, text).google_id == google_id


@pytest.mark.parametrize("text", ["Щось невідоме", "Кухня > Нічого", "   "])
def test_an_unknown_name_is_refused(db_session: Session, text: str) -> None:
    with pytest.raises(CategoryMappingError):
        find_category(db_session, text)


def test_a_name_two_categories_share_asks_for_the_path(db_session: Session) -> None:
    staplers = db_session.scalar(select(Category).where(Category.google_id == 947))
    assert staplers is not None
    twin = Category(google_id=None, name="Office Staplers", path="Office Supplies > Office Staplers", depth=1)
    twin.name_uk, twin.path_uk = "Степлери", "Офісне приладдя > Степлери"
    db_session.add(twin)
    db_session.flush()
    with pytest.raises(CategoryMappingError, match="Several categories"):
        find_category(db_session, "степлери")
    # The Russian name is still unique.
    assert find_category(db_session, "Степлеры").id == staplers.id


def test_names_sort_in_each_languages_alphabet() -> None:
    uk = ["Ялинки", "Їжа", "Іграшки", "Ґудзики", "Авто", "Гаджети", "Єнот", "Євро", "Sand"]
    assert sorted(uk, key=lambda name: collation_key(name, "uk")) == [
        "Sand", "Авто", "Гаджети", "Ґудзики", "Євро", "Єнот", "Іграшки", "Їжа", "Ялинки",
    ]  # fmt: skip
    ru = ["Ёлки", "Яблоки", "Ежи", "Жуки", "Эхо", "Ель"]
    assert sorted(ru, key=lambda name: collation_key(name, "ru")) == ["Ежи", "Ель", "Ёлки", "Жуки", "Эхо", "Яблоки"]
    assert sorted(["office", "Home"], key=lambda name: collation_key(name, "en")) == ["Home", "office"]
