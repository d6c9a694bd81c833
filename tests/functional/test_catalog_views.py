"""Browsing through the Flask test client: home, categories, product page, click-out."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import ClickOut, Offer
from marketplace.suppliers.models import Supplier


def sku(db_session: Session, value: str) -> Offer:
    found = db_session.scalar(select(Offer).where(Offer.supplier_sku == value))
    assert found is not None
    return found


def test_home_shows_categories_with_products(client: FlaskClient, stocked: dict[str, Supplier]) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Home &amp; Garden" in html and "Office Supplies" in html


def test_category_page_and_product_page(client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]) -> None:
    pan = sku(db_session, "PAN-28")
    category_html = client.get(f"/categories/{pan.category_id}", follow_redirects=True).get_data(as_text=True)
    assert "Hartwell Steel frying pan 28 cm" in category_html
    assert "2 sellers" in category_html

    response = client.get(f"/products/{pan.product_id}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('data-testid="offer-row"') == 2
    assert html.index("Kitchen Pro") < html.index("Office Point")  # cheapest first
    assert f"/go/{pan.id}?pos=1" in html


def test_unknown_pages_are_404(client: FlaskClient) -> None:
    assert client.get("/products/424242").status_code == 404
    assert client.get("/categories/424242").status_code == 404
    assert client.get("/go/424242").status_code == 404


def test_click_out_redirects_to_the_stored_url_only(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    response = client.get(
        f"/go/{pan.id}?pos=3&url=https://evil.example/&next=https://evil.example/",
        headers={"Referer": "http://localhost/search?q=pan"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "https://kitchen-pro.example/pan-28"
    click = db_session.scalar(select(ClickOut).where(ClickOut.offer_id == pan.id))
    assert click is not None
    assert (click.position, click.source_page) == (3, "/search?q=pan")
    assert click.visitor_id and len(click.visitor_id) == 32


def test_foreign_referrer_is_not_recorded(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    client.get(f"/go/{pan.id}", headers={"Referer": "https://elsewhere.example/page"})
    click = db_session.scalar(select(ClickOut).where(ClickOut.offer_id == pan.id))
    assert click is not None and click.source_page is None


def test_returning_visitor_keeps_its_id(client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]) -> None:
    pan = sku(db_session, "PAN-28")
    knife = sku(db_session, "KNIFE-20")
    client.get("/")
    client.get(f"/go/{pan.id}")
    client.get(f"/go/{knife.id}")
    visitors = db_session.scalars(select(ClickOut.visitor_id)).all()
    assert len(visitors) == 2 and len(set(visitors)) == 1
    assert db_session.scalar(select(func.count()).select_from(ClickOut)) == 2


def test_language_switch_is_remembered(client: FlaskClient) -> None:
    response = client.get("/?lang=uk")
    assert 'lang="uk"' in response.get_data(as_text=True)
    assert any(c.startswith("lang=uk;") for c in response.headers.getlist("Set-Cookie"))
    assert 'lang="uk"' in client.get("/").get_data(as_text=True)
