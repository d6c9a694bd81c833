"""Reading requests: the open list each viewer may see, a buyer's own, their categories, one by id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.buyer_requests.access import QUOTABLE
from marketplace.buyer_requests.errors import RequestNotFound
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem, RequestMatch, Visibility
from marketplace.db import utcnow
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.services import in_subtree


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
    # A request an operator hid is its buyer's alone (``may_view``).
    visible = [and_(BuyerRequest.visibility == Visibility.ALL, BuyerRequest.hidden_at.is_(None))]
    if viewer is not None:
        visible.append(BuyerRequest.buyer_id == viewer.id)
        if viewer.is_supplier:
            visible.append(
                and_(
                    BuyerRequest.hidden_at.is_(None),
                    exists().where(
                        RequestMatch.request_id == BuyerRequest.id, RequestMatch.supplier_id == viewer.supplier_id
                    ),
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
        raise RequestNotFound(_l("there is no request %(request)s", request=request_id))
    return buyer_request


def get_item(session: Session, request_id: int, item_id: int) -> RequestItem:
    """Return item ``item_id`` of request ``request_id``; raise ``RequestNotFound``."""
    item = session.get(RequestItem, item_id)
    if item is None or item.request_id != request_id:
        raise RequestNotFound(_l("request %(request)s has no item %(item)s", request=request_id, item=item_id))
    return item


def get_quote(session: Session, request_id: int, quote_id: int) -> Quote:
    """Return quote ``quote_id`` on request ``request_id``; raise ``RequestNotFound``."""
    quote = session.get(Quote, quote_id)
    if quote is None or quote.item.request_id != request_id:
        raise RequestNotFound(_l("request %(request)s has no quote %(quote)s", request=request_id, quote=quote_id))
    return quote
