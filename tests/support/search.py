"""Shared test data and helpers for the search_index tests (imported by name)."""

from __future__ import annotations

from typing import Any

from search_index import OfferDocument, SearchIndex, SearchQuery, SearchResults


def make_offer(offer_id: int, title: str, **fields: Any) -> OfferDocument:
    """Build an offer with defaults that keep tests short."""
    fields.setdefault("product_id", offer_id)
    fields.setdefault("supplier", "acme")
    return OfferDocument(offer_id=offer_id, title=title, **fields)


# A small mixed Russian/Ukrainian/English catalogue. Category tree:
#   1 Heating > 10 Boilers > 100 Gas boilers, 101 Solid fuel boilers
#   2 Kitchen > 20 Knives and scissors, 21 Kettles, 22 Cookware
CATALOG = (
    make_offer(
        1,
        "Котел газовый настенный GD-4186F",
        supplier="acme",
        brand="Gorenje",
        model="GD-4186F",
        description="Двухконтурный котел для отопления дома до 150 м2.",
        category_ids=(1, 10, 100),
        category_path="Отопление > Котлы > Газовые котлы",
        params="Мощность 24 кВт; Тип настенный",
        price_minor=4_500_000,
    ),
    make_offer(
        2,
        "Котёл твердотопливный Буран",
        supplier="beta",
        brand="Буран",
        category_ids=(1, 10, 101),
        category_path="Отопление > Котлы > Твердотопливные котлы",
        price_minor=3_200_000,
    ),
    make_offer(
        3,
        "Ножиці кухонні сталеві",
        supplier="beta",
        brand="Fiskars",
        category_ids=(2, 20),
        price_minor=45_000,
    ),
    make_offer(
        4,
        "Knife set with 5 knives",
        supplier="gamma",
        brand="Tramontina",
        category_ids=(2, 20),
        price_minor=250_000,
        in_stock=False,
    ),
    make_offer(
        5,
        "Red kettle, steel",
        supplier="gamma",
        brand="Bosch",
        description="A bright electric kettle.",
        category_ids=(2, 21),
        price_minor=180_000,
    ),
    make_offer(
        6,
        "Kettle red glass",
        supplier="delta",
        brand="BOSCH",
        category_ids=(2, 21),
        price_minor=210_000,
        in_stock=False,
    ),
    make_offer(
        7,
        "Ёлочная гирлянда 10 м",
        supplier="delta",
        category_ids=(3,),
        price_minor=99_000,
    ),
    make_offer(
        8,
        "Сковорода чугунная 28 см",
        supplier="acme",
        brand="Биол",
        category_ids=(2, 22),
        price_minor=120_000,
    ),
    make_offer(
        9,
        "Котел электрический Эван 6 кВт",
        supplier="delta",
        brand="Эван",
        category_ids=(1, 10),
        price_minor=2_100_000,
    ),
    make_offer(
        10,
        "Пылесос беспроводной",
        supplier="acme",
        brand="Dyson",
        model="VC-2020X",
        mpn="SV18",
        gtin="5025155049822",
        category_ids=(2,),
        price_minor=5_000_000,
    ),
)


def ids(results: SearchResults) -> list[int]:
    """Return the offer ids of a page of results, in order."""
    return [hit.offer_id for hit in results.hits]


def found(index: SearchIndex, text: str = "", **filters: Any) -> set[int]:
    """Return the set of offer ids matching ``text`` and ``filters`` (first 200 hits)."""
    results = index.search(SearchQuery(text=text, per_page=200, **filters))
    return set(ids(results))
