"""Hotline, Google Merchant, JSON and Excel feeds, column mapping and partial updates (small fixtures)."""

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from lxml import etree

from supplier_feeds import (
    FeedCategory,
    FeedError,
    FeedHeader,
    FeedOffer,
    FeedUpdate,
    RowProblem,
    preview_table,
    suggest_mapping,
)
from tests.support.parsing import items


def of_type(result: list, kind: type) -> list:
    return [i for i in result if isinstance(i, kind)]


def problem_codes(result: list) -> list[str]:
    return [p.code for p in of_type(result, RowProblem)]


HOTLINE = """<?xml version="1.0" encoding="UTF-8"?>
<price>
  <date>2026-08-22 21:45</date>
  <firmName>Гратіс</firmName>
  <categories>
    <category><id>1</id><name>Сад</name></category>
    <category><id>2</id><parentId>1</parentId><name>Сокири</name></category>
  </categories>
  <items>
    <item>
      <id>A1</id><categoryId>2</categoryId><code>1052045</code><barcode>6411501310835</barcode>
      <vendor>Fiskars</vendor><name>Сокира X7</name>
      <description><![CDATA[<p onclick="x()">Гостра<script>alert(1)</script></p>]]></description>
      <url>https://shop.ua/a1</url><image>https://shop.ua/1.jpg</image><image>https://shop.ua/2.jpg</image>
      <priceRUAH>1 299</priceRUAH><stock>В наявності</stock><param name="Вага">1.2 кг</param>
      <condition>0</condition>
    </item>
    <item><id>A2</id><name>Колун</name><priceRUAH>900</priceRUAH><stock>Немає в наявності</stock>
      <barcode>6411501310836</barcode></item>
  </items>
</price>"""


def test_hotline_feed():
    result = items(HOTLINE.encode())
    assert result[0] == FeedHeader(format="hotline", shop_name="Гратіс")
    assert of_type(result, FeedCategory) == [FeedCategory("1", "Сад"), FeedCategory("2", "Сокири", "1")]
    first, second = of_type(result, FeedOffer)
    assert (first.sku, first.title, first.price, first.currency, first.available) == (
        "A1",
        "Сокира X7",
        Decimal(1299),
        "UAH",
        True,
    )
    assert (first.gtin, first.mpn, first.brand, first.condition) == ("6411501310835", "1052045", "Fiskars", "new")
    assert first.pictures == ("https://shop.ua/1.jpg", "https://shop.ua/2.jpg")
    assert first.params == (("Вага", "1.2 кг"),)
    assert first.description == "<p>Гостра</p>"
    assert (second.available, second.gtin) == (False, None)
    assert problem_codes(result) == ["invalid_gtin"]


GMC_RSS = """<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Shop</title>
<item>
  <g:id>S1</g:id><g:title>Mug</g:title><g:description>Nice &amp; big</g:description>
  <g:link>https://shop.example/s1</g:link><g:image_link>https://shop.example/1.jpg</g:image_link>
  <g:additional_image_link>https://shop.example/2.jpg</g:additional_image_link>
  <g:price>12.00 USD</g:price><g:sale_price>9.50 USD</g:sale_price><g:availability>in stock</g:availability>
  <g:brand>Acme</g:brand><g:gtin>4006381333931</g:gtin><g:mpn>M-1</g:mpn><g:condition>refurbished</g:condition>
  <g:google_product_category>Home &gt; Kitchen</g:google_product_category>
  <g:product_type>Kitchen &gt; Mugs</g:product_type><g:item_group_id>G1</g:item_group_id>
  <g:shipping><g:country>US</g:country><g:price>4.99 USD</g:price></g:shipping>
  <g:identifier_exists>yes</g:identifier_exists>
</item>
<item><g:id>S2</g:id><g:title>Cup</g:title><g:price>5 USD</g:price><g:availability>preorder</g:availability></item>
<item><g:id>S3</g:id><g:title>Bowl</g:title><g:price>7 USD</g:price><g:availability>backorder</g:availability></item>
</channel></rss>"""


def test_google_merchant_rss():
    result = items(b"\xef\xbb\xbf" + GMC_RSS.encode())
    assert result[0] == FeedHeader(format="gmc_rss", shop_name="Shop")
    mug, cup, bowl = of_type(result, FeedOffer)
    assert (mug.price, mug.old_price, mug.currency) == (Decimal("9.50"), Decimal("12.00"), "USD")
    assert mug.pictures == ("https://shop.example/1.jpg", "https://shop.example/2.jpg")
    assert (mug.category_path, mug.google_category) == (("Kitchen", "Mugs"), "Home > Kitchen")
    assert (mug.condition, mug.item_group_id, mug.delivery_cost) == ("refurbished", "G1", Decimal("4.99"))
    assert (mug.gtin, mug.mpn, mug.brand, mug.url) == ("4006381333931", "M-1", "Acme", "https://shop.example/s1")
    assert mug.description == "Nice &amp; big"
    # preorder and backorder: orderable, not on the shelf; no warning (offers.py documents it).
    assert (cup.available, bowl.available) == (False, False)
    assert problem_codes(result) == []


def test_google_merchant_atom():
    data = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<title>Atom shop</title>
<entry><g:id>E1</g:id><title>Lamp</title><link href="https://shop.example/e1"/>
<summary>Bright</summary><g:price>20.00 EUR</g:price><g:availability>out of stock</g:availability></entry>
</feed>"""
    result = items(data)
    assert result[0].format == "gmc_atom" and result[0].shop_name == "Atom shop"
    (lamp,) = of_type(result, FeedOffer)
    assert (lamp.sku, lamp.title, lamp.url, lamp.price, lamp.currency, lamp.available) == (
        "E1",
        "Lamp",
        "https://shop.example/e1",
        Decimal(20),
        "EUR",
        False,
    )


def test_google_merchant_tsv():
    data = (
        b"id\ttitle\tprice\tsale price\tavailability\timage_link\tadditional_image_link\tshipping\tproduct_type\n"
        b"T1\tChair\t30.00 PLN\t\tin stock\thttps://s.pl/1.jpg\thttps://s.pl/2.jpg,https://s.pl/3.jpg\t"
        b"PL:::9.99 PLN\tHome > Chairs\n"
    )
    result = items(data)
    assert result[0].format == "gmc_tsv"
    (chair,) = of_type(result, FeedOffer)
    assert (chair.price, chair.currency, chair.delivery_cost) == (Decimal(30), "PLN", Decimal("9.99"))
    assert chair.pictures == ("https://s.pl/1.jpg", "https://s.pl/2.jpg", "https://s.pl/3.jpg")
    assert chair.category_path == ("Home", "Chairs")


JSON_FEED = b"""{"shop": {"name": "JSON shop"}, "currency_rates": {"UAH": 1, "USD": "41.5"},
 "categories": [{"id": "1", "name": "Tools"}, {"id": "2", "name": "Axes", "parent_id": "1"}],
 "offers": [
  {"sku": "J1", "title": "Axe", "price": "1299.50", "currency": "UAH", "category_id": "2",
   "available": true, "stock_quantity": 4, "pictures": ["https://s.ua/1.jpg"], "gtin": "4006381333931",
   "params": [["Weight", "1 kg"]], "description": "<b>Sharp</b><img src=x onerror=alert(1)>",
   "category_path": ["Tools", "Axes"], "delivery_cost": 60},
  {"sku": "J1", "title": "Again", "price": 5},
  {"sku": "J2", "title": "Saw", "price": 1e30},
  "not an offer"
 ]}"""


def test_json_feed():
    result = items(JSON_FEED)
    assert result[0] == FeedHeader(
        format="json", shop_name="JSON shop", currency_rates={"UAH": Decimal(1), "USD": Decimal("41.5")}
    )
    assert len(of_type(result, FeedCategory)) == 2
    (axe,) = of_type(result, FeedOffer)
    assert (axe.sku, axe.price, axe.currency, axe.stock_quantity, axe.delivery_cost) == (
        "J1",
        Decimal("1299.50"),
        "UAH",
        4,
        Decimal(60),
    )
    assert axe.params == (("Weight", "1 kg"),) and axe.category_path == ("Tools", "Axes")
    assert axe.description == "<b>Sharp</b>"
    assert problem_codes(result) == ["duplicate_sku", "invalid_price", "invalid_offer"]


def test_json_partial_update_and_bare_array():
    result = items(b'[{"sku": "J1", "price": 10}, {"sku": "J2", "stock_quantity": 0}, {"sku": "J3"}]')
    assert result[0].partial is True
    assert of_type(result, FeedUpdate) == [
        FeedUpdate("J1", Decimal(10), "UAH", line=1),
        FeedUpdate("J2", None, None, available=None, stock_quantity=0, line=2),
    ]
    # No currency and no currency_rates: UAH is assumed, with a warning.
    assert problem_codes(result) == ["missing_currency", "empty_update"]


@pytest.mark.parametrize("data", [JSON_FEED[:150], b'{"offers": [{"sku": "A", "title": "B", "price": 1}', b"{]"])
def test_broken_json_is_a_feed_error(data):
    with pytest.raises(FeedError) as info:
        items(data)
    assert info.value.code == "malformed_json"


def workbook_bytes(*sheets: tuple[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ONE_C = [
    ["Прайс-лист", None, None, None],
    ["Сформирован: 22.08.2026", None, None, "(097) 000-00-00"],
    [],
    ["Код товара", "Номенклатура", "Остаток", "Цена"],
    ["1 Шины", None, None, None],
    ["Зимние", None, None, None],
    [101, "Шина A 155/70 R13", ">20", 1250],
    [102, "+cmd|' /C calc'!A0", 4, 1300.5],
    ["Летние", None, None, None],
    [103, "Шина C", 2, "NaN"],
    [104, "Шина D" + "x" * 100_000, 1, 1e30],
    [105, "Шина E", 0, 0],
]


def test_xlsx_1c_sheet_with_letterhead_group_rows_and_hostile_cells():
    data = workbook_bytes(("Notes", [["just", "some"], ["notes", "here"]]), ("TDSheet", ONE_C))
    result = items(data)
    assert result[0] == FeedHeader(format="xlsx")
    offers = of_type(result, FeedOffer)
    assert [(o.sku, o.category_path, o.stock_quantity) for o in offers] == [
        ("101", ("1 Шины", "Зимние"), 20),
        ("102", ("1 Шины", "Зимние"), 4),
        ("105", ("1 Шины", "Летние"), 0),
    ]
    assert offers[1].title == "cmd|' /C calc'!A0" and offers[1].price == Decimal("1300.5")
    assert offers[2].available is False
    problems = of_type(result, RowProblem)
    assert [(p.code, p.sku) for p in problems] == [
        ("sheet_skipped", None),
        ("formula_stripped", "102"),
        ("invalid_price", "103"),
        ("title_truncated", "104"),
        ("invalid_price", "104"),
        ("zero_price", "105"),
    ]
    assert problems[0].value == "Notes"


def test_xlsx_prom_columns_and_mapping_preview():
    rows = [
        ["Код_товару", "Назва_позиції", "Назва_позиції_укр", "Ціна", "Валюта", "Наявність", "Ідентифікатор_товару"],
        ["68596318AB", "Корпус фильтра", "Корпус фільтра", 7920, "UAH", "+", 103063638],
        ["K2", "Фильтр", "Фільтр", 100, "UAH", "-", None],
    ]
    data = workbook_bytes(("Export Products Sheet", rows))
    preview = preview_table(data)
    assert (preview.format, preview.sheet_names, preview.header_row, preview.has_header) == (
        "xlsx",
        ("Export Products Sheet",),
        0,
        True,
    )
    assert preview.rows[0][0] == "68596318AB" and len(preview.rows) == 2
    assert preview.suggested_mapping["Ідентифікатор_товару"] == "sku"
    assert preview.suggested_mapping["Код_товару"] == "mpn"
    offers = of_type(items(data), FeedOffer)
    assert [(o.sku, o.mpn, o.title_uk, o.available) for o in offers] == [
        ("103063638", "68596318AB", "Корпус фільтра", True),
    ]
    # Without Ідентифікатор_товару the row has no id; a supplier mapping can choose another column.
    mapping = {"Код_товару": "sku", "Назва_позиції": "title", "Ціна": "price"}
    mapped = of_type(items(data, mapping=mapping), FeedOffer)
    assert [(o.sku, o.title, o.price) for o in mapped] == [
        ("68596318AB", "Корпус фильтра", Decimal(7920)),
        ("K2", "Фильтр", Decimal(100)),
    ]


def test_suggest_mapping_in_three_languages():
    assert suggest_mapping(["Артикул", "Наименование", "Цена, грн", "Остаток", "Бренд", "Unknown"]) == {
        "Артикул": "sku",
        "Наименование": "title",
        "Цена, грн": "price",
        "Остаток": "stock_quantity",
        "Бренд": "brand",
    }
    assert suggest_mapping(["SKU", "Product name", "Price", "Image link", "Sale price"]) == {
        "SKU": "sku",
        "Product name": "title",
        "Price": "price",
        "Image link": "pictures",
        "Sale price": "sale_price",
    }


def test_unknown_mapping_target_is_refused():
    with pytest.raises(FeedError) as info:
        items(b"a;b;c\n1;2;3\n", mapping={"a": "sku", "b": "secret_field"})
    assert info.value.code == "invalid_mapping"


def test_csv_partial_update_detected_and_forced():
    data = b"sku;price;qty\nA1;10;5\nA2;;0\n"
    result = items(data)
    assert result[0] == FeedHeader(format="csv", partial=True)
    assert of_type(result, FeedUpdate) == [
        FeedUpdate("A1", Decimal(10), "UAH", available=True, stock_quantity=5, line=2),
        FeedUpdate("A2", None, None, available=False, stock_quantity=0, line=3),
    ]
    with pytest.raises(FeedError) as info:
        items(data, partial=False)
    assert info.value.code == "missing_columns"


def test_yml_delivery_options_group_id_and_forced_partial():
    data = b"""<yml_catalog><shop><delivery-options><option cost="80" days="1"/></delivery-options><offers>
<offer id="1" group_id="G7"><name>Pan</name><price>10</price><currencyId>UAH</currencyId>
<delivery-options><option cost="50" days="1"/><option cost="30" days="3"/></delivery-options></offer>
<offer id="2"><name>Pot</name><price>20</price><currencyId>UAH</currencyId></offer>
</offers></shop></yml_catalog>"""
    pan, pot = of_type(items(data), FeedOffer)
    assert (pan.item_group_id, pan.delivery_cost, pot.delivery_cost) == ("G7", Decimal(30), Decimal(80))
    updates = of_type(items(data, partial=True), FeedUpdate)
    assert [(u.sku, u.price) for u in updates] == [("1", Decimal(10)), ("2", Decimal(20))]


# ---- hostile input ------------------------------------------------------------------------------

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE {root} [ <!ENTITY a "aaaaaaaaaa"> {more} <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"> ]>
{body}"""
# Seven levels of tenfold expansion: libxml2 2.14 refuses this itself, before the root element.
DEEPER = " ".join(f'<!ENTITY a{n} "{("&a;" if n == 1 else f"&a{n - 1};") * 10}">' for n in range(1, 8))


@pytest.mark.parametrize("more", ["", DEEPER], ids=["one level", "seven levels"])
@pytest.mark.parametrize(
    ("root", "body"),
    [
        ("price", "<price><items><item><id>1</id><name>&b;</name><priceRUAH>1</priceRUAH></item></items></price>"),
        ("rss", '<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>&b;</g:id></item></channel></rss>'),
    ],
)
def test_entity_declarations_are_refused_in_every_xml_format(root, body, more):
    with pytest.raises(FeedError) as info:
        items(LAUGHS.format(root=root, body=body, more=more).encode())
    assert info.value.code == "unsafe_xml", f"libxml2 {etree.LIBXML_VERSION}: {info.value.message}"


@pytest.mark.parametrize(
    ("data", "cut", "code"),
    [
        (HOTLINE.encode(), 900, "malformed_xml"),
        (GMC_RSS.encode(), 400, "malformed_xml"),
        (JSON_FEED, 300, "malformed_json"),
    ],
)
def test_truncated_files_end_in_a_feed_error(data, cut, code):
    with pytest.raises(FeedError) as info:
        items(data[:cut])
    assert info.value.code == code


def test_truncated_and_fake_workbooks_are_malformed():
    data = workbook_bytes(("TDSheet", ONE_C))
    for broken in (
        data[: len(data) // 2],
        b"PK\x03\x04" + b"\x00" * 200,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"x" * 600,
    ):
        with pytest.raises(FeedError) as info:
            items(broken)
        assert info.value.code == "malformed_workbook"


def test_zip_without_a_workbook_is_malformed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FeedError) as info:
        items(buffer.getvalue())
    assert info.value.code == "malformed_workbook"


def test_xlsx_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))  # ~1000:1
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(FeedError) as info:
        items(buffer.getvalue())
    assert info.value.code == "unsafe_workbook"
    assert "zip bomb" in info.value.message


@pytest.mark.parametrize("garbage", [bytes(range(256)) * 40, b"\x00\x01\x02\x03" * 1000])
def test_binary_garbage_is_an_unknown_format(garbage):
    with pytest.raises(FeedError) as info:
        items(garbage)
    assert info.value.code == "unknown_format"


def test_formula_strings_are_stripped_in_xml_feeds_too():
    data = b"""<yml_catalog><shop><offers><offer id="1"><name>=cmd|' /C calc'!A0</name><price>1</price>
<currencyId>UAH</currencyId><vendor>@SUM(A1)</vendor></offer></offers></shop></yml_catalog>"""
    result = items(data)
    (offer,) = of_type(result, FeedOffer)
    assert (offer.title, offer.brand) == ("cmd|' /C calc'!A0", "SUM(A1)")
    assert [(p.code, p.field) for p in of_type(result, RowProblem)] == [
        ("formula_stripped", "title"),
        ("formula_stripped", "brand"),
    ]
