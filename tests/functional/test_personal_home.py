"""The home page of a returning visitor, and the recently viewed page, through the test client.

Events are stamped through ``ANALYTICS_CLOCK``: a test views products on one day and moves the
clock to the next to come back, as a visitor would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role
from marketplace.alerts.models import Favourite
from marketplace.catalog.models import Offer, PriceHistory
from marketplace.events.models import AnalyticsEvent
from marketplace.personal.models import HistoryClear
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import login
from tests.support.analytics import BROWSER, DAY, Clock
from tests.support.taxonomy import add_google_categories

DRILLS = 1217  # Google's "Drills" (Hardware > Tools > Drills)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.combine(DAY, dt.time(10, 0), tzinfo=dt.UTC))


@pytest.fixture
def app_overrides(clock: Clock) -> dict[str, Any]:
    return {"ANALYTICS_CLOCK": clock}


@pytest.fixture
def drills(db_session: Session, supplier: Supplier) -> list[Offer]:
    """Three drills on products of their own, listed a month before the visit."""
    category = add_google_categories(db_session, DRILLS)[DRILLS].id
    made = [
        factories.offer(
            db_session, supplier, f"D{n}", title=f"Cordless drill D{n}", price=1000 + n, category_id=category
        )
        for n in range(1, 4)
    ]
    for offer in made:
        offer.created_at = dt.datetime.combine(DAY, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=30)
    db_session.flush()
    return made


def get(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers={"User-Agent": BROWSER, **headers}, follow_redirects=True)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def view_all(client: FlaskClient, offers: list[Offer], **headers: str) -> None:
    for offer in offers:
        get(client, f"/products/{offer.product_id}", **headers)


def test_a_first_visit_gets_todays_page_and_a_return_the_next_day_continues(
    client: FlaskClient, drills: list[Offer], clock: Clock
) -> None:
    first_home = get(client, "/")
    assert 'data-testid="personal-home"' not in first_home
    view_all(client, drills)
    clock.move(minutes=10)
    # Still the first day: a first visit keeps the page everyone gets, whatever it viewed.
    assert 'data-testid="personal-home"' not in get(client, "/")
    clock.move(days=1)

    response = client.get("/?lang=en", headers={"User-Agent": BROWSER})
    page = response.get_data(as_text=True)

    assert response.headers["Cache-Control"] == "private, no-store"  # never in a shared cache
    assert 'data-testid="continue"' in page
    for offer in drills:
        assert f"Cordless drill {offer.supplier_sku}" in page
    assert page.count("You viewed this on 1 December") == 3
    # Newest first: the last product viewed leads.
    assert page.index("Cordless drill D3") < page.index("Cordless drill D1")


def test_a_stranger_on_the_second_day_gets_the_plain_page(
    app_client_pair: tuple[FlaskClient, FlaskClient], drills: list[Offer], clock: Clock
) -> None:
    visitor, stranger = app_client_pair
    view_all(visitor, drills)
    clock.move(days=1)

    assert 'data-testid="personal-home"' not in get(stranger, "/")
    assert 'data-testid="personal-home"' in get(visitor, "/")


@pytest.fixture
def app_client_pair(client: FlaskClient) -> tuple[FlaskClient, FlaskClient]:
    return client, client.application.test_client()


def test_the_home_page_says_why_price_drops_new_offers_and_recommendations_are_shown(
    client: FlaskClient, db_session: Session, supplier: Supplier, drills: list[Offer], clock: Clock
) -> None:
    fallen, _other, viewed_last = drills
    # The first drill cost 1,250 when the visitor viewed it; an import has since cut it to 1,001.
    db_session.add(
        PriceHistory(
            offer_id=fallen.id,
            product_id=fallen.product_id,
            price=Decimal(1250),
            currency="UAH",
            price_base=Decimal(1250),
            available=True,
            recorded_at=clock.at - dt.timedelta(days=3),
        )
    )
    newcomer = factories.offer(
        db_session, supplier, "NEW", title="Hammer drill NEW", price=2100, category_id=fallen.category_id
    )
    newcomer.created_at = clock.at + dt.timedelta(hours=12)  # listed after the visit, before the return
    # Listed two days before the visit: the visitor could have seen it, so it is no news.
    known = factories.offer(
        db_session, supplier, "OLD", title="Impact drill OLD", price=1900, category_id=fallen.category_id
    )
    known.created_at = clock.at - dt.timedelta(days=2)
    companion = factories.offer(db_session, supplier, "BITS", title="Drill bit set", price=300)
    db_session.add(
        ProductRecommendation(
            product_id=viewed_last.product_id,
            kind=RecommendationKind.ACCESSORY,
            rank=1,
            recommended_id=companion.product_id,
            score=1.0,
        )
    )
    db_session.flush()
    view_all(client, drills)
    clock.move(days=1)

    page = get(client, "/?lang=en")

    drops = page[page.index('data-testid="price-drops"') :]
    assert "Cordless drill D1" in drops and "Price fell 20% since you viewed it" in drops
    new = page[page.index('data-testid="new-offers"') :]
    assert "Hammer drill NEW" in new and "New in Drills, which you browse" in new
    assert "Impact drill OLD" not in page
    recommended = page[page.index('data-testid="recommended"') :]
    assert "Drill bit set" in recommended and "Because you viewed Cordless drill D3" in recommended


def test_a_favourite_that_fell_is_shown_to_its_signed_in_owner(
    client: FlaskClient, db_session: Session, drills: list[Offer], clock: Clock
) -> None:
    buyer = factories.user(db_session, "olena@example.com", role=Role.BUYER)
    watched = drills[0]
    db_session.add(Favourite(user_id=buyer.id, product_id=watched.product_id, created_at=clock.at))
    db_session.add(
        PriceHistory(
            offer_id=watched.id,
            product_id=watched.product_id,
            price=Decimal(1430),
            currency="UAH",
            price_base=Decimal(1430),
            available=True,
            recorded_at=clock.at - dt.timedelta(hours=1),
        )
    )
    db_session.flush()
    login(client, buyer)

    page = get(client, "/?lang=en")

    assert "Price fell 30% since you added it to favourites" in page


def test_views_before_login_join_the_account_and_a_clear_forgets_them(
    client: FlaskClient, db_session: Session, drills: list[Offer], clock: Clock
) -> None:
    buyer = factories.user(db_session, "olena@example.com", role=Role.BUYER)
    view_all(client, drills[:2])
    get(client, "/search?q=cordless+drill&in_stock=y")
    login(client, buyer)
    clock.move(minutes=5)

    listed = get(client, "/recently-viewed?lang=en")
    assert "Cordless drill D1" in listed and "Cordless drill D2" in listed
    assert "/search?q=cordless+drill&amp;in_stock=y" in listed
    # Signed in with history, the home page is personal on the first day already.
    assert 'data-testid="personal-home"' in get(client, "/")

    response = client.post("/recently-viewed/clear", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(HistoryClear)) == 2  # the cookie's and the account's
    clock.move(minutes=1)
    listed = get(client, "/recently-viewed?lang=en")
    assert "Cordless drill D1" not in listed and "You have not viewed anything yet." in listed
    view_all(client, drills[2:])
    assert "Cordless drill D3" in get(client, "/recently-viewed?lang=en")


def test_do_not_track_is_not_remembered(client: FlaskClient, drills: list[Offer], clock: Clock) -> None:
    view_all(client, drills, DNT="1")
    clock.move(days=1)
    get(client, "/", DNT="1")

    assert 'data-testid="personal-home"' not in get(client, "/", **{"Sec-GPC": "1"})
    assert "so we do not remember what you view" in get(client, "/recently-viewed?lang=en", DNT="1")
    assert 'data-testid="personal-home"' not in get(client, "/")


def test_erasing_visit_data_erases_the_list_and_its_clears(
    client: FlaskClient, db_session: Session, drills: list[Offer], clock: Clock
) -> None:
    view_all(client, drills[:1])
    client.post("/recently-viewed/clear", headers={"User-Agent": BROWSER})
    clock.move(minutes=1)
    view_all(client, drills[1:2])

    response = client.post("/privacy/analytics/erase", headers={"User-Agent": BROWSER})

    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(HistoryClear)) == 0
    views = select(func.count()).select_from(AnalyticsEvent).where(AnalyticsEvent.kind == "product_view")
    assert db_session.scalar(views) == 0
