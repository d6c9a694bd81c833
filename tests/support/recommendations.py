"""Shared by the recommendations tests: the accessories feed imported for real, and click-outs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import ClickOut, Offer
from marketplace.db import utcnow
from marketplace.suppliers.models import Supplier
from tests.support.feeds import run_import
from tests.support.paths import FIXTURES

ACCESSORIES_FEED = FIXTURES / "feeds" / "accessories.yml"


def import_accessories(session: Session, supplier: Supplier) -> dict[str, Offer]:
    """Import tests/fixtures/feeds/accessories.yml and return its offers by SKU."""
    run = run_import(session, supplier, ACCESSORIES_FEED.read_bytes(), filename="accessories.yml")
    assert run.status == "succeeded", run.error
    return {offer.supplier_sku: offer for offer in session.scalars(select(Offer))}


def click_out(session: Session, offer: Offer, visitor: str, minutes_ago: int) -> None:
    """Record a visitor's click-out on an offer some minutes ago, as the click-out route does."""
    session.add(
        ClickOut(
            offer_id=offer.id,
            supplier_id=offer.supplier_id,
            visitor_id=visitor,
            price_base=offer.price_base,
            target_url=offer.url,
            created_at=utcnow() - dt.timedelta(minutes=minutes_ago),
        )
    )


def shop_across_categories(session: Session, offers: dict[str, Offer]) -> None:
    """Click-outs of the accessories feed: two people buy a pan with a knife; others shop alone.

    One more visitor takes the pan with the stapler, in two visits: one person's habit, no complement.
    The first also compares the pan with its Tefal analogue: the same category as the pan, and
    with the knife one visitor only, so no complement either way.
    """
    click_out(session, offers["PAN-ANALOG"], "a", 35)
    for visitor in ("a", "b"):
        click_out(session, offers["PAN-HP2800"], visitor, 40)
        click_out(session, offers["KNIFE"], visitor, 30)
    for minutes_ago in (600, 20):
        click_out(session, offers["PAN-HP2800"], "habit", minutes_ago)
        click_out(session, offers["STAPLER-HD31"], "habit", minutes_ago - 5)
    for visitor, sku in (("c", "SHEARS-P92"), ("d", "STAPLES-23"), ("e", "BLADE"), ("f", "LID-28")):
        click_out(session, offers[sku], visitor, 10)
    session.commit()
