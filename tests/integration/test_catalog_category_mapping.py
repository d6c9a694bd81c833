"""Mapping suppliers' categories onto the taxonomy: by the feed, by name (UK/RU/EN), by what people taught."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.catalog.category_mapping import (
    CategoryMapper,
    CategoryMappingError,
    find_category,
    set_mapping,
    unmapped_queue,
)
from marketplace.catalog.models import Offer
from marketplace.changes.models import IndexChange
from marketplace.suppliers.models import MappingSource, Supplier
from marketplace.suppliers.services import add_supplier
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.seed import bundled_taxonomy, read_taxonomy
from supplier_feeds import FeedOffer
from taxonomy_matching import TaxonomyMatcher
from tests.support import factories


def google(db_session: Session, google_id: int) -> int:
    found = db_session.scalar(select(Category.id).where(Category.google_id == google_id))
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("path", "google_id"),
    [
        (["Посуд", "Сковороди"], 662),  # Ukrainian, plural
        (["Кухня", "Сковородки"], 662),  # Russian diminutive
        (["Skillets & Frying Pans"], 662),  # the taxonomy's own name
        (["Кухонні ножі"], 665),
        (["Степлери"], 947),
        (["Сад", "Секатори"], 3841),
    ],
)
def test_names_in_three_languages_map_by_similarity(
    db_session: Session, supplier: Supplier, path: list[str], google_id: int
) -> None:
    mapper = CategoryMapper(db_session, supplier)
    parent = None
    for depth, name in enumerate(path):
        parent = mapper.upsert(str(depth), name, parent.external_id if parent else None)
    assert parent is not None
    assert (parent.category_id, parent.mapping_source) == (google(db_session, google_id), MappingSource.NAME)


@pytest.mark.parametrize("name", ["Things we sell", "Різне", "Новинки", "#17"])
def test_vague_names_stay_unmapped(db_session: Session, supplier: Supplier, name: str) -> None:
    category = CategoryMapper(db_session, supplier).upsert("x", name, None)
    assert category.category_id is None and category.mapping_source is None


def test_the_feeds_google_category_wins_over_the_name(db_session: Session, supplier: Supplier) -> None:
    mapper = CategoryMapper(db_session, supplier)
    cookware = mapper.upsert("1", "Cookware", None)
    assert cookware.category_id == google(db_session, 654)
    row = FeedOffer(sku="A", title="Pan", price=Decimal(1), currency="UAH", category_id="1", google_category="662")
    assert mapper.for_offer(row) is cookware
    assert (cookware.category_id, cookware.mapping_source) == (google(db_session, 662), MappingSource.FEED)
    # An offer without a category of its own gets one named after the Google category (by path here).
    path = "Office Supplies > Office Instruments > Staplers"
    lone = mapper.for_offer(FeedOffer(sku="B", title="Stapler", price=Decimal(1), currency="UAH", google_category=path))
    assert lone is not None and lone.category_id == google(db_session, 947) and lone.name == "Staplers"
    # A name-mapped category later re-imported keeps the feed's mapping.
    assert mapper.upsert("1", "Cookware", None).category_id == google(db_session, 662)


def test_a_manual_mapping_teaches_the_next_supplier(
    db_session: Session, supplier: Supplier, supplier_member: User, admin: User
) -> None:
    mapper = CategoryMapper(db_session, supplier)
    ours = mapper.upsert("7", "Скріпки та степлери офісні", None)
    ours = mapper.upsert("8", "Наші хіти", None)
    assert ours.category_id is None
    other = add_supplier(db_session, "office-point", name="Office Point", store_url="https://op.example/")
    waiting = CategoryMapper(db_session, other).upsert("x", "наші  хіти", None)
    assert waiting.category_id is None

    staplers = find_category(db_session, "947")
    set_mapping(db_session, ours, staplers, by=supplier_member)
    assert (ours.category_id, ours.mapping_source) == (staplers.id, MappingSource.MANUAL)
    # The other supplier's category with the same name, still waiting, is mapped at once...
    assert (waiting.category_id, waiting.mapping_source) == (staplers.id, MappingSource.LEARNED)
    # ...and a third supplier's import maps it by the rule.
    third = factories.supplier(db_session, "third")
    learned = CategoryMapper(db_session, third).upsert("1", "Наші хіти", None)
    assert (learned.category_id, learned.mapping_source) == (staplers.id, MappingSource.LEARNED)
    # An import never overrides a person's mapping.
    assert CategoryMapper(db_session, supplier).upsert("8", "Наші хіти", None).mapping_source == MappingSource.MANUAL

    # An operator's rule is not overridden by a supplier's later choice.
    knives = find_category(db_session, "Kitchen Knives")
    set_mapping(db_session, learned, knives, by=admin)
    set_mapping(db_session, ours, staplers, by=supplier_member)
    fourth = factories.supplier(db_session, "fourth")
    assert CategoryMapper(db_session, fourth).upsert("1", "Наші хіти", None).category_id == knives.id


def test_only_the_supplier_or_an_operator_may_map(db_session: Session, supplier: Supplier, buyer: User) -> None:
    category = CategoryMapper(db_session, supplier).upsert("1", "Наші хіти", None)
    other = add_supplier(db_session, "office-point", name="Office Point", store_url="https://op.example/")
    stranger = factories.user(db_session, "s@op.example", role=Role.SUPPLIER, supplier=other)
    for user in (buyer, stranger):
        with pytest.raises(CategoryMappingError):
            set_mapping(db_session, category, find_category(db_session, "947"), by=user)
    with pytest.raises(CategoryMappingError):
        find_category(db_session, "no such category")


def test_mapping_moves_waiting_offers_and_requeues_them_for_the_index(
    db_session: Session, stocked: dict[str, Supplier], admin: User
) -> None:
    queue = unmapped_queue(db_session)
    names = {(e.supplier.slug, e.supplier_category.name): e.offers for e in queue}
    # "Pens" waits too, but its only row was rejected (a negative price): nothing to map.
    assert names == {("kitchen-pro", "Things we sell"): 1, ("office-point", "Notebooks & Notepads"): 1}
    board = db_session.scalar(select(Offer).where(Offer.supplier_sku == "BOARD-1"))
    assert board is not None and board.category_id is None
    entry = next(e for e in queue if e.supplier_category.name == "Things we sell")
    queued_before = len(db_session.scalars(select(IndexChange.offer_id)).all())

    moved = set_mapping(db_session, entry.supplier_category, find_category(db_session, "638"), by=admin)
    assert moved == 1
    db_session.refresh(board)
    assert board.category_id == google(db_session, 638)
    assert board.product.category_id == google(db_session, 638)
    assert board.id in db_session.scalars(select(IndexChange.offer_id)).all()
    assert len(db_session.scalars(select(IndexChange.offer_id)).all()) == queued_before + 1
    assert "Things we sell" not in {e.supplier_category.name for e in unmapped_queue(db_session)}


@pytest.mark.realdata
def test_name_mapping_precision_on_a_real_shops_mapping(shared_data: Path) -> None:
    """Score the name matcher on a real Ukrainian shop's 142 hand-made mappings; precision comes first."""
    rows, by_path = [], {}
    text = (shared_data / "taxonomy" / "taxonomy-with-ids.en-US.txt").read_text("utf-8")
    assert text.strip() == bundled_taxonomy().strip()
    for google_id, names in read_taxonomy(text):
        by_path[tuple(names)] = google_id
        parent = by_path.get(tuple(names[:-1])) if len(names) > 1 else None
        rows.append((google_id, parent, names[-1], " > ".join(names), len(names) - 1))
    # Google's Ukrainian and Russian editions, as the app passes them (taxonomy_matcher).
    translations: dict[int, list[str]] = {}
    for edition in ("uk-UA", "ru-RU"):
        translated = (shared_data / "taxonomy" / f"taxonomy-with-ids.{edition}.txt").read_text("utf-8")
        for google_id, names in read_taxonomy(translated):
            translations.setdefault(google_id, []).append(" > ".join(names))
    matcher = TaxonomyMatcher(rows, translations)
    parents = {row[0]: row[1] for row in rows}

    def branch(google_id: int | None) -> set[int]:
        found = set()
        while google_id is not None:
            found.add(google_id)
            google_id = parents.get(google_id)
        return found

    with open(shared_data / "taxonomy" / "ua-shop-to-google-mapping.csv", encoding="utf-8-sig") as fh:
        truth = [(row["keyword"], int(row["google_cat_id"])) for row in csv.DictReader(fh, delimiter=";")]
    mapped = exact = same_branch = suggested = 0
    for keyword, google_id in truth:
        path = [part.strip() for part in keyword.split(">")]
        guess = matcher.guess(path)
        suggested += google_id in {c.category_id for c in matcher.candidates(path, limit=3)}
        if guess is not None:
            mapped += 1
            exact += guess.category_id == google_id
            same_branch += guess.category_id in branch(google_id) or google_id in branch(guess.category_id)
    precision, coverage = exact / mapped, mapped / len(truth)
    print(
        f"\nname mapping on {len(truth)} real mappings: {mapped} mapped ({coverage:.1%}), exact precision "
        f"{precision:.3f}, same-branch precision {same_branch / mapped:.3f}; truth in top-3 suggestions "
        f"{suggested / len(truth):.1%}"
    )
    assert len(truth) == 142
    assert precision >= 0.85 and same_branch / mapped >= 0.95
    # English and the glossary alone mapped 24 (16.9 %); the uk/ru names add four, none wrong.
    assert coverage >= 0.19
