"""Stream a Google Merchant Center feed: RSS 2.0 or Atom with the g: namespace, or a TSV file.

All three share ``draft_from_attributes``, so an attribute means the same in every syntax:
``price`` "12.00 USD" is an amount and a currency, a valid ``sale_price`` becomes the price
(the regular price becomes ``old_price``), ``product_type`` "A > B" is the category path,
``image_link`` and ``additional_image_link`` are the pictures, and a single ``shipping``
price is the delivery cost. ``identifier_exists`` is read but changes nothing: we never
demand a GTIN.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, BinaryIO

from .normalize import (
    PriceError,
    clean_multiline,
    clean_text,
    parse_price,
    split_price_currency,
)
from .offers import OfferChecker, OfferDraft
from .rows import FeedError, FeedHeader, FeedItem
from .xmlsafe import all_text, forget, inner_xml, iterate, local_name

_NOT_GMC = "The file is XML, but not a Google Merchant feed (its root element is neither <rss> nor <feed>)."
_ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
_CONDITIONS = frozenset({"new", "used", "refurbished"})
#: Attributes that may repeat; the others keep their first non-blank value.
_REPEATED = frozenset({"additional_image_link", "shipping", "product_type"})
#: Column names GMC TSV files use beside the attribute names themselves.
_TSV_ALIASES = {"link": "link", "image link": "image_link", "additional image link": "additional_image_link"}


def parse(stream: BinaryIO, *, partial: bool | None = None, **_: Any) -> Iterator[FeedItem]:
    """Yield the header, then offers and problems of a Google Merchant RSS 2.0 or Atom feed."""
    checker: OfferChecker | None = None
    shop_name: str | None = None
    for event, element in iterate(
        stream, events=("start", "end"), tag=None, roots=("rss", "feed"), not_this_format=_NOT_GMC
    ):
        name = local_name(element.tag)
        parent = element.getparent()
        depth_parent = local_name(parent.tag) if parent is not None else ""
        if event == "start":
            if name in ("item", "entry") and checker is None:
                atom = local_name(element.getroottree().getroot().tag) == "feed"
                checker = OfferChecker()
                yield FeedHeader(format="gmc_atom" if atom else "gmc_rss", shop_name=shop_name, partial=bool(partial))
            continue
        if name == "title" and depth_parent in ("channel", "feed") and shop_name is None:
            shop_name = clean_text(all_text(element))
        elif name in ("item", "entry") and depth_parent in ("channel", "feed"):
            assert checker is not None
            draft = draft_from_attributes(_attributes(element), element.sourceline)
            forget(element)
            yield from (checker.check_update(draft) if partial else checker.check(draft))
        elif depth_parent in ("channel", "feed"):
            forget(element)  # channel-level elements; an item's children stay until the item ends
    if checker is None:
        raise FeedError("no_offers", "The Google Merchant feed has no <item> or <entry> elements.")


def _attributes(item: Any) -> dict[str, list[str]]:
    attributes: dict[str, list[str]] = {}
    for child in item:
        name = local_name(child.tag)
        if not name:
            continue
        if child.tag == _ATOM_LINK:
            if child.get("rel", "alternate") == "alternate" and child.get("href"):
                attributes.setdefault("link", []).append(child.get("href"))
            continue
        if name == "shipping":
            prices = [all_text(c) for c in child if local_name(c.tag) == "price"]
            value = prices[0] if prices else ""
        elif name in ("description", "summary", "content"):
            value = inner_xml(child) if len(child) else child.text or ""
            name = "description"
        else:
            value = all_text(child)
        attributes.setdefault(name, []).append(value)
    return attributes


def draft_from_attributes(attributes: Mapping[str, Sequence[str]], line: int | None) -> OfferDraft:
    """Build the draft of one Google Merchant item from its attribute values."""

    def first(name: str) -> str | None:
        for value in attributes.get(name, ()):
            text = clean_text(value)
            if text:
                return text
        return None

    price, currency = split_price_currency(first("price"))
    sale_price, sale_currency = split_price_currency(first("sale_price"))
    draft = OfferDraft(
        line=line,
        sku=first("id"),
        title=first("title"),
        price=price,
        currency=currency or sale_currency,
        sale_price=sale_price,
    )
    raw_availability = first("availability")
    available, stock = draft.checked_availability(
        raw_availability,
        quantity_first=False,
        warning="availability {value!r} is not one of in stock, out of stock, preorder or backorder; "
        "the item is shown as available.",
    )
    if raw_availability is not None and available is None:
        available = True  # as the warning says; a partial row too, where None would mean "not given"
    pictures: list[str] = []
    for name in ("image_link", "additional_image_link"):
        for value in attributes.get(name, ()):
            # TSV files put several additional images in one cell, separated by commas.
            for part in value.split(","):
                url = draft.checked_url(clean_text(part)) if clean_text(part) else None
                if url and url not in pictures:
                    pictures.append(url)
    shipping = [p for p in (clean_text(v) for v in attributes.get("shipping", ())) if p]
    delivery_cost = None
    if len(shipping) == 1:
        # TSV writes "country:region:service:price"; XML gives the price alone.
        amount, _ = split_price_currency(shipping[0].rsplit(":", 1)[-1])
        try:
            delivery_cost = parse_price(amount or "")
        except PriceError:
            delivery_cost = None
    condition = (first("condition") or "").lower()
    product_type = first("product_type")
    draft.extra = {
        "url": draft.checked_url(first("link")),
        "available": available,
        "stock_quantity": stock,
        "category_path": _path(product_type),
        "brand": first("brand"),
        "gtin": draft.checked_gtin(first("gtin")),
        "mpn": first("mpn"),
        "description": next((d for d in (clean_multiline(v) for v in attributes.get("description", ())) if d), None),
        "pictures": tuple(pictures),
        "condition": condition if condition in _CONDITIONS else None,
        "google_category": first("google_product_category"),
        "item_group_id": first("item_group_id"),
        "delivery_cost": delivery_cost,
    }
    return draft


def _path(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part for part in (clean_text(p) for p in value.split(">")) if part)


def attribute_name(header: str) -> str:
    """Map a TSV column name ("image link", "g:price", "Sale_Price") to the attribute name."""
    key = header.strip().lstrip("\ufeff").lower().removeprefix("g:").strip()
    key = _TSV_ALIASES.get(key, key)
    return key.replace(" ", "_")


def parse_tsv(stream: BinaryIO, *, partial: bool | None = None, **_: Any) -> Iterator[FeedItem]:
    """Yield the header, then offers and problems of a Google Merchant TSV (or CSV) file."""
    from .csv_feed import open_text

    text, delimiter = open_text(stream)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise FeedError("empty_file", "The file is empty.")
        names = [attribute_name(h) for h in header]
        checker = OfferChecker()
        yield FeedHeader(format="gmc_tsv", partial=bool(partial))
        last_line = reader.line_num
        for row in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            attributes: dict[str, list[str]] = {}
            for name, cell in zip(names, row, strict=False):
                attributes.setdefault(name, []).append(cell)
            draft = draft_from_attributes(attributes, line)
            yield from (checker.check_update(draft) if partial else checker.check(draft))
    except csv.Error as exc:
        raise FeedError("malformed_csv", f"The file is broken near line {reader.line_num}: {exc}.") from None


def is_gmc_header(header: Sequence[str]) -> bool:
    """Say whether a table header names Google Merchant attributes (id, title, price and a GMC-only one)."""
    names = {attribute_name(h) for h in header}
    return {"id", "title", "price"} <= names and bool(names & {"availability", "image_link", "google_product_category"})
