"""The synthetic catalog bench/search.py indexes: realistic offers, generated the same for a seed.

English, Russian and Ukrainian titles, brands, model codes written three ways, the Google
taxonomy's categories, prices, 60 suppliers and 1-5 sellers per product.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Kind:
    """A kind of goods: its Google taxonomy leaf, its names in three languages, a price range."""

    category: str
    en: str
    ru: str
    uk: str
    low: int
    high: int
    brands: tuple[str, ...]
    #: (English, Russian, Ukrainian) variants, e.g. sizes or colours.
    variants: tuple[tuple[str, str, str], ...]


_COLOURS = (("black", "чёрный", "чорний"), ("white", "белый", "білий"), ("red", "красный", "червоний"))
KINDS = (
    Kind(
        "Skillets & Frying Pans",
        "frying pan",
        "сковорода",
        "сковорода",
        300,
        4000,
        ("Tefal", "Hartwell", "Biol", "Kozak", "Ringel", "Rondell"),
        (("24 cm", "24 см", "24 см"), ("26 cm", "26 см", "26 см"), ("28 cm", "28 см", "28 см")),
    ),
    Kind(
        "Saucepans",
        "saucepan",
        "кастрюля",
        "каструля",
        400,
        3500,
        ("Tefal", "Hartwell", "Ringel", "Rondell", "Gipfel"),
        (("2 l", "2 л", "2 л"), ("3 l", "3 л", "3 л"), ("5 l", "5 л", "5 л")),
    ),
    Kind(
        "Kitchen Knives",
        "chef's knife",
        "нож кухонный",
        "ніж кухонний",
        200,
        3000,
        ("Fiskars", "Ferrum", "Tramontina", "Victorinox", "Zwilling"),
        (("18 cm", "18 см", "18 см"), ("20 cm", "20 см", "20 см")),
    ),
    Kind(
        "Cutting Boards",
        "cutting board",
        "разделочная доска",
        "обробна дошка",
        100,
        900,
        ("Verba", "Fiskars", "Tramontina"),
        (("oak", "дуб", "дуб"), ("bamboo", "бамбук", "бамбук")),
    ),
    Kind(
        "Electric Kettles",
        "electric kettle",
        "электрочайник",
        "електрочайник",
        500,
        3500,
        ("Bosch", "Philips", "Tefal", "Xiaomi", "Gorenje"),
        _COLOURS,
    ),
    Kind(
        "Coffee Makers & Espresso Machines",
        "coffee machine",
        "кофемашина",
        "кавоварка",
        3000,
        40000,
        ("DeLonghi", "Philips", "Krups", "Saeco"),
        _COLOURS[:2],
    ),
    Kind(
        "Vacuums",
        "vacuum cleaner",
        "пылесос",
        "пилосос",
        1500,
        25000,
        ("Dyson", "Samsung", "Philips", "Rowenta", "Xiaomi"),
        (("cordless", "беспроводной", "бездротовий"), ("bagless", "безмешковый", "безмішковий")),
    ),
    Kind(
        "Space Heaters",
        "convector heater",
        "конвектор",
        "конвектор",
        900,
        6000,
        ("Electrolux", "Ballu", "Термия", "Атем"),
        (("1 kW", "1 кВт", "1 кВт"), ("2 kW", "2 кВт", "2 кВт")),
    ),
    Kind(
        "Pruning Shears",
        "bypass pruner",
        "секатор",
        "секатор",
        150,
        1800,
        ("Fiskars", "Gardena", "Polissia", "Bahco"),
        (("plane", "плоскостной", "площинний"),),
    ),
    Kind(
        "Axes",
        "splitting axe",
        "топор-колун",
        "сокира-колун",
        400,
        3000,
        ("Fiskars", "Kozak", "Husqvarna"),
        (("1.6 kg", "1,6 кг", "1,6 кг"), ("2.5 kg", "2,5 кг", "2,5 кг")),
    ),
    Kind(
        "Lawn Mowers",
        "lawn mower",
        "газонокосилка",
        "газонокосарка",
        4000,
        30000,
        ("Bosch", "Makita", "Husqvarna", "Gardena", "Einhell"),
        (("electric", "электрическая", "електрична"), ("petrol", "бензиновая", "бензинова")),
    ),
    Kind(
        "Drills",
        "hammer drill",
        "дрель ударная",
        "дриль ударний",
        900,
        9000,
        ("Bosch", "Makita", "DeWalt", "Metabo", "Интерскол"),
        (("750 W", "750 Вт", "750 Вт"),),
    ),
    Kind(
        "Chainsaws",
        "chainsaw",
        "бензопила",
        "бензопила",
        3000,
        20000,
        ("Husqvarna", "Stihl", "Makita", "Einhell"),
        (("40 cm", "40 см", "40 см"),),
    ),
    Kind(
        "Garden Hoses",
        "garden hose",
        "шланг садовый",
        "шланг садовий",
        150,
        1500,
        ("Gardena", "Cellfast", "Bradas"),
        (("20 m", "20 м", "20 м"), ("50 m", "50 м", "50 м")),
    ),
    Kind(
        "Shovels & Spades",
        "spade",
        "лопата штыковая",
        "лопата штикова",
        150,
        1500,
        ("Fiskars", "Gardena", "Polissia"),
        (("steel", "стальная", "сталева"),),
    ),
    Kind(
        "Staplers",
        "stapler",
        "степлер",
        "степлер",
        50,
        600,
        ("Orbita", "Axent", "Buromax", "Rapid"),
        (("24/6", "24/6", "24/6"), ("No. 10", "№10", "№10")),
    ),
    Kind(
        "Pens",
        "ballpoint pen",
        "ручка шариковая",
        "ручка кулькова",
        10,
        300,
        ("Orbita", "Axent", "Buromax", "BIC", "Pilot"),
        (("blue", "синяя", "синя"), ("black", "чёрная", "чорна")),
    ),
    Kind(
        "Notebooks & Notepads",
        "notebook A5",
        "тетрадь А5",
        "зошит А5",
        15,
        200,
        ("Orbita", "Axent", "Buromax", "Leuchtturm"),
        (("96 sheets", "96 листов", "96 аркушів"),),
    ),
    Kind(
        "Mobile Phones",
        "smartphone",
        "смартфон",
        "смартфон",
        3000,
        60000,
        ("Samsung", "Apple", "Xiaomi", "Motorola", "Nokia"),
        (("128 GB", "128 ГБ", "128 ГБ"), ("256 GB", "256 ГБ", "256 ГБ")),
    ),
    Kind(
        "Laptops",
        "laptop",
        "ноутбук",
        "ноутбук",
        12000,
        90000,
        ("Lenovo", "Asus", "Acer", "HP", "Dell", "Apple"),
        (('15.6"', '15,6"', '15,6"'), ('14"', '14"', '14"')),
    ),
    Kind(
        "Headphones",
        "wireless headphones",
        "беспроводные наушники",
        "бездротові навушники",
        400,
        15000,
        ("Sony", "JBL", "Apple", "Xiaomi", "Sennheiser"),
        _COLOURS[:2],
    ),
    Kind(
        "Televisions",
        "LED TV",
        "телевизор",
        "телевізор",
        7000,
        80000,
        ("Samsung", "LG", "Sony", "Philips", "Xiaomi"),
        (('43"', '43"', '43"'), ('55"', '55"', '55"')),
    ),
    Kind(
        "Computer Monitors",
        "monitor",
        "монитор",
        "монітор",
        3000,
        30000,
        ("Dell", "LG", "Samsung", "Asus", "AOC"),
        (('24"', '24"', '24"'), ('27"', '27"', '27"')),
    ),
    Kind(
        "Backpacks",
        "city backpack",
        "рюкзак городской",
        "рюкзак міський",
        300,
        5000,
        ("Deuter", "Osprey", "Kite", "Xiaomi"),
        (("20 l", "20 л", "20 л"), ("30 l", "30 л", "30 л")),
    ),
    Kind(
        "Bicycles",
        "mountain bike",
        "горный велосипед",
        "гірський велосипед",
        8000,
        60000,
        ("Trek", "Merida", "Cannondale", "Formula"),
        (('29"', '29"', '29"'), ('27.5"', '27,5"', '27,5"')),
    ),
    Kind(
        "Tents",
        "camping tent",
        "палатка туристическая",
        "намет туристичний",
        1000,
        15000,
        ("Tramp", "Naturehike", "Coleman"),
        (("2-person", "2-местная", "2-місний"), ("4-person", "4-местная", "4-місний")),
    ),
    Kind(
        "Microwave Ovens",
        "microwave oven",
        "микроволновая печь",
        "мікрохвильова піч",
        2000,
        9000,
        ("Samsung", "LG", "Gorenje", "Whirlpool"),
        (("20 l", "20 л", "20 л"), ("23 l", "23 л", "23 л")),
    ),
    Kind(
        "Refrigerators",
        "refrigerator",
        "холодильник",
        "холодильник",
        9000,
        60000,
        ("Samsung", "LG", "Bosch", "Gorenje", "Indesit"),
        (("No Frost", "No Frost", "No Frost"),),
    ),
    Kind(
        "Washing Machines",
        "washing machine",
        "стиральная машина",
        "пральна машина",
        8000,
        40000,
        ("Bosch", "Samsung", "LG", "Electrolux", "Whirlpool"),
        (("7 kg", "7 кг", "7 кг"), ("9 kg", "9 кг", "9 кг")),
    ),
    Kind(
        "Hair Dryers",
        "hair dryer",
        "фен",
        "фен",
        400,
        12000,
        ("Philips", "Rowenta", "Dyson", "Braun"),
        (("2000 W", "2000 Вт", "2000 Вт"),),
    ),
    Kind(
        "Light Bulbs",
        "LED bulb",
        "лампа светодиодная",
        "лампа світлодіодна",
        30,
        300,
        ("Philips", "Osram", "Videx", "Eurolamp"),
        (("E27 10 W", "E27 10 Вт", "E27 10 Вт"),),
    ),
    Kind(
        "Toasters",
        "toaster",
        "тостер",
        "тостер",
        600,
        4000,
        ("Philips", "Bosch", "Tefal", "Russell Hobbs"),
        _COLOURS[:2],
    ),
    Kind(
        "Baby Strollers",
        "baby stroller",
        "детская коляска",
        "дитяча коляска",
        5000,
        40000,
        ("Cybex", "Anex", "Carrello", "Tutis"),
        (("2 in 1", "2 в 1", "2 в 1"),),
    ),
)
_DESCRIPTIONS = {
    "en": "Official warranty 12 months. Delivery across Ukraine by Nova Poshta, pick-up in Kyiv.",
    "ru": "Официальная гарантия 12 месяцев. Доставка по всей Украине Новой Почтой, самовывоз в Киеве.",
    "uk": "Офіційна гарантія 12 місяців. Доставка по всій Україні Новою Поштою, самовивіз у Києві.",
}
_CITIES = ("kyiv", "lviv", "odesa", "dnipro", "kharkiv", "poltava", "vinnytsia", "rivne", "sumy", "lutsk")
_TRADES = ("tech", "dom", "market", "shop", "trade", "opt", "store", "sklad")
SUPPLIER_SLUGS = tuple(f"{city}-{trade}" for city in _CITIES for trade in _TRADES[:6])  # 60 suppliers


@dataclass(frozen=True)
class BenchOffer:
    """One generated supplier offer, before it becomes a database row."""

    sku: str
    product_key: int
    supplier: str
    kind: Kind
    title: str
    title_uk: str | None
    brand: str
    model: str
    gtin: str
    description: str
    price: Decimal
    available: bool
    condition: str | None
    created_days_ago: int
    #: The supplier's params, (name, value), in its own language and spelling.
    params: tuple[tuple[str, str], ...] = ()


def _model_code(rng: random.Random, brand: str) -> str:
    letters = "".join(ch for ch in brand.upper() if "A" <= ch <= "Z")[:2] or "XX"
    suffix = rng.choice(("", "", "F", "X", "S", "PRO"))
    return f"{letters}-{rng.randint(100, 9999)}{suffix}"


def _written(rng: random.Random, code: str) -> str:
    """Return the code as one supplier writes it: "GD-4186F", "GD4186F" or "GD 4186F"."""
    return rng.choice((code, code, code.replace("-", ""), code.replace("-", " ")))


#: Params every kind's offers state, by language (en, ru, uk): (name, values). A supplier writes
#: them in its own language and, for numbers, in one of several units, as real feeds do.
_PARAM_COLOURS = (("Black", "Черный", "Чорний"), ("White", "Белый", "Білий"), ("Grey", "Серый", "Сірий"),
                  ("Red", "Красный", "Червоний"), ("Blue", "Синий", "Синій"))  # fmt: skip
_COUNTRIES = (("China", "Китай", "Китай"), ("Poland", "Польша", "Польща"), ("Germany", "Германия", "Німеччина"),
              ("Ukraine", "Украина", "Україна"), ("Turkey", "Турция", "Туреччина"))  # fmt: skip
_MATERIALS = (("Steel", "Сталь", "Сталь"), ("Plastic", "Пластик", "Пластик"), ("Aluminium", "Алюминий", "Алюміній"))


def _params(product: int, language: str, seed: int) -> tuple[tuple[str, str], ...]:
    """Return a product's params as one supplier writes them; drawn from an RNG of their own.

    The product's values are fixed by its number (every seller states the same colour), so the
    offers the main RNG draws stay exactly those of earlier runs.
    """
    rng = random.Random(seed * 1_000_003 + product)
    lang = ("en", "ru", "uk").index(language)
    names = (("Colour", "Цвет", "Колір"), ("Weight", "Вес", "Вага"), ("Power", "Мощность", "Потужність"),
             ("Country", "Страна", "Країна"), ("Material", "Материал", "Матеріал"),
             ("Warranty", "Гарантия", "Гарантія"), ("Article", "Артикул", "Артикул"))  # fmt: skip
    grams = rng.randrange(200, 20_000, 50)
    watts = rng.randrange(300, 3_000, 100)
    params = [
        (names[0][lang], rng.choice(_PARAM_COLOURS)[lang]),
        # Weight in kg or in grams, power in W or kW: one number each once normalised.
        (names[1][lang], f"{grams / 1000:g} кг" if rng.random() < 0.5 else f"{grams} г"),
        (names[2][lang] + (", Вт" if lang else ", W"), str(watts)),
        (names[3][lang], rng.choice(_COUNTRIES)[lang]),
        (names[4][lang], rng.choice(_MATERIALS)[lang]),
        (names[5][lang], f"{rng.choice((12, 24, 36))}"),
        (names[6][lang], f"A-{product}-{rng.randrange(10**6)}"),
    ]
    return tuple(params[: rng.randint(4, len(params))])


def generate_offers(count: int, seed: int = 42) -> Iterator[BenchOffer]:
    """Yield ``count`` offers of about ``count / 2.2`` products, deterministically from ``seed``."""
    rng = random.Random(seed)
    made = 0
    product = 0
    while made < count:
        product += 1
        kind = rng.choice(KINDS)
        brand = rng.choice(kind.brands)
        model = _model_code(rng, brand)
        variant = rng.choice(kind.variants)
        base = rng.uniform(kind.low, kind.high)
        gtin = f"482{rng.randint(0, 10**9 - 1):09d}0"
        sellers = rng.sample(SUPPLIER_SLUGS, min(count - made, rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))))
        for supplier in sellers:
            language = ("en", "ru", "uk")[hash(supplier) % 3] if rng.random() < 0.9 else rng.choice(("en", "ru", "uk"))
            code = _written(rng, model)
            en = f"{brand} {kind.en.capitalize()} {code} {variant[0]}"
            ru = f"{kind.ru.capitalize()} {brand} {code} {variant[1]}"
            uk = f"{kind.uk.capitalize()} {brand} {code} {variant[2]}"
            title, title_uk = {"en": (en, None), "ru": (ru, uk if rng.random() < 0.5 else None), "uk": (uk, None)}[
                language
            ]
            condition = rng.choices((None, "new", "used", "refurbished"), (70, 22, 5, 3))[0]
            yield BenchOffer(
                sku=f"{supplier[:3]}-{product}-{made}",
                product_key=product,
                supplier=supplier,
                kind=kind,
                title=title,
                title_uk=title_uk,
                brand=brand,
                model=model,
                gtin=gtin if rng.random() < 0.7 else "",
                description=f"{title}. {_DESCRIPTIONS[language]}",
                price=Decimal(str(round(base * rng.uniform(0.9, 1.15)))),
                available=rng.random() < 0.85,
                condition=condition,
                created_days_ago=rng.randint(0, 720),
                params=_params(product, language, seed),
            )
            made += 1
