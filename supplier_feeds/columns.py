"""Map a table's columns (CSV, Excel) to FeedOffer fields: from header names, or from content.

Pure functions; the portal calls ``suggest_mapping`` to pre-fill the supplier's column mapping.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence

from .normalize import PriceError, parse_price

#: Fields a column may be mapped to: FeedOffer fields, plus "sale_price" (replaces the price
#: when lower) and "param" (the column becomes a (header, value) parameter).
FIELDS = (
    "sku",
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
    "param": ("країна виробник", "страна", "країна", "country", "год", "рік", "сезон", "season", "колір", "цвет"),
}
_BY_NAME = {name: field for field, names in SYNONYMS.items() for name in names}
#: Fields that mark a row as the header row of a table.
_HEADER_FIELDS = frozenset({"sku", "title", "price", "stock_quantity", "available", "currency", "brand", "gtin", "mpn"})
_PROM_ID = "ідентифікатор товару"
_PROM_UNIQUE = "унікальний ідентифікатор"
_LETTERS = re.compile(r"[^\W\d_]")


def header_key(name: str) -> str:
    """Normalise a column name for the synonym table ("Код_товару " -> "код товару")."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]", " ", name.casefold())).strip(" *:\ufeff")


def suggest_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Return {header: FeedOffer field} for the headers we recognise (first column wins a field).

    Several headers may map to "param". Unrecognised headers are left out. A Prom.ua
    export maps its offer id ("Ідентифікатор_товару", the id its YML feeds use, so that
    Prom price updates find the offers) to sku, with "Унікальний_ідентифікатор" as the
    fallback, and its "Код_товару" (the seller's article) to mpn. When several headers map
    to one field, the first non-empty cell in the mapping's order wins.
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    keys = {header_key(h): h for h in headers if isinstance(h, str)}
    if _PROM_ID in keys:
        mapping[keys[_PROM_ID]] = "sku"
        if _PROM_UNIQUE in keys:
            mapping[keys[_PROM_UNIQUE]] = "sku"
        taken.add("sku")
        mpn = [h for h in headers if isinstance(h, str) and _BY_NAME.get(header_key(h)) == "mpn"]
        if "код товару" in keys:
            mapping.update({h: "mpn" for h in mpn})
            mapping[keys["код товару"]] = "mpn"
            taken.add("mpn")
    for header in headers:
        if not isinstance(header, str) or header in mapping:
            continue
        field = _BY_NAME.get(header_key(header))
        if field is None or (field in taken and field != "param"):
            continue
        mapping[header] = field
        taken.add(field)
    return mapping


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
