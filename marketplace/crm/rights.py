"""The customer's rights: a copy of everything we hold about them, and deleting their account.

The copy is read from every table that points at the account (found from the metadata, so
a table added later is in it without a change here), plus the rows that name the account
otherwise: its events, the mail sent to its address, its customer record and the notes on it.
Secrets (password and token hashes) are left out: they are ours, not personal data.

Deleting keeps what other people need, without the person. The account row stays as an
inactive tombstone without name, address, phone or password, so a supplier's quotes on the
buyer's requests, the request threads and the suppliers' leads keep their rows; the leads
lose the buyer's name, e-mail, phone, contact person and comment. Events and click-outs
are unlinked from the account and its visitor ids; notifications, mail, alerts, favourites,
tokens and sessions go. The customer record stays for the operator's counts, marked
deleted and emptied of contacts; the operator's notes on it go.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, false, func, select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import check_password, hash_password
from marketplace.alerts.models import Alert
from marketplace.buyer_requests.models import BuyerRequest, RequestStatus
from marketplace.catalog.models import ClickOut
from marketplace.crm.customers import customer_of_user
from marketplace.crm.models import Customer, CustomerLink, CustomerNote, LinkSource
from marketplace.crm.normalise import normalise_email, normalise_phone
from marketplace.crm.timeline import visitor_ids
from marketplace.db import Base, utcnow
from marketplace.domain_errors import DomainError
from marketplace.events.models import AnalyticsEvent
from marketplace.notifications.models import OutboxMail
from marketplace.shops.models import Lead

logger = logging.getLogger(__name__)

#: Columns never handed out: what would let someone act as the account.
SECRET_MARKERS = ("hash", "secret", "digest")
#: The domain of a deleted account's placeholder address: ``.invalid`` never receives mail (RFC 2606).
DELETED_DOMAIN = "deleted.invalid"
#: Tables the copy leaves out although they point at the account: its other tables hold the same rows.
_NOT_COPIED = frozenset({"customer_notes"})


class RightsError(DomainError):
    """The data export or the deletion was refused; the message is for the account's owner."""


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _public_row(table: Table, row: Any) -> dict[str, Any]:
    return {
        column.name: _value(row._mapping[column])
        for column in table.columns
        if not any(marker in column.name for marker in SECRET_MARKERS)
    }


def _user_tables() -> list[tuple[Table, str]]:
    """Return every table with a column that refers to ``users.id``, and that column's name."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in _NOT_COPIED:
            continue
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                found.append((table, column.name))
    return found


def export_user_data(session: Session, user: User, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Return everything we hold about ``user``, as JSON-ready data."""
    users = Base.metadata.tables["users"]
    data: dict[str, Any] = {
        "exported_at": (now or utcnow()).isoformat(),
        "account": _public_row(users, session.execute(select(users).where(users.c.id == user.id)).one()),
    }
    for table, column in _user_tables():
        rows = session.execute(select(table).where(table.c[column] == user.id)).all()
        if rows:
            key = table.name if column in ("user_id", "buyer_id") else f"{table.name}.{column}"
            data[key] = [_public_row(table, row) for row in rows]
    events = Base.metadata.tables["analytics_events"]
    visitors = visitor_ids(session, [user.id])
    event_rows = session.execute(
        select(events)
        .where((events.c.user_id == user.id) | (events.c.visitor_id.in_(visitors) if visitors else false()))
        .order_by(events.c.occurred_at)
    ).all()
    data["analytics_events"] = [_public_row(events, row) for row in event_rows]
    mails = Base.metadata.tables["outbox_mails"]
    data["mails"] = [
        _public_row(mails, row) for row in session.execute(select(mails).where(mails.c.recipient == user.email)).all()
    ]
    customer = customer_of_user(session, user)
    if customer is not None:
        customers = Base.metadata.tables["customers"]
        data["customer_record"] = _public_row(
            customers, session.execute(select(customers).where(customers.c.id == customer.id)).one()
        )
        if customer.kind == "buyer":  # a supplier's record is the company's, and its notes are about the company
            notes = Base.metadata.tables["customer_notes"]
            data["customer_notes"] = [
                _public_row(notes, row)
                for row in session.execute(select(notes).where(notes.c.customer_id == customer.id)).all()
            ]
    return data


def delete_account(session: Session, user: User, password: str, *, now: dt.datetime | None = None) -> None:
    """Delete ``user``'s account after checking its password: anonymise what others need, remove the rest."""
    if user.role == Role.ADMIN:
        raise RightsError(_l("An operator's account is closed by another operator, not here."))
    if not check_password(user.password_hash, password):
        raise RightsError(_l("The password is not right."))
    now = now or utcnow()
    customer = customer_of_user(session, user)
    lead_ids = customer.ids_of(LinkSource.LEAD) if customer is not None and customer.kind == "buyer" else []
    visitors = visitor_ids(session, [user.id])
    session.execute(
        update(Lead)
        .where((Lead.user_id == user.id) | (Lead.id.in_(lead_ids) if lead_ids else false()))
        .values(user_id=None, buyer_name="", buyer_email=None, buyer_phone=None, contact_person=None, comment=None)
        .execution_options(synchronize_session=False)
    )
    unlink_events = AnalyticsEvent.user_id == user.id
    unlink_clicks = ClickOut.user_id == user.id
    if visitors:
        unlink_events = unlink_events | AnalyticsEvent.visitor_id.in_(visitors)
        unlink_clicks = unlink_clicks | ClickOut.visitor_id.in_(visitors)
    session.execute(
        update(AnalyticsEvent)
        .where(unlink_events)
        .values(user_id=None, visitor_id=None, ip_hash=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ClickOut)
        .where(unlink_clicks)
        .values(user_id=None, visitor_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(OutboxMail).where(OutboxMail.recipient == user.email))
    # Alerts set with the address before signing up, or while logged out, are the person's too.
    session.execute(delete(Alert).where(Alert.user_id.is_(None), func.lower(Alert.email) == user.email))
    # Rows that are the person's alone: every table whose reference to the account cascades.
    for table, column in _user_tables():
        if table.name in ("users", "buyer_requests"):
            continue
        cascades = any(fk.ondelete == "CASCADE" for fk in table.c[column].foreign_keys)
        if cascades:
            session.execute(delete(table).where(table.c[column] == user.id))
    # The requests stay for the suppliers who quoted; open ones close, as their buyer has gone.
    session.execute(
        update(BuyerRequest)
        .where(BuyerRequest.buyer_id == user.id, BuyerRequest.status == RequestStatus.OPEN)
        .values(status=RequestStatus.CLOSED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if customer is not None and customer.kind == "buyer":
        _forget_customer(session, customer, now)
    elif customer is not None:
        # A member of a supplier's team: the company's record stays; only this person leaves it.
        if customer.email == normalise_email(user.email):
            customer.email = None
        if customer.phone is not None and customer.phone == normalise_phone(user.phone):
            customer.phone = None
        session.execute(
            delete(CustomerLink).where(CustomerLink.source == LinkSource.USER, CustomerLink.source_id == user.id)
        )
    email = user.email
    user.email = f"deleted-{user.id}@{DELETED_DOMAIN}"
    user.display_name = ""
    user.phone = None
    user.locale = None
    user.email_verified_at = None
    user.active = False
    user.session_version += 1
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # nobody knows it: no login, no reset
    session.flush()
    logger.info("User %d deleted their account (was %s)", user.id, email.split("@", 1)[-1])


def _forget_customer(session: Session, customer: Customer, now: dt.datetime) -> None:
    customer.name = ""
    customer.email = None
    customer.phone = None
    customer.tax_id = None
    customer.address = None
    customer.deleted_at = now
    session.execute(delete(CustomerNote).where(CustomerNote.customer_id == customer.id))
    # Records merged into this one were the same person: they go too.
    for absorbed in session.scalars(select(Customer).where(Customer.merged_into_id == customer.id)).all():
        _forget_customer(session, absorbed, now)
