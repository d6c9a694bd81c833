"""A supplier's lead pipeline: new leads and who is told, stages, value, next steps, notes and totals.

Leads come from order requests (``shops.services``) and from requests and quotes
(``crm.lead_sources``); each goes through :func:`add_lead`, which tells the supplier's team.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import Role, User
from marketplace.db import utcnow
from marketplace.domain_errors import DomainError
from marketplace.notifications.services import notify
from marketplace.shops.models import OPEN_STAGES, Lead, LeadNote, LeadStatus

logger = logging.getLogger(__name__)

#: The stages in pipeline order, as the portal and the API list them.
STAGES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.OFFER_SENT, LeadStatus.WON, LeadStatus.LOST)
#: The longest note, next step and lost reason.
MAX_NOTE = 4000
MAX_STEP = 500
#: Months the won/lost table covers.
WON_LOST_MONTHS = 12

_CURRENCY_RE = re.compile(r"[A-Z]{3}")


class LeadError(DomainError):
    """A lead cannot be changed so; the message is fit to show the supplier, ``field`` names the input."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LeadNotFound(LeadError):
    """No such lead for this supplier."""


def lead_path(lead: Lead) -> str:
    """Return the portal path of a lead, for notifications."""
    return f"/portal/leads/{lead.id}"


def team_of(session: Session, supplier_id: int) -> list[User]:
    """Return the supplier's team, whom a lead's notices go to."""
    query = select(User).where(User.supplier_id == supplier_id, User.role == Role.SUPPLIER).order_by(User.id)
    return list(session.scalars(query))


def add_lead(session: Session, lead: Lead, *, now: dt.datetime | None = None, tell: bool = True) -> Lead:
    """Add a new lead to its supplier's pipeline and, if ``tell``, tell the supplier's team in the portal and by mail.

    Leads from requests pass ``tell=False``: the request already sent its own notice
    (``request.matched``, ``quote.question``, ``quote.accepted``), and one event is one mail.
    """
    lead.status = LeadStatus.NEW
    lead.stage_at = now or utcnow()
    session.add(lead)
    session.flush()
    if tell:
        params = {"buyer": lead.buyer_name or "—", "subject": lead.subject or f"#{lead.id}"}
        notify(session, team_of(session, lead.supplier_id), f"lead.new.{lead.source}", params, link=lead_path(lead))
    logger.info("New %s lead %d for supplier %d", lead.source, lead.id, lead.supplier_id)
    return lead


def supplier_leads(
    session: Session, supplier_id: int, *, stage: LeadStatus | None = None, limit: int = 200
) -> list[Lead]:
    """Return the supplier's leads, in ``stage`` if given, newest first."""
    query = select(Lead).where(Lead.supplier_id == supplier_id)
    if stage is not None:
        query = query.where(Lead.status == stage)
    query = query.options(selectinload(Lead.items)).order_by(Lead.id.desc()).limit(limit)
    return list(session.scalars(query))


def count_leads(session: Session, supplier_id: int, *, stage: LeadStatus | None = None) -> int:
    """Return how many leads the supplier has, in ``stage`` if given."""
    query = select(func.count()).select_from(Lead).where(Lead.supplier_id == supplier_id)
    if stage is not None:
        query = query.where(Lead.status == stage)
    return session.scalar(query) or 0


def leads_by_id(
    session: Session, supplier_id: int, *, offset: int, limit: int, stage: LeadStatus | None = None
) -> list[Lead]:
    """Return a slice of the supplier's leads by id, with their items and notes, for the API."""
    query = select(Lead).where(Lead.supplier_id == supplier_id)
    if stage is not None:
        query = query.where(Lead.status == stage)
    query = query.options(selectinload(Lead.items), selectinload(Lead.notes)).order_by(Lead.id)
    return list(session.scalars(query.offset(offset).limit(limit)))


def get_lead(session: Session, supplier_id: int, lead_id: int) -> Lead:
    """Return one of the supplier's leads; raise ``LeadNotFound`` for anyone else's."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.supplier_id != supplier_id:
        raise LeadNotFound(_l("There is no lead %(id)s.", id=lead_id))
    return lead


def open_lead(session: Session, supplier_id: int, lead_id: int, *, now: dt.datetime | None = None) -> Lead:
    """Return one of the supplier's leads, noting when it was first seen; raise ``LeadNotFound`` for others'."""
    lead = get_lead(session, supplier_id, lead_id)
    if lead.seen_at is None:
        lead.seen_at = now or utcnow()
        session.flush()
    return lead


@dataclass(frozen=True)
class LeadChange:
    """What a supplier sets on a lead; ``None`` leaves a field as it is."""

    stage: LeadStatus | None = None
    lost_reason: str | None = None
    value: Decimal | None = None
    value_currency: str | None = None
    next_step: str | None = None
    next_step_at: dt.datetime | None = None
    #: Clear the next step (a step done and none planned).
    clear_next_step: bool = False


def move_lead(session: Session, lead: Lead, change: LeadChange, actor: User, *, now: dt.datetime | None = None) -> Lead:
    """Apply ``change`` to ``lead``: its stage (a lost one needs a reason), value and next step."""
    now = now or utcnow()
    if change.stage is not None and change.stage != lead.status:
        reason = (change.lost_reason or "").strip()
        if change.stage == LeadStatus.LOST and not reason:
            raise LeadError(_l("Say why the lead was lost."), field="lost_reason")
        lead.status = change.stage
        lead.stage_at = now
        lead.lost_reason = reason[:MAX_STEP] if change.stage == LeadStatus.LOST else None
    elif change.lost_reason is not None and lead.status == LeadStatus.LOST and change.lost_reason.strip():
        lead.lost_reason = change.lost_reason.strip()[:MAX_STEP]
    if change.value is not None:
        if change.value < 0:
            raise LeadError(_l("A value cannot be negative."), field="value")
        currency = (change.value_currency or lead.value_currency or "").strip().upper()
        if not _CURRENCY_RE.fullmatch(currency):
            raise LeadError(
                _l("Give the value's currency as a three-letter code, such as UAH."), field="value_currency"
            )
        lead.value, lead.value_currency = change.value, currency
    if change.clear_next_step:
        lead.next_step = lead.next_step_at = lead.reminded_at = None
    elif change.next_step is not None or change.next_step_at is not None:
        step = (change.next_step if change.next_step is not None else lead.next_step or "").strip()
        if not step:
            raise LeadError(_l("Say what the next step is."), field="next_step")
        if change.next_step_at is None:
            raise LeadError(_l("Give the next step a date."), field="next_step_at")
        if (step, change.next_step_at) != (lead.next_step, lead.next_step_at):
            # A new step, or a step moved: it gets its own reminder.
            lead.reminded_at = None
        lead.next_step, lead.next_step_at = step[:MAX_STEP], change.next_step_at
    session.flush()
    logger.info("User %d moved lead %d of supplier %d to %s", actor.id, lead.id, lead.supplier_id, lead.status)
    return lead


def add_note(session: Session, lead: Lead, author: User, body: str, *, now: dt.datetime | None = None) -> LeadNote:
    """Add ``author``'s note to the lead."""
    body = body.strip()
    if not body:
        raise LeadError(_l("Write a note."), field="note")
    if len(body) > MAX_NOTE:
        raise LeadError(_l("A note has at most %(limit)s characters.", limit=MAX_NOTE), field="note")
    note = LeadNote(lead=lead, author_id=author.id, body=body, created_at=now or utcnow())
    session.add(note)
    session.flush()
    return note


@dataclass
class StageTotal:
    """How many leads are in one stage, and what they are worth per currency."""

    stage: LeadStatus
    count: int = 0
    values: dict[str, Decimal] = field(default_factory=dict)


def pipeline_totals(session: Session, supplier_id: int) -> list[StageTotal]:
    """Return the count and value per currency of the supplier's leads in each stage, in pipeline order."""
    totals = {stage: StageTotal(stage) for stage in STAGES}
    rows = session.execute(
        select(Lead.status, Lead.value_currency, func.count(), func.sum(Lead.value))
        .where(Lead.supplier_id == supplier_id)
        .group_by(Lead.status, Lead.value_currency)
    )
    for status, currency, count, value in rows:
        total = totals.get(LeadStatus(status))
        if total is None:
            continue
        total.count += count
        if currency and value is not None:
            total.values[currency] = total.values.get(currency, Decimal(0)) + Decimal(value)
    return list(totals.values())


@dataclass(frozen=True)
class WonLost:
    """Leads won and lost in one month (``YYYY-MM``)."""

    month: str
    won: int
    lost: int


def won_lost_by_month(
    session: Session, supplier_id: int, *, months: int = WON_LOST_MONTHS, now: dt.datetime | None = None
) -> list[WonLost]:
    """Return the supplier's won and lost leads per month over the last ``months``, newest first."""
    now = now or utcnow()
    first = (now.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1, hour=0, minute=0, second=0)
    rows = session.execute(
        select(Lead.status, Lead.stage_at).where(
            Lead.supplier_id == supplier_id,
            Lead.status.in_((LeadStatus.WON, LeadStatus.LOST)),
            Lead.stage_at >= first,
        )
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for status, stage_at in rows:
        if stage_at is None:
            continue
        counts[stage_at.strftime("%Y-%m")][0 if status == LeadStatus.WON else 1] += 1
    return [WonLost(month, won, lost) for month, (won, lost) in sorted(counts.items(), reverse=True)]


def remind_overdue(session: Session, *, now: dt.datetime | None = None) -> list[Lead]:
    """Remind each supplier's team of open leads whose next step is past due, once per step; return them."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Lead)
            .where(
                Lead.status.in_(OPEN_STAGES),
                Lead.next_step_at.is_not(None),
                Lead.next_step_at < now,
                Lead.reminded_at.is_(None),
            )
            .order_by(Lead.id)
        )
    )
    for lead in due:
        params = {
            "step": lead.next_step or "",
            "buyer": lead.buyer_name or "—",
            "subject": lead.subject or f"#{lead.id}",
        }
        notify(session, team_of(session, lead.supplier_id), "lead.overdue", params, link=lead_path(lead))
        lead.reminded_at = now
    session.flush()
    if due:
        logger.info("Reminded suppliers of %d overdue next steps: %s", len(due), [lead.id for lead in due])
    return due
