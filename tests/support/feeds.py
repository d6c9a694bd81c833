"""Small price lists written in the test, and importing them through the real import."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer
from marketplace.imports.options import ImportOptions
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import ImportRun, Supplier

#: Rates to UAH for the feeds that price in other currencies.
RATES = {"USD": Decimal("41.5"), "EUR": Decimal("45")}


def yml_offer(sku: str, price: str, *, name: str | None = None, available: str = "true", extra: str = "") -> str:
    """Return one YML ``<offer>`` of Kitchen Pro's, in category 1 (Cookware), priced in UAH."""
    return (
        f'<offer id="{sku}" available="{available}"><url>https://kitchen-pro.example/p/{sku}</url>'
        f"<price>{price}</price><currencyId>UAH</currencyId><categoryId>1</categoryId>"
        f"<vendor>Hartwell</vendor><name>{name or 'Pan ' + sku}</name>{extra}</offer>"
    )


def yml_feed(offers: Iterable[str]) -> bytes:
    """Return a full YML catalog of Kitchen Pro's holding ``offers``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-11-20 10:00"><shop><name>Kitchen Pro</name>'
        '<currencies><currency id="UAH" rate="1"/></currencies>'
        '<categories><category id="1">Cookware</category></categories><offers>'
        + "\n".join(offers)
        + "</offers></shop></yml_catalog>"
    ).encode()


#: Five offers, P1..P5 at 100..500 UAH.
FIVE = [yml_offer(f"P{i}", str(100 * i)) for i in range(1, 6)]


def update_feed(rows: Iterable[tuple[str, str | None, int | None]]) -> bytes:
    """A Prom.ua-style update: only id, price, currency and quantity_in_stock."""
    offers = []
    for sku, price, quantity in rows:
        parts = [f'<offer id="{sku}">']
        if price is not None:
            parts.append(f"<price>{price}</price><currencyId>UAH</currencyId>")
        if quantity is not None:
            parts.append(f"<quantity_in_stock>{quantity}</quantity_in_stock>")
        parts.append("</offer>")
        offers.append("".join(parts))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-11-20 10:00"><shop><offers>'
        + "".join(offers)
        + "</offers></shop></yml_catalog>"
    ).encode()


def run_import(
    session: Session,
    supplier: Supplier,
    data: bytes | Any,
    *,
    filename: str = "feed.xml",
    rates: dict[str, Decimal] | None = None,
    **options: Any,
) -> ImportRun:
    """Import ``data`` for ``supplier`` in UAH through the real import; ``options`` are ImportOptions."""
    return import_feed(
        session,
        supplier,
        data,
        filename=filename,
        base_currency="UAH",
        rates=RATES if rates is None else rates,
        options=ImportOptions(**options),
    )


def catalog(session: Session, supplier: Supplier) -> dict[str, tuple[Decimal, str, bool]]:
    """Return what buyers could see of the supplier: sku -> (price, status, available)."""
    session.expire_all()
    return {
        o.supplier_sku: (o.price, str(o.status), o.available)
        for o in session.scalars(select(Offer).where(Offer.supplier_id == supplier.id))
    }


def stored(session: Session, supplier: Supplier, sku: str) -> Offer:
    """Return the supplier's offer ``sku`` as the database holds it now."""
    session.expire_all()
    offer = session.scalar(select(Offer).where(Offer.supplier_id == supplier.id, Offer.supplier_sku == sku))
    assert offer is not None
    return offer


def offers_of(session: Session, supplier: Supplier) -> dict[str, Offer]:
    """Return the supplier's offers as the database holds them now, by sku."""
    session.expire_all()
    return {o.supplier_sku: o for o in session.scalars(select(Offer).where(Offer.supplier_id == supplier.id))}
