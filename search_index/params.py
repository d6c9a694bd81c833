"""Suppliers' params normalised into facets: one name, one unit and one spelling per meaning.

"Діаметр", "Диаметр", "Diameter" and "діаметр, мм" are one facet (``diameter``); "28 cm" and
"280 мм" are one number in one unit (millimetres); "Зимние" and "зимові" are one value
(``winter``), and a tyre's "R16", "16\"" and "R 16" too. The tables below are the whole of it,
kept small on purpose: a name not in them is still a facet, keyed by its own spelling
(case and spaces folded), and labelled as the supplier wrote it.

Which facets a category shows is not listed here: the index picks them from what its offers
carry (``search_index.param_facets``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = [
    "KNOWN_FACETS",
    "NormalParam",
    "facet_label",
    "normalize_name",
    "normalize_param",
    "normalize_params",
    "normalize_unit",
    "normalize_value",
    "unit_label",
    "value_label",
]


@dataclass(frozen=True, slots=True)
class _Facet:
    #: The facet's name in "en", "uk" and "ru".
    labels: Mapping[str, str]
    #: Names suppliers write for it, folded (see ``_fold``), besides its labels.
    aliases: tuple[str, ...] = ()


#: Facets whose name is known in three languages, by key.
KNOWN_FACETS: Mapping[str, _Facet] = {
    "diameter": _Facet(
        {"en": "Diameter", "uk": "Діаметр", "ru": "Диаметр"}, ("посадковий діаметр", "посадочный диаметр")
    ),
    "width": _Facet({"en": "Width", "uk": "Ширина", "ru": "Ширина"}, ("ширина профілю", "ширина профиля")),
    "height": _Facet({"en": "Height", "uk": "Висота", "ru": "Высота"}),
    "length": _Facet({"en": "Length", "uk": "Довжина", "ru": "Длина"}),
    "profile": _Facet({"en": "Profile", "uk": "Профіль", "ru": "Профиль"}, ("висота профілю", "высота профиля")),
    "season": _Facet({"en": "Season", "uk": "Сезон", "ru": "Сезон"}, ("сезонність", "сезонность")),
    "color": _Facet({"en": "Colour", "uk": "Колір", "ru": "Цвет"}, ("color", "колір товару", "цвет товара")),
    "material": _Facet({"en": "Material", "uk": "Матеріал", "ru": "Материал"}),
    "power": _Facet({"en": "Power", "uk": "Потужність", "ru": "Мощность"}, ("номінальна потужність",)),
    "voltage": _Facet({"en": "Voltage", "uk": "Напруга", "ru": "Напряжение"}),
    "weight": _Facet({"en": "Weight", "uk": "Вага", "ru": "Вес"}, ("маса", "масса")),
    "volume": _Facet({"en": "Volume", "uk": "Об'єм", "ru": "Объем"}, ("ємність", "емкость", "объём")),
    "country": _Facet(
        {"en": "Country of origin", "uk": "Країна виробництва", "ru": "Страна производства"},
        (
            "країна",
            "країна виробник",
            "країна-виробник",
            "страна",
            "страна производитель",
            "страна-производитель",
            "country",
        ),
    ),
    "year": _Facet({"en": "Year", "uk": "Рік", "ru": "Год"}, ("рік випуску", "год выпуска")),
    "warranty": _Facet({"en": "Warranty", "uk": "Гарантія", "ru": "Гарантия"}, ("гарантійний термін",)),
}

#: Names that are never facets: identifiers and what the brand facet already shows.
_NOT_FACETS = frozenset(
    (
        "артикул", "article", "код", "code", "код товару", "код товара", "sku", "штрихкод", "штрих-код",
        "barcode", "ean", "gtin", "модель", "model", "mpn", "бренд", "brand", "виробник", "производитель",
        "vendor", "manufacturer", "торгова марка", "торговая марка",
    )
)  # fmt: skip

#: Units by how suppliers write them (folded), as (canonical unit, factor to it).
_UNITS: Mapping[str, tuple[str, Decimal]] = {
    **dict.fromkeys(("мм", "mm", "міліметр", "миллиметр"), ("mm", Decimal(1))),
    **dict.fromkeys(("см", "cm", "сантиметр"), ("mm", Decimal(10))),
    **dict.fromkeys(("м", "m", "метр"), ("mm", Decimal(1000))),
    **dict.fromkeys(("г", "гр", "g", "грам", "грамм"), ("kg", Decimal("0.001"))),
    **dict.fromkeys(("кг", "kg"), ("kg", Decimal(1))),
    **dict.fromkeys(("вт", "w"), ("W", Decimal(1))),
    **dict.fromkeys(("квт", "kw"), ("W", Decimal(1000))),
    **dict.fromkeys(("в", "v", "вольт"), ("V", Decimal(1))),
    **dict.fromkeys(("л", "l", "літр", "литр"), ("l", Decimal(1))),
    **dict.fromkeys(("мл", "ml"), ("l", Decimal("0.001"))),
    **dict.fromkeys(('"', "''", "дюйм", "дюйми", "дюймів", "дюйма", "дюймов", "inch", "in"), ("in", Decimal(1))),
}
#: Canonical units as shown, by language.
_UNIT_LABELS: Mapping[str, Mapping[str, str]] = {
    "mm": {"en": "mm", "uk": "мм", "ru": "мм"},
    "kg": {"en": "kg", "uk": "кг", "ru": "кг"},
    "W": {"en": "W", "uk": "Вт", "ru": "Вт"},
    "V": {"en": "V", "uk": "В", "ru": "В"},
    "l": {"en": "l", "uk": "л", "ru": "л"},
    "in": {"en": "in", "uk": "дюйм", "ru": "дюйм"},
}

#: Values of one meaning, by facet: value key -> its labels and the spellings suppliers use (folded).
_VALUES: Mapping[str, Mapping[str, tuple[Mapping[str, str], tuple[str, ...]]]] = {
    "season": {
        "winter": ({"en": "Winter", "uk": "Зимові", "ru": "Зимние"},
                   ("зима", "зимові", "зимова", "зимовий", "зимние", "зимняя", "зимний", "winter")),
        "summer": ({"en": "Summer", "uk": "Літні", "ru": "Летние"},
                   ("літо", "літні", "літня", "літній", "лето", "летние", "летняя", "летний", "summer")),
        "all-season": ({"en": "All-season", "uk": "Всесезонні", "ru": "Всесезонные"},
                       ("всесезонні", "всесезонна", "всесезонний", "всесезонные", "всесезонная", "всесезонный",
                        "all-season", "all season", "всесезон")),
    },
    "color": {
        "black": ({"en": "Black", "uk": "Чорний", "ru": "Черный"}, ("чорний", "чорна", "черный", "черная", "black")),
        "white": ({"en": "White", "uk": "Білий", "ru": "Белый"}, ("білий", "біла", "белый", "белая", "white")),
        "grey": ({"en": "Grey", "uk": "Сірий", "ru": "Серый"}, ("сірий", "сіра", "серый", "серая", "grey", "gray")),
        "red": ({"en": "Red", "uk": "Червоний", "ru": "Красный"}, ("червоний", "червона", "красный", "красная", "red")),
        "blue": ({"en": "Blue", "uk": "Синій", "ru": "Синий"}, ("синій", "синя", "синий", "синяя", "blue")),
        "green": ({"en": "Green", "uk": "Зелений", "ru": "Зеленый"},
                  ("зелений", "зелена", "зеленый", "зеленая", "green")),
        "orange": ({"en": "Orange", "uk": "Помаранчевий", "ru": "Оранжевый"},
                   ("помаранчевий", "помаранчева", "оранжевый", "оранжевая", "orange")),
    },
    "*": {
        "yes": ({"en": "Yes", "uk": "Так", "ru": "Да"}, ("так", "да", "є", "есть", "yes")),
        "no": ({"en": "No", "uk": "Ні", "ru": "Нет"}, ("ні", "нет", "немає", "no")),
    },
}  # fmt: skip

_ALIASES: dict[str, str] = {}
_VALUE_ALIASES: dict[tuple[str, str], str] = {}

# "Діаметр, мм", "Діаметр (мм)", "Power [W]": a name with its unit.
_NAME_UNIT = re.compile(
    r"^(?P<name>.+?)\s*(?:,\s*(?P<comma>[^,()\[\]]{1,12})|\((?P<paren>[^()]{1,12})\)|\[(?P<bracket>[^\[\]]{1,12})\])\s*$"
)
# "1 500", "1,5", "2000W", "16\"": a number and what follows it.
_NUMBER = re.compile(r"^(?P<number>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<fraction>\d+))?\s*(?P<unit>\D.*)?$")
# A tyre's or a wheel's rim size: "R16", "R 16", "R17.5", "16\"", "16 дюймів" (with the inch unit split off).
_RIM = re.compile(r"^r\s?(?P<size>\d{2}(?:[.,]5)?)c?$")
# A word with digits stuck to its end: "зимние2".
_GLUED_DIGITS = re.compile(r"^([^\W\d_]{3,})\d{1,2}$")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "ё": "е", "\u00a0": " "})


def _fold(text: str) -> str:
    """Return ``text`` folded for comparing: NFKC, case, apostrophes, "ё", runs of spaces, edge punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return " ".join(text.split()).strip(" :.;-")


def _index_tables() -> None:
    for key, facet in KNOWN_FACETS.items():
        for name in (*facet.labels.values(), *facet.aliases):
            _ALIASES[_fold(name)] = key
    for key, values in _VALUES.items():
        for value, (labels, spellings) in values.items():
            for spelling in (*labels.values(), *spellings):
                _VALUE_ALIASES[(key, _fold(spelling))] = value


_index_tables()


@dataclass(frozen=True, slots=True)
class NormalParam:
    """One param of one offer, normalised."""

    #: The facet: a key of :data:`KNOWN_FACETS`, or the supplier's name folded.
    key: str
    #: The name as the supplier wrote it, without its unit: the label of an unknown facet.
    name: str
    #: The canonical unit of a number ("mm", "kg", "W", ...), or "".
    unit: str
    #: The value's key: a number in ``unit`` ("280"), a known value ("winter"), or the value folded.
    value: str
    #: The value as shown when it is not a known one: the supplier's spelling, or the number.
    label: str
    #: True when ``value`` is a number.
    numeric: bool = False


def normalize_unit(unit: str) -> tuple[str, Decimal] | None:
    """Return a unit as (canonical unit, factor to it), or None for one the table does not know."""
    return _UNITS.get(_fold(unit).rstrip("."))


def normalize_name(name: str) -> tuple[str, str, str] | None:
    """Return (facet key, the name without its unit, the unit written in the name), or None for a non-facet.

    >>> normalize_name("Діаметр, мм")
    ('diameter', 'Діаметр', 'мм')
    """
    name = " ".join(name.split()).strip(" :")
    unit = ""
    match = _NAME_UNIT.match(name)
    if match and normalize_unit(match.group("comma") or match.group("paren") or match.group("bracket")):
        unit = (match.group("comma") or match.group("paren") or match.group("bracket")).strip()
        name = match.group("name").strip()
    folded = _fold(name)
    if not folded or folded in _NOT_FACETS or len(folded) > 60:
        return None
    return _ALIASES.get(folded, folded), name, unit


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    """Return a number without exponent or trailing zeros: 280, 0.25, 1500."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def normalize_value(key: str, value: str, name_unit: str = "") -> tuple[str, str, str, bool] | None:
    """Return (value key, label, canonical unit, numeric) of one value of facet ``key``; None when empty.

    A number with a known unit (in the value, or else in the name) becomes a number in the
    canonical unit. A diameter in inches or written "R16" is a rim size, "R16", not a number.
    """
    label = " ".join(value.split())
    folded = _fold(label)
    if not folded:
        return None
    known = _known_value(key, folded)
    if known is None and (glued := _GLUED_DIGITS.match(folded)):
        # A 1C export's "Зимние2": a known word with a digit stuck to it is still that word.
        known = _known_value(key, glued.group(1))
    if known:
        return known, known, "", False
    rim = _RIM.match(folded)
    match = _NUMBER.match(folded)
    unit_text = (match.group("unit") or "").strip() if match else ""
    converted = normalize_unit(unit_text or name_unit) if match else None
    if key == "diameter":
        size = rim.group("size") if rim else None
        if size is None and match and converted and converted[0] == "in":
            size = match.group("number") + (f".{match.group('fraction')}" if match.group("fraction") else "")
        if size is not None:
            rim_size = _plain(Decimal(size.replace(",", ".").replace(" ", "")))
            return f"r{rim_size}", f"R{rim_size}", "", False
    if match is None or (unit_text and converted is None):
        return folded, label, "", False
    whole = "".join(match.group("number").split())
    number = _number(f"{whole}.{match.group('fraction')}" if match.group("fraction") else whole)
    if number is None:
        return folded, label, "", False
    unit = ""
    if converted is not None:
        unit, factor = converted
        number *= factor
    text = _plain(number)
    return text, text, unit, True


def _known_value(key: str, folded: str) -> str | None:
    return _VALUE_ALIASES.get((key, folded)) or _VALUE_ALIASES.get(("*", folded))


@functools.lru_cache(maxsize=65_536)
def normalize_param(name: str, value: str) -> NormalParam | None:
    """Return one param normalised, or None for a param that is no facet (an id, the brand, empty).

    Cached: a catalog repeats the same few thousand pairs (colours, countries, sizes) across
    its offers, and a rebuild normalises every one.
    """
    named = normalize_name(name)
    if named is None:
        return None
    key, own_name, name_unit = named
    normal = normalize_value(key, value, name_unit)
    if normal is None:
        return None
    value_key, label, unit, numeric = normal
    return NormalParam(key, own_name, unit, value_key, label, numeric)


def normalize_params(pairs: Iterable[tuple[str, str]]) -> list[NormalParam]:
    """Return an offer's params normalised, each facet once (the first value stated wins)."""
    found: dict[str, NormalParam] = {}
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        name, value = pair
        param = normalize_param(name if type(name) is str else str(name), value if type(value) is str else str(value))
        if param is not None and param.key not in found:
            found[param.key] = param
    return list(found.values())


def facet_label(key: str, locale: str, fallback: str) -> str:
    """Return a facet's name in ``locale`` ("uk", "ru", "en") when it is known, else ``fallback``."""
    facet = KNOWN_FACETS.get(key)
    if facet is None:
        return fallback
    return facet.labels.get(locale[:2], facet.labels["en"])


def value_label(key: str, value: str, locale: str, fallback: str) -> str:
    """Return a known value's label in ``locale``, else ``fallback`` (the supplier's spelling)."""
    for table in (_VALUES.get(key, {}), _VALUES["*"]):
        if value in table:
            labels = table[value][0]
            return labels.get(locale[:2], labels["en"])
    return fallback


def unit_label(unit: str, locale: str) -> str:
    """Return a canonical unit as written in ``locale``."""
    labels = _UNIT_LABELS.get(unit)
    return unit if labels is None else labels.get(locale[:2], labels["en"])
