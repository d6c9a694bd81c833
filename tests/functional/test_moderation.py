"""Moderation: operators hide requests, shops and offers; buyers, search and sitemaps lose them; owners see why."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.models import BuyerRequest
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.imports.run import import_feed
from marketplace.notifications.models import Notification
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.seo.sitemaps import products_in_chunk
from marketplace.suppliers.models import Supplier
from search_index import SearchQuery
from tests.support import factories
from tests.support.accounts import login
from tests.support.paths import FIXTURES


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


def live_product_ids(session: Session) -> set[int]:
    return {entry.id for entry in products_in_chunk(session, 0, 100_000)}


def hide(client: FlaskClient, target: str, target_id: int, reason: str = "Breaks rule 4") -> None:
    response = client.post("/admin/moderation/hide", data={"target": target, "target_id": target_id, "reason": reason})
    assert response.status_code == 302, response.get_data(as_text=True)


def found_offers(app: Flask, text: str) -> set[int]:
    hits = get_index(app).search(SearchQuery(text=text, per_page=50)).hits
    return {offer_id for hit in hits for offer_id in (hit.offer_id, *hit.offer_ids)}


def test_a_junk_request_leaves_the_home_page_and_its_buyer_sees_why(
    app: Flask, client: FlaskClient, db_session: Session, buyer: User, admin: User
) -> None:
    junk = factories.buyer_request(db_session, buyer, title="Тест")
    # Made before deadlines had a horizon: open until the end of time.
    junk.deadline = dt.date(9999, 12, 31)
    db_session.commit()
    assert "Тест" in client.get("/").get_data(as_text=True)

    operator = signed_in(app, admin)
    page = operator.get("/admin/moderation/").get_data(as_text=True)
    assert page.count('data-testid="far-request"') == 1 and "9999-12-31" in page
    assert f'name="target_id" value="{junk.id}"' in page  # hidden from its row, with a reason
    hide(operator, "request", junk.id, "A test, not a real request")

    assert "Тест" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/requests/{junk.id}").status_code == 404
    assert "Тест" not in client.get("/requests/").get_data(as_text=True)
    own = signed_in(app, buyer).get(f"/requests/{junk.id}").get_data(as_text=True)
    assert 'data-testid="hidden-notice"' in own and "A test, not a real request" in own
    notice = db_session.scalar(
        select(Notification).where(Notification.user_id == buyer.id).order_by(Notification.id.desc())
    )
    assert notice is not None and notice.kind == "moderation.request.hidden"
    assert notice.params["reason"] == "A test, not a real request"

    assert operator.post(f"/admin/moderation/request/{junk.id}/show").status_code == 302
    db_session.refresh(junk)
    assert junk.hidden_at is None and junk.hidden_reason is None


def test_a_deadline_more_than_a_year_ahead_is_refused_on_its_field(
    client: FlaskClient, db_session: Session, buyer: User
) -> None:
    login(client, buyer)
    data = {"title": "Тест", "items-0-text": "Pan", "items-0-quantity": "1", "deadline": "9999-12-31"}
    html = client.post("/requests/new", data=data).get_data(as_text=True)
    # The form comes back with the error under the deadline field.
    deadline_field = html[html.index('name="deadline"') :].split("</div>", 1)[0]
    assert "the deadline is at most 366 days ahead" in deadline_field
    assert db_session.scalar(select(BuyerRequest)) is None
    data["deadline"] = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    assert client.post("/requests/new", data=data).status_code == 302


def test_a_hidden_offer_leaves_search_and_stays_withdrawn_through_an_import(
    app: Flask, client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], admin: User
) -> None:
    pan = db_session.scalar(select(Offer).where(Offer.supplier_sku == "PAN-28"))
    assert pan is not None and pan.id in found_offers(app, "frying pan")
    operator = signed_in(app, admin)
    hide(operator, "offer", pan.id, "Counterfeit brand")
    sync_index(db_session, get_index(app))  # the worker's index pass
    assert pan.id not in found_offers(app, "frying pan")

    # The supplier's next full price list still lists it: it stays hidden.
    kitchen = stocked["kitchen-pro"]
    run = import_feed(db_session, kitchen, (FIXTURES / "feeds" / "kitchen.yml").read_bytes(), filename="kitchen.yml",
                      base_currency="UAH", rates=app.config["CURRENCY_RATES"])  # fmt: skip
    assert run.status == "succeeded"
    db_session.commit()
    db_session.refresh(pan)
    assert pan.status == OfferStatus.WITHDRAWN and pan.hidden_reason == "Counterfeit brand"

    member = factories.user(db_session, "desk@kp.example", role=Role.SUPPLIER, supplier=kitchen)
    portal = signed_in(app, member).get("/portal/").get_data(as_text=True)
    assert 'data-testid="hidden-offers"' in portal and "Counterfeit brand" in portal

    assert operator.post(f"/admin/moderation/offer/{pan.id}/show").status_code == 302
    sync_index(db_session, get_index(app))
    assert pan.id in found_offers(app, "frying pan")


def test_a_hidden_shop_and_its_offers_leave_pages_search_and_sitemaps(
    app: Flask, client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], admin: User
) -> None:
    kitchen = stocked["kitchen-pro"]
    knife = db_session.scalar(select(Offer).where(Offer.supplier_id == kitchen.id, Offer.supplier_sku != "PAN-28"))
    assert knife is not None
    # The knife is Kitchen Pro's alone (the pan is sold by Office Point too).
    assert knife.product_id in live_product_ids(db_session)
    assert f"/go/{knife.id}" in client.get(f"/products/{knife.product_id}", follow_redirects=True).get_data(
        as_text=True
    )
    hide(signed_in(app, admin), "shop", kitchen.id, "Unpaid invoices")
    sync_index(db_session, get_index(app))

    assert client.get("/shops/kitchen-pro").status_code == 404
    assert "Kitchen Pro" not in client.get("/shops/").get_data(as_text=True)
    hits = get_index(app).search(SearchQuery(text=knife.title, per_page=50)).hits
    assert all(hit.supplier != "kitchen-pro" for hit in hits)
    assert knife.product_id not in live_product_ids(db_session)
    product_page = client.get(f"/products/{knife.product_id}", follow_redirects=True)
    # The product stays (a page may link to it) but offers none of the hidden shop's: no click-out to it.
    assert f"/go/{knife.id}" not in product_page.get_data(as_text=True)

    member = factories.user(db_session, "desk@kp.example", role=Role.SUPPLIER, supplier=kitchen)
    assert "Unpaid invoices" in signed_in(app, member).get("/portal/").get_data(as_text=True)


def test_only_operators_moderate(client: FlaskClient, db_session: Session, buyer: User) -> None:
    request = factories.buyer_request(db_session, buyer, title="Real request")
    db_session.commit()
    login(client, buyer)
    data = {"target": "request", "target_id": request.id, "reason": "mine"}
    assert client.post("/admin/moderation/hide", data=data).status_code == 403
    db_session.refresh(request)
    assert request.hidden_at is None
