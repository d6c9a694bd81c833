"""Catalog services on a real database: the best offer, the tree, product cards, click-outs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import ClickOut, Offer, OfferStatus
from marketplace.catalog.services import (
    NotFound,
    best_offer,
    category_page,
    category_tree,
    product_card,
    record_click_out,
)
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.services import subtree_ids


def offer(db_session: Session, sku: str) -> Offer:
    found = db_session.scalar(select(Offer).where(Offer.supplier_sku == sku))
    assert found is not None
    return found


def test_best_offer_is_the_cheapest_active_in_stock_one(db_session: Session, stocked: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")
    assert ours.product_id == theirs.product_id
    assert best_offer([theirs, ours]) is ours  # 1899 < 1950

    ours.available = False
    assert best_offer([ours, theirs]) is theirs  # in stock beats cheaper
    theirs.status = OfferStatus.WITHDRAWN
    assert best_offer([ours, theirs]) is ours  # withdrawn offers are never shown
    ours.status = OfferStatus.WITHDRAWN
    assert best_offer([ours, theirs]) is None


def test_category_tree_counts_products_up_the_tree(db_session: Session, stocked: dict[str, Supplier]) -> None:
    tree = category_tree(db_session)
    by_name = {node.name: node for node in tree}
    assert set(by_name) == {"Home & Garden", "Office Supplies"}
    home = by_name["Home & Garden"]
    # Pan (one product, two sellers) and knife: two products under Home & Garden.
    assert home.product_count == 2
    kitchen = home.children[0]
    assert kitchen.name == "Kitchen & Dining" and kitchen.product_count == 2


def test_category_page_lists_products_of_the_whole_subtree(db_session: Session, stocked: dict[str, Supplier]) -> None:
    kitchen = db_session.scalar(select(Category).where(Category.google_id == 638))
    assert kitchen is not None
    page = category_page(db_session, kitchen.id)
    titles = {s.product.title for s in page.products}
    assert titles == {"Hartwell Steel frying pan 28 cm", "Ferrum chef's knife 20 cm"}
    pan = next(s for s in page.products if s.product.title.startswith("Hartwell"))
    assert pan.seller_count == 2 and pan.best.price_base == Decimal("1899.00")
    assert [c.name for c in page.breadcrumbs] == ["Home & Garden", "Kitchen & Dining"]
    assert kitchen.id in subtree_ids(db_session, kitchen.id)
    with pytest.raises(NotFound):
        category_page(db_session, 999_999)


def test_product_card_lists_every_active_offer_best_first(db_session: Session, stocked: dict[str, Supplier]) -> None:
    pan = offer(db_session, "PAN-28")
    card = product_card(db_session, pan.product_id)
    assert [o.supplier_sku for o in card.offers] == ["PAN-28", "OP-1"]
    assert card.best is card.offers[0]
    with pytest.raises(NotFound):
        product_card(db_session, 999_999)


def test_click_out_records_the_stored_url(db_session: Session, stocked: dict[str, Supplier]) -> None:
    pan = offer(db_session, "PAN-28")
    outcome = record_click_out(
        db_session, pan.id, visitor_id="v" * 32, user_id=None, source_page="/search?q=pan", position=2
    )
    click = outcome.click
    assert click is not None and outcome.target_url == click.target_url
    assert click.target_url == "https://kitchen-pro.example/pan-28"
    assert (click.supplier_id, click.position, click.price_base) == (pan.supplier_id, 2, pan.price_base)
    assert db_session.scalar(select(ClickOut).where(ClickOut.id == click.id)) is click

    pan.status = OfferStatus.WITHDRAWN
    with pytest.raises(NotFound):
        record_click_out(db_session, pan.id, visitor_id=None, user_id=None, source_page=None, position=None)
