"""The invented demo catalog, and the price lists its suppliers "send" (YML and CSV).

The feeds are rendered here and imported through the real import path, so the demo also
proves that path. Brands and shops are invented.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from marketplace.exports import csv_writer
from supplier_feeds.gtin import gtin_check_digit


def gtin13(seed: int) -> str:
    """Return a valid EAN-13 in the 482 (Ukraine) prefix range, derived from ``seed``."""
    body = f"482{seed:09d}"
    return body + str(gtin_check_digit(body))


@dataclass(frozen=True)
class DemoProduct:
    key: str
    title_en: str
    title_uk: str
    brand: str
    model: str
    category: str  #: a Google taxonomy leaf name, which the importer maps by name
    price: Decimal  #: a typical price in UAH
    description: str
    gtin: str


P = DemoProduct
PRODUCTS: dict[str, DemoProduct] = {
    p.key: p
    for p in [
        P(
            "pan28",
            "Hartwell Steel frying pan 28 cm",
            "Сковорода Hartwell Steel 28 см",
            "Hartwell",
            "HS-28",
            "Skillets & Frying Pans",
            Decimal("1899"),
            "Tri-ply stainless steel pan for every hob, including induction.",
            gtin13(1001),
        ),
        P(
            "pan24",
            "Hartwell Steel frying pan 24 cm",
            "Сковорода Hartwell Steel 24 см",
            "Hartwell",
            "HS-24",
            "Skillets & Frying Pans",
            Decimal("1549"),
            "The smaller sister of the HS-28, for omelettes and sauces.",
            gtin13(1002),
        ),
        P(
            "wok",
            "Kozak Cast iron wok 32 cm",
            "Вок чавунний Kozak 32 см",
            "Kozak",
            "KW-32",
            "Skillets & Frying Pans",
            Decimal("2450"),
            "Pre-seasoned cast iron, made in Ukraine.",
            gtin13(1003),
        ),
        P(
            "saucepan",
            "Hartwell Saucepan 2 l with glass lid",
            "Каструля Hartwell 2 л зі скляною кришкою",
            "Hartwell",
            "HC-20",
            "Saucepans",
            Decimal("1290"),
            "Stainless steel saucepan with a measuring scale inside.",
            gtin13(1004),
        ),
        P(
            "chef",
            "Ferrum Chef's knife 20 cm",
            "Ніж кухарський Ferrum 20 см",
            "Ferrum",
            "FK-200",
            "Kitchen Knives",
            Decimal("980"),
            "Forged chef's knife, 56 HRC, full tang.",
            gtin13(1005),
        ),
        P(
            "santoku",
            "Ferrum Santoku knife 18 cm",
            "Ніж сантоку Ferrum 18 см",
            "Ferrum",
            "FS-180",
            "Kitchen Knives",
            Decimal("890"),
            "Hollow-edge santoku for thin slices.",
            gtin13(1006),
        ),
        P(
            "board",
            "Verba Oak cutting board 40x25",
            "Дошка обробна Verba дуб 40x25",
            "Verba",
            "VB-4025",
            "Cutting Boards",
            Decimal("650"),
            "End-grain oak board, oiled.",
            gtin13(1007),
        ),
        P(
            "shears",
            "Ferrum Kitchen shears",
            "Ножиці кухонні Ferrum",
            "Ferrum",
            "FN-21",
            "Kitchen Shears",
            Decimal("420"),
            "Detachable blades for easy cleaning.",
            gtin13(1008),
        ),
        P(
            "pruner",
            "Polissia Bypass pruner GD-4186F",
            "Секатор площинний Polissia GD-4186F",
            "Polissia",
            "GD-4186F",
            "Pruning Shears",
            Decimal("720"),
            "Bypass pruner for live branches up to 20 mm.",
            gtin13(1009),
        ),
        P(
            "lopper",
            "Polissia Anvil lopper 70 cm",
            "Сучкоріз контактний Polissia 70 см",
            "Polissia",
            "GL-700",
            "Pruning Shears",
            Decimal("1350"),
            "Anvil lopper for dry wood up to 45 mm.",
            gtin13(1010),
        ),
        P(
            "axe",
            "Kozak Splitting axe 1.6 kg",
            "Сокира-колун Kozak 1,6 кг",
            "Kozak",
            "KA-16",
            "Axes",
            Decimal("1180"),
            "Fibreglass handle, hardened head.",
            gtin13(1011),
        ),
        P(
            "stapler",
            "Orbita Stapler No. 24/6, 30 sheets",
            "Степлер Orbita №24/6 на 30 аркушів",
            "Orbita",
            "OS-246",
            "Staplers",
            Decimal("185"),
            "Metal stapler for 24/6 staples.",
            gtin13(1012),
        ),
        P(
            "pens",
            "Orbita Ballpoint pens, blue, 10 pcs",
            "Ручки кулькові Orbita сині, 10 шт",
            "Orbita",
            "OP-10B",
            "Pens",
            Decimal("79"),
            "Smooth oil-based ink, 0.7 mm.",
            gtin13(1013),
        ),
        P(
            "notebook",
            "Orbita Notebook A5, 96 sheets, squared",
            "Зошит Orbita A5, 96 аркушів, клітинка",
            "Orbita",
            "ON-A596",
            "Notebooks & Notepads",
            Decimal("64"),
            "Office notebook with a hard cover.",
            gtin13(1014),
        ),
        P(
            "officeset",
            "Orbita Office stationery set, 12 items",
            "Офісний канцелярський набір Orbita, 12 предметів",
            "Orbita",
            "OSET-12",
            "General Office Supplies",
            Decimal("540"),
            "Stapler, pens, scissors, ruler and more in a desk organiser.",
            gtin13(1015),
        ),
    ]
}


@dataclass(frozen=True)
class DemoSupplier:
    slug: str
    name: str
    store_url: str
    email: str
    description: str
    feed_format: str  #: "yml" or "csv"
    #: (product key, price factor, available)
    assortment: tuple[tuple[str, Decimal, bool], ...]


D = Decimal
SUPPLIERS = [
    DemoSupplier(
        "kyiv-kitchen",
        "Kyiv Kitchen",
        "https://kyiv-kitchen.example/",
        "sales@kyiv-kitchen.example",
        "Cookware and knives from Podil since 2009.",
        "yml",
        (
            ("pan28", D("1.00"), True),
            ("pan24", D("1.00"), True),
            ("wok", D("1.04"), True),
            ("saucepan", D("0.97"), True),
            ("chef", D("1.05"), True),
            ("santoku", D("1.00"), False),
            ("board", D("1.10"), True),
            ("shears", D("0.95"), True),
        ),
    ),
    DemoSupplier(
        "sad-horod",
        "Sad & Horod",
        "https://sad-horod.example/",
        "hello@sad-horod.example",
        "Garden tools with delivery across Ukraine.",
        "yml",
        (
            ("pruner", D("1.00"), True),
            ("lopper", D("0.98"), True),
            ("axe", D("1.00"), True),
            ("shears", D("1.02"), True),
            ("chef", D("0.99"), True),
            ("board", D("0.95"), True),
        ),
    ),
    DemoSupplier(
        "office-point",
        "Office Point",
        "https://office-point.example/",
        "orders@office-point.example",
        "Stationery for offices and schools, wholesale and retail.",
        "csv",
        (
            ("stapler", D("1.00"), True),
            ("pens", D("0.96"), True),
            ("notebook", D("1.00"), True),
            ("officeset", D("1.00"), True),
            ("shears", D("1.08"), True),
            ("pan28", D("1.06"), True),
        ),
    ),
    DemoSupplier(
        "dnipro-tools",
        "Dnipro Tools",
        "https://dnipro-tools.example/",
        "info@dnipro-tools.example",
        "Hand tools for the garden and the workshop.",
        "csv",
        (
            ("pruner", D("0.94"), True),
            ("lopper", D("1.03"), False),
            ("axe", D("0.97"), True),
            ("stapler", D("1.05"), True),
            ("officeset", D("0.93"), True),
            ("pan28", D("0.98"), True),
            ("wok", D("1.00"), True),
        ),
    ),
]


def _price(product: DemoProduct, factor: Decimal) -> Decimal:
    return (product.price * factor).quantize(Decimal("1"))


def render_yml(supplier: DemoSupplier) -> bytes:
    """Render the supplier's assortment as a YML catalog, as a Ukrainian shop would export it."""
    root = etree.Element("yml_catalog", date="2026-11-01 09:00")
    shop = etree.SubElement(root, "shop")
    etree.SubElement(shop, "name").text = supplier.name
    etree.SubElement(shop, "company").text = supplier.name
    etree.SubElement(shop, "url").text = supplier.store_url
    currencies = etree.SubElement(shop, "currencies")
    etree.SubElement(currencies, "currency", id="UAH", rate="1")
    categories = etree.SubElement(shop, "categories")
    names = sorted({PRODUCTS[key].category for key, _, _ in supplier.assortment})
    ids = {name: str(10 + i) for i, name in enumerate(names)}
    for name in names:
        etree.SubElement(categories, "category", id=ids[name]).text = name
    offers = etree.SubElement(shop, "offers")
    for key, factor, available in supplier.assortment:
        product = PRODUCTS[key]
        offer = etree.SubElement(
            offers, "offer", id=f"{supplier.slug[:3].upper()}-{key}", available="true" if available else "false"
        )
        etree.SubElement(offer, "url").text = f"{supplier.store_url}p/{key}"
        etree.SubElement(offer, "price").text = str(_price(product, factor))
        etree.SubElement(offer, "currencyId").text = "UAH"
        etree.SubElement(offer, "categoryId").text = ids[product.category]
        # No <picture>: the demo stores do not exist, so a browser could never load one.
        etree.SubElement(offer, "vendor").text = product.brand
        etree.SubElement(offer, "vendorCode").text = product.model
        etree.SubElement(offer, "barcode").text = product.gtin
        etree.SubElement(offer, "name").text = product.title_en
        etree.SubElement(offer, "name_ua").text = product.title_uk
        etree.SubElement(offer, "description").text = product.description
        etree.SubElement(offer, "param", name="Brand").text = product.brand
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_csv(supplier: DemoSupplier) -> bytes:
    """Render the assortment as a `;`-separated cp1251 CSV with Ukrainian headers, as 1C exports do."""
    out = io.StringIO()
    # Demo constants, not supplier data; still written the one way every CSV is (marketplace.exports).
    writer = csv_writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["Артикул", "Назва", "Ціна", "Валюта", "Наявність", "Категорія", "Виробник", "Штрихкод", "Посилання"]
    )
    for key, factor, available in supplier.assortment:
        product = PRODUCTS[key]
        writer.writerow(
            [
                f"{supplier.slug[:3].upper()}-{key}",
                product.title_uk,
                f"{_price(product, factor)},00",
                "UAH",
                "В наявності" if available else "Немає в наявності",
                product.category,
                product.brand,
                product.gtin,
                f"{supplier.store_url}p/{key}",
            ]
        )
    return out.getvalue().encode("cp1251")


def render_feed(supplier: DemoSupplier) -> bytes:
    """Return the supplier's price list in its format."""
    return render_yml(supplier) if supplier.feed_format == "yml" else render_csv(supplier)
