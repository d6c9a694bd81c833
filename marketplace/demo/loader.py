"""Load the demo marketplace through the same services that real suppliers and buyers use."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.publishing import publish_request
from marketplace.buyer_requests.quotes import submit_quote
from marketplace.catalog.models import Offer
from marketplace.demo.catalog import SUPPLIERS, render_feed
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import add_supplier

logger = logging.getLogger(__name__)

#: The password of every demo account; printed by ``traderow demo`` and in the README.
DEMO_PASSWORD = "demo-password"  # noqa: S105  (public on purpose: demo accounts only)


class DemoAlreadyLoaded(Exception):
    """The database already holds suppliers."""


def load_demo(
    session: Session,
    *,
    base_currency: str,
    rates: Mapping[str, Decimal],
    skip_if_loaded: bool = True,
    today: dt.date | None = None,
) -> str:
    """Create the demo suppliers, import their feeds, and publish a request with quotes."""
    if skip_if_loaded and session.scalar(select(func.count()).select_from(Supplier)):
        raise DemoAlreadyLoaded
    today = today or dt.date.today()
    suppliers: dict[str, Supplier] = {}
    offers = 0
    for demo in SUPPLIERS:
        supplier = add_supplier(
            session,
            demo.slug,
            name=demo.name,
            store_url=demo.store_url,
            contact_email=demo.email,
            description=demo.description,
        )
        suppliers[demo.slug] = supplier
        run = import_feed(
            session,
            supplier,
            render_feed(demo),
            filename=f"{demo.slug}.{demo.feed_format}",
            base_currency=base_currency,
            rates=rates,
        )
        offers += run.created
        create_user(
            session,
            f"seller@{demo.store_url.split('//')[1].rstrip('/')}",
            DEMO_PASSWORD,
            role=Role.SUPPLIER,
            supplier=supplier,
            display_name=f"{demo.name} sales",
        )
    create_user(session, "admin@traderow.example", DEMO_PASSWORD, role=Role.ADMIN, display_name="Operator")
    buyer = create_user(session, "buyer@traderow.example", DEMO_PASSWORD, role=Role.BUYER, display_name="Olena")
    request = publish_request(
        session,
        buyer,
        title="Kitchen for a new café in Lviv",
        items=[
            ItemInput("Frying pan 28 cm, stainless steel", Decimal(6), "pcs", Decimal("1900"), "UAH"),
            ItemInput("Chef's knife 20 cm", Decimal(4), "pcs", Decimal("1000"), "UAH"),
            ItemInput("Oak cutting board", Decimal(6), "pcs", None, "UAH"),
        ],
        region="Lviv",
        deadline=today + dt.timedelta(days=14),
    )
    pan, knife, board = request.items
    kitchen, garden = suppliers["kyiv-kitchen"], suppliers["sad-horod"]
    submit_quote(
        session,
        kitchen,
        pan,
        price=Decimal("1790"),
        currency="UAH",
        delivery_cost=Decimal("250"),
        availability="In stock",
        note="Café discount applied; invoice with VAT.",
        offer_id=_offer_id(session, kitchen, "KYI-pan28"),
    )
    submit_quote(
        session,
        kitchen,
        knife,
        price=Decimal("960"),
        currency="UAH",
        delivery_cost=Decimal("0"),
        availability="In stock",
        offer_id=_offer_id(session, kitchen, "KYI-chef"),
    )
    submit_quote(
        session,
        garden,
        knife,
        price=Decimal("930"),
        currency="UAH",
        delivery_cost=Decimal("120"),
        availability="3 days",
        note="Nova Poshta to any branch in Lviv.",
    )
    submit_quote(
        session,
        garden,
        board,
        price=Decimal("590"),
        currency="UAH",
        delivery_cost=Decimal("120"),
        availability="In stock",
        offer_id=_offer_id(session, garden, "SAD-board"),
    )
    session.flush()
    summary = f"{len(suppliers)} suppliers, {offers} offers, 1 request with 4 quotes"
    logger.info("Demo loaded: %s", summary)
    return summary


def _offer_id(session: Session, supplier: Supplier, sku: str) -> int | None:
    return session.scalar(select(Offer.id).where(Offer.supplier_id == supplier.id, Offer.supplier_sku == sku))
