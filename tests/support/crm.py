"""Build what the customer database reads in tests: shop orders (leads), analytics events, synced records."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from sqlalchemy.orm import Session

from marketplace.crm.sync import sync_customers
from marketplace.db import utcnow
from marketplace.events.models import AnalyticsEvent
from marketplace.shops.leads import add_lead
from marketplace.shops.models import Lead, LeadItem
from marketplace.suppliers.models import Supplier


def order(
    session: Session,
    supplier: Supplier,
    *,
    name: str = "Olena Koval",
    email: str | None = "olena@example.com",
    phone: str | None = "067 000 11 22",
    user_id: int | None = None,
    company: str | None = None,
    title: str = "Chef's knife",
) -> Lead:
    """Add a shop order request from a buyer (anonymous unless ``user_id``) as a new lead."""
    lead = Lead(
        supplier=supplier,
        user_id=user_id,
        buyer_name=name,
        buyer_email=email,
        buyer_phone=phone,
        company=company,
        comment="Call after six",
    )
    lead.items.append(LeadItem(supplier_sku="K1", title=title, quantity=Decimal(1), price=Decimal(900), currency="UAH"))
    return add_lead(session, lead, tell=False)


def event(
    session: Session,
    kind: str,
    *,
    user_id: int | None = None,
    visitor_id: str | None = None,
    path: str = "/",
    at: dt.datetime | None = None,
    category_id: int | None = None,
    supplier_id: int | None = None,
    **data: object,
) -> AnalyticsEvent:
    """Write one analytics event straight into the log (the buffer is for requests)."""
    row = AnalyticsEvent(
        id=secrets.randbits(62),
        occurred_at=at or utcnow(),
        kind=kind,
        user_id=user_id,
        visitor_id=visitor_id,
        path=path,
        category_id=category_id,
        supplier_id=supplier_id,
        data=data or None,
    )
    session.add(row)
    session.flush()
    return row


def synced(session: Session) -> None:
    """Run the customer sync, as the worker does each pass."""
    sync_customers(session)
    session.flush()
