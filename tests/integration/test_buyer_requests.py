"""Buyer request services against a real database: publishing, listing, sealed quotes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.access import accepts_quotes, may_view
from marketplace.buyer_requests.errors import PermissionDenied, RequestError, RequestNotFound
from marketplace.buyer_requests.inputs import MAX_ITEMS
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestStatus
from marketplace.buyer_requests.queries import get_item, get_request, open_requests
from marketplace.buyer_requests.quotes import quotes_for_buyer, quotes_of_supplier, submit_quote
from marketplace.catalog.models import OfferStatus
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import add_supplier
from tests.support import factories

NOW = dt.datetime(2030, 5, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def rival(db_session: Session) -> Supplier:
    return add_supplier(db_session, "blade-house", name="Blade House", store_url="https://blade.example/")


# --- publishing ---------------------------------------------------------------------------


def test_publish_opens_the_request_with_its_items_in_order(db_session: Session, buyer: User) -> None:
    buyer_request = factories.buyer_request(
        db_session,
        buyer,
        title="  Knives  ",
        items=[
            factories.item("Chef's knife", "10"),
            factories.item("Paring knife", "2.5", unit="kg", max_price=Decimal(300)),
        ],
        region="Kyiv",
        deadline=TODAY,
        now=NOW,
    )

    db_session.expire_all()
    loaded = get_request(db_session, buyer_request.id)
    assert loaded.status == RequestStatus.OPEN
    assert loaded.title == "Knives"
    assert loaded.region == "Kyiv"
    assert loaded.buyer_id == buyer.id
    assert loaded.published_at is not None
    assert [(i.position, i.text, i.quantity, i.unit) for i in loaded.items] == [
        (0, "Chef's knife", Decimal(10), "pcs"),
        (1, "Paring knife", Decimal("2.5"), "kg"),
    ]
    assert loaded.items[1].max_price == Decimal(300)
    assert loaded.items[1].currency == "UAH"


def test_an_operator_may_publish(db_session: Session) -> None:
    admin = factories.user(db_session, "ops@example.com", role=Role.ADMIN)

    assert factories.buyer_request(db_session, admin).status == RequestStatus.OPEN


def test_a_price_ceiling_of_zero_is_allowed(db_session: Session, buyer: User) -> None:
    buyer_request = factories.buyer_request(db_session, buyer, items=[factories.item(max_price=Decimal(0))])

    assert buyer_request.items[0].max_price == Decimal(0)


def test_a_supplier_member_may_not_publish(db_session: Session, supplier_member: User) -> None:
    with pytest.raises(PermissionDenied):
        factories.buyer_request(db_session, supplier_member)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "   "}, "title"),
        ({"items": []}, "items"),
        ({"items": [factories.item(str(n), "1") for n in range(MAX_ITEMS + 1)]}, "items"),
        ({"items": [factories.item(quantity="0")]}, "quantity"),
        ({"items": [factories.item(quantity="-3")]}, "quantity"),
        ({"items": [factories.item(max_price=Decimal("-0.01"))]}, "max_price"),
        ({"items": [factories.item(text="  ")]}, "text"),
        ({"deadline": TODAY - dt.timedelta(days=1)}, "deadline"),
    ],
    ids=[
        "blank-title",
        "no-items",
        "too-many-items",
        "zero-quantity",
        "negative-quantity",
        "negative-ceiling",
        "blank-item",
        "past-deadline",
    ],
)
def test_publish_rejects(db_session: Session, buyer: User, kwargs: dict[str, object], field: str) -> None:
    before = db_session.scalar(select(func.count()).select_from(BuyerRequest))

    with pytest.raises(RequestError) as caught:
        factories.buyer_request(db_session, buyer, now=NOW, **kwargs)

    assert caught.value.field == field
    assert str(caught.value)
    assert db_session.scalar(select(func.count()).select_from(BuyerRequest)) == before


def test_publish_names_the_item_at_fault(db_session: Session, buyer: User) -> None:
    with pytest.raises(RequestError) as caught:
        factories.buyer_request(db_session, buyer, items=[factories.item(), factories.item(quantity="0")])

    assert (caught.value.field, caught.value.item) == ("quantity", 1)


def test_publish_accepts_exactly_the_maximum_of_items(db_session: Session, buyer: User) -> None:
    buyer_request = factories.buyer_request(
        db_session, buyer, items=[factories.item(str(n), "1") for n in range(MAX_ITEMS)]
    )

    assert len(buyer_request.items) == MAX_ITEMS


# --- reading ------------------------------------------------------------------------------


def test_open_requests_lists_only_those_taking_quotes_newest_first(db_session: Session, buyer: User) -> None:
    factories.buyer_request(db_session, buyer, title="Older", now=NOW - dt.timedelta(hours=2))
    factories.buyer_request(db_session, buyer, title="Due today", deadline=TODAY, now=NOW - dt.timedelta(hours=1))
    factories.buyer_request(db_session, buyer, title="Due tomorrow", deadline=TODAY + dt.timedelta(days=1), now=NOW)
    closed = factories.buyer_request(db_session, buyer, title="Closed", now=NOW)
    closed.status = RequestStatus.CLOSED
    expired = factories.buyer_request(db_session, buyer, title="Expired", now=NOW)
    expired.status = RequestStatus.EXPIRED
    db_session.flush()

    def titles(now: dt.datetime) -> list[str]:
        return [r.title for r in open_requests(db_session, now=now)]

    assert titles(NOW) == ["Due tomorrow", "Due today", "Older"]
    # The worker may not have marked them expired yet: the deadline alone hides them.
    assert titles(NOW + dt.timedelta(days=1)) == ["Due tomorrow", "Older"]
    assert titles(NOW + dt.timedelta(days=2)) == ["Older"]


def test_open_requests_loads_the_items(db_session: Session, buyer: User) -> None:
    factories.buyer_request(db_session, buyer, items=[factories.item("Knife"), factories.item("Board")], now=NOW)
    db_session.expire_all()

    (listed,) = open_requests(db_session, now=NOW)

    assert "items" in listed.__dict__  # eager-loaded: the list page costs no query per request
    assert [i.text for i in listed.items] == ["Knife", "Board"]


def test_a_draft_is_visible_to_its_buyer_only(db_session: Session, buyer: User, supplier_member: User) -> None:
    buyer_request = factories.buyer_request(db_session, buyer)
    assert may_view(buyer_request, None) and may_view(buyer_request, supplier_member)

    buyer_request.status = RequestStatus.DRAFT

    assert may_view(buyer_request, buyer)
    assert not may_view(buyer_request, None)
    assert not may_view(buyer_request, supplier_member)


def test_get_request_raises_for_an_unknown_id(db_session: Session) -> None:
    with pytest.raises(RequestNotFound):
        get_request(db_session, 987654)


def test_get_item_refuses_an_item_of_another_request(db_session: Session, buyer: User) -> None:
    first = factories.buyer_request(db_session, buyer)
    second = factories.buyer_request(db_session, buyer)

    assert get_item(db_session, first.id, first.items[0].id) is first.items[0]
    with pytest.raises(RequestNotFound):
        get_item(db_session, first.id, second.items[0].id)


# --- quotes -------------------------------------------------------------------------------


def test_a_second_quote_updates_the_first(db_session: Session, buyer: User, supplier: Supplier) -> None:
    target = factories.buyer_request(db_session, buyer).items[0]
    first = submit_quote(db_session, supplier, target, price=Decimal(450), currency="UAH", note="Boxed")

    second = submit_quote(
        db_session, supplier, target, price=Decimal("420.50"), currency="uah", delivery_cost=Decimal(80)
    )

    assert second.id == first.id
    count = db_session.scalar(select(func.count()).select_from(Quote).where(Quote.item_id == target.id))
    assert count == 1
    db_session.expire_all()
    stored = db_session.get(Quote, first.id)
    assert stored is not None
    assert (stored.price, stored.currency, stored.delivery_cost, stored.note) == (
        Decimal("420.50"),
        "UAH",
        Decimal(80),
        None,
    )


@pytest.mark.parametrize("price", ["0", "-1", "0.001"])
def test_a_price_that_is_not_positive_is_rejected(
    db_session: Session, buyer: User, supplier: Supplier, price: str
) -> None:
    target = factories.buyer_request(db_session, buyer).items[0]

    with pytest.raises(RequestError) as caught:
        submit_quote(db_session, supplier, target, price=Decimal(price), currency="UAH")

    assert caught.value.field == "price"
    assert quotes_of_supplier(db_session, target.request, supplier) == {}


def test_a_negative_delivery_cost_is_rejected(db_session: Session, buyer: User, supplier: Supplier) -> None:
    target = factories.buyer_request(db_session, buyer).items[0]

    with pytest.raises(RequestError) as caught:
        submit_quote(db_session, supplier, target, price=Decimal(1), currency="UAH", delivery_cost=Decimal(-5))

    assert caught.value.field == "delivery_cost"


@pytest.mark.parametrize(
    "status", [RequestStatus.CLOSED, RequestStatus.EXPIRED, RequestStatus.AWARDED, RequestStatus.DRAFT]
)
def test_only_an_open_request_takes_quotes(
    db_session: Session, buyer: User, supplier: Supplier, status: RequestStatus
) -> None:
    buyer_request = factories.buyer_request(db_session, buyer)
    buyer_request.status = status
    db_session.flush()

    with pytest.raises(RequestError, match="no longer takes quotes"):
        submit_quote(db_session, supplier, buyer_request.items[0], price=Decimal(100), currency="UAH")
    assert quotes_of_supplier(db_session, buyer_request, supplier) == {}


def test_an_open_request_past_its_deadline_takes_no_quotes(
    db_session: Session, buyer: User, supplier: Supplier
) -> None:
    buyer_request = factories.buyer_request(db_session, buyer, deadline=TODAY, now=NOW)
    target = buyer_request.items[0]

    # Until the end of the deadline's day the request still takes quotes.
    assert accepts_quotes(buyer_request, now=NOW.replace(hour=23, minute=59))
    submit_quote(db_session, supplier, target, price=Decimal(100), currency="UAH", now=NOW)
    with pytest.raises(RequestError, match="no longer takes quotes"):
        submit_quote(db_session, supplier, target, price=Decimal(90), currency="UAH", now=NOW + dt.timedelta(days=1))


def test_a_quote_may_link_the_suppliers_own_offer_only(
    db_session: Session, buyer: User, supplier: Supplier, rival: Supplier
) -> None:
    target = factories.buyer_request(db_session, buyer).items[0]
    own_offer = factories.offer(db_session, supplier, "K-20")
    rivals_offer = factories.offer(db_session, rival, "B-1")
    withdrawn = factories.offer(db_session, supplier, "K-OLD", status=OfferStatus.WITHDRAWN)

    for offer_id in (rivals_offer.id, withdrawn.id, 99999999):
        with pytest.raises(PermissionDenied) as caught:
            submit_quote(db_session, supplier, target, price=Decimal(100), currency="UAH", offer_id=offer_id)
        assert caught.value.field == "offer_id"
    assert quotes_of_supplier(db_session, target.request, supplier) == {}

    quote = submit_quote(db_session, supplier, target, price=Decimal(100), currency="UAH", offer_id=own_offer.id)
    assert quote.offer_id == own_offer.id


def test_bids_are_sealed(db_session: Session, buyer: User, supplier: Supplier, rival: Supplier) -> None:
    buyer_request = factories.buyer_request(db_session, buyer, items=[factories.item("Knife"), factories.item("Board")])
    knife, board = buyer_request.items
    mine = submit_quote(db_session, supplier, knife, price=Decimal(400), currency="UAH")
    submit_quote(db_session, rival, knife, price=Decimal(390), currency="UAH")
    rivals_board = submit_quote(db_session, rival, board, price=Decimal(120), currency="UAH")

    assert quotes_of_supplier(db_session, buyer_request, supplier) == {knife.id: mine}
    rivals = quotes_of_supplier(db_session, buyer_request, rival)
    assert set(rivals) == {knife.id, board.id}
    assert rivals[board.id] is rivals_board
    assert all(q.supplier_id == rival.id for q in rivals.values())


def test_the_buyer_sees_every_quote_cheapest_total_first(
    db_session: Session, buyer: User, supplier: Supplier, rival: Supplier
) -> None:
    third = add_supplier(db_session, "steel-co", name="Steel Co", store_url="https://steel.example/")
    buyer_request = factories.buyer_request(
        db_session, buyer, items=[factories.item("Knife", "10"), factories.item("Board", "1")]
    )
    knife, board = buyer_request.items
    # Cheapest per unit but the dearest delivery: 90*10 + 300 = 1200.
    cheap_unit = submit_quote(
        db_session, supplier, knife, price=Decimal(90), currency="UAH", delivery_cost=Decimal(300)
    )
    # 100*10 + 0 = 1000: the best total.
    best = submit_quote(db_session, rival, knife, price=Decimal(100), currency="UAH")
    # 95*10 + 100 = 1050.
    middle = submit_quote(db_session, third, knife, price=Decimal(95), currency="UAH", delivery_cost=Decimal(100))

    quotes = quotes_for_buyer(db_session, buyer_request, buyer)

    assert quotes[knife.id] == [best, middle, cheap_unit]
    assert [q.total for q in quotes[knife.id]] == [Decimal(1000), Decimal(1050), Decimal(1200)]
    assert quotes[board.id] == []


def test_quote_totals_in_other_currencies_compare_in_the_base_one(
    db_session: Session, buyer: User, supplier: Supplier, rival: Supplier
) -> None:
    buyer_request = factories.buyer_request(db_session, buyer, items=[factories.item("Knife", "1")])
    knife = buyer_request.items[0]
    in_usd = submit_quote(db_session, supplier, knife, price=Decimal(10), currency="USD")  # 415 UAH
    in_uah = submit_quote(db_session, rival, knife, price=Decimal(400), currency="UAH")

    rates = {"UAH": Decimal(1), "USD": Decimal("41.50")}
    assert quotes_for_buyer(db_session, buyer_request, buyer, rates=rates)[knife.id] == [in_uah, in_usd]


def test_only_the_buyer_and_operators_see_the_quotes(
    db_session: Session, buyer: User, supplier: Supplier, supplier_member: User
) -> None:
    buyer_request = factories.buyer_request(db_session, buyer)
    quote = submit_quote(db_session, supplier, buyer_request.items[0], price=Decimal(100), currency="UAH")
    other_buyer = factories.user(db_session, "other@example.com", role=Role.BUYER)
    admin = factories.user(db_session, "ops@example.com", role=Role.ADMIN)

    for viewer in (other_buyer, supplier_member):
        with pytest.raises(PermissionDenied):
            quotes_for_buyer(db_session, buyer_request, viewer)
    assert quotes_for_buyer(db_session, buyer_request, admin)[buyer_request.items[0].id] == [quote]
