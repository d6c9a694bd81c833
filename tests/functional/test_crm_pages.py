"""The customer database's pages: the operator's list, import, duplicates, timeline; the account's data and deletion."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.crm.models import Customer, CustomerLink, CustomerNote, LinkSource
from marketplace.shops.models import Lead
from marketplace.suppliers.models import Supplier
from tests.support.accounts import PASSWORD, login
from tests.support.crm import event, order, synced


def _record_of(session: Session, source: LinkSource, source_id: int) -> Customer:
    found = session.scalar(
        select(Customer).join(CustomerLink).where(CustomerLink.source == source, CustomerLink.source_id == source_id)
    )
    assert found is not None
    return found


def test_the_operator_lists_searches_and_filters_customers(
    client: FlaskClient, db_session: Session, admin: User, buyer: User, supplier: Supplier
) -> None:
    order(db_session, supplier, name="Taras Shevchuk", email="taras@example.com", company="Taras Ltd")
    synced(db_session)
    db_session.commit()
    login(client, admin)

    assert "/admin/customers/" in client.get("/admin/").text
    page = client.get("/admin/customers/")
    assert page.status_code == 200
    assert page.text.count('data-testid="customer-row"') == 3  # the buyer, the supplier, the order's contact

    found = client.get("/admin/customers/?q=TARAS@example.com").text
    assert "Taras Shevchuk" in found and "Bohdana" not in found
    companies = client.get("/admin/customers/?b2b=yes&kind=buyer").text
    assert "Taras Shevchuk" in companies and "Bohdana" not in companies
    # A filter value that is not one of the choices filters nothing instead of failing.
    assert client.get("/admin/customers/?kind=martian&seen=forever&page=x").status_code == 200


def test_the_csv_export_follows_the_filters(
    client: FlaskClient, db_session: Session, admin: User, buyer: User, supplier: Supplier
) -> None:
    synced(db_session)
    db_session.commit()
    login(client, admin)

    response = client.get("/admin/customers/export.csv?kind=buyer")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "kind", "name", "email"]
    assert [row[3] for row in rows[1:]] == ["buyer@example.com"]


def test_an_import_reports_bad_rows_and_keeps_the_good_ones(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    login(client, admin)
    data = b"name,email,phone\nIvan,ivan@example.com,0501234567\nNobody,not-an-address,\n"

    response = client.post(
        "/admin/customers/import",
        data={"file": (io.BytesIO(data), "customers.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 200
    assert 'data-testid="import-report"' in response.text and response.text.count('data-testid="import-error"') == 1
    assert "“not-an-address” is not an e-mail address." in response.text
    assert db_session.scalar(select(Customer.phone).where(Customer.email == "ivan@example.com")) == "+380501234567"

    no_header = client.post(
        "/admin/customers/import",
        data={"file": (io.BytesIO(b"just,some,cells\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert no_header.status_code == 400 and "first line naming its columns" in no_header.text
    assert client.post("/admin/customers/import", data={}).status_code == 400


def test_the_operator_merges_duplicates_and_logs_a_call_on_the_timeline(
    client: FlaskClient, db_session: Session, admin: User, buyer: User, supplier: Supplier
) -> None:
    lead = order(db_session, supplier, name="Bohdana K.", email="Buyer@Example.com", title="Santoku knife")
    event(db_session, "search", user_id=buyer.id, visitor_id="v-1", query="santoku")
    synced(db_session)
    db_session.commit()
    account, contact = (
        _record_of(db_session, LinkSource.USER, buyer.id),
        _record_of(db_session, LinkSource.LEAD, lead.id),
    )
    login(client, admin)

    duplicates = client.get("/admin/customers/duplicates").text
    assert "buyer@example.com" in duplicates and duplicates.count('data-testid="duplicate"') == 2
    merged = client.post("/admin/customers/merge", data={"keep_id": account.id, "absorb_id": contact.id})
    assert merged.status_code == 302 and merged.headers["Location"].endswith(f"/admin/customers/{account.id}")
    again = client.post("/admin/customers/merge", data={"keep_id": account.id, "absorb_id": contact.id})
    assert again.status_code == 302 and "already" in client.get(again.headers["Location"]).text

    bad = client.post(f"/admin/customers/{account.id}/notes", data={"kind": "call", "body": "  "})
    assert bad.status_code == 400 and "Write what happened." in bad.text
    logged = client.post(
        f"/admin/customers/{account.id}/notes", data={"kind": "call", "body": "Called: wants 20 knives"}
    )
    assert logged.status_code == 302

    page = client.get(f"/admin/customers/{account.id}").text
    assert "Called: wants 20 knives" in page
    assert "Searched for “santoku”" in page and "Order request to" in page and "Santoku knife" in page
    # The absorbed record's page leads to the kept one.
    assert client.get(f"/admin/customers/{contact.id}").headers["Location"].endswith(f"/admin/customers/{account.id}")
    assert client.get("/admin/customers/999999").status_code == 404
    assert client.post("/admin/customers/999999/notes", data={"body": "x"}).status_code == 404


def test_customers_are_for_operators_only(
    client: FlaskClient, db_session: Session, buyer: User, supplier_member: User
) -> None:
    synced(db_session)
    db_session.commit()
    customer = _record_of(db_session, LinkSource.USER, buyer.id)
    for who in (buyer, supplier_member):
        login(client, who)
        for url in ("/admin/customers/", "/admin/customers/export.csv", f"/admin/customers/{customer.id}"):
            assert client.get(url).status_code == 403, (who, url)
        assert client.post(f"/admin/customers/{customer.id}/notes", data={"body": "x"}).status_code == 403
    client.post("/account/logout")
    assert "/account/login" in client.get("/admin/customers/").headers["Location"]


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_post_without_a_csrf_token_is_refused(
    client: FlaskClient, db_session: Session, admin: User, buyer: User
) -> None:
    synced(db_session)
    db_session.commit()
    customer = _record_of(db_session, LinkSource.USER, buyer.id)
    with client.session_transaction() as browser:
        browser["_user_id"] = admin.get_id()
        browser["_fresh"] = True
    assert client.post(f"/admin/customers/{customer.id}/notes", data={"body": "x"}).status_code == 400
    assert db_session.scalar(select(CustomerNote.id)) is None


def test_a_buyer_downloads_their_own_data_only(
    client: FlaskClient, db_session: Session, buyer: User, supplier: Supplier
) -> None:
    order(db_session, supplier, user_id=buyer.id, email=buyer.email)
    order(db_session, supplier, name="Someone else", email="else@example.com")
    db_session.commit()
    login(client, buyer)

    assert "/account/data.json" in client.get("/account/").text
    response = client.get("/account/data.json")

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == "buyer@example.com"
    assert "else@example.com" not in response.text and "password_hash" not in response.text


def test_a_buyer_deletes_their_account_with_the_password(
    client: FlaskClient, db_session: Session, buyer: User, supplier: Supplier
) -> None:
    lead = order(db_session, supplier, user_id=buyer.id, email=buyer.email, name="Bohdana")
    db_session.commit()
    login(client, buyer)
    page = client.get("/account/delete").text
    assert "What other people need stays" in page

    wrong = client.post("/account/delete", data={"password": "not it"})
    assert wrong.status_code == 400 and "The password is not right." in wrong.text
    done = client.post("/account/delete", data={"password": PASSWORD})

    assert done.status_code == 302
    assert client.get("/account/").status_code == 302  # logged out
    db_session.expire_all()
    kept = db_session.get(Lead, lead.id)
    assert kept is not None and (kept.buyer_name, kept.buyer_email) == ("", None)
    response = client.post("/account/login", data={"email": "buyer@example.com", "password": PASSWORD})
    assert response.status_code != 302


def test_an_operator_cannot_delete_their_account_here(client: FlaskClient, admin: User) -> None:
    login(client, admin)
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 403 and "closed by another operator" in response.text


def test_the_cli_syncs_lists_and_prints_a_timeline(
    runner: FlaskCliRunner, db_session: Session, buyer: User, supplier: Supplier
) -> None:
    order(db_session, supplier, user_id=buyer.id, email=buyer.email, title="Bread knife")
    db_session.commit()

    synced_out = runner.invoke(args=["crm", "sync"])
    assert synced_out.exit_code == 0 and "Customer records made: 2" in synced_out.output
    listed = json.loads(runner.invoke(args=["crm", "customers", "--json"]).output)
    buyer_row = next(row for row in listed if row["email"] == "buyer@example.com")
    assert buyer_row["kind"] == "buyer" and buyer_row["tier"] is None and buyer_row["rfm"] is None
    timeline = json.loads(runner.invoke(args=["crm", "timeline", " Buyer@Example.com", "--json"]).output)
    assert timeline["customer"]["id"] == buyer_row["id"]
    assert any(e["kind"] == "order" and "Bread knife" in e["text"] for e in timeline["timeline"])
    missing = runner.invoke(args=["crm", "timeline", "nobody@example.com"])
    assert missing.exit_code != 0 and "No customer" in missing.output


def test_the_operator_corrects_a_companys_details(
    client: FlaskClient, db_session: Session, admin: User, buyer: User
) -> None:
    synced(db_session)
    db_session.commit()
    customer = _record_of(db_session, LinkSource.USER, buyer.id)
    login(client, admin)
    details = {
        "name": "Bohdana Koval",
        "email": " Bohdana@Koval.example ",
        "phone": "067 123 45 67",
        "company": "Koval Kitchens LLC",
        "tax_id": "12345678",
        "address": "Kyiv, Khreshchatyk 1",
        "language": "uk",
    }

    bad = client.post(f"/admin/customers/{customer.id}/details", data={**details, "phone": "call me"})
    assert bad.status_code == 400 and "“call me” is not a phone number." in bad.text
    saved = client.post(f"/admin/customers/{customer.id}/details", data=details)

    assert saved.status_code == 302
    db_session.expire_all()
    assert (customer.email, customer.phone, customer.company, customer.tax_id, customer.b2b, customer.language) == (
        "bohdana@koval.example",
        "+380671234567",
        "Koval Kitchens LLC",
        "12345678",
        True,
        "uk",
    )
    page = client.get(f"/admin/customers/{customer.id}").text
    assert "Koval Kitchens LLC" in page and "Bohdana &lt;buyer@example.com&gt;" in page  # the account behind it
