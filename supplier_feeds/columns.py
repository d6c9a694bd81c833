"""Map a table's columns (CSV, Excel) to FeedOffer fields: from header names, or from content.

Pure functions. ``suggest_mapping`` is the one decision of which column fills which field: the
parser (and so the CLI) reads tables by it, and the portal pre-fills the supplier's column mapping with it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence

from .normalize import PriceError, parse_price

#: Fields a column may be mapped to: FeedOffer fields, plus "sale_price" (replaces the price
#: when lower), "param" (the column becomes a (header, value) parameter) and "sku_fallback"
#: (the offer id of the rows whose sku column is empty).
FIELDS = (
    "sku",
    "sku_fallback",
    "title",
    "title_uk",
    "price",
    "sale_price",
    "old_price",
    "currency",
    "url",
    "available",
    "stock_quantity",
    "category_path",
    "category_id",
    "brand",
    "model",
    "gtin",
    "mpn",
    "description",
    "description_uk",
    "pictures",
    "condition",
    "google_category",
    "item_group_id",
    "delivery_cost",
    "param",
)

#: Header names of the column that tells variants of one product apart (1C's "Характеристика":
#: a size, a colour). It is a parameter of the offer, and part of the key of a row without an id.
VARIANT_HEADERS = ("характеристика", "характеристика номенклатуры", "variant")

#: Header names per field (English, Ukrainian, Russian; Prom.ua, 1C and Google Merchant),
#: compared after ``header_key``.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "sku": (
        "sku",
        "id",
        "article",
        "артикул",
        "код",
        "код товару",
        "код товара",
        "offer id",
        "product id",
        "item id",
        "code",
        "item code",
        "product code",
    ),
    "title": (
        "title",
        "name",
        "назва",
        "название",
        "наименование",
        "найменування",
        "назва позиції",
        "назва товару",
        "название товара",
        "наименование товара",
        "номенклатура",
        "товар",
        "product name",
    ),
    "title_uk": ("назва позиції укр", "назва укр", "title uk", "title ua", "name uk", "name ua", "назва українською"),
    "price": (
        "price",
        "ціна",
        "цена",
        "роздрібна ціна",
        "retail price",
        "розничная цена",
        "ціна, грн",
        "цена, грн",
        "ціна грн",
        "цена грн",
        "price uah",
        "вартість",
        "стоимость",
    ),
    "sale_price": ("sale price", "ціна зі знижкою", "цена со скидкой", "акційна ціна", "акционная цена"),
    "currency": ("currency", "валюта"),
    "old_price": (
        "old price",
        "oldprice",
        "price old",
        "стара ціна",
        "старая цена",
        "ціна без знижки",
        "цена без скидки",
    ),
    "url": ("url", "link", "посилання", "ссылка", "product url", "продукт на сайті", "посилання на товар"),
    "available": ("available", "availability", "наявність", "наличие", "in stock"),
    "stock_quantity": (
        "stock",
        "qty",
        "quantity",
        "кількість",
        "количество",
        "остаток",
        "залишок",
        "stock quantity",
        "quantity in stock",
    ),
    "category_path": (
        "category",
        "категорія",
        "категория",
        "product type",
        "розділ",
        "раздел",
        "назва групи",
        "група",
        "группа",
    ),
    "category_id": ("category id", "categoryid", "ід категорії", "id категории", "номер групи"),
    "brand": ("brand", "vendor", "бренд", "виробник", "производитель", "manufacturer", "марка"),
    "model": ("model", "модель"),
    "gtin": ("gtin", "ean", "ean13", "upc", "barcode", "штрихкод", "штрих код", "код маркування (gtin)"),
    "mpn": (
        "mpn",
        "vendor code",
        "vendorcode",
        "код виробника",
        "код производителя",
        "part number",
        "номер пристрою (mpn)",
        "каталожний номер",
        "каталожный номер",
    ),
    "description": ("description", "опис", "описание"),
    "description_uk": ("опис укр", "description uk", "description ua", "опис українською"),
    "pictures": (
        "picture",
        "pictures",
        "image",
        "images",
        "image link",
        "фото",
        "зображення",
        "изображение",
        "посилання зображення",
    ),
    "condition": ("condition", "стан", "состояние"),
    "google_category": ("google product category",),
    "item_group_id": ("item group id", "group id", "id групи різновидів"),
    "delivery_cost": ("shipping", "delivery cost", "доставка", "вартість доставки", "стоимость доставки"),
    "param": (
        "країна виробник",
        "страна",
        "країна",
        "country",
        "год",
        "рік",
        "сезон",
        "season",
        "колір",
        "цвет",
        *VARIANT_HEADERS,
    ),
}
_BY_NAME = {name: field for field, names in SYNONYMS.items() for name in names}
#: Fields that mark a row as the header row of a table.
_HEADER_FIELDS = frozenset({"sku", "title", "price", "stock_quantity", "available", "currency", "brand", "gtin", "mpn"})
#: A Prom.ua sheet names each product twice. "Ідентифікатор_товару" is the offer id: Prom's YML
#: export and its price and stock update feeds write it as ``<offer id>``, so every later file of
#: the supplier names the offer by it. "Унікальний_ідентифікатор" is Prom's own number for the
#: position (the one in its product URLs, ``/p2619072839-...``), which no feed carries: an offer
#: keyed by it is an ``unknown_sku`` to every Prom update. "Код_товару" is the seller's article,
#: which Prom's YML writes as ``vendorCode``: on a Prom sheet it is the part number.
_PROM_ID = "ідентифікатор товару"
_PROM_UNIQUE = "унікальний ідентифікатор"
_PROM_ARTICLE = "код товару"
#: Header keys a field prefers, best first, when several columns could fill it; other candidates
#: follow in column order, then ``_LAST_RESORT``.
_PREFERRED: dict[str, tuple[str, ...]] = {"sku": (_PROM_ID,), "mpn": (_PROM_ARTICLE,)}
_LAST_RESORT: dict[str, tuple[str, ...]] = {"sku": (_PROM_UNIQUE,)}
#: A last-resort column that loses its field still serves the rows the winner leaves empty, as
#: this field: a Prom position made by hand in Prom's cabinet has no "Ідентифікатор_товару".
_FALLBACK = {"sku": "sku_fallback"}
_LETTERS = re.compile(r"[^\W\d_]")
#: Price fields whose header may name the currency of the column ("Цена, USD", "Price $", "Ціна (€)").
_PRICED = frozenset({"price", "sale_price", "old_price"})
_HEADER_CURRENCY = re.compile(
    r"^(?P<base>.*?)[\s,;(/]*(?:\b(?P<code>usd|eur|uah|rub|pln|gbp|грн|руб|дол)\.?|(?P<sign>[$€₴₽]))\)?$"
)
_SIGNS = {"$": "USD", "€": "EUR", "₴": "UAH", "₽": "RUB", "грн": "UAH", "руб": "RUB", "дол": "USD"}


def header_key(name: str) -> str:
    """Normalise a column name for the synonym table ("Код_товару " -> "код товару")."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]", " ", name.casefold())).strip(" *:\ufeff")


def header_currency(name: str) -> tuple[str, str | None]:
    """Split the currency a price header names off it: "Цена, USD" -> ("цена", "USD"); others -> (key, None)."""
    key = header_key(name)
    found = _HEADER_CURRENCY.match(key)
    if found is None or not found.group("base"):
        return key, None
    marker = found.group("code") or found.group("sign")
    return found.group("base"), _SIGNS.get(marker, marker.upper())


def _field_of(key: str) -> str | None:
    field = _BY_NAME.get(key)
    if field is None:
        base, currency = header_currency(key)
        if currency is not None and _BY_NAME.get(base) in _PRICED:
            field = _BY_NAME[base]
    return field


def suggest_mapping(headers: Sequence[str], rows: Sequence[Sequence[str]] = ()) -> dict[str, str]:
    """Return {header: FeedOffer field} for the headers we recognise, one column per field.

    The one decision of which column fills which field: the parser (and so the CLI) reads a
    file by it, and the portal pre-fills its mapping page with it. Several headers may map to
    "param"; every other field gets one column, so the suggestion can be saved as it is.

    When several columns could fill a field, the first wins in this order: a column that has a
    value in the sample ``rows`` (the first rows below the header) before an empty one, then the
    field's preferred names (a Prom.ua sheet's offer id, see ``_PROM_ID``), then column order,
    then the last resorts. A last resort that loses (a Prom sheet's own position number) becomes
    "sku_fallback": the offer id of the rows whose chosen id cell is empty, a field of its own so
    that the page shows it. A price header may name its currency ("Цена, USD"); without a name
    column, a "Description" column is the name. Unrecognised headers are left out.
    """
    prom = any(isinstance(h, str) and header_key(h) == _PROM_ID for h in headers)
    candidates: dict[str, list[tuple[bool, int, int, str]]] = {}
    mapping: dict[str, str] = {}
    seen: set[str] = set()
    for position, header in enumerate(headers):
        if not isinstance(header, str) or header in seen:
            continue  # a mapping names columns by header: a repeated header is its first column
        seen.add(header)
        key = header_key(header)
        field = _field_of(key)
        if key == _PROM_ID or (prom and key == _PROM_UNIQUE):
            field = "sku"
        elif prom and key == _PROM_ARTICLE:
            field = "mpn"
        if field is None:
            continue
        if field == "param":
            mapping[header] = field
            continue
        preferred, last = _PREFERRED.get(field, ()), _LAST_RESORT.get(field, ())
        rank = preferred.index(key) if key in preferred else len(preferred) + (2 if key in last else 1)
        empty = bool(rows) and not any(position < len(r) and str(r[position]).strip() for r in rows)
        candidates.setdefault(field, []).append((empty, rank, position, header))
    if "title" not in candidates and "description" in candidates:
        # A distributor's list often names its products in a "Description" column and has no other name.
        candidates["title"] = candidates.pop("description")
    for field, found in candidates.items():
        found.sort()
        mapping[found[0][3]] = field
        last = _LAST_RESORT.get(field, ())
        spare = [header for _, _, _, header in found[1:] if header_key(header) in last]
        if field in _FALLBACK and spare:
            mapping[spare[0]] = _FALLBACK[field]
    return {h: mapping[h] for h in headers if isinstance(h, str) and h in mapping}


def header_score(cells: Sequence[str]) -> int:
    """Return how many header-like fields a row names (a header row names at least two)."""
    return len({field for field in suggest_mapping(cells).values() if field in _HEADER_FIELDS})


def is_position_mapping(mapping: Mapping[str, str]) -> bool:
    """Say whether a mapping names columns by position ("#0", "#1", ...) for header-less files."""
    return bool(mapping) and all(re.fullmatch(r"#\d+", key) for key in mapping)


def infer_mapping(rows: Sequence[Sequence[str]]) -> dict[str, str]:
    """Guess {"#index": field} for a header-less table from its content.

    The column of the largest numbers is the price, a column of small whole numbers the
    stock, the longest text the title, the most distinct short code the sku, and a short
    text column with repeated values the brand. Return {} when no title, sku and price
    can be told apart.
    """
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        return {}
    width = max(len(r) for r in rows)
    numeric: list[tuple[float, int, bool]] = []  # (median, index, whole numbers only)
    texts: list[tuple[int, list[str]]] = []
    for index in range(width):
        values = [r[index].strip() for r in rows if index < len(r) and r[index].strip()]
        if len(values) < 0.5 * len(rows):
            continue
        numbers = [_number(v) for v in values]
        if all(n is not None for n in numbers) and not _looks_like_code(values):
            whole = all(float(n).is_integer() for n in numbers if n is not None)
            numeric.append((statistics.median(n for n in numbers if n is not None), index, whole))
        else:
            texts.append((index, values))
    if not numeric or len(texts) < 2:
        return {}
    numeric.sort(reverse=True)
    mapping = {f"#{numeric[0][1]}": "price"}
    stock = [(median, index) for median, index, whole in numeric[1:] if whole]
    if stock:
        mapping[f"#{min(stock)[1]}"] = "stock_quantity"
    texts.sort(key=lambda item: -statistics.mean(len(v) for v in item[1]))
    title_index, _ = texts[0]
    mapping[f"#{title_index}"] = "title"
    rest = texts[1:]
    # The sku: the most distinct column, preferring values without spaces.
    rest.sort(key=lambda item: (-_distinct(item[1]), _spaced(item[1]), item[0]))
    mapping[f"#{rest[0][0]}"] = "sku"
    for index, values in rest[1:]:
        if _distinct(values) < 0.9 and statistics.mean(len(v) for v in values) < 40:
            mapping[f"#{index}"] = "brand"
            break
    return dict(sorted(mapping.items(), key=lambda item: int(item[0][1:])))


def _number(value: str) -> float | None:
    if _LETTERS.search(value):
        return None
    try:
        return float(parse_price(value))
    except PriceError:
        return None


def _looks_like_code(values: Sequence[str]) -> bool:
    # Barcodes and part numbers made of digits: long, or with leading zeros.
    return statistics.mean(len(v) for v in values) >= 9 or any(len(v) > 1 and v.startswith("0") for v in values)


def _distinct(values: Sequence[str]) -> float:
    return len(set(values)) / len(values)


def _spaced(values: Sequence[str]) -> float:
    return sum(" " in v for v in values) / len(values)
