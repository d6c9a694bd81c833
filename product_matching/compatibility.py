"""Accessories from what suppliers state they fit: a compatibility param that names another product.

Shops describe an accessory with a param such as "Сумісність", "Совместимость", "Compatibility",
"Підходить для" or "Для моделі", whose value lists the models it fits: "Makita DHP482, DDF482",
"Samsung Galaxy S23 (SM-S911B)". When such a value names another product of the catalog, the
offer is that product's accessory, and the product is what the accessory fits.

Precision comes before recall: a wrong accessory tells a buyer that a part fits a device it does
not fit. So a link needs all of this (each rule is a mistake seen in feeds or likely in them):

1. **A compatibility param, by its name.** Only the names of :data:`COMPATIBILITY_NAMES`, never the
   description: descriptions say "сумісна з ранніми моделями серії Deluxe", which names a series,
   not a product.
2. **A model, not a purpose or a brand.** The value is split into items (commas, semicolons, line
   breaks, a spaced slash), and an item counts only when it names a model: a model code
   (:func:`~product_matching.codes.extract_codes`: letters and digits mixed, or a long part
   number; never a measure such as "12V" or "28 см"), or, word for word, a product's brand and
   stated model ("Samsung Galaxy S23") or a stated model that is itself a code ("iPhone15"). The
   real feeds show why: Fiskars' "Призначення: підходить для заготівлі дров" is a purpose, and a
   brand alone ("Samsung") fits no one product.
3. **The product states that model as its own.** Its codes come from its title before any "для" /
   "for" (a case titled "Чохол для SM-S911B" is not an SM-S911B) and from its model and MPN
   fields. Codes agree as :func:`~product_matching.codes.same_code` says (a colour or region
   suffix, "SM-S911B" / "SM-S911U"): a case fits every region's phone. An exact code ranks first.
4. **Another kind of product.** Both products have a category and the categories differ: within
   one category a stated "compatible" part number is a cross-reference to an equivalent part
   (brake pads that replace OEM pads), a substitute rather than an accessory.
5. **Not an accessory of an accessory.** A product that itself states compatibility is never
   the product an accessory fits: a screen protector "for SM-S911B" does not go with a case "for
   SM-S911B".
6. **A model, not a family.** An item matching more than :data:`MAX_PRODUCTS_PER_ITEM` products
   names a line, and is dropped.

A pure library function: it takes :class:`Listing` records and returns :class:`Fit` links.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from product_matching.brands import normalize_brand
from product_matching.codes import MIN_CODE_LENGTH, extract_codes, fold, is_code, normalize_code, same_code

#: Param names (folded, punctuation dropped) that state what an offer fits, matched at the name's start:
#: "Сумісність з моделями" and "Совместимые модели" count, "Сумісна" (a misspelling) does too.
COMPATIBILITY_NAMES = (
    "сумісн",
    "совмест",
    "compatib",
    "підходить для",
    "подходит для",
    "для моделі",
    "для моделей",
    "для модели",
    "fits",
    "fit for",
    "suitable for",
)
#: An item that names more products than this names a line of them, not a model (rule 6).
MAX_PRODUCTS_PER_ITEM = 10
#: A link through an identical code or model; one through a code that agrees up to a colour or region suffix.
EXACT, VARIANT = 1.0, 0.5
_TRAILING_LETTERS = re.compile(r"[^\W\d_]+$")
_ITEM_SPLIT = re.compile(r"[,;|\n\r]+|\s/\s")
_NAME_CLEAN = re.compile(r"[^\w ]+")
#: Words after which a title names what a product fits, not what it is: "Чохол для SM-S911B".
_FITS_WORD = re.compile(r"(?i)(?<!\w)(для|for|під|под|fits|compatible)(?!\w)")


@dataclass(frozen=True, slots=True)
class Listing:
    """One offer as the compatibility rule reads it."""

    #: The product the offer belongs to.
    product: Hashable
    #: The product's category; ``None`` when unknown (such an offer links nothing, rule 4).
    category: Hashable | None
    title: str
    brand: str | None = None
    #: The feed's model field: "Galaxy S23", "DHP482".
    model: str | None = None
    #: Part numbers in their own fields (MPN, vendorCode).
    part_numbers: tuple[str, ...] = ()
    #: ``(name, value)`` params as the feed gives them.
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Fit:
    """An accessory product and a product it fits, with how sure the link is (higher first)."""

    accessory: Hashable
    product: Hashable
    score: float
    #: The item of the param that named the product, as the supplier wrote it.
    stated: str


def is_compatibility_param(name: str) -> bool:
    """Tell whether a param's name says that its value lists what the offer fits."""
    folded = " ".join(_NAME_CLEAN.sub(" ", fold(name)).split())
    return folded.startswith(COMPATIBILITY_NAMES)


def stated_items(params: Iterable[tuple[str, str]]) -> list[str]:
    """Return the items that compatibility params list, as written: "Makita DHP482, DDF482" -> two items."""
    items: list[str] = []
    for name, value in params:
        if is_compatibility_param(name):
            items.extend(part.strip() for part in _ITEM_SPLIT.split(value) if part.strip())
    return items


def own_codes(listing: Listing) -> set[str]:
    """Return the model codes that name the listing itself: its title's before any "для"/"for", and its code fields."""
    title = _FITS_WORD.split(listing.title, maxsplit=1)[0]
    codes = extract_codes(title)
    for value in (listing.model, *listing.part_numbers):
        code = normalize_code(value or "")
        if is_code(code):
            codes.add(code)
    return codes


def own_model_keys(listing: Listing) -> set[str]:
    """Return the keys under which an item names the listing by model: brand+model, and the model alone if a code."""
    model = normalize_code(listing.model or "")
    if not model:
        return set()
    keys = {model} if is_code(model) else set()
    brand = normalize_brand(listing.brand)
    if brand:
        keys.add(model if model.startswith(brand) else brand + model)
    return keys


class _Targets:
    """The products an accessory may fit, indexed by their codes and model keys.

    A stated code finds the codes :func:`same_code` may join it with through three indexes, so
    the work per item does not grow with the catalog: the code itself and its prefixes (it extends
    a product's code), the codes it is a prefix of (a sorted list), and the codes of the same head
    through its last digit (another colour or region marker). A vendor prefix is not looked for.
    """

    def __init__(self, listings: Iterable[Listing]) -> None:
        self.category: dict[Hashable, Hashable] = {}
        self.by_code: dict[str, set[Hashable]] = defaultdict(set)
        self.by_head: dict[str, set[str]] = defaultdict(set)
        self.by_model: dict[str, set[Hashable]] = defaultdict(set)
        for listing in listings:
            if listing.category is None:
                continue
            self.category[listing.product] = listing.category
            for code in own_codes(listing):
                self.by_code[code].add(listing.product)
                self.by_head[_head(code)].add(code)
            for key in own_model_keys(listing):
                self.by_model[key].add(listing.product)
        self.sorted_codes = sorted(self.by_code)

    def _candidates(self, code: str) -> set[str]:
        found = {code[:end] for end in range(MIN_CODE_LENGTH, len(code) + 1) if code[:end] in self.by_code}
        index = bisect.bisect_left(self.sorted_codes, code)
        while index < len(self.sorted_codes) and self.sorted_codes[index].startswith(code):
            found.add(self.sorted_codes[index])
            index += 1
        found.update(self.by_head.get(_head(code), ()))
        return found

    def named_by(self, item: str) -> dict[Hashable, float]:
        """Return the products an item names, each with :data:`EXACT` or :data:`VARIANT`."""
        found: dict[Hashable, float] = {}
        for product in self.by_model.get(normalize_code(item), ()):
            found[product] = EXACT
        for code in extract_codes(item):
            for other in self._candidates(code):
                if same_code(code, other):
                    score = EXACT if code == other else VARIANT
                    for product in self.by_code[other]:
                        found[product] = max(found.get(product, 0.0), score)
        return found


def _head(code: str) -> str:
    """Return a code through its last digit: "sms911b" -> "sms911" (what its colour and region markers share)."""
    return _TRAILING_LETTERS.sub("", code)


def compatibility_links(listings: Iterable[Listing]) -> list[Fit]:
    """Return every (accessory, product) link that compatibility params state, by the rules above.

    A specific accessory ranks above a universal one: a link's score is :data:`EXACT` or
    :data:`VARIANT` divided by how many products the accessory's params name in all.
    """
    listings = list(listings)
    accessories = {listing.product for listing in listings if stated_items(listing.params)}
    targets = _Targets(listing for listing in listings if listing.product not in accessories)
    named: dict[Hashable, dict[Hashable, tuple[float, str]]] = defaultdict(dict)
    for listing in listings:
        if listing.category is None:
            continue
        for item in stated_items(listing.params):
            products = targets.named_by(item)
            if len(products) > MAX_PRODUCTS_PER_ITEM:
                continue
            links = named[listing.product]
            for product, score in products.items():
                if product == listing.product or targets.category[product] == listing.category:
                    continue
                if score > links.get(product, (0.0, ""))[0]:
                    links[product] = (score, item)
    return [
        Fit(accessory, product, score / len(links), stated)
        for accessory, links in named.items()
        for product, (score, stated) in links.items()
    ]
