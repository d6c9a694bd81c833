"""The operator's tiers, RFM and segments on /admin/customers, the prices page, and `traderow crm score|segment`."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.crm.models import Customer, CustomerSegment, ValueSettings
from marketplace.crm.scoring_pass import score_customers
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import login
from tests.support.crm import event, synced

SKILLETS = 662


def _scored(session: Session, supplier: Supplier) -> list[User]:
    """Five buyers who clicked out 0–4 times, the odd ones in the skillets; scored."""
    skillets = factories.category_id(session, SKILLETS)
    shoppers = [factories.user(session, f"shopper{n}@example.com", role=Role.BUYER) for n in range(5)]
    for n, shopper in enumerate(shoppers):
        for _ in range(n):
            event(
                session,
                "clickout",
                user_id=shopper.id,
                category_id=skillets if n % 2 else None,
                supplier_id=supplier.id,
            )
    synced(session)
    score_customers(session)
    session.commit()
    return shoppers


def test_the_list_shows_and_filters_tiers_and_rfm(
    client: FlaskClient, db_session: Session, admin: User, supplier: Supplier
) -> None:
    _scored(db_session, supplier)
    login(client, admin)

    page = client.get("/admin/customers/")
    assert page.status_code == 200
    assert 'data-tier="gold"' in page.text and 'data-testid="rfm"' in page.text
    gold = client.get("/admin/customers/?tier=gold&kind=buyer").text
    assert gold.count('data-testid="customer-row"') == 1 and "shopper4@example.com" in gold
    skillets = factories.category_id(db_session, SKILLETS)
    browsing = client.get(f"/admin/customers/?category={skillets}&m_min=2").text
    assert browsing.count('data-testid="customer-row"') == 2
    top = db_session.scalar(select(Customer.id).where(Customer.email == "shopper4@example.com"))
    record = client.get(f"/admin/customers/{top}").text
    assert 'data-tier="gold"' in record and "R3 F1 M5" in record and "brought 8.00, cost 0.00 UAH" in record
    # Bad values filter nothing rather than fail.
    assert client.get("/admin/customers/?tier=platinum&r_min=9&category=x").status_code == 200


def test_the_operator_saves_lists_exports_and_deletes_a_segment(
    client: FlaskClient, db_session: Session, admin: User, supplier: Supplier
) -> None:
    _scored(db_session, supplier)
    login(client, admin)
    assert 'data-testid="save-segment"' in client.get("/admin/customers/?m_min=3").text

    saved = client.post("/admin/customers/segments?m_min=3&kind=buyer", data={"name": "Best buyers"})

    assert saved.status_code == 302
    segment = db_session.scalar(select(CustomerSegment).where(CustomerSegment.name == "Best buyers"))
    assert segment is not None and segment.filters == {"kind": "buyer", "m_min": 3}
    page = client.get(f"/admin/customers/segments/{segment.id}")
    assert page.status_code == 200 and page.text.count('data-testid="customer-row"') == 3
    listing = client.get("/admin/customers/segments")
    assert "Best buyers" in listing.text and '<td class="num" data-testid="segment-count">3</td>' in listing.text
    export = client.get(f"/admin/customers/segments/{segment.id}/export.csv")
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert sorted(row[3] for row in rows[1:]) == [
        "shopper2@example.com",
        "shopper3@example.com",
        "shopper4@example.com",
    ]
    # The same name again is refused with a word, in the user's language.
    again = client.post("/admin/customers/segments?tier=gold", data={"name": "best buyers"})
    assert again.status_code == 400 and "exists already" in again.text

    deleted = client.post(f"/admin/customers/segments/{segment.id}/delete")

    assert deleted.status_code == 302
    assert db_session.scalar(select(CustomerSegment.id).where(CustomerSegment.id == segment.id)) is None


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_posts_without_a_csrf_token_are_refused(client: FlaskClient, db_session: Session, admin: User) -> None:
    segment = CustomerSegment(name="Everyone", filters={})
    db_session.add(segment)
    db_session.commit()
    with client.session_transaction() as browser:
        browser["_user_id"] = admin.get_id()
        browser["_fresh"] = True

    assert client.post("/admin/customers/segments?tier=gold", data={"name": "Gold"}).status_code == 400
    assert client.post(f"/admin/customers/segments/{segment.id}/delete").status_code == 400
    assert client.post("/admin/customers/settings", data={"gold_percent": "5"}).status_code == 400
    assert db_session.scalar(select(CustomerSegment.id).where(CustomerSegment.name == "Gold")) is None
    assert db_session.get(ValueSettings, 1) is None


def test_the_operator_edits_prices_and_rules(client: FlaskClient, db_session: Session, admin: User) -> None:
    login(client, admin)
    assert client.get("/admin/customers/settings").status_code == 200
    form = {
        "clickout_price": "3.50",
        "lead_price": "40",
        "hourly_cost": "250",
        "failed_import_cost": "10",
        "note_minutes": "5",
        "call_minutes": "20",
        "gold_percent": "10",
        "window_days": "60",
        "loss_when_cost_exceeds_value": "y",
    }

    assert client.post("/admin/customers/settings", data=form).status_code == 302

    row = db_session.get(ValueSettings, 1)
    assert row is not None and row.clickout_price == Decimal("3.50") and row.gold_percent == 10
    bad = client.post("/admin/customers/settings", data={**form, "gold_percent": "150", "lead_price": "-1"})
    assert bad.status_code == 400 and 'class="error' in bad.text


def test_the_cli_scores_and_prints_a_segment(
    runner: FlaskCliRunner, db_session: Session, admin: User, supplier: Supplier
) -> None:
    for n in range(3):
        event(
            db_session,
            "clickout",
            user_id=factories.user(db_session, f"cli{n}@example.com").id,
            supplier_id=supplier.id,
        )
    synced(db_session)
    db_session.commit()

    scored = runner.invoke(args=["crm", "score"])
    assert scored.exit_code == 0 and "Scored" in scored.output
    customers = json.loads(runner.invoke(args=["crm", "customers", "--json"]).output)
    shopper = next(c for c in customers if c["email"] == "cli0@example.com")
    assert shopper["tier"] in ("gold", "ordinary", "loss") and set(shopper["rfm"]) == {"r", "f", "m"}
    assert shopper["value"] == "2.00"

    db_session.add(CustomerSegment(name="Clickers", filters={"kind": "buyer", "m_min": 2}))
    db_session.commit()
    printed = runner.invoke(args=["crm", "segment", "clickers", "--json"])
    assert printed.exit_code == 0
    body = json.loads(printed.output)
    assert body["segment"]["name"] == "Clickers" and body["count"] == 3
    assert sorted(c["email"] for c in body["customers"]) == ["cli0@example.com", "cli1@example.com", "cli2@example.com"]
    missing = runner.invoke(args=["crm", "segment", "nobody"])
    assert missing.exit_code != 0 and "Clickers" in missing.output
