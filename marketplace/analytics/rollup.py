"""Roll raw events up into hourly and daily counts; reports and dashboards read only these."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from marketplace.analytics.models import Rollup, VisitorDay
from marketplace.analytics.people import mark_stale, refresh_stale_days, store_day_people
from marketplace.analytics.visits import Event, Visit, depth_bucket, person_of, split_visits
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.events.models import AnalyticsEvent
from marketplace.suppliers.models import Supplier

logger = logging.getLogger(__name__)

#: Events that put a visit in the funnel's last step: the buyer asked for a price or an order.
REQUEST_KINDS = ("request_published", "lead_created")
#: Events that are counted per day as they are, by kind.
COUNTED_KINDS = ("product_view", "clickout", "request_published", "quote_sent", "lead_created", "registration", "login")


@dataclass(frozen=True, slots=True)
class DayRolled:
    """What rolling up one day found."""

    day: dt.date
    events: int
    visits: int
    visitors: int


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the UTC start of ``day`` and of the day after."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def join_logins(session: Session, start: dt.datetime, end: dt.datetime) -> int:
    """Join the history of each visitor who logged in between ``start`` and ``end`` to their account.

    Their earlier anonymous events take the account's id, and the days they were seen move to
    the account, so a buyer on a second device is one person; those days' people are rebuilt by
    the rollup (``refresh_stale_days``). Returns the visitors joined.
    """
    logins = session.execute(
        select(AnalyticsEvent.visitor_id, AnalyticsEvent.user_id)
        .where(
            AnalyticsEvent.kind == "login",
            AnalyticsEvent.occurred_at >= start,
            AnalyticsEvent.occurred_at < end,
            AnalyticsEvent.visitor_id.is_not(None),
            AnalyticsEvent.user_id.is_not(None),
        )
        .distinct()
    ).all()
    for visitor_id, user_id in logins:
        session.execute(
            update(AnalyticsEvent)
            .where(AnalyticsEvent.visitor_id == visitor_id, AnalyticsEvent.user_id.is_(None))
            .values(user_id=user_id)
        )
        mark_stale(session, _move_days(session, f"v{visitor_id}", f"u{user_id}"))
    session.flush()
    return len(logins)


def _move_days(session: Session, old: str, new: str) -> set[dt.date]:
    """Move person ``old``'s visitor days to ``new``; return the days whose people changed."""
    rows = session.scalars(select(VisitorDay).where(VisitorDay.person.in_((old, new)))).all()
    if not any(row.person == old for row in rows):
        return set()
    first = min(row.first_day for row in rows)
    by_day: dict[dt.date, VisitorDay] = {row.day: row for row in rows if row.person == new}
    for row in rows:
        if row.person == old:
            kept = by_day.get(row.day)
            if kept is None:
                session.add(
                    VisitorDay(day=row.day, person=new, first_day=first, visits=row.visits, pageviews=row.pageviews)
                )
            else:
                kept.visits += row.visits
                kept.pageviews += row.pageviews
            session.delete(row)
    for row in by_day.values():
        row.first_day = first
    session.flush()
    # The old person's days lose them, and the account's days may turn from new to returning.
    return {row.day for row in rows}


def rollup_day(session: Session, day: dt.date) -> DayRolled:
    """Rebuild ``day``'s hourly and daily rollups and its visitor days from the raw events."""
    start, end = day_bounds(day)
    join_logins(session, start, end)
    rows = session.execute(
        select(
            AnalyticsEvent.occurred_at,
            AnalyticsEvent.kind,
            AnalyticsEvent.visitor_id,
            AnalyticsEvent.user_id,
            AnalyticsEvent.path,
            AnalyticsEvent.channel,
            AnalyticsEvent.supplier_id,
            AnalyticsEvent.category_id,
            AnalyticsEvent.data,
            AnalyticsEvent.product_id,
        ).where(AnalyticsEvent.occurred_at >= start, AnalyticsEvent.occurred_at < end)
    ).all()
    bots = 0
    events: list[Event] = []
    for occurred_at, kind, visitor_id, user_id, path, channel, supplier_id, category_id, data, product_id in rows:
        if kind == "bots":
            bots += int((data or {}).get("count", 0))
            continue
        person = person_of(visitor_id, user_id)
        if person is not None:
            events.append(Event(occurred_at, kind, person, path, channel, supplier_id, category_id, data, product_id))
    visits = split_visits(events)
    daily, hourly = _count(session, events, visits)
    if bots:
        daily["bots_excluded", ""] = bots
    session.execute(delete(Rollup).where(Rollup.period_start >= start, Rollup.period_start < end))
    session.execute(delete(VisitorDay).where(VisitorDay.day == day))
    # Core executemany, not the unit of work: a day has thousands of rows and no object needs them.
    rollups = [
        {"grain": "day", "period_start": start, "metric": metric, "key": key[:500], "value": value}
        for (metric, key), value in daily.items()
    ] + [
        {"grain": "hour", "period_start": hour, "metric": metric, "key": "", "value": value}
        for (hour, metric), value in hourly.items()
    ]
    if rollups:
        session.execute(insert(Rollup), rollups)
    people, _ = store_day_people(session, day, _visitor_days(session, day, visits))
    refresh_stale_days(session)
    if session.get_bind().dialect.name == "postgresql":
        # The next day's first-seen lookup finds each person through the person index only while
        # the planner knows how many visitor days there are; rolling up day after day (a backfill,
        # the bench) outruns autovacuum's ANALYZE, and a 500-name IN list then filters a seq scan
        # (41 s a day instead of 1 at a million events). A sampled ANALYZE costs a few ms.
        session.execute(text("ANALYZE analytics_visitor_days"))
    session.flush()
    logger.info("Analytics rollup of %s: %d events, %d visits, %d visitors", day, len(rows), len(visits), people)
    return DayRolled(day, len(rows), len(visits), people)


def _count(
    session: Session, events: list[Event], visits: list[Visit]
) -> tuple[Counter[tuple[str, str]], Counter[tuple[dt.datetime, str]]]:
    daily: Counter[tuple[str, str]] = Counter()
    hourly: Counter[tuple[dt.datetime, str]] = Counter()
    for visit in visits:
        pages = visit.pages
        entry, exit_ = pages[0].path or "", pages[-1].path or ""
        daily["visits", ""] += 1
        daily["channel", visit.channel] += 1
        daily["entry", entry] += 1
        daily["exit", exit_] += 1
        daily["depth", depth_bucket(pages)] += 1
        if visit.channel == "search":
            daily["search_entry", entry] += 1
            if len(pages) == 1:
                daily["search_single", entry] += 1
        steps = {
            "funnel_searched": visit.has("search"),
            "funnel_product": visit.has("product_view"),
            "funnel_clickout": visit.has("clickout"),
            "funnel_requested": visit.has(*REQUEST_KINDS),
        }
        for step, reached in steps.items():
            daily[step, ""] += int(reached)
        hourly[_hour(visit.started_at), "visits"] += 1
    suppliers: set[int | None] = {e.supplier_id for e in events if e.kind == "clickout" and e.supplier_id}
    suppliers.update(int(sid) for e in events if e.kind == "search" for sid in ((e.data or {}).get("ranks") or {}))
    slugs = _supplier_slugs(session, suppliers)
    sellers = _product_sellers(session, {e.product_id for e in events if e.kind == "product_view" and e.product_id})
    for event in events:
        hour = _hour(event.occurred_at)
        if event.kind == "pageview":
            daily["pageviews", ""] += 1
            daily["page", event.path or ""] += 1
            hourly[hour, "pageviews"] += 1
        elif event.kind == "search":
            data = event.data or {}
            query = str(data.get("query") or "").strip().lower()
            if query and int(data.get("page") or 1) == 1:
                daily["searches", ""] += 1
                daily["search", query] += 1
                if not int(data.get("results") or 0):
                    daily["zero_search", query] += 1
                hourly[hour, "searches"] += 1
            # Where each supplier's best offer stood in the results: their average position.
            for supplier_id, position in (data.get("ranks") or {}).items():
                slug = slugs.get(int(supplier_id), "")
                daily["rank_shown", slug] += 1
                daily["rank_sum", slug] += int(position)
        elif event.kind == "product_view" and event.product_id:
            # A product page shows every seller's offer: each of them had a view, for CTR by supplier.
            category_id, offer_slugs = sellers.get(event.product_id, (None, ()))
            daily["view_category", str(category_id or "")] += 1
            for slug in offer_slugs:
                daily["view_supplier", slug] += 1
        if event.kind in COUNTED_KINDS:
            daily[event.kind, ""] += 1
        if event.kind == "clickout":
            daily["clickout_supplier", slugs.get(event.supplier_id or 0, "")] += 1
            daily["clickout_category", str(event.category_id or "")] += 1
            hourly[hour, "clickouts"] += 1
    return daily, hourly


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _supplier_slugs(session: Session, ids: set[int | None]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Supplier.id, Supplier.slug).where(Supplier.id.in_(ids))).all())


def _product_sellers(session: Session, ids: set[int]) -> dict[int, tuple[int | None, tuple[str, ...]]]:
    """Return each product's category and the slugs of the suppliers with an active offer of it."""
    found: dict[int, tuple[int | None, list[str]]] = {}
    listed = list(ids)
    for chunk in range(0, len(listed), 500):
        for product_id, category_id, slug in session.execute(
            select(Offer.product_id, Offer.category_id, Supplier.slug)
            .join(Supplier, Supplier.id == Offer.supplier_id)
            .where(Offer.product_id.in_(listed[chunk : chunk + 500]), Offer.status == OfferStatus.ACTIVE)
        ):
            category, slugs = found.setdefault(product_id, (category_id, []))
            if category is None and category_id is not None:
                found[product_id] = (category_id, slugs)
            if slug not in slugs:
                slugs.append(slug)
    return {product_id: (category, tuple(slugs)) for product_id, (category, slugs) in found.items()}


def _visitor_days(session: Session, day: dt.date, visits: list[Visit]) -> dict[str, dt.date]:
    """Write the day's visitor days; return each person seen and the first day they were ever seen."""
    seen: dict[str, list[int]] = {}
    for visit in visits:
        counts = seen.setdefault(visit.person, [0, 0])
        counts[0] += 1
        counts[1] += len(visit.pages)
    if not seen:
        return {}
    firsts: dict[str, dt.date] = {}
    names = list(seen)
    for chunk in range(0, len(names), 500):
        firsts.update(
            session.execute(
                select(VisitorDay.person, func.min(VisitorDay.day))
                .where(VisitorDay.person.in_(names[chunk : chunk + 500]), VisitorDay.day < day)
                .group_by(VisitorDay.person)
            ).all()
        )
    first_days = {person: firsts.get(person, day) for person in seen}
    session.execute(
        insert(VisitorDay),
        [
            {"day": day, "person": person, "first_day": first_days[person], "visits": visits_, "pageviews": pages}
            for person, (visits_, pages) in seen.items()
        ],
    )
    return first_days


def days_to_roll(session: Session, today: dt.date) -> list[dt.date]:
    """Return the days whose rollups are missing or may have changed: the last rolled day to ``today``."""
    last = session.scalar(select(func.max(Rollup.period_start)).where(Rollup.grain == "day"))
    if last is None:
        first_event = session.scalar(select(func.min(AnalyticsEvent.occurred_at)))
        if first_event is None:
            return [today]
        first = first_event.date()
    else:
        first = last.date()
    return [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]
