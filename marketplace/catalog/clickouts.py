"""Click-outs beyond recording one: UTM tags and suppliers' statistics (bots: marketplace.events.bots)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import ClickOut, Offer
from marketplace.db import utcnow
from marketplace.suppliers.models import Supplier


def utm_tags(supplier: Supplier) -> dict[str, str]:
    """Return the supplier's configured UTM tags."""
    tags = {
        "utm_source": supplier.utm_source,
        "utm_medium": supplier.utm_medium,
        "utm_campaign": supplier.utm_campaign,
    }
    return {name: value.strip() for name, value in tags.items() if value and value.strip()}


def with_utm(url: str, tags: Mapping[str, str]) -> str:
    """Return ``url`` with the tags in its query; tags the URL already carries are kept as they are.

    The rest of the URL (other arguments, their order, the fragment) is left alone.
    """
    if not tags:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {name for name, _value in query}
    added = [(name, value) for name, value in tags.items() if name not in present]
    if not added:
        return url
    extra = urlencode(added)
    new_query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, new_query, parts.fragment))


@dataclass(frozen=True, slots=True)
class OfferClicks:
    """Click-outs to one offer."""

    offer_id: int
    supplier_sku: str
    title: str
    clicks: int


@dataclass(frozen=True, slots=True)
class DayClicks:
    """Click-outs on one day (UTC)."""

    day: dt.date
    clicks: int


def clicks_per_offer(
    session: Session, supplier_id: int, *, days: int = 30, now: dt.datetime | None = None
) -> list[OfferClicks]:
    """Return the supplier's click-outs of the last ``days`` per offer, most clicked first."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    rows = session.execute(
        select(Offer.id, Offer.supplier_sku, Offer.title, func.count(ClickOut.id))
        .join(ClickOut, ClickOut.offer_id == Offer.id)
        .where(ClickOut.supplier_id == supplier_id, ClickOut.created_at >= since)
        .group_by(Offer.id, Offer.supplier_sku, Offer.title)
        .order_by(func.count(ClickOut.id).desc(), Offer.id)
    ).all()
    return [OfferClicks(*row) for row in rows]


def clicks_per_day(
    session: Session, supplier_id: int, *, days: int = 30, now: dt.datetime | None = None
) -> list[DayClicks]:
    """Return the supplier's click-outs per day over the last ``days``, every day listed, newest first."""
    now = now or utcnow()
    since = now - dt.timedelta(days=days)
    counts: dict[dt.date, int] = {}
    # Counted in Python: grouping by date differs between SQLite and PostgreSQL, and a
    # month of one supplier's clicks is small.
    for (created_at,) in session.execute(
        select(ClickOut.created_at).where(ClickOut.supplier_id == supplier_id, ClickOut.created_at >= since)
    ):
        day = created_at.date()
        counts[day] = counts.get(day, 0) + 1
    today = now.date()
    return [DayClicks(today - dt.timedelta(days=i), counts.get(today - dt.timedelta(days=i), 0)) for i in range(days)]
