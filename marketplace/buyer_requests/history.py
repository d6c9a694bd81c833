"""The recorded history of a request: every change as a ``RequestEvent``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from marketplace.accounts.models import User
from marketplace.buyer_requests.access import may_see_quotes
from marketplace.buyer_requests.errors import PermissionDenied
from marketplace.buyer_requests.inputs import plain_decimal
from marketplace.buyer_requests.models import BuyerRequest, RequestEvent
from marketplace.db import utcnow


def record_event(
    session: Session,
    buyer_request: BuyerRequest,
    actor: User | None,
    kind: str,
    now: dt.datetime | None = None,
    **detail: Any,
) -> RequestEvent:
    """Add ``kind`` of change by ``actor`` (``None``: the worker) to the request's history; ``detail`` says what."""
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
        raise PermissionDenied(_l("only the buyer sees the history of a request"))
    query = (
        select(RequestEvent)
        .where(RequestEvent.request_id == buyer_request.id)
        .options(joinedload(RequestEvent.actor))
        .order_by(RequestEvent.id)
    )
    return list(session.scalars(query))


def plain_value(value: Any) -> Any:
    """Return ``value`` as JSON can hold it, for the history."""
    if isinstance(value, Decimal):
        return str(plain_decimal(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
