"""Migration 0029 on a database with visitor days already rolled up: every such day gets a stale sketch.

It runs on a SQLite file of its own (the session's database is already at head), so it migrates
from 0023 however the suite's database is chosen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from marketplace import schema
from marketplace.analytics.models import DaySketch, VisitorDay
from marketplace.analytics.people import RangePeople, range_people, refresh_stale_days
from marketplace.db import make_engine

MONDAY = dt.date(2026, 11, 2)
TUESDAY = MONDAY + dt.timedelta(days=1)


def test_rolled_up_days_get_stale_sketches_that_the_next_rollup_rebuilds(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    try:
        schema.upgrade(engine, "0023")
        with engine.begin() as conn:
            conn.execute(
                insert(VisitorDay.__table__),
                [
                    {"day": MONDAY, "person": "v-ann", "first_day": MONDAY, "visits": 1, "pageviews": 2},
                    {"day": MONDAY, "person": "v-bob", "first_day": MONDAY, "visits": 1, "pageviews": 1},
                    {"day": TUESDAY, "person": "v-ann", "first_day": MONDAY, "visits": 2, "pageviews": 3},
                ],
            )
        schema.upgrade(engine)
        with Session(engine) as session:
            sketches = session.scalars(select(DaySketch).order_by(DaySketch.day)).all()
            assert [(s.day, s.stale) for s in sketches] == [(MONDAY, True), (TUESDAY, True)]
            # Empty until rebuilt: the range counts nobody rather than a wrong number of people.
            assert range_people(session, MONDAY, TUESDAY).visitors == 0
            assert refresh_stale_days(session) == [MONDAY, TUESDAY]
            assert range_people(session, MONDAY, TUESDAY) == RangePeople(visitors=2, new=2, returning=1)
    finally:
        engine.dispose()
