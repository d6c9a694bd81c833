"""Unit tests for the shared value parsers in supplier_feeds.normalize."""

from decimal import Decimal

import pytest

from supplier_feeds.normalize import (
    PriceError,
    clean_gtin,
    clean_text,
    clean_url,
    normalise_currency,
    parse_availability,
    parse_bool_availability,
    parse_price,
    parse_stock,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1299", Decimal(1299)),
        ("1299.00", Decimal("1299.00")),
        ("1 299,00", Decimal("1299.00")),
        ("1\u00a0299,50", Decimal("1299.50")),
        ("1\u202f299", Decimal(1299)),
        ("1,5", Decimal("1.5")),
        ("1,299.50", Decimal("1299.50")),
        ("1.299,50", Decimal("1299.50")),
        ("1,234,567", Decimal(1234567)),
        ("1.234.567", Decimal(1234567)),
        ("  42 грн ", Decimal(42)),
        ("42 UAH", Decimal(42)),
        ("0", Decimal(0)),
        ("999999999999.99", Decimal("999999999999.99")),
    ],
)
def test_parse_price_accepts_supplier_notations(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10.005", "10.01"), ("10.004", "10.00"), ("0.125", "0.13"), ("1299", "1299.00"), ("0.001", "0.00")],
)
def test_parse_price_rounds_to_the_cent_half_up(text, expected):
    # Stored as is, 10.005 would be 10.005 on SQLite and 10.01 on PostgreSQL.
    assert str(parse_price(text)) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("NaN", "not a number"),
        ("nan", "not a number"),
        ("inf", "not a number"),
        ("Infinity", "not a number"),
        ("1e30", "not a number"),
        ("1E3", "not a number"),
        ("-5", "negative"),
        ("-0.01", "negative"),
        ("1000000000000", "too large"),
        ("12abc", "not a number"),
        ("договірна", "not a number"),
        ("0x10", "not a number"),
    ],
)
def test_parse_price_rejects_non_prices(text, reason):
    with pytest.raises(PriceError) as info:
        parse_price(text)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("1", True),
        ("In stock", True),
        ("в наявності", True),
        ("В наявності", True),
        ("есть", True),
        ("В наличии", True),
        ("false", False),
        ("no", False),
        ("0", False),
        ("out of stock", False),
        ("Немає в наявності", False),
        ("нет в наличии", False),
        ("под заказ", False),
        ("maybe", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_bool_availability(text, expected):
    assert parse_bool_availability(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("5.0", 5),
        ("0", 0),
        (">20", 20),
        ("> 20", 20),
        ("20+", 20),
        ("10 шт", 10),
        ("більше 5", 5),
        ("-3", None),
        ("a few", None),
        ("1.5", None),
        (None, None),
    ],
)
def test_parse_stock(text, expected):
    assert parse_stock(text) == expected


def test_parse_availability_reads_flag_or_quantity_by_column_kind():
    assert parse_availability("1", quantity_first=False) == (True, None)
    assert parse_availability("1", quantity_first=True) == (True, 1)
    assert parse_availability("0", quantity_first=True) == (False, 0)
    assert parse_availability(">20", quantity_first=False) == (True, 20)
    assert parse_availability("в наявності", quantity_first=True) == (True, None)
    assert parse_availability("???", quantity_first=True) == (None, None)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("UAH", "UAH"),
        ("uah", "UAH"),
        (" usd ", "USD"),
        ("RUR", "RUB"),
        ("rur", "RUB"),
        ("грн", "UAH"),
        ("грн.", "UAH"),
        ("USDT", None),
        ("", None),
        (None, None),
        ("12", None),
    ],
)
def test_normalise_currency(code, expected):
    assert normalise_currency(code) == expected


def test_clean_text_collapses_whitespace_and_drops_controls():
    assert clean_text("  Сковорода\n\t Fiskars\x00 28 см ") == "Сковорода Fiskars 28 см"
    assert clean_text(" \n ") is None
    assert clean_text(None) is None


def test_clean_text_normalises_to_nfc():
    # "й" typed as "и" + combining breve must compare equal to the precomposed letter.
    assert clean_text("Чаи\u0306ник") == "Ча\u0439ник"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4006381333931", "4006381333931"),
        ("4006 3813 3393 1", "4006381333931"),
        ("12345670", "12345670"),
        # A UPC-A whose leading zero was lost (036000291452 read as a number).
        ("36000291452", "036000291452"),
        ("36000291453", None),
        ("1234567", None),
        ("ABC1234567890", None),
        ("", None),
    ],
)
def test_clean_gtin(text, expected):
    assert clean_gtin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://shop.ua/p/1", "https://shop.ua/p/1"),
        (" http://shop.ua ", "http://shop.ua"),
        ("//cdn.shop.ua/a.jpg", "https://cdn.shop.ua/a.jpg"),
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("shop.ua/p/1", None),
        ("", None),
    ],
)
def test_clean_url(text, expected):
    assert clean_url(text) == expected
