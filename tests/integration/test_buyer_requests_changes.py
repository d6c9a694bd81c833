"""Changing a request after suppliers quoted on it, and the rules that keep an accepted quote whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.awarding import accept_quote
from marketplace.buyer_requests.errors import RequestError
from marketplace.buyer_requests.history import plain_value as _plain
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestEvent, RequestItem, Visibility
from marketplace.buyer_requests.publishing import publish_request, update_request
from marketplace.buyer_requests.queries import request_categories
from marketplace.buyer_requests.quotes import submit_quote
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.suppliers.models import Supplier
from tests.support import factories

NOW = dt.datetime(2030, 5, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def rival(db_session: Session) -> Supplier:
    return factories.supplier(db_session, "pan-world")


@pytest.fixture
def members(db_session: Session, supplier: Supplier, rival: Supplier) -> dict[str, User]:
    return {
        s.slug: factories.user(db_session, f"sales@{s.slug}.example", role=Role.SUPPLIER, supplier=s)
        for s in (supplier, rival)
    }


@pytest.fixture
def kitchen(db_session: Session, buyer: User, supplier: Supplier, rival: Supplier, members: dict[str, User]):  # type: ignore[no-untyped-def]
    """A request for 2 frying pans and 1 knife; both suppliers quoted on the pans, one on the knife."""
    buyer_request = publish_request(
        db_session,
        buyer,
        title="Café kitchen",
        items=[ItemInput("frying pan", Decimal(2)), ItemInput("knife", Decimal(1))],
        now=NOW,
    )
    pan, knife = buyer_request.items
    quotes = {
        "pan": submit_quote(db_session, supplier, pan, price=Decimal(1000), currency="UAH", now=NOW),
        "rival_pan": submit_quote(db_session, rival, pan, price=Decimal(1100), currency="UAH", now=NOW),
        "knife": submit_quote(db_session, supplier, knife, price=Decimal(300), currency="UAH", now=NOW),
    }
    quotes["pan"].delivery_cost = Decimal(50)
    db_session.flush()
    return buyer_request, quotes


def edit(session: Session, buyer_request: BuyerRequest, buyer: User, *items: ItemInput) -> dict[str, object]:
    return update_request(session, buyer_request, buyer, title=buyer_request.title, items=list(items), now=NOW)


def kinds(session: Session, user: User) -> list[str]:
    query = select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
    return list(session.scalars(query))


def last_edit(session: Session, buyer_request: BuyerRequest) -> RequestEvent:
    query = select(RequestEvent).where(RequestEvent.request_id == buyer_request.id, RequestEvent.kind == "edited")
    return session.scalars(query.order_by(RequestEvent.id.desc())).first()  # type: ignore[return-value]


# --- an accepted quote holds its item -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantity", "unit", "field"),
    [
        ("completely different thing", Decimal(200), "pcs", "text"),
        ("frying pan", Decimal(200), "pcs", "quantity"),
        ("frying pan", Decimal(2), "boxes", "unit"),
    ],
)
def test_an_item_with_an_accepted_quote_keeps_its_text_quantity_and_unit(
    db_session: Session,
    buyer: User,
    kitchen,
    text: str,
    quantity: Decimal,
    unit: str,
    field: str,  # type: ignore[no-untyped-def]
) -> None:
    buyer_request, quotes = kitchen
    pan, knife = buyer_request.items
    accept_quote(db_session, quotes["pan"], buyer, now=NOW)
    db_session.commit()

    with pytest.raises(RequestError, match="accepted a quote on this item") as caught:
        edit(
            db_session,
            buyer_request,
            buyer,
            ItemInput(text, quantity, unit, id=pan.id),
            ItemInput("knife", Decimal(1), id=knife.id),
        )

    assert (caught.value.field, caught.value.item) == (field, 0)
    db_session.rollback()
    row = db_session.execute(
        select(RequestItem.text, RequestItem.quantity, RequestItem.unit).where(RequestItem.id == pan.id)
    ).one()
    assert tuple(row) == ("frying pan", Decimal(2), "pcs")
    db_session.refresh(quotes["pan"])
    assert quotes["pan"].total == Decimal(2050)


def test_an_item_with_an_accepted_quote_may_still_get_a_new_price_ceiling(
    db_session: Session,
    buyer: User,
    kitchen,  # type: ignore[no-untyped-def]
) -> None:
    buyer_request, quotes = kitchen
    pan, knife = buyer_request.items
    accept_quote(db_session, quotes["pan"], buyer, now=NOW)

    changes = edit(
        db_session,
        buyer_request,
        buyer,
        ItemInput("frying pan", Decimal(2), max_price=Decimal(1200), id=pan.id),
        ItemInput("knife", Decimal(1), id=knife.id),
    )

    assert changes["items"][0]["max_price"] == [None, "1200"]  # type: ignore[index]


def test_an_item_with_an_accepted_quote_cannot_be_removed(db_session: Session, buyer: User, kitchen) -> None:  # type: ignore[no-untyped-def]
    buyer_request, quotes = kitchen
    _pan, knife = buyer_request.items
    accept_quote(db_session, quotes["pan"], buyer, now=NOW)

    with pytest.raises(RequestError, match="accepted quote cannot be removed"):
        edit(db_session, buyer_request, buyer, ItemInput("knife", Decimal(1), id=knife.id))


# --- quoted items change: the suppliers hear of it ----------------------------------------


def test_changing_a_quoted_item_tells_the_quoting_suppliers_and_the_history(
    db_session: Session,
    buyer: User,
    kitchen,
    members: dict[str, User],  # type: ignore[no-untyped-def]
) -> None:
    buyer_request, _quotes = kitchen
    pan, knife = buyer_request.items

    changes = edit(
        db_session,
        buyer_request,
        buyer,
        ItemInput("frying pan, 28 cm", Decimal(3), id=pan.id),
        ItemInput("knife", Decimal(1), id=knife.id),
    )

    change = changes["items"][0]  # type: ignore[index]
    assert change == {
        "id": pan.id,
        "text": ["frying pan", "frying pan, 28 cm"],
        "quantity": ["2", "3"],
        "quoted_by": ["Kitchen Pro", "Pan World"],
    }
    assert last_edit(db_session, buyer_request).detail["changes"]["items"] == [change]
    assert kinds(db_session, members["kitchen-pro"]) == ["quote.item_changed"]
    assert kinds(db_session, members["pan-world"]) == ["quote.item_changed"]
    mails = db_session.scalars(select(OutboxMail).where(OutboxMail.recipient.like("sales@%"))).all()
    assert sorted(m.recipient for m in mails) == ["sales@kitchen-pro.example", "sales@pan-world.example"]
    assert all("“frying pan”" in m.body and "Café kitchen" in m.body for m in mails)
    # The quotes stay, and are now for 3.
    assert {q.total for q in pan.quotes} == {Decimal(3050), Decimal(3300)}


def test_changing_an_unquoted_item_bothers_no_supplier(
    db_session: Session, buyer: User, supplier: Supplier, members: dict[str, User]
) -> None:
    buyer_request = publish_request(db_session, buyer, title="Pans", items=[ItemInput("pan", Decimal(1))], now=NOW)

    edit(db_session, buyer_request, buyer, ItemInput("pan", Decimal(5), id=buyer_request.items[0].id))

    assert kinds(db_session, members["kitchen-pro"]) == []
    assert "quoted_by" not in last_edit(db_session, buyer_request).detail["changes"]["items"][0]


def test_removing_a_quoted_item_tells_its_suppliers_and_records_the_quotes(
    db_session: Session,
    buyer: User,
    kitchen,
    members: dict[str, User],  # type: ignore[no-untyped-def]
) -> None:
    buyer_request, quotes = kitchen
    _pan, knife = buyer_request.items
    pan_quote_ids = sorted((quotes["pan"].id, quotes["rival_pan"].id))

    edit(db_session, buyer_request, buyer, ItemInput("knife", Decimal(1), id=knife.id))

    removal = last_edit(db_session, buyer_request).detail["changes"]["items"][0]
    assert removal["removed"] == "frying pan"
    assert [(q["id"], q["supplier"], q["price"], q["currency"]) for q in removal["quotes"]] == [
        (pan_quote_ids[0], "Kitchen Pro", "1000.00", "UAH"),
        (pan_quote_ids[1], "Pan World", "1100.00", "UAH"),
    ]
    assert kinds(db_session, members["kitchen-pro"]) == ["quote.item_removed"]
    assert kinds(db_session, members["pan-world"]) == ["quote.item_removed"]
    assert db_session.scalars(select(Quote.id).where(Quote.id.in_(pan_quote_ids))).all() == []


def test_a_refused_edit_notifies_nobody(db_session: Session, buyer: User, kitchen, members: dict[str, User]) -> None:  # type: ignore[no-untyped-def]
    buyer_request, quotes = kitchen
    pan, _knife = buyer_request.items
    accept_quote(db_session, quotes["knife"], buyer, now=NOW)
    before = kinds(db_session, members["pan-world"])

    # The pan's change would notify; the knife's removal is refused: nothing of the edit happens.
    with pytest.raises(RequestError):
        edit(db_session, buyer_request, buyer, ItemInput("frying pan", Decimal(9), id=pan.id))

    assert kinds(db_session, members["pan-world"]) == before


# --- the history's numbers ----------------------------------------------------------------


def test_the_history_writes_whole_quantities_plainly(db_session: Session, buyer: User) -> None:
    buyer_request = publish_request(db_session, buyer, title="Pans", items=[ItemInput("pan", Decimal(2))], now=NOW)

    changes = edit(db_session, buyer_request, buyer, ItemInput("pan", Decimal(200), id=buyer_request.items[0].id))

    assert changes["items"] == [{"id": buyer_request.items[0].id, "quantity": ["2", "200"]}]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("200.000"), "200"), (Decimal("1E+3"), "1000"), (Decimal("2.500"), "2.5"), (Decimal("100.00"), "100")],
)
def test_plain_never_uses_an_exponent(value: Decimal, shown: str) -> None:
    assert _plain(value) == shown


# --- one accepted quote per item ----------------------------------------------------------


def test_a_quote_accepted_meanwhile_blocks_a_second_one_on_the_item(
    db_session: Session,
    buyer: User,
    kitchen,  # type: ignore[no-untyped-def]
) -> None:
    buyer_request, quotes = kitchen
    pan = buyer_request.items[0]
    assert not any(q.accepted for q in pan.quotes)  # loaded now, stale after the next statement
    # Another transaction accepts the rival's quote: this session's objects do not know.
    db_session.execute(
        update(Quote).where(Quote.id == quotes["rival_pan"].id).values(accepted=True),
        execution_options={"synchronize_session": False},
    )

    with pytest.raises(RequestError, match="already accepted a quote on this item"):
        accept_quote(db_session, quotes["pan"], buyer, now=NOW)


# --- the list's category filter -----------------------------------------------------------


def test_the_category_filter_offers_what_the_viewer_sees(
    db_session: Session, buyer: User, supplier: Supplier, members: dict[str, User]
) -> None:
    knives, staplers = factories.category_id(db_session, 665), factories.category_id(db_session, 947)
    factories.offer(db_session, supplier, "K1", title="Chef's knife", price=900, category_id=knives)
    publish_request(
        db_session, buyer, title="Knives", items=[ItemInput("knife", Decimal(1), category_id=knives)],
        visibility=Visibility.MATCHED,
    )  # fmt: skip
    publish_request(db_session, buyer, title="Staplers", items=[ItemInput("stapler", Decimal(1), category_id=staplers)])
    publish_request(
        db_session, buyer, title="Draft", items=[ItemInput("x", Decimal(1), category_id=knives)], draft=True
    )

    def paths(viewer: User | None) -> list[str]:
        return [c.path.rsplit(" > ", 1)[-1] for c in request_categories(db_session, viewer=viewer)]

    assert paths(None) == ["Staplers"]
    assert paths(members["kitchen-pro"]) == ["Kitchen Knives", "Staplers"]  # matched to the private request
    assert paths(members["pan-world"]) == ["Staplers"]
    assert paths(buyer) == ["Kitchen Knives", "Staplers"]  # its own
