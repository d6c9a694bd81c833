"""Build what campaigns read in tests: buyers who agreed to our news, a segment of buyers, a viewed product."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.crm.campaigns import set_consent
from marketplace.crm.models import CustomerSegment
from marketplace.crm.sync import sync_customers
from marketplace.db import utcnow
from marketplace.events.models import AnalyticsEvent
from tests.support import factories


def buyer(session: Session, email: str, *, consent: bool = True, locale: str | None = "uk", name: str = "") -> User:
    """Create a buyer's account, agreeing to marketing mail (from the account page) unless told otherwise."""
    person = factories.user(session, email, role=Role.BUYER, display_name=name or email.split("@")[0])
    person.locale = locale
    if consent:
        set_consent(session, person, True, source="account", now=utcnow())
    return person


def buyers_segment(session: Session, name: str = "Buyers") -> CustomerSegment:
    """Sync the customer records and save a segment of every buyer."""
    sync_customers(session)
    segment = CustomerSegment(name=name, filters={"kind": "buyer"})
    session.add(segment)
    session.flush()
    return segment


def viewed(session: Session, person: User, product_id: int, *, at: dt.datetime | None = None) -> None:
    """Log that ``person`` viewed a product page."""
    session.add(
        AnalyticsEvent(
            id=secrets.randbits(62),
            occurred_at=at or utcnow() - dt.timedelta(hours=1),
            kind="product_view",
            user_id=person.id,
            path=f"/products/{product_id}",
            product_id=product_id,
        )
    )
    session.flush()
