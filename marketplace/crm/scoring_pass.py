"""The scoring pass: every live customer's RFM, value, cost and tier, and the categories they browse.

Run by the worker (``crm.jobs.run_customer_scoring``, at most hourly) and by ``traderow crm score``.
It reads only grouped aggregates, each bounded by the window (``ValueSettings.window_days``,
90 days by default), and never one customer at a time:

- **one grouped pass over the event log** in the window: per account and category, the events
  and click-outs; and click-outs per supplier (grouped on a ``CASE``, so
  anonymous visitors' click-outs count for the supplier in the same pass);
- the **visits rollup** (``analytics_visitor_days``) for each account's visits;
- leads, accepted quotes, the operator's notes and failed imports, each one ``GROUP BY``.

Then the pure rules (``crm.scoring``) score and tier them, and the results are written with one
executemany by primary key, and ``customer_categories`` is rebuilt.

Frequency is visits (days with a visit, from the rollup) plus orders placed, over the window:
a contact without an account has only its orders. Recency is days since the later of the
record's ``last_seen_at`` (the sync keeps it at the account's latest event) and its latest order.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from marketplace.analytics.models import VisitorDay
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem
from marketplace.crm.customers import live
from marketplace.crm.models import (
    Customer,
    CustomerCategory,
    CustomerKind,
    CustomerLink,
    CustomerNote,
    LinkSource,
    NoteKind,
)
from marketplace.crm.scoring import assign_tiers, buyer_value, operator_cost, quintile_scores, supplier_value
from marketplace.crm.value_settings import value_rules
from marketplace.db import utcnow
from marketplace.events.models import AnalyticsEvent
from marketplace.shops.models import Lead, LeadSource, LeadStatus
from marketplace.suppliers.models import ImportRun, ImportStatus
from marketplace.taxonomy.models import Category

logger = logging.getLogger(__name__)

#: The categories kept per customer: enough for a segment, bounded whatever the history.
TOP_CATEGORIES = 10
#: The columns the pass writes on each record.
_WRITTEN = (
    "tier",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "recency_days",
    "frequency",
    "value",
    "cost",
    "value_currency",
    "scored_at",
)
#: The event kinds that say what a buyer browses and how often they act.
BROWSING_KINDS = ("pageview", "product_view", "search", "clickout")


@dataclass(frozen=True)
class ScoringDone:
    """What one pass scored."""

    buyers: int
    suppliers: int
    gold: int
    loss: int
    seconds: float


@dataclass
class _Tally:
    clickouts: int = 0
    visits: int = 0
    orders: int = 0
    won: int = 0
    accepted: int = 0
    leads_received: int = 0
    notes: int = 0
    calls: int = 0
    failed_imports: int = 0
    latest: dt.datetime | None = None

    def saw(self, at: dt.datetime | None) -> None:
        if at is not None and (self.latest is None or at > self.latest):
            self.latest = at


def _aware(at: dt.datetime | None) -> dt.datetime | None:
    return at.replace(tzinfo=dt.UTC) if at is not None and at.tzinfo is None else at


def _days_since(now: dt.datetime, at: dt.datetime | None) -> int | None:
    return max(0, (now - at).days) if at is not None else None


def score_customers(session: Session, *, now: dt.datetime | None = None) -> ScoringDone:
    """Score and tier every live customer from the window's aggregates; flush, never commit."""
    began = dt.datetime.now(dt.UTC)
    now = now or utcnow()
    rules = value_rules(session)
    since = now - dt.timedelta(days=rules.window_days)

    # Core rows through the session's connection: the ORM's result machinery costs seconds at 100,000 rows.
    conn = session.connection()
    kinds: dict[int, CustomerKind] = {}
    tallies: dict[int, _Tally] = {}
    for customer_id, kind, last_seen in conn.execute(
        select(Customer.id, Customer.kind, Customer.last_seen_at).where(live())
    ):
        kinds[customer_id] = CustomerKind(kind)
        tallies[customer_id] = _Tally()
        tallies[customer_id].saw(_aware(last_seen))
    of_user: dict[int, int] = {}
    of_supplier: dict[int, int] = {}
    of_lead: dict[int, int] = {}
    owners = {LinkSource.USER: of_user, LinkSource.SUPPLIER: of_supplier, LinkSource.LEAD: of_lead}
    for customer_id, source, source_id in conn.execute(
        select(CustomerLink.customer_id, CustomerLink.source, CustomerLink.source_id).join(Customer).where(live())
    ):
        owners[LinkSource(source)][source_id] = customer_id

    # 1. The one pass over the event log. Recency needs no latest event from it: the sync moves
    # each account's ``last_seen_at`` to its latest event every pass.
    clicked_supplier = case((AnalyticsEvent.kind == "clickout", AnalyticsEvent.supplier_id), else_=None)
    browsed: dict[int, dict[int, int]] = defaultdict(dict)
    for user_id, category_id, supplier_id, events, clickouts in conn.execute(
        select(
            AnalyticsEvent.user_id,
            AnalyticsEvent.category_id,
            clicked_supplier,
            func.count(),
            func.sum(case((AnalyticsEvent.kind == "clickout", 1), else_=0)),
        )
        .where(
            AnalyticsEvent.occurred_at >= since,
            AnalyticsEvent.occurred_at < now,
            AnalyticsEvent.kind.in_(BROWSING_KINDS),
        )
        .group_by(AnalyticsEvent.user_id, AnalyticsEvent.category_id, clicked_supplier)
    ):
        if supplier_id is not None and supplier_id in of_supplier:
            tallies[of_supplier[supplier_id]].clickouts += int(clickouts or 0)
        buyer = of_user.get(user_id) if user_id is not None else None
        if buyer is None or kinds[buyer] != CustomerKind.BUYER:
            continue
        tallies[buyer].clickouts += int(clickouts or 0)
        if category_id is not None:
            per = browsed[buyer]
            per[category_id] = per.get(category_id, 0) + int(events)

    # 2. Visits, from the rollup: "u<user id>" is an account.
    for person, visits in session.execute(
        select(VisitorDay.person, func.sum(VisitorDay.visits))
        .where(VisitorDay.day >= since.date(), VisitorDay.person.like("u%"))
        .group_by(VisitorDay.person)
    ):
        visitor = of_user.get(int(person[1:])) if person[1:].isdigit() else None
        if visitor is not None:
            tallies[visitor].visits += int(visits or 0)

    # 3. Orders and won leads, by the buyer's account or, without one, by the lead's contact record.
    won = case((Lead.status == LeadStatus.WON, case((Lead.source == LeadSource.QUOTE, 0), else_=1)), else_=0)
    for user_id, orders, won_leads, latest in session.execute(
        select(Lead.user_id, func.count(), func.sum(won), func.max(Lead.created_at))
        .where(Lead.created_at >= since, Lead.user_id.is_not(None))
        .group_by(Lead.user_id)
    ):
        orderer = of_user.get(user_id) if user_id is not None else None
        if orderer is not None:
            tallies[orderer].orders += int(orders)
            tallies[orderer].won += int(won_leads or 0)
            tallies[orderer].saw(_aware(latest))
    for lead_id, status, lead_source, created in session.execute(
        select(Lead.id, Lead.status, Lead.source, Lead.created_at).where(
            Lead.created_at >= since, Lead.user_id.is_(None)
        )
    ):
        contact = of_lead.get(lead_id)
        if contact is not None:
            tallies[contact].orders += 1
            tallies[contact].won += int(status == LeadStatus.WON and lead_source != LeadSource.QUOTE)
            tallies[contact].saw(_aware(created))
    for supplier_id, leads in session.execute(
        select(Lead.supplier_id, func.count()).where(Lead.created_at >= since).group_by(Lead.supplier_id)
    ):
        if supplier_id in of_supplier:
            tallies[of_supplier[supplier_id]].leads_received += int(leads)

    # 4. Accepted quotes, by the request's buyer.
    for buyer_id, accepted in session.execute(
        select(BuyerRequest.buyer_id, func.count())
        .select_from(Quote)
        .join(RequestItem, RequestItem.id == Quote.item_id)
        .join(BuyerRequest, BuyerRequest.id == RequestItem.request_id)
        .where(Quote.accepted.is_(True), Quote.accepted_at >= since)
        .group_by(BuyerRequest.buyer_id)
    ):
        if buyer_id in of_user:
            tallies[of_user[buyer_id]].accepted += int(accepted)

    # 5. Costs: the operator's notes and calls on the record, and a supplier's failed imports.
    for customer_id, note_kind, count in session.execute(
        select(CustomerNote.customer_id, CustomerNote.kind, func.count())
        .where(CustomerNote.created_at >= since, CustomerNote.kind.in_((NoteKind.NOTE, NoteKind.CALL)))
        .group_by(CustomerNote.customer_id, CustomerNote.kind)
    ):
        if customer_id in tallies:
            if note_kind == NoteKind.CALL:
                tallies[customer_id].calls += int(count)
            else:
                tallies[customer_id].notes += int(count)
    for supplier_id, failed in session.execute(
        select(ImportRun.supplier_id, func.count())
        .where(ImportRun.status == ImportStatus.FAILED, ImportRun.created_at >= since)
        .group_by(ImportRun.supplier_id)
    ):
        if supplier_id in of_supplier:
            tallies[of_supplier[supplier_id]].failed_imports += int(failed)

    # The rules.
    prices = rules.prices
    values: dict[CustomerKind, dict[int, Decimal]] = {CustomerKind.BUYER: {}, CustomerKind.SUPPLIER: {}}
    costs: dict[int, Decimal] = {}
    for customer_id, tally in tallies.items():
        kind = kinds[customer_id]
        if kind == CustomerKind.BUYER:
            value = buyer_value(prices, clickouts=tally.clickouts, won_leads=tally.won, accepted_quotes=tally.accepted)
        else:
            value = supplier_value(prices, clickouts=tally.clickouts, leads=tally.leads_received)
        values[kind][customer_id] = value
        costs[customer_id] = operator_cost(
            prices, notes=tally.notes, calls=tally.calls, failed_imports=tally.failed_imports
        )
    tiers = {
        **assign_tiers(values[CustomerKind.BUYER], costs, rules.tiers),
        **assign_tiers(values[CustomerKind.SUPPLIER], costs, rules.tiers),
    }
    buyers = values[CustomerKind.BUYER]
    days = {key: _days_since(now, tally.latest) for key, tally in tallies.items()}
    frequency = {key: tallies[key].visits + tallies[key].orders for key in buyers}
    r_scores = quintile_scores({key: days[key] for key in buyers}, higher_is_better=False)
    f_scores = quintile_scores(frequency)
    m_scores = quintile_scores(buyers)

    rows = []
    for customer_id, tier in tiers.items():
        is_buyer = customer_id in buyers
        rows.append(
            {
                "id": customer_id,
                "tier": str(tier),
                "rfm_r": r_scores.get(customer_id) if is_buyer else None,
                "rfm_f": f_scores.get(customer_id) if is_buyer else None,
                "rfm_m": m_scores.get(customer_id) if is_buyer else None,
                "recency_days": days[customer_id],
                "frequency": frequency.get(customer_id) if is_buyer else None,
                "value": values[kinds[customer_id]][customer_id],
                "cost": costs[customer_id],
                "value_currency": rules.currency,
                "scored_at": now,
            }
        )
    if rows:
        # Core executemany, not the ORM's bulk update: a tenth of the Python work per row at 100,000 rows.
        customers = cast(Table, Customer.__table__)
        session.execute(
            update(customers)
            .where(customers.c.id == bindparam("row_id"))
            .values({name: bindparam(name) for name in _WRITTEN}),
            [{"row_id": row.pop("id"), **row} for row in rows],
        )
    session.execute(delete(CustomerCategory))
    known = set(session.scalars(select(Category.id)))  # an event may name a category deleted since
    categories = [
        {"customer_id": customer_id, "category_id": category_id, "events": events}
        for customer_id, per in browsed.items()
        for category_id, events in heapq.nlargest(
            TOP_CATEGORIES, ((c, n) for c, n in per.items() if c in known), key=lambda item: (item[1], -item[0])
        )
    ]
    if categories:
        session.execute(insert(cast(Table, CustomerCategory.__table__)), categories)
    session.flush()
    gold = sum(1 for tier in tiers.values() if tier == "gold")
    loss = sum(1 for tier in tiers.values() if tier == "loss")
    seconds = (dt.datetime.now(dt.UTC) - began).total_seconds()
    logger.info(
        "Scored %d buyers and %d suppliers (%d gold, %d loss-making) in %.1f s",
        len(buyers),
        len(values[CustomerKind.SUPPLIER]),
        gold,
        loss,
        seconds,
    )
    return ScoringDone(len(buyers), len(values[CustomerKind.SUPPLIER]), gold, loss, seconds)
