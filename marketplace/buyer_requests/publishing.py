"""Publishing, editing, closing and expiring buyer requests.

The state machine is explicit: ``DRAFT`` (saved, not published) → ``OPEN`` (takes quotes
until the end of its deadline's day) → ``CLOSED`` by the buyer, ``EXPIRED`` by the worker
at the deadline, or ``AWARDED`` once every item has an accepted quote (or the buyer says so).
Every change is written to ``RequestEvent``. Quotes are sealed: a supplier sees only its
own, the buyer sees them all. Contacts are exchanged for accepted quotes only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from marketplace.accounts.models import User
from marketplace.buyer_requests.access import EDITABLE, may_manage, may_publish
from marketplace.buyer_requests.errors import PermissionDenied, RequestError
from marketplace.buyer_requests.history import plain_value, record_event
from marketplace.buyer_requests.inputs import ItemInput, clean_item, clean_request
from marketplace.buyer_requests.matching import CatalogSearch, add_matches
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem, RequestStatus, Visibility
from marketplace.buyer_requests.notices import request_path, supplier_members
from marketplace.db import utcnow
from marketplace.events.log import log_event
from marketplace.notifications.services import notify

logger = logging.getLogger(__name__)


#: Item fields an accepted quote was given for: they no longer change once it is accepted.
FROZEN_WHEN_ACCEPTED = ("text", "quantity", "unit")


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
        raise PermissionDenied(_l("only buyers can publish requests"))
    now = now or utcnow()
    fields = clean_request(title, region, deadline, visibility, items, now)
    buyer_request = BuyerRequest(
        buyer=buyer,
        status=RequestStatus.DRAFT,
        items=[RequestItem(position=p, **clean_item(session, p, item)) for p, item in enumerate(items)],
        created_at=now,
        **fields,
    )
    session.add(buyer_request)
    record_event(session, buyer_request, buyer, "created", now, items=len(items))
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
        raise PermissionDenied(_l("only the buyer can publish the request"))
    if buyer_request.status != RequestStatus.DRAFT:
        raise RequestError(_l("only a draft can be published"))
    now = now or utcnow()
    if buyer_request.deadline is not None and buyer_request.deadline < now.date():
        raise RequestError(_l("the deadline is in the past"), field="deadline")
    return _publish(session, buyer_request, actor, now, catalog)


def _publish(
    session: Session, buyer_request: BuyerRequest, actor: User, now: dt.datetime, catalog: CatalogSearch | None
) -> BuyerRequest:
    buyer_request.status = RequestStatus.OPEN
    buyer_request.published_at = now
    record_event(session, buyer_request, actor, "published", now)
    session.flush()
    log_event("request_published", request_id=buyer_request.id)
    matched = add_matches(session, buyer_request, catalog)
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
        raise PermissionDenied(_l("only the buyer can edit the request"))
    if buyer_request.status not in EDITABLE:
        raise RequestError(_l("only a draft or an open request can be edited"))
    now = now or utcnow()
    fields = clean_request(title, region, deadline, visibility, items, now)
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        old = getattr(buyer_request, name)
        if old != value:
            changes[name] = [plain_value(old), plain_value(value)]
            setattr(buyer_request, name, value)

    existing = {item.id: item for item in buyer_request.items}
    kept: list[RequestItem] = []
    item_changes: list[dict[str, Any]] = []
    # Suppliers to tell once the whole edit is known to be valid: (kind, quote, item text).
    to_notify: list[tuple[str, Quote, str]] = []
    for position, item_input in enumerate(items):
        values = clean_item(session, position, item_input)
        if item_input.id is None:
            new_item = RequestItem(position=position, **values)
            kept.append(new_item)
            item_changes.append({"added": values["text"]})
            continue
        item = existing.get(item_input.id)
        if item is None:
            raise RequestError(_l("the request has no such item"), field="text", item=position)
        diff = {
            name: [plain_value(getattr(item, name)), plain_value(value)]
            for name, value in values.items()
            if getattr(item, name) != value
        }
        frozen = [name for name in FROZEN_WHEN_ACCEPTED if name in diff]
        if frozen and any(quote.accepted for quote in item.quotes):
            # The accepted quote's total is price × this quantity: changing what was agreed
            # would silently change the deal.
            raise RequestError(
                _l("you accepted a quote on this item: its description, quantity and unit can no longer change"),
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
            raise RequestError(_l("an item with an accepted quote cannot be removed"), field="items")
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
    record_event(session, buyer_request, actor, "edited", now, changes=changes)
    session.flush()
    for kind, supplier_id, text in notices:
        notify(
            session,
            supplier_members(session, [supplier_id]),
            kind,
            {"item": text, "title": buyer_request.title},
            link=request_path(buyer_request),
        )
    if buyer_request.status == RequestStatus.OPEN:
        add_matches(session, buyer_request, catalog)
    logger.info("User %d edited request %d: %s", actor.id, buyer_request.id, ", ".join(changes))
    return changes


def close_request(
    session: Session, buyer_request: BuyerRequest, actor: User, *, now: dt.datetime | None = None
) -> None:
    """Close a draft or open request at the buyer's word: it takes no more quotes."""
    if not may_manage(buyer_request, actor):
        raise PermissionDenied(_l("only the buyer can close the request"))
    if buyer_request.status not in EDITABLE:
        raise RequestError(_l("the request is already closed"))
    now = now or utcnow()
    buyer_request.status = RequestStatus.CLOSED
    buyer_request.ended_at = now
    record_event(session, buyer_request, actor, "closed", now)
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
        record_event(session, buyer_request, None, "expired", now, deadline=plain_value(buyer_request.deadline))
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
