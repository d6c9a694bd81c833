"""Record every price an offer had, so that charts and discount badges tell the truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, PriceHistory
from marketplace.db import utcnow


@dataclass
class PriceRecord:
    """An offer's price, stock and status as an import just set them: what a history point is made of.

    Imports build these from the rows they wrote, without loading the offers.
    """

    id: int
    product_id: int
    price: Decimal
    currency: str
    price_base: Decimal
    old_price: Decimal | None
    available: bool
    is_active: bool = True


def record_prices(session: Session, offers: Iterable[PriceRecord]) -> int:
    """Add a history point for each offer whose price, stock or status an import just set.

    Called by the import for the offers it created, changed or withdrew; returns the count.
    """
    now = utcnow()
    rows = [
        {
            "offer_id": offer.id,
            "product_id": offer.product_id,
            "price": offer.price,
            "currency": offer.currency,
            "price_base": offer.price_base,
            "old_price": offer.old_price,
            "available": offer.available,
            "active": offer.is_active,
            "recorded_at": now,
        }
        for offer in offers
    ]
    if rows:
        session.execute(PriceHistory.__table__.insert(), rows)
    return len(rows)


# --- reading the history: the product chart and honest discounts ------------------------------


@dataclass(frozen=True, slots=True)
class PricePoint:
    """An offer's price from ``at`` until the next point; ``price`` is ``None`` while it was off sale."""

    at: dt.datetime
    price: Decimal | None


@dataclass
class PriceSeries:
    """One line of the chart: a seller's price, or the lowest price of all."""

    label: str
    points: list[PricePoint]
    #: ``True`` for the line of the lowest price.
    lowest: bool = False


@dataclass
class PriceChart:
    """The lines of a product's price chart and their extent, in the base currency.

    The chart is drawn by day: each point starts at midnight (UTC) and holds the price an offer
    had at the end of that day, so imports minutes apart never draw a sliver of a step.
    """

    #: The lines to draw: the lowest price first, then each seller with a price in the period.
    series: list[PriceSeries]
    start: dt.datetime
    end: dt.datetime
    low: Decimal
    high: Decimal
    #: Sellers of the product with no price to draw in the period (out of stock or withdrawn throughout).
    unpriced: list[str] = field(default_factory=list)

    @property
    def one_day(self) -> bool:
        """Return whether the chart covers a single day: its two date labels would be the same."""
        return self.start.date() == self.end.date()

    @property
    def flat(self) -> bool:
        """Return whether every price drawn is the same: its two price labels would be the same."""
        return self.low == self.high

    def polyline(self, series: PriceSeries, width: int, height: int) -> list[str]:
        """Return SVG ``points`` strings, one per unbroken stretch, as a step line scaled to the box.

        A flat chart draws its prices across the middle of the box.
        """
        span = (self.end - self.start).total_seconds() or 1.0
        price_span = float(self.high - self.low)

        def x(at: dt.datetime) -> float:
            return round((max(at, self.start) - self.start).total_seconds() / span * width, 1)

        def y(price: Decimal) -> float:
            if not price_span:
                return round(height / 2, 1)
            return round(height - float(price - self.low) / price_span * height, 1)

        stretches: list[str] = []
        current: list[str] = []
        for point, following in zip(series.points, [*series.points[1:], None], strict=True):
            until = following.at if following is not None else self.end
            if point.price is None:
                if current:
                    stretches.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(point.at)},{y(point.price)}")
            current.append(f"{x(until)},{y(point.price)}")
        if current:
            stretches.append(" ".join(current))
        return stretches


def _day(at: dt.datetime) -> dt.datetime:
    """Return midnight of ``at``'s day, in ``at``'s time zone (UTC for stored times)."""
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def price_chart(
    session: Session, product_id: int, labels: dict[int, str], *, days: int = 90, now: dt.datetime | None = None
) -> PriceChart | None:
    """Return the product's chart over the last ``days``: each offer's price and the lowest, day by day.

    ``None`` when the product has no history, or no price in the period.

    ``labels`` names the offers to draw (offer id to seller name); the lowest line covers every
    offer of the product that was active and in stock. A named offer with no price in the period
    gets no line; its seller is listed in ``unpriced`` instead, so the legend names only lines.
    """
    now = now or utcnow()
    since = now - dt.timedelta(days=days)
    rows = session.execute(
        select(
            PriceHistory.offer_id,
            PriceHistory.price_base,
            PriceHistory.available,
            PriceHistory.active,
            PriceHistory.recorded_at,
        )
        .where(PriceHistory.product_id == product_id)
        .order_by(PriceHistory.recorded_at, PriceHistory.id)
    ).all()
    if not rows:
        return None
    # Each offer's state at the end of each day: a later point of the same day replaces an
    # earlier one, and every point before the window counts as its first day.
    by_day: dict[int, dict[dt.datetime, Decimal | None]] = {}
    for offer_id, price_base, available, active, recorded_at in rows:
        by_day.setdefault(offer_id, {})[_day(max(recorded_at, since))] = price_base if active and available else None
    by_offer = {offer_id: _steps(days_prices) for offer_id, days_prices in by_day.items()}
    start = min(points[0].at for points in by_offer.values())
    lowest = _lowest(by_offer)
    named = [PriceSeries(labels[offer_id], points) for offer_id, points in by_offer.items() if offer_id in labels]
    series = [s for s in named if any(p.price is not None for p in s.points)]
    prices = [p.price for s in [*series, lowest] for p in s.points if p.price is not None]
    if not prices:
        return None
    drawn = {s.label for s in series}
    unpriced = sorted({label for label in labels.values() if label not in drawn})
    return PriceChart([lowest, *series], start, now, min(prices), max(prices), unpriced)


def _steps(days_prices: dict[dt.datetime, Decimal | None]) -> list[PricePoint]:
    """Return the day points as a step line: a point only where the price changes."""
    points: list[PricePoint] = []
    for at, price in sorted(days_prices.items()):
        if not points or points[-1].price != price:
            points.append(PricePoint(at, price))
    return points


def _lowest(by_offer: dict[int, list[PricePoint]]) -> PriceSeries:
    """Return the step line of the lowest price on sale at every moment."""
    events = sorted({p.at for points in by_offer.values() for p in points})
    current: dict[int, Decimal | None] = {}
    cursor = {offer_id: 0 for offer_id in by_offer}
    points: list[PricePoint] = []
    for at in events:
        for offer_id, offer_points in by_offer.items():
            while cursor[offer_id] < len(offer_points) and offer_points[cursor[offer_id]].at <= at:
                current[offer_id] = offer_points[cursor[offer_id]].price
                cursor[offer_id] += 1
        on_sale = [price for price in current.values() if price is not None]
        low = min(on_sale) if on_sale else None
        if not points or points[-1].price != low:
            points.append(PricePoint(at, low))
    return PriceSeries("", points, lowest=True)


def backed_discounts(
    session: Session, offers: Iterable[Offer], *, reference_days: int = 30, now: dt.datetime | None = None
) -> dict[int, int]:
    """Return ``{offer_id: percent}`` for the offers whose crossed-out price the history backs.

    The rule (after the EU's Omnibus directive): the old price is honest only if the offer
    itself was on sale at that price or higher for the whole of the ``reference_days``
    before its current price began, as far as the history reaches, and the history shows at
    least one earlier price. So a price list cannot invent an old price, nor raise the price
    for a day to make a discount of the next.
    """
    now = now or utcnow()
    candidates = {o.id: o for o in offers if o.old_price is not None and o.price and o.old_price > o.price}
    if not candidates:
        return {}
    history: dict[int, list[tuple[dt.datetime, Decimal, str, bool]]] = {}
    for offer_id, price, currency, active, recorded_at in session.execute(
        select(
            PriceHistory.offer_id,
            PriceHistory.price,
            PriceHistory.currency,
            PriceHistory.active,
            PriceHistory.recorded_at,
        )
        .where(PriceHistory.offer_id.in_(candidates))
        .order_by(PriceHistory.recorded_at, PriceHistory.id)
    ):
        history.setdefault(offer_id, []).append((recorded_at, price, currency, active))
    found = {}
    for offer_id, offer in candidates.items():
        assert offer.old_price is not None
        if discount_is_backed(history.get(offer_id, []), offer.price, offer.currency, offer.old_price, reference_days):
            found[offer_id] = int((1 - offer.price / offer.old_price) * 100)
    return found


def discount_is_backed(
    points: list[tuple[dt.datetime, Decimal, str, bool]],
    price: Decimal,
    currency: str,
    old_price: Decimal,
    reference_days: int,
) -> bool:
    """Decide the Omnibus rule on one offer's history (``(at, price, currency, active)``, oldest first)."""
    points = [p for p in points if p[3]]
    if not points or points[-1][1] != price or points[-1][2] != currency:
        return False  # the history does not know the current price yet
    # The current price began at the earliest point of the last run of equal prices.
    start = len(points) - 1
    while start > 0 and points[start - 1][1] == price and points[start - 1][2] == currency:
        start -= 1
    if start == 0:
        return False  # never sold at any other price
    began = points[start][0]
    window_start = began - dt.timedelta(days=reference_days)
    before = [p for p in points[:start] if p[0] >= window_start]
    in_force = [p for p in points[:start] if p[0] < window_start][-1:]  # the price at the window's start
    reference = in_force + before
    return all(p[2] == currency and p[1] >= old_price for p in reference)
