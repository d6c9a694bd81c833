"""The request's whole life against a real database and index: matching, history, threads, award, expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.access import may_view
from marketplace.buyer_requests.awarding import accept_quote, award_request, exchanged_contact
from marketplace.buyer_requests.errors import PermissionDenied, RequestError
from marketplace.buyer_requests.history import request_history
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.jobs import run_request_jobs
from marketplace.buyer_requests.matching import CatalogSearch, catalog_matches, match_suppliers
from marketplace.buyer_requests.models import BuyerRequest, RequestEvent, RequestStatus, Visibility
from marketplace.buyer_requests.publishing import (
    close_request,
    expire_requests,
    publish_draft,
    publish_request,
    update_request,
)
from marketplace.buyer_requests.queries import open_requests
from marketplace.buyer_requests.quotes import submit_quote
from marketplace.buyer_requests.thread import post_message
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.search.index_runtime import get_index
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category
from tests.support import factories

NOW = dt.datetime(2030, 5, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def category(session: Session, google_id: int) -> int:
    found = session.scalar(select(Category.id).where(Category.google_id == google_id))
    assert found is not None
    return found


def kinds(session: Session, user: User) -> list[str]:
    query = select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
    return list(session.scalars(query))


def events(session: Session, buyer_request: BuyerRequest) -> list[str]:
    query = select(RequestEvent.kind).where(RequestEvent.request_id == buyer_request.id).order_by(RequestEvent.id)
    return list(session.scalars(query))


@pytest.fixture
def catalog(app: Flask, stocked: dict[str, Supplier]) -> CatalogSearch:
    return CatalogSearch(index=get_index(app), rates={"UAH": Decimal(1), "USD": Decimal("41.50")})


# --- matching -----------------------------------------------------------------------------


def test_publishing_matches_suppliers_by_category_and_by_words_and_notifies_them(
    db_session: Session, buyer: User, catalog: CatalogSearch, sellers: dict[str, User], stocked: dict[str, Supplier]
) -> None:
    office_supplies = factories.category_id(db_session, 922)

    buyer_request = publish_request(
        db_session,
        buyer,
        title="Office and kitchen",
        items=[
            ItemInput("Something for the office", Decimal(3), category_id=office_supplies),
            ItemInput("chef's knife", Decimal(2)),
        ],
        catalog=catalog,
    )

    matched = {m.supplier.slug: m.reason for m in buyer_request.matches}
    assert matched == {"office-point": "category", "kitchen-pro": "words"}
    assert kinds(db_session, sellers["office-point"]) == ["request.matched"]
    assert kinds(db_session, sellers["kitchen-pro"]) == ["request.matched"]
    mails = db_session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert {m.recipient for m in mails} == {"sales@office-point.example", "sales@kitchen-pro.example"}
    assert all("Office and kitchen" in m.body and m.link == f"/requests/{buyer_request.id}" for m in mails)


def test_a_category_matches_suppliers_with_offers_anywhere_below_it(
    db_session: Session, buyer: User, catalog: CatalogSearch
) -> None:
    kitchen_and_dining = factories.category_id(db_session, 638)
    buyer_request = publish_request(
        db_session,
        buyer,
        title="Kitchen",
        items=[ItemInput("whatever fits", Decimal(1), category_id=kitchen_and_dining)],
        draft=True,
    )

    # Both sell frying pans, three levels below "Kitchen & Dining".
    assert set(match_suppliers(db_session, buyer_request, None).values()) == {"category"}
    assert len(match_suppliers(db_session, buyer_request, None)) == 2


def test_an_item_matching_only_some_words_bothers_no_supplier(
    db_session: Session, buyer: User, catalog: CatalogSearch
) -> None:
    buyer_request = publish_request(
        db_session, buyer, title="Vague", items=[ItemInput("titanium knife sharpener", Decimal(1))], catalog=catalog
    )

    assert buyer_request.matches == []


def test_the_buyer_sees_catalog_offers_under_the_price_ceiling_in_the_base_currency(
    db_session: Session, buyer: User, catalog: CatalogSearch
) -> None:
    buyer_request = publish_request(
        db_session,
        buyer,
        title="Pans",
        items=[
            ItemInput("frying pan", Decimal(2)),
            # 46 USD is 1909 UAH: the Kitchen Pro pan (1899) fits, Office Point's (1950) does not.
            ItemInput("frying pan", Decimal(2), max_price=Decimal(46), currency="USD"),
        ],
        catalog=catalog,
    )
    free, capped = buyer_request.items

    matches = catalog_matches(db_session, buyer_request, catalog)

    assert {hit.offer.supplier.slug for hit in matches[free.id]} == {"kitchen-pro", "office-point"}
    assert [hit.offer.supplier.slug for hit in matches[capped.id]] == ["kitchen-pro"]
    assert matches[capped.id][0].offer.price == Decimal(1899)


def test_a_request_for_matched_suppliers_is_hidden_from_everyone_else(
    db_session: Session, buyer: User, catalog: CatalogSearch, sellers: dict[str, User], stocked: dict[str, Supplier]
) -> None:
    other_buyer = factories.user(db_session, "other@example.com", role=Role.BUYER)
    buyer_request = publish_request(
        db_session,
        buyer,
        title="Quiet",
        items=[ItemInput("chef's knife", Decimal(2))],
        visibility=Visibility.MATCHED,
        catalog=catalog,
    )
    knife = buyer_request.items[0]

    assert may_view(buyer_request, buyer) and may_view(buyer_request, sellers["kitchen-pro"])
    for outsider in (None, other_buyer, sellers["office-point"]):
        assert not may_view(buyer_request, outsider)
    assert buyer_request not in open_requests(db_session)
    assert buyer_request not in open_requests(db_session, viewer=sellers["office-point"])
    assert buyer_request in open_requests(db_session, viewer=sellers["kitchen-pro"])
    with pytest.raises(PermissionDenied):
        submit_quote(db_session, stocked["office-point"], knife, price=Decimal(1), currency="UAH")
    assert submit_quote(db_session, stocked["kitchen-pro"], knife, price=Decimal(1), currency="UAH").id


def test_open_requests_filter_by_category_subtree(db_session: Session, buyer: User) -> None:
    pans = publish_request(
        db_session,
        buyer,
        title="Pans",
        items=[ItemInput("pan", Decimal(1), category_id=factories.category_id(db_session, 662))],
    )
    publish_request(
        db_session,
        buyer,
        title="Staplers",
        items=[ItemInput("stapler", Decimal(1), category_id=factories.category_id(db_session, 947))],
    )
    publish_request(db_session, buyer, title="Anything", items=[ItemInput("thing", Decimal(1))])

    assert [r.title for r in open_requests(db_session, category_id=factories.category_id(db_session, 536))] == [
        pans.title
    ]
    assert [r.title for r in open_requests(db_session, category_id=factories.category_id(db_session, 922))] == [
        "Staplers"
    ]


# --- states and history -------------------------------------------------------------------


def test_a_draft_is_published_later_and_every_step_is_recorded(
    db_session: Session, buyer: User, catalog: CatalogSearch, sellers: dict[str, User]
) -> None:
    draft = publish_request(
        db_session, buyer, title="Later", items=[ItemInput("chef's knife", Decimal(2))], draft=True, catalog=catalog
    )
    assert draft.status == RequestStatus.DRAFT and draft.published_at is None
    assert draft.matches == [] and kinds(db_session, sellers["kitchen-pro"]) == []

    publish_draft(db_session, draft, buyer, catalog=catalog, now=NOW)

    assert draft.status == RequestStatus.OPEN and draft.published_at == NOW
    assert kinds(db_session, sellers["kitchen-pro"]) == ["request.matched"]
    assert events(db_session, draft) == ["created", "published"]
    with pytest.raises(RequestError):
        publish_draft(db_session, draft, buyer)


def test_the_buyer_edits_an_open_request_and_the_history_says_what_changed(
    db_session: Session, buyer: User, supplier: Supplier, catalog: CatalogSearch, sellers: dict[str, User]
) -> None:
    buyer_request = publish_request(
        db_session,
        buyer,
        title="Knives",
        items=[ItemInput("Paring knife", Decimal(2)), ItemInput("Bread knife", Decimal(1))],
        now=NOW,
    )
    paring, bread = buyer_request.items
    quote = submit_quote(db_session, supplier, paring, price=Decimal(300), currency="UAH", now=NOW)
    assert kinds(db_session, sellers["kitchen-pro"]) == []

    changes = update_request(
        db_session,
        buyer_request,
        buyer,
        title="Knives for the café",
        items=[
            ItemInput("Paring knife", Decimal(4), id=paring.id),
            ItemInput("chef's knife", Decimal(1)),
        ],
        region="Lviv",
        now=NOW,
        catalog=catalog,
    )

    db_session.expire_all()
    assert changes["title"] == ["Knives", "Knives for the café"]
    assert changes["region"] == [None, "Lviv"]
    # Kitchen Pro quoted on the paring knife: the history says so, and Kitchen Pro hears of the change.
    assert {"id": paring.id, "quantity": ["2", "4"], "quoted_by": ["Kitchen Pro"]} in changes["items"]
    assert {"added": "chef's knife"} in changes["items"] and {"removed": "Bread knife"} in changes["items"]
    assert [i.text for i in buyer_request.items] == ["Paring knife", "chef's knife"]
    assert quote.item_id == paring.id  # the quote on the kept item stays
    assert bread.id not in {i.id for i in buyer_request.items}
    # The new item matched Kitchen Pro by its words: it hears of the request now.
    assert kinds(db_session, sellers["kitchen-pro"]) == ["quote.item_changed", "request.matched"]
    history = request_history(db_session, buyer_request, buyer)
    assert [e.kind for e in history] == ["created", "published", "quoted", "edited"]
    assert history[-1].detail["changes"]["title"] == ["Knives", "Knives for the café"]
    assert history[-1].actor_id == buyer.id
    assert update_request(db_session, buyer_request, buyer, title="Knives for the café",
                          items=[ItemInput(i.text, i.quantity, id=i.id) for i in buyer_request.items],
                          region="Lviv", now=NOW) == {}  # fmt: skip


def test_only_the_buyer_edits_or_closes_and_only_while_open(
    db_session: Session, buyer: User, supplier_member: User, admin: User
) -> None:
    buyer_request = publish_request(db_session, buyer, title="Mine", items=[ItemInput("x", Decimal(1))])

    for intruder in (supplier_member, admin):
        with pytest.raises(PermissionDenied):
            close_request(db_session, buyer_request, intruder)
        with pytest.raises(PermissionDenied):
            update_request(db_session, buyer_request, intruder, title="Theirs", items=[ItemInput("x", Decimal(1))])
    close_request(db_session, buyer_request, buyer, now=NOW)

    assert buyer_request.status == RequestStatus.CLOSED and buyer_request.ended_at == NOW
    with pytest.raises(RequestError):
        update_request(db_session, buyer_request, buyer, title="Again", items=[ItemInput("x", Decimal(1))])
    with pytest.raises(RequestError):
        close_request(db_session, buyer_request, buyer)
    with pytest.raises(PermissionDenied):
        request_history(db_session, buyer_request, supplier_member)
    assert [e.kind for e in request_history(db_session, buyer_request, admin)] == ["created", "published", "closed"]


def test_the_worker_expires_requests_after_their_deadlines_day_and_tells_the_buyer(
    app: Flask, db_session: Session, buyer: User
) -> None:
    due = publish_request(db_session, buyer, title="Due", items=[ItemInput("x", Decimal(1))], deadline=TODAY, now=NOW)
    later = publish_request(
        db_session,
        buyer,
        title="Later",
        items=[ItemInput("x", Decimal(1))],
        deadline=TODAY + dt.timedelta(days=1),
        now=NOW,
    )
    closed = publish_request(
        db_session, buyer, title="Closed", items=[ItemInput("x", Decimal(1))], deadline=TODAY, now=NOW
    )
    close_request(db_session, closed, buyer, now=NOW)

    assert expire_requests(db_session, NOW.replace(hour=23, minute=59)) == []
    done = run_request_jobs(db_session, app.config, now=NOW + dt.timedelta(days=1))

    assert done.expired == 1 and done.mails_sent == 0  # no SMTP host: the mail stays in the outbox
    db_session.expire_all()
    assert (due.status, later.status, closed.status) == (
        RequestStatus.EXPIRED,
        RequestStatus.OPEN,
        RequestStatus.CLOSED,
    )
    assert events(db_session, due)[-1] == "expired"
    assert kinds(db_session, buyer) == ["request.expired"]
    assert db_session.scalars(select(OutboxMail.recipient)).all() == [buyer.email]


# --- quotes, threads, acceptance ----------------------------------------------------------


@pytest.fixture
def quoted(db_session: Session, buyer: User, stocked: dict[str, Supplier], sellers: dict[str, User]) -> BuyerRequest:
    buyer_request = publish_request(
        db_session,
        buyer,
        title="Café kitchen",
        items=[ItemInput("Frying pan", Decimal(6)), ItemInput("Chef's knife", Decimal(4))],
        now=NOW,
    )
    pan, knife = buyer_request.items
    submit_quote(db_session, stocked["kitchen-pro"], pan, price=Decimal(1800), currency="UAH", now=NOW)
    submit_quote(db_session, stocked["office-point"], pan, price=Decimal(1850), currency="UAH", now=NOW)
    submit_quote(db_session, stocked["kitchen-pro"], knife, price=Decimal(900), currency="UAH", now=NOW)
    return buyer_request


def test_new_quotes_notify_the_buyer(db_session: Session, buyer: User, quoted: BuyerRequest) -> None:
    assert kinds(db_session, buyer) == ["quote.new", "quote.new", "quote.new"]
    assert events(db_session, quoted)[-3:] == ["quoted", "quoted", "quoted"]


def test_the_buyer_asks_and_the_supplier_answers_in_the_quotes_thread(
    db_session: Session, buyer: User, quoted: BuyerRequest, sellers: dict[str, User], stocked: dict[str, Supplier]
) -> None:
    pan_quote = next(q for q in quoted.items[0].quotes if q.supplier_id == stocked["kitchen-pro"].id)

    question = post_message(db_session, pan_quote, buyer, "  Is the lid included?  ")
    answer = post_message(db_session, pan_quote, sellers["kitchen-pro"], "Yes, glass lid.")

    assert (question.side, question.body) == ("buyer", "Is the lid included?")
    assert answer.side == "supplier"
    assert [m.body for m in pan_quote.messages] == ["Is the lid included?", "Yes, glass lid."]
    assert kinds(db_session, sellers["kitchen-pro"]) == ["quote.question"]
    assert kinds(db_session, sellers["office-point"]) == []
    assert kinds(db_session, buyer)[-1] == "quote.answer"
    # A rival supplier cannot write into (or learn of) another's thread.
    with pytest.raises(PermissionDenied):
        post_message(db_session, pan_quote, sellers["office-point"], "Ours is cheaper!")
    with pytest.raises(RequestError):
        post_message(db_session, pan_quote, buyer, "   ")


def test_accepting_a_quote_per_item_exchanges_contacts_and_awards_the_request(
    db_session: Session,
    buyer: User,
    quoted: BuyerRequest,
    sellers: dict[str, User],
    stocked: dict[str, Supplier],
    admin: User,
) -> None:
    buyer.phone = "+380 44 000 00 00"
    pan, knife = quoted.items
    by_supplier = {q.supplier.slug: q for q in pan.quotes}
    kitchen_pan, office_pan = by_supplier["kitchen-pro"], by_supplier["office-point"]
    assert exchanged_contact(db_session, kitchen_pan, buyer) is None  # not before acceptance

    with pytest.raises(PermissionDenied):
        accept_quote(db_session, kitchen_pan, admin)
    accept_quote(db_session, kitchen_pan, buyer, now=NOW)

    assert kitchen_pan.accepted and kitchen_pan.accepted_at == NOW
    assert quoted.status == RequestStatus.OPEN
    assert kinds(db_session, sellers["kitchen-pro"]) == ["quote.accepted"]
    with pytest.raises(RequestError, match="already accepted a quote on this item"):
        accept_quote(db_session, office_pan, buyer)
    seller_view = exchanged_contact(db_session, kitchen_pan, sellers["kitchen-pro"])
    assert seller_view is not None and (seller_view.name, seller_view.email, seller_view.phone) == (
        buyer.display_name,
        buyer.email,
        "+380 44 000 00 00",
    )
    buyer_view = exchanged_contact(db_session, kitchen_pan, buyer)
    assert buyer_view is not None and buyer_view.email == "sales@kitchen-pro.example"
    assert buyer_view.website == "https://kitchen-pro.example/"
    assert exchanged_contact(db_session, kitchen_pan, sellers["office-point"]) is None
    assert exchanged_contact(db_session, office_pan, sellers["office-point"]) is None
    with pytest.raises(RequestError, match="can no longer change"):
        submit_quote(db_session, stocked["kitchen-pro"], pan, price=Decimal(1), currency="UAH")

    accept_quote(db_session, knife.quotes[0], buyer, now=NOW)

    assert quoted.status == RequestStatus.AWARDED and quoted.ended_at == NOW
    assert events(db_session, quoted)[-3:] == ["accepted", "accepted", "awarded"]


def test_the_buyer_may_award_with_some_items_unaccepted(db_session: Session, buyer: User, quoted: BuyerRequest) -> None:
    with pytest.raises(RequestError, match="accept a quote first"):
        award_request(db_session, quoted, buyer)
    accept_quote(db_session, quoted.items[0].quotes[0], buyer)

    award_request(db_session, quoted, buyer)

    assert quoted.status == RequestStatus.AWARDED


def test_an_expired_quote_cannot_be_accepted(db_session: Session, buyer: User, stocked: dict[str, Supplier]) -> None:
    buyer_request = publish_request(db_session, buyer, title="Soon", items=[ItemInput("x", Decimal(1))], now=NOW)
    quote = submit_quote(
        db_session, stocked["kitchen-pro"], buyer_request.items[0], price=Decimal(5), currency="UAH",
        valid_until=TODAY, now=NOW,
    )  # fmt: skip

    with pytest.raises(RequestError, match="run out"):
        accept_quote(db_session, quote, buyer, now=NOW + dt.timedelta(days=1))


def test_quotes_stand_after_the_deadline_and_can_be_accepted(
    db_session: Session, buyer: User, stocked: dict[str, Supplier]
) -> None:
    buyer_request = publish_request(
        db_session, buyer, title="Due", items=[ItemInput("x", Decimal(1))], deadline=TODAY, now=NOW
    )
    quote = submit_quote(
        db_session, stocked["kitchen-pro"], buyer_request.items[0], price=Decimal(5), currency="UAH", now=NOW
    )
    expire_requests(db_session, NOW + dt.timedelta(days=2))

    accept_quote(db_session, quote, buyer, now=NOW + dt.timedelta(days=2))

    assert buyer_request.status == RequestStatus.AWARDED


def test_a_new_supplier_without_members_is_matched_without_anyone_to_notify(db_session: Session, buyer: User) -> None:
    lonely = factories.supplier(db_session, "lonely")
    factories.offer(
        db_session, lonely, "S1", title="Stapler", price=100, category_id=factories.category_id(db_session, 947)
    )

    buyer_request = publish_request(
        db_session,
        buyer,
        title="Staplers",
        items=[ItemInput("stapler", Decimal(3), category_id=factories.category_id(db_session, 922))],
    )

    assert [m.supplier_id for m in buyer_request.matches] == [lonely.id]
    assert db_session.scalars(select(Notification)).all() == []


def test_a_worker_pass_expires_overdue_requests(app: Flask, db_session: Session, buyer: User) -> None:
    from marketplace.worker import work_once

    last_week = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    overdue = publish_request(
        db_session, buyer, title="Overdue", items=[ItemInput("x", Decimal(1))],
        deadline=last_week.date(), now=last_week,
    )  # fmt: skip
    db_session.commit()

    work_once(app)

    db_session.expire_all()
    assert overdue.status == RequestStatus.EXPIRED
    assert kinds(db_session, buyer) == ["request.expired"]


def test_the_database_refuses_a_second_accepted_quote_on_one_item(
    db_session: Session, buyer: User, stocked: dict[str, Supplier]
) -> None:
    from sqlalchemy.exc import IntegrityError

    buyer_request = publish_request(db_session, buyer, title="Two", items=[ItemInput("x", Decimal(1))], now=NOW)
    item = buyer_request.items[0]
    ours = submit_quote(db_session, stocked["kitchen-pro"], item, price=Decimal(5), currency="UAH", now=NOW)
    theirs = submit_quote(db_session, stocked["office-point"], item, price=Decimal(6), currency="UAH", now=NOW)
    accept_quote(db_session, ours, buyer, now=NOW)
    db_session.flush()

    # Code that skips accept_quote (and its row lock) still cannot accept a second one.
    savepoint = db_session.begin_nested()
    theirs.accepted = True
    with pytest.raises(IntegrityError):
        db_session.flush()
    savepoint.rollback()
