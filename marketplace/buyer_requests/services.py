"""Buyer requests: publishing and editing them, matching them to the catalog and suppliers,
sealed quotes, the thread on each quote, accepting and awarding, and expiry.

The state machine is explicit: ``DRAFT`` (saved, not published) → ``OPEN`` (takes quotes
until the end of its deadline's day) → ``CLOSED`` by the buyer, ``EXPIRED`` by the worker
at the deadline, or ``AWARDED`` once every item has an accepted quote (or the buyer says so).
Every change is written to ``RequestEvent``. Quotes are sealed: a supplier sees only its
own, the buyer sees them all. Contacts are exchanged for accepted quotes only.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import exists, or_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.models import (
    BuyerRequest,
    Quote,
    QuoteMessage,
    RequestEvent,
    RequestItem,
    RequestMatch,
    RequestStatus,
    Visibility,
)
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.catalog.pricing import UnknownCurrency, to_base, to_minor
from marketplace.db import utcnow
from marketplace.notifications.services import notify
from marketplace.search.services import OfferHit, search_offers
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.services import in_subtree
from search_index import SearchIndex, SearchQuery

logger = logging.getLogger(__name__)

#: A buyer lists at most this many items in one request.
MAX_ITEMS = 50
#: Statuses in which suppliers may quote; the deadline is checked as well.
QUOTABLE = frozenset({RequestStatus.OPEN})
#: Statuses in which the buyer may still edit the request.
EDITABLE = frozenset({RequestStatus.DRAFT, RequestStatus.OPEN})
#: Statuses in which the buyer may accept quotes: after the deadline the quotes stand.
ACCEPTING = frozenset({RequestStatus.OPEN, RequestStatus.EXPIRED})
#: Catalog offers shown per item.
CATALOG_MATCHES = 5
#: Best-ranked offers per item whose suppliers count as matched by the item's words.
WORD_MATCH_DEPTH = 20
#: Offers a supplier picks from to link to a quote.
OFFER_CHOICES = 200
#: The longest message in a quote's thread.
MAX_MESSAGE = 4000
#: Item fields an accepted quote was given for: they no longer change once it is accepted.
FROZEN_WHEN_ACCEPTED = ("text", "quantity", "unit")

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")
# The columns are Numeric(14, 2) and Numeric(12, 3): larger values overflow on PostgreSQL.
_MAX_MONEY = Decimal("1e12")
_MAX_QUANTITY = Decimal("1e9")


class RequestError(Exception):
    """A request rule was broken; the message is fit to show the user.

    ``field`` names the input at fault (``"title"``, ``"quantity"``, ``"price"``...) and
    ``item`` the 0-based position of the item it belongs to, so that a form can show the
    message next to the right input.
    """

    def __init__(self, message: str, *, field: str | None = None, item: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.item = item


class RequestNotFound(RequestError):
    """No request (or item, or quote) has that id, or the viewer may not see it."""


class PermissionDenied(RequestError):
    """The user may not do this to this request."""


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


@dataclass(frozen=True)
class CatalogSearch:
    """The live catalog a request runs against: the app's index and the rates to its base currency."""

    index: SearchIndex
    rates: Mapping[str, Decimal]


@dataclass(frozen=True)
class Contact:
    """The other side's contact details, shown once a quote is accepted."""

    name: str
    email: str | None
    phone: str | None
    website: str | None = None


def request_path(buyer_request: BuyerRequest | int, anchor: str | None = None) -> str:
    """Return the site path of a request's page, for notifications and the API."""
    request_id = buyer_request if isinstance(buyer_request, int) else buyer_request.id
    return f"/requests/{request_id}" + (f"#{anchor}" if anchor else "")


# --- who may do what ----------------------------------------------------------------------


def may_publish(user: User | None) -> bool:
    """Return whether ``user`` may publish requests: buyers and operators."""
    return user is not None and user.role in (Role.BUYER, Role.ADMIN)


def is_matched(buyer_request: BuyerRequest, supplier_id: int | None) -> bool:
    """Return whether the catalog matched supplier ``supplier_id`` to the request."""
    return supplier_id is not None and any(m.supplier_id == supplier_id for m in buyer_request.matches)


def may_view(buyer_request: BuyerRequest, viewer: User | None) -> bool:
    """Return whether ``viewer`` may see the request.

    Drafts are the buyer's own; a request for matched suppliers only is seen by those
    suppliers besides its buyer and operators; any other request by everyone.
    """
    if may_see_quotes(buyer_request, viewer):
        return True
    if buyer_request.status == RequestStatus.DRAFT:
        return False
    if buyer_request.visibility == Visibility.MATCHED:
        return viewer is not None and viewer.is_supplier and is_matched(buyer_request, viewer.supplier_id)
    return True


def may_see_quotes(buyer_request: BuyerRequest, viewer: User | None) -> bool:
    """Return whether ``viewer`` sees every quote on the request: its buyer and operators."""
    return viewer is not None and (viewer.id == buyer_request.buyer_id or viewer.is_admin)


def may_manage(buyer_request: BuyerRequest, user: User | None) -> bool:
    """Return whether ``user`` may edit, close, accept on or award the request: its buyer only."""
    return user is not None and user.id == buyer_request.buyer_id


def may_quote(user: User | None) -> bool:
    """Return whether ``user`` may quote: members of a supplier's team."""
    return user is not None and user.is_supplier


def may_see_thread(quote: Quote, viewer: User | None) -> bool:
    """Return whether ``viewer`` reads the thread of ``quote``: the buyer, the quoting supplier, operators."""
    if viewer is None:
        return False
    return may_see_quotes(quote.item.request, viewer) or (
        viewer.is_supplier and viewer.supplier_id == quote.supplier_id
    )


def accepts_quotes(buyer_request: BuyerRequest, *, now: dt.datetime | None = None) -> bool:
    """Return whether suppliers may quote on the request now."""
    if buyer_request.status not in QUOTABLE:
        return False
    today = (now or utcnow()).date()
    # Quotes are accepted until the end of the deadline's day.
    return buyer_request.deadline is None or buyer_request.deadline >= today


# --- history ------------------------------------------------------------------------------


def _record(
    session: Session,
    buyer_request: BuyerRequest,
    actor: User | None,
    kind: str,
    now: dt.datetime | None = None,
    **detail: Any,
) -> RequestEvent:
    event = RequestEvent(
        request=buyer_request,
        actor_id=actor.id if actor else None,
        kind=kind,
        detail=detail,
        created_at=now or utcnow(),
    )
    session.add(event)
    return event


def request_history(session: Session, buyer_request: BuyerRequest, viewer: User | None) -> list[RequestEvent]:
    """Return every recorded change of the request, oldest first; its buyer and operators only."""
    if not may_see_quotes(buyer_request, viewer):
        raise PermissionDenied("only the buyer sees the history of a request")
    query = (
        select(RequestEvent)
        .where(RequestEvent.request_id == buyer_request.id)
        .options(joinedload(RequestEvent.actor))
        .order_by(RequestEvent.id)
    )
    return list(session.scalars(query))


# --- publishing and editing ---------------------------------------------------------------


def publish_request(
    session: Session,
    buyer: User,
    *,
    title: str,
    items: Sequence[ItemInput],
    region: str | None = None,
    deadline: dt.date | None = None,
    now: dt.datetime | None = None,
    visibility: Visibility | str = Visibility.ALL,
    draft: bool = False,
    catalog: CatalogSearch | None = None,
) -> BuyerRequest:
    """Publish a request for suppliers to quote on and return it, ``OPEN`` (or ``DRAFT`` if ``draft``).

    Publishing matches suppliers to it (``match_suppliers``) and notifies them. Raise
    ``PermissionDenied`` unless ``buyer`` is a buyer or an operator, and ``RequestError``
    for a blank title, no items or more than ``MAX_ITEMS``, a quantity that is not
    positive, a negative price ceiling, or a deadline in the past.
    """
    if not may_publish(buyer):
        raise PermissionDenied("only buyers can publish requests")
    now = now or utcnow()
    fields = _clean_request(title, region, deadline, visibility, items, now)
    buyer_request = BuyerRequest(
        buyer=buyer,
        status=RequestStatus.DRAFT,
        items=[RequestItem(position=p, **_clean_item(session, p, item)) for p, item in enumerate(items)],
        created_at=now,
        **fields,
    )
    session.add(buyer_request)
    _record(session, buyer_request, buyer, "created", now, items=len(items))
    session.flush()
    if draft:
        logger.info("User %d saved request %d as a draft (%d items)", buyer.id, buyer_request.id, len(items))
        return buyer_request
    return _publish(session, buyer_request, buyer, now, catalog)


def publish_draft(
    session: Session,
    buyer_request: BuyerRequest,
    actor: User,
    *,
    now: dt.datetime | None = None,
    catalog: CatalogSearch | None = None,
) -> BuyerRequest:
    """Publish a draft: it opens for quotes and matched suppliers are notified."""
    if not may_manage(buyer_request, actor):
        raise PermissionDenied("only the buyer can publish the request")
    if buyer_request.status != RequestStatus.DRAFT:
        raise RequestError("only a draft can be published")
    now = now or utcnow()
    if buyer_request.deadline is not None and buyer_request.deadline < now.date():
        raise RequestError("the deadline is in the past", field="deadline")
    return _publish(session, buyer_request, actor, now, catalog)


def _publish(
    session: Session, buyer_request: BuyerRequest, actor: User, now: dt.datetime, catalog: CatalogSearch | None
) -> BuyerRequest:
    buyer_request.status = RequestStatus.OPEN
    buyer_request.published_at = now
    _record(session, buyer_request, actor, "published", now)
    session.flush()
    matched = _add_matches(session, buyer_request, catalog)
    logger.info(
        "User %d published request %d (%d items, %s, %d suppliers matched)",
        actor.id,
        buyer_request.id,
        len(buyer_request.items),
        buyer_request.visibility,
        len(matched),
    )
    return buyer_request


def update_request(
    session: Session,
    buyer_request: BuyerRequest,
    actor: User,
    *,
    title: str,
    items: Sequence[ItemInput],
    region: str | None = None,
    deadline: dt.date | None = None,
    visibility: Visibility | str = Visibility.ALL,
    now: dt.datetime | None = None,
    catalog: CatalogSearch | None = None,
) -> dict[str, Any]:
    """Apply the buyer's edit to a draft or open request; return what changed (also recorded).

    Items with an ``id`` are updated in place (their quotes stay), items without one are
    added, and items left out are removed with their quotes, unless a quote on one was
    accepted. An open request is matched again, and newly matched suppliers are notified.
    """
    if not may_manage(buyer_request, actor):
        raise PermissionDenied("only the buyer can edit the request")
    if buyer_request.status not in EDITABLE:
        raise RequestError("only a draft or an open request can be edited")
    now = now or utcnow()
    fields = _clean_request(title, region, deadline, visibility, items, now)
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        old = getattr(buyer_request, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(buyer_request, name, value)

    existing = {item.id: item for item in buyer_request.items}
    kept: list[RequestItem] = []
    item_changes: list[dict[str, Any]] = []
    # Suppliers to tell once the whole edit is known to be valid: (kind, quote, item text).
    to_notify: list[tuple[str, Quote, str]] = []
    for position, item_input in enumerate(items):
        values = _clean_item(session, position, item_input)
        if item_input.id is None:
            new_item = RequestItem(position=position, **values)
            kept.append(new_item)
            item_changes.append({"added": values["text"]})
            continue
        item = existing.get(item_input.id)
        if item is None:
            raise RequestError("the request has no such item", field="text", item=position)
        diff = {
            name: [_plain(getattr(item, name)), _plain(value)]
            for name, value in values.items()
            if getattr(item, name) != value
        }
        frozen = [name for name in FROZEN_WHEN_ACCEPTED if name in diff]
        if frozen and any(quote.accepted for quote in item.quotes):
            # The accepted quote's total is price × this quantity: changing what was agreed
            # would silently change the deal.
            raise RequestError(
                "you accepted a quote on this item: its description, quantity and unit can no longer change",
                field=frozen[0],
                item=position,
            )
        old_text = item.text
        for name, value in values.items():
            setattr(item, name, value)
        item.position = position
        if diff:
            change: dict[str, Any] = {"id": item.id, **diff}
            if item.quotes:
                change["quoted_by"] = sorted(quote.supplier.name for quote in item.quotes)
                to_notify.extend(("quote.item_changed", quote, old_text) for quote in item.quotes)
            item_changes.append(change)
        kept.append(item)
    kept_ids = {item.id for item in kept if item.id is not None}
    for item in existing.values():
        if item.id in kept_ids:
            continue
        if any(quote.accepted for quote in item.quotes):
            raise RequestError("an item with an accepted quote cannot be removed", field="items")
        removal: dict[str, Any] = {"removed": item.text}
        if item.quotes:
            # The quotes go with the item (delete-orphan): the history keeps what they were.
            removal["quotes"] = [
                {"id": q.id, "supplier": q.supplier.name, "price": str(q.price), "currency": q.currency}
                for q in sorted(item.quotes, key=lambda q: q.id)
            ]
            to_notify.extend(("quote.item_removed", quote, item.text) for quote in item.quotes)
        item_changes.append(removal)
    notices = [(kind, quote.supplier_id, text) for kind, quote, text in to_notify]
    buyer_request.items = kept
    if item_changes:
        changes["items"] = item_changes
    if not changes:
        return changes
    _record(session, buyer_request, actor, "edited", now, changes=changes)
    session.flush()
    for kind, supplier_id, text in notices:
        notify(
            session,
            _members(session, [supplier_id]),
            kind,
            {"item": text, "title": buyer_request.title},
            link=request_path(buyer_request),
        )
    if buyer_request.status == RequestStatus.OPEN:
        _add_matches(session, buyer_request, catalog)
    logger.info("User %d edited request %d: %s", actor.id, buyer_request.id, ", ".join(changes))
    return changes


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON can hold it, for the history."""
    if isinstance(value, Decimal):
        # Fixed-point: normalize() alone turns 200 into "2E+2".
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _clean_request(
    title: str,
    region: str | None,
    deadline: dt.date | None,
    visibility: Visibility | str,
    items: Sequence[ItemInput],
    now: dt.datetime,
) -> dict[str, Any]:
    title = title.strip()
    if not title:
        raise RequestError("the request needs a title", field="title")
    if len(title) > 255:
        raise RequestError("the title is longer than 255 characters", field="title")
    if deadline is not None and deadline < now.date():
        raise RequestError("the deadline is in the past", field="deadline")
    if not items:
        raise RequestError("list at least one item", field="items")
    if len(items) > MAX_ITEMS:
        raise RequestError(f"a request lists at most {MAX_ITEMS} items", field="items")
    try:
        visibility = Visibility(visibility)
    except ValueError:
        raise RequestError("visibility is 'all' or 'matched'", field="visibility") from None
    return {
        "title": title,
        "region": (region or "").strip()[:255] or None,
        "deadline": deadline,
        "visibility": visibility,
    }


def _clean_item(session: Session, position: int, item: ItemInput) -> dict[str, Any]:
    text = item.text.strip()
    if not text:
        raise RequestError("describe the item", field="text", item=position)
    if len(text) > 500:
        raise RequestError("the description is longer than 500 characters", field="text", item=position)
    if not item.quantity.is_finite() or item.quantity <= 0:
        raise RequestError("the quantity must be more than zero", field="quantity", item=position)
    if item.quantity >= _MAX_QUANTITY:
        raise RequestError("the quantity is too large", field="quantity", item=position)
    quantity = item.quantity.quantize(_MILLI, rounding=ROUND_HALF_UP)
    if quantity <= 0:
        raise RequestError("the quantity must be at least 0.001", field="quantity", item=position)
    unit = item.unit.strip()
    if not unit or len(unit) > 20:
        raise RequestError("give a unit of at most 20 characters", field="unit", item=position)
    max_price = None
    if item.max_price is not None:
        if not item.max_price.is_finite() or item.max_price < 0:
            raise RequestError("the price ceiling cannot be negative", field="max_price", item=position)
        max_price = _money(item.max_price, field="max_price", item=position)
    if item.category_id is not None and session.get(Category, item.category_id) is None:
        raise RequestError("there is no such category", field="category_id", item=position)
    return {
        "text": text,
        "quantity": quantity,
        "unit": unit,
        "max_price": max_price,
        "currency": _currency(item.currency, item=position),
        "category_id": item.category_id,
    }


def _money(amount: Decimal, *, field: str, item: int | None = None) -> Decimal:
    if amount >= _MAX_MONEY:
        raise RequestError("the amount is too large", field=field, item=item)
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _currency(code: str, *, item: int | None = None) -> str:
    code = code.strip().upper()
    if not _CURRENCY_RE.match(code):
        raise RequestError(f"{code!r} is not a currency code such as UAH", field="currency", item=item)
    return code


def close_request(
    session: Session, buyer_request: BuyerRequest, actor: User, *, now: dt.datetime | None = None
) -> None:
    """Close a draft or open request at the buyer's word: it takes no more quotes."""
    if not may_manage(buyer_request, actor):
        raise PermissionDenied("only the buyer can close the request")
    if buyer_request.status not in EDITABLE:
        raise RequestError("the request is already closed")
    now = now or utcnow()
    buyer_request.status = RequestStatus.CLOSED
    buyer_request.ended_at = now
    _record(session, buyer_request, actor, "closed", now)
    session.flush()
    logger.info("User %d closed request %d", actor.id, buyer_request.id)


def expire_requests(session: Session, now: dt.datetime | None = None) -> list[BuyerRequest]:
    """Mark open requests whose deadline's day has passed ``EXPIRED``, tell their buyers, and return them."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(BuyerRequest)
            .where(BuyerRequest.status == RequestStatus.OPEN, BuyerRequest.deadline < now.date())
            .options(joinedload(BuyerRequest.buyer))
            .order_by(BuyerRequest.id)
        )
    )
    for buyer_request in due:
        buyer_request.status = RequestStatus.EXPIRED
        buyer_request.ended_at = now
        _record(session, buyer_request, None, "expired", now, deadline=_plain(buyer_request.deadline))
        notify(
            session,
            [buyer_request.buyer],
            "request.expired",
            {"title": buyer_request.title},
            link=request_path(buyer_request),
        )
    session.flush()
    if due:
        logger.info("Expired %d requests past their deadline: %s", len(due), [r.id for r in due])
    return due


# --- the live catalog and matched suppliers -----------------------------------------------


def catalog_query(item: RequestItem, rates: Mapping[str, Decimal], *, per_page: int = CATALOG_MATCHES) -> SearchQuery:
    """Return the search that finds catalog offers for ``item``: its words, category and price ceiling."""
    max_price_minor = None
    if item.max_price is not None:
        try:
            max_price_minor = to_minor(to_base(item.max_price, item.currency, rates))
        except UnknownCurrency:
            max_price_minor = None  # a ceiling we cannot convert does not filter
    return SearchQuery(text=item.text, max_price_minor=max_price_minor, category_id=item.category_id, per_page=per_page)


def catalog_matches(session: Session, buyer_request: BuyerRequest, catalog: CatalogSearch) -> dict[int, list[OfferHit]]:
    """Run every item against the live catalog now; return the best offers by item id.

    A request behaves like a saved search: this runs again on every view, so new offers show up.
    """
    return {
        item.id: search_offers(session, catalog.index, catalog_query(item, catalog.rates)).hits
        for item in buyer_request.items
    }


def match_suppliers(session: Session, buyer_request: BuyerRequest, catalog: CatalogSearch | None) -> dict[int, str]:
    """Return the suppliers that fit the request, by id, with why: ``category`` or ``words``.

    A supplier fits when it has active offers in an item's category (or below it), or when
    one of its offers is among the ``WORD_MATCH_DEPTH`` best that contain every word of an
    item. Without a ``catalog`` only categories are compared.
    """
    found: dict[int, str] = {}
    for item in buyer_request.items:
        if item.category_id is not None:
            for supplier_id in session.scalars(_suppliers_in_category(item.category_id)):
                found.setdefault(supplier_id, "category")
    if catalog is None:
        return found
    slugs: set[str] = set()
    for item in buyer_request.items:
        results = catalog.index.search(SearchQuery(text=item.text, per_page=WORD_MATCH_DEPTH))
        # A relaxed result matched any one word ("20", "mm"): too loose to bother a supplier with.
        if not results.relaxed:
            slugs.update(hit.supplier for hit in results.hits)
    if slugs:
        for supplier_id in session.scalars(select(Supplier.id).where(Supplier.slug.in_(slugs))):
            found.setdefault(supplier_id, "words")
    return found


def _suppliers_in_category(category_id: int) -> Any:
    return (
        select(Offer.supplier_id)
        .where(Offer.status == OfferStatus.ACTIVE, Offer.category_id.in_(in_subtree(category_id)))
        .distinct()
    )


def _add_matches(session: Session, buyer_request: BuyerRequest, catalog: CatalogSearch | None) -> list[int]:
    """Record newly matched suppliers and notify their teams; return their ids."""
    known = {m.supplier_id for m in buyer_request.matches}
    new = {sid: reason for sid, reason in match_suppliers(session, buyer_request, catalog).items() if sid not in known}
    for supplier_id, reason in sorted(new.items()):
        buyer_request.matches.append(RequestMatch(supplier_id=supplier_id, reason=reason))
    session.flush()
    if new:
        notify(
            session,
            _members(session, new),
            "request.matched",
            {"title": buyer_request.title},
            link=request_path(buyer_request),
        )
    return sorted(new)


def _members(session: Session, supplier_ids: Iterable[int]) -> list[User]:
    ids = list(supplier_ids)
    if not ids:
        return []
    query = select(User).where(User.supplier_id.in_(ids), User.role == Role.SUPPLIER).order_by(User.id)
    return list(session.scalars(query))


# --- reading ------------------------------------------------------------------------------


def open_requests(
    session: Session,
    *,
    now: dt.datetime | None = None,
    viewer: User | None = None,
    category_id: int | None = None,
) -> list[BuyerRequest]:
    """Return the requests that take quotes now and that ``viewer`` may see, newest first.

    Anonymous visitors and buyers see the public ones (buyers their own too), a supplier
    also those it was matched to, operators all. ``category_id`` keeps requests with an
    item in that category or below it.
    """
    today = (now or utcnow()).date()
    query = (
        select(BuyerRequest)
        .where(
            BuyerRequest.status.in_(QUOTABLE),
            or_(BuyerRequest.deadline.is_(None), BuyerRequest.deadline >= today),
        )
        .options(selectinload(BuyerRequest.items))
        .order_by(BuyerRequest.published_at.desc(), BuyerRequest.id.desc())
    )
    query = query.where(_visible_to(viewer))
    if category_id is not None:
        query = query.where(
            exists()
            .where(RequestItem.request_id == BuyerRequest.id)
            .where(RequestItem.category_id.in_(in_subtree(category_id)))
        )
    return list(session.scalars(query))


def _visible_to(viewer: User | None) -> Any:
    """Return the condition on ``BuyerRequest`` for the published requests ``viewer`` may see (``may_view``)."""
    if viewer is not None and viewer.is_admin:
        return true()
    visible = [BuyerRequest.visibility == Visibility.ALL]
    if viewer is not None:
        visible.append(BuyerRequest.buyer_id == viewer.id)
        if viewer.is_supplier:
            visible.append(
                exists().where(
                    RequestMatch.request_id == BuyerRequest.id, RequestMatch.supplier_id == viewer.supplier_id
                )
            )
    return or_(*visible)


def requests_of(session: Session, buyer: User) -> list[BuyerRequest]:
    """Return every request ``buyer`` made, in any state, newest first."""
    query = (
        select(BuyerRequest)
        .where(BuyerRequest.buyer_id == buyer.id)
        .options(selectinload(BuyerRequest.items))
        .order_by(BuyerRequest.created_at.desc(), BuyerRequest.id.desc())
    )
    return list(session.scalars(query))


def request_categories(
    session: Session, *, viewer: User | None = None, now: dt.datetime | None = None
) -> list[Category]:
    """Return the categories that items of the open requests ``viewer`` may see name, for the list's filter.

    The same requests as ``open_requests`` lists: a supplier also finds the categories of
    the private requests it was matched to, an operator those of every open request.
    """
    today = (now or utcnow()).date()
    query = (
        select(Category)
        .join(RequestItem, RequestItem.category_id == Category.id)
        .join(BuyerRequest, BuyerRequest.id == RequestItem.request_id)
        .where(
            BuyerRequest.status.in_(QUOTABLE),
            or_(BuyerRequest.deadline.is_(None), BuyerRequest.deadline >= today),
            _visible_to(viewer),
        )
        .distinct()
        .order_by(Category.path)
    )
    return list(session.scalars(query))


def item_categories(session: Session, *, max_depth: int = 1) -> list[Category]:
    """Return the categories a buyer picks an item's category from: the tree's top levels."""
    return list(session.scalars(select(Category).where(Category.depth <= max_depth).order_by(Category.path)))


def get_request(session: Session, request_id: int) -> BuyerRequest:
    """Return the request with ``request_id`` and its items; raise ``RequestNotFound``."""
    buyer_request = session.get(BuyerRequest, request_id, options=[selectinload(BuyerRequest.items)])
    if buyer_request is None:
        raise RequestNotFound(f"there is no request {request_id}")
    return buyer_request


def get_item(session: Session, request_id: int, item_id: int) -> RequestItem:
    """Return item ``item_id`` of request ``request_id``; raise ``RequestNotFound``."""
    item = session.get(RequestItem, item_id)
    if item is None or item.request_id != request_id:
        raise RequestNotFound(f"request {request_id} has no item {item_id}")
    return item


def get_quote(session: Session, request_id: int, quote_id: int) -> Quote:
    """Return quote ``quote_id`` on request ``request_id``; raise ``RequestNotFound``."""
    quote = session.get(Quote, quote_id)
    if quote is None or quote.item.request_id != request_id:
        raise RequestNotFound(f"request {request_id} has no quote {quote_id}")
    return quote


# --- quotes -------------------------------------------------------------------------------


def submit_quote(
    session: Session,
    supplier: Supplier,
    item: RequestItem,
    *,
    price: Decimal,
    currency: str,
    delivery_cost: Decimal | None = None,
    availability: str | None = None,
    valid_until: dt.date | None = None,
    note: str | None = None,
    offer_id: int | None = None,
    now: dt.datetime | None = None,
    actor: User | None = None,
) -> Quote:
    """Record ``supplier``'s quote on ``item``, tell the buyer, and return it.

    A supplier has one quote per item: submitting again updates it (an accepted quote is
    final). Raise ``RequestError`` if the request no longer takes quotes or an amount is
    out of range, and ``PermissionDenied`` if the request is not shown to the supplier or
    ``offer_id`` is not one of the supplier's active offers.
    """
    now = now or utcnow()
    buyer_request = item.request
    if not accepts_quotes(buyer_request, now=now):
        raise RequestError("this request no longer takes quotes")
    if buyer_request.visibility == Visibility.MATCHED and not is_matched(buyer_request, supplier.id):
        raise PermissionDenied("this request is for matched suppliers only")
    if not price.is_finite() or price <= 0:
        raise RequestError("the price must be more than zero", field="price")
    price = _money(price, field="price")
    if price <= 0:
        raise RequestError("the price must be at least 0.01", field="price")
    if delivery_cost is not None:
        if not delivery_cost.is_finite() or delivery_cost < 0:
            raise RequestError("the delivery cost cannot be negative", field="delivery_cost")
        delivery_cost = _money(delivery_cost, field="delivery_cost")
    currency = _currency(currency)
    if valid_until is not None and valid_until < now.date():
        raise RequestError("the quote would already have run out", field="valid_until")
    if offer_id is not None:
        offer = session.get(Offer, offer_id)
        # One message for "absent" and "someone else's", so that ids of others' offers do not leak.
        if offer is None or offer.supplier_id != supplier.id or not offer.is_active:
            raise PermissionDenied("that offer is not in your price list", field="offer_id")

    quote = session.scalar(select(Quote).where(Quote.item_id == item.id, Quote.supplier_id == supplier.id))
    created = quote is None
    if quote is None:
        quote = Quote(item=item, supplier=supplier, created_at=now)
        session.add(quote)
    elif quote.accepted:
        raise RequestError("the buyer accepted this quote; it can no longer change")
    quote.price = price
    quote.currency = currency
    quote.delivery_cost = delivery_cost
    quote.availability = (availability or "").strip()[:255] or None
    quote.valid_until = valid_until
    quote.note = (note or "").strip() or None
    quote.offer_id = offer_id
    session.flush()
    kind = "quoted" if created else "requoted"
    _record(
        session, buyer_request, actor, kind, now,
        quote=quote.id, item=item.id, supplier=supplier.name, price=str(price), currency=currency,
    )  # fmt: skip
    notify(
        session,
        [buyer_request.buyer],
        "quote.new" if created else "quote.updated",
        {"supplier": supplier.name, "item": item.text, "title": buyer_request.title},
        link=request_path(buyer_request, f"quote-{quote.id}"),
    )
    logger.info(
        "Supplier %d %s quote %d on item %d of request %d: %s %s",
        supplier.id,
        "submitted" if created else "updated",
        quote.id,
        item.id,
        item.request_id,
        price,
        quote.currency,
    )
    return quote


def quote_offer_choices(
    session: Session,
    supplier: Supplier,
    item: RequestItem,
    catalog: CatalogSearch | None = None,
    *,
    limit: int = OFFER_CHOICES,
) -> list[Offer]:
    """Return the offers ``supplier`` may link to a quote on ``item``: its own active ones.

    Those the catalog finds for the item's words come first, best first, then the rest by
    title, at most ``limit`` in all. ``submit_quote`` checks the choice again.
    """
    own = (Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
    ranked: list[int] = []
    if catalog is not None:
        results = catalog.index.search(
            SearchQuery(text=item.text, suppliers=(supplier.slug,), per_page=min(limit, CATALOG_MATCHES * 2))
        )
        ranked = [hit.offer_id for hit in results.hits]
    best = {o.id: o for o in session.scalars(select(Offer).where(*own, Offer.id.in_(ranked)))} if ranked else {}
    chosen = [best[offer_id] for offer_id in dict.fromkeys(ranked) if offer_id in best]
    rest = session.scalars(
        select(Offer).where(*own, Offer.id.not_in([o.id for o in chosen])).order_by(Offer.title, Offer.id)
        .limit(max(limit - len(chosen), 0))
    )  # fmt: skip
    return chosen + list(rest)


def quotes_for_buyer(
    session: Session,
    buyer_request: BuyerRequest,
    viewer: User,
    *,
    rates: Mapping[str, Decimal] | None = None,
) -> dict[int, list[Quote]]:
    """Return every quote on the request by item id, cheapest total first.

    Only the request's buyer and operators may see them; raise ``PermissionDenied`` for
    anyone else. Every item has a key, with an empty list when nobody quoted. Given
    ``rates`` to the base currency, totals in different currencies are compared in it;
    quotes in a currency without a rate come last.
    """
    if not may_see_quotes(buyer_request, viewer):
        raise PermissionDenied("only the buyer sees the quotes on a request")
    by_item: dict[int, list[Quote]] = {item.id: [] for item in buyer_request.items}
    query = (
        select(Quote)
        .join(Quote.item)
        .where(RequestItem.request_id == buyer_request.id)
        .options(joinedload(Quote.supplier), joinedload(Quote.offer), selectinload(Quote.messages))
    )
    for quote in session.scalars(query):
        by_item.setdefault(quote.item_id, []).append(quote)

    def rank(quote: Quote) -> tuple[bool, Decimal, int]:
        total = quote.total
        if rates is not None:
            try:
                total = to_base(total, quote.currency, rates)
            except UnknownCurrency:
                return (True, total, quote.id)
        return (False, total, quote.id)

    for quotes in by_item.values():
        quotes.sort(key=rank)
    return by_item


def quotes_of_supplier(session: Session, buyer_request: BuyerRequest, supplier: Supplier) -> dict[int, Quote]:
    """Return ``supplier``'s own quotes on the request by item id; never anyone else's."""
    query = (
        select(Quote)
        .join(Quote.item)
        .where(RequestItem.request_id == buyer_request.id, Quote.supplier_id == supplier.id)
        .options(selectinload(Quote.messages))
    )
    return {quote.item_id: quote for quote in session.scalars(query)}


# --- the thread on a quote ----------------------------------------------------------------


def post_message(
    session: Session, quote: Quote, author: User, body: str, *, now: dt.datetime | None = None
) -> QuoteMessage:
    """Add ``author``'s message to the quote's thread and notify the other side.

    The request's buyer asks, the quoting supplier's team answers; nobody else posts.
    """
    buyer_request = quote.item.request
    if author.id == buyer_request.buyer_id:
        side = "buyer"
    elif author.is_supplier and author.supplier_id == quote.supplier_id:
        side = "supplier"
    else:
        raise PermissionDenied("only the buyer and the quoting supplier write in this thread")
    if buyer_request.status in (RequestStatus.CLOSED, RequestStatus.DRAFT):
        raise RequestError("the request is closed")
    body = body.strip()
    if not body:
        raise RequestError("write a message", field="body")
    if len(body) > MAX_MESSAGE:
        raise RequestError(f"a message has at most {MAX_MESSAGE} characters", field="body")
    now = now or utcnow()
    message = QuoteMessage(quote=quote, author_id=author.id, side=side, body=body, created_at=now)
    session.add(message)
    session.flush()
    _record(session, buyer_request, author, "message", now, quote=quote.id, side=side)
    params = {"supplier": quote.supplier.name, "item": quote.item.text, "title": buyer_request.title}
    link = request_path(buyer_request, f"quote-{quote.id}")
    if side == "buyer":
        notify(session, _members(session, [quote.supplier_id]), "quote.question", params, link=link)
    else:
        notify(session, [buyer_request.buyer], "quote.answer", params, link=link)
    session.flush()
    logger.info("User %d (%s) wrote on quote %d of request %d", author.id, side, quote.id, buyer_request.id)
    return message


# --- accepting and awarding ---------------------------------------------------------------


def accept_quote(session: Session, quote: Quote, actor: User, *, now: dt.datetime | None = None) -> Quote:
    """Accept ``quote`` for its item: contacts are exchanged and the supplier is notified.

    One quote per item. When every item has an accepted quote, the request is awarded.
    """
    buyer_request = quote.item.request
    if not may_manage(buyer_request, actor):
        raise PermissionDenied("only the buyer can accept a quote")
    if buyer_request.status not in ACCEPTING:
        raise RequestError("quotes on this request can no longer be accepted")
    now = now or utcnow()
    # Lock the item (a no-op on SQLite, which writes one transaction at a time): a second
    # accept on the same item waits here, then sees this one's quote as accepted.
    session.execute(select(RequestItem.id).where(RequestItem.id == quote.item_id).with_for_update()).one()
    accepted_ids = set(session.scalars(select(Quote.id).where(Quote.item_id == quote.item_id, Quote.accepted)))
    if quote.id in accepted_ids:
        raise RequestError("this quote is already accepted")
    if quote.valid_until is not None and quote.valid_until < now.date():
        raise RequestError("this quote has run out")
    if accepted_ids:
        raise RequestError("you already accepted a quote on this item")
    quote.accepted = True
    quote.accepted_at = now
    session.flush()
    _record(
        session, buyer_request, actor, "accepted", now, quote=quote.id, item=quote.item_id, supplier=quote.supplier.name
    )
    notify(
        session,
        _members(session, [quote.supplier_id]),
        "quote.accepted",
        {"item": quote.item.text, "title": buyer_request.title},
        link=request_path(buyer_request, f"quote-{quote.id}"),
    )
    logger.info(
        "User %d accepted quote %d of supplier %d on request %d",
        actor.id,
        quote.id,
        quote.supplier_id,
        buyer_request.id,
    )
    if all(any(q.accepted for q in item.quotes) for item in buyer_request.items):
        _award(session, buyer_request, actor, now)
    session.flush()
    return quote


def award_request(
    session: Session, buyer_request: BuyerRequest, actor: User, *, now: dt.datetime | None = None
) -> None:
    """Mark the request awarded at the buyer's word, with at least one accepted quote."""
    if not may_manage(buyer_request, actor):
        raise PermissionDenied("only the buyer can award the request")
    if buyer_request.status not in ACCEPTING:
        raise RequestError("this request can no longer be awarded")
    if not any(q.accepted for item in buyer_request.items for q in item.quotes):
        raise RequestError("accept a quote first")
    _award(session, buyer_request, actor, now or utcnow())
    session.flush()


def _award(session: Session, buyer_request: BuyerRequest, actor: User, now: dt.datetime) -> None:
    buyer_request.status = RequestStatus.AWARDED
    buyer_request.ended_at = now
    _record(session, buyer_request, actor, "awarded", now)
    logger.info("Request %d is awarded", buyer_request.id)


def exchanged_contact(session: Session, quote: Quote, viewer: User | None) -> Contact | None:
    """Return the other side's contacts for an accepted quote, or ``None``.

    The buyer (and operators) see the supplier's; the quoting supplier's team sees the
    buyer's. Nobody sees any before the quote is accepted.
    """
    if viewer is None or not quote.accepted:
        return None
    buyer_request = quote.item.request
    if may_see_quotes(buyer_request, viewer):
        supplier = quote.supplier
        members = _members(session, [supplier.id])
        email = supplier.contact_email or (members[0].email if members else None)
        phone = supplier.contact_phone or next((m.phone for m in members if m.phone), None)
        return Contact(name=supplier.name, email=email, phone=phone, website=supplier.store_url)
    if viewer.is_supplier and viewer.supplier_id == quote.supplier_id:
        buyer = buyer_request.buyer
        return Contact(name=buyer.display_name, email=buyer.email, phone=buyer.phone)
    return None
