"""Who may see and do what on a buyer request, and when a request takes quotes."""

from __future__ import annotations

import datetime as dt

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestStatus, Visibility
from marketplace.db import utcnow

#: Statuses in which suppliers may quote; the deadline is checked as well.
QUOTABLE = frozenset({RequestStatus.OPEN})
#: Statuses in which the buyer may still edit the request.
EDITABLE = frozenset({RequestStatus.DRAFT, RequestStatus.OPEN})
#: Statuses in which the buyer may accept quotes: after the deadline the quotes stand.
ACCEPTING = frozenset({RequestStatus.OPEN, RequestStatus.EXPIRED})


def may_publish(user: User | None) -> bool:
    """Return whether ``user`` may publish requests: buyers and operators."""
    return user is not None and user.role in (Role.BUYER, Role.ADMIN)


def is_matched(buyer_request: BuyerRequest, supplier_id: int | None) -> bool:
    """Return whether the catalog matched supplier ``supplier_id`` to the request."""
    return supplier_id is not None and any(m.supplier_id == supplier_id for m in buyer_request.matches)


def may_view(buyer_request: BuyerRequest, viewer: User | None) -> bool:
    """Return whether ``viewer`` may see the request.

    Drafts, and requests an operator hid, are the buyer's own; a request for matched suppliers only is seen by those
    suppliers besides its buyer and operators; any other request by everyone.
    """
    if may_see_quotes(buyer_request, viewer):
        return True
    if buyer_request.status == RequestStatus.DRAFT or buyer_request.hidden_at is not None:
        # Hidden by an operator: only its buyer (who sees why) and operators still see it.
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
    """Return whether suppliers may quote on the request now (never while an operator hides it)."""
    if buyer_request.status not in QUOTABLE or buyer_request.hidden_at is not None:
        return False
    today = (now or utcnow()).date()
    # Quotes are accepted until the end of the deadline's day.
    return buyer_request.deadline is None or buyer_request.deadline >= today
