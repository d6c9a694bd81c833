"""The request pages over HTTP: drafts, editing, closing, catalog matches, threads, acceptance, notifications."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import create_user
from marketplace.buyer_requests.awarding import accept_quote
from marketplace.buyer_requests.errors import RequestError
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.models import BuyerRequest, Quote, QuoteMessage, RequestEvent, RequestStatus
from marketplace.buyer_requests.publishing import publish_request
from marketplace.buyer_requests.quotes import submit_quote
from marketplace.notifications.models import Notification, OutboxMail
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category
from tests.support import factories
from tests.support.accounts import PASSWORD, login


@pytest.fixture
def shopper(db_session: Session) -> User:
    return create_user(
        db_session,
        "olena@example.com",
        PASSWORD,
        role=Role.BUYER,
        display_name="Olena Kovalenko",
        phone="+380501112233",
    )


@pytest.fixture
def sellers(db_session: Session, stocked: dict[str, Supplier]) -> dict[str, User]:
    stocked["kitchen-pro"].contact_phone = "+380 44 555 01 02"
    return {
        slug: factories.user(db_session, f"sales@{slug}.example", role=Role.SUPPLIER, supplier=supplier)
        for slug, supplier in stocked.items()
    }


def count_testid(html: str, name: str) -> int:
    return len(re.findall(rf'data-testid="{name}"', html))


def form_for(title: str, *rows: dict[str, str], **extra: str) -> dict[str, str]:
    data = {"title": title, **extra}
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{key}": value for key, value in row.items()})
    return data


def test_the_publish_form_offers_categories_visibility_and_a_draft(
    client: FlaskClient, db_session: Session, shopper: User, sellers: dict[str, User]
) -> None:
    db_session.commit()
    login(client, shopper)
    pans = db_session.scalar(select(Category.id).where(Category.google_id == 536))

    page = client.get("/requests/new").get_data(as_text=True)
    assert 'name="visibility"' in page and 'value="matched"' in page
    assert f'<option value="{pans}">Home &amp; Garden</option>' in page
    assert count_testid(page, "draft-submit") == 1

    response = client.post(
        "/requests/new",
        data=form_for(
            "Pans for a canteen",
            {"text": "frying pan", "quantity": "4", "category_id": str(pans)},
            visibility="matched",
            action="draft",
        ),
    )

    assert response.status_code == 302
    stored = db_session.scalars(select(BuyerRequest)).one()
    assert (stored.status, stored.visibility, stored.items[0].category_id) == (RequestStatus.DRAFT, "matched", pans)
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 0
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This is a draft" in detail and count_testid(detail, "publish-draft") == 1

    client.post(f"/requests/{stored.id}/publish")

    db_session.refresh(stored)
    assert stored.status == RequestStatus.OPEN
    # Both sell frying pans (and the category matches both): each team hears of it.
    notified = set(db_session.scalars(select(Notification.user_id)))
    assert notified == {sellers["kitchen-pro"].id, sellers["office-point"].id}


def test_the_buyer_sees_matching_catalog_offers_with_click_out_links(
    client: FlaskClient, db_session: Session, shopper: User, stocked: dict[str, Supplier]
) -> None:
    db_session.commit()
    login(client, shopper)

    response = client.post("/requests/new", data=form_for("Pan", {"text": "frying pan", "quantity": "2"}))
    html = client.get(response.headers["Location"]).get_data(as_text=True)

    assert count_testid(html, "catalog-match") == 2
    links = re.findall(r'href="(/go/\d+\?pos=\d)"[^>]*data-testid="catalog-match-link"', html)
    assert len(links) == 2
    assert "1,899.00" in html and "Kitchen Pro" in html
    go = client.get(links[0])
    assert go.status_code == 302 and go.headers["Location"].startswith("https://")


def test_the_buyer_edits_then_closes_and_the_history_shows_it(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    buyer_request = publish_request(
        db_session, shopper, title="Plates", items=[ItemInput("Plate", Decimal(10)), ItemInput("Bowl", Decimal(5))]
    )
    plate, bowl = buyer_request.items
    db_session.commit()
    login(client, shopper)

    page = client.get(f"/requests/{buyer_request.id}/edit").get_data(as_text=True)
    assert f'value="{plate.id}"' in page and 'value="Plate"' in page and 'value="10"' in page
    response = client.post(
        f"/requests/{buyer_request.id}/edit",
        data=form_for(
            "Plates and cups",
            {"id": str(plate.id), "text": "Plate", "quantity": "12", "unit": "pcs", "currency": "UAH"},
            {"id": str(bowl.id), "text": "", "quantity": "", "unit": "pcs", "currency": "UAH"},
            {"text": "Cup", "quantity": "6", "unit": "pcs", "currency": "UAH"},
        ),
    )
    assert response.status_code == 302

    db_session.expire_all()
    assert buyer_request.title == "Plates and cups"
    assert [(i.text, i.quantity) for i in buyer_request.items] == [("Plate", Decimal(12)), ("Cup", Decimal(6))]
    client.post(f"/requests/{buyer_request.id}/close")
    db_session.expire_all()
    assert buyer_request.status == RequestStatus.CLOSED
    html = client.get(f"/requests/{buyer_request.id}").get_data(as_text=True)
    assert [k for k in re.findall(r'data-testid="history-event" data-kind="(\w+)"', html)] == [
        "created",
        "published",
        "edited",
        "closed",
    ]
    assert count_testid(html, "edit-link") == 0 and count_testid(html, "close-request") == 0
    assert client.get(f"/requests/{buyer_request.id}/edit").status_code == 302


def test_question_answer_and_acceptance_through_the_pages(
    client: FlaskClient, db_session: Session, shopper: User, sellers: dict[str, User], stocked: dict[str, Supplier]
) -> None:
    buyer_request = publish_request(db_session, shopper, title="Café", items=[ItemInput("Frying pan", Decimal(6))])
    pan = buyer_request.items[0]
    mine = submit_quote(db_session, stocked["kitchen-pro"], pan, price=Decimal(1800), currency="UAH")
    rival = submit_quote(db_session, stocked["office-point"], pan, price=Decimal(1700), currency="UAH", note="RIVAL")
    db_session.commit()
    base = f"/requests/{buyer_request.id}"

    login(client, shopper)
    html = client.get(base).get_data(as_text=True)
    assert count_testid(html, "quote-accept") == 2 and count_testid(html, "message-form") == 2
    assert "+380 44 555 01 02" not in html  # no contacts before acceptance
    client.post(f"{base}/quotes/{mine.id}/messages", data={f"quote-{mine.id}-body": "Is the lid included?"})

    login(client, sellers["kitchen-pro"])
    html = client.get(base).get_data(as_text=True)
    assert "Is the lid included?" in html and "RIVAL" not in html
    assert client.post(f"{base}/quotes/{rival.id}/messages", data={f"quote-{rival.id}-body": "x"}).status_code == 404
    client.post(f"{base}/quotes/{mine.id}/messages", data={f"quote-{mine.id}-body": "Yes, a glass lid."})
    assert client.post(f"{base}/quotes/{mine.id}/accept").status_code == 403  # only the buyer accepts

    login(client, shopper)
    html = client.get(base).get_data(as_text=True)
    assert "Yes, a glass lid." in html
    response = client.post(f"{base}/quotes/{mine.id}/accept", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "You accepted the quote of Kitchen Pro" in html
    assert count_testid(html, "quote-accepted") == 1 and count_testid(html, "quote-accept") == 0
    assert "+380 44 555 01 02" in html and "sales@kitchen-pro.example" in html
    # One item, one accepted quote: the request is awarded.
    assert 'data-status="awarded"' in html

    login(client, sellers["kitchen-pro"])
    html = client.get(base).get_data(as_text=True)
    assert "Accepted by the buyer" in html
    assert "Olena Kovalenko" in html and "olena@example.com" in html and "+380501112233" in html
    assert count_testid(html, "quote-form") == 0

    login(client, sellers["office-point"])
    html = client.get(base).get_data(as_text=True)
    assert "olena@example.com" not in html and "Olena Kovalenko" not in html
    assert "Yes, a glass lid." not in html

    kinds = db_session.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["quote.new", "quote.new", "quote.question", "quote.answer", "quote.accepted"]
    assert db_session.scalar(select(func.count()).select_from(QuoteMessage)) == 2
    assert db_session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)).all()[-2:] == ["accepted", "awarded"]


def test_notifications_page_counts_unread_and_opens_the_link(
    client: FlaskClient, db_session: Session, shopper: User, stocked: dict[str, Supplier]
) -> None:
    buyer_request = publish_request(db_session, shopper, title="Café", items=[ItemInput("Frying pan", Decimal(6))])
    quote = submit_quote(db_session, stocked["kitchen-pro"], buyer_request.items[0], price=Decimal(1), currency="UAH")
    db_session.commit()
    login(client, shopper)

    home = client.get("/").get_data(as_text=True)
    assert re.search(r'data-testid="notifications-count">1<', home)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Kitchen Pro quoted on “Frying pan” in your request “Café”." in page
    notification = db_session.scalars(select(Notification)).one()

    response = client.post(f"/notifications/{notification.id}/read")

    assert response.headers["Location"] == f"/requests/{buyer_request.id}#quote-{quote.id}"
    assert 'data-testid="notifications-count"' not in client.get("/").get_data(as_text=True)
    other = factories.user(db_session, "other@example.com", role=Role.BUYER)
    db_session.commit()
    login(client, other)
    assert client.post(f"/notifications/{notification.id}/read").status_code == 404


def test_the_development_outbox_shows_mail_in_testing_only(
    client: FlaskClient, db_session: Session, shopper: User, stocked: dict[str, Supplier], app
) -> None:  # type: ignore[no-untyped-def]
    buyer_request = publish_request(db_session, shopper, title="Café", items=[ItemInput("Frying pan", Decimal(6))])
    submit_quote(db_session, stocked["kitchen-pro"], buyer_request.items[0], price=Decimal(1), currency="UAH")
    db_session.commit()

    html = client.get("/dev/outbox").get_data(as_text=True)
    assert "olena@example.com" in html
    assert f"http://127.0.0.1:5000/requests/{buyer_request.id}#quote-" in html
    assert db_session.scalar(select(func.count()).select_from(OutboxMail)) == 1

    app.testing = False
    try:
        assert client.get("/dev/outbox").status_code == 404
    finally:
        app.testing = True


def test_the_list_filters_by_category_and_shows_the_buyers_own(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    pans = db_session.scalar(select(Category.id).where(Category.google_id == 662))
    staplers = db_session.scalar(select(Category.id).where(Category.google_id == 947))
    publish_request(db_session, shopper, title="Pans", items=[ItemInput("pan", Decimal(1), category_id=pans)])
    publish_request(
        db_session, shopper, title="Staplers", items=[ItemInput("stapler", Decimal(1), category_id=staplers)]
    )
    draft = publish_request(db_session, shopper, title="Secret draft", items=[ItemInput("x", Decimal(1))], draft=True)
    db_session.commit()

    html = client.get(f"/requests/?category={staplers}").get_data(as_text=True)
    assert "Staplers" in html and ">Pans<" not in html
    assert count_testid(html, "category-filter") == 1
    assert "Secret draft" not in client.get("/requests/").get_data(as_text=True)
    login(client, shopper)
    mine = client.get("/requests/").get_data(as_text=True)
    assert count_testid(mine, "my-request-row") == 3 and "Secret draft" in mine
    assert client.get(f"/requests/{draft.id}").status_code == 200


def test_accepting_needs_the_buyer_and_an_open_or_expired_request(
    client: FlaskClient, db_session: Session, shopper: User, stocked: dict[str, Supplier]
) -> None:
    buyer_request = publish_request(
        db_session, shopper, title="Café", items=[ItemInput("Pan", Decimal(6)), ItemInput("Knife", Decimal(1))],
        deadline=dt.date.today(),
    )  # fmt: skip
    quote = submit_quote(db_session, stocked["kitchen-pro"], buyer_request.items[0], price=Decimal(1), currency="UAH")
    buyer_request.status = RequestStatus.CLOSED
    db_session.commit()
    login(client, shopper)

    response = client.post(f"/requests/{buyer_request.id}/quotes/{quote.id}/accept", follow_redirects=True)

    assert "quotes on this request can no longer be accepted" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(Quote.accepted).where(Quote.id == quote.id)) is False
    stored = db_session.scalar(select(BuyerRequest.status).where(BuyerRequest.id == buyer_request.id))
    assert stored == RequestStatus.CLOSED  # the refused POST changed nothing
    with pytest.raises(RequestError, match="no longer be accepted"):
        accept_quote(db_session, quote, shopper)
