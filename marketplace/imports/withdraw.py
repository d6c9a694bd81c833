"""Stage 6, withdraw: offers a full price list no longer lists are hidden, behind a guard.

The withdrawal guard: a full price list that would hide most of a catalog waits for a person.

A three-row "full" list over 3,000 offers, or one whose rows nearly all lack a price, is
far more likely a broken export than a shop closing down. Before a full import withdraws
more than ``TRADEROW_WITHDRAW_GUARD_PERCENT`` of the supplier's live offers it stops: the
run is held with nothing applied, and applies only once the supplier confirms (the portal's
button, ``--confirm-withdraw`` in the CLI). Google Merchant Center guards feeds the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace.catalog.history import PriceRecord, record_prices
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.changes.outbox import queue_reindex
from marketplace.db import utcnow
from marketplace.imports.options import BATCH_SIZE, DEFAULT_WITHDRAW_GUARD_PERCENT
from marketplace.imports.report import MAX_DIFF_ENTRIES, ImportDiff
from marketplace.suppliers.models import Supplier


class WithdrawHeld(Exception):
    """A full import would withdraw more of the catalog than the guard lets through unconfirmed."""

    def __init__(self, withdraw: int, live: int, threshold: Decimal) -> None:
        super().__init__(f"would withdraw {withdraw} of {live} live offers (guard {threshold}%)")
        self.withdraw = withdraw
        self.live = live
        self.threshold = threshold

    def as_json(self) -> dict[str, int | float]:
        """Return the numbers the report keeps, for the portal and the CLI."""
        return {
            "withdraw": self.withdraw,
            "live": self.live,
            "percent": round(self.withdraw * 100 / self.live, 1),
            "threshold": float(self.threshold),
        }


def check_withdrawal(withdraw: int, live: int, threshold: Decimal | None) -> None:
    """Raise ``WithdrawHeld`` if withdrawing ``withdraw`` of ``live`` offers crosses ``threshold`` percent.

    ``None`` turns the guard off (a dry run, a confirmed import). A supplier without live
    offers (the first import) is never held.
    """
    if threshold is None or live <= 0 or withdraw <= 0:
        return
    if Decimal(withdraw) * 100 > threshold * live:
        raise WithdrawHeld(withdraw, live, threshold)


def configured_threshold(config: Mapping[str, Any]) -> Decimal:
    """Return ``TRADEROW_WITHDRAW_GUARD_PERCENT`` as a ``Decimal``."""
    return Decimal(config.get("WITHDRAW_GUARD_PERCENT", DEFAULT_WITHDRAW_GUARD_PERCENT))


def withdraw_missing(
    session: Session,
    supplier_id: int,
    seen: set[str],
    *,
    live_before: int,
    guard: Decimal | None,
    diff: ImportDiff,
    stats: Counter[str],
) -> set[int]:
    """Withdraw the supplier's active offers the feed no longer lists (``seen`` holds those it did).

    Return the products of the withdrawn offers, to be named again. Raise ``WithdrawHeld``
    instead when that would hide more than ``guard`` percent of the ``live_before`` offers;
    the diff then lists the offers that would go.
    """
    # Stream (id, sku) only, as Core rows: buffering every active offer's row would cost
    # ~1 KB an offer, and ORM rows cost twice the time.
    gone_ids = [
        offer_id
        for offer_id, sku in session.connection().execute(
            select(Offer.id, Offer.supplier_sku)
            .where(Offer.supplier_id == supplier_id, Offer.status == OfferStatus.ACTIVE)
            .execution_options(yield_per=5000)
        )
        if sku not in seen
    ]
    try:
        check_withdrawal(len(gone_ids), live_before, guard)
    except WithdrawHeld:
        # The supplier is shown which offers would go before confirming.
        for row in session.execute(
            select(Offer.supplier_sku, Offer.title).where(Offer.id.in_(gone_ids[:MAX_DIFF_ENTRIES]))
        ):
            diff._keep("withdrawn", {"sku": row.supplier_sku, "title": row.title})
        diff.counts["withdrawn"] = len(gone_ids)
        raise
    products: set[int] = set()
    for start in range(0, len(gone_ids), BATCH_SIZE):
        chunk = session.execute(
            select(
                Offer.id,
                Offer.supplier_sku,
                Offer.title,
                Offer.product_id,
                Offer.price,
                Offer.currency,
                Offer.price_base,
                Offer.old_price,
                Offer.available,
            ).where(Offer.id.in_(gone_ids[start : start + BATCH_SIZE]))
        ).all()
        ids = [row.id for row in chunk]
        products.update(row.product_id for row in chunk)
        session.execute(
            update(Offer)
            .where(Offer.id.in_(ids))
            .values(status=OfferStatus.WITHDRAWN, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        queue_reindex(session, ids)
        record_prices(
            session,
            [
                PriceRecord(
                    id=row.id,
                    product_id=row.product_id,
                    price=row.price,
                    currency=row.currency,
                    price_base=row.price_base,
                    old_price=row.old_price,
                    available=row.available,
                    is_active=False,
                )
                for row in chunk
            ],
        )
        for gone in chunk:
            diff._keep("withdrawn", {"sku": gone.supplier_sku, "title": gone.title})
    stats["withdrawn"] += len(gone_ids)
    return products


def offer_count(session: Session, supplier: Supplier) -> int:
    """Return how many active offers the supplier has."""
    return (
        session.scalar(select(func.count()).where(Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE))
        or 0
    )
