"""The customer database in the database: sync, duplicates, merge, timeline, CSV, the data export and deletion."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import authenticate
from marketplace.alerts.models import Alert, AlertKind
from marketplace.buyer_requests.models import BuyerRequest, RequestStatus
from marketplace.crm.csv_io import customers_csv, import_customers
from marketplace.crm.customers import (
    CustomerError,
    CustomerFilter,
    add_note,
    customer_of_user,
    find_duplicates,
    list_customers,
    merge_customers,
)
from marketplace.crm.models import Customer, CustomerKind, CustomerLink, LinkSource, NoteKind
from marketplace.crm.rights import RightsError, delete_account, export_user_data
from marketplace.crm.sync import sync_customers
from marketplace.crm.timeline import customer_timeline
from marketplace.db import utcnow
from marketplace.events.models import AnalyticsEvent
from marketplace.notifications.models import OutboxMail
from marketplace.notifications.services import queue_mail
from marketplace.shops.models import Lead
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import PASSWORD
from tests.support.crm import event, order, synced


def _record(session: Session, source: LinkSource, source_id: int) -> Customer:
    customer = session.scalar(
        select(Customer).join(CustomerLink).where(CustomerLink.source == source, CustomerLink.source_id == source_id)
    )
    assert customer is not None, (source, source_id)
    return customer


def test_sync_makes_one_record_per_buyer_supplier_and_contact_and_is_idempotent(
    db_session: Session, supplier: Supplier, supplier_member: User, buyer: User, admin: User
) -> None:
    second_member = factories.user(db_session, "boss@example.com", role=Role.SUPPLIER, supplier=supplier)
    anonymous = order(db_session, supplier)
    again = order(db_session, supplier, email=" OLENA@example.com ", phone=None)
    own = order(db_session, supplier, user_id=buyer.id, email=buyer.email, name="Bohdana")

    first = sync_customers(db_session)

    company = _record(db_session, LinkSource.SUPPLIER, supplier.id)
    assert company.kind == CustomerKind.SUPPLIER and company.b2b
    # The supplier's team members are people of one company record.
    assert sorted(company.ids_of(LinkSource.USER)) == sorted([supplier_member.id, second_member.id])
    assert _record(db_session, LinkSource.USER, buyer.id).ids_of(LinkSource.LEAD) == [own.id]
    # The same anonymous buyer ordering twice is one contact, found by the normalised e-mail.
    contact = _record(db_session, LinkSource.LEAD, anonymous.id)
    assert contact.ids_of(LinkSource.LEAD) == [anonymous.id, again.id]
    assert (contact.email, contact.phone, contact.name) == ("olena@example.com", "+380670001122", "Olena Koval")
    # Operators are staff, not customers.
    assert (
        db_session.scalar(select(CustomerLink).where(CustomerLink.source_id == admin.id, CustomerLink.source == "user"))
        is None
    )
    assert first.created == 3
    count = db_session.scalar(select(func.count()).select_from(Customer))

    assert sync_customers(db_session).created == 0
    assert db_session.scalar(select(func.count()).select_from(Customer)) == count


def test_an_order_is_never_joined_to_an_account_by_its_typed_email_but_shown_as_a_duplicate(
    db_session: Session, supplier: Supplier, buyer: User
) -> None:
    lead = order(db_session, supplier, email="BUYER@example.com", name="Somebody")
    synced(db_session)

    account = _record(db_session, LinkSource.USER, buyer.id)
    contact = _record(db_session, LinkSource.LEAD, lead.id)
    assert account.id != contact.id
    groups = find_duplicates(db_session)
    assert [(g.by, g.value, [c.id for c in g.customers]) for g in groups] == [
        ("email", "buyer@example.com", [account.id, contact.id])
    ]


def test_merge_keeps_both_histories_on_the_kept_record(
    db_session: Session, supplier: Supplier, buyer: User, admin: User
) -> None:
    buyer.phone = "+380 50 111 22 33"
    lead = order(db_session, supplier, email=None, phone="050 111 22 33", name="B. from the phone", company="Koval LLC")
    factories.buyer_request(db_session, buyer, title="Knives for the kitchen")
    synced(db_session)
    account = _record(db_session, LinkSource.USER, buyer.id)
    contact = _record(db_session, LinkSource.LEAD, lead.id)
    add_note(db_session, contact, "Asked for a discount", NoteKind.CALL, user=admin)
    assert [g.by for g in find_duplicates(db_session)] == ["phone"]

    merge_customers(db_session, account, contact, user=admin)

    assert contact.merged_into_id == account.id
    assert sorted(account.ids_of(LinkSource.LEAD)) == [lead.id]
    assert account.company == "Koval LLC" and account.b2b
    kinds = {entry.kind for entry in customer_timeline(db_session, account)}
    assert {"request", "order", "call", "merge"} <= kinds
    assert find_duplicates(db_session) == []
    listed = list_customers(db_session, CustomerFilter()).customers
    assert contact not in listed and account in listed
    with pytest.raises(CustomerError):
        merge_customers(db_session, account, contact, user=admin)
    with pytest.raises(CustomerError):
        merge_customers(db_session, account, account, user=admin)


def test_the_timeline_follows_the_visitor_ids_of_the_account(
    app: Flask, db_session: Session, buyer: User, supplier: Supplier
) -> None:
    earlier = utcnow() - dt.timedelta(days=2)
    event(db_session, "pageview", visitor_id="v-1", path="/before-login", at=earlier)  # before logging in
    event(db_session, "login", user_id=buyer.id, visitor_id="v-1")
    event(db_session, "search", user_id=buyer.id, visitor_id="v-1", query="santoku")
    event(db_session, "pageview", visitor_id="v-other", path="/someone-else")
    queue_mail(db_session, buyer.email, "Your request", "Body")
    synced(db_session)
    customer = _record(db_session, LinkSource.USER, buyer.id)
    add_note(db_session, customer, "Wants a bulk price", NoteKind.NOTE, user=None)

    entries = customer_timeline(db_session, customer)

    texts = [entry.text for entry in entries]
    assert "1 page from /before-login, Direct" in texts
    assert "Searched for “santoku”" in texts
    assert not any("/someone-else" in text for text in texts)
    assert "Wants a bulk price" in texts
    assert any(entry.kind == "mail" and "Your request" in entry.text for entry in entries)
    assert [entry.at for entry in entries] == sorted((entry.at for entry in entries), reverse=True)
    # The latest event moved "last seen".
    assert customer.last_seen_at is not None and customer.last_seen_at > earlier


def test_filters_search_by_name_email_phone_and_company(db_session: Session, supplier: Supplier, buyer: User) -> None:
    order(db_session, supplier, name="Taras", email="taras@example.com", phone="093 555 44 33", company="Taras Ltd")
    synced(db_session)

    def names(**filters: object) -> set[str]:
        return {c.name for c in list_customers(db_session, CustomerFilter(**filters)).customers}  # type: ignore[arg-type]

    assert names(query="TARAS@example.com") == {"Taras"}
    assert names(query="+38 093 555 44 33") == {"Taras"}
    assert names(query="ltd") == {"Taras"}
    assert names(query="bohd") == {"Bohdana"}
    assert names(kind=CustomerKind.SUPPLIER) == {supplier.name}
    assert "Taras" in names(b2b=True) and "Bohdana" in names(b2b=False)
    assert names(language="uk") == set()
    buyer.locale = "uk"  # picked on the site after the record was made: the next sync takes it
    synced(db_session)
    db_session.expire_all()
    assert names(language="uk") == {"Bohdana"}
    assert "Taras" in names(seen_days=7)
    assert names(query="100%_") == set()  # LIKE wildcards are text


def test_csv_export_and_import_round_trip_and_report_bad_rows(db_session: Session, supplier: Supplier) -> None:
    order(db_session, supplier, name='=HYPERLINK("http://x")', email="formula@example.com")
    synced(db_session)
    exported = customers_csv(db_session).decode("utf-8-sig")
    assert "'=HYPERLINK" in exported

    data = (
        "name;email;phone;company;kind;b2b;language\n"
        "Ivan;ivan@example.com;0501234567;;buyer;no;uk\n"
        "Formula;formula@example.com;;Formula LLC;;;\n"
        "Broken;not-an-address;;;;;\n"
        "Bad kind;bad@example.com;;;wholesaler;;\n"
        ";;;;;;\n"
        "Bad language;lang@example.com;;;;;de\n"
        ";;;only a company;;;\n"
    ).encode("cp1251")
    report = import_customers(db_session, data)

    assert (report.created, report.updated) == (1, 1)
    assert [(e.line, e.text.split(";")[0]) for e in report.errors] == [
        (4, "Broken"),
        (5, "Bad kind"),
        (7, "Bad language"),
        (8, ""),
    ]
    assert "not-an-address" in str(report.errors[0].reason)
    ivan = db_session.scalar(select(Customer).where(Customer.email == "ivan@example.com"))
    assert ivan is not None and (ivan.phone, ivan.language, ivan.kind) == ("+380501234567", "uk", "buyer")
    formula = db_session.scalar(select(Customer).where(Customer.email == "formula@example.com"))
    # An existing record only gains what it lacked: its name stays.
    assert formula is not None and formula.company == "Formula LLC" and formula.name.startswith("=HYPERLINK")


def test_the_data_export_holds_the_accounts_rows_and_no_secret(
    db_session: Session, supplier: Supplier, buyer: User
) -> None:
    own = order(db_session, supplier, user_id=buyer.id, email=buyer.email)
    factories.buyer_request(db_session, buyer, title="Knives")
    event(db_session, "search", user_id=buyer.id, visitor_id="v-9", query="knife")
    synced(db_session)

    data = json.loads(json.dumps(export_user_data(db_session, buyer)))

    assert data["account"]["email"] == buyer.email
    assert "password_hash" not in data["account"]
    assert [row["id"] for row in data["leads"]] == [own.id]
    assert [row["title"] for row in data["buyer_requests"]] == ["Knives"]
    assert data["analytics_events"][0]["data"] == {"query": "knife"}
    assert data["customer_record"]["email"] == buyer.email
    assert "hash" not in json.dumps(data).replace("ip_hash", "")


def test_deleting_an_account_keeps_the_suppliers_lead_without_the_buyer(
    db_session: Session, supplier: Supplier, buyer: User
) -> None:
    buyer.phone = "+380671112233"
    lead = order(db_session, supplier, user_id=buyer.id, name="Bohdana", email=buyer.email, phone=buyer.phone)
    anonymous = order(db_session, supplier, name="Bohdana again", email=buyer.email)
    buyer_request = factories.buyer_request(db_session, buyer, title="Knives")
    event(db_session, "pageview", user_id=buyer.id, visitor_id="v-5")
    event(db_session, "pageview", visitor_id="v-5")
    queue_mail(db_session, buyer.email, "Hello", "Body")
    # A saved search the person set with their address before registering.
    db_session.add(Alert(kind=AlertKind.SEARCH, email="Buyer@example.com", query={"text": "knife"}, label="knife"))
    synced(db_session)
    customer = _record(db_session, LinkSource.USER, buyer.id)
    merge_customers(db_session, customer, _record(db_session, LinkSource.LEAD, anonymous.id), user=None)
    with pytest.raises(RightsError):
        delete_account(db_session, buyer, "wrong password")

    delete_account(db_session, buyer, PASSWORD)
    db_session.expire_all()

    for kept in (lead, anonymous):
        row = db_session.get(Lead, kept.id)
        assert row is not None and row.supplier_id == supplier.id and len(row.items) == 1
        assert (row.user_id, row.buyer_name, row.buyer_email, row.buyer_phone, row.comment) == (
            None,
            "",
            None,
            None,
            None,
        )
    assert (
        db_session.scalar(select(func.count()).select_from(AnalyticsEvent).where(AnalyticsEvent.visitor_id == "v-5"))
        == 0
    )
    assert (
        db_session.scalar(select(func.count()).select_from(AnalyticsEvent).where(AnalyticsEvent.user_id == buyer.id))
        == 0
    )
    assert db_session.scalar(select(OutboxMail).where(OutboxMail.recipient == "buyer@example.com")) is None
    assert db_session.scalar(select(Alert.id)) is None
    assert db_session.get(BuyerRequest, buyer_request.id).status == RequestStatus.CLOSED  # type: ignore[union-attr]
    user = db_session.get(User, buyer.id)
    assert user is not None and not user.active and user.display_name == "" and user.phone is None
    assert user.email != "buyer@example.com"
    assert authenticate(db_session, "buyer@example.com", PASSWORD) is None
    record = customer_of_user(db_session, user)
    assert record is not None and record.deleted_at is not None and (record.email, record.name) == (None, "")
    assert list_customers(db_session, CustomerFilter()).customers == [
        _record(db_session, LinkSource.SUPPLIER, supplier.id)
    ]


def test_a_supplier_member_leaves_the_company_record_and_an_operator_cannot_delete_here(
    db_session: Session, supplier: Supplier, supplier_member: User, admin: User
) -> None:
    synced(db_session)
    company = _record(db_session, LinkSource.SUPPLIER, supplier.id)

    delete_account(db_session, supplier_member, PASSWORD)

    db_session.refresh(company)
    assert company.deleted_at is None and company.ids_of(LinkSource.USER) == []
    with pytest.raises(RightsError):
        delete_account(db_session, admin, PASSWORD)
