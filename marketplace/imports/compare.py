"""Stage 3, compare: which rows changed, by the digest of their markup and then field by field.

A re-import does not even read the rows that are exactly as last time. Each offer keeps the
digest of the feed row it was read from (``Offer.feed_digest``): the parser's digest of the
row's markup and of the feed-wide facts its parsing depends on, combined here
(``digest_key``) with the facts the import adds (base currency, exchange rates, the
supplier's category mapping, column mapping). The parser yields a row whose digest the
supplier's active offers hold as ``FeedUnchanged``, without parsing it; the import counts it
unchanged and reports the warnings it had last time again (``Offer.feed_warnings``). A partial
update clears the digests of the offers it changes, so their rows are read in full next time.
A row read in full is compared column by column (``compare_offer``): only a changed offer is
written, queued for the index and, when its price moved, recorded in the price history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.imports.report import ImportDiff

#: The offer fields an import compares to decide whether a row changed.
OFFER_FIELDS = (
    "title",
    "title_uk",
    "description",
    "description_uk",
    "brand",
    "model",
    "gtin",
    "mpn",
    "url",
    "pictures",
    "params",
    "price",
    "currency",
    "price_base",
    "old_price",
    "available",
    "stock_quantity",
    "category_id",
    "supplier_category_id",
    "condition",
    "google_category",
    "item_group_id",
    "delivery_cost",
    "recs",
)
#: The fields whose change is recorded in the price history.
PRICE_FIELDS = frozenset({"price", "currency", "old_price", "available"})
COMPARED_COLUMNS = [getattr(Offer, name) for name in OFFER_FIELDS]
#: Part of every stored digest: raise it when the import reads the same row into another offer.
DIGEST_VERSION = 2


def differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old.compare(new) != 0
    if isinstance(old, Decimal) != isinstance(new, Decimal) and old is not None and new is not None:
        return Decimal(str(old)).compare(Decimal(str(new))) != 0
    return bool(old != new)


def digest_key(
    *,
    base_currency: str,
    rates: Mapping[str, Decimal],
    store_url: str | None,
    link_hosts: Iterable[str],
    mapping: Mapping[str, str] | None,
    categories: Iterable[tuple[str, int | None, int | None]],
) -> bytes:
    """Return the key stored digests are made with: the facts of an import that shape an offer beyond its row."""
    facts = json.dumps(
        [
            DIGEST_VERSION,
            base_currency,
            sorted((code, str(rate)) for code, rate in rates.items()),
            store_url,
            sorted(link_hosts),
            sorted((mapping or {}).items()),
            sorted(categories),
        ]
    )
    return hashlib.blake2b(facts.encode(), digest_size=32).digest()


def compare_offer(
    sku: str,
    values: Mapping[str, Any],
    current: Any,
    status: OfferStatus,
    *,
    diff: ImportDiff,
    price_move_percent: Decimal,
) -> tuple[dict[str, Any], bool] | None:
    """Return the changed columns and whether the price history moves, or ``None`` if unchanged."""
    changes: dict[str, Any] = {}
    for name in OFFER_FIELDS:
        new = values[name]
        old = getattr(current, name)
        # Most fields of most rows are equal values of one type: no need for _differs' conversions.
        if old is new or (type(old) is type(new) and old == new):
            continue
        if differs(old, new):
            changes[name] = new
    status_changed = current.status != status
    if not changes and not status_changed:
        return None
    moved = status_changed or bool(PRICE_FIELDS & changes.keys())
    diff._keep("changed", {"sku": sku, "title": values["title"], "fields": sorted(changes)})
    if "price_base" in changes and current.price_base:
        percent = (changes["price_base"] - current.price_base) / current.price_base * 100
        if abs(percent) >= price_move_percent:
            diff._keep(
                "price_moves",
                {
                    "sku": sku,
                    "title": values["title"],
                    "old": str(current.price),
                    "new": str(values["price"]),
                    "currency": values["currency"],
                    "percent": float(round(percent, 1)),
                },
            )
    return changes, moved
