"""Supplier acquisition for the operator: prospect → invited → onboarded → active, with every move dated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import ClickOut
from marketplace.crm.acquisition import ACTIVE_DAYS, refresh_stages
from marketplace.crm.jobs import run_lead_jobs
from marketplace.crm.prospects import ProspectStage, SupplierProspect
from marketplace.db import utcnow
from marketplace.notifications.models import OutboxMail
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from tests.support import factories
from tests.support.accounts import login

PROSPECT = {
    "company": "Kvitka Wholesale",
    "contact_person": "Iryna Bondar",
    "email": " Sales@Kvitka.example ",
    "phone": "044 123 45 67",
    "language": "uk",
    "notes": "Met at the Kyiv fair; 3,000 SKUs of garden tools.",
}


def _prospect(db_session: Session) -> SupplierProspect:
    found = db_session.scalar(select(SupplierProspect))
    assert found is not None
    return found


def _stages(prospect: SupplierProspect) -> list[tuple[str | None, str]]:
    return [(move.from_stage, move.to_stage) for move in prospect.moves]


def test_the_operator_adds_and_invites_a_prospect_in_its_language(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    login(client, admin)
    assert "/admin/acquisition/" in client.get("/admin/").text
    response = client.post("/admin/acquisition/", data=PROSPECT)
    assert response.status_code == 302
    prospect = _prospect(db_session)
    assert (prospect.email, prospect.phone, prospect.stage) == ("sales@kvitka.example", "+380441234567", "prospect")
    page = client.get(response.headers["Location"]).text
    assert "Kvitka Wholesale" in page and "Met at the Kyiv fair" in page

    assert client.post(f"/admin/acquisition/{prospect.id}/invite").status_code == 302
    db_session.refresh(prospect)
    mail = db_session.scalar(select(OutboxMail).where(OutboxMail.recipient == "sales@kvitka.example"))
    # Written in Ukrainian for Iryna, whatever language the operator uses, with the registration link.
    assert mail is not None and (mail.locale, mail.link) == ("uk", "/account/register")
    assert "Iryna Bondar" in mail.body and "Kvitka Wholesale" in mail.subject
    assert prospect.stage == ProspectStage.INVITED and prospect.invited_at is not None
    assert _stages(prospect) == [(None, "prospect"), ("prospect", "invited")]
    assert all(move.actor_id == admin.id for move in prospect.moves)

    board = client.get("/admin/acquisition/?view=board").text
    assert 'data-testid="board-invited"' in board and "Kvitka Wholesale" in board
    table = client.get("/admin/acquisition/?stage=invited").text
    assert 'data-testid="prospect-row"' in table and "sales@kvitka.example" in table
    assert "Kvitka Wholesale" not in client.get("/admin/acquisition/?stage=active").text


def test_bad_input_gets_a_clear_error_and_a_known_address_is_refused(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    login(client, admin)
    bad = client.post("/admin/acquisition/", data={**PROSPECT, "email": "not an address"})
    assert bad.status_code == 400 and "Give an e-mail address such as sales@example.com." in bad.text
    assert client.post("/admin/acquisition/", data=PROSPECT).status_code == 302
    again = client.post("/admin/acquisition/", data={**PROSPECT, "company": "Kvitka again"})
    assert again.status_code == 400 and "already in the pipeline" in again.text
    unnamed = client.post("/admin/acquisition/", data={**PROSPECT, "company": "", "email": "x@y.example"})
    assert unnamed.status_code == 400 and "Name the company." in unnamed.text
    prospect = _prospect(db_session)
    missing = client.post(f"/admin/acquisition/{prospect.id}/supplier", data={"slug": "nobody-here"})
    assert missing.status_code == 400 and "There is no supplier with the address nobody-here." in missing.text
    assert client.get("/admin/acquisition/999999").status_code == 404


def test_registration_and_first_import_onboard_then_activity_keeps_it_active(
    app: Flask, client: FlaskClient, db_session: Session, admin: User
) -> None:
    login(client, admin)
    client.post("/admin/acquisition/", data=PROSPECT)
    prospect = _prospect(db_session)
    client.post(f"/admin/acquisition/{prospect.id}/invite")
    now = utcnow()

    # They register with the invited address: linked, but no price list yet, so still invited.
    supplier = factories.supplier(db_session, "kvitka")
    factories.user(db_session, "sales@kvitka.example", role=Role.SUPPLIER, supplier=supplier)
    failed = ImportRun(supplier=supplier, filename="a.csv", status=ImportStatus.FAILED, finished_at=now)
    db_session.add(failed)
    assert refresh_stages(db_session, now=now) == 0
    assert (prospect.supplier_id, prospect.stage) == (supplier.id, ProspectStage.INVITED)

    # The first import succeeds: onboarded, and active at once, since it is recent.
    run = ImportRun(supplier=supplier, filename="b.csv", status=ImportStatus.SUCCEEDED, finished_at=now)
    db_session.add(run)
    db_session.commit()
    with app.app_context():
        done = run_lead_jobs(db_session, now=now)
    assert done.prospects_moved == 1
    db_session.refresh(prospect)
    assert prospect.stage == ProspectStage.ACTIVE
    assert _stages(prospect)[2:] == [("invited", "onboarded"), ("onboarded", "active")]
    assert all(move.actor_id is None for move in prospect.moves[2:])
    assert refresh_stages(db_session, now=now) == 0, "a pass that sees nothing new moves nothing"

    # A month later with no import and no click-out, it falls back to onboarded ...
    later = now + dt.timedelta(days=ACTIVE_DAYS + 1)
    assert refresh_stages(db_session, now=later) == 1
    assert prospect.stage == ProspectStage.ONBOARDED
    # ... and a buyer's click-out makes it active again.
    offer = factories.offer(db_session, supplier, "KV-1", title="Garden rake", price=300)
    db_session.add(
        ClickOut(
            offer_id=offer.id,
            supplier_id=supplier.id,
            price_base=Decimal(300),
            target_url="https://k.example/1",
            created_at=later,
        )
    )
    assert refresh_stages(db_session, now=later) == 1
    assert prospect.stage == ProspectStage.ACTIVE
    page = client.get(f"/admin/acquisition/{prospect.id}").text
    assert page.count('data-testid="prospect-move"') == 6 and "seen by the worker" in page
    counts = client.get("/admin/acquisition/").text
    assert 'data-testid="count-active"' in counts


def test_the_operator_links_a_supplier_that_registered_with_another_address(
    client: FlaskClient, db_session: Session, admin: User, supplier: Supplier
) -> None:
    login(client, admin)
    client.post("/admin/acquisition/", data=PROSPECT)
    prospect = _prospect(db_session)
    db_session.add(ImportRun(supplier=supplier, filename="b.csv", status=ImportStatus.SUCCEEDED, finished_at=utcnow()))
    db_session.commit()
    assert client.post(f"/admin/acquisition/{prospect.id}/supplier", data={"slug": supplier.slug}).status_code == 302
    db_session.refresh(prospect)
    assert prospect.supplier_id == supplier.id and prospect.stage == ProspectStage.ACTIVE
    # An onboarded supplier needs no invitation.
    client.post(f"/admin/acquisition/{prospect.id}/invite")
    assert db_session.scalar(select(OutboxMail).where(OutboxMail.recipient == prospect.email)) is None


def test_only_operators_reach_acquisition(
    client: FlaskClient, db_session: Session, buyer: User, supplier_member: User
) -> None:
    assert client.get("/admin/acquisition/").status_code == 302  # to the login page
    for user in (buyer, supplier_member):
        login(client, user)
        assert client.get("/admin/acquisition/").status_code == 403
        assert client.post("/admin/acquisition/", data=PROSPECT).status_code == 403
    assert db_session.scalar(select(SupplierProspect)) is None


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_posts_without_a_csrf_token_are_refused(client: FlaskClient, db_session: Session, admin: User) -> None:
    with client.session_transaction() as browser:
        browser["_user_id"] = admin.get_id()
        browser["_fresh"] = True
    assert client.post("/admin/acquisition/", data=PROSPECT).status_code == 400
    assert db_session.scalar(select(SupplierProspect)) is None
