"""Segments: the operator's saved filters over customers, by name; counted, listed, exported, aimed at by campaigns.

A segment keeps the filter's fields, never its members: whoever matches when it is read is
in it, so a segment of buyers "seen in the last 30 days" rolls with the calendar, and a
buyer the scoring pass moves to gold joins "gold" at that pass.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.crm.customers import CustomerError, CustomerFilter, filtered
from marketplace.crm.models import Customer, CustomerCategory, CustomerKind, CustomerSegment
from marketplace.crm.scoring import Tier
from marketplace.taxonomy.models import Category

logger = logging.getLogger(__name__)

#: A segment's longest name.
MAX_NAME = 100
_LANGUAGES = ("en", "uk", "ru")


def filter_as_dict(filters: CustomerFilter) -> dict[str, Any]:
    """Return the filter's set fields as JSON-ready data (what a segment keeps)."""
    data: dict[str, Any] = {
        "query": filters.query.strip() or None,
        "kind": str(filters.kind) if filters.kind is not None else None,
        "b2b": filters.b2b,
        "language": filters.language,
        "seen_days": filters.seen_days,
        "tier": filters.tier,
        "r_min": filters.r_min,
        "f_min": filters.f_min,
        "m_min": filters.m_min,
        "category_id": filters.category_id,
    }
    return {key: value for key, value in data.items() if value is not None}


def _int(value: Any, low: int, high: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else None


def filter_from_dict(data: dict[str, Any]) -> CustomerFilter:
    """Return the filter a segment keeps; a field that is unknown or out of range (an older segment's) is ignored."""
    kind = data.get("kind")
    tier = data.get("tier")
    language = data.get("language")
    b2b = data.get("b2b")
    query = data.get("query")
    return CustomerFilter(
        query=query if isinstance(query, str) else "",
        kind=CustomerKind(kind) if kind in tuple(CustomerKind) else None,
        b2b=b2b if isinstance(b2b, bool) else None,
        language=language if language in _LANGUAGES else None,
        seen_days=_int(data.get("seen_days"), 0, 3650),
        tier=tier if tier in tuple(Tier) else None,
        r_min=_int(data.get("r_min"), 1, 5),
        f_min=_int(data.get("f_min"), 1, 5),
        m_min=_int(data.get("m_min"), 1, 5),
        category_id=_int(data.get("category_id"), 1, 2**31 - 1),
    )


def segment_filter(segment: CustomerSegment) -> CustomerFilter:
    """Return the filter a segment stands for."""
    return filter_from_dict(segment.filters or {})


def segment_members(session: Session, segment: CustomerSegment) -> Select[Customer]:
    """Return the query of the live customers in ``segment`` now, the latest seen first (for campaigns and lists)."""
    return filtered(segment_filter(segment), nulls_last=session.get_bind().dialect.name != "sqlite")


def count_members(session: Session, segment: CustomerSegment) -> int:
    """Return how many live customers are in ``segment`` now."""
    query = segment_members(session, segment).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(query)) or 0


def save_segment(session: Session, name: str, filters: CustomerFilter, *, user: User | None) -> CustomerSegment:
    """Save ``filters`` as a segment called ``name``; an empty or taken name is refused."""
    clean = " ".join(name.split())
    if not clean:
        raise CustomerError(_l("Give the segment a name."), "name")
    if len(clean) > MAX_NAME:
        raise CustomerError(_l("The name is longer than %(n)d characters.", n=MAX_NAME), "name")
    if find_segment(session, clean) is not None:
        raise CustomerError(_l("A segment called “%(name)s” exists already.", name=clean), "name")
    segment = CustomerSegment(
        name=clean, filters=filter_as_dict(filters), created_by_id=user.id if user is not None else None
    )
    session.add(segment)
    session.flush()
    logger.info("User %s saved segment %d %r", user.id if user is not None else "-", segment.id, clean)
    return segment


def find_segment(session: Session, name: str) -> CustomerSegment | None:
    """Return the segment called ``name`` (case and spaces as the operator typed them do not matter)."""
    clean = " ".join(name.split()).lower()
    return session.scalar(select(CustomerSegment).where(func.lower(CustomerSegment.name) == clean))


def list_segments(session: Session) -> list[tuple[CustomerSegment, int]]:
    """Return every segment, by name, with how many customers are in it now."""
    segments = session.scalars(select(CustomerSegment).order_by(CustomerSegment.name)).all()
    return [(segment, count_members(session, segment)) for segment in segments]


def delete_segment(session: Session, segment: CustomerSegment, *, user: User | None) -> None:
    """Delete a segment; its customers stay as they are."""
    session.delete(segment)
    session.flush()
    logger.info("User %s deleted segment %d %r", user.id if user is not None else "-", segment.id, segment.name)


#: The categories a filter offers at most: the most browsed.
MAX_CATEGORY_CHOICES = 200


def browsed_categories(session: Session, locale: str | None) -> list[tuple[int, str]]:
    """Return the categories customers browse, the most browsed first, with their names in ``locale``."""
    counts = (
        select(CustomerCategory.category_id, func.count().label("customers"))
        .group_by(CustomerCategory.category_id)
        .order_by(func.count().desc(), CustomerCategory.category_id)
        .limit(MAX_CATEGORY_CHOICES)
        .subquery()
    )
    rows = session.execute(
        select(Category).join(counts, counts.c.category_id == Category.id).order_by(counts.c.customers.desc())
    ).scalars()
    return [(category.id, category.name_in(locale)) for category in rows]
