"""Buyer request pages over HTTP: publishing, quoting through the form, sealed bids, access."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestStatus
from marketplace.buyer_requests.publishing import publish_request
from marketplace.buyer_requests.quotes import submit_quote
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import add_supplier
from marketplace.templating import MONEY_PATTERN
from tests.support import factories
from tests.support.accounts import login

# Not conftest.PASSWORD: tests/ is no package, so "tests.conftest" does not import under .venv/bin/pytest.
BUYER_EMAIL = "olena.buyer@example.com"


@pytest.fixture
def shopper(db_session: Session) -> User:
    return factories.user(db_session, BUYER_EMAIL, role=Role.BUYER, display_name="Olena Kovalenko")


@pytest.fixture
def seller(db_session: Session, supplier: Supplier) -> User:
    return factories.user(db_session, "sales@kitchen-pro.example", role=Role.SUPPLIER, supplier=supplier)


@pytest.fixture
def rival_seller(db_session: Session) -> User:
    rival = add_supplier(db_session, "blade-house", name="Blade House", store_url="https://blade.example/")
    return factories.user(db_session, "sales@blade.example", role=Role.SUPPLIER, supplier=rival)


@pytest.fixture
def open_request(db_session: Session, shopper: User) -> BuyerRequest:
    buyer_request = publish_request(
        db_session,
        shopper,
        title="Knives for a new restaurant",
        items=[ItemInput("Chef's knife 20 cm", Decimal(10)), ItemInput("Cutting board", Decimal(2))],
        region="Lviv",
    )
    # Commit so that a view's rollback cannot undo the test's setup.
    db_session.commit()
    return buyer_request


def money(amount: str, currency: str = "UAH") -> str:
    return format_currency(Decimal(amount), currency, format=MONEY_PATTERN, locale="en")


def count_testid(html: str, name: str) -> int:
    return len(re.findall(rf'data-testid="{name}"', html))


def quote_data(item_id: int, **fields: str) -> dict[str, str]:
    return {f"item-{item_id}-{name}": value for name, value in fields.items()}


# --- publishing ---------------------------------------------------------------------------


def test_buyer_publishes_through_the_form_and_sees_it(client: FlaskClient, db_session: Session, shopper: User) -> None:
    db_session.commit()
    login(client, shopper)

    page = client.get("/requests/new").get_data(as_text=True)
    assert count_testid(page, "publish-form") == 1
    assert count_testid(page, "item-row") == 5

    response = client.post(
        "/requests/new",
        data={
            "title": "Plates for a canteen",
            "region": "Odesa",
            "deadline": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
            "items-0-text": "Dinner plate 27 cm",
            "items-0-quantity": "120",
            "items-0-unit": "pcs",
            "items-0-max_price": "85.50",
            "items-0-currency": "UAH",
            # Row 1 is left blank and must be ignored.
            "items-1-text": "",
            "items-1-quantity": "",
            "items-1-unit": "pcs",
            "items-1-currency": "UAH",
            "items-2-text": "Soup bowl",
            "items-2-quantity": "2.5",
            "items-2-unit": "box",
            "items-2-currency": "EUR",
        },
    )

    assert response.status_code == 302
    stored = db_session.scalars(select(BuyerRequest).where(BuyerRequest.title == "Plates for a canteen")).one()
    assert response.headers["Location"].endswith(f"/requests/{stored.id}")
    assert stored.status == RequestStatus.OPEN
    assert stored.buyer_id == shopper.id
    assert [(i.text, i.quantity, i.unit, i.currency) for i in stored.items] == [
        ("Dinner plate 27 cm", Decimal(120), "pcs", "UAH"),
        ("Soup bowl", Decimal("2.5"), "box", "EUR"),
    ]

    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your request is published" in detail
    assert "Dinner plate 27 cm" in detail and "120 pcs" in detail and "2.5 box" in detail
    assert money("85.50") in detail
    assert "Plates for a canteen" in client.get("/requests/").get_data(as_text=True)


def count_requests(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(BuyerRequest)) or 0


def test_publish_without_items_shows_a_form_error(client: FlaskClient, db_session: Session, shopper: User) -> None:
    db_session.commit()
    login(client, shopper)

    response = client.post("/requests/new", data={"title": "Nothing yet"})

    assert response.status_code == 200
    assert "List at least one item." in response.get_data(as_text=True)
    assert count_requests(db_session) == 0


def test_publish_shows_the_services_errors_next_to_the_input(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    db_session.commit()
    login(client, shopper)

    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    past = client.post(
        "/requests/new",
        data={"title": "Late", "deadline": yesterday, "items-0-text": "Knife", "items-0-quantity": "1"},
    ).get_data(as_text=True)
    zero = client.post(
        "/requests/new",
        data={
            "title": "Zero",
            "items-0-text": "Knife",
            "items-0-quantity": "1",
            "items-1-text": "Fork",
            "items-1-quantity": "0",
        },
    ).get_data(as_text=True)
    no_quantity = client.post("/requests/new", data={"title": "Vague", "items-0-text": "Knife"}).get_data(as_text=True)

    assert re.search(r'name="deadline".*?the deadline is in the past', past, re.DOTALL)
    # The message sits in row 1, the row at fault, before row 2 begins.
    assert re.search(r'name="items-1-quantity"[^>]*>\s*<p class="error">the quantity must be more than zero', zero)
    assert "Enter a quantity." in no_quantity
    assert count_requests(db_session) == 0


def test_a_supplier_gets_403_on_the_publish_page(client: FlaskClient, db_session: Session, seller: User) -> None:
    db_session.commit()
    login(client, seller)

    assert client.get("/requests/new").status_code == 403
    assert (
        client.post("/requests/new", data={"title": "X", "items-0-text": "Y", "items-0-quantity": "1"}).status_code
        == 403
    )
    assert count_requests(db_session) == 0


def test_an_anonymous_visitor_is_sent_to_log_in_before_publishing(client: FlaskClient) -> None:
    response = client.get("/requests/new")

    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert "next=" in response.headers["Location"]


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_publish_without_a_csrf_token_is_refused(client: FlaskClient, db_session: Session, shopper: User) -> None:
    db_session.commit()
    with client.session_transaction() as flask_session:
        # Log in through the session: the login form itself would want a token too.
        flask_session["_user_id"] = shopper.get_id()
        flask_session["_fresh"] = True
    form = {"title": "Forged", "items-0-text": "Knife", "items-0-quantity": "1"}

    refused = client.post("/requests/new", data=form)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/requests/new").get_data(as_text=True)
    )
    assert token is not None
    accepted = client.post("/requests/new", data={**form, "csrf_token": token.group(1)})

    assert refused.status_code == 400
    assert accepted.status_code == 302
    assert db_session.scalars(select(BuyerRequest.title)).all() == ["Forged"]


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_quote_without_its_csrf_token_is_refused(
    client: FlaskClient, db_session: Session, open_request: BuyerRequest, seller: User
) -> None:
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = seller.get_id()
        flask_session["_fresh"] = True
    knife = open_request.items[0]
    url = f"/requests/{open_request.id}/items/{knife.id}/quote"
    data = quote_data(knife.id, price="10", currency="UAH")

    refused = client.post(url, data=data)
    page = client.get(f"/requests/{open_request.id}").get_data(as_text=True)
    # Each quote form carries its own prefixed token.
    token = re.search(rf'name="item-{knife.id}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    accepted = client.post(url, data={**data, f"item-{knife.id}-csrf_token": token.group(1)})

    assert refused.status_code == 400
    assert accepted.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Quote)) == 1


# --- the list -----------------------------------------------------------------------------


def test_anonymous_visitors_see_open_requests_without_the_buyers_contacts(
    client: FlaskClient, open_request: BuyerRequest
) -> None:
    listing = client.get("/requests/")
    detail = client.get(f"/requests/{open_request.id}")

    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert count_testid(html, "request-row") == 1
    assert "Knives for a new restaurant" in html and "Lviv" in html
    assert detail.status_code == 200
    for page in (html, detail.get_data(as_text=True)):
        assert BUYER_EMAIL not in page
        assert "Olena Kovalenko" not in page
    assert "Chef&#39;s knife 20 cm" in detail.get_data(as_text=True)
    assert count_testid(detail.get_data(as_text=True), "quote-form") == 0


def test_closed_requests_leave_the_list(client: FlaskClient, db_session: Session, open_request: BuyerRequest) -> None:
    open_request.status = RequestStatus.CLOSED
    db_session.commit()

    html = client.get("/requests/").get_data(as_text=True)

    assert "Knives for a new restaurant" not in html
    assert "No open requests right now." in html


def test_an_unknown_request_is_404(client: FlaskClient, open_request: BuyerRequest, seller: User) -> None:
    assert client.get("/requests/987654").status_code == 404
    login(client, seller)
    other_item = open_request.items[0].id + 1000
    assert (
        client.post(f"/requests/{open_request.id}/items/{other_item}/quote", data={"item-1-price": "1"}).status_code
        == 404
    )


# --- quoting ------------------------------------------------------------------------------


def test_a_supplier_sees_the_request_and_quotes_through_the_form(
    client: FlaskClient, db_session: Session, open_request: BuyerRequest, seller: User, supplier: Supplier
) -> None:
    db_session.commit()
    login(client, seller)
    knife = open_request.items[0]

    listing = client.get("/requests/").get_data(as_text=True)
    assert "Knives for a new restaurant" in listing
    page = client.get(f"/requests/{open_request.id}").get_data(as_text=True)
    assert count_testid(page, "quote-form") == 2

    response = client.post(
        f"/requests/{open_request.id}/items/{knife.id}/quote",
        data=quote_data(
            knife.id,
            price="420.00",
            currency="UAH",
            delivery_cost="150",
            availability="In stock",
            valid_until="",
            note="Forged steel",
            offer_id="",
        ),
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{open_request.id}#item-{knife.id}")
    quote = db_session.scalars(select(Quote).where(Quote.item_id == knife.id)).one()
    assert (quote.supplier_id, quote.price, quote.delivery_cost, quote.availability, quote.note) == (
        supplier.id,
        Decimal("420.00"),
        Decimal(150),
        "In stock",
        "Forged steel",
    )
    after = client.get(f"/requests/{open_request.id}").get_data(as_text=True)
    assert "Your quote is saved" in after
    # 420 × 10 + 150 delivery.
    assert money("4350") in after
    assert 'value="420.00"' in after  # the form is pre-filled with the earlier quote
    assert "Update my quote" in after

    client.post(
        f"/requests/{open_request.id}/items/{knife.id}/quote",
        data=quote_data(knife.id, price="400", currency="UAH"),
    )
    assert db_session.scalar(select(func.count()).select_from(Quote).where(Quote.item_id == knife.id)) == 1


def test_an_invalid_quote_shows_the_error_on_its_field(
    client: FlaskClient, db_session: Session, open_request: BuyerRequest, seller: User
) -> None:
    db_session.commit()
    login(client, seller)
    knife = open_request.items[0]

    response = client.post(
        f"/requests/{open_request.id}/items/{knife.id}/quote",
        data=quote_data(knife.id, price="0", currency="UAH"),
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(rf'name="item-{knife.id}-price"[^>]*>\s*<p class="error">the price must be more than zero', html)
    assert db_session.scalar(select(func.count()).select_from(Quote)) == 0


def test_a_quote_on_a_closed_request_is_refused(
    client: FlaskClient, db_session: Session, open_request: BuyerRequest, seller: User
) -> None:
    open_request.status = RequestStatus.CLOSED
    db_session.commit()
    login(client, seller)
    knife = open_request.items[0]

    page = client.get(f"/requests/{open_request.id}").get_data(as_text=True)
    response = client.post(
        f"/requests/{open_request.id}/items/{knife.id}/quote",
        data=quote_data(knife.id, price="10", currency="UAH"),
        follow_redirects=True,
    )

    assert count_testid(page, "quote-form") == 0
    assert "no longer takes quotes" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Quote)) == 0


def test_only_supplier_members_may_quote(
    client: FlaskClient, db_session: Session, open_request: BuyerRequest, shopper: User
) -> None:
    knife = open_request.items[0]
    url = f"/requests/{open_request.id}/items/{knife.id}/quote"
    data = quote_data(knife.id, price="10", currency="UAH")

    anonymous = client.post(url, data=data)
    login(client, shopper)
    as_buyer = client.post(url, data=data)

    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert as_buyer.status_code == 403
    assert db_session.scalar(select(func.count()).select_from(Quote)) == 0


def test_the_buyer_sees_every_quote_with_its_total(
    client: FlaskClient,
    db_session: Session,
    open_request: BuyerRequest,
    shopper: User,
    supplier: Supplier,
    rival_seller: User,
) -> None:
    knife = open_request.items[0]
    offer = factories.offer(db_session, supplier, "K-20", title="Chef's knife", price=430)
    submit_quote(
        db_session,
        supplier,
        knife,
        price=Decimal(420),
        currency="UAH",
        delivery_cost=Decimal(150),
        availability="In stock",
        note="Forged steel",
        offer_id=offer.id,
    )
    assert rival_seller.supplier is not None
    submit_quote(db_session, rival_seller.supplier, knife, price=Decimal(400), currency="UAH", availability="3 days")
    db_session.commit()
    login(client, shopper)

    html = client.get(f"/requests/{open_request.id}").get_data(as_text=True)

    assert count_testid(html, "quote-row") == 2
    rows = re.findall(r'<tr data-testid="quote-row".*?</tr>', html, re.DOTALL)
    # Cheapest total first: 400 × 10 = 4000 before 420 × 10 + 150 = 4350.
    assert "Blade House" in rows[0] and money("4000") in rows[0] and "3 days" in rows[0]
    assert "Kitchen Pro" in rows[1] and money("4350") in rows[1] and money("150") in rows[1]
    assert "Forged steel" in rows[1] and "In stock" in rows[1]
    assert f'href="/go/{offer.id}"' in rows[1]
    assert count_testid(html, "quote-form") == 0
    assert "No quotes yet." in html  # the cutting board


def test_a_supplier_never_sees_another_suppliers_quote(
    client: FlaskClient,
    db_session: Session,
    open_request: BuyerRequest,
    supplier: Supplier,
    rival_seller: User,
) -> None:
    knife = open_request.items[0]
    submit_quote(db_session, supplier, knife, price=Decimal("777.77"), currency="UAH", note="SECRET-TERMS-42")
    db_session.commit()
    login(client, rival_seller)

    html = client.get(f"/requests/{open_request.id}").get_data(as_text=True)

    assert count_testid(html, "quote-form") == 2
    assert "777.77" not in html
    assert "SECRET-TERMS-42" not in html
    assert "Kitchen Pro" not in html
    assert count_testid(html, "quote-row") == 0 and count_testid(html, "own-quote") == 0
