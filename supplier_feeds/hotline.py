"""Stream a Hotline/Allo price list: <price><firmName/><categories/><items><item>...

Same streaming and safety as YML (``xmlsafe``): each finished item is dropped from the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from .normalize import clean_multiline, clean_text, clean_url
from .offers import OfferChecker, OfferDraft
from .rows import FeedCategory, FeedHeader, FeedItem, RowProblem, feed_category
from .xmlsafe import all_text, forget, inner_xml, iterate

_NOT_HOTLINE = "The file is XML, but not a Hotline price list (its root element is not <price>)."
_TAGS = ("firmName", "items", "item", "category")
#: Price elements in the order we prefer them, with their currency.
_PRICES = (("priceRUAH", "UAH"), ("priceRUSD", "USD"), ("price", None))
_OLD_PRICES = ("oldprice", "priceOldUAH", "price_old")
#: Hotline's numeric condition codes.
_CONDITIONS = {"0": "new", "1": "refurbished", "2": "used", "3": "used"}


def parse(stream: BinaryIO, *, partial: bool | None = None, **_: Any) -> Iterator[FeedItem]:
    """Yield the header, the categories, then offers and problems of a Hotline/Allo feed."""
    shop_name: str | None = None
    pending: list[FeedItem] = []
    checker: OfferChecker | None = None
    for event, element in iterate(
        stream, events=("start", "end"), tag=_TAGS, roots=("price",), not_this_format=_NOT_HOTLINE
    ):
        tag = element.tag
        parent = element.getparent()
        parent_tag = parent.tag if parent is not None else None
        if event == "start":
            if tag == "items" and checker is None:
                checker = OfferChecker("UAH")
                yield FeedHeader(format="hotline", shop_name=shop_name, partial=bool(partial))
                yield from pending
                pending.clear()
            continue
        if tag == "firmName" and parent_tag == "price":
            shop_name = clean_text(all_text(element))
        elif tag == "category" and parent_tag == "categories":
            item = _category(element)
            if checker is None:
                pending.append(item)
            else:
                yield item
            forget(element)
        elif tag == "item" and parent_tag == "items":
            assert checker is not None
            draft = _draft(element)
            forget(element)
            yield from (checker.check_update(draft) if partial else checker.check(draft))
    if checker is None:
        yield FeedHeader(format="hotline", shop_name=shop_name, partial=bool(partial))
        yield from pending


def _category(element: Any) -> FeedCategory | RowProblem:
    fields = {child.tag: clean_text(all_text(child)) for child in element if isinstance(child.tag, str)}
    category_id = fields.get("id") or clean_text(element.get("id"))
    name = fields.get("name") or (clean_text(element.text) if len(element) == 0 else None)
    return feed_category(category_id, name, fields.get("parentId"), line=element.sourceline)


def _draft(item: Any) -> OfferDraft:
    children: dict[str, list[Any]] = {}
    for child in item:
        if isinstance(child.tag, str):
            children.setdefault(child.tag, []).append(child)

    def text(*tags: str) -> str | None:
        for tag in tags:
            for child in children.get(tag, ()):
                value = clean_text(all_text(child))
                if value:
                    return value
        return None

    price, currency = None, None
    for tag, code in _PRICES:
        price = text(tag)
        if price is not None:
            currency = code or text("currencyId", "currency")
            break
    draft = OfferDraft(
        line=item.sourceline,
        sku=text("id"),
        title=text("name"),
        price=price,
        currency=currency,
        old_price=text(*_OLD_PRICES),
    )
    available, stock = draft.checked_availability(
        text("stock"),
        quantity_first=True,
        warning="The stock {value!r} does not say whether the item is in stock; it is shown as available.",
    )
    pictures: list[str] = []
    for child in children.get("image", []) + children.get("picture", []):
        url = clean_url(all_text(child))
        if url and url not in pictures:
            pictures.append(url)
    gtin = draft.checked_gtin(text("barcode"))
    descriptions = [clean_multiline(inner_xml(d)) for d in children.get("description", [])]
    params = []
    for child in children.get("param", []):
        name, value = clean_text(child.get("name")), clean_text(all_text(child))
        if name and value:
            params.append((name, value))
    draft.extra = {
        "url": draft.checked_url(text("url")),
        "available": available,
        "stock_quantity": stock,
        "category_id": text("categoryId"),
        "brand": text("vendor"),
        "mpn": text("code", "vendorCode"),
        "gtin": gtin,
        "description": next((d for d in descriptions if d), None),
        "pictures": tuple(pictures),
        "params": tuple(params),
        "condition": _CONDITIONS.get(text("condition") or ""),
    }
    return draft
