"""Find, filter, deduplicate and merge customer records, and log the operator's notes and calls.

Lists read only live records: neither merged into another nor deleted by their owner.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.crm.models import (
    Customer,
    CustomerCategory,
    CustomerKind,
    CustomerLink,
    CustomerNote,
    LinkSource,
    NoteKind,
)
from marketplace.crm.normalise import normalise_email, normalise_phone
from marketplace.db import utcnow
from marketplace.domain_errors import DomainError

logger = logging.getLogger(__name__)

#: Records per page of the operator's list.
PAGE_SIZE = 50


class CustomerError(DomainError):
    """A customer operation broke a rule; the message is for the operator, ``field`` names the input at fault."""

    def __init__(self, message: LazyString | str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CustomerFilter:
    """What the operator searches and filters the list by; empty fields filter nothing."""

    #: Part of a name, company, e-mail or phone.
    query: str = ""
    kind: CustomerKind | None = None
    #: ``True`` companies only, ``False`` private shoppers only.
    b2b: bool | None = None
    language: str | None = None
    #: Seen within this many days; ``0``: never seen.
    seen_days: int | None = None
    #: "gold", "ordinary" or "loss" (``crm.scoring.Tier``), as the last scoring pass left it.
    tier: str | None = None
    #: The least RFM scores (1–5): recency, frequency, value.
    r_min: int | None = None
    f_min: int | None = None
    m_min: int | None = None
    #: Browsed this category over the scoring window (``customer_categories``).
    category_id: int | None = None


@dataclass
class CustomerPage:
    """One page of the list."""

    customers: list[Customer]
    total: int
    page: int
    pages: int
    filters: CustomerFilter = field(default_factory=CustomerFilter)


def live() -> ColumnElement[bool]:
    """Return the condition of a record shown in lists: not merged away, not deleted."""
    return Customer.merged_into_id.is_(None) & Customer.deleted_at.is_(None)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def filtered(filters: CustomerFilter, *, now: dt.datetime | None = None, nulls_last: bool = True) -> Select[Customer]:
    """Return the query of the live records that match ``filters``, the latest seen first, then the never seen.

    SQLite sorts NULL last in a descending order by itself, and reads the order from the index
    on ``last_seen_at`` only when the query does not say NULLS LAST: pass ``nulls_last=False`` there.
    """
    query = select(Customer).where(live())
    text = filters.query.strip()
    if text:
        email, phone = normalise_email(text), normalise_phone(text)
        if email is not None:
            query = query.where(Customer.email == email)  # a whole address: the index answers
        elif phone is not None and not any(ch.isalpha() for ch in text):
            query = query.where(Customer.phone == phone)
        else:
            pattern = _like(text.lower())
            query = query.where(
                or_(
                    func.lower(Customer.name).like(pattern, escape="\\"),
                    func.lower(Customer.company).like(pattern, escape="\\"),
                    Customer.email.like(pattern, escape="\\"),
                )
            )
    if filters.kind is not None:
        query = query.where(Customer.kind == filters.kind)
    if filters.b2b is not None:
        query = query.where(Customer.b2b.is_(filters.b2b))
    if filters.language:
        query = query.where(Customer.language == filters.language)
    if filters.seen_days is not None:
        if filters.seen_days == 0:
            query = query.where(Customer.last_seen_at.is_(None))
        else:
            since = (now or utcnow()) - dt.timedelta(days=filters.seen_days)
            query = query.where(Customer.last_seen_at >= since)
    if filters.tier:
        query = query.where(Customer.tier == filters.tier)
    for column, least in (
        (Customer.rfm_r, filters.r_min),
        (Customer.rfm_f, filters.f_min),
        (Customer.rfm_m, filters.m_min),
    ):
        if least is not None and least > 1:
            query = query.where(column >= least)
    if filters.category_id is not None:
        browsed = select(CustomerCategory.customer_id).where(CustomerCategory.category_id == filters.category_id)
        query = query.where(Customer.id.in_(browsed))
    latest = Customer.last_seen_at.desc()
    return query.order_by(latest.nulls_last() if nulls_last else latest, Customer.id.desc())


def list_customers(session: Session, filters: CustomerFilter, page: int = 1, per_page: int = PAGE_SIZE) -> CustomerPage:
    """Return one page of the live records matching ``filters``."""
    query = filtered(filters, nulls_last=session.get_bind().dialect.name != "sqlite")
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        query.options(selectinload(Customer.links)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return CustomerPage(list(rows), total, page, pages, filters)


def get_customer(session: Session, customer_id: int) -> Customer | None:
    """Return a record by id, whatever its state."""
    return session.get(Customer, customer_id)


def customer_of_user(session: Session, user: User) -> Customer | None:
    """Return the record an account belongs to (a supplier member's: the supplier's)."""
    return session.scalar(
        select(Customer)
        .join(CustomerLink, CustomerLink.customer_id == Customer.id)
        .where(CustomerLink.source == LinkSource.USER, CustomerLink.source_id == user.id)
    )


def find_by_email(session: Session, email: str) -> Customer | None:
    """Return the live record with this e-mail (normalised), the oldest if there are several."""
    normal = normalise_email(email)
    if normal is None:
        return None
    return session.scalar(select(Customer).where(live(), Customer.email == normal).order_by(Customer.id).limit(1))


@dataclass(frozen=True)
class DuplicateGroup:
    """Live records that share a normalised e-mail or phone."""

    #: "email" or "phone".
    by: str
    value: str
    customers: list[Customer]


def find_duplicates(session: Session, *, limit: int = 100) -> list[DuplicateGroup]:
    """Return groups of live records sharing an e-mail, then those sharing a phone, oldest record first.

    People who share both show once, under their e-mail. At most ``limit`` values of each are read.
    """
    groups: list[DuplicateGroup] = []
    seen: set[frozenset[int]] = set()
    for by, column in (("email", Customer.email), ("phone", Customer.phone)):
        shared = (
            select(column)
            .where(live(), column.is_not(None))
            .group_by(column)
            .having(func.count() > 1)
            .order_by(column)
            .limit(limit)
        )
        members: dict[str, list[Customer]] = {}
        for customer in session.scalars(
            select(Customer).where(live(), column.in_(shared.scalar_subquery())).order_by(column, Customer.id)
        ):
            members.setdefault(str(getattr(customer, by)), []).append(customer)
        for value, customers in members.items():
            ids = frozenset(c.id for c in customers)
            if ids not in seen:
                seen.add(ids)
                groups.append(DuplicateGroup(by, value, customers))
    return groups


def merge_customers(session: Session, keep: Customer, absorb: Customer, *, user: User | None) -> Customer:
    """Merge ``absorb`` into ``keep``: its sources and notes move over, so the timeline shows both histories."""
    if keep.id == absorb.id:
        raise CustomerError(_l("A record cannot be merged into itself."))
    if keep.merged_into_id is not None or absorb.merged_into_id is not None:
        raise CustomerError(_l("One of the records was merged already."))
    if keep.deleted_at is not None or absorb.deleted_at is not None:
        raise CustomerError(_l("A deleted customer's record cannot be merged."))
    session.execute(
        update(CustomerLink)
        .where(CustomerLink.customer_id == absorb.id)
        .values(customer_id=keep.id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(CustomerNote)
        .where(CustomerNote.customer_id == absorb.id)
        .values(customer_id=keep.id)
        .execution_options(synchronize_session=False)
    )
    for name in ("email", "phone", "company", "tax_id", "address", "language"):
        if not getattr(keep, name) and getattr(absorb, name):
            setattr(keep, name, getattr(absorb, name))
    keep.name = keep.name or absorb.name
    keep.b2b = keep.b2b or absorb.b2b
    if absorb.last_seen_at is not None and (keep.last_seen_at is None or keep.last_seen_at < absorb.last_seen_at):
        keep.last_seen_at = absorb.last_seen_at
    absorb.merged_into_id = keep.id
    summary = ", ".join(part for part in (absorb.name, absorb.email, absorb.phone) if part)
    session.add(
        CustomerNote(
            customer_id=keep.id,
            author_id=user.id if user is not None else None,
            kind=NoteKind.MERGE,
            body=f"#{absorb.id} {summary}",
        )
    )
    session.flush()
    session.expire(keep, ["links", "notes"])
    logger.info("User %s merged customer %d into customer %d", user.id if user is not None else "-", absorb.id, keep.id)
    return keep


def add_note(session: Session, customer: Customer, body: str, kind: NoteKind, *, user: User | None) -> CustomerNote:
    """Log a note or a call on the customer's timeline."""
    text = body.strip()
    if not text:
        raise CustomerError(_l("Write what happened."))
    if kind == NoteKind.MERGE:
        raise CustomerError(_l("Merges are logged by the merge itself."))
    note = CustomerNote(customer=customer, author_id=user.id if user is not None else None, kind=kind, body=text)
    session.add(note)
    session.flush()
    logger.info("User %s logged a %s on customer %d", user.id if user is not None else "-", kind, customer.id)
    return note


def live_customer(session: Session, customer_id: int) -> Customer | None:
    """Return the live record that ``customer_id`` is now: itself, or the one it was merged into."""
    customer = session.get(Customer, customer_id)
    seen: set[int] = set()
    while customer is not None and customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(Customer, customer.merged_into_id)
    return customer


@dataclass(frozen=True)
class CustomerDetails:
    """What the operator may correct on a record: contacts, and a business customer's company details."""

    name: str
    email: str
    phone: str
    company: str
    tax_id: str
    address: str
    b2b: bool
    language: str | None


def update_customer(session: Session, customer: Customer, details: CustomerDetails, *, user: User | None) -> Customer:
    """Save the operator's corrections; e-mail and phone are stored normalised, and a malformed one is refused."""
    if customer.deleted_at is not None:
        raise CustomerError(_l("A deleted customer's record keeps no contacts."))
    email = normalise_email(details.email) if details.email.strip() else None
    if details.email.strip() and email is None:
        raise CustomerError(_l("“%(value)s” is not an e-mail address.", value=details.email.strip()), "email")
    phone = normalise_phone(details.phone) if details.phone.strip() else None
    if details.phone.strip() and phone is None:
        raise CustomerError(_l("“%(value)s” is not a phone number.", value=details.phone.strip()), "phone")
    customer.name = details.name.strip()
    customer.email, customer.phone = email, phone
    customer.company = details.company.strip() or None
    customer.tax_id = details.tax_id.strip() or None
    customer.address = details.address.strip() or None
    customer.b2b = details.b2b or customer.company is not None or customer.tax_id is not None
    customer.language = details.language or None
    session.flush()
    logger.info("User %s corrected the details of customer %d", user.id if user is not None else "-", customer.id)
    return customer


def members_of(session: Session, customer: Customer) -> list[User]:
    """Return the accounts of the record: a person's, or a company's team."""
    ids = customer.ids_of(LinkSource.USER)
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)).all())
