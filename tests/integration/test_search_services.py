"""The search services on a real database and index: documents, drift checks, loading hits."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.changes.models import IndexChange
from marketplace.search.index_runtime import get_index
from marketplace.search.indexer import _Categories, check_index, fix_drift, offer_document, offer_rows
from marketplace.search.jobs import sync_index
from marketplace.search.services import relax_hints, search_offers, suggest
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category
from search_index import SearchQuery
from tests.support.database import recorded_statements


def pan(session: Session, sku: str = "PAN-28") -> Offer:
    return session.scalars(select(Offer).where(Offer.supplier_sku == sku)).one()


def test_offer_document_carries_condition_times_and_the_category_path(
    db_session: Session, stocked: dict[str, Supplier]
) -> None:
    (row,) = offer_rows(db_session, Offer.id == pan(db_session).id)
    doc = offer_document(row, _Categories(db_session))
    assert doc.condition == "new"  # the feed said nothing
    assert doc.created_at > 1_700_000_000 and doc.updated_at >= doc.created_at
    names = [db_session.get_one(Category, cid).name for cid in doc.category_ids]
    assert names[0] == "Home & Garden" and names[-1] == "Skillets & Frying Pans"
    assert doc.price_minor == 189_900


def test_search_loads_every_hit_in_one_query(app: Flask, db_session: Session, stocked: dict[str, Supplier]) -> None:
    with recorded_statements(db_session) as statements:
        page = search_offers(db_session, get_index(app), SearchQuery(text="Hartwell", by_product=True))
    offer_loads = [s for s in statements if "FROM offers" in s]
    assert len(offer_loads) == 1, offer_loads
    (hit,) = page.hits
    # best_offer over the product's matching offers: Kitchen Pro's is cheaper.
    assert hit.offer.supplier.slug == "kitchen-pro" and len(hit.offers) == 2 and hit.seller_count == 2


def test_a_withdrawn_offer_is_skipped_before_the_index_catches_up(
    app: Flask, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    db_session.execute(update(Offer).where(Offer.supplier_sku == "PAN-28").values(status=OfferStatus.WITHDRAWN))
    page = search_offers(db_session, get_index(app), SearchQuery(text="Hartwell", by_product=True))
    (hit,) = page.hits
    assert hit.offer.supplier.slug == "office-point" and [o.supplier_sku for o in hit.offers] == ["OP-1"]


def test_check_index_finds_missing_stale_and_extra_offers(
    app: Flask, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    index = get_index(app)
    assert check_index(db_session, index).clean
    knife, board, stapler = pan(db_session, "KNIFE-20"), pan(db_session, "BOARD-1"), pan(db_session, "OP-2")
    # Three changes that bypassed the queue: removed from the index, repriced, withdrawn.
    index.remove([knife.id])
    db_session.execute(update(Offer).where(Offer.id == board.id).values(available=True))
    db_session.execute(update(Offer).where(Offer.id == stapler.id).values(status=OfferStatus.WITHDRAWN))
    drift = check_index(db_session, index)
    assert (drift.missing, drift.stale, drift.extra) == ([knife.id], [board.id], [stapler.id])
    assert drift.pending == 0 and not drift.clean

    assert fix_drift(db_session, drift) == 3
    db_session.commit()
    # Queued offers are the writer's business now: not reported as drift.
    queued = check_index(db_session, index)
    assert queued.clean and queued.pending == 3
    sync_index(db_session, index)
    assert db_session.scalar(select(IndexChange.id)) is None
    assert check_index(db_session, index).clean
    assert stapler.id not in index.offer_ids() and knife.id in index.offer_ids()


def test_relax_hints_rerun_without_each_filter(app: Flask, stocked: dict[str, Supplier]) -> None:
    query = SearchQuery(text="Hartwell", max_price_minor=1_000, suppliers=("kitchen-pro",), in_stock=True)
    hints = {hint.name: hint.total for hint in relax_hints(get_index(app), query)}
    assert hints == {"price": 1}


def test_suggest_names_categories(app: Flask, db_session: Session, stocked: dict[str, Supplier]) -> None:
    entries = suggest(db_session, get_index(app), "hartw")
    kinds = {(e.kind, e.text) for e in entries}
    assert ("category", "Skillets & Frying Pans") in kinds
    category = next(e for e in entries if e.kind == "category")
    assert category.params["category"].isdigit()
