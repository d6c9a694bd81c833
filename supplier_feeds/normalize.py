"""Turn the text that suppliers type into typed values.

Shared by every format parser, so a price or an availability flag means the same
thing whether it came from YML, CSV or (later) Excel.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import nh3

from supplier_feeds.gtin import normalize_gtin

#: Prices at or above this do not fit Numeric(14, 2) and are always a typo.
MAX_PRICE = Decimal(10) ** 12
#: Prices are kept to the cent, rounded half up, whatever the database does with more digits.
CENT = Decimal("0.01")

DEFAULT_CURRENCY = "UAH"

_CURRENCY_ALIASES = {
    "RUR": "RUB",
    "РУБ": "RUB",
    "ГРН": "UAH",
    "₴": "UAH",
    "$": "USD",
    "€": "EUR",
}
# Suppliers write "1 299 грн" as often as "1299"; only these known markers are dropped,
# so that "12abc" is still refused rather than read as 12.
_PRICE_MARKERS = re.compile(r"(грн\.?|uah|руб\.?|р\.|rub|usd|eur|₴|\$|€)", re.IGNORECASE)
_PRICE_SHAPE = re.compile(r"\d+(\.\d+)?")
# Thin, narrow no-break and ordinary no-break spaces are thousands separators in UA/RU locales.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WS = re.compile(r"\s+")
_HTTP_URL = re.compile(r"https?://[^\s/]", re.IGNORECASE)

_TRUE_WORDS = frozenset(
    {
        "true",
        "yes",
        "y",
        "1",
        "+",
        "in stock",
        "in_stock",
        "instock",
        "limited availability",
        "available",
        "є",
        "є в наявності",
        "в наявності",
        "наявність",
        "так",
        "есть",
        "есть в наличии",
        "в наличии",
        "да",
    }
)
# "Под заказ" is YML's own meaning of available="false": orderable, but not on the shelf.
_FALSE_WORDS = frozenset(
    {
        "false",
        "no",
        "n",
        "0",
        "-",
        "out of stock",
        "out_of_stock",
        "outofstock",
        "not available",
        "немає",
        "немає в наявності",
        "нема",
        "ні",
        "нет",
        "нет в наличии",
        "отсутствует",
        "под заказ",
        "під замовлення",
        "очікується",
        "ожидается",
        "на замовлення",
        "preorder",
        "pre order",
        "backorder",
        "back order",
    }
)
_STOCK_SHAPE = re.compile(r"([<>]=?|більше|больше|более|понад)?\s*(\d+)(?:[.,]0+)?\s*(\+|шт\.?|pcs)?", re.IGNORECASE)


class PriceError(ValueError):
    """A price cell that cannot be a price; ``reason`` is a short phrase for messages."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_price(text: str) -> Decimal:
    """Parse a supplier's price such as "1 299,00", "1299.00" or "1,299.50 грн".

    One separator alone is a decimal separator ("1,5" is 1.5, as UA and RU shops write it);
    with both "," and ".", the last one is the decimal separator. The value is rounded to
    the cent (half up). Raise PriceError for
    empty, NaN, infinite, negative, exponent-notation and absurdly large (>= 1e12) values.
    """
    raw = _SPACES.sub("", _PRICE_MARKERS.sub("", text))
    if not raw:
        raise PriceError("the price is empty")
    if raw.startswith("-"):
        raise PriceError("the price is negative")
    raw = raw.removeprefix("+")
    if "," in raw and "." in raw:
        decimal_sep = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        raw = raw.replace(thousands_sep, "").replace(decimal_sep, ".")
    elif raw.count(",") == 1:
        raw = raw.replace(",", ".")
    elif raw.count(",") > 1:
        raw = raw.replace(",", "")
    elif raw.count(".") > 1:
        raw = raw.replace(".", "")
    if not _PRICE_SHAPE.fullmatch(raw):
        raise PriceError("the price is not a number")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex above already guarantees a number
        raise PriceError("the price is not a number") from None
    if value >= MAX_PRICE:
        raise PriceError("the price is too large")
    # SQLite would keep 10.005 as given while PostgreSQL's Numeric(14, 2) rounds it.
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if value >= MAX_PRICE:
        raise PriceError("the price is too large")
    return value


def parse_bool_availability(text: str | None) -> bool | None:
    """Read "true"/"в наявності"/"out of stock"-style text; None when it says neither."""
    if text is None:
        return None
    key = _WS.sub(" ", text.strip().casefold().replace("ё", "е"))
    if key in _TRUE_WORDS:
        return True
    if key in _FALSE_WORDS:
        return False
    return None


def parse_stock(text: str | None) -> int | None:
    """Read a stock quantity such as "5", "5.0", "10 шт", ">20" or "20+"; None if it is not one.

    ">20" means at least 21 in theory, but suppliers use it as "plenty"; 20 is the honest
    number we can promise.
    """
    if text is None:
        return None
    match = _STOCK_SHAPE.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(2))


def normalise_currency(code: str | None) -> str | None:
    """Return an upper-case ISO 4217 code ("rur" -> "RUB", "грн" -> "UAH"), or None if it is not one."""
    if code is None:
        return None
    key = code.strip().upper().rstrip(".")
    key = _CURRENCY_ALIASES.get(key, key)
    if len(key) == 3 and key.isascii() and key.isalpha():
        return key
    return None


def clean_text(text: str | None) -> str | None:
    """Collapse whitespace, drop control characters and NFC-normalise; None for blank text."""
    if text is None:
        return None
    if not unicodedata.is_normalized("NFC", text):  # the check is much cheaper than normalising
        text = unicodedata.normalize("NFC", text)
    elif text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # Most values are already clean: a printable string holds no control character and no
        # whitespace but " " (tested over every code point), so the two regexes would change nothing.
        return text or None
    text = _WS.sub(" ", _CONTROL.sub("", text)).strip()
    return text or None


def clean_multiline(text: str | None) -> str | None:
    """Strip control characters and outer whitespace but keep line breaks (descriptions)."""
    if text is None:
        return None
    text = _CONTROL.sub("", text).strip()
    return text or None


def clean_gtin(text: str | None) -> str | None:
    """Return a GTIN/EAN/UPC as digits if its length and check digit are valid, else None."""
    return normalize_gtin(text)


def clean_url(text: str | None) -> str | None:
    """Return an absolute http(s) URL, or None; "//cdn/x.jpg" becomes "https://cdn/x.jpg"."""
    text = clean_text(text)
    if text is None:
        return None
    if text.startswith("//"):
        text = "https:" + text
    if _HTTP_URL.match(text) and " " not in text:
        return text
    return None


def parse_availability(text: str | None, *, quantity_first: bool) -> tuple[bool | None, int | None]:
    """Read an availability or stock cell into (available, stock_quantity).

    "1" is a flag in an "available" column but a count in a "qty" column, so the caller
    says which reading to try first.
    """
    readers = ("stock", "flag") if quantity_first else ("flag", "stock")
    for reader in readers:
        if reader == "flag":
            flag = parse_bool_availability(text)
            if flag is not None:
                return flag, None
        else:
            quantity = parse_stock(text)
            if quantity is not None:
                return quantity > 0, quantity
    return None, None


#: Tags a description may keep; everything else is unwrapped (its text stays).
HTML_TAGS = frozenset(
    {"p", "br", "ul", "ol", "li", "b", "strong", "i", "em", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "a"}
)
_HTML = nh3.Cleaner(
    tags=set(HTML_TAGS),
    # Script and style bodies are code, not text: drop them with their content.
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow",
    strip_comments=True,
)
_PRICE_WITH_CODE = re.compile(r"^\s*(.*?\d.*?)\s*([A-Za-z]{3})\s*$|^\s*([A-Za-z]{3})\s*(\d.*?)\s*$")


def sanitize_html(text: str | None) -> str | None:
    """Return a description with only a small safe HTML subset left; None for blank text.

    Text without markup characters is returned as it is, which keeps plain-text
    descriptions (and the parsers' speed) intact.
    """
    if text is None:
        return None
    if "<" in text or "&" in text:
        text = _HTML.clean(text).strip()
    return text or None


def split_price_currency(text: str | None) -> tuple[str | None, str | None]:
    """Split Google Merchant's "12.00 USD" (or "USD 12.00") into ("12.00", "USD").

    Text without a trailing or leading three-letter code comes back as (text, None).
    """
    if text is None:
        return None, None
    match = _PRICE_WITH_CODE.match(text)
    if match is None:
        return text, None
    if match.group(1) is not None:
        return match.group(1), match.group(2).upper()
    return match.group(4), match.group(3).upper()


def cell_text(value: object) -> str:
    """Turn a spreadsheet cell (str, int, float, bool, date or None) into the text a supplier typed.

    Whole floats lose their ".0" (codes such as 2193312.0 are integers in Excel); NaN and
    infinities become "nan"/"inf" so that price parsing refuses them by name.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else "inf"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # repr() is the shortest text that reads back as the same float: 12.3, not 12.300000000000001.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value)
