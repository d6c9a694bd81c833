"""The scoring pass and segments in the database: RFM, value, cost and tier on the record; saved filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.analytics.models import VisitorDay
from marketplace.buyer_requests.awarding import accept_quote
from marketplace.crm.customers import CustomerError, CustomerFilter, add_note, customer_of_user
from marketplace.crm.jobs import run_customer_scoring
from marketplace.crm.models import Customer, CustomerCategory, CustomerKind, CustomerLink, LinkSource, NoteKind
from marketplace.crm.scoring_pass import score_customers
from marketplace.crm.segments import (
    count_members,
    filter_as_dict,
    filter_from_dict,
    find_segment,
    save_segment,
    segment_members,
)
from marketplace.crm.value_settings import save_settings, value_rules
from marketplace.db import utcnow
from marketplace.shops.models import LeadStatus
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from tests.support import factories
from tests.support.crm import event, order, synced

SKILLETS = 662


def _record(session: Session, user: User) -> Customer:
    found = customer_of_user(session, user)
    assert found is not None
    return found


def _supplier_record(session: Session, supplier: Supplier) -> Customer:
    found = session.scalar(
        select(Customer)
        .join(CustomerLink)
        .where(CustomerLink.source == LinkSource.SUPPLIER, CustomerLink.source_id == supplier.id)
    )
    assert found is not None
    return found


@pytest.fixture
def shoppers(db_session: Session) -> list[User]:
    return [factories.user(db_session, f"shopper{n}@example.com", role=Role.BUYER) for n in range(5)]


def test_the_pass_scores_buyers_and_prices_suppliers(
    db_session: Session, shoppers: list[User], supplier: Supplier, admin: User
) -> None:
    now = utcnow()
    skillets = factories.category_id(db_session, SKILLETS)
    busy, steady, idle, old, _quiet = shoppers
    for n in range(6):  # six click-outs to the supplier, in the skillets, over the last days
        event(
            db_session,
            "clickout",
            user_id=busy.id,
            at=now - dt.timedelta(days=n, minutes=1),
            category_id=skillets,
            supplier_id=supplier.id,
        )
    event(db_session, "product_view", user_id=steady.id, at=now - dt.timedelta(days=3), category_id=skillets)
    event(
        db_session, "clickout", user_id=old.id, at=now - dt.timedelta(days=120), supplier_id=supplier.id
    )  # out of the window
    event(db_session, "clickout", visitor_id="anon", at=now - dt.timedelta(hours=1), supplier_id=supplier.id)
    db_session.add(
        VisitorDay(
            day=(now - dt.timedelta(days=2)).date(), person=f"u{steady.id}", first_day=now.date(), visits=4, pageviews=9
        )
    )
    won = order(db_session, supplier, user_id=steady.id, email="steady@example.com")
    won.status = LeadStatus.WON
    order(db_session, supplier, name="Walk-in", email="walkin@example.com", phone=None)
    db_session.add(ImportRun(supplier=supplier, filename="broken.yml", status=ImportStatus.FAILED))
    synced(db_session)
    add_note(db_session, _record(db_session, idle), "Asked about delivery, twice", NoteKind.CALL, user=admin)
    _record(db_session, old).last_seen_at = now - dt.timedelta(days=120)

    done = score_customers(db_session, now=now)
    db_session.expire_all()

    assert done.suppliers == 1 and done.buyers >= 6
    busy_record, steady_record = _record(db_session, busy), _record(db_session, steady)
    # Six click-outs at 2.00; a won lead at 50.00.
    assert busy_record.value == Decimal("12.00") and steady_record.value == Decimal("50.00")
    assert steady_record.tier == "gold" and steady_record.rfm_m == 5
    assert steady_record.frequency == 5  # four visits from the rollup and one order
    old_record = _record(db_session, old)
    assert busy_record.recency_days == 0 and old_record.recency_days == 120
    assert busy_record.rfm_r is not None and old_record.rfm_r == 1 and busy_record.rfm_r > old_record.rfm_r
    # A call (15 minutes at 300 an hour) and nothing brought: loss-making.
    idle_record = _record(db_session, idle)
    assert idle_record.cost == Decimal("75.00") and idle_record.tier == "loss" and idle_record.rfm_m == 1
    assert old_record.value == Decimal("0.00")
    # The supplier: seven click-outs in the window (the anonymous one too) and two leads; a failed import.
    seller = _supplier_record(db_session, supplier)
    assert seller.value == Decimal("114.00") and seller.cost == Decimal("25.00") and seller.rfm_r is None
    assert seller.tier == "gold" and seller.value_currency == "UAH"
    browsed = db_session.scalars(
        select(CustomerCategory.customer_id).where(CustomerCategory.category_id == skillets)
    ).all()
    assert sorted(browsed) == sorted([busy_record.id, steady_record.id])
    walk_in = db_session.scalar(select(Customer).where(Customer.email == "walkin@example.com"))
    assert walk_in is not None and walk_in.frequency == 1 and walk_in.rfm_r is not None


def test_the_operator_prices_change_the_next_pass(db_session: Session, shoppers: list[User], admin: User) -> None:
    event(db_session, "clickout", user_id=shoppers[0].id)
    synced(db_session)
    values = {
        "clickout_price": Decimal("10.00"),
        "lead_price": Decimal(0),
        "hourly_cost": Decimal(0),
        "failed_import_cost": Decimal(0),
        "note_minutes": 0,
        "call_minutes": 0,
        "gold_percent": 50,
        "window_days": 30,
        "loss_when_cost_exceeds_value": False,
    }
    save_settings(db_session, values, user=admin)
    assert value_rules(db_session).window_days == 30

    score_customers(db_session)
    db_session.expire_all()

    assert _record(db_session, shoppers[0]).value == Decimal("10.00")
    with pytest.raises(CustomerError):
        save_settings(db_session, {**values, "lead_price": Decimal(-1)}, user=admin)
    with pytest.raises(CustomerError):
        save_settings(db_session, {**values, "gold_percent": 101}, user=admin)


def test_the_job_runs_hourly_at_most(db_session: Session, buyer: User) -> None:
    synced(db_session)
    now = utcnow()

    assert run_customer_scoring(db_session, now=now) is True
    assert run_customer_scoring(db_session, now=now + dt.timedelta(minutes=10)) is False
    assert run_customer_scoring(db_session, now=now + dt.timedelta(minutes=61)) is True
    assert _record(db_session, buyer).scored_at is not None


def test_accepted_quotes_count_as_deals(db_session: Session, buyer: User, supplier: Supplier) -> None:
    request = factories.buyer_request(db_session, buyer)
    quote = factories.quote(db_session, supplier, request.items[0])
    accept_quote(db_session, quote, buyer)
    synced(db_session)

    score_customers(db_session)
    db_session.expire_all()

    assert _record(db_session, buyer).value == Decimal("50.00")


def test_segments_filter_by_tier_rfm_category_and_the_rest(
    db_session: Session, shoppers: list[User], supplier: Supplier, admin: User
) -> None:
    skillets = factories.category_id(db_session, SKILLETS)
    for n, shopper in enumerate(shoppers):
        for _ in range(n):
            event(
                db_session,
                "clickout",
                user_id=shopper.id,
                category_id=skillets if n % 2 else None,
                supplier_id=supplier.id,
            )
    synced(db_session)
    score_customers(db_session)
    db_session.expire_all()

    gold = save_segment(
        db_session, "  Gold   buyers ", CustomerFilter(kind=CustomerKind.BUYER, tier="gold"), user=admin
    )
    assert gold.name == "Gold buyers" and find_segment(db_session, "gold BUYERS") is gold
    members = db_session.scalars(segment_members(db_session, gold)).all()
    assert [m.email for m in members] == ["shopper4@example.com"]
    skillet_fans = save_segment(db_session, "Skillets", CustomerFilter(category_id=skillets, m_min=2), user=admin)
    assert sorted(m.email for m in db_session.scalars(segment_members(db_session, skillet_fans))) == [
        "shopper1@example.com",
        "shopper3@example.com",
    ]
    assert count_members(db_session, skillet_fans) == 2
    with pytest.raises(CustomerError):
        save_segment(db_session, "skillets", CustomerFilter(), user=admin)
    with pytest.raises(CustomerError):
        save_segment(db_session, "   ", CustomerFilter(), user=admin)


def test_a_segment_keeps_its_fields_and_ignores_what_it_does_not_know() -> None:
    filters = CustomerFilter(query="koval", b2b=True, language="uk", seen_days=30, tier="loss", r_min=3, category_id=7)

    assert filter_from_dict(filter_as_dict(filters)) == filters
    assert (
        filter_from_dict({"tier": "platinum", "r_min": 9, "kind": "martian", "b2b": "yes", "x": 1}) == CustomerFilter()
    )
