"""What we hold about one visitor, and erasing it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, false, func, or_, select
from sqlalchemy.orm import Session

from marketplace.analytics.models import VisitorDay
from marketplace.analytics.people import mark_stale
from marketplace.analytics.visits import person_of
from marketplace.db import rows_matched
from marketplace.events.models import AnalyticsEvent

#: Events listed on the visitor's page, newest first.
SHOWN_EVENTS = 100


@dataclass(frozen=True, slots=True)
class HeldData:
    """The raw events we hold about a visitor (their counts by kind, the newest ones) and the days seen."""

    counts: dict[str, int]
    events: list[AnalyticsEvent]
    days: int


def _whose(visitor_id: str | None, user_id: int | None) -> ColumnElement[bool]:
    clauses = []
    if visitor_id:
        clauses.append(AnalyticsEvent.visitor_id == visitor_id)
    if user_id is not None:
        clauses.append(AnalyticsEvent.user_id == user_id)
    return or_(*clauses) if clauses else false()


def _people(visitor_id: str | None, user_id: int | None) -> list[str]:
    return [p for p in (person_of(visitor_id, None), person_of(None, user_id)) if p]


def held_data(session: Session, visitor_id: str | None, user_id: int | None) -> HeldData:
    """Return what the event log and the visitor days hold about this visitor and, when signed in, account."""
    whose = _whose(visitor_id, user_id)
    counts = dict(
        session.execute(select(AnalyticsEvent.kind, func.count()).where(whose).group_by(AnalyticsEvent.kind)).all()
    )
    events = list(
        session.scalars(
            select(AnalyticsEvent).where(whose).order_by(AnalyticsEvent.occurred_at.desc()).limit(SHOWN_EVENTS)
        )
    )
    days = session.scalar(select(func.count()).where(VisitorDay.person.in_(_people(visitor_id, user_id)))) or 0
    return HeldData(counts, events, days)


def erase_visitor_data(session: Session, visitor_id: str | None, user_id: int | None) -> int:
    """Delete every raw event and visitor day of this visitor (and account); return the events deleted.

    The rollups keep only counts that name nobody, so they stay. The sketches of the days the
    visitor was seen hold a trace of their hashed id, so the next rollup rebuilds them without it.
    """
    erased = rows_matched(session.execute(delete(AnalyticsEvent).where(_whose(visitor_id, user_id))))
    people = _people(visitor_id, user_id)
    mark_stale(session, session.scalars(select(VisitorDay.day).where(VisitorDay.person.in_(people))))
    session.execute(delete(VisitorDay).where(VisitorDay.person.in_(people)))
    session.flush()
    return erased
