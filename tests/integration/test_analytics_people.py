"""A range's people from the daily counts and sketches: the same numbers the visitor days give, read cheaply."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from marketplace.analytics.models import DaySketch, VisitorDay
from marketplace.analytics.people import RangePeople, mark_stale, range_people, refresh_stale_days, store_day_people
from marketplace.analytics.privacy import erase_visitor_data
from marketplace.analytics.report import visitor_series

MONDAY = dt.date(2026, 11, 2)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def seen(session: Session, n: int, first_days: dict[str, int]) -> None:
    """Record who was seen on day ``n`` (and their first day) as the rollup does: visitor days, counts, sketches."""
    people = {person: day(first) for person, first in first_days.items()}
    session.execute(
        insert(VisitorDay),
        [{"day": day(n), "person": p, "first_day": f, "visits": 1, "pageviews": 1} for p, f in people.items()],
    )
    store_day_people(session, day(n), people)
    session.flush()


def by_grouping(session: Session, first: dt.date, last: dt.date) -> RangePeople:
    """Count the range's people the slow, exact way: the visitor days grouped by person."""
    rows = session.execute(
        select(VisitorDay.person, VisitorDay.day, VisitorDay.first_day).where(
            VisitorDay.day >= first, VisitorDay.day <= last
        )
    ).all()
    return RangePeople(
        visitors=len({row.person for row in rows}),
        new=len({row.person for row in rows if row.first_day == row.day}),
        returning=len({row.person for row in rows if row.first_day < row.day}),
    )


def test_range_people_match_the_visitor_days_exactly_on_small_data(db_session: Session) -> None:
    seen(db_session, 0, {"v-ann": 0, "v-bob": 0})
    seen(db_session, 1, {"v-bob": 0, "u-7": 1})
    seen(db_session, 2, {"v-ann": 0, "u-7": 1, "v-cat": 2})
    for first, last in ((0, 0), (1, 1), (2, 2), (0, 1), (1, 2), (0, 2), (3, 9)):
        expected = by_grouping(db_session, day(first), day(last))
        assert range_people(db_session, day(first), day(last)) == expected, (first, last)
    assert range_people(db_session, day(0), day(2)) == RangePeople(visitors=4, new=4, returning=3)
    assert visitor_series(db_session, day(0), day(2)) == {
        "visitors": [2, 2, 3],
        "new_visitors": [2, 1, 1],
        "returning_visitors": [0, 1, 2],
    }


def test_a_stale_day_is_rebuilt_from_its_visitor_days(db_session: Session) -> None:
    seen(db_session, 0, {"v-ann": 0, "v-bob": 0})
    seen(db_session, 1, {"v-ann": 0})
    erase_visitor_data(db_session, "-ann", None)  # person "v-ann"
    stale = db_session.scalars(select(DaySketch.day).where(DaySketch.stale.is_(True)).order_by(DaySketch.day))
    assert list(stale) == [day(0), day(1)]
    # Until the rollup rebuilds them the sketches still count her: they hold only a hashed trace.
    assert range_people(db_session, day(0), day(1)).visitors == 2
    assert refresh_stale_days(db_session) == [day(0), day(1)]
    assert range_people(db_session, day(0), day(1)) == RangePeople(visitors=1, new=1, returning=0)
    # A day nobody is left in keeps no sketch; a fresh day is not stale.
    assert db_session.scalar(select(func.count()).select_from(DaySketch)) == 1
    assert db_session.scalar(select(func.count()).where(DaySketch.stale.is_(True))) == 0
    assert refresh_stale_days(db_session) == []


def test_marking_a_day_without_sketches_stale_changes_nothing(db_session: Session) -> None:
    mark_stale(db_session, [day(5)])
    assert refresh_stale_days(db_session) == []
    assert range_people(db_session, day(0), day(9)) == RangePeople(visitors=0, new=0, returning=0)
