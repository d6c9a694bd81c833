"""Recently viewed: a visitor's newest product views and searches, read from the event log.

Why the event log and no table of our own: the analytics capture already writes every product
view and search with the visitor cookie and the account, honours Do Not Track and Global
Privacy Control, joins a visitor's history to the account at login, and is what the visitor's
erase-my-data path deletes. A second copy would need each of those again, and a write in the
product page's request, which the event buffer exists to avoid. Reading stays cheap because
``ix_analytics_events_visitor_kind_at`` and ``ix_analytics_events_user_kind_at`` hold
``(who, kind, occurred_at)``: each read below is one backward range scan stopped at its LIMIT
(``FETCHED`` rows), whatever the size of the log or of the visitor's history (EXPLAIN in
tests/integration/test_personal_history.py). Events still in this process's buffer (at most
``ANALYTICS_FLUSH_SECONDS`` old) are passed in as ``pending`` and merged, so a page just viewed
shows at once.

Whose events: an account's (``user_id``), and the cookie's that no account has claimed yet
(``visitor_id`` with no ``user_id``), and those of the cookies the account lately logged in
from. So a visitor who logs in sees what they viewed before it, on this device and the others,
and the next person on a shared computer, after a logout, does not see the account's views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from marketplace.analytics.models import VisitorDay
from marketplace.analytics.visits import person_of
from marketplace.db import rows_matched
from marketplace.events.models import AnalyticsEvent
from marketplace.personal.models import HistoryClear

#: The event kinds the list is made of.
PRODUCT_VIEW = "product_view"
SEARCH = "search"
#: Rows read per kind and per whose-clause: enough for the distinct items shown after repeats.
FETCHED = 60
#: Items kept in a history at most.
MAX_PRODUCTS = 24
MAX_SEARCHES = 10


@dataclass(frozen=True, slots=True)
class Who:
    """The visitor of a request: the cookie, and the account when signed in."""

    visitor_id: str | None
    user_id: int | None = None

    @property
    def people(self) -> list[str]:
        """Return the analytics persons ("v…", "u…") this visitor is, for the visitor days."""
        return [p for p in (person_of(self.visitor_id, None), person_of(None, self.user_id)) if p]


@dataclass(slots=True)
class RecentProduct:
    """A product the visitor viewed: when last, and when first within the history read."""

    product_id: int
    last_at: dt.datetime
    first_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RecentSearch:
    """A search the visitor made: its words, the search page's arguments to repeat it, and when."""

    text: str
    args: dict[str, Any]
    last_at: dt.datetime
    #: The category it was narrowed to, if any.
    category_id: int | None = None


@dataclass
class History:
    """The visitor's recent products and searches, newest first, each once."""

    products: list[RecentProduct] = field(default_factory=list)
    searches: list[RecentSearch] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.products or self.searches)


@dataclass(frozen=True, slots=True)
class _Seen:
    id: int
    occurred_at: dt.datetime
    product_id: int | None
    data: Mapping[str, Any] | None


#: Logins of an account whose devices' unclaimed events it sees at once (the rollup joins them later).
LINKED_LOGINS = 20


def linked_visitors(session: Session, who: Who) -> tuple[str, ...]:
    """Return the visitor cookies the account logged in from lately, other than this request's.

    A login joins the cookie's earlier events to the account, but only when the rollup runs
    (``analytics.rollup.join_logins``); until then they still carry no account. Reading the
    cookies of the account's latest logins (one LIMIT-stopped scan of the (user, kind, time)
    index) makes a visitor's history follow them to their other devices as soon as they log in.
    """
    if who.user_id is None:
        return ()
    cookies = session.scalars(
        select(AnalyticsEvent.visitor_id)
        .where(AnalyticsEvent.user_id == who.user_id, AnalyticsEvent.kind == "login")
        .order_by(AnalyticsEvent.occurred_at.desc())
        .limit(LINKED_LOGINS)
    )
    return tuple(dict.fromkeys(c for c in cookies if c and c != who.visitor_id))


def _clauses(who: Who, linked: tuple[str, ...]) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if who.user_id is not None:
        clauses.append(AnalyticsEvent.user_id == who.user_id)
    if who.visitor_id:
        clauses.append(and_(AnalyticsEvent.visitor_id == who.visitor_id, AnalyticsEvent.user_id.is_(None)))
    if linked:
        # Few rows: only what those cookies did since the rollup last joined them to the account.
        clauses.append(and_(AnalyticsEvent.visitor_id.in_(linked), AnalyticsEvent.user_id.is_(None)))
    return clauses


def _is_whose(row: Mapping[str, Any], who: Who, linked: tuple[str, ...]) -> bool:
    user_id = row.get("user_id")
    if who.user_id is not None and user_id == who.user_id:
        return True
    if user_id is not None:
        return False
    visitor_id = row.get("visitor_id")
    return bool(visitor_id) and (visitor_id == who.visitor_id or visitor_id in linked)


def _clears_of(who: Who) -> list[ColumnElement[bool]]:
    """Return the conditions that pick this visitor's and this account's clears (none: nobody to pick)."""
    clauses: list[ColumnElement[bool]] = []
    if who.visitor_id:
        clauses.append(HistoryClear.visitor_id == who.visitor_id)
    if who.user_id is not None:
        clauses.append(HistoryClear.user_id == who.user_id)
    return clauses


def cleared_at(session: Session, who: Who) -> dt.datetime | None:
    """Return when this visitor (or account) last cleared the list, if ever."""
    clauses = _clears_of(who)
    if not clauses:
        return None
    return session.scalar(select(func.max(HistoryClear.cleared_at)).where(or_(*clauses)))


def _read(session: Session, who: Who, linked: tuple[str, ...], kind: str, after: dt.datetime | None) -> list[_Seen]:
    """Read the newest ``FETCHED`` events of ``kind`` per whose-clause: each an index range scan with a LIMIT."""
    seen: list[_Seen] = []
    for clause in _clauses(who, linked):
        query = select(
            AnalyticsEvent.id, AnalyticsEvent.occurred_at, AnalyticsEvent.product_id, AnalyticsEvent.data
        ).where(clause, AnalyticsEvent.kind == kind)
        if after is not None:
            query = query.where(AnalyticsEvent.occurred_at > after)
        rows = session.execute(query.order_by(AnalyticsEvent.occurred_at.desc()).limit(FETCHED))
        seen.extend(_Seen(*row) for row in rows)
    return seen


def _pending(
    rows: Iterable[Mapping[str, Any]], who: Who, linked: tuple[str, ...], kind: str, after: dt.datetime | None
) -> list[_Seen]:
    return [
        _Seen(row["id"], row["occurred_at"], row.get("product_id"), row.get("data"))
        for row in rows
        if row.get("kind") == kind and _is_whose(row, who, linked) and (after is None or row["occurred_at"] > after)
    ]


def _newest_first(seen: Iterable[_Seen]) -> list[_Seen]:
    unique = {event.id: event for event in seen}
    return sorted(unique.values(), key=lambda event: event.occurred_at, reverse=True)


def visitor_history(
    session: Session,
    who: Who,
    pending: Iterable[Mapping[str, Any]] = (),
    *,
    products: int = MAX_PRODUCTS,
    searches: int = MAX_SEARCHES,
) -> History:
    """Return the visitor's recent products and searches, newest first, merging events not yet written.

    ``pending`` are the event buffer's rows (``marketplace.events.log``); at most
    ``2 * FETCHED`` rows of each kind are read from the database.
    """
    if not who.visitor_id and who.user_id is None:
        return History()
    pending = list(pending)
    after = cleared_at(session, who)
    linked = linked_visitors(session, who)
    history = History()
    by_product: dict[int, RecentProduct] = {}
    for event in _newest_first(
        _read(session, who, linked, PRODUCT_VIEW, after) + _pending(pending, who, linked, PRODUCT_VIEW, after)
    ):
        if event.product_id is None:
            continue
        recent = by_product.get(event.product_id)
        if recent is None:
            if len(by_product) < products:
                by_product[event.product_id] = RecentProduct(event.product_id, event.occurred_at, event.occurred_at)
        else:
            recent.first_at = event.occurred_at
    history.products = list(by_product.values())
    keys: set[tuple[tuple[str, str], ...]] = set()
    for event in _newest_first(
        _read(session, who, linked, SEARCH, after) + _pending(pending, who, linked, SEARCH, after)
    ):
        search = search_of(event.data, event.occurred_at)
        if search is None:
            continue
        key = tuple(sorted((name, str(value)) for name, value in search.args.items()))
        if key in keys:
            continue
        keys.add(key)
        history.searches.append(search)
        if len(history.searches) >= searches:
            break
    return history


def search_of(data: Mapping[str, Any] | None, at: dt.datetime) -> RecentSearch | None:
    """Return the search a "search" event records, with the arguments that repeat it; ``None`` without words.

    A category page records a search with no words: that is browsing, not a search to list.
    Param facets are left out of the arguments; the words, prices, sellers, brands, category,
    stock and condition are kept.
    """
    data = data or {}
    text = str(data.get("query") or "").strip()
    if not text:
        return None
    filters: Mapping[str, Any] = data.get("filters") or {}
    args: dict[str, Any] = {"q": text}
    for minor, name in (("min_price_minor", "min_price"), ("max_price_minor", "max_price")):
        if isinstance(filters.get(minor), int):
            args[name] = format(Decimal(filters[minor]).scaleb(-2).normalize(), "f")
    for key, name in (("suppliers", "supplier"), ("brands", "brand"), ("conditions", "condition")):
        values = [str(v) for v in filters.get(key) or () if v]
        if values:
            args[name] = values
    category_id = filters.get("category_id")
    if isinstance(category_id, int):
        args["category"] = category_id
    else:
        category_id = None
    if filters.get("in_stock") is True:
        args["in_stock"] = "y"
    return RecentSearch(text, args, at, category_id)


def is_returning(session: Session, who: Who, today: dt.date) -> bool:
    """Return whether the visitor was seen on a day before ``today``: the analytics "returning visitor".

    The visitor days (the rollup's record, which outlives raw events) answer first; the event
    log answers for days not rolled up yet, through the (who, kind, occurred_at) indexes.
    """
    people = who.people
    if not people:
        return False
    earlier = session.scalar(
        select(VisitorDay.day).where(VisitorDay.person.in_(people), VisitorDay.first_day < today).limit(1)
    )
    if earlier is not None:
        return True
    start = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    clauses: list[ColumnElement[bool]] = []
    if who.visitor_id:
        clauses.append(AnalyticsEvent.visitor_id == who.visitor_id)
    if who.user_id is not None:
        clauses.append(AnalyticsEvent.user_id == who.user_id)
    for clause in clauses:
        found = session.scalar(
            select(AnalyticsEvent.id)
            .where(clause, AnalyticsEvent.kind == "pageview", AnalyticsEvent.occurred_at < start)
            .limit(1)
        )
        if found is not None:
            return True
    return False


def clear_history(session: Session, who: Who, at: dt.datetime) -> None:
    """Forget the visitor's list up to ``at``: for the cookie, and for the account on every device."""
    if who.visitor_id:
        session.execute(delete(HistoryClear).where(HistoryClear.visitor_id == who.visitor_id))
        session.add(HistoryClear(visitor_id=who.visitor_id, cleared_at=at))
    if who.user_id is not None:
        session.execute(delete(HistoryClear).where(HistoryClear.user_id == who.user_id))
        session.add(HistoryClear(user_id=who.user_id, cleared_at=at))
    session.flush()


def erase_history(session: Session, who: Who) -> int:
    """Delete what this package keeps of the visitor (their clears); the events go with the analytics erase."""
    clauses = _clears_of(who)
    if not clauses:
        return 0
    erased = rows_matched(session.execute(delete(HistoryClear).where(or_(*clauses))))
    session.flush()
    return erased
