"""Unit tests for the CSV parser, through the public parse_feed()."""

import codecs
from decimal import Decimal

import pytest

from supplier_feeds import FeedError, FeedHeader, FeedOffer, RowProblem, parse_feed
from supplier_feeds.csv_feed import header_key, sniff_delimiter
from tests.support.parsing import items, offers, problems

UA_CSV = (
    "Артикул;Назва;Ціна;Валюта;Наявність;Категорія;Бренд;Штрихкод;Фото;Опис\r\n"
    "A1;Сковорода 28 см;1 299,50;грн;в наявності;Посуд > Сковороди;Fiskars;6411501234568;"
    "https://a.ua/1.jpg|https://a.ua/2.jpg;Сталь\r\n"
    "A2;Ніж;450;UAH;немає в наявності;Ножі/Кухонні;Gerber;;;\r\n"
)


def test_header_comes_first_and_rows_follow():
    result = items(UA_CSV.encode())
    assert result[0] == FeedHeader(format="csv")
    assert [type(i) for i in result[1:]] == [FeedOffer, FeedOffer]


def test_ukrainian_headers_map_to_fields():
    first, second = offers(UA_CSV.encode())
    assert first == FeedOffer(
        sku="A1",
        title="Сковорода 28 см",
        price=Decimal("1299.50"),
        currency="UAH",
        available=True,
        category_path=("Посуд", "Сковороди"),
        brand="Fiskars",
        gtin="6411501234568",
        pictures=("https://a.ua/1.jpg", "https://a.ua/2.jpg"),
        description="Сталь",
        line=2,
    )
    assert (second.available, second.category_path, second.line) == (False, ("Ножі", "Кухонні"), 3)


def test_cp1251_with_semicolons():
    result = offers(UA_CSV.encode("cp1251"))
    assert [o.title for o in result] == ["Сковорода 28 см", "Ніж"]


def test_utf8_bom_is_not_part_of_the_first_header():
    result = offers(codecs.BOM_UTF8 + UA_CSV.encode())
    assert result[0].sku == "A1"


def test_utf16_excel_unicode_text_export():
    data = UA_CSV.replace(";", "\t").encode("utf-16")
    assert [o.sku for o in offers(data)] == ["A1", "A2"]


def test_ascii_start_then_cp1251_later_switches_encoding():
    rows = "".join(f"S{i},Item {i},{i}\n" for i in range(1, 8000))  # > 64 KiB of ASCII
    data = ("sku,title,price\n" + rows + "Z1,Чайник,99\n").encode("cp1251")
    assert len(data) > 64 * 1024
    assert offers(data)[-1].title == "Чайник"


def test_invalid_utf8_after_utf8_text_is_a_feed_error():
    rows = "".join(f"A{i},Чайник електричний {i},1\n" for i in range(20))
    data = f"sku,title,price\n{rows}".encode() + b"B1,\xff\xfe,2\n"
    with pytest.raises(FeedError) as info:
        items(data)
    # One stray byte must not turn every Cyrillic title into cp1251 mojibake.
    assert info.value.code == "bad_encoding"
    assert "byte" in info.value.message


def test_utf8_rows_after_windows_1251_bytes_are_refused_not_imported_as_mojibake():
    # Three cp1251 symbols (№ « ») make the head read as cp1251; the UTF-8 rows below would
    # then import as "РЎС‚РµРїР»РµСЂ".
    data = b"sku;title;price\nA0;N\xb9 5 \xabA\xbb;1\n" + "A1;Степлер канцелярський;2\n".encode()
    with pytest.raises(FeedError) as info:
        items(data)
    assert info.value.code == "encoding_mismatch"


def test_a_file_saved_after_being_misread_once_is_refused():
    mojibake = "Степлер канцелярський".encode().decode("cp1251")
    assert mojibake.startswith("РЎС‚РµРї")
    data = f"sku;title;price\nA1;{mojibake};2\n".encode()
    with pytest.raises(FeedError) as info:
        items(data)
    assert info.value.code == "encoding_mismatch"


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
def test_upper_case_ukrainian_is_not_taken_for_mojibake(encoding):
    titles = ["СІРИЙ СІК", "ВЕРХНІЙ РІВЕНЬ", "ПРІОРИТЕТ ЄВРО"]
    data = ("sku;title;price\n" + "".join(f"A{i};{t};1\n" for i, t in enumerate(titles))).encode(encoding)
    assert [o.title for o in offers(data)] == titles


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters(delimiter):
    data = (
        delimiter.join(["sku", "name", "price"])
        + "\n"
        + delimiter.join(["A1", '"Ніж, складаний; 2 шт"', "10.5"])
        + "\n"
    )
    (result,) = offers(data.encode())
    assert (result.title, result.price) == ("Ніж, складаний; 2 шт", Decimal("10.5"))


def test_quoted_multiline_description_keeps_line_numbers():
    data = b'sku,title,price,description\nA1,Pan,10,"line one\nline two"\nA2,Pot,20,\n'
    first, second = offers(data)
    assert first.description == "line one\nline two"
    assert (first.line, second.line) == (2, 4)


def test_english_headers_with_case_and_spaces():
    data = (
        b" SKU ;Title;PRICE;Old_Price;URL;Stock;Brand;Model;EAN;MPN;Image_Link\n"
        b"A1;Pan;100;120;https://a.ua/p;>20;Fiskars;X;12345670;M-1;https://a.ua/1.jpg\n"
    )
    (result,) = offers(data)
    assert result == FeedOffer(
        sku="A1",
        title="Pan",
        price=Decimal(100),
        currency="UAH",
        old_price=Decimal(120),
        url="https://a.ua/p",
        available=True,
        stock_quantity=20,
        brand="Fiskars",
        model="X",
        gtin="12345670",
        mpn="M-1",
        pictures=("https://a.ua/1.jpg",),
        line=2,
    )


@pytest.mark.parametrize(
    ("cell", "available", "quantity"),
    [
        ("0", False, 0),
        ("3", True, 3),
        (">20", True, 20),
        ("так", True, None),
        ("нет в наличии", False, None),
        ("под заказ", False, None),
    ],
)
def test_stock_column(cell, available, quantity):
    (result,) = offers(f"sku;title;price;кількість\nA1;Pan;1;{cell}\n".encode())
    assert (result.available, result.stock_quantity) == (available, quantity)


def test_unreadable_stock_is_a_warning():
    data = b"sku;title;price;qty\nA1;Pan;1;lots\n"
    (result,) = offers(data)
    assert result.available is True
    assert [(p.code, p.severity) for p in problems(data)] == [("invalid_stock", "warning")]


def test_missing_required_columns_names_them_and_the_headers_found():
    with pytest.raises(FeedError) as info:
        items(b"sku;name;brand\nA1;Pan;X\n")
    assert info.value.code == "missing_columns"
    assert "price" in info.value.message
    assert "'brand'" in info.value.message


def test_headerless_file_columns_are_guessed_from_content():
    data = (
        "CHRYSLER;68377850AA;16400;1;Радіатор кондиціонера\n"
        "CSF;5503X;6270;2;Радіатор охолодження\n"
        "CHRYSLER;K68;900;12;Фільтр масляний оригінал\n"
    ).encode()
    result = items(data)
    assert [(p.code, p.severity) for p in result if isinstance(p, RowProblem)] == [("columns_guessed", "warning")]
    first = next(o for o in result if isinstance(o, FeedOffer))
    assert (first.brand, first.sku, first.price, first.stock_quantity, first.title) == (
        "CHRYSLER",
        "68377850AA",
        Decimal(16400),
        1,
        "Радіатор кондиціонера",
    )


def test_headerless_file_that_cannot_be_guessed_is_explained():
    with pytest.raises(FeedError) as info:
        items(b"1;2;3\n4;5;6\n")
    assert info.value.code == "missing_header"


def test_headerless_file_with_a_position_mapping():
    data = "CHRYSLER;68377850AA;16400;1;Радіатор\n".encode()
    mapping = {"#0": "brand", "#1": "sku", "#2": "price", "#4": "title"}
    result = list(parse_feed(data, mapping=mapping))
    assert [type(i).__name__ for i in result] == ["FeedHeader", "FeedOffer"]
    assert (result[1].sku, result[1].title, result[1].stock_quantity) == ("68377850AA", "Радіатор", None)


def test_currency_column_missing_defaults_to_uah_silently():
    data = b"sku,title,price\nA1,Pan,1\n"
    assert offers(data)[0].currency == "UAH"
    assert problems(data) == []


def test_empty_currency_cell_warns_when_the_column_exists():
    data = b"sku,title,price,currency\nA1,Pan,1,\nA2,Pot,2,rur\n"
    assert [o.currency for o in offers(data)] == ["UAH", "RUB"]
    assert [p.code for p in problems(data)] == ["missing_currency"]


@pytest.mark.parametrize(
    ("price", "code"),
    [
        ("NaN", "invalid_price"),
        ("1e30", "invalid_price"),
        ("-5", "invalid_price"),
        ("", "missing_price"),
        ("незабаром", "invalid_price"),  # words that are no price; "договірна" is a price on request
    ],
)
def test_price_errors_skip_the_row(price, code):
    data = f"sku;title;price\nA1;Pan;{price}\nA2;Pot;5\n".encode()
    assert [o.sku for o in offers(data)] == ["A2"]
    (problem,) = problems(data)
    assert (problem.code, problem.severity, problem.line, problem.sku) == (code, "error", 2, "A1")


def test_zero_price_warning_and_duplicate_sku():
    data = b"sku;title;price\nA1;Pan;0\nA1;Pan again;5\n"
    result = items(data)[1:]
    assert [(type(i).__name__, getattr(i, "code", None)) for i in result] == [
        ("RowProblem", "zero_price"),
        ("FeedOffer", None),
        ("RowProblem", "duplicate_sku"),
    ]
    assert result[1].price == Decimal(0)
    assert result[2].line == 3
    # The rule the importer applies (README "Price lists"): such an offer is not published.
    assert "not published" in result[0].message and "will see" not in result[0].message


def test_missing_sku_and_title_are_errors():
    data = b"sku;title;price\n;Pan;1\nA2;;1\n"
    assert offers(data) == []
    assert [p.code for p in problems(data)] == ["missing_sku", "missing_title"]


@pytest.mark.parametrize(
    ("title", "clean"),
    [
        ('=HYPERLINK("http://evil")', 'HYPERLINK("http://evil")'),
        ("+cmd|' /C calc'!A0", "cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "SUM(1+1)"),
        ("-=2+3", "2+3"),
    ],
)
def test_formula_injection_is_stripped_with_warning(title, clean):
    data = f'sku;title;price\nA1;"{title.replace(chr(34), chr(34) * 2)}";1\n'.encode()
    (result,) = offers(data)
    assert result.title == clean
    (problem,) = problems(data)
    assert (problem.code, problem.severity, problem.field) == ("formula_stripped", "warning", "title")


def test_negative_price_is_not_treated_as_a_formula():
    data = b"sku;title;price\nA1;Pan;-5\n"
    assert [p.code for p in problems(data)] == ["invalid_price"]


def test_blank_lines_and_short_rows():
    rows = b"".join(b"A%d;Pan;1;B\n" % i for i in range(10))
    data = b"sku;title;price;brand\n\nS1;Short;1\n;;;\n" + rows
    result = offers(data)
    assert len(result) == 11
    assert (result[0].sku, result[0].brand, result[0].line) == ("S1", None, 3)


def test_file_with_only_a_header_yields_just_the_header():
    assert items(b"sku;title;price\n") == [FeedHeader(format="csv")]


@pytest.mark.parametrize(
    ("name", "key"),
    [(" Код_товару ", "код товару"), ("Image-Link", "image link"), ("Ціна*", "ціна")],
)
def test_header_key(name, key):
    assert header_key(name) == key


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b;c\n1;2;3\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ('a;b\n"1,5";"2,5"\n', ";"),
        ("just one column\nrow\n", None),
    ],
)
def test_sniff_delimiter(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_a_cell_over_the_csv_limit_rejects_only_its_row():
    import csv

    # The csv module's default; the parser must raise it, not fail the whole file on it.
    previous = csv.field_size_limit(131_072)
    try:
        data = (
            f"sku;title;price;description\r\nA1;Pan;10;short\r\nA2;Pot;20;{'x' * 200_000}\r\nA3;Lid;30;short\r\n"
        ).encode()
        result = items(data)
    finally:
        csv.field_size_limit(previous)
    assert [o.sku for o in result if isinstance(o, FeedOffer)] == ["A1", "A3"]
    (problem,) = [p for p in result if isinstance(p, RowProblem)]
    assert (problem.code, problem.severity, problem.line, problem.sku) == ("cell_too_long", "error", 3, "A2")
    assert problem.field == "description" and "200,000 characters" in problem.message
