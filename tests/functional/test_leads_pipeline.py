"""The suppliers' lead pipeline: where leads come from, stages, value, next steps, notes, totals and reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.awarding import accept_quote
from marketplace.buyer_requests.thread import post_message
from marketplace.catalog.models import Offer
from marketplace.crm.jobs import run_lead_jobs
from marketplace.crm.lead_sources import collect_leads
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.shops.leads import won_lost_by_month
from marketplace.shops.models import Lead, LeadSource, LeadStatus
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import login


@pytest.fixture
def no_store(db_session: Session, stocked: dict[str, Supplier]) -> Supplier:
    """Office Point, selling only here."""
    office = stocked["office-point"]
    office.has_own_store = False
    db_session.commit()
    return office


@pytest.fixture
def office_member(db_session: Session, stocked: dict[str, Supplier]) -> User:
    return factories.user(
        db_session, "desk@op.example", role=Role.SUPPLIER, supplier=stocked["office-point"], locale="uk"
    )


def offer_of(db_session: Session, sku: str) -> Offer:
    found = db_session.scalar(select(Offer).where(Offer.supplier_sku == sku))
    assert found is not None
    return found


def order(client: FlaskClient, offer: Offer, **extra: object) -> None:
    data = {"buyer_name": "Olena", "email": "olena@example.com", "items-0-offer_id": offer.id, "items-0-quantity": 4}
    response = client.post("/shops/office-point/order", data={**data, **extra})
    assert response.status_code == 302


def test_an_order_request_is_a_b2b_lead_with_a_value_that_notifies_the_team_in_its_language(
    client: FlaskClient, db_session: Session, no_store: Supplier, office_member: User
) -> None:
    stapler = offer_of(db_session, "OP-2")
    order(client, stapler, company="Kvitka LLC")

    lead = db_session.scalar(select(Lead))
    assert lead is not None and lead.source == LeadSource.ORDER and lead.status == LeadStatus.NEW
    assert (lead.company, lead.contact_person, lead.buyer_name) == ("Kvitka LLC", "Olena", "Olena")
    assert (lead.value, lead.value_currency) == (stapler.price * 4, stapler.currency)
    assert [(item.supplier_sku, item.quantity) for item in lead.items] == [("OP-2", Decimal(4))]
    notice = db_session.scalar(select(Notification).where(Notification.user_id == office_member.id))
    assert notice is not None and notice.kind == "lead.new.order" and notice.link == f"/portal/leads/{lead.id}"
    mail = db_session.scalar(select(OutboxMail).where(OutboxMail.recipient == office_member.email))
    # The team member reads Ukrainian, whoever placed the order.
    assert mail is not None and mail.locale == "uk" and "Olena" in mail.body


def test_the_supplier_moves_a_lead_to_won_with_notes_and_sees_the_totals(
    client: FlaskClient, db_session: Session, no_store: Supplier, office_member: User
) -> None:
    order(client, offer_of(db_session, "OP-2"))
    order(client, offer_of(db_session, "OP-4"), buyer_name="Taras")
    first, second = db_session.scalars(select(Lead).order_by(Lead.id)).all()
    login(client, office_member)

    page = client.get("/portal/leads").get_data(as_text=True)
    assert page.count('data-testid="lead-row"') == 2
    # Lost needs a reason: refused on its field, nothing changes.
    refused = client.post(f"/portal/leads/{second.id}", data={"stage": "lost"})
    assert refused.status_code == 400 and "Say why the lead was lost." in refused.get_data(as_text=True)
    db_session.refresh(second)
    assert second.status == LeadStatus.NEW
    assert (
        client.post(f"/portal/leads/{second.id}", data={"stage": "lost", "lost_reason": "Too dear"}).status_code == 302
    )

    due = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    moved = client.post(
        f"/portal/leads/{first.id}",
        data={"stage": "offer_sent", "value": "1200.50", "value_currency": "uah", "next_step": "Call back",
              "next_step_at": due},
    )  # fmt: skip
    assert moved.status_code == 302
    assert client.post(f"/portal/leads/{first.id}/notes", data={"note": "Wants delivery to Lviv"}).status_code == 302
    assert client.post(f"/portal/leads/{first.id}", data={"stage": "won"}).status_code == 302
    db_session.refresh(first)
    assert first.status == LeadStatus.WON and (first.value, first.value_currency) == (Decimal("1200.50"), "UAH")
    assert first.next_step is None  # the form sent no step: cleared
    assert [(n.body, n.author_id) for n in first.notes] == [("Wants delivery to Lviv", office_member.id)]

    detail = client.get(f"/portal/leads/{first.id}").get_data(as_text=True)
    assert "Wants delivery to Lviv" in detail and office_member.display_name in detail
    totals = client.get("/portal/leads").get_data(as_text=True)
    won_row = totals[totals.index('data-testid="stage-won"') :].split("</tr>", 1)[0]
    assert ">1<" in won_row and "1,200.50\xa0UAH" in won_row
    only_lost = client.get("/portal/leads?stage=lost").get_data(as_text=True)
    assert only_lost.count('data-testid="lead-row"') == 1 and "Taras" in only_lost
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    assert [(row.month, row.won, row.lost) for row in won_lost_by_month(db_session, no_store.id)] == [(month, 1, 1)]


def test_an_overdue_next_step_reminds_the_team_once(
    app: Flask, client: FlaskClient, db_session: Session, no_store: Supplier, office_member: User
) -> None:
    order(client, offer_of(db_session, "OP-2"))
    lead = db_session.scalar(select(Lead))
    assert lead is not None
    lead.next_step, lead.next_step_at = "Send the invoice", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    db_session.commit()

    assert run_lead_jobs(db_session).reminded == 1
    assert run_lead_jobs(db_session).reminded == 0  # once per step
    kinds = db_session.scalars(select(Notification.kind).where(Notification.user_id == office_member.id)).all()
    assert kinds.count("lead.overdue") == 1
    # A new date is a new step: it gets its own reminder.
    login(client, office_member)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    client.post(f"/portal/leads/{lead.id}", data={"stage": "new", "next_step": "Call", "next_step_at": yesterday})
    assert run_lead_jobs(db_session).reminded == 1


def test_matched_requests_questions_and_accepted_quotes_become_one_lead_per_supplier_and_request(
    db_session: Session, buyer: User
) -> None:
    category_id = factories.category_id(db_session, 665)
    knives = factories.supplier(db_session, "knife-house")
    quiet = factories.supplier(db_session, "blade")
    factories.offer(db_session, knives, "K1", category_id=category_id)
    factories.offer(db_session, quiet, "B1", category_id=category_id)
    buyer.phone = "+380 67 000 11 22"
    request = factories.buyer_request(
        db_session, buyer, items=[factories.item("Chef's knife", "2.5", category_id=category_id)]
    )
    assert collect_leads(db_session) == 2  # both matched
    lead = db_session.scalar(select(Lead).where(Lead.supplier_id == knives.id))
    assert lead is not None and (lead.source, lead.source_ref, lead.subject) == ("match", request.id, request.title)
    # Contacts come only with an accepted quote; the quantity is the request's, fractional.
    assert lead.buyer_email is None and [(i.title, i.quantity, i.unit) for i in lead.items] == [
        ("Chef's knife", Decimal("2.5"), "pcs")
    ]

    quote = factories.quote(db_session, knives, request.items[0], price=400)
    post_message(db_session, quote, buyer, "Is it forged?")
    accept_quote(db_session, quote, buyer)
    assert collect_leads(db_session) == 1  # the won quote joins the same lead
    assert collect_leads(db_session) == 0
    assert db_session.scalar(select(Lead.id).where(Lead.supplier_id == knives.id)) == lead.id
    db_session.refresh(lead)
    assert (lead.buyer_email, lead.buyer_phone) == (buyer.email, "+380 67 000 11 22")
    assert [(i.quote_id, i.price) for i in lead.items] == [(quote.id, Decimal(400))]
    assert (lead.value, lead.value_currency) == (Decimal(1000), "UAH")


def test_a_question_on_a_public_request_makes_a_lead_for_an_unmatched_supplier(
    db_session: Session, buyer: User
) -> None:
    seller = factories.supplier(db_session, "garden-co")
    request = factories.buyer_request(db_session, buyer, title="Garden hoses")
    quote = factories.quote(db_session, seller, request.items[0])
    post_message(db_session, quote, buyer, "Delivery to Odesa?")
    collect_leads(db_session)
    lead = db_session.scalar(select(Lead).where(Lead.supplier_id == seller.id))
    assert lead is not None and lead.source == LeadSource.QUESTION and lead.subject == "Garden hoses"


def test_a_supplier_neither_sees_nor_moves_another_suppliers_lead(
    client: FlaskClient, db_session: Session, no_store: Supplier, supplier_member: User
) -> None:
    order(client, offer_of(db_session, "OP-2"))
    lead = db_session.scalar(select(Lead))
    assert lead is not None
    login(client, supplier_member)  # Kitchen Pro's
    assert client.get(f"/portal/leads/{lead.id}").status_code == 404
    assert client.post(f"/portal/leads/{lead.id}", data={"stage": "won"}).status_code == 404
    assert client.post(f"/portal/leads/{lead.id}/notes", data={"note": "x"}).status_code == 404
    db_session.refresh(lead)
    assert lead.status == LeadStatus.NEW and lead.notes == []
