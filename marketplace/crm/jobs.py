"""The CRM's share of the worker's pass: collect leads, remind of overdue next steps, move prospective suppliers,
keep customer records in step, score them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.crm.acquisition import refresh_stages
from marketplace.crm.lead_sources import collect_leads
from marketplace.crm.models import Customer
from marketplace.crm.scoring_pass import score_customers
from marketplace.crm.sync import sync_customers
from marketplace.db import utcnow
from marketplace.shops.leads import remind_overdue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeadJobsDone:
    """What one pass did."""

    collected: int
    reminded: int
    #: Moves of prospective suppliers the pass saw happen (first import, active, gone quiet).
    prospects_moved: int = 0


def run_lead_jobs(session: Session, *, now: dt.datetime | None = None) -> LeadJobsDone:
    """Make the leads requests owe, remind suppliers of overdue next steps and move prospects, committing each."""
    collected = collect_leads(session, now=now)
    session.commit()
    reminded = remind_overdue(session, now=now)
    session.commit()
    moved = refresh_stages(session, now=now)
    session.commit()
    return LeadJobsDone(collected=collected, reminded=len(reminded), prospects_moved=moved)


def run_customer_sync(session: Session) -> int:
    """Make the customer records new accounts, suppliers and order contacts owe, committing; return how many changed."""
    done = sync_customers(session)
    session.commit()
    return done.created + done.linked


#: The scoring pass runs at most this often: its numbers are over 90 days, an hour late changes nothing.
SCORING_INTERVAL = dt.timedelta(hours=1)


def run_customer_scoring(session: Session, *, now: dt.datetime | None = None, force: bool = False) -> bool:
    """Score and tier the customers when the last pass is an hour old (or ``force``), committing; return if it ran."""
    now = now or utcnow()
    last = session.scalar(select(func.max(Customer.scored_at)))
    if (
        not force
        and last is not None
        and (last.replace(tzinfo=dt.UTC) if last.tzinfo is None else last) > now - SCORING_INTERVAL
    ):
        return False
    score_customers(session, now=now)
    session.commit()
    return True
