"""Checking what a buyer or a supplier types: titles, items, quantities, amounts and currencies."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.buyer_requests.errors import RequestError
from marketplace.buyer_requests.models import Visibility
from marketplace.taxonomy.models import Category

#: A buyer lists at most this many items in one request.
MAX_ITEMS = 50

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")
# The columns are Numeric(14, 2) and Numeric(12, 3): larger values overflow on PostgreSQL.
_MAX_MONEY = Decimal("1e12")
_MAX_QUANTITY = Decimal("1e9")


@dataclass(frozen=True)
class ItemInput:
    """One line of a request as the buyer types it."""

    text: str
    quantity: Decimal
    unit: str = "pcs"
    #: The most the buyer will pay per unit, in ``currency``.
    max_price: Decimal | None = None
    currency: str = "UAH"
    category_id: int | None = None
    #: The item being edited; ``None`` for a new line.
    id: int | None = None


#: How far ahead a deadline may be: a year (and a day, for a leap year). A request open
#: until 9999-12-31 is junk that would sit on the home page for ever.
MAX_DEADLINE_DAYS = 366


def latest_deadline(now: dt.datetime) -> dt.date:
    """Return the latest deadline a request published at ``now`` may have."""
    return now.date() + dt.timedelta(days=MAX_DEADLINE_DAYS)


def clean_request(
    title: str,
    region: str | None,
    deadline: dt.date | None,
    visibility: Visibility | str,
    items: Sequence[ItemInput],
    now: dt.datetime,
) -> dict[str, Any]:
    """Return the request's own fields checked and trimmed; raise ``RequestError`` naming the field at fault."""
    title = title.strip()
    if not title:
        raise RequestError(_l("the request needs a title"), field="title")
    if len(title) > 255:
        raise RequestError(_l("the title is longer than 255 characters"), field="title")
    if deadline is not None and deadline < now.date():
        raise RequestError(_l("the deadline is in the past"), field="deadline")
    if deadline is not None and deadline > latest_deadline(now):
        raise RequestError(_l("the deadline is at most %(days)s days ahead", days=MAX_DEADLINE_DAYS), field="deadline")
    if not items:
        raise RequestError(_l("list at least one item"), field="items")
    if len(items) > MAX_ITEMS:
        raise RequestError(_l("a request lists at most %(limit)s items", limit=MAX_ITEMS), field="items")
    try:
        visibility = Visibility(visibility)
    except ValueError:
        raise RequestError(_l("visibility is 'all' or 'matched'"), field="visibility") from None
    return {
        "title": title,
        "region": (region or "").strip()[:255] or None,
        "deadline": deadline,
        "visibility": visibility,
    }


def clean_item(session: Session, position: int, item: ItemInput) -> dict[str, Any]:
    """Return item ``position``'s fields checked and rounded; raise ``RequestError`` naming the field and item."""
    text = item.text.strip()
    if not text:
        raise RequestError(_l("describe the item"), field="text", item=position)
    if len(text) > 500:
        raise RequestError(_l("the description is longer than 500 characters"), field="text", item=position)
    if not item.quantity.is_finite() or item.quantity <= 0:
        raise RequestError(_l("the quantity must be more than zero"), field="quantity", item=position)
    if item.quantity >= _MAX_QUANTITY:
        raise RequestError(_l("the quantity is too large"), field="quantity", item=position)
    quantity = item.quantity.quantize(_MILLI, rounding=ROUND_HALF_UP)
    if quantity <= 0:
        raise RequestError(_l("the quantity must be at least 0.001"), field="quantity", item=position)
    unit = item.unit.strip()
    if not unit or len(unit) > 20:
        raise RequestError(_l("give a unit of at most 20 characters"), field="unit", item=position)
    max_price = None
    if item.max_price is not None:
        if not item.max_price.is_finite() or item.max_price < 0:
            raise RequestError(_l("the price ceiling cannot be negative"), field="max_price", item=position)
        max_price = clean_money(item.max_price, field="max_price", item=position)
    if item.category_id is not None and session.get(Category, item.category_id) is None:
        raise RequestError(_l("there is no such category"), field="category_id", item=position)
    return {
        "text": text,
        "quantity": quantity,
        "unit": unit,
        "max_price": max_price,
        "currency": clean_currency(item.currency, item=position),
        "category_id": item.category_id,
    }


def clean_money(amount: Decimal, *, field: str, item: int | None = None) -> Decimal:
    """Return ``amount`` rounded to cents; raise ``RequestError`` if its column cannot hold it."""
    if amount >= _MAX_MONEY:
        raise RequestError(_l("the amount is too large"), field=field, item=item)
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def clean_currency(code: str, *, item: int | None = None) -> str:
    """Return ``code`` as an upper-case three-letter currency code; raise ``RequestError`` otherwise."""
    code = code.strip().upper()
    if not _CURRENCY_RE.match(code):
        raise RequestError(
            _l("%(code)s is not a currency code such as UAH", code=repr(code)), field="currency", item=item
        )
    return code


def plain_decimal(value: Decimal) -> Decimal:
    """Return ``value`` without trailing zeros and never in exponent form (200, not 2E+2 or 200.000)."""
    # normalize() alone turns 200 into 2E+2; a Decimal made from fixed-point text keeps that form.
    return Decimal(format(value.normalize(), "f"))
