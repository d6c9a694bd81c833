"""Why each offer is on its product, and the product's one title, brand and picture set, through the real import."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.grouping import fold_products
from marketplace.catalog.models import GroupBasis, Offer, Product
from marketplace.catalog.products import merge_products, split_offer
from marketplace.catalog.services import product_page
from marketplace.demo.loader import load_demo
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.database import recorded_statements
from tests.support.grouping import import_and_group

ALPHA = [
    {"sku": "A-1", "name": "Tefal Ingenio pan 24", "brand": "Tefal", "gtin": "3168430262935"},
    {"sku": "A-2", "name": "Bosch drill", "brand": "Bosch", "mpn": "0603127020"},
    {"sku": "A-3", "name": "Sony Turntable - PSLX350H", "brand": "Sony"},
    {"sku": "A-5", "name": "Weber Cast Iron Griddle 7531", "brand": "Weber"},
]
BETA = [
    {"sku": "B-1", "name": "Сковорода Tefal Ingenio 24см", "brand": "TEFAL", "gtin": "3168430262935"},
    {"sku": "B-2", "name": "Дриль ударний Bosch PSB 500 RE, 500 Вт", "brand": "BOSCH", "mpn": "0 603 127 020"},
    {"sku": "B-3", "name": "Sony PS-LX350H Belt Drive Turntable with a long and detailed title", "brand": "Sony"},
    {"sku": "B-5", "name": "Logitech Harmony One universal remote", "brand": "Logitech"},
]


@pytest.fixture
def shops(db_session: Session) -> dict[str, Supplier]:
    alpha, beta = factories.supplier(db_session, "alpha"), factories.supplier(db_session, "beta")
    import_and_group(db_session, alpha, ALPHA)
    import_and_group(db_session, beta, BETA)
    return {"alpha": alpha, "beta": beta}


def offer(session: Session, sku: str) -> Offer:
    found = session.scalar(select(Offer).where(Offer.supplier_sku == sku))
    assert found is not None, sku
    return found


def test_each_offer_records_how_it_joined_its_product(db_session: Session, shops: dict[str, Supplier]) -> None:
    bases = {sku: (offer(db_session, sku).group_basis, offer(db_session, sku).group_score) for sku in
             ("A-1", "A-2", "A-3", "A-5", "B-1", "B-2", "B-5")}  # fmt: skip
    assert bases == {
        "A-1": (GroupBasis.FOUNDER, None),
        "A-2": (GroupBasis.FOUNDER, None),
        "A-3": (GroupBasis.FOUNDER, None),
        "A-5": (GroupBasis.FOUNDER, None),
        "B-1": (GroupBasis.GTIN, None),
        "B-2": (GroupBasis.BRAND_CODE, None),
        "B-5": (GroupBasis.FOUNDER, None),
    }
    text = offer(db_session, "B-3")
    assert text.product_id == offer(db_session, "A-3").product_id
    assert text.group_basis == GroupBasis.TEXT and text.group_score is not None and 0 < text.group_score <= 2


def test_the_title_is_the_most_complete_strong_offers_and_text_never_names_the_product(
    db_session: Session, shops: dict[str, Supplier]
) -> None:
    drill = offer(db_session, "A-2").product
    # Brand and code joined a fuller title: it names the product now, in the brand most offers spell.
    assert (drill.title, drill.brand) == ("Дриль ударний Bosch PSB 500 RE, 500 Вт", "Bosch")
    turntable = offer(db_session, "A-3").product
    # The text match's longer title does not.
    assert turntable.title == "Sony Turntable - PSLX350H"


def test_pictures_come_only_from_offers_with_strong_evidence(db_session: Session, shops: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "A-3"), offer(db_session, "B-3")
    ours.pictures, theirs.pictures = ["https://alpha.example/sony.jpg"], ["https://beta.example/other.jpg"]
    db_session.flush()
    assert product_page(db_session, ours.product_id).pictures == ["https://alpha.example/sony.jpg"]


def test_an_operators_merge_is_recorded_and_names_the_product_by_the_rule(
    db_session: Session, shops: dict[str, Supplier]
) -> None:
    griddle, remote = offer(db_session, "A-5"), offer(db_session, "B-5")
    keep = griddle.product
    merge_products(db_session, keep, remote.product)
    db_session.refresh(remote)
    assert (remote.product_id, remote.group_basis) == (keep.id, GroupBasis.OPERATOR)
    # Both are strong evidence now: the tie in brands goes to the earlier offer, and the title
    # to the offer stating that brand, however many words the other has.
    assert (keep.brand, keep.title) == ("Weber", "Weber Cast Iron Griddle 7531")


def test_a_split_founds_a_product_and_the_old_one_is_named_again(
    db_session: Session, shops: dict[str, Supplier]
) -> None:
    drill = offer(db_session, "A-2").product
    fuller = offer(db_session, "B-2")
    moved = split_offer(db_session, fuller)
    assert (moved.title, fuller.group_basis) == (fuller.title, GroupBasis.FOUNDER)
    db_session.refresh(drill)
    assert drill.title == "Bosch drill"
    # The founder leaves: the offer that stays stands for the product.
    turntable = offer(db_session, "A-3").product_id
    split_offer(db_session, offer(db_session, "A-3"))
    left = offer(db_session, "B-3")
    assert left.product_id == turntable and left.group_basis == GroupBasis.FOUNDER
    assert db_session.get_one(Product, turntable).title == left.title


@pytest.mark.realdata
def test_a_wrong_text_merge_cannot_dress_the_demos_pan_in_a_real_feeds_pictures(
    app: Flask, db_session: Session, shared_data: Path
) -> None:
    load_demo(db_session, base_currency="UAH", rates=app.config["CURRENCY_RATES"])
    hartwell = db_session.scalars(select(Product).where(Product.title == "Hartwell Steel frying pan 28 cm")).one()
    for own in hartwell.offers:  # the demo's stores do not exist, so its feeds carry no pictures
        own.pictures = [f"https://demo.example/{own.supplier_sku}.jpg"]
    db_session.flush()
    before = product_page(db_session, hartwell.id).pictures
    assert len(before) == len(hartwell.offers) > 1
    supplier = factories.supplier(db_session, "fiskars-gratis", store_url="https://fiskars-gratis.com.ua/")
    name = "fiskars-gratis.rozetka.yml.xml"
    run = import_feed(
        db_session, supplier, (shared_data / "feeds" / name).read_bytes(), filename=name,
        base_currency="UAH", rates=app.config["CURRENCY_RATES"],
    )  # fmt: skip
    assert run.status == "succeeded", run.error
    fiskars = db_session.scalars(
        select(Offer).where(
            Offer.supplier_id == supplier.id, Offer.title == "Сковорода Fiskars All Steel Frying Pan 28 см"
        )
    ).one()
    assert fiskars.pictures
    # What the text matcher once did with this pan (issue 13): the product must not take its looks.
    fold_products(db_session, {fiskars.product_id: hartwell.id}, scores={fiskars.product_id: 0.83})
    db_session.expire_all()
    page = product_page(db_session, hartwell.id)
    assert page.card.product.title == "Hartwell Steel frying pan 28 cm" and page.card.product.brand == "Hartwell"
    assert page.pictures == before and not set(page.pictures) & set(fiskars.pictures)
    assert (fiskars.group_basis, fiskars.group_score) == (GroupBasis.TEXT, 0.83)


def test_a_reimport_names_a_product_again_when_its_naming_offer_goes_or_is_renamed(
    db_session: Session, shops: dict[str, Supplier]
) -> None:
    drill, turntable = offer(db_session, "A-2").product_id, offer(db_session, "A-3").product_id
    # The fuller title that named the drill leaves with its offer.
    import_and_group(db_session, shops["beta"], [row for row in BETA if row["sku"] != "B-2"])
    assert db_session.get_one(Product, drill).title == "Bosch drill"
    # The founder's own title changes: its product follows (a price alone would not touch it).
    renamed = [{**row, "name": "Sony PS-LX350H turntable, silver"} if row["sku"] == "A-3" else row for row in ALPHA]
    import_and_group(db_session, shops["alpha"], renamed)
    db_session.expire_all()
    assert db_session.get_one(Product, turntable).title == "Sony PS-LX350H turntable, silver"


def test_a_reimport_that_only_moves_prices_does_not_name_products_again(
    db_session: Session, shops: dict[str, Supplier]
) -> None:
    titles = {p.id: p.title for p in db_session.scalars(select(Product))}
    with recorded_statements(db_session) as statements:
        run = import_and_group(db_session, shops["alpha"], [{**row, "price": "120"} for row in ALPHA])
    assert run.updated == len(ALPHA)
    # Naming reads each product's offers with the product's title; nothing here can change a name.
    assert not [s for s in statements if "product_title" in s]
    db_session.expire_all()
    assert {p.id: p.title for p in db_session.scalars(select(Product))} == titles
