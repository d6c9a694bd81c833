"""Recently viewed from the event log: whose events, newest first and once, the buffer merged, clears, and the plan."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from marketplace.analytics.models import VisitorDay
from marketplace.events.models import AnalyticsEvent
from marketplace.personal.history import (
    FETCHED,
    Who,
    clear_history,
    erase_history,
    is_returning,
    visitor_history,
)
from tests.support import factories

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
VISITOR = "a" * 32


def event(
    kind: str, minutes: int, *, visitor: str | None = VISITOR, user: int | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "id": secrets.randbits(63),
        "occurred_at": T0 + dt.timedelta(minutes=minutes),
        "kind": kind,
        "visitor_id": visitor,
        "user_id": user,
        **fields,
    }


def write(session: Session, *rows: dict[str, Any]) -> None:
    session.add_all(AnalyticsEvent(**row) for row in rows)
    session.flush()


def test_products_are_newest_first_once_with_the_first_view_kept(db_session: Session) -> None:
    write(
        db_session,
        event("product_view", 0, product_id=1),
        event("product_view", 5, product_id=2),
        event("product_view", 10, product_id=1),
        event("pageview", 11, product_id=3),
        event("product_view", 12, visitor="b" * 32, product_id=4),
    )

    history = visitor_history(db_session, Who(VISITOR))

    assert [(p.product_id, p.last_at, p.first_at) for p in history.products] == [
        (1, T0 + dt.timedelta(minutes=10), T0),
        (2, T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=5)),
    ]


def test_an_account_sees_its_own_and_the_cookies_unclaimed_events_and_a_stranger_not_the_accounts(
    db_session: Session,
) -> None:
    write(
        db_session,
        event("product_view", 0, product_id=1),  # before login, not joined yet
        event("product_view", 1, user=7, product_id=2),  # signed in on this device
        event("product_view", 2, visitor="c" * 32, user=7, product_id=3),  # on another device
    )

    assert [p.product_id for p in visitor_history(db_session, Who(VISITOR, 7)).products] == [3, 2, 1]
    # After a logout, the next person at this computer sees no views of the account.
    assert [p.product_id for p in visitor_history(db_session, Who(VISITOR)).products] == [1]


def test_a_login_brings_the_devices_unclaimed_views_to_the_account_before_the_rollup_joins_them(
    db_session: Session,
) -> None:
    phone, laptop = "p" * 32, "l" * 32
    write(
        db_session,
        event("product_view", 0, visitor=phone, product_id=1),  # anonymous on the phone
        event("login", 1, visitor=phone, user=7),  # then logged in there
        event("product_view", 2, visitor="s" * 32, product_id=9),  # someone else, never logged in as 7
    )
    pending = [event("product_view", 3, visitor=phone, product_id=2)]  # on the phone, not written yet

    seen = visitor_history(db_session, Who(laptop, 7), pending)

    assert [p.product_id for p in seen.products] == [2, 1]


def test_events_still_in_the_buffer_are_listed(db_session: Session) -> None:
    write(db_session, event("product_view", 0, product_id=1))
    pending = [
        event("product_view", 3, product_id=2, data=None),
        event("product_view", 4, visitor="x" * 32, product_id=9),
    ]

    history = visitor_history(db_session, Who(VISITOR), pending)

    assert [p.product_id for p in history.products] == [2, 1]


def test_searches_with_words_are_listed_once_with_their_arguments(db_session: Session) -> None:
    filters = {"text": "drill", "min_price_minor": 150000, "suppliers": ["dnipro-tools"], "in_stock": True}
    write(
        db_session,
        event("search", 0, data={"query": "drill", "filters": filters}),
        event("search", 1, data={"query": "", "filters": {"category_id": 5}}),  # a category page
        event("search", 2, data={"query": "drill", "filters": filters, "page": 2}),
        event("search", 3, data={"query": "saw", "filters": {"text": "saw", "category_id": 5}}),
    )

    searches = visitor_history(db_session, Who(VISITOR)).searches

    assert [(s.text, s.args, s.category_id) for s in searches] == [
        ("saw", {"q": "saw", "category": 5}, 5),
        ("drill", {"q": "drill", "min_price": "1500", "supplier": ["dnipro-tools"], "in_stock": "y"}, None),
    ]


def test_a_clear_hides_what_came_before_on_every_device_of_the_account(db_session: Session) -> None:
    user_id = factories.user(db_session, "olena@example.com").id
    write(
        db_session,
        event("product_view", 0, user=user_id, product_id=1),
        event("product_view", 10, user=user_id, product_id=2),
    )
    clear_history(db_session, Who(VISITOR, user_id), T0 + dt.timedelta(minutes=5))

    assert [p.product_id for p in visitor_history(db_session, Who("d" * 32, user_id)).products] == [2]
    assert erase_history(db_session, Who(VISITOR, user_id)) == 2
    assert [p.product_id for p in visitor_history(db_session, Who("d" * 32, user_id)).products] == [2, 1]


def test_returning_means_seen_on_an_earlier_day(db_session: Session) -> None:
    write(db_session, event("pageview", 0))
    today = T0.date()

    assert not is_returning(db_session, Who(VISITOR), today)
    assert is_returning(db_session, Who(VISITOR), today + dt.timedelta(days=1))
    # A visitor day rolled up (kept after raw events are gone) says so too.
    db_session.add(VisitorDay(day=today, person="u7", first_day=today - dt.timedelta(days=3), visits=1, pageviews=1))
    db_session.flush()
    assert is_returning(db_session, Who(None, 7), today)
    assert not is_returning(db_session, Who(None), today)


def test_a_long_history_reads_only_the_newest_rows(db_session: Session) -> None:
    write(db_session, *(event("product_view", n, product_id=1000 + n % 300) for n in range(900)))

    history = visitor_history(db_session, Who(VISITOR), products=100)

    # Only the newest FETCHED views were read: the distinct products among them, newest first.
    assert len(history.products) == FETCHED
    assert history.products[0].product_id == 1000 + 899 % 300


def test_the_read_is_an_index_range_scan(db_session: Session) -> None:
    """The plan of the recently viewed read uses the (visitor, kind, occurred_at) index, on SQLite and PostgreSQL."""
    query = (
        "SELECT id, occurred_at, product_id FROM analytics_events "
        "WHERE visitor_id = :v AND user_id IS NULL AND kind = 'product_view' ORDER BY occurred_at DESC LIMIT 60"
    )
    dialect = db_session.get_bind().dialect.name
    if dialect == "postgresql":
        # An empty test table is cheaper to scan; the point is that the index serves the read.
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db_session.scalars(text(f"EXPLAIN {query}"), {"v": VISITOR}))
        # Each month's partition has the index (PostgreSQL names it after the parent's columns); the
        # partitions' backward scans are merged in order, with no sort of the visitor's rows.
        assert "visitor_id_kind_occurred_at_idx" in plan or "ix_analytics_events_visitor_kind_at" in plan
        assert "Index Scan Backward" in plan
        assert "->  Sort" not in plan
    else:
        plan = " ".join(str(row[-1]) for row in db_session.execute(text(f"EXPLAIN QUERY PLAN {query}"), {"v": VISITOR}))
        assert "USING INDEX ix_analytics_events_visitor_kind_at" in plan
        assert "TEMP B-TREE" not in plan  # no sort: the index gives the order
