"""Keep the customer records in step with accounts, suppliers and the contacts buyers leave in orders.

The worker runs :func:`sync_customers` every pass and ``traderow crm sync`` runs it by hand
(on an existing database, once, it is the backfill). It is idempotent and incremental: it
reads only the sources that no record links to yet, through an anti-join on the unique
``(source, source_id)`` of ``customer_links``, and the visits since the latest one it saw.

Why the worker and not the write boundaries: registration (accounts), shop orders (shops) and
requests sit on floors below the CRM, which may not call up into it; a call from each view
would be one more thing every new way of making a contact must remember, and the one it
forgot would be missing for good. The worker misses nothing, and a record is at most one
pass (``TRADEROW_WORKER_INTERVAL``) behind.

An anonymous buyer's lead joins an earlier anonymous contact with the same normalised e-mail
(or, without one, phone): the same person ordering twice. It never joins an account's
record by itself: anybody may type anybody's address into an order form, and joining would
put a stranger's order into that account's data export. Such pairs are shown to the
operator as duplicates (``customers.find_duplicates``), who merges them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from marketplace.accounts.models import Role, User
from marketplace.crm.models import Customer, CustomerKind, CustomerLink, LinkSource
from marketplace.crm.normalise import normalise_email, normalise_phone
from marketplace.events.models import AnalyticsEvent
from marketplace.shops.models import Lead
from marketplace.suppliers.models import Supplier

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncDone:
    """What one sync made."""

    created: int
    linked: int
    seen: int


def _unlinked(source: LinkSource, id_column: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    return ~select(CustomerLink.id).where(CustomerLink.source == source, CustomerLink.source_id == id_column).exists()


def _link(customer: Customer, source: LinkSource, source_id: int) -> None:
    customer.links.append(CustomerLink(source=source, source_id=source_id))


def _customer_of(session: Session, source: LinkSource, source_id: int) -> Customer | None:
    return session.scalar(
        select(Customer)
        .join(CustomerLink, CustomerLink.customer_id == Customer.id)
        .where(CustomerLink.source == source, CustomerLink.source_id == source_id)
    )


def sync_customers(session: Session) -> SyncDone:
    """Make or extend a customer record for every supplier, account and anonymous lead not yet linked."""
    created = linked = 0
    suppliers = session.scalars(
        select(Supplier).where(_unlinked(LinkSource.SUPPLIER, Supplier.id)).order_by(Supplier.id)
    ).all()
    for supplier in suppliers:
        customer = Customer(
            kind=CustomerKind.SUPPLIER,
            name=supplier.name,
            company=supplier.name,
            b2b=True,
            email=normalise_email(supplier.contact_email),
            phone=normalise_phone(supplier.contact_phone),
            last_seen_at=supplier.created_at,
        )
        session.add(customer)
        _link(customer, LinkSource.SUPPLIER, supplier.id)
        created += 1
    session.flush()
    users = session.scalars(
        select(User).where(User.role != Role.ADMIN, _unlinked(LinkSource.USER, User.id)).order_by(User.id)
    ).all()
    for user in users:
        if user.supplier_id is not None:
            # A member of a supplier's team: one more person of the supplier's (company) record.
            team = _customer_of(session, LinkSource.SUPPLIER, user.supplier_id)
            if team is not None:
                _link(team, LinkSource.USER, user.id)
                team.email = team.email or normalise_email(user.email)
                team.phone = team.phone or normalise_phone(user.phone)
                team.language = team.language or user.locale
                linked += 1
                continue
        customer = Customer(
            kind=CustomerKind.SUPPLIER if user.role == Role.SUPPLIER else CustomerKind.BUYER,
            name=user.display_name,
            email=normalise_email(user.email),
            phone=normalise_phone(user.phone),
            language=user.locale,
            last_seen_at=user.created_at,
        )
        session.add(customer)
        _link(customer, LinkSource.USER, user.id)
        created += 1
    session.flush()
    # A lead from a request names no buyer until a quote is accepted: not read until then.
    knows_buyer = or_(Lead.user_id.is_not(None), Lead.buyer_name != "", Lead.buyer_email.is_not(None))
    leads = session.scalars(
        select(Lead).where(knows_buyer, _unlinked(LinkSource.LEAD, Lead.id)).order_by(Lead.id)
    ).all()
    for lead in leads:
        owner = _customer_of(session, LinkSource.USER, lead.user_id) if lead.user_id is not None else None
        if owner is None:
            owner = _contact_for(session, lead)
        if owner is None:
            owner = Customer(
                kind=CustomerKind.BUYER,
                name=lead.buyer_name or lead.contact_person or "",
                email=normalise_email(lead.buyer_email),
                phone=normalise_phone(lead.buyer_phone),
                company=lead.company,
                b2b=bool(lead.company),
            )
            session.add(owner)
            created += 1
        else:
            linked += 1
            owner.company = owner.company or lead.company
            owner.b2b = owner.b2b or bool(lead.company)
        if owner.last_seen_at is None or owner.last_seen_at < lead.created_at:
            owner.last_seen_at = lead.created_at
        _link(owner, LinkSource.LEAD, lead.id)
        session.flush()
    _fill_languages(session)
    seen = _update_last_seen(session)
    if created or linked:
        logger.info("Customer sync made %d records and linked %d sources to existing ones", created, linked)
    return SyncDone(created=created, linked=linked, seen=seen)


def _contact_for(session: Session, lead: Lead) -> Customer | None:
    """Return the anonymous contact record (made from leads only) with this lead's e-mail, or phone."""
    email, phone = normalise_email(lead.buyer_email), normalise_phone(lead.buyer_phone)
    if email is None and phone is None:
        return None
    by_contact = Customer.email == email if email is not None else Customer.phone == phone
    has_account = (
        select(CustomerLink.id)
        .where(CustomerLink.customer_id == Customer.id, CustomerLink.source != LinkSource.LEAD)
        .exists()
    )
    return session.scalar(
        select(Customer)
        .where(by_contact, Customer.merged_into_id.is_(None), Customer.deleted_at.is_(None), ~has_account)
        .order_by(Customer.id)
        .limit(1)
    )


def _fill_languages(session: Session) -> None:
    """Give records without a language their account's, once its owner picked one on the site."""
    locale = (
        select(User.locale)
        .join(CustomerLink, (CustomerLink.source == LinkSource.USER) & (CustomerLink.source_id == User.id))
        .where(CustomerLink.customer_id == Customer.id, User.locale.is_not(None))
        .order_by(User.id)
        .limit(1)
        .scalar_subquery()
    )
    session.execute(
        update(Customer)
        .where(Customer.language.is_(None), locale.is_not(None))
        .values(language=locale)
        .execution_options(synchronize_session=False)
    )


def _update_last_seen(session: Session) -> int:
    """Move each account's record's ``last_seen_at`` to its latest event since the latest already seen."""
    since = session.scalar(
        select(func.max(Customer.last_seen_at)).join(CustomerLink).where(CustomerLink.source == LinkSource.USER)
    )
    recent = select(AnalyticsEvent.user_id, func.max(AnalyticsEvent.occurred_at).label("seen")).where(
        AnalyticsEvent.user_id.is_not(None)
    )
    if since is not None:
        # A little overlap: events are written in batches, a few seconds after they happen.
        recent = recent.where(AnalyticsEvent.occurred_at >= since - dt.timedelta(hours=1))
    seen = 0
    for user_id, at in session.execute(recent.group_by(AnalyticsEvent.user_id)).all():
        customer_id = select(CustomerLink.customer_id).where(
            CustomerLink.source == LinkSource.USER, CustomerLink.source_id == user_id
        )
        session.execute(
            update(Customer)
            .where(
                Customer.id == customer_id.scalar_subquery(),
                or_(Customer.last_seen_at.is_(None), Customer.last_seen_at < at),
            )
            .values(last_seen_at=at)
            .execution_options(synchronize_session=False)
        )
        seen += 1
    return seen
