"""Shops in the row, order requests (leads), and the portal's and admin's pages with their permissions."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import ClickOut, Offer
from marketplace.shops.models import Lead, LeadStatus
from marketplace.suppliers.models import MappingSource, Supplier, SupplierCategory
from tests.support import factories
from tests.support.accounts import login
from tests.support.app import app_config

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def sku(db_session: Session, value: str) -> Offer:
    found = db_session.scalar(select(Offer).where(Offer.supplier_sku == value))
    assert found is not None
    return found


@pytest.fixture
def no_store(db_session: Session, stocked: dict[str, Supplier]) -> Supplier:
    """Office Point, selling only here."""
    office = stocked["office-point"]
    office.has_own_store = False
    db_session.commit()
    return office


@pytest.fixture
def office_member(db_session: Session, stocked: dict[str, Supplier]) -> User:
    return factories.user(db_session, "desk@op.example", role=Role.SUPPLIER, supplier=stocked["office-point"])


def test_shop_page_lists_and_searches_the_suppliers_offers(client: FlaskClient, stocked: dict[str, Supplier]) -> None:
    html = client.get("/shops/kitchen-pro").get_data(as_text=True)
    assert "Kitchen Pro" in html and "https://kitchen-pro.example/" in html
    assert html.count('data-testid="shop-offer"') == 3  # the pan, the knife and the (out of stock) board
    found = client.get("/shops/kitchen-pro?q=pan").get_data(as_text=True)
    assert found.count('data-testid="shop-offer"') == 1 and "Hartwell Steel frying pan 28 cm" in found
    # Office Point also sells the pan: the supplier filter keeps it out of Kitchen Pro's shop.
    assert "Сковорода" not in found
    office = client.get("/shops/office-point?q=Сковорода").get_data(as_text=True)
    assert office.count('data-testid="shop-offer"') == 1
    assert client.get("/shops/no-such-shop").status_code == 404
    assert "Kitchen Pro" in client.get("/shops/").get_data(as_text=True)


def test_order_request_lands_in_the_suppliers_portal(
    client: FlaskClient, db_session: Session, no_store: Supplier, office_member: User
) -> None:
    stapler, notebook, pan = sku(db_session, "OP-2"), sku(db_session, "OP-4"), sku(db_session, "PAN-28")
    shop = client.get("/shops/office-point").get_data(as_text=True)
    assert 'data-testid="order"' in shop and "/go/" not in shop
    # Ticking two items; an offer of another seller in the URL is ignored.
    form = client.get(f"/shops/office-point/order?offer={stapler.id}&offer={notebook.id}&offer={pan.id}")
    assert form.get_data(as_text=True).count('data-testid="order-item"') == 2

    data = {
        "buyer_name": "Olena",
        "phone": "+380 44 000 00 00",
        "items-0-offer_id": stapler.id,
        "items-0-quantity": 3,
        "items-1-offer_id": notebook.id,
        "items-1-quantity": 0,
        "comment": "Invoice, please",
    }
    response = client.post("/shops/office-point/order", data=data)
    assert (response.status_code, response.headers["Location"]) == (302, "/shops/office-point")
    lead = db_session.scalar(select(Lead))
    assert lead is not None and lead.supplier_id == no_store.id and lead.status == LeadStatus.NEW
    assert [(i.supplier_sku, i.quantity, i.price) for i in lead.items] == [("OP-2", 3, stapler.price)]

    login(client, office_member)
    listing = client.get("/portal/leads").get_data(as_text=True)
    assert listing.count('data-testid="lead-row"') == 1 and "Olena" in listing
    detail = client.get(f"/portal/leads/{lead.id}").get_data(as_text=True)
    assert "+380 44 000 00 00" in detail and "Invoice, please" in detail and "OP-2" in detail
    db_session.refresh(lead)
    # Opening a lead is no stage of the deal: it stays new, seen.
    assert lead.status == LeadStatus.NEW and lead.seen_at is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phone": ""}, "Leave a phone number or an e-mail address"),
        ({"items-0-quantity": 0}, "Ask for at least one item."),
        ({"buyer_name": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Invalid email address."),
    ],
)
def test_order_request_errors(
    client: FlaskClient, db_session: Session, no_store: Supplier, change: dict[str, object], message: str
) -> None:
    data = {"buyer_name": "Olena", "phone": "123", "items-0-offer_id": sku(db_session, "OP-2").id,
            "items-0-quantity": 1, **change}  # fmt: skip
    response = client.post("/shops/office-point/order", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Lead)) is None


def test_sellers_with_a_store_take_no_order_requests(client: FlaskClient, stocked: dict[str, Supplier]) -> None:
    response = client.get("/shops/kitchen-pro/order?offer=1")
    assert (response.status_code, response.headers["Location"]) == (302, "/shops/kitchen-pro")


def test_order_form_refuses_a_post_without_csrf(
    tmp_path, database_url: str, connection, db_session: Session, no_store: Supplier
) -> None:  # type: ignore[no-untyped-def]
    from marketplace import create_app

    app: Flask = create_app(app_config(tmp_path / "csrf", database_url, WTF_CSRF_ENABLED=True))
    app.extensions["traderow.db"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    data = {"buyer_name": "Olena", "phone": "1", "items-0-offer_id": sku(db_session, "OP-2").id, "items-0-quantity": 1}
    assert app.test_client().post("/shops/office-point/order", data=data).status_code == 400
    assert app.test_client().post("/compare/add", data={"product_id": 1}).status_code == 400
    app.extensions["traderow.index"].close()
    assert db_session.scalar(select(Lead)) is None


def test_a_supplier_sees_only_its_own_leads_and_clicks(
    client: FlaskClient,
    db_session: Session,
    no_store: Supplier,
    office_member: User,
    supplier_member: User,
    buyer: User,
) -> None:
    stapler, pan = sku(db_session, "OP-2"), sku(db_session, "PAN-28")
    client.post("/shops/office-point/order", data={"buyer_name": "B", "email": "b@example.com",
                                                    "items-0-offer_id": stapler.id, "items-0-quantity": 1})  # fmt: skip
    lead = db_session.scalar(select(Lead))
    assert lead is not None
    client.get(f"/go/{pan.id}", headers={"User-Agent": BROWSER})
    assert db_session.scalar(select(ClickOut.offer_id)) == pan.id

    assert client.get("/portal/leads").status_code == 302  # anonymous: to the login page
    login(client, supplier_member)  # Kitchen Pro
    assert client.get(f"/portal/leads/{lead.id}").status_code == 404
    assert 'data-testid="lead-row"' not in client.get("/portal/leads").get_data(as_text=True)
    clicks = client.get("/portal/clicks").get_data(as_text=True)
    per_offer = clicks[clicks.index('data-testid="clicks-per-offer"') : clicks.index('data-testid="clicks-per-day"')]
    assert "PAN-28" in per_offer
    client.post("/account/logout")

    login(client, office_member)
    assert "No click-outs yet." in client.get("/portal/clicks").get_data(as_text=True)
    client.post("/account/logout")
    login(client, buyer)
    assert client.get("/portal/leads").status_code == 403
    assert client.get("/portal/clicks").status_code == 403


def test_storefront_settings(client: FlaskClient, db_session: Session, supplier_member: User) -> None:
    login(client, supplier_member)
    assert client.get("/portal/storefront").status_code == 200
    response = client.post("/portal/storefront", data={"utm_source": "traderow", "utm_medium": " cpc "})
    assert response.status_code == 302
    supplier = supplier_member.supplier
    assert supplier is not None
    db_session.refresh(supplier)
    assert (supplier.has_own_store, supplier.utm_source, supplier.utm_medium) == (False, "traderow", "cpc")


def test_portal_and_admin_map_categories(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], office_member: User, admin: User
) -> None:
    notebooks = db_session.scalar(select(SupplierCategory).where(SupplierCategory.name == "Notebooks & Notepads"))
    board_category = db_session.scalar(select(SupplierCategory).where(SupplierCategory.name == "Things we sell"))
    assert notebooks is not None and board_category is not None

    login(client, office_member)
    page = client.get("/portal/categories").get_data(as_text=True)
    assert "Notebooks &amp; Notepads" in page and "Unmapped" in page
    response = client.post("/portal/categories", data={"supplier_category_id": notebooks.id, "category": "932"})
    assert response.status_code == 302
    db_session.refresh(notebooks)
    assert notebooks.mapping_source == MappingSource.MANUAL
    assert sku(db_session, "OP-4").category_id == notebooks.category_id
    # Another supplier's category: not found for this member.
    other = client.post("/portal/categories", data={"supplier_category_id": board_category.id, "category": "932"})
    assert other.status_code == 404
    assert (
        client.post("/portal/categories", data={"supplier_category_id": notebooks.id, "category": "nope"}).status_code
        == 400
    )
    assert client.get("/admin/categories/").status_code == 403
    client.post("/account/logout")

    login(client, admin)
    queue = client.get("/admin/categories/").get_data(as_text=True)
    assert queue.count('data-testid="queue-row"') == 1 and "Things we sell" in queue
    response = client.post("/admin/categories/", data={"supplier_category_id": board_category.id, "category": "638"})
    assert response.status_code == 302
    assert "Every category with offers is mapped." in client.get("/admin/categories/").get_data(as_text=True)
    assert sku(db_session, "BOARD-1").category_id == board_category.category_id


def test_admin_queue_needs_a_login(client: FlaskClient) -> None:
    assert client.get("/admin/categories/").status_code == 302
