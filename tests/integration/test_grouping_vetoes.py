"""Conflicting evidence keeps products apart through the real import: a real feed next to the demo, a line's colours."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, Product
from marketplace.demo.loader import load_demo
from marketplace.imports.run import import_feed
from marketplace.suppliers.services import add_supplier
from tests.support.grouping import import_and_group, product_of

FISKARS_PAN = "Сковорода Fiskars All Steel Frying Pan 28 см"
HARTWELL_PAN = "Hartwell Steel frying pan 28 cm"


@pytest.mark.realdata
def test_a_fiskars_pan_from_a_real_feed_gets_a_product_of_its_own_not_the_demos_hartwell_pan(
    app: Flask, db_session: Session, shared_data: Path
) -> None:
    load_demo(db_session, base_currency="UAH", rates=app.config["CURRENCY_RATES"])
    hartwell = db_session.scalars(select(Product).where(Product.title == HARTWELL_PAN)).one()
    sellers_before = {offer.supplier_id for offer in hartwell.offers}
    supplier = add_supplier(
        db_session, "fiskars-gratis", name="Fiskars Gratis", store_url="https://fiskars-gratis.com.ua/"
    )
    run = import_feed(
        db_session,
        supplier,
        (shared_data / "feeds" / "fiskars-gratis.rozetka.yml.xml").read_bytes(),
        filename="fiskars-gratis.rozetka.yml.xml",
        base_currency="UAH",
        rates=app.config["CURRENCY_RATES"],
    )
    assert run.status == "succeeded", run.error
    db_session.flush()
    fiskars = db_session.scalars(
        select(Offer).where(Offer.supplier_id == supplier.id, Offer.title == FISKARS_PAN)
    ).one()
    assert fiskars.product_id != hartwell.id
    db_session.expire_all()
    hartwell_after = db_session.get(Product, hartwell.id)
    assert hartwell_after is not None
    assert {offer.supplier_id for offer in hartwell_after.offers} == sellers_before
    # No Fiskars offer joined any demo product: the demo sells no Fiskars.
    demo_products = {
        offer.product_id for offer in db_session.scalars(select(Offer).where(Offer.supplier_id != supplier.id))
    }
    joined = db_session.scalars(
        select(Offer.title).where(Offer.supplier_id == supplier.id, Offer.product_id.in_(demo_products))
    ).all()
    assert joined == []


def test_a_model_code_shared_by_a_lines_colours_does_not_join_two_colours(db_session: Session) -> None:
    alpha = add_supplier(db_session, "alpha", name="Alpha", store_url="https://alpha.example/")
    beta = add_supplier(db_session, "beta", name="Beta", store_url="https://beta.example/")
    line = {"brand": "Tefal", "model": "KO1501"}
    import_and_group(
        db_session,
        alpha,
        [
            {"sku": "A-black", "name": "Електрочайник Tefal KO1501 чорний", **line},
            {"sku": "A-white", "name": "Електрочайник Tefal KO1501 білий", **line},
        ],
    )
    import_and_group(db_session, beta, [{"sku": "B-white", "name": "Электрочайник Tefal KO1501 белый", **line}])
    # Brand and code (rule 2) agree, the titles' colours do not: two products, each found again by its colour.
    assert product_of(db_session, alpha, "A-black") != product_of(db_session, alpha, "A-white")
    assert product_of(db_session, beta, "B-white") == product_of(db_session, alpha, "A-white")
