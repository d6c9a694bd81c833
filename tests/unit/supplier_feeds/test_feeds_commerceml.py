"""CommerceML 2 (1C, 1C-Bitrix): detection, the catalog joined with its offers, price types, versions."""

from __future__ import annotations

import io
import pickle
import zipfile
from decimal import Decimal

import pytest

from supplier_feeds import FeedCategory, FeedError, FeedHeader, FeedOffer, FeedUpdate, RowProblem, detect_format
from supplier_feeds.child import parse_feed_in_child
from supplier_feeds.commerceml import PriceTypeRequired, pack_exchange
from supplier_feeds.detect import FORMAT_NAMES
from tests.support.commerceml import BITRIX_210, BITRIX_210_ZIP, CP1251_203, UTF8_205, pair
from tests.support.parsing import items


def _offers(found: list[object]) -> dict[str, FeedOffer]:
    return {i.sku: i for i in found if isinstance(i, FeedOffer)}


def _problems(found: list[object]) -> dict[str, RowProblem]:
    return {i.code: i for i in found if isinstance(i, RowProblem)}


def _cml(body: str, version: str = "2.10", encoding: str = "UTF-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_210" ВерсияСхемы="{version}">{body}'
        "</КоммерческаяИнформация>"
    ).encode(encoding)


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [UTF8_205 / "import.xml", UTF8_205 / "offers.xml", CP1251_203 / "import.xml", CP1251_203 / "offers.xml"],
    ids=["utf8-import", "utf8-offers", "cp1251-import", "cp1251-offers"],
)
def test_a_cyrillic_root_element_is_commerceml_not_a_web_page(path):
    assert detect_format(path.read_bytes()) == "commerceml"
    assert FORMAT_NAMES["commerceml"] == "CommerceML 2"


def test_the_bitrix_zip_is_commerceml_and_a_workbook_still_a_workbook():
    assert detect_format(BITRIX_210_ZIP.read_bytes()) == "commerceml"
    workbook = io.BytesIO()
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert detect_format(workbook.getvalue()) == "xlsx"


def test_an_html_page_is_still_refused_as_one():
    with pytest.raises(FeedError, match="web page"):
        detect_format("<!DOCTYPE html><html><body>Каталог</body></html>".encode())


def test_another_cyrillic_xml_dialect_is_named_in_the_refusal():
    with pytest.raises(FeedError) as refused:
        detect_format('<?xml version="1.0"?><Прайс><Товар/></Прайс>'.encode())
    assert "<Прайс>" in refused.value.message


def test_the_zip_fixture_holds_the_readable_sources():
    with zipfile.ZipFile(BITRIX_210_ZIP) as archive:
        for name in ("import.xml", "offers.xml", "import_files/a1/a1f0c7e2.jpg"):
            assert archive.read(name) == (BITRIX_210 / name).read_bytes()


# -- the UTF-8 pair, schema 2.05 -------------------------------------------------------------------


def test_utf8_205_pair_joins_products_offers_groups_and_properties():
    found = items(pair(UTF8_205))
    header = found[0]
    assert isinstance(header, FeedHeader)
    assert (header.format, header.partial, header.shop_name) == ("commerceml", False, "ТОВ «Садова техніка»")
    categories = {c.id: c for c in found if isinstance(c, FeedCategory)}
    assert categories["g-mowers"] == FeedCategory("g-mowers", "Газонокосарки", "g-garden")
    assert categories["g-garden"].parent_id is None
    offers = _offers(found)
    mower = offers["0b1c2d3e-0001"]
    # Two price types, one of them retail ("Роздрібна"): that one is the supplier's price.
    assert (mower.price, mower.currency, mower.stock_quantity, mower.available) == (Decimal("3999.00"), "UAH", 7, True)
    assert (mower.mpn, mower.brand, mower.gtin, mower.category_id) == (
        "GM-1400",
        "GreenMow",
        "4006381333931",
        "g-mowers",
    )
    # A property from a value list (Справочник) reads as its value, not its id.
    assert mower.params == (("Потужність", "1400 Вт"), ("Привід", "Електричний"))
    assert mower.pictures == ("https://cdn.sadova.example/mow1400.jpg",)


def test_characteristics_are_variants_of_their_product():
    offers = _offers(items(pair(UTF8_205)))
    medium, large = offers["0b1c2d3e-0002#c-m"], offers["0b1c2d3e-0002#c-l"]
    assert medium.item_group_id == large.item_group_id == "0b1c2d3e-0002"
    assert medium.title == "Рукавички садові нітрилові (M)"
    # The L offer has no name of its own: the product's, with the characteristic's value.
    assert large.title == "Рукавички садові нітрилові (L)"
    assert (medium.price, large.price) == (Decimal("75.50"), Decimal("75.50"))
    assert (large.stock_quantity, large.available) == (0, False)
    assert large.params == (("Розмір", "L"),)
    # The maker from ЗначенияРеквизитов; the HTML description kept as (sanitised) HTML.
    assert large.brand == "GardenHand"
    assert medium.description == "<p>Нітрилове покриття, <b>два розміри</b>.</p>"


def test_a_product_without_an_offer_and_relative_pictures_are_reported():
    problems = _problems(items(pair(UTF8_205)))
    assert problems["missing_price"].sku == "0b1c2d3e-0003"
    assert problems["missing_price"].severity == "error"
    pictures = problems["relative_pictures"]
    assert pictures.severity == "warning"
    assert pictures.value == "import_files/0b/0b1c2d3e-0002.jpg"
    # The two variants share the product's picture: it is counted once.
    assert "(1," in pictures.message


# -- the windows-1251 pair, schema 2.03 ----------------------------------------------------------


def test_cp1251_203_without_a_retail_type_asks_which_price_type_is_theirs():
    with pytest.raises(PriceTypeRequired) as asked:
        items(pair(CP1251_203))
    assert asked.value.code == "price_type_required"
    assert asked.value.choices == ("Оптовая", "Дилерская")
    assert "“Оптовая”, “Дилерская”" in asked.value.message


@pytest.mark.parametrize("chosen", ["Дилерская", "дилерская", "tc-dealer"])
def test_the_chosen_price_type_by_name_or_id(chosen):
    found = items(pair(CP1251_203), price_type=chosen)
    offers = _offers(found)
    pads, oil_filter = offers["00000012345"], offers["00000012346"]
    assert (pads.price, pads.currency, pads.stock_quantity) == (Decimal("1080.00"), "UAH", 4)
    assert pads.title == "Колодки тормозные передние Bosch"
    assert (pads.brand, pads.mpn, pads.category_id) == ("Bosch", "0 986 494 019", "grp-11")
    assert pads.params == (("Сторона установки", "передняя ось"),)
    assert (oil_filter.price, oil_filter.available, oil_filter.brand) == (Decimal("265.00"), False, "MANN-FILTER")
    assert [c.name for c in found if isinstance(c, FeedCategory)] == [
        "Тормозная система",
        "Тормозные колодки",
        "Фильтры",
    ]


def test_a_price_type_the_file_lacks_is_refused_with_the_list():
    with pytest.raises(PriceTypeRequired) as refused:
        items(pair(CP1251_203), price_type="Роздрібна")
    assert refused.value.code == "unknown_price_type"
    assert "Оптовая" in refused.value.message and "Роздрібна" in refused.value.message


def test_price_type_required_pickles_for_the_parser_process():
    again = pickle.loads(pickle.dumps(PriceTypeRequired(["A", "B"], "C")))
    assert (again.code, again.choices, again.wanted) == ("unknown_price_type", ("A", "B"), "C")


# -- the Bitrix zip, schema 2.10 -----------------------------------------------------------------


def test_bitrix_210_zip_sums_warehouses_and_reads_bitrix_properties():
    found = items(BITRIX_210_ZIP.read_bytes())
    offers = _offers(found)
    assert list(offers) == ["4711"]  # 4712 is marked deleted (Статус="Удален")
    drill = offers["4711"]
    # "Розничная цена" of two types; stock in two warehouses (Остатки/Остаток/Склад, 2.08+).
    assert (drill.price, drill.currency, drill.stock_quantity) == (Decimal("5299.00"), "UAH", 5)
    # Bitrix writes the article and the maker as properties; the barcode as a requisite.
    assert (drill.mpn, drill.brand, drill.gtin) == ("DF333DWAE", "Makita", "0088381711234")
    assert drill.params == (("Напряжение аккумулятора", "12 В"),)
    assert drill.pictures == ("https://shop.example/upload/iblock/a1f/df333.jpg",)
    assert _problems(found)["relative_pictures"].value == "import_files/a1/a1f0c7e2.jpg"


def test_offers_alone_are_a_price_and_stock_update():
    found = items((BITRIX_210 / "offers.xml").read_bytes())
    assert found[0].partial is True
    assert found[1:] == [
        FeedUpdate(sku="4711", price=Decimal("5299"), currency="UAH", available=True, stock_quantity=5, line=31)
    ]


def test_the_catalog_alone_asks_for_its_offers():
    with pytest.raises(FeedError, match=r"offers\.xml") as refused:
        items((UTF8_205 / "import.xml").read_bytes())
    assert refused.value.code == "commerceml_catalog_only"


# -- how the versions differ -------------------------------------------------------------------


_CATALOG = (
    "<Каталог><Товары><Товар><Ид>p1</Ид><Наименование>Лопата</Наименование></Товар></Товары></Каталог>"
    "<ПакетПредложений><Предложения><Предложение><Ид>p1</Ид><Цены><Цена><ИдТипаЦены>t</ИдТипаЦены>"
    "<ЦенаЗаЕдиницу>100</ЦенаЗаЕдиницу><Валюта>980</Валюта></Цена></Цены>{stock}</Предложение>"
    "</Предложения></ПакетПредложений>"
)


@pytest.mark.parametrize(
    ("version", "stock", "quantity"),
    [
        ("2.03", "<Количество>3</Количество>", 3),
        ("2.05", '<Склад ИдСклада="a" КоличествоНаСкладе="2"/><Склад ИдСклада="b" КоличествоНаСкладе="1.000"/>', 3),
        ("2.08", "<Остатки><Остаток><Количество>3</Количество></Остаток></Остатки>", 3),
        ("2.10", "<Остатки><Остаток><Склад><Ид>a</Ид><Количество>-2</Количество></Склад></Остаток></Остатки>", 0),
        ("2.07", "", None),
    ],
)
def test_stock_as_each_schema_version_writes_it(version, stock, quantity):
    found = items(_cml(_CATALOG.format(stock=stock), version))
    offer = _offers(found)["p1"]
    assert offer.stock_quantity == quantity
    assert offer.available is (quantity != 0)
    # The numeric ISO code 980 is the hryvnia.
    assert (offer.price, offer.currency) == (Decimal("100"), "UAH")
    assert "schema_version" not in _problems(found)


def test_a_version_outside_203_to_210_is_read_with_a_warning():
    found = items(_cml(_CATALOG.format(stock=""), "3.01"))
    assert _problems(found)["schema_version"].value == "3.01"
    assert "p1" in _offers(found)


def test_price_types_in_the_classifier_as_in_208_and_later():
    body = (
        "<Классификатор><ТипыЦен><ТипЦены><Ид>w</Ид><Наименование>Опт</Наименование><Валюта>USD</Валюта></ТипЦены>"
        "<ТипЦены><Ид>r</Ид><Наименование>Retail</Наименование><Валюта>грн</Валюта></ТипЦены></ТипыЦен>"
        "</Классификатор>" + _CATALOG.format(stock="").replace("<Валюта>980</Валюта>", "").replace(">t<", ">w<")
    )
    body = body.replace("</Цены>", "<Цена><ИдТипаЦены>r</ИдТипаЦены><ЦенаЗаЕдиницу>4200</ЦенаЗаЕдиницу></Цена></Цены>")
    offer = _offers(items(_cml(body, "2.08")))["p1"]
    # Retail is chosen; its currency comes from the price type.
    assert (offer.price, offer.currency) == (Decimal("4200"), "UAH")


def test_a_changes_only_catalog_is_an_update_that_withdraws_nothing():
    body = _CATALOG.format(stock="<Количество>1</Количество>").replace(
        "<Каталог>", '<Каталог СодержитТолькоИзменения="true">'
    )
    found = items(_cml(body))
    assert found[0].partial is True
    assert [type(i) for i in found[1:]] == [FeedUpdate]


def test_the_pair_is_read_alike_in_either_order():
    forward = items(pair(UTF8_205))
    backward = items(
        pack_exchange(
            [("offers.xml", (UTF8_205 / "offers.xml").read_bytes()), ("a.xml", (UTF8_205 / "import.xml").read_bytes())]
        )
    )
    assert _offers(forward) == _offers(backward)


def test_entities_are_refused_in_commerceml_too():
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE КоммерческаяИнформация [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<КоммерческаяИнформация><Каталог><Товары><Товар><Ид>&x;</Ид></Товар></Товары></Каталог>"
        "</КоммерческаяИнформация>"
    ).encode()
    with pytest.raises(FeedError) as refused:
        items(hostile)
    assert refused.value.code == "unsafe_xml"


def test_a_broken_document_in_the_zip_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("import.xml", b"not xml at all")
    with pytest.raises(FeedError) as refused:
        items(archive.getvalue())
    assert refused.value.code == "malformed_xml"


def test_prices_and_rests_in_files_of_their_own_as_208_splits_them():
    offers_only = _cml(
        "<ПакетПредложений><Предложения><Предложение><Ид>p1</Ид><Наименование>Лопата</Наименование>"
        "</Предложение></Предложения></ПакетПредложений>",
        "2.08",
    )
    prices = _cml(
        "<ПакетПредложений><ТипыЦен><ТипЦены><Ид>r</Ид><Наименование>Роздрібна</Наименование>"
        "<Валюта>UAH</Валюта></ТипЦены></ТипыЦен><Предложения><Предложение><Ид>p1</Ид><Цены><Цена>"
        "<ИдТипаЦены>r</ИдТипаЦены><ЦенаЗаЕдиницу>250</ЦенаЗаЕдиницу></Цена></Цены></Предложение>"
        "</Предложения></ПакетПредложений>",
        "2.08",
    )
    rests = _cml(
        "<ПакетПредложений><Предложения><Предложение><Ид>p1</Ид><Остатки><Остаток><Количество>9</Количество>"
        "</Остаток></Остатки></Предложение></Предложения></ПакетПредложений>",
        "2.08",
    )
    catalog = _cml(
        "<Каталог><Товары><Товар><Ид>p1</Ид><Наименование>Лопата штикова</Наименование></Товар></Товары></Каталог>",
        "2.08",
    )
    exchange = pack_exchange(
        [("rests_1.xml", rests), ("prices_1.xml", prices), ("offers_1.xml", offers_only), ("import_1.xml", catalog)]
    )
    offer = _offers(items(exchange))["p1"]
    assert (offer.title, offer.price, offer.currency, offer.stock_quantity) == ("Лопата", Decimal("250"), "UAH", 9)


def test_the_parser_process_gets_the_price_type(tmp_path):
    path = tmp_path / "exchange.zip"
    path.write_bytes(pair(CP1251_203))
    offers = _offers(list(parse_feed_in_child(path, price_type="Дилерская")))
    assert offers["00000012345"].price == Decimal("1080")
