"""Split a person's events into visits: a visit ends after 30 minutes idle or at midnight (UTC)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: A visit ends after this long without an event.
IDLE = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Event:
    """The part of a raw event that visits and rollups need."""

    occurred_at: dt.datetime
    kind: str
    person: str
    path: str | None = None
    channel: str | None = None
    supplier_id: int | None = None
    category_id: int | None = None
    data: dict[str, Any] | None = None
    product_id: int | None = None


@dataclass(slots=True)
class Visit:
    """One person's events with no gap longer than ``IDLE``, all on one day."""

    person: str
    events: list[Event] = field(default_factory=list)

    @property
    def started_at(self) -> dt.datetime:
        return self.events[0].occurred_at

    @property
    def pages(self) -> list[Event]:
        return [e for e in self.events if e.kind == "pageview"]

    @property
    def channel(self) -> str:
        pages = self.pages
        return (pages[0].channel if pages else None) or "direct"

    def has(self, *kinds: str) -> bool:
        return any(e.kind in kinds for e in self.events)


def person_of(visitor_id: str | None, user_id: int | None) -> str | None:
    """Return who an event is of: the account when known, else the visitor cookie."""
    if user_id is not None:
        return f"u{user_id}"
    if visitor_id:
        return f"v{visitor_id}"
    return None


def split_visits(events: Iterable[Event], idle: dt.timedelta = IDLE) -> list[Visit]:
    """Return the visits in ``events`` (any order); a visit with no page view is no visit."""
    by_person: dict[str, list[Event]] = {}
    for event in events:
        by_person.setdefault(event.person, []).append(event)
    visits: list[Visit] = []
    for person, own in by_person.items():
        own.sort(key=lambda e: e.occurred_at)
        current: Visit | None = None
        previous: dt.datetime | None = None
        for event in own:
            if (
                current is None
                or previous is None
                or event.occurred_at - previous > idle
                or event.occurred_at.date() != previous.date()
            ):
                current = Visit(person)
                visits.append(current)
            current.events.append(event)
            previous = event.occurred_at
    return [visit for visit in visits if visit.pages]


def depth_bucket(pages: Sequence[Event]) -> str:
    """Return the pages-per-visit bucket of a visit: "1" to "9", then "10+"."""
    return str(len(pages)) if len(pages) < 10 else "10+"
