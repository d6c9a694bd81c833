"""Stream a Yandex Market Language (YML) feed: <yml_catalog><shop>...<offers><offer>.

Parsing is incremental (``lxml.etree.iterparse``) and every finished offer is removed
from the tree, so memory stays flat however many offers the feed has.

Marketplace dialects are read here too (``supplier_feeds.detect.YML_DIALECTS`` tells them
apart). Epicentr K's (``EPICENTR``) has no <shop>, <categories> or <currencies>: each offer
names its category itself, ``<category code="2866">Автомагнітоли</category>`` (and the same
code in ``<attribute_set>``), and no offer names a currency, because the marketplace sells
in hryvnias only. Its categories become the supplier's own, keyed "epicentr:<code>" so that
they never clash with the ids of the supplier's other YML feeds, and its prices are UAH,
said once for the file instead of once per row.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Container, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from .normalize import (
    PriceError,
    clean_gtin,
    clean_multiline,
    clean_text,
    clean_url,
    normalise_currency,
    parse_bool_availability,
    parse_price,
    parse_stock,
)
from .offers import OfferChecker, OfferDraft
from .rows import FeedCategory, FeedError, FeedHeader, FeedItem, FeedUnchanged, RowProblem, feed_category
from .xmlsafe import all_text as _all_text
from .xmlsafe import fingerprint, iterate, keyed_digest
from .xmlsafe import forget as _forget
from .xmlsafe import inner_xml as _inner_xml

logger = logging.getLogger(__name__)

_EVENT_TAGS = ("yml_catalog", "offers", "offer", "category", "currency", "delivery-options")
_UA_LANGS = frozenset({"ua", "uk", "uk-ua"})
_STOCK_TAGS = ("stock_quantity", "quantity_in_stock", "quantity")
#: <param> names (case-folded, without spaces and dashes) that carry the barcode when <barcode> is absent.
_BARCODE_PARAMS = frozenset({"штрихкод", "barcode", "ean", "gtin"})
_NOT_YML = "The file is XML, but not a YML price list (its root element is not <yml_catalog>)."
#: The dialect name of Epicentr K's YML (``parse(dialect=EPICENTR)``).
EPICENTR = "epicentr"
#: The currency of an Epicentr feed whose offers name none: the marketplace sells in hryvnias.
EPICENTR_CURRENCY = "UAH"
#: The prefix of the supplier category ids an Epicentr feed's category codes become.
EPICENTR_CATEGORY_PREFIX = "epicentr:"
#: How many offers are looked at before deciding whether a feed is a partial update.
PARTIAL_SAMPLE = 50
#: Part of every row's digest. Raise it when a change here or in ``offers``/``normalize``
#: reads the same <offer> differently: the digests of rows read the old way stop matching,
#: so the next import reads every row again instead of keeping what the old code made of it.
#: 2: an offer's own <category code> (Epicentr) is its category.
READING_VERSION = 2


def parse(
    stream: BinaryIO,
    *,
    partial: bool | None = None,
    known: Callable[[], Container[bytes] | None] | None = None,
    dialect: str | None = None,
    **_: Any,
) -> Iterator[FeedItem]:
    """Yield the header, the categories, then offers (or updates) and problems of a YML feed.

    ``dialect=EPICENTR`` reads Epicentr K's YML (see the module's docstring). A feed not
    recognised as one from its head still is when its first offers name categories by code.

    ``partial=None`` decides from the first offers: when none of them has a name but
    some carry a price or stock, the feed is a price/stock update and yields FeedUpdate.
    Offers carry a digest (see ``FeedOffer.digest``); an offer whose digest is in what
    ``known()`` returns comes as a ``FeedUnchanged`` without being read further.
    """
    parser = _YmlParser(partial, known, dialect)
    events = iterate(stream, events=("start", "end"), tag=_EVENT_TAGS, roots=("yml_catalog",), not_this_format=_NOT_YML)
    try:
        for event, element in events:
            yield from parser.handle(event, element)
    except FeedError as exc:
        if exc.code in ("malformed_xml", "bad_encoding"):
            # A file cut short still tells the supplier which rows were fine before the cut.
            yield from parser.finish()
        raise
    yield from parser.finish()


class _YmlParser:
    """Keep the state between iterparse events of one feed."""

    def __init__(
        self,
        partial: bool | None,
        known: Callable[[], Container[bytes] | None] | None = None,
        dialect: str | None = None,
    ) -> None:
        self.partial = partial
        self.dialect = dialect
        #: The ids of the categories offers named themselves (Epicentr's codes), each yielded once.
        self.offer_categories: set[str] = set()
        #: Asked once, at the first offer after the header: the caller has handled the
        #: header and the categories by then, which its digests may depend on.
        self.known = known
        self.held: Container[bytes] | None = None
        self.header_sent = False
        self.rates: dict[str, Decimal] = {}
        self.declared_currencies: list[str] = []
        self.pending: list[FeedItem] = []
        #: Offers read before the header, each with its fingerprint (digested once the key is known).
        self.sample: list[tuple[OfferDraft, bytes | None]] = []
        self.checker: OfferChecker | None = None
        #: The feed-wide facts an offer's reading depends on, as a key for its digest.
        self.digest_key = b""
        self.shop_name: str | None = None
        self.shop_delivery: Decimal | None = None

    def handle(self, event: str, element: Any) -> Iterator[FeedItem]:
        """Route one iterparse event."""
        tag = element.tag
        if event == "start":
            # Only <offers> matters at its start; every <offer> starts too, so ask nothing more.
            if tag == "offers":
                parent = element.getparent()
                self.shop_name = clean_text(_child_text(parent, "name")) if parent is not None else None
                if self.partial is not None:
                    yield from self._header()
            return
        parent = element.getparent()
        parent_tag = parent.tag if parent is not None else None
        if tag == "offer" and parent_tag == "offers":
            yield from self._offer_category(element)
            # Updates are never skipped: they carry no digest (see FeedOffer.digest).
            raw = None if self.partial else fingerprint(element)
            if self.checker is None:
                self.sample.append((_draft(element, self.shop_delivery), raw))
                _forget(element)
                if len(self.sample) >= PARTIAL_SAMPLE:
                    yield from self._header()
                return
            digest = None if raw is None else keyed_digest(raw, self.digest_key)
            if digest is not None and self._held(digest):
                sku = clean_text(element.get("id"))
                # A repeated id is read in full, so that it is reported as the duplicate it is.
                if sku and self.checker.remember(sku):
                    line = element.sourceline
                    _forget(element)
                    yield FeedUnchanged(sku, digest, line)
                    return
            draft = _draft(element, self.shop_delivery)
            draft.digest = digest
            _forget(element)
            yield from self._check(draft)
        elif tag == "offers":
            yield from self._header()
        elif tag == "category" and parent_tag == "categories":
            item = _category(element)
            if self.header_sent:
                yield item
            else:
                self.pending.append(item)
            _forget(element)
        elif tag == "currency" and parent_tag == "currencies":
            self._currency(element)
        elif tag == "delivery-options" and parent_tag == "shop":
            self.shop_delivery = _delivery_cost(element)

    def _offer_category(self, offer: Any) -> Iterator[FeedItem]:
        """Yield the category an offer names by code, the first time it is named."""
        element = _coded_category(offer)
        if element is None:
            return
        if self.dialect is None and not self.header_sent:
            # Unmarked in the head of the file (a long first offer), but the offers say it.
            self.dialect = EPICENTR
        category_id = EPICENTR_CATEGORY_PREFIX + (clean_text(element.get("code")) or "")
        if category_id in self.offer_categories:
            return
        self.offer_categories.add(category_id)
        item = feed_category(category_id, clean_text(_all_text(element)), None, line=element.sourceline)
        if self.header_sent:
            yield item
        else:
            self.pending.append(item)

    def _held(self, digest: bytes) -> bool:
        if self.known is not None:
            self.held, self.known = self.known(), None
        return self.held is not None and digest in self.held

    def finish(self) -> Iterator[FeedItem]:
        """Flush the header and categories of a feed that has no <offers> at all."""
        yield from self._header()

    def _check(self, draft: OfferDraft) -> Iterator[FeedItem]:
        assert self.checker is not None
        if self.partial:
            return self.checker.check_update(draft)
        return self.checker.check(draft)

    def _currency(self, element: Any) -> None:
        code = normalise_currency(element.get("id"))
        if code is None:
            return
        self.declared_currencies.append(code)
        try:
            rate = Decimal((element.get("rate") or "").strip().replace(",", "."))
        except InvalidOperation:
            return  # "CBRF", "NBU" and the like name a source, not a number.
        if rate.is_finite() and rate > 0:
            self.rates[code] = rate

    def _header(self) -> Iterator[FeedItem]:
        if self.header_sent:
            return
        self.header_sent = True
        if self.partial is None:
            self.partial = looks_partial([draft for draft, _ in self.sample])
        default_currency = self._default_currency()
        assumed = default_currency is None and not self.declared_currencies and self.dialect == EPICENTR
        if assumed:
            default_currency = EPICENTR_CURRENCY
        self.checker = OfferChecker(default_currency)
        facts = f"yml {READING_VERSION}|{default_currency}|{self.shop_delivery}"
        self.digest_key = hashlib.blake2b(facts.encode(), digest_size=16).digest()
        format_name = "yml_epicentr" if self.dialect == EPICENTR else "yml"
        yield FeedHeader(
            format=format_name, shop_name=self.shop_name, currency_rates=dict(self.rates), partial=self.partial
        )
        if assumed:
            # Once for the file: the dialect has no currency to name, so no row is at fault.
            yield RowProblem(
                "currency_assumed",
                "warning",
                f"The feed names no currency, as Epicentr feeds do not; its prices were read as {EPICENTR_CURRENCY}.",
                field="currency",
                value=EPICENTR_CURRENCY,
            )
        yield from self.pending
        self.pending.clear()
        for draft, raw in self.sample:
            if raw is not None and not self.partial:
                draft.digest = keyed_digest(raw, self.digest_key)
            yield from self._check(draft)
        self.sample.clear()

    def _default_currency(self) -> str | None:
        if len(self.declared_currencies) == 1:
            return self.declared_currencies[0]
        base = [code for code, rate in self.rates.items() if rate == 1]
        return base[0] if len(base) == 1 else None


def looks_partial(drafts: list[OfferDraft]) -> bool:
    """Say whether sampled rows look like a price/stock update: no names, but prices or stock."""
    if not drafts or any(d.title for d in drafts):
        return False
    return any(
        d.price is not None or d.sale_price is not None or d.extra.get("stock_quantity") is not None for d in drafts
    )


def _child_text(element: Any, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None else "".join(child.itertext())


def _category(element: Any) -> FeedCategory | RowProblem:
    category_id = clean_text(element.get("id"))
    name = clean_text(_all_text(element))
    return feed_category(category_id, name, clean_text(element.get("parentId")), line=element.sourceline)


def _coded_category(offer: Any) -> Any | None:
    """Return the offer's own <category code=".."> (or <attribute_set code="..">) element, if any."""
    for tag in ("category", "attribute_set"):
        for element in offer.iterchildren(tag):
            if clean_text(element.get("code")):
                return element
    return None


def _category_id(offer: Any, children: dict[str, list[Any]]) -> str | None:
    """Return the offer's <categoryId>, or the id its own coded category became (Epicentr)."""
    category_id = _text(children, "categoryId")
    if category_id:
        return category_id
    element = _coded_category(offer)
    return None if element is None else EPICENTR_CATEGORY_PREFIX + (clean_text(element.get("code")) or "")


def _children(offer: Any) -> dict[str, list[Any]]:
    children: dict[str, list[Any]] = {}
    for child in offer:
        if isinstance(child.tag, str):  # skips unexpanded entity references
            children.setdefault(child.tag, []).append(child)
    return children


def _text(children: dict[str, list[Any]], *tags: str) -> str | None:
    """Return the cleaned text of the first non-blank element among ``tags``."""
    for tag in tags:
        for child in children.get(tag, ()):
            text = clean_text(_all_text(child))
            if text:
                return text
    return None


def _title(children: dict[str, list[Any]]) -> str | None:
    names = children.get("name", [])
    plain = [n for n in names if (n.get("lang") or "").lower() not in _UA_LANGS]
    ua = [n for n in names if (n.get("lang") or "").lower() in _UA_LANGS]
    for group in (plain, children.get("name_ua", []), ua, children.get("title", [])):
        for element in group:
            text = clean_text(_all_text(element))
            if text:
                return text
    model = _text(children, "model")
    if model:
        # type="vendor.model" offers name themselves by these three parts.
        parts = (_text(children, "typePrefix"), _text(children, "vendor"), model)
        return " ".join(p for p in parts if p)
    return None


def _has_plain_name(children: dict[str, list[Any]]) -> bool:
    return any((n.get("lang") or "").lower() not in _UA_LANGS for n in children.get("name", ()))


def _title_uk(children: dict[str, list[Any]]) -> str | None:
    names = [n for n in children.get("name", []) if (n.get("lang") or "").lower() in _UA_LANGS]
    for element in (*children.get("name_ua", []), *names):
        text = clean_text(_all_text(element))
        if text:
            return text
    return None


def _draft(offer: Any, shop_delivery: Decimal | None = None) -> OfferDraft:
    children = _children(offer)
    draft = OfferDraft(
        line=offer.sourceline,
        sku=clean_text(offer.get("id")),
        title=_title(children),
        price=_text(children, "price"),
        currency=_text(children, "currencyId"),
        old_price=_text(children, "oldprice", "price_old"),
    )
    available, stock = _availability(offer, children, draft)
    descriptions: dict[str, str | None] = {"description": None, "description_ua": None}
    for tag in descriptions:
        for element in children.get(tag, ()):
            key = "description_ua" if (element.get("lang") or "").lower() in _UA_LANGS else tag
            descriptions[key] = descriptions[key] or clean_multiline(_inner_xml(element))
    description = descriptions["description"] or descriptions["description_ua"]
    title_uk = _title_uk(children)
    delivery = children.get("delivery-options")
    draft.extra = {
        "url": draft.checked_url(_text(children, "url")),
        "available": available,
        "stock_quantity": stock,
        "category_id": _category_id(offer, children),
        "brand": _text(children, "vendor"),
        "model": _text(children, "model"),
        "gtin": _gtin(children, draft),
        "mpn": _text(children, "vendorCode", "article"),
        "description": description,
        "pictures": _pictures(children),
        "params": _params(children),
        # Only where it adds a second language: a lone name_ua is already the title.
        "title_uk": title_uk if _has_plain_name(children) else None,
        "description_uk": descriptions["description_ua"] if descriptions["description"] else None,
        "item_group_id": clean_text(offer.get("group_id")) or _text(children, "group_id"),
        "recs": tuple(sku for sku in (clean_text(part) for part in (_text(children, "rec") or "").split(",")) if sku),
        "delivery_cost": _delivery_cost(delivery[0]) if delivery else shop_delivery,
    }
    return draft


def _delivery_cost(element: Any) -> Decimal | None:
    """Return the cheapest <option cost=".."> of a <delivery-options> block, or None."""
    costs: list[Decimal] = []
    for option in element:
        if option.tag != "option":
            continue
        try:
            costs.append(parse_price(option.get("cost") or ""))
        except PriceError:
            continue
    return min(costs) if costs else None


def _availability(offer: Any, children: dict[str, list[Any]], draft: OfferDraft) -> tuple[bool | None, int | None]:
    """Return (available, stock); available is None when the offer does not say."""
    raw_stock = _text(children, *_STOCK_TAGS)
    stock = parse_stock(raw_stock)
    if raw_stock is not None and stock is None:
        draft.problem(
            "invalid_stock",
            "warning",
            f"The stock quantity {raw_stock!r} is not a whole number and was ignored.",
            "stock_quantity",
            raw_stock,
        )
    raw_flag = offer.get("available")
    if raw_flag is None:
        return (None if stock is None else stock > 0), stock
    flag = parse_bool_availability(raw_flag)
    if flag is None:
        draft.problem(
            "invalid_availability",
            "warning",
            f"available={raw_flag!r} is neither true nor false; the offer is shown as available.",
            "available",
            raw_flag,
        )
        return True, stock
    return flag, stock


def _gtin(children: dict[str, list[Any]], draft: OfferDraft) -> str | None:
    raw = [clean_text(_all_text(b)) for b in children.get("barcode", ())]
    if not raw:
        # EVA's dialect has no <barcode>: it sends <param name="Штрихкод">.
        raw = [clean_text(_all_text(p)) for p in children.get("param", ()) if _is_barcode_param(p)]
    raw_codes = [code for code in raw if code]
    for code in raw_codes:
        gtin = clean_gtin(code)
        if gtin:
            return gtin
    if raw_codes:
        draft.problem(
            "invalid_gtin",
            "warning",
            f"The barcode {raw_codes[0]!r} is not a valid EAN/UPC/GTIN (8 to 14 digits with a correct check digit) "
            "and was ignored.",
            "gtin",
            raw_codes[0],
        )
    return None


def _is_barcode_param(element: Any) -> bool:
    name = clean_text(element.get("name")) or ""
    return name.casefold().replace("-", "").replace(" ", "") in _BARCODE_PARAMS


def _pictures(children: dict[str, list[Any]]) -> tuple[str, ...]:
    pictures: list[str] = []
    for element in children.get("picture", ()):
        # Some exports join all pictures into one element with " | ".
        for part in _all_text(element).split("|"):
            url = clean_url(part)
            if url and url not in pictures:
                pictures.append(url)
    return tuple(pictures)


def _params(children: dict[str, list[Any]]) -> tuple[tuple[str, str], ...]:
    params: list[tuple[str, str]] = []
    for element in children.get("param", ()):
        name = clean_text(element.get("name"))
        value = clean_text(_all_text(element))
        if not name or not value:
            continue
        unit = clean_text(element.get("unit"))
        params.append((name, f"{value} {unit}" if unit else value))
    return tuple(params)
