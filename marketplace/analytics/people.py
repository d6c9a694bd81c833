"""Who was seen on a day, kept in the form a range's report reads cheaply: counts and sketches per day.

For each day the rollup writes its visitors and new visitors (exact) as daily rollups and its
people and returning people as HyperLogLog sketches (``analytics_day_sketches``). A range's
visitors and returning visitors are the union of its days' sketches, and its new visitors the
sum of its days' new ones (a person's first day is one day), so no report groups the visitor
days of a range by person. When a day's visitor days change after its rollup (a login joins a
visitor to an account, a visitor erases their data), the day is marked stale and the next
rollup rebuilds its counts and sketches from them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from marketplace.analytics.models import DaySketch, Rollup, VisitorDay
from marketplace.analytics.sketches import count_union, sketch_of, to_bytes

logger = logging.getLogger(__name__)

#: The daily rollups of a day's people: everyone seen, and those seen for the first time.
PEOPLE_METRICS = ("visitors", "new_visitors")


@dataclass(frozen=True, slots=True)
class RangePeople:
    """The distinct people of a range: all of them, the new and the returning (both may hold one person)."""

    visitors: int
    new: int
    returning: int


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def store_day_people(session: Session, day: dt.date, first_days: Mapping[str, dt.date]) -> tuple[int, int]:
    """Write ``day``'s people counts and sketches from each person seen and their first day; return (all, new)."""
    start = _day_start(day)
    new = sum(1 for first in first_days.values() if first >= day)
    session.execute(
        delete(Rollup).where(
            Rollup.grain == "day", Rollup.period_start == start, Rollup.metric.in_(PEOPLE_METRICS), Rollup.key == ""
        )
    )
    session.execute(delete(DaySketch).where(DaySketch.day == day))
    if first_days:
        # The day's visitors and new visitors as rollups too: the dashboards' chart per day reads these.
        session.execute(
            insert(Rollup),
            [
                {"grain": "day", "period_start": start, "metric": metric, "key": "", "value": value}
                for metric, value in zip(PEOPLE_METRICS, (len(first_days), new), strict=True)
            ],
        )
        returning = (person for person, first in first_days.items() if first < day)
        session.execute(
            insert(DaySketch),
            [
                {
                    "day": day,
                    "visitors_sketch": to_bytes(sketch_of(first_days)),
                    "returning_sketch": to_bytes(sketch_of(returning)),
                    "stale": False,
                }
            ],
        )
    return len(first_days), new


def mark_stale(session: Session, days: Iterable[dt.date]) -> None:
    """Mark the sketches of ``days`` for rebuilding: their visitor days changed after the rollup."""
    listed = sorted(set(days))
    for chunk in range(0, len(listed), 500):
        session.execute(update(DaySketch).where(DaySketch.day.in_(listed[chunk : chunk + 500])).values(stale=True))


def refresh_stale_days(session: Session) -> list[dt.date]:
    """Rebuild the people counts and sketches of every stale day from its visitor days; return those days."""
    days = list(session.scalars(select(DaySketch.day).where(DaySketch.stale.is_(True)).order_by(DaySketch.day)))
    for day in days:
        first_days: dict[str, dt.date] = {
            person: first
            for person, first in session.execute(
                select(VisitorDay.person, VisitorDay.first_day).where(VisitorDay.day == day)
            )
        }
        store_day_people(session, day, first_days)
    if days:
        session.flush()
        logger.info("Analytics: people of %d changed days rebuilt (%s to %s)", len(days), days[0], days[-1])
    return days


def range_people(session: Session, first: dt.date, last: dt.date) -> RangePeople:
    """Return the distinct, new and returning people of ``first`` to ``last`` (inclusive).

    Distinct and returning people are HyperLogLog estimates (a few dozen people exactly, a
    standard error of about 0.8 % beyond); new people are exact.
    """
    sketches = session.execute(
        select(DaySketch.visitors_sketch, DaySketch.returning_sketch).where(
            DaySketch.day >= first, DaySketch.day <= last
        )
    ).all()
    new = session.scalars(
        select(Rollup.value).where(
            Rollup.grain == "day",
            Rollup.metric == "new_visitors",
            Rollup.key == "",
            Rollup.period_start >= _day_start(first),
            Rollup.period_start < _day_start(last + dt.timedelta(days=1)),
        )
    ).all()
    new_count = int(sum(new))
    visitors = count_union(row.visitors_sketch for row in sketches)
    returning = count_union(row.returning_sketch for row in sketches)
    # Two estimates and one exact count: keep them consistent with each other (everyone counted
    # is new or returning, and nobody is counted twice as a visitor).
    visitors = max(visitors, new_count, returning)
    return RangePeople(visitors=visitors, new=new_count, returning=min(returning, visitors))
