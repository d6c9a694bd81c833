"""Click-outs and the product page through the test client: bots, repeats, UTM tags, badges and the chart."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.catalog.clickouts import with_utm
from marketplace.catalog.models import ClickOut, Offer, PriceHistory
from marketplace.catalog.products import merge_products
from marketplace.db import utcnow
from marketplace.events.bots import is_bot_request
from marketplace.suppliers.models import Supplier

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def sku(db_session: Session, value: str) -> Offer:
    found = db_session.scalar(select(Offer).where(Offer.supplier_sku == value))
    assert found is not None
    return found


def clicks(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(ClickOut)) or 0


@pytest.mark.parametrize(
    ("method", "agent", "headers", "bot"),
    [
        ("GET", BROWSER, {}, False),
        ("GET", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", {}, True),
        ("GET", "curl/8.5.0", {}, True),
        ("GET", "python-requests/2.32", {}, True),
        ("GET", "", {}, True),
        ("HEAD", BROWSER, {}, True),
        ("GET", BROWSER, {"Sec-Purpose": "prefetch;prerender"}, True),
        ("GET", BROWSER, {"Purpose": "prefetch"}, True),
        ("GET", BROWSER, {"X-Moz": "prefetch"}, True),
    ],
)
def test_bot_detection(method: str, agent: str, headers: dict[str, str], bot: bool) -> None:
    assert is_bot_request(method, agent, headers) is bot


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://s.example/p", "https://s.example/p?utm_source=traderow&utm_medium=cpc"),
        ("https://s.example/p?id=5#top", "https://s.example/p?id=5&utm_source=traderow&utm_medium=cpc#top"),
        ("https://s.example/p?utm_source=own&x=a%20b", "https://s.example/p?utm_source=own&x=a%20b&utm_medium=cpc"),
    ],
)
def test_utm_tags_merge_with_the_query(url: str, expected: str) -> None:
    assert with_utm(url, {"utm_source": "traderow", "utm_medium": "cpc"}) == expected
    assert with_utm(url, {}) == url


def test_bots_and_prefetches_are_redirected_but_not_counted(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    for kwargs in (
        {"headers": {"User-Agent": "Googlebot/2.1"}},
        {"headers": {"User-Agent": BROWSER, "Sec-Purpose": "prefetch"}},
    ):
        response = client.get(f"/go/{pan.id}", **kwargs)
        assert (response.status_code, response.headers["Location"]) == (302, pan.url)
    response = client.head(f"/go/{pan.id}", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert clicks(db_session) == 0
    assert client.get(f"/go/{pan.id}", headers={"User-Agent": BROWSER}).status_code == 302
    assert clicks(db_session) == 1


def test_a_repeated_click_within_the_window_counts_once(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    for _ in range(3):
        assert client.get(f"/go/{pan.id}", headers={"User-Agent": BROWSER}).status_code == 302
    assert clicks(db_session) == 1
    # Once the window has passed, the next click counts again.
    first = db_session.scalar(select(ClickOut))
    assert first is not None
    first.created_at = utcnow() - dt.timedelta(minutes=31)
    db_session.commit()
    client.get(f"/go/{pan.id}", headers={"User-Agent": BROWSER})
    assert clicks(db_session) == 2
    # Another visitor counts on their own.
    other = client.application.test_client()
    other.get(f"/go/{pan.id}", headers={"User-Agent": BROWSER})
    assert clicks(db_session) == 3


def test_click_out_adds_the_suppliers_utm_tags(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    supplier = stocked["kitchen-pro"]
    supplier.utm_source, supplier.utm_campaign = "traderow", "autumn sale"
    db_session.commit()
    pan = sku(db_session, "PAN-28")
    response = client.get(f"/go/{pan.id}?utm_source=evil", headers={"User-Agent": BROWSER})
    expected = "https://kitchen-pro.example/pan-28?utm_source=traderow&utm_campaign=autumn+sale"
    assert response.headers["Location"] == expected
    assert db_session.scalar(select(ClickOut.target_url)) == expected


def test_buy_at_a_seller_without_a_store_opens_the_order_form(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    stocked["office-point"].has_own_store = False
    db_session.commit()
    stapler = sku(db_session, "OP-2")
    response = client.get(f"/go/{stapler.id}", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/shops/office-point/order?offer={stapler.id}"
    assert clicks(db_session) == 0


def product_html(client: FlaskClient, product_id: int, **args: Any) -> str:
    response = client.get(f"/products/{product_id}", query_string=args, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_product_page_parts(client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]) -> None:
    pan, theirs = sku(db_session, "PAN-28"), sku(db_session, "OP-1")
    pan.params = [["Diameter", "28 cm"], ["Material", "steel"]]
    theirs.params = [["Material", "aluminium"]]
    theirs.delivery_cost, pan.pictures = Decimal("0"), ["javascript:alert(1)"]
    db_session.commit()
    html = product_html(client, pan.product_id)
    assert 'data-testid="price-chart"' in html and "<polyline" in html  # imported once: one point each
    assert 'data-testid="no-picture"' in html and "javascript:" not in html
    assert html.count('data-testid="spec-row"') == 2 and "Sellers state different values." in html
    assert 'data-testid="discount"' not in html  # the old price of 2199 is not in the history
    assert html.index("Kitchen Pro") < html.index("Office Point")  # by price
    by_total = product_html(client, pan.product_id, sort="total")
    rows = by_total[by_total.index('data-testid="offers"') :]
    assert rows.index("Office Point") < rows.index("Kitchen Pro")  # known delivery first
    assert "delivery unknown" in by_total

    db_session.query(PriceHistory).filter(PriceHistory.offer_id == pan.id).update(
        {"recorded_at": utcnow() - dt.timedelta(days=3)}
    )
    db_session.add(
        PriceHistory(
            offer_id=pan.id,
            product_id=pan.product_id,
            price=Decimal("2199"),
            currency="UAH",
            price_base=Decimal("2199"),
            available=True,
            active=True,
            recorded_at=utcnow() - dt.timedelta(days=45),
        )
    )
    db_session.commit()
    html = product_html(client, pan.product_id)
    assert 'data-testid="discount"' in html and "−13%" in html


def test_a_chart_of_one_day_names_the_day_once_and_only_sellers_it_draws(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan, theirs = sku(db_session, "PAN-28"), sku(db_session, "OP-1")
    # Both imported today; Office Point's offer has been out of stock since its import.
    db_session.query(PriceHistory).filter(PriceHistory.offer_id == theirs.id).update({"available": False})
    theirs.available = False
    db_session.commit()
    html = product_html(client, pan.product_id)
    chart = html[html.index('data-testid="price-chart"') : html.index("</figure>")]
    assert chart.count('data-testid="chart-date"') == 1
    assert chart.count('data-testid="chart-price"') == 1  # one price drawn: labelled once
    assert chart.count('data-testid="chart-legend"') == 2  # the lowest and Kitchen Pro
    assert 'data-series="Office Point"' not in chart
    unpriced = chart[chart.index('data-testid="chart-unpriced"') :]
    assert "Office Point" in unpriced.split("</p>")[0]


def test_a_merged_products_page_moves_permanently_to_the_product_it_joined(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    keep, absorb = sku(db_session, "PAN-28").product, sku(db_session, "OP-2").product
    keep_id, absorb_id = keep.id, absorb.id
    merge_products(db_session, keep, absorb)
    db_session.commit()
    response = client.get(f"/products/{absorb_id}", query_string={"sort": "total"})
    assert response.status_code == 301
    assert re.fullmatch(rf"/products/{keep_id}-[a-z0-9-]+\?sort=total", response.headers["Location"])
    assert client.get(response.headers["Location"]).status_code == 200
    assert client.get("/products/424242").status_code == 404
