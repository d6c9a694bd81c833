"""The supplier API's leads: a supplier's system reads its own leads and moves them, and nobody else's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import create_token
from marketplace.shops.leads import add_lead
from marketplace.shops.models import Lead, LeadItem, LeadStatus
from marketplace.suppliers.models import Supplier
from tests.support import factories


def bearer(db_session: Session, user: User) -> dict[str, str]:
    _token, secret = create_token(db_session, user, "CRM")
    db_session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def leads(db_session: Session, supplier: Supplier) -> list[Lead]:
    """Two order leads of Kitchen Pro's, one of them from a company."""
    made = []
    for name, company in (("Olena", "Kvitka LLC"), ("Taras", None)):
        lead = Lead(
            supplier_id=supplier.id, buyer_name=name, buyer_email=f"{name.lower()}@example.com", company=company
        )
        lead.items.append(
            LeadItem(supplier_sku="PAN-28", title="Pan", quantity=Decimal(10), price=Decimal("500.00"), currency="UAH")
        )
        made.append(add_lead(db_session, lead))
    db_session.commit()
    return made


def test_a_supplier_lists_its_leads_a_page_at_a_time_and_by_stage(
    client: FlaskClient, db_session: Session, supplier_member: User, leads: list[Lead]
) -> None:
    headers = bearer(db_session, supplier_member)
    body = client.get("/api/v1/supplier/leads?per_page=1", headers=headers).get_json()
    assert (body["total"], len(body["leads"])) == (2, 1)
    first = body["leads"][0]
    assert first["id"] == leads[0].id and first["stage"] == "new" and first["source"] == "order"
    assert first["buyer"]["company"] == "Kvitka LLC"
    assert first["items"] == [
        {"sku": "PAN-28", "title": "Pan", "quantity": "10", "unit": None, "price": "500.00", "currency": "UAH"}
    ]
    assert client.get("/api/v1/supplier/leads?stage=won", headers=headers).get_json()["total"] == 0
    refused = client.get("/api/v1/supplier/leads?stage=done", headers=headers)
    assert refused.status_code == 400 and "stage must be one of" in refused.get_json()["error"]["message"]


def test_a_supplier_moves_a_lead_with_a_next_step_and_a_note(
    client: FlaskClient, db_session: Session, supplier_member: User, leads: list[Lead]
) -> None:
    headers = bearer(db_session, supplier_member)
    url = f"/api/v1/supplier/leads/{leads[0].id}"
    answer = client.patch(
        url,
        headers=headers,
        json={"stage": "offer_sent", "value": "1450.00", "value_currency": "UAH", "next_step": "Call",
              "next_step_at": "2030-01-15", "note": "Sent the price list"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["stage"], body["value"], body["next_step"]) == ("offer_sent", "1450.00", "Call")
    assert body["next_step_at"].startswith("2030-01-15T23:59")
    assert [n["body"] for n in body["notes"]] == ["Sent the price list"]

    lost = client.patch(url, headers=headers, json={"stage": "lost"})
    assert lost.status_code == 422 and "lost_reason" in lost.get_json()["error"]["fields"]
    assert client.patch(url, headers=headers, json={"stage": "won", "next_step": None}).status_code == 200
    db_session.expire_all()
    lead = db_session.get(Lead, leads[0].id)
    assert lead is not None and lead.status == LeadStatus.WON and lead.next_step is None
    assert client.patch(url, headers=headers, json={"stage": "won", "colour": "red"}).status_code == 400
    assert client.patch(url, headers=headers, json={"value": "lots"}).status_code == 400


def test_another_suppliers_lead_is_not_there(client: FlaskClient, db_session: Session, leads: list[Lead]) -> None:
    rival = factories.supplier(db_session, "blade")
    member = factories.user(db_session, "s@blade.example", role=Role.SUPPLIER, supplier=rival)
    headers = bearer(db_session, member)
    assert client.get("/api/v1/supplier/leads", headers=headers).get_json()["total"] == 0
    assert (
        client.patch(f"/api/v1/supplier/leads/{leads[0].id}", headers=headers, json={"stage": "won"}).status_code == 404
    )
    assert db_session.scalar(select(Lead.status).where(Lead.id == leads[0].id)) == LeadStatus.NEW
