"""Stream a JSON price list in TradeRow's schema (docs/feeds-json.md) with ijson.

``{"shop": {...}, "currency_rates": {...}, "categories": [...], "offers": [...]}``; the
offers' keys are FeedOffer's field names. The file is read event by event and each offer
is built and checked on its own, so memory stays flat however long the offers array is.
A bare top-level array is read as the offers array.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import ijson

from .normalize import (
    PriceError,
    clean_multiline,
    clean_text,
    normalise_currency,
    parse_availability,
    parse_price,
)
from .offers import OfferChecker, OfferDraft
from .rows import FeedCategory, FeedError, FeedHeader, FeedItem, RowProblem

_TEXT_FIELDS = ("brand", "model", "mpn", "category_id", "google_category", "item_group_id", "condition", "title_uk")
_LONG_FIELDS = ("description", "description_uk")
_CONDITIONS = frozenset({"new", "used", "refurbished"})
#: Deepest nesting of arrays and objects accepted; a price list needs four or five levels.
MAX_DEPTH = 64


def parse(stream: BinaryIO, *, partial: bool | None = None, **_: Any) -> Iterator[FeedItem]:
    """Yield the header, the categories, then offers (or updates) and problems of a JSON feed."""
    reader = _JsonFeed(partial)
    try:
        yield from reader.run(stream)
    except ijson.IncompleteJSONError as exc:
        raise FeedError("malformed_json", f"The JSON is broken or cut short: {_short(exc)}. Export it again.") from None
    except ijson.JSONError as exc:
        raise FeedError("malformed_json", f"The JSON is broken: {_short(exc)}.") from None
    except UnicodeDecodeError:
        raise FeedError("bad_encoding", "The JSON file is not UTF-8 text. Save it as UTF-8.") from None


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


class _JsonFeed:
    def __init__(self, partial: bool | None) -> None:
        self.partial = partial
        self.shop_name: str | None = None
        self.rates: dict[str, Decimal] = {}
        self.header_sent = False
        self.pending: list[FeedItem] = []
        self.checker: OfferChecker | None = None
        self.count = 0

    def run(self, stream: BinaryIO) -> Iterator[FeedItem]:
        events = _events(stream)
        event, value = next(events, ("eof", None))
        if event == "start_array":
            yield from self._offers(events)
        elif event == "start_map":
            # Each member's value is consumed whole, so the next event is a key or the end.
            for event, value in events:
                if event == "map_key":
                    yield from self._member(value, events)
                elif event == "end_map":
                    break
        else:
            raise FeedError("malformed_json", 'The JSON file must hold an object with an "offers" array.')
        yield from self._header()

    def _member(self, key: str, events: Iterator[tuple[str, Any]]) -> Iterator[FeedItem]:
        if key == "offers":
            event, _ = next(events, ("eof", None))
            if event != "start_array":
                raise FeedError("malformed_json", 'The "offers" member must be an array of offers.')
            yield from self._offers(events)
            return
        value = _build(events)
        if key == "shop" and isinstance(value, dict):
            self.shop_name = clean_text(_str(value.get("name")))
        elif key == "currency_rates" and isinstance(value, dict):
            for code, rate in value.items():
                currency = normalise_currency(code)
                try:
                    number = Decimal(str(rate))
                except InvalidOperation:
                    continue
                if currency and number.is_finite() and number > 0:
                    self.rates[currency] = number
        elif key == "partial" and isinstance(value, bool) and self.partial is None:
            self.partial = value
        elif key == "categories" and isinstance(value, list):
            for entry in value:
                item = _category(entry)
                if self.header_sent:
                    yield item
                else:
                    self.pending.append(item)

    def _header(self) -> Iterator[FeedItem]:
        if self.header_sent:
            return
        self.header_sent = True
        base = [code for code, rate in self.rates.items() if rate == 1]
        self.checker = OfferChecker(base[0] if len(base) == 1 else None)
        yield FeedHeader(
            format="json", shop_name=self.shop_name, currency_rates=dict(self.rates), partial=bool(self.partial)
        )
        yield from self.pending
        self.pending.clear()

    def _offers(self, events: Iterator[tuple[str, Any]]) -> Iterator[FeedItem]:
        """Read the offers array whose ``start_array`` was consumed, up to its ``end_array``."""
        # Categories must come before offers to be sent before them; later ones still count.
        first = True
        for event, _value in events:
            if event == "end_array":
                # Every item is consumed whole, so this closes the offers array itself.
                break
            if event != "start_map":
                if event == "start_array":
                    _build(events, start="start_array")
                self.count += 1
                yield from self._header()
                yield RowProblem(
                    "invalid_offer", "error", f"Offer #{self.count} is not a JSON object.", line=self.count
                )
                continue
            offer = _build(events, start="start_map")
            self.count += 1
            if first and self.partial is None:
                carries = ("price", "stock_quantity", "available")
                self.partial = not offer.get("title") and any(k in offer for k in carries)
            first = False
            yield from self._header()
            assert self.checker is not None
            draft = _draft(offer, self.count)
            yield from (self.checker.check_update(draft) if self.partial else self.checker.check(draft))


def _events(stream: BinaryIO) -> Iterator[tuple[str, Any]]:
    """Yield ijson's basic events, refusing nesting deeper than ``MAX_DEPTH``.

    ``ijson.parse`` would build a prefix string per event that grows with the depth: a
    40 KB file of ``[[[[...`` then costs gigabytes. Basic events carry no prefix, and the
    depth is counted here instead.
    """
    depth = 0
    for event, value in ijson.basic_parse(stream, use_float=False):
        if event == "start_map" or event == "start_array":
            depth += 1
            if depth > MAX_DEPTH:
                raise FeedError(
                    "malformed_json",
                    f"The JSON is nested deeper than {MAX_DEPTH} levels, which no price list needs; "
                    "the file is broken or not a price list. Export it again.",
                )
        elif event == "end_map" or event == "end_array":
            depth -= 1
        yield event, value


def _build(events: Iterator[tuple[str, Any]], start: str | None = None) -> Any:
    """Build the next complete JSON value from ``events`` (``start`` = its already consumed first event)."""
    builder = ijson.ObjectBuilder()
    depth = 0
    if start is not None:
        builder.event(start, None)
        depth = 1
    for event, value in events:
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            break
    return builder.value


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _category(entry: Any) -> FeedCategory | RowProblem:
    if isinstance(entry, dict):
        category_id = clean_text(_str(entry.get("id")))
        name = clean_text(_str(entry.get("name")))
        if category_id and name:
            return FeedCategory(category_id, name, clean_text(_str(entry.get("parent_id"))))
    return RowProblem(
        "invalid_category", "warning", "A category has no id or no name and was ignored.", field="category"
    )


def _draft(offer: dict[str, Any], number: int) -> OfferDraft:
    draft = OfferDraft(
        line=number,
        sku=clean_text(_str(offer.get("sku"))),
        title=clean_text(_str(offer.get("title"))),
        price=clean_text(_str(offer.get("price"))) if offer.get("price") is not None else None,
        currency=clean_text(_str(offer.get("currency"))),
        old_price=clean_text(_str(offer.get("old_price"))),
        sale_price=clean_text(_str(offer.get("sale_price"))),
    )
    available: bool | None = None
    raw_available = offer.get("available")
    if isinstance(raw_available, bool):
        available = raw_available
    elif raw_available is not None:
        available, _ = parse_availability(_str(raw_available), quantity_first=False)
        if available is None:
            draft.problem(
                "invalid_availability",
                "warning",
                f"available {raw_available!r} is neither true nor false; it was ignored.",
                "available",
                _str(raw_available),
            )
    stock: int | None = None
    raw_stock = offer.get("stock_quantity")
    if raw_stock is not None:
        if isinstance(raw_stock, int) and not isinstance(raw_stock, bool) and raw_stock >= 0:
            stock = raw_stock
        else:
            draft.problem(
                "invalid_stock",
                "warning",
                f"The stock quantity {raw_stock!r} is not a whole number and was ignored.",
                "stock_quantity",
                _str(raw_stock),
            )
    extra: dict[str, Any] = {"available": available, "stock_quantity": stock}
    for name in _TEXT_FIELDS:
        extra[name] = clean_text(_str(offer.get(name)))
    for name in _LONG_FIELDS:
        extra[name] = clean_multiline(_str(offer.get(name)))
    if extra["condition"] not in _CONDITIONS:
        extra["condition"] = None
    extra["url"] = draft.checked_url(clean_text(_str(offer.get("url"))))
    extra["gtin"] = draft.checked_gtin(clean_text(_str(offer.get("gtin"))))
    extra["category_path"] = _strings(offer.get("category_path"))
    extra["pictures"] = tuple(u for u in (draft.checked_url(p) for p in _strings(offer.get("pictures"))) if u)
    params = offer.get("params")
    pairs: list[tuple[str, str]] = []
    if isinstance(params, dict):
        params = list(params.items())
    for pair in params if isinstance(params, list) else []:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            label, value = clean_text(_str(pair[0])), clean_text(_str(pair[1]))
            if label and value:
                pairs.append((label, value))
    extra["params"] = tuple(pairs)
    delivery = offer.get("delivery_cost")
    if delivery is not None:
        try:
            extra["delivery_cost"] = parse_price(_str(delivery) or "")
        except PriceError:
            draft.problem(
                "invalid_delivery_cost",
                "warning",
                f"The delivery cost {delivery!r} is not a price and was ignored.",
                "delivery_cost",
                _str(delivery),
            )
    draft.extra = extra
    return draft


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (clean_text(_str(v)) for v in value) if t)
