"""Hide what breaks the rules, and show it again: a buyer's request, a supplier's shop, one offer.

Hiding sets ``hidden_at`` and ``hidden_reason`` on the thing and tells its owner why, in the
portal and by mail. Buyers then no longer see it: a hidden request is its buyer's alone
(``buyer_requests.access.may_view``); a hidden offer is withdrawn as a feed withdraws one, and
no import brings it back; a hidden shop's pages are gone and its offers leave every listing
through ``catalog.models.shown_to_buyers``. Offers reach the search index the way withdrawals
do: queued in the change outbox, for the index writer after the commit.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.access import QUOTABLE
from marketplace.buyer_requests.inputs import latest_deadline
from marketplace.buyer_requests.models import BuyerRequest
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.changes.outbox import queue_reindex
from marketplace.db import utcnow
from marketplace.domain_errors import DomainError
from marketplace.notifications.services import notify
from marketplace.suppliers.models import Supplier

logger = logging.getLogger(__name__)

#: The longest reason an operator gives.
MAX_REASON = 500


class Target(enum.StrEnum):
    """What an operator can hide."""

    REQUEST = "request"
    SHOP = "shop"
    OFFER = "offer"


class ModerationError(DomainError):
    """The thing cannot be hidden or shown so; the message is fit to show the operator."""


Hideable = BuyerRequest | Supplier | Offer


@dataclass(frozen=True)
class Hidden:
    """One hidden thing, as the operators' page lists it."""

    target: Target
    id: int
    title: str
    reason: str
    hidden_at: dt.datetime


def _find(session: Session, target: Target, target_id: int) -> Hideable:
    found: Hideable | None
    if target == Target.REQUEST:
        found = session.get(BuyerRequest, target_id)
    elif target == Target.SHOP:
        found = session.get(Supplier, target_id)
    else:
        found = session.get(Offer, target_id)
    if found is None:
        raise ModerationError(_l("Nothing of that kind has the number %(id)s.", id=target_id))
    return found


def _title(thing: Hideable) -> str:
    return thing.name if isinstance(thing, Supplier) else thing.title


def _owners(session: Session, thing: Hideable) -> list[User]:
    if isinstance(thing, BuyerRequest):
        return [thing.buyer]
    supplier_id = thing.supplier_id if isinstance(thing, Offer) else thing.id
    query = select(User).where(User.supplier_id == supplier_id, User.role == Role.SUPPLIER).order_by(User.id)
    return list(session.scalars(query))


def _owner_link(thing: Hideable) -> str:
    if isinstance(thing, BuyerRequest):
        return f"/requests/{thing.id}"
    return "/portal/"


def _reindex_shop(session: Session, supplier: Supplier) -> int:
    """Queue the shop's active offers for the index writer, which adds or drops them by the shop's state."""
    ids = session.scalars(
        select(Offer.id).where(Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
    ).all()
    return queue_reindex(session, ids)


def hide(
    session: Session, target: Target, target_id: int, reason: str, operator: User, *, now: dt.datetime | None = None
) -> Hideable:
    """Hide a request, shop or offer for ``reason``, and tell its owner; raise ``ModerationError`` if it cannot be."""
    if not operator.is_admin:
        raise ModerationError(_l("Only operators hide what breaks the rules."))
    reason = reason.strip()
    if not reason:
        raise ModerationError(_l("Say which rule it breaks: its owner reads the reason."))
    thing = _find(session, target, target_id)
    if thing.hidden_at is not None:
        raise ModerationError(_l("It is hidden already."))
    thing.hidden_at = now or utcnow()
    thing.hidden_reason = reason[:MAX_REASON]
    if isinstance(thing, Offer):
        thing.status = OfferStatus.WITHDRAWN
        queue_reindex(session, [thing.id])
    elif isinstance(thing, Supplier):
        _reindex_shop(session, thing)
    session.flush()
    notify(
        session,
        _owners(session, thing),
        f"moderation.{target.value}.hidden",
        {"title": _title(thing), "reason": thing.hidden_reason},
        link=_owner_link(thing),
    )
    logger.info("Operator %d hid %s %d: %s", operator.id, target.value, target_id, thing.hidden_reason)
    return thing


def show(
    session: Session, target: Target, target_id: int, operator: User, *, now: dt.datetime | None = None
) -> Hideable:
    """Show a hidden request, shop or offer again, and tell its owner.

    An offer comes back active; if its supplier's feed no longer lists it, the next full
    import withdraws it as any other.
    """
    if not operator.is_admin:
        raise ModerationError(_l("Only operators hide what breaks the rules."))
    thing = _find(session, target, target_id)
    if thing.hidden_at is None:
        raise ModerationError(_l("It is not hidden."))
    thing.hidden_at = None
    thing.hidden_reason = None
    if isinstance(thing, Offer):
        thing.status = OfferStatus.ACTIVE
        queue_reindex(session, [thing.id])
    elif isinstance(thing, Supplier):
        _reindex_shop(session, thing)
    session.flush()
    notify(session, _owners(session, thing), f"moderation.{target.value}.shown", {"title": _title(thing)},
           link=_owner_link(thing))  # fmt: skip
    logger.info("Operator %d showed %s %d again", operator.id, target.value, target_id)
    return thing


def hidden_things(session: Session) -> list[Hidden]:
    """Return everything hidden now, newest first."""
    found: list[Hidden] = []
    for target, model in ((Target.REQUEST, BuyerRequest), (Target.SHOP, Supplier), (Target.OFFER, Offer)):
        things: Iterable[Hideable] = session.scalars(select(model).where(model.hidden_at.is_not(None)))
        found.extend(
            Hidden(target, thing.id, _title(thing), thing.hidden_reason or "", thing.hidden_at)
            for thing in things
            if thing.hidden_at is not None
        )
    return sorted(found, key=lambda h: h.hidden_at, reverse=True)


def hidden_offers_of(session: Session, supplier_id: int, *, limit: int = 100) -> list[Offer]:
    """Return the supplier's offers an operator hid, newest first, for its portal."""
    query = (
        select(Offer)
        .where(Offer.supplier_id == supplier_id, Offer.hidden_at.is_not(None))
        .order_by(Offer.hidden_at.desc(), Offer.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def far_deadline_requests(session: Session, *, now: dt.datetime | None = None) -> list[BuyerRequest]:
    """Return shown open requests whose deadline lies beyond what a new request may set: likely junk."""
    now = now or utcnow()
    query = (
        select(BuyerRequest)
        .where(
            BuyerRequest.status.in_(QUOTABLE),
            BuyerRequest.hidden_at.is_(None),
            BuyerRequest.deadline > latest_deadline(now),
        )
        .order_by(BuyerRequest.id)
    )
    return list(session.scalars(query))
