"""Parse the real supplier feeds in ../shared/data/feeds (see its README for the quirks)."""

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from supplier_feeds import (
    FeedCategory,
    FeedHeader,
    FeedOffer,
    FeedUpdate,
    RowProblem,
    parse_feed,
    preview_table,
)

FEEDS = (Path(__file__).resolve().parents[3] / "../shared/data/feeds").resolve()

pytestmark = pytest.mark.realdata


def load(name: str) -> list:
    path = FEEDS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (real data lives outside the repository)")
    return list(parse_feed(path))


def of_type(items: list, kind: type) -> list:
    return [i for i in items if isinstance(i, kind)]


def codes(items: list) -> Counter:
    return Counter((p.code, p.severity) for p in of_type(items, RowProblem))


def gtin_ok(code: str) -> bool:
    """An independent GS1 check (weights 1,3 from the left for 13 digits, 3,1 for 12)."""
    digits = [int(d) for d in code]
    weights = [1, 3] if len(code) == 13 else [3, 1]
    total = sum(d * weights[i % 2] for i, d in enumerate(digits[:-1]))
    return (10 - total % 10) % 10 == digits[-1]


def test_rozetka_dialect_without_categories_block():
    items = load("fiskars-gratis.rozetka.yml.xml")
    assert items[0] == FeedHeader(format="yml", shop_name=None, currency_rates={})
    offers = of_type(items, FeedOffer)
    assert len(offers) == 379
    assert Counter(o.available for o in offers) == {True: 339, False: 40}
    assert all(o.stock_quantity is not None for o in offers)
    assert {o.currency for o in offers} == {"UAH"}
    assert all(o.category_id for o in offers)
    assert of_type(items, FeedCategory) == []
    assert codes(items) == {}
    # The <article data-*> wrapper and inline styles are stripped; the paragraphs stay.
    description = offers[0].description
    assert "<p>" in description and "<article" not in description and "style=" not in description


def test_eva_dialect_with_name_ua_and_price_old():
    items = load("fiskars-gratis.eva.yml.xml")
    assert items[0].shop_name == "Fiskars Gratis"
    categories = of_type(items, FeedCategory)
    offers = of_type(items, FeedOffer)
    assert (len(categories), len(offers)) == (14, 150)
    assert items[1:15] == categories  # categories come before every offer
    assert {o.category_id for o in offers} <= {c.id for c in categories}
    assert sum(len(o.params) for o in offers) == 1004
    assert sum(o.old_price is not None for o in offers) == 71
    assert all(o.title_uk for o in offers)
    first = offers[0]
    assert (first.sku, first.title, first.price) == (
        "1059096",
        "Сковорода Fiskars Steel 28 см (1059096)",
        Decimal(2300),
    )
    assert first.brand == "Fiskars"
    assert first.title_uk == first.title  # EVA repeats the same name in name_ua
    # EVA has no <barcode>: 147 offers carry <param name="Штрихкод">, one with a wrong check digit.
    assert sum(o.gtin is not None for o in offers) == 146
    assert codes(items) == {("invalid_gtin", "warning"): 1}


def test_allo_hotline_price_xml():
    items = load("fiskars-gratis.allo.price.xml")
    assert items[0] == FeedHeader(format="hotline", shop_name="Fiskars Gratis")
    categories = of_type(items, FeedCategory)
    offers = of_type(items, FeedOffer)
    assert (len(categories), len(offers)) == (49, 375)
    assert len([c for c in categories if c.parent_id]) == 46
    assert {o.currency for o in offers} == {"UAH"}
    # "В наявності" 336 times, "Немає в наявності" 39 times.
    assert Counter(o.available for o in offers) == {True: 336, False: 39}
    # Of the 368 barcodes, 320 are valid EAN-13 and 5 valid 12-digit UPC-A; 42 are UPC-A codes
    # that lost their leading zero (11 digits), kept zero-padded; one EAN-13 fails its check digit.
    raw = re.findall(r"<barcode>([^<]*)</barcode>", (FEEDS / "fiskars-gratis.allo.price.xml").read_text())
    padded = ["0" + c if len(c) == 11 else c for c in raw]
    valid = [c for c in padded if len(c) in (12, 13) and gtin_ok(c)]
    assert (len(raw), len(valid), sum(len(c) == 11 for c in raw)) == (368, 367, 42)
    assert sum(o.gtin is not None and len(o.gtin) == 13 for o in offers) == 320
    assert sum(o.gtin is not None and len(o.gtin) == 12 for o in offers) == 47
    assert sorted(o.gtin for o in offers if o.gtin) == sorted(valid)
    assert codes(items) == {("invalid_gtin", "warning"): 1}
    assert all(o.condition == "new" for o in offers)
    assert all(o.pictures for o in offers)


def test_teritoriya_zero_prices_and_one_duplicate():
    items = load("teritoriya-tepla.yml.xml")
    assert items[0] == FeedHeader(format="yml", shop_name="Территория тепла", currency_rates={})
    offers = of_type(items, FeedOffer)
    assert len(of_type(items, FeedCategory)) == 13
    # 387 <offer>s, 141 at price 0. The second "PEQB0012LH072" is skipped as a duplicate but
    # its zero price is still reported, so all 141 zero-price offers appear in the report.
    assert len(offers) == 386
    assert codes(items) == {("zero_price", "warning"): 141, ("duplicate_sku", "error"): 1}
    (duplicate,) = [p for p in of_type(items, RowProblem) if p.code == "duplicate_sku"]
    assert duplicate.sku == "PEQB0012LH072"
    assert sum(o.price == 0 for o in offers) == 140
    assert {o.currency for o in offers} == {"RUB"}
    assert [c for c in of_type(items, FeedCategory) if c.parent_id] == [FeedCategory("5643", "Котлы отопления", "12")]


def test_autopriwos_rows_are_all_rejected_with_reasons():
    items = load("autopriwos.dirty.yml.xml")
    assert len(of_type(items, FeedCategory)) == 8
    assert of_type(items, FeedOffer) == []
    assert items[0].partial is False  # it has titles (<title>), just no prices
    # 72 offers with 9 distinct ids: every one lacks a price, and 63 also repeat an id.
    assert codes(items) == {("missing_price", "error"): 72, ("duplicate_sku", "error"): 63}
    assert all(p.sku for p in of_type(items, RowProblem))


def test_prom_price_update_is_partial():
    items = load("avtopro-mopar.prom-update.yml.xml")
    assert items[0].partial is True
    updates = of_type(items, FeedUpdate)
    assert len(updates) == 152
    assert sum(not u.available for u in updates) == 46
    assert all(u.price is not None and u.currency == "UAH" and u.stock_quantity is not None for u in updates)
    assert codes(items) == {}


def test_prom_update_can_be_forced_full():
    load("avtopro-mopar.prom-update.yml.xml")  # skips where the data is absent
    items = list(parse_feed(FEEDS / "avtopro-mopar.prom-update.yml.xml", partial=False))
    assert codes(items) == {("missing_title", "error"): 152}


def test_opispot_google_merchant_rss():
    items = load("opispot.gmc.xml")
    assert items[0] == FeedHeader(format="gmc_rss", shop_name="Opispot")
    offers = of_type(items, FeedOffer)
    assert len(offers) == 486
    assert len({o.item_group_id for o in offers}) == 23
    assert {o.currency for o in offers} == {"USD"}
    assert sum(len(o.pictures) for o in offers) == 486 + 4270
    assert max(len(o.pictures) for o in offers) <= 11
    assert all(o.gtin is None and o.mpn for o in offers)  # identifier_exists=no
    assert all(o.condition == "new" and o.google_category and o.category_path for o in offers)
    assert codes(items) == {}


def test_marsupiu_google_merchant_sale_prices():
    items = load("marsupiu.gmc.xml")
    offers = of_type(items, FeedOffer)
    assert len(offers) == 14
    assert sum(o.available for o in offers) == 13
    assert sum(o.gtin is not None for o in offers) == 3
    assert {o.currency for o in offers} == {"RON"}
    # Every item has a lower sale_price: it becomes the price, the regular price the old price.
    assert all(o.old_price is not None and o.price < o.old_price for o in offers)
    assert codes(items) == {}


def test_avtopro_headerless_csv_columns_are_guessed():
    items = load("avtopro-mopar.noheader.csv")
    offers = of_type(items, FeedOffer)
    # 209 rows: 204 offers, 2 rows without a price, 3 repeated part numbers.
    assert len(offers) == 204
    assert codes(items) == {
        ("columns_guessed", "warning"): 1,
        ("missing_price", "error"): 2,
        ("duplicate_sku", "error"): 3,
    }
    first = offers[0]
    assert (first.brand, first.sku, first.price, first.stock_quantity) == ("CHRYSLER", "68377850AA", Decimal(16400), 1)
    assert first.title.startswith("Радиатор кондиционера")
    preview = preview_table(FEEDS / "avtopro-mopar.noheader.csv")
    assert (preview.has_header, preview.headers) == (False, ("#0", "#1", "#2", "#3", "#4"))
    mapped = list(parse_feed(FEEDS / "avtopro-mopar.noheader.csv", mapping=preview.suggested_mapping))
    assert len(of_type(mapped, FeedOffer)) == 204
    assert "columns_guessed" not in {p.code for p in of_type(mapped, RowProblem)}


def test_avtopro_prom_xlsx_standard_columns():
    items = load("avtopro-mopar.prom.xlsx")
    assert items[0].format == "xlsx"
    offers = of_type(items, FeedOffer)
    assert len(offers) == 172
    assert codes(items) == {}
    assert {o.currency for o in offers} == {"UAH"}
    assert sum(bool(o.description_uk) for o in offers) > 0
    first = offers[0]
    assert (first.sku, first.mpn, first.price, first.brand) == ("103063638", "68596318AB", Decimal(7920), "Mopar")
    assert first.category_path == ("Радіатори охолодження масла",)
    assert len(first.pictures) == 5
    # The Prom update feed names its offers by the same ids.
    updates = {u.sku for u in of_type(load("avtopro-mopar.prom-update.yml.xml"), FeedUpdate)}
    assert len(updates & {o.sku for o in offers}) == 152


@pytest.mark.parametrize(
    ("name", "priced", "plenty", "no_price"),
    [("rezina13.kharkiv.1c.xls", 1752, 55, 1), ("rezina13.poltava.1c.xls", 847, 14, 0)],
)
def test_rezina13_1c_sheets_with_group_rows(name, priced, plenty, no_price):
    items = load(name)
    assert items[0].format == "xls"
    offers = of_type(items, FeedOffer)
    # Counts checked against the sheets with xlrd: rows with a numeric Цена; ">20" stock cells.
    assert len(offers) == priced
    assert codes(items) == ({("missing_price", "error"): 1} if no_price else {})
    assert sum(o.stock_quantity == 20 for o in offers) >= plenty
    assert all(o.category_path and o.category_path[0][0].isdigit() for o in offers)
    tyre = next(o for o in offers if o.title.startswith("Imperial Snow Dragon HP 155/70 R13"))
    assert tyre.category_path == ("1 Шины", "13", "155 70 13", "Зимние2")
    assert ("Сезон", "Зимние2") in tyre.params
    assert Counter(len(o.category_path) for o in offers).most_common(1)[0][0] == 4


def test_rezina13_files_share_product_codes():
    kharkiv = {o.sku for o in of_type(load("rezina13.kharkiv.1c.xls"), FeedOffer)}
    poltava = {o.sku for o in of_type(load("rezina13.poltava.1c.xls"), FeedOffer)}
    assert len(kharkiv & poltava) == 626
