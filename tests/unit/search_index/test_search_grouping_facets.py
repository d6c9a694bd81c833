"""Grouping by product, facets, sort by newest, condition, spelling and autocomplete."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search_index import SearchIndex, SearchQuery, price_bucket_label
from tests.support.search import make_offer

# Product 100 (a kettle) is sold by three suppliers, product 200 (a pan) by two, 300 by one.
#   category tree: 1 Kitchen > 10 Kettles, 11 Pans; 2 Garden > 20 Pruners
OFFERS = (
    make_offer(1, "Bosch electric kettle TWK-3A", product_id=100, supplier="acme", brand="Bosch",
               model="TWK-3A", category_ids=(1, 10), price_minor=150_000, created_at=100),
    make_offer(2, "Чайник электрический Bosch TWK-3A", product_id=100, supplier="beta", brand="BOSCH",
               category_ids=(1, 10), price_minor=120_000, in_stock=False, created_at=300),
    make_offer(3, "Електрочайник Bosch TWK-3A", product_id=100, supplier="gamma", brand="Bosch",
               category_ids=(1, 10), price_minor=140_000, condition="refurbished", created_at=200),
    make_offer(4, "Tefal frying pan 28 cm", product_id=200, supplier="acme", brand="Tefal",
               category_ids=(1, 11), price_minor=90_000, created_at=50),
    make_offer(5, "Сковорода Tefal 28 см", product_id=200, supplier="gamma", brand="Tefal",
               category_ids=(1, 11), price_minor=95_000, condition="used", created_at=400),
    make_offer(6, "Fiskars bypass pruner P26", product_id=300, supplier="beta", brand="Fiskars",
               category_ids=(2, 20), price_minor=2_500_000, created_at=10),
)  # fmt: skip


@pytest.fixture(scope="module")
def shop(make_module_index: Callable[[str], SearchIndex]) -> Iterator[SearchIndex]:
    index = make_module_index("shop")
    index.index(OFFERS)
    yield index
    index.close()


def rows(index: SearchIndex, **query: object) -> list[tuple[int, int]]:
    results = index.search(SearchQuery(by_product=True, per_page=50, **query))  # type: ignore[arg-type]
    return [(hit.product_id, hit.offer_id) for hit in results.hits]


def test_one_row_per_product_showing_its_best_offer(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery(text="bosch", by_product=True))
    assert (results.total, results.offer_total) == (1, 3)
    (hit,) = results.hits
    # The cheapest offer (2) is out of stock, so the best is the cheapest in stock (3).
    assert (hit.product_id, hit.offer_id) == (100, 3)
    assert hit.offer_ids == (3, 1, 2) and hit.seller_count == 3


def test_the_best_offer_is_the_best_among_matching_offers(shop: SearchIndex) -> None:
    # With a price cap only offer 2 is left: it is shown, and it is the row's only seller,
    # so the count agrees with the offers (and the "from" price) the row stands for.
    (hit,) = shop.search(SearchQuery(text="bosch", by_product=True, max_price_minor=130_000)).hits
    assert hit.offer_id == 2 and hit.offer_ids == (2,) and hit.seller_count == 1


def test_offers_view_lists_every_offer(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery(text="bosch"))
    assert results.total == results.offer_total == 3
    assert {hit.offer_id for hit in results.hits} == {1, 2, 3}


def test_grouped_price_sort_uses_the_price_shown(shop: SearchIndex) -> None:
    # Pan shown at 900.00, kettle at 1,400.00 (its in-stock best), pruner at 25,000.00.
    assert rows(shop, sort="price_asc") == [(200, 4), (100, 3), (300, 6)]
    assert rows(shop, sort="price_desc") == [(300, 6), (100, 3), (200, 4)]


def test_newest_sort(shop: SearchIndex) -> None:
    newest = shop.search(SearchQuery(sort="newest", per_page=10))
    assert [hit.offer_id for hit in newest.hits] == [5, 2, 3, 1, 4, 6]
    # Grouped: a product is as new as its newest matching offer.
    assert [product for product, _ in rows(shop, sort="newest")] == [200, 100, 300]


def test_grouped_pagination_counts_products(shop: SearchIndex) -> None:
    seen = []
    for page in (1, 2, 3):
        results = shop.search(SearchQuery(by_product=True, sort="price_asc", page=page, per_page=1))
        assert results.total == 3 and results.pages == 3
        seen += [hit.product_id for hit in results.hits]
    assert seen == [200, 100, 300]


def test_condition_filter(shop: SearchIndex) -> None:
    assert {h.offer_id for h in shop.search(SearchQuery(conditions=("used", "refurbished"))).hits} == {3, 5}
    assert shop.search(SearchQuery(conditions=("new",))).total == 4


def test_facets_count_rows_and_ignore_their_own_filter(shop: SearchIndex) -> None:
    offers = shop.search(SearchQuery(suppliers=("acme",)))
    assert offers.total == 2
    # Supplier counts ignore the supplier filter; the others apply it.
    assert dict(offers.facets["supplier"]) == {"acme": 2, "beta": 2, "gamma": 2}
    assert dict(offers.facets["brand"]) == {"bosch": 1, "tefal": 1}
    products = shop.search(SearchQuery(by_product=True))
    # Grouped, a product counts once under each value any of its matching offers has.
    assert dict(products.facets["brand"]) == {"bosch": 1, "tefal": 1, "fiskars": 1}
    assert dict(products.facets["supplier"]) == {"acme": 2, "beta": 2, "gamma": 2}
    assert dict(products.facets["condition"]) == {"new": 3, "refurbished": 1, "used": 1}


def test_brand_facet_has_display_names(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery())
    assert results.brand_labels["bosch"] == "Bosch"  # two offers spell it so, one "BOSCH"
    assert results.brand_labels["fiskars"] == "Fiskars"


def test_price_facet_buckets(shop: SearchIndex) -> None:
    facets = shop.search(SearchQuery()).facets["price"]
    # Bounds are inclusive: 25,000.00 exactly is the top of its bucket.
    assert dict(facets) == {"50001-100000": 2, "100001-250000": 3, "1000001-2500000": 1}
    assert price_bucket_label(0) == "0-10000" and price_bucket_label(9) == "5000001-"
    # A bucket's bounds as a price filter find exactly the offers it counted.
    assert shop.search(SearchQuery(min_price_minor=100_001, max_price_minor=250_000)).total == 3


def test_category_facet_counts_the_level_under_the_filter(shop: SearchIndex) -> None:
    assert dict(shop.search(SearchQuery()).facets["category"]) == {"1": 5, "2": 1}
    assert dict(shop.search(SearchQuery(category_id=1)).facets["category"]) == {"10": 3, "11": 2}
    assert dict(shop.search(SearchQuery(category_id=10)).facets["category"]) == {}
    assert dict(shop.search(SearchQuery(text="tefal", by_product=True)).facets["category"]) == {"1": 1}


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("fiskras", "fiskars"),
        ("bosh kettle", "bosch kettle"),
        ("скаворода", "сковорода"),
        ("чайнек bosch", "чайник bosch"),
    ],
)
def test_misspelt_words_are_corrected(shop: SearchIndex, typed: str, suggestion: str) -> None:
    results = shop.search(SearchQuery(text=typed))
    assert results.suggestion == suggestion
    assert results.corrected is True and results.total > 0


def test_known_words_are_not_corrected(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery(text="kettle"))
    assert results.suggestion is None and results.corrected is False


def test_correction_is_offered_but_not_applied_when_filters_leave_nothing(shop: SearchIndex) -> None:
    results = shop.search(SearchQuery(text="fiskras", max_price_minor=1))
    assert results.total == 0 and results.suggestion == "fiskars" and results.corrected is False


def test_autocomplete_by_prefix(shop: SearchIndex) -> None:
    found = shop.suggest("ket")
    assert found.queries[0] == "kettle"
    assert any("kettle" in title.lower() for title in found.titles)
    assert found.category_ids == (10,)
    assert shop.suggest("bos").brands == ("Bosch",)
    assert shop.suggest("bosch ke").queries == ("bosch kettle",)
    assert shop.suggest("сков").queries == ("сковорода",)
    assert shop.suggest("").queries == ()


def test_indexed_offers_report_what_the_index_holds(shop: SearchIndex) -> None:
    held = shop.indexed_offers()
    assert set(held) == {1, 2, 3, 4, 5, 6}
    assert held[2].price_minor == 120_000 and held[2].in_stock is False


def test_columns_follow_updates(make_index: Callable[..., SearchIndex], tmp_path: Path) -> None:
    writer, reader = make_index(tmp_path / "ix"), make_index(tmp_path / "ix")
    writer.index(OFFERS)
    assert reader.search(SearchQuery(sort="price_asc")).hits[0].offer_id == 4
    writer.index([make_offer(6, "Fiskars bypass pruner P26", product_id=300, supplier="beta", price_minor=1)])
    cheapest = reader.search(SearchQuery(sort="price_asc")).hits[0]
    assert (cheapest.offer_id, cheapest.price_minor) == (6, 1)
    assert reader.search(SearchQuery(max_price_minor=1)).total == 1
    writer.remove([6])
    assert reader.search(SearchQuery(max_price_minor=1)).total == 0
    assert 6 not in reader.indexed_offers()


def test_a_product_with_many_offers_does_not_crowd_the_products_after_it(
    make_index: Callable[..., SearchIndex],
) -> None:
    # Product 1's thirty offers are the cheapest and the newest: the first offers of every order.
    # They make one row, the page goes on to the next products, and the next page where it ended.
    index = make_index()
    crowd = [
        make_offer(n, "Kettle steel", product_id=1, supplier=f"s{n}", price_minor=100 + n, created_at=1_000 + n)
        for n in range(1, 31)
    ]
    others = [
        make_offer(100 + n, "Kettle steel", product_id=n, supplier="acme", price_minor=100 * n, created_at=10 - n)
        for n in (2, 3, 4)
    ]
    index.index([*crowd, *others])
    for sort, text in (("price_asc", ""), ("relevance", "kettle"), ("newest", "")):
        pages = [
            index.search(SearchQuery(text=text, sort=sort, by_product=True, page=page, per_page=2)) for page in (1, 2)
        ]
        assert [[hit.product_id for hit in results.hits] for results in pages] == [[1, 2], [3, 4]], sort
        assert pages[0].total == 4 and pages[0].hits[0].seller_count == 30
        assert pages[0].hits[0].offer_id == 1  # whatever the order, a product shows its best offer
    offers = index.search(SearchQuery(sort="price_asc", page=16, per_page=2))
    assert [hit.offer_id for hit in offers.hits] == [102, 103] and offers.total == 33
