"""CommerceML 2: the exchange format of 1C and 1C-Bitrix (schema versions 2.03 to 2.10).

A 1C shop publishes its catalog as two XML documents under the root
``<КоммерческаяИнформация ВерсияСхемы="2.0x">``:

- ``import.xml`` holds the ``Классификатор`` (groups, properties and, from 2.08, price types)
  and the ``Каталог`` with its ``Товары``: Ид, Артикул, Наименование, Группы, Описание,
  Картинка, ЗначенияСвойств, Изготовитель, ЗначенияРеквизитов, Штрихкод;
- ``offers.xml`` holds the ``ПакетПредложений``: ``ТипыЦен`` and ``Предложения``, each with
  the Ид of its product ("productId#variantId" for a characteristic), ``Цены/Цена``
  (ИдТипаЦены, ЦенаЗаЕдиницу, Валюта) and the stock.

1C-Bitrix exchange packs them in a zip, with ``import_files/`` for the pictures, and from 2.08
may split prices (``prices.xml``) and stock (``rests.xml``) into files of their own. Where the
versions differ, this reads each way: stock is ``Количество`` under the offer (2.03-2.07),
``Склад/@КоличествоНаСкладе`` (2.04-2.07) or ``Остатки/Остаток`` with a total ``Количество`` or
one per ``Склад`` (2.08+); price types sit in the offers package (all versions) or in the
classifier (2.08+); properties are ``Свойство`` (``СвойствоНоменклатуры`` in 2.03) with their
value lists in ``ВариантыЗначений/Справочник``.

One document may hold both the catalog and the offers. Offers without a catalog (offers.xml
alone) are a price and stock update; so is a catalog that "contains only changes"
(``СодержитТолькоИзменения="true"``), which must not withdraw what it does not name.

Every offer may carry several prices, one per price type. The supplier's is the one they
chose (``price_type``, an Ид or a name), else the only one, else the one named retail
("Роздрібна", "Розничная", "Retail"); otherwise the file is refused with ``PriceTypeRequired``,
which lists the types to choose from.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, BinaryIO

from .normalize import clean_multiline, clean_text, clean_url, normalise_currency
from .offers import OfferChecker, OfferDraft
from .rows import FeedCategory, FeedError, FeedHeader, FeedItem, RowProblem, feed_category
from .xmlsafe import all_text, forget, inner_xml, iterate, local_name

logger = logging.getLogger(__name__)

FORMAT = "commerceml"
#: The root element of every CommerceML 2 document.
ROOT = "КоммерческаяИнформация"
#: Schema versions this reads as they are specified; others are read alike, with a warning.
VERSIONS = ("2.03", "2.04", "2.05", "2.06", "2.07", "2.08", "2.09", "2.10")
#: Words that name the retail price type, folded; a single match is the supplier's price.
RETAIL_WORDS = ("роздріб", "роздрібн", "розничн", "розница", "retail")
#: Zips larger than this are refused rather than read.
MAX_ZIP_BYTES = 1024 * 1024 * 1024
#: The XML documents of one zip may unpack to at most this much.
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
#: A member compressed more than this many times is a zip bomb, not an exchange file.
MAX_RATIO = 200
_RATIO_FLOOR = 10 * 1024 * 1024

_NOT_CML = "This XML file is not a CommerceML 2 document (its root element is not <КоммерческаяИнформация>)."
_TRUE = frozenset({"true", "1", "да", "так", "yes"})
_DELETED = frozenset({"удален", "удалён", "видалено", "deleted"})
#: ISO 4217 numeric codes 1C writes instead of letters.
_NUMERIC_CURRENCIES = {"980": "UAH", "643": "RUB", "840": "USD", "978": "EUR", "985": "PLN", "933": "BYN", "398": "KZT"}
#: Property and requisite names (folded) that hold the maker.
_BRAND_NAMES = frozenset(
    {"производитель", "виробник", "бренд", "brand", "manufacturer", "cml2_manufacturer", "торговая марка"}
)
#: Property names (folded) that hold the article number (Bitrix writes it as a property).
_ARTICLE_NAMES = frozenset({"cml2_article", "артикул"})
#: The local file header of a zip member; its name starts 30 bytes in.
_ZIP_ENTRY = re.compile(rb"PK\x03\x04")
#: Exchange documents in a zip, by the start of their file name, in the order they are read.
_KINDS = ("import", "offers", "prices", "rests")


class PriceTypeRequired(FeedError):
    """The offers carry several price types and the supplier has not said which one is theirs."""

    def __init__(self, choices: Iterable[str], wanted: str | None = None) -> None:
        #: The names of the price types the file declares, in file order.
        self.choices = tuple(choices)
        #: The price type the supplier asked for, when the file has no such type.
        self.wanted = wanted
        listed = ", ".join(f"“{name}”" for name in self.choices)
        if wanted:
            message = f"The price type “{wanted}” is not in this file. Its price types are: {listed}. Choose one."
        else:
            message = f"The file has several price types: {listed}. Choose which one is your price and import it again."
        super().__init__("price_type_required" if not wanted else "unknown_price_type", message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by its choices (a parser in another process raises it; supplier_feeds.child).
        return PriceTypeRequired, (self.choices, self.wanted)


def zip_looks_like_exchange(head: bytes) -> bool:
    """Say whether the first bytes of a zip name CommerceML documents (import.xml, offers.xml...) and no workbook."""
    names = []
    for found in _ZIP_ENTRY.finditer(head):
        start = found.start()
        if start + 30 > len(head):
            break
        size = int.from_bytes(head[start + 26 : start + 28], "little")
        names.append(head[start + 30 : start + 30 + size].decode("utf-8", "replace").lower())
    if any(name in ("[content_types].xml", "mimetype") or name.startswith("xl/") for name in names):
        return False
    return any(_kind(name) is not None for name in names)


def _kind(name: str) -> int | None:
    """Return the reading order of an exchange document's zip member name, or None for other members."""
    base = posixpath.basename(name.replace("\\", "/")).lower()
    if not base.endswith(".xml") or "import_files/" in name.lower():
        return None
    for order, prefix in enumerate(_KINDS):
        if base.startswith(prefix):
            return order
    return None


def parse(
    stream: BinaryIO,
    *,
    mapping: object = None,
    partial: bool | None = None,
    known: object = None,
    price_type: str | None = None,
) -> Iterator[FeedItem]:
    """Yield a FeedHeader, the groups as FeedCategory, then offers (or updates) and row problems.

    ``stream`` is one CommerceML document or a zip of them. ``price_type`` is the Ид or name
    of the supplier's price type. ``mapping`` and ``known`` are not used (no columns to map,
    no row digests).
    """
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    reader = _Exchange(price_type)
    if head.startswith(b"PK\x03\x04"):
        with _spool(stream) as file:
            for document in _zip_documents(file):
                reader.read(document)
    else:
        reader.read(stream)
    yield from reader.items(partial)


def pack_exchange(documents: Iterable[tuple[str, bytes]]) -> bytes:
    """Return the documents of one exchange (import.xml and offers.xml, given apart) as one zip.

    The pair is then stored, queued and read as the zip 1C-Bitrix makes; ``parse`` reads every
    document before it joins them, so their order does not matter.
    """
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(documents):
            base = posixpath.basename(name.replace("\\", "/")).lower()
            if _kind(base) is None or base in used:
                base = f"import-{index}.xml"
            used.add(base)
            archive.writestr(base, data)
    return buffer.getvalue()


# -- reading ---------------------------------------------------------------------------------


@dataclass
class _Product:
    id: str
    line: int | None
    name: str | None = None
    article: str | None = None
    barcode: str | None = None
    brand: str | None = None
    description: str | None = None
    group_ids: list[str] = field(default_factory=list)
    pictures: list[str] = field(default_factory=list)
    #: (property Ид or name, value as written) in file order.
    properties: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Offer:
    id: str
    line: int | None
    name: str | None = None
    article: str | None = None
    barcode: str | None = None
    #: Price type Ид -> (price text, currency text or None).
    prices: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: Stock in all warehouses; None when the file says nothing of it.
    quantity: Decimal | None = None
    #: The characteristic's (name, value) pairs.
    characteristics: list[tuple[str, str]] = field(default_factory=list)
    deleted: bool = False


@dataclass
class _PriceType:
    id: str
    name: str
    currency: str | None


class _Exchange:
    """The documents of one exchange, read into memory, then joined offer by offer."""

    def __init__(self, price_type: str | None) -> None:
        self.wanted = clean_text(price_type)
        self.version: str | None = None
        self.shop_name: str | None = None
        self.categories: list[FeedCategory | RowProblem] = []
        self.group_ids: set[str] = set()
        self.properties: dict[str, str] = {}
        self.property_values: dict[str, str] = {}
        self.price_types: dict[str, _PriceType] = {}
        self.products: dict[str, _Product] = {}
        self.deleted_products: set[str] = set()
        self.offers: dict[str, _Offer] = {}
        self.has_catalog = False
        self.has_offers = False
        self.changes_only = False
        self.problems: list[RowProblem] = []

    def read(self, stream: BinaryIO | IO[bytes]) -> None:
        """Read one document into this exchange."""
        for event, element in iterate(
            stream,  # type: ignore[arg-type]
            events=("start", "end"),
            tag=None,
            roots=(ROOT,),
            not_this_format=_NOT_CML,
        ):
            tag = local_name(element.tag)
            if event == "start":
                if tag == ROOT and element.getparent() is None:
                    self._root(element)
                elif tag == "Каталог":
                    self.has_catalog = True
                    self.changes_only |= _flag(element.get("СодержитТолькоИзменения"))
                elif tag in ("ПакетПредложений", "ИзмененияПакетаПредложений"):
                    self.has_offers = True
                continue
            parent = element.getparent()
            parent_tag = local_name(parent.tag) if parent is not None else ""
            if tag == "Классификатор":
                self._classifier(element)
                forget(element)
            elif tag == "Товар" and parent_tag == "Товары":
                self._product(element)
                forget(element)
            elif tag == "ТипыЦен" and parent_tag in ("ПакетПредложений", "ИзмененияПакетаПредложений"):
                self._price_types(element)
            elif tag == "Предложение" and parent_tag == "Предложения":
                self._offer(element)
                forget(element)
            elif tag == "Владелец" and parent_tag in ("Каталог", "ПакетПредложений") and self.shop_name is None:
                self.shop_name = clean_text(_child_text(element, "Наименование"))

    def _root(self, element: Any) -> None:
        version = (element.get("ВерсияСхемы") or "").strip()
        if self.version is None:
            self.version = version or None
        if version and version not in VERSIONS:
            self.problems.append(
                RowProblem(
                    "schema_version",
                    "warning",
                    f"The file says it follows CommerceML {version}; we read versions 2.03 to 2.10 and read it "
                    "as the nearest of them. Check the imported offers.",
                    field="ВерсияСхемы",
                    value=version,
                )
            )

    def _classifier(self, element: Any) -> None:
        groups = _child(element, "Группы")
        if groups is not None:
            self._groups(groups, None)
        for holder in ("Свойства", "СвойстваНоменклатуры"):
            container = _child(element, holder)
            for prop in _children(container, "Свойство", "СвойствоНоменклатуры"):
                self._property(prop)
        types = _child(element, "ТипыЦен")
        if types is not None:
            self._price_types(types)

    def _groups(self, container: Any, parent_id: str | None) -> None:
        for group in _children(container, "Группа"):
            group_id = clean_text(_child_text(group, "Ид"))
            name = clean_text(_child_text(group, "Наименование"))
            category = feed_category(group_id, name, parent_id, line=group.sourceline)
            self.categories.append(category)
            if isinstance(category, FeedCategory):
                self.group_ids.add(category.id)
            children = _child(group, "Группы")
            if children is not None and group_id:
                self._groups(children, group_id)

    def _property(self, prop: Any) -> None:
        prop_id = clean_text(_child_text(prop, "Ид"))
        name = clean_text(_child_text(prop, "Наименование"))
        if not prop_id or not name:
            return
        self.properties[prop_id] = name
        variants = _child(prop, "ВариантыЗначений")
        for choice in _children(variants, "Справочник"):
            value_id = clean_text(_child_text(choice, "ИдЗначения"))
            value = clean_text(_child_text(choice, "Значение"))
            if value_id and value:
                self.property_values[value_id] = value

    def _price_types(self, container: Any) -> None:
        for kind in _children(container, "ТипЦены"):
            type_id = clean_text(_child_text(kind, "Ид"))
            if not type_id:
                continue
            name = clean_text(_child_text(kind, "Наименование")) or type_id
            self.price_types[type_id] = _PriceType(type_id, name, clean_text(_child_text(kind, "Валюта")))

    def _product(self, element: Any) -> None:
        product_id = clean_text(_child_text(element, "Ид"))
        if not product_id:
            self.problems.append(
                RowProblem(
                    "missing_sku",
                    "error",
                    "A product (Товар) has no Ид, so its offers cannot be found.",
                    line=element.sourceline,
                    field="Ид",
                )
            )
            return
        if _is_deleted(element):
            self.deleted_products.add(product_id)
            return
        product = _Product(product_id, element.sourceline)
        product.name = clean_text(_child_text(element, "Наименование"))
        product.article = clean_text(_child_text(element, "Артикул"))
        product.barcode = clean_text(_child_text(element, "Штрихкод"))
        groups = _child(element, "Группы")
        product.group_ids = [gid for gid in (clean_text(all_text(g)) for g in _children(groups, "Ид")) if gid]
        description = _child(element, "Описание")
        if description is not None:
            html = _flag(description.get("ФорматHTML"))
            product.description = clean_multiline(inner_xml(description) if html else all_text(description))
        product.pictures = [p for p in (clean_text(all_text(c)) for c in _children(element, "Картинка")) if p]
        maker = _child(element, "Изготовитель")
        if maker is not None:
            product.brand = clean_text(_child_text(maker, "Наименование"))
        for value in _children(_child(element, "ЗначенияСвойств"), "ЗначенияСвойства"):
            prop_id = clean_text(_child_text(value, "Ид")) or clean_text(_child_text(value, "Наименование"))
            texts = [t for t in (clean_text(all_text(v)) for v in _children(value, "Значение")) if t]
            if prop_id and texts:
                product.properties.extend((prop_id, text) for text in texts)
        for requisite in _children(_child(element, "ЗначенияРеквизитов"), "ЗначениеРеквизита"):
            name = (clean_text(_child_text(requisite, "Наименование")) or "").casefold()
            value = clean_text(_child_text(requisite, "Значение"))
            if not value:
                continue
            if name in _BRAND_NAMES and product.brand is None:
                product.brand = value
            elif name == "штрихкод" and product.barcode is None:
                product.barcode = value
        self.products[product_id] = product

    def _offer(self, element: Any) -> None:
        offer_id = clean_text(_child_text(element, "Ид"))
        if not offer_id:
            self.problems.append(
                RowProblem(
                    "missing_sku",
                    "error",
                    "An offer (Предложение) has no Ид, so it cannot be matched on the next import.",
                    line=element.sourceline,
                    field="Ид",
                )
            )
            return
        # prices.xml and rests.xml (2.08+) name the offers of offers.xml again: merge them.
        offer = self.offers.get(offer_id) or _Offer(offer_id, element.sourceline)
        self.offers[offer_id] = offer
        offer.deleted |= _is_deleted(element)
        offer.name = clean_text(_child_text(element, "Наименование")) or offer.name
        offer.article = clean_text(_child_text(element, "Артикул")) or offer.article
        offer.barcode = clean_text(_child_text(element, "Штрихкод")) or offer.barcode
        for price in _children(_child(element, "Цены"), "Цена"):
            type_id = clean_text(_child_text(price, "ИдТипаЦены")) or ""
            amount = clean_text(_child_text(price, "ЦенаЗаЕдиницу"))
            if amount is not None and type_id not in offer.prices:
                offer.prices[type_id] = (amount, clean_text(_child_text(price, "Валюта")))
        quantity = _quantity(element)
        if quantity is not None:
            offer.quantity = quantity
        for characteristic in _children(_child(element, "ХарактеристикиТовара"), "ХарактеристикаТовара"):
            name = clean_text(_child_text(characteristic, "Наименование"))
            value = clean_text(_child_text(characteristic, "Значение"))
            if name and value:
                offer.characteristics.append((name, value))

    # -- joining ---------------------------------------------------------------------------

    def items(self, partial: bool | None) -> Iterator[FeedItem]:
        """Yield the header, the categories, then one row per offer and the problems, as parse() promises."""
        if self.has_catalog and not self.has_offers and self.products:
            raise FeedError(
                "commerceml_catalog_only",
                "This is the catalog half of a CommerceML exchange (import.xml): it has products but no prices. "
                "Import it together with offers.xml (both files, or the zip that 1C makes).",
            )
        if partial is None:
            partial = not self.products or self.changes_only
        yield FeedHeader(format=FORMAT, shop_name=self.shop_name, partial=partial)
        yield from self.problems
        if not partial:
            yield from self.categories
        if not self.offers:
            return
        chosen = self._chosen_type()
        checker = OfferChecker()
        covered: set[str] = set()
        relative: dict[str, None] = {}  # in file order, once each (the variants of a product share its pictures)
        for offer in self.offers.values():
            product_id = offer.id.partition("#")[0]
            covered.add(product_id)
            if offer.deleted or product_id in self.deleted_products:
                continue
            product = self.products.get(offer.id) or self.products.get(product_id)
            draft = self._draft(offer, product, chosen)
            if partial:
                draft.extra = {
                    "available": None if offer.quantity is None else offer.quantity > 0,
                    "stock_quantity": draft.extra.get("stock_quantity"),
                }
                yield from checker.check_update(draft)
            else:
                relative.update(dict.fromkeys(self._pictures(draft, product)))
                yield from checker.check(draft)
        if not partial:
            yield from self._unpriced(covered)
            if relative:
                yield _relative_pictures(list(relative))

    def _chosen_type(self) -> str | None:
        """Return the Ид of the supplier's price type, or None when no offer has a price."""
        types = dict(self.price_types)
        for offer in self.offers.values():
            for type_id in offer.prices:
                types.setdefault(type_id, _PriceType(type_id, type_id or "—", None))
        if not types:
            return None
        if self.wanted:
            folded = self.wanted.casefold()
            for kind in types.values():
                if folded in (kind.id.casefold(), kind.name.casefold()):
                    return kind.id
            raise PriceTypeRequired([kind.name for kind in types.values()], self.wanted)
        if len(types) == 1:
            return next(iter(types))
        retail = [kind for kind in types.values() if any(word in kind.name.casefold() for word in RETAIL_WORDS)]
        if len(retail) == 1:
            return retail[0].id
        raise PriceTypeRequired([kind.name for kind in types.values()])

    def _draft(self, offer: _Offer, product: _Product | None, chosen: str | None) -> OfferDraft:
        price, currency = offer.prices.get(chosen or "", (None, None)) if chosen is not None else (None, None)
        if currency is None and chosen in self.price_types:
            currency = self.price_types[chosen].currency
        title = offer.name or (product.name if product else None)
        if offer.name is None and product is not None and product.name and offer.characteristics:
            title = f"{product.name} ({', '.join(value for _, value in offer.characteristics)})"
        draft = OfferDraft(line=offer.line, sku=offer.id, title=title, price=price, currency=_currency(currency))
        extra: dict[str, Any] = {}
        if offer.quantity is not None:
            extra["stock_quantity"] = max(int(offer.quantity), 0)
            extra["available"] = offer.quantity > 0
        if product is not None:
            params = self._params(product)
            article = product.article or _first(params, _ARTICLE_NAMES)
            brand = product.brand or _first(params, _BRAND_NAMES)
            extra.update(
                mpn=offer.article or article,
                brand=brand,
                description=product.description,
                gtin=draft.checked_gtin(offer.barcode or product.barcode),
                category_id=next((gid for gid in product.group_ids if gid in self.group_ids), None),
                params=tuple(
                    (name, value) for name, value in params if name.casefold() not in _BRAND_NAMES | _ARTICLE_NAMES
                )
                + tuple(offer.characteristics),
            )
        else:
            extra.update(mpn=offer.article, gtin=draft.checked_gtin(offer.barcode), params=tuple(offer.characteristics))
        if "#" in offer.id:
            extra["item_group_id"] = offer.id.partition("#")[0]
        draft.extra = {key: value for key, value in extra.items() if value not in (None, ())}
        return draft

    def _params(self, product: _Product) -> list[tuple[str, str]]:
        params = []
        for prop_id, value in product.properties:
            name = self.properties.get(prop_id, prop_id)
            params.append((name, self.property_values.get(value, value)))
        return params

    @staticmethod
    def _pictures(draft: OfferDraft, product: _Product | None) -> list[str]:
        """Keep the product's pictures that are web addresses; return the ones that are files of the exchange."""
        if product is None:
            return []
        urls, relative = [], []
        for picture in product.pictures:
            url = clean_url(picture)
            if url is not None:
                urls.append(url)
            else:
                relative.append(picture)
        if urls:
            draft.extra["pictures"] = tuple(urls)
        return relative

    def _unpriced(self, covered: set[str]) -> Iterator[RowProblem]:
        for product in self.products.values():
            if product.id not in covered:
                yield RowProblem(
                    "missing_price",
                    "error",
                    "The product is in the catalog (import.xml) but the offers (offers.xml) give it no price; "
                    "it was not published.",
                    line=product.line,
                    sku=product.id,
                    field="price",
                )


def _relative_pictures(paths: list[str]) -> RowProblem:
    return RowProblem(
        "relative_pictures",
        "warning",
        f"Pictures of your products ({len(paths)}, such as {paths[0]}) are files inside the exchange, not web "
        "addresses, so they were not published. Give the pictures web addresses (http:// or https://) in 1C "
        "or on your site.",
        field="Картинка",
        value=paths[0],
    )


# -- small readers ---------------------------------------------------------------------------


def _child(element: Any, name: str) -> Any:
    if element is None:
        return None
    for child in element:
        if local_name(child.tag) == name:
            return child
    return None


def _children(element: Any, *names: str) -> Iterator[Any]:
    if element is None:
        return
    for child in element:
        if local_name(child.tag) in names:
            yield child


def _child_text(element: Any, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None else all_text(child)


def _flag(value: str | None) -> bool:
    return (value or "").strip().casefold() in _TRUE


def _is_deleted(element: Any) -> bool:
    status = element.get("Статус") or _child_text(element, "Статус") or ""
    return status.strip().casefold() in _DELETED or _flag(_child_text(element, "ПометкаУдаления"))


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip().replace(",", ".").replace("\xa0", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _quantity(offer: Any) -> Decimal | None:
    """Return the offer's stock in all warehouses, however its schema version writes it; None if unsaid."""
    rests = _child(offer, "Остатки")
    if rests is not None:  # 2.08+
        total = None
        for rest in _children(rests, "Остаток"):
            amount = _number(_child_text(rest, "Количество"))
            if amount is None:
                amounts = [_number(_child_text(store, "Количество")) for store in _children(rest, "Склад")]
                known = [a for a in amounts if a is not None]
                amount = sum(known, Decimal(0)) if known else None
            if amount is not None:
                total = (total or Decimal(0)) + amount
        return total
    stores = [_number(store.get("КоличествоНаСкладе")) for store in _children(offer, "Склад")]
    if any(amount is not None for amount in stores):  # 2.04-2.07
        return sum((amount for amount in stores if amount is not None), Decimal(0))
    return _number(_child_text(offer, "Количество"))


def _currency(text: str | None) -> str | None:
    if text is None:
        return None
    return _NUMERIC_CURRENCIES.get(text.strip()) or normalise_currency(text) or text


def _first(params: list[tuple[str, str]], names: frozenset[str]) -> str | None:
    return next((value for name, value in params if name.casefold() in names), None)


# -- the zip ---------------------------------------------------------------------------------


@contextmanager
def _spool(stream: BinaryIO) -> Iterator[IO[bytes]]:
    """Yield a seekable copy of the stream (in memory while small), closed afterwards."""
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as file:
        size = 0
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_ZIP_BYTES:
                raise FeedError("file_too_large", f"The zip is larger than {MAX_ZIP_BYTES // 2**20} MB.")
            file.write(chunk)
        file.seek(0)
        yield file


def _zip_documents(file: IO[bytes]) -> Iterator[IO[bytes]]:
    """Yield each exchange document of the zip, open, catalog first."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FeedError("malformed_zip", "The zip archive is damaged; export it from 1C again.") from None
    with archive:
        members = [(_kind(m.filename), m) for m in archive.infolist() if not m.is_dir()]
        documents = sorted(((k, m) for k, m in members if k is not None), key=lambda km: (km[0], km[1].filename))
        if not documents:
            raise FeedError(
                "unknown_format",
                "The zip has no CommerceML documents (import.xml, offers.xml). Export the exchange from 1C again.",
            )
        total = 0
        for _kind_order, member in documents:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if (member.file_size > _RATIO_FLOOR and ratio > MAX_RATIO) or total > MAX_UNPACKED_BYTES:
                raise FeedError(
                    "unsafe_zip",
                    f"The zip's {member.filename} unpacks to far more than an exchange file holds; we refused it.",
                )
        for _kind_order, member in documents:
            try:
                with archive.open(member) as document:
                    yield document
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                logger.info("Refused a CommerceML zip: %r", exc)
                raise FeedError(
                    "malformed_zip", f"The zip's {member.filename} is damaged; export it from 1C again."
                ) from None
