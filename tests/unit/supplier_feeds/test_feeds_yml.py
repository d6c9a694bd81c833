"""Unit tests for the YML parser, through the public parse_feed()."""

from decimal import Decimal

import pytest

from supplier_feeds import (
    FeedCategory,
    FeedError,
    FeedHeader,
    FeedOffer,
    RowProblem,
    parse_feed,
)
from tests.support.parsing import items, offers, problems

CURRENCIES = '<currencies><currency id="UAH" rate="1"/></currencies>'
CATEGORIES = (
    '<categories><category id="1">Посуд</category><category id="2" parentId="1">Сковороди</category></categories>'
)


def yml(
    offers: str,
    *,
    currencies: str = CURRENCIES,
    categories: str = CATEGORIES,
    prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
) -> bytes:
    """Build a small YML feed around ``offers``."""
    return (
        f'{prolog}\n<yml_catalog date="2024-01-01 10:00"><shop><name>Тест</name>'
        f"<company>Test LLC</company>{currencies}{categories}"
        f"<offers>\n{offers}\n</offers></shop></yml_catalog>"
    ).encode()


def offer(
    body: str = "",
    *,
    attrs: str = 'id="A1" available="true"',
    name: str | None = "<name>Сковорода 28 см</name>",
    price: str | None = "<price>1299.50</price>",
    currency: str | None = "<currencyId>UAH</currencyId>",
) -> str:
    return f"<offer {attrs}>{name or ''}{price or ''}{currency or ''}{body}</offer>"


def only_offer(data: bytes) -> FeedOffer:
    (result,) = offers(data)
    return result


def test_yields_header_then_categories_then_offers():
    result = items(yml(offer() + offer(attrs='id="A2"')))
    assert [type(i) for i in result] == [FeedHeader, FeedCategory, FeedCategory, FeedOffer, FeedOffer]
    header = result[0]
    assert header == FeedHeader(format="yml", shop_name="Тест", currency_rates={"UAH": Decimal(1)})
    assert result[1:3] == [FeedCategory("1", "Посуд"), FeedCategory("2", "Сковороди", "1")]


def test_full_offer_fields():
    body = """
      <oldprice>1500</oldprice><categoryId>2</categoryId>
      <url>https://shop.ua/p/a1</url>
      <picture>https://shop.ua/1.jpg</picture><picture>https://shop.ua/2.jpg</picture>
      <vendor>Fiskars</vendor><model>Steel 28</model><vendorCode>1059096</vendorCode>
      <barcode>6411501234568</barcode><barcode>6411500000000</barcode>
      <description><![CDATA[<p>Сталь</p>]]></description>
      <param name="Вага" unit="кг">1.2</param><param name="Колір">чорний</param>
      <stock_quantity>5</stock_quantity>"""
    result = only_offer(yml(offer(body)))
    assert result == FeedOffer(
        sku="A1",
        title="Сковорода 28 см",
        price=Decimal("1299.50"),
        currency="UAH",
        old_price=Decimal(1500),
        url="https://shop.ua/p/a1",
        available=True,
        stock_quantity=5,
        category_id="2",
        brand="Fiskars",
        model="Steel 28",
        gtin="6411501234568",
        mpn="1059096",
        description="<p>Сталь</p>",
        pictures=("https://shop.ua/1.jpg", "https://shop.ua/2.jpg"),
        params=(("Вага", "1.2 кг"), ("Колір", "чорний")),
        line=result.line,
    )
    assert result.line == 3  # the XML declaration and <yml_catalog> come first


def test_line_numbers_come_from_the_xml_source():
    result = offers(yml(offer() + "\n\n" + offer(attrs='id="A2"')))
    assert [o.line for o in result] == [3, 5]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ("<name>RU name</name><name_ua>UA name</name_ua>", "RU name"),
        ("<name_ua>UA name</name_ua>", "UA name"),
        ('<name lang="ua">UA name</name><name>RU name</name>', "RU name"),
        ('<name lang="ua">UA name</name>', "UA name"),
        ("<title>Title only</title>", "Title only"),
        ("<name>  </name><title>Title wins over a blank name</title>", "Title wins over a blank name"),
    ],
)
def test_title_sources(names, expected):
    assert only_offer(yml(offer(name=names))).title == expected


def test_vendor_model_offer_builds_its_title():
    body = "<typePrefix>Сокира</typePrefix><vendor>Fiskars</vendor><model>X7</model>"
    result = only_offer(yml(offer(body, attrs='id="A1" type="vendor.model"', name=None)))
    assert result.title == "Сокира Fiskars X7"
    assert result.brand == "Fiskars"


def test_price_old_and_description_ua_are_understood():
    body = "<price_old>2000</price_old><description_ua>Опис</description_ua>"
    result = only_offer(yml(offer(body)))
    assert result.old_price == Decimal(2000)
    assert result.description == "Опис"


def test_description_prefers_the_main_one():
    body = "<description>Описание</description><description_ua>Опис</description_ua>"
    assert only_offer(yml(offer(body))).description == "Описание"


def test_unescaped_html_description_is_kept_as_given():
    body = "<description><p>Сталь <b>AISI</b></p></description>"
    assert only_offer(yml(offer(body))).description == "<p>Сталь <b>AISI</b></p>"


def test_pictures_joined_with_pipes_are_split_and_deduplicated():
    body = "<picture> https://a.ua/1.jpg | https://a.ua/2.jpg |</picture><picture>https://a.ua/1.jpg</picture>"
    assert only_offer(yml(offer(body))).pictures == ("https://a.ua/1.jpg", "https://a.ua/2.jpg")


def test_barcode_keeps_the_first_valid_one_and_warns_when_none_is_valid():
    assert only_offer(yml(offer("<barcode>abc</barcode><barcode>12345670</barcode>"))).gtin == "12345670"
    data = yml(offer("<barcode>N/A</barcode>"))
    assert only_offer(data).gtin is None
    assert [p.code for p in problems(data)] == ["invalid_gtin"]


def test_eva_barcode_param_is_the_gtin_when_there_is_no_barcode_element():
    body = '<param name="Штрихкод">6411501310835</param><param name="Колір">Чорний</param>'
    row = only_offer(yml(offer(body)))
    assert row.gtin == "6411501310835"
    assert ("Колір", "Чорний") in row.params
    # A <barcode> element wins over the param.
    both = '<barcode>12345670</barcode><param name="Штрихкод">6411501310835</param>'
    assert only_offer(yml(offer(both))).gtin == "12345670"


@pytest.mark.parametrize(
    ("attrs", "stock", "available", "quantity"),
    [
        ('id="A1" available="true"', "", True, None),
        ('id="A1" available="false"', "", False, None),
        ('id="A1"', "", True, None),
        ('id="A1"', "<stock_quantity>0</stock_quantity>", False, 0),
        ('id="A1"', "<quantity_in_stock>3</quantity_in_stock>", True, 3),
        ('id="A1"', "<quantity>0</quantity>", False, 0),
        ('id="A1" available="true"', "<quantity_in_stock>0</quantity_in_stock>", True, 0),
    ],
)
def test_availability_and_stock(attrs, stock, available, quantity):
    result = only_offer(yml(offer(stock, attrs=attrs)))
    assert (result.available, result.stock_quantity) == (available, quantity)


def test_unreadable_stock_and_availability_are_warnings():
    data = yml(offer("<stock_quantity>lots</stock_quantity>", attrs='id="A1" available="maybe"'))
    result = only_offer(data)
    assert (result.available, result.stock_quantity) == (True, None)
    assert {p.code for p in problems(data)} == {"invalid_stock", "invalid_availability"}
    assert all(p.severity == "warning" for p in problems(data))


def test_currency_rates_ignore_non_numeric_rates_and_normalise_rur():
    currencies = (
        '<currencies><currency id="RUR" rate="1"/><currency id="USD" rate="CBRF"/>'
        '<currency id="EUR" rate="101,5"/></currencies>'
    )
    data = yml(offer(currency="<currencyId>RUR</currencyId>"), currencies=currencies)
    header = items(data)[0]
    assert header.currency_rates == {"RUB": Decimal(1), "EUR": Decimal("101.5")}
    assert only_offer(data).currency == "RUB"


def test_missing_currency_uses_the_feeds_base_currency():
    currencies = '<currencies><currency id="USD" rate="1"/><currency id="UAH" rate="0.024"/></currencies>'
    data = yml(offer(currency=None), currencies=currencies)
    assert only_offer(data).currency == "USD"
    assert problems(data) == []


def test_missing_currency_without_currencies_block_defaults_to_uah_with_warning():
    data = yml(offer(currency=None), currencies="")
    assert items(data)[0].currency_rates == {}
    assert only_offer(data).currency == "UAH"
    (problem,) = problems(data)
    assert (problem.code, problem.severity, problem.sku) == ("missing_currency", "warning", "A1")


def test_invalid_currency_code_is_a_warning():
    data = yml(offer(currency="<currencyId>гривня</currencyId>"))
    assert only_offer(data).currency == "UAH"
    assert [p.code for p in problems(data)] == ["invalid_currency"]


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"attrs": 'available="true"'}, "missing_sku", "sku"),
        ({"attrs": 'id="  "'}, "missing_sku", "sku"),
        ({"name": None}, "missing_title", "title"),
        ({"price": None}, "missing_price", "price"),
        ({"price": "<price> </price>"}, "missing_price", "price"),
        ({"price": "<price>NaN</price>"}, "invalid_price", "price"),
        ({"price": "<price>1e30</price>"}, "invalid_price", "price"),
        ({"price": "<price>-5</price>"}, "invalid_price", "price"),
        ({"price": "<price>inf</price>"}, "invalid_price", "price"),
        ({"price": "<price>5000000000000</price>"}, "invalid_price", "price"),
    ],
)
def test_row_errors_skip_the_row(kwargs, code, field):
    data = yml(offer(**kwargs) + offer(attrs='id="OK"'))
    assert [o.sku for o in offers(data)] == ["OK"]
    (problem,) = problems(data)
    assert (problem.code, problem.severity, problem.field, problem.line) == (code, "error", field, 3)
    assert problem.message


def test_invalid_price_reports_the_offending_value():
    (problem,) = problems(yml(offer(price="<price>1e30</price>")))
    assert (problem.sku, problem.value) == ("A1", "1e30")


def test_a_row_with_several_errors_reports_all_of_them():
    data = yml(offer(name=None, price=None))
    assert offers(data) == []
    assert [p.code for p in problems(data)] == ["missing_title", "missing_price"]


def test_zero_price_is_a_warning_and_the_offer_is_kept():
    data = yml(offer(price="<price>0</price>"))
    result = items(data)
    problem, kept = result[-2], result[-1]
    assert (problem.code, problem.severity, problem.sku) == ("zero_price", "warning", "A1")
    assert kept.price == Decimal(0)


def test_duplicate_sku_first_wins():
    data = yml(offer(price="<price>10</price>") + offer(price="<price>20</price>"))
    (kept,) = offers(data)
    assert kept.price == Decimal(10)
    (problem,) = problems(data)
    assert (problem.code, problem.severity, problem.sku, problem.line) == ("duplicate_sku", "error", "A1", 3)


def test_duplicate_of_a_skipped_row_is_still_a_duplicate():
    data = yml(offer(price=None) + offer())
    assert offers(data) == []
    assert [p.code for p in problems(data)] == ["missing_price", "duplicate_sku"]


def test_long_title_is_truncated_with_warning():
    data = yml(offer(name=f"<name>{'я' * 1500}</name>"))
    assert len(only_offer(data).title) == 1000
    (problem,) = problems(data)
    assert (problem.code, problem.severity) == ("title_truncated", "warning")
    assert len(problem.value) == 200


def test_invalid_url_is_dropped_with_warning():
    data = yml(offer("<url>javascript:alert(1)</url>"))
    assert only_offer(data).url is None
    assert [p.code for p in problems(data)] == ["invalid_url"]


def test_feed_without_categories_or_offers_still_yields_a_header():
    data = b'<?xml version="1.0"?><yml_catalog><shop><name>Empty</name></shop></yml_catalog>'
    assert items(data) == [FeedHeader(format="yml")]


def test_categories_without_id_are_warned_about():
    categories = '<categories><category>Без id</category><category id="7">Ok</category></categories>'
    result = items(yml(offer(), categories=categories))
    assert [type(i) for i in result] == [FeedHeader, RowProblem, FeedCategory, FeedOffer]
    assert result[1].code == "invalid_category"


def test_real_world_doctype_with_external_dtd_parses():
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE yml_catalog SYSTEM "shops.dtd">'
    assert only_offer(yml(offer(), prolog=prolog)).sku == "A1"


def test_windows_1251_feed_is_decoded_by_its_declaration():
    data = yml(offer(), prolog='<?xml version="1.0" encoding="windows-1251"?>')
    data = data.decode().encode("cp1251")
    assert only_offer(data).title == "Сковорода 28 см"


@pytest.mark.parametrize("declared", ["windows-1251", "cp1251", "ISO-8859-1"])
def test_utf8_bytes_under_a_single_byte_declaration_are_read_as_utf8_with_a_warning(declared):
    # The bytes are UTF-8; read as the declared code page, every title would be "РЎРєРѕРІРѕСЂРѕРґР°".
    data = yml(offer(), prolog=f'<?xml version="1.0" encoding="{declared}"?>')
    result = items(data)
    assert isinstance(result[0], FeedHeader) and result[0].shop_name == "Тест"
    assert (result[1].code, result[1].severity, result[1].value) == ("encoding_mismatch", "warning", declared)
    assert only_offer(data).title == "Сковорода 28 см"
    assert [c.name for c in result if isinstance(c, FeedCategory)] == ["Посуд", "Сковороди"]


def test_a_real_windows_1251_feed_gets_no_encoding_warning():
    data = yml(
        offer(name="<name>СІРИЙ СІК ПРІОРИТЕТ Сковорода</name>"), prolog='<?xml version="1.0" encoding="windows-1251"?>'
    )
    data = data.decode().encode("cp1251")
    assert problems(data) == []
    assert only_offer(data).title == "СІРИЙ СІК ПРІОРИТЕТ Сковорода"


def test_truncated_xml_raises_after_yielding_what_was_complete():
    data = yml(offer() + offer(attrs='id="A2"'))
    cut = data[: data.index(b'<offer id="A2"') + 30]
    stream = parse_feed(cut)
    seen = []
    with pytest.raises(FeedError) as info:
        seen.extend(stream)  # keeps what was yielded before the error
    assert info.value.code == "malformed_xml"
    assert "line" in info.value.message
    assert [o.sku for o in seen if isinstance(o, FeedOffer)] == ["A1"]


def test_mislabelled_encoding_is_reported():
    data = yml(offer()).decode().encode("cp1251")  # declared UTF-8, really cp1251
    with pytest.raises(FeedError) as info:
        items(data)
    assert info.value.code == "bad_encoding"
