"""Buyers find offers by category words in uk, ru and en: imported feeds, mapped categories, a real index."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.category_mapping import set_mapping
from marketplace.catalog.models import Offer
from marketplace.imports.run import import_feed
from marketplace.search.index_runtime import get_index
from marketplace.search.indexer import _Categories, offer_document, offer_rows
from marketplace.search.jobs import sync_index
from marketplace.search.services import search_offers, suggest
from marketplace.suppliers.models import Supplier, SupplierCategory
from search_index import SearchQuery
from tests.support import factories
from tests.support.taxonomy import add_google_categories

TYRES, LAPTOPS = 911, 328

# A tyre shop whose own category names say nothing of tyres (a season, with the digit 1C
# adds to a duplicate group name, and a rim size) and a computer shop whose do
# ("Ноутбуки"), one of them left unmapped.
TYRE_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2026-11-01 10:00"><shop><name>Koleso</name><url>https://koleso.example/</url>
<currencies><currency id="UAH" rate="1"/></currencies>
<categories><category id="1">Зимние2</category><category id="2" parentId="1">R16</category></categories>
<offers>
<offer id="T1" available="true"><url>https://koleso.example/t1</url><price>3200</price><currencyId>UAH</currencyId>
<categoryId>2</categoryId><vendor>Michelin</vendor><name>Michelin Alpin 6 205/55 R16 91H</name></offer>
<offer id="T2" available="true"><url>https://koleso.example/t2</url><price>2100</price><currencyId>UAH</currencyId>
<categoryId>2</categoryId><vendor>Toyo</vendor><name>Toyo Observe GSi-6 205/55 R16 94H</name></offer>
</offers></shop></yml_catalog>
"""
LAPTOP_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2026-11-01 10:00"><shop><name>Notik</name><url>https://notik.example/</url>
<currencies><currency id="UAH" rate="1"/></currencies>
<categories><category id="5">Lenovo</category><category id="6">Ноутбуки Acer</category></categories>
<offers>
<offer id="L1" available="true"><url>https://notik.example/l1</url><price>24999</price><currencyId>UAH</currencyId>
<categoryId>5</categoryId><vendor>Lenovo</vendor><name>Lenovo IdeaPad 3 15ITL6 i5/8/512</name></offer>
<offer id="L2" available="true"><url>https://notik.example/l2</url><price>21999</price><currencyId>UAH</currencyId>
<categoryId>6</categoryId><vendor>Acer</vendor><name>Acer Aspire 5 A515-57 i5/16/512</name></offer>
</offers></shop></yml_catalog>
"""


def _import(app: Flask, session: Session, supplier: Supplier, feed: str, name: str) -> None:
    run = import_feed(
        session, supplier, feed.encode(), filename=name,
        base_currency="UAH", rates=app.config["CURRENCY_RATES"],
    )  # fmt: skip
    assert run.status == "succeeded", run.error


def _map(session: Session, supplier: Supplier, name: str, google_id: int, admin: User) -> None:
    category = add_google_categories(session, google_id)[google_id]
    (supplier_category,) = session.scalars(
        select(SupplierCategory).where(SupplierCategory.supplier_id == supplier.id, SupplierCategory.name == name)
    )
    set_mapping(session, supplier_category, category, by=admin)


@pytest.fixture
def shops(app: Flask, db_session: Session, admin: User) -> dict[str, Supplier]:
    koleso, notik = factories.supplier(db_session, "koleso"), factories.supplier(db_session, "notik")
    _import(app, db_session, koleso, TYRE_FEED, "koleso.yml")
    _import(app, db_session, notik, LAPTOP_FEED, "notik.yml")
    _map(db_session, koleso, "R16", TYRES, admin)
    _map(db_session, notik, "Lenovo", LAPTOPS, admin)  # "Ноутбуки Acer" stays unmapped
    db_session.commit()
    sync_index(db_session, get_index(app))
    return {"koleso": koleso, "notik": notik}


def skus(app: Flask, session: Session, text: str) -> set[str]:
    page = search_offers(session, get_index(app), SearchQuery(text=text, per_page=50))
    return {hit.offer.supplier_sku for hit in page.hits}


def test_the_document_carries_every_languages_path_and_the_suppliers_own(
    db_session: Session, shops: dict[str, Supplier]
) -> None:
    offer_id = db_session.scalars(select(Offer.id).where(Offer.supplier_sku == "T1")).one()
    (row,) = offer_rows(db_session, Offer.id == offer_id)
    doc = offer_document(row, _Categories(db_session))
    assert doc.category_path.endswith("Motor Vehicle Tires")
    assert doc.category_path_uk.endswith("Шини для транспортних засобів")
    assert doc.category_path_ru.endswith("Шины для автомобилей")
    assert doc.supplier_category_path == "Зимние2 Зимние > R16"


@pytest.mark.parametrize("word", ["шина", "шини", "шины", "tyres", "tires", "резина"])
def test_tyres_are_found_in_uk_ru_and_en(
    app: Flask, db_session: Session, shops: dict[str, Supplier], word: str
) -> None:
    assert skus(app, db_session, word) == {"T1", "T2"}


@pytest.mark.parametrize("word", ["ноутбук", "ноутбуки", "laptop", "laptops"])
def test_laptops_are_found_in_uk_ru_and_en(
    app: Flask, db_session: Session, shops: dict[str, Supplier], word: str
) -> None:
    found = skus(app, db_session, word)
    # L1 through its mapped marketplace category; L2 (unmapped) through its supplier's "Ноутбуки Acer".
    assert found == ({"L1", "L2"} if word.startswith("ноут") else {"L1"})


def test_the_suppliers_own_category_words_find_its_offers(
    app: Flask, db_session: Session, shops: dict[str, Supplier]
) -> None:
    assert skus(app, db_session, "зимние шины") == {"T1", "T2"}
    assert skus(app, db_session, "шини michelin") == {"T1"}


def test_a_known_word_is_not_corrected(app: Flask, db_session: Session, shops: dict[str, Supplier]) -> None:
    for text in ("tyres", "шины", "резина"):
        page = search_offers(db_session, get_index(app), SearchQuery(text=text))
        assert page.results.suggestion is None and page.results.corrected is False, text


def test_category_words_complete_while_typing(app: Flask, db_session: Session, shops: dict[str, Supplier]) -> None:
    queries = [entry.text for entry in suggest(db_session, get_index(app), "ноут") if entry.kind == "query"]
    assert "ноутбуки" in queries


def test_remapping_a_category_reindexes_its_offers_under_the_new_names(
    app: Flask, db_session: Session, shops: dict[str, Supplier], admin: User
) -> None:
    _map(db_session, shops["notik"], "Ноутбуки Acer", LAPTOPS, admin)
    db_session.commit()
    sync_index(db_session, get_index(app))
    assert skus(app, db_session, "laptop") == {"L1", "L2"}
