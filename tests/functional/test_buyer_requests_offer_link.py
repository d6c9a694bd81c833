"""The quote form's offer link: a choice among the supplier's own offers, checked again by the service."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.models import BuyerRequest, Quote
from marketplace.buyer_requests.publishing import publish_request
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import login


@pytest.fixture
def seller(db_session: Session, stocked: dict[str, Supplier]) -> User:
    return factories.user(db_session, "sales@kitchen-pro.example", role=Role.SUPPLIER, supplier=stocked["kitchen-pro"])


@pytest.fixture
def pans(db_session: Session, stocked: dict[str, Supplier]) -> BuyerRequest:
    buyer = factories.user(db_session, "olena@example.com", role=Role.BUYER)
    return publish_request(db_session, buyer, title="Pans", items=[ItemInput("frying pan", Decimal(2))])


def offer_options(html: str, item_id: int) -> list[tuple[str, str]]:
    select_html = re.search(rf'<select[^>]*name="item-{item_id}-offer_id".*?</select>', html, re.DOTALL)
    assert select_html is not None, "the quote form has no offer select"
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_html.group(0))


def test_the_quote_form_offers_the_suppliers_own_offers_best_matching_first(
    client: FlaskClient, db_session: Session, seller: User, pans: BuyerRequest, stocked: dict[str, Supplier]
) -> None:
    own = db_session.scalars(
        select(Offer).where(Offer.supplier_id == stocked["kitchen-pro"].id, Offer.status == "active")
    ).all()
    rivals = db_session.scalars(select(Offer.id).where(Offer.supplier_id == stocked["office-point"].id)).all()
    db_session.commit()
    login(client, seller)

    options = offer_options(client.get(f"/requests/{pans.id}").get_data(as_text=True), pans.items[0].id)

    assert options[0][0] == ""  # no offer, the default
    assert "frying pan" in options[1][1]  # the best match for "frying pan" first
    assert {int(value) for value, _label in options[1:]} == {o.id for o in own}
    assert not {str(i) for i in rivals} & {value for value, _label in options}
    assert "Offer number" not in client.get(f"/requests/{pans.id}").get_data(as_text=True)


def test_a_quote_links_the_offer_picked(
    client: FlaskClient, db_session: Session, seller: User, pans: BuyerRequest, stocked: dict[str, Supplier]
) -> None:
    item = pans.items[0]
    db_session.commit()
    login(client, seller)
    options = offer_options(client.get(f"/requests/{pans.id}").get_data(as_text=True), item.id)

    response = client.post(
        f"/requests/{pans.id}/items/{item.id}/quote",
        data={
            f"item-{item.id}-price": "1500",
            f"item-{item.id}-currency": "UAH",
            f"item-{item.id}-offer_id": options[1][0],
        },
    )

    assert response.status_code == 302
    assert db_session.scalar(select(Quote.offer_id).where(Quote.item_id == item.id)) == int(options[1][0])


def test_an_offer_of_another_supplier_is_refused_next_to_the_select(
    client: FlaskClient, db_session: Session, seller: User, pans: BuyerRequest, stocked: dict[str, Supplier]
) -> None:
    item = pans.items[0]
    rival_offer = db_session.scalars(select(Offer.id).where(Offer.supplier_id == stocked["office-point"].id)).first()
    db_session.commit()
    login(client, seller)

    response = client.post(
        f"/requests/{pans.id}/items/{item.id}/quote",
        data={f"item-{item.id}-price": "1500", f"item-{item.id}-offer_id": str(rival_offer)},
    )

    assert response.status_code == 200
    assert "that offer is not in your price list" in response.get_data(as_text=True)
    assert db_session.scalar(select(Quote.id).where(Quote.item_id == item.id)) is None
