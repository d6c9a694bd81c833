"""A product is named alike on every page and in every language, and its operator page says why each offer is on it."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import login
from tests.support.grouping import import_and_group, product_of


def texts(page: str, pattern: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", found)).strip() for found in re.findall(pattern, page, re.S)]


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_category_search_and_product_pages_name_the_product_alike(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], lang: str
) -> None:
    pan = db_session.scalar(select(Offer).where(Offer.supplier_sku == "PAN-28"))
    assert pan is not None and pan.category_id is not None
    title = pan.product.title
    product = client.get(f"/products/{pan.product_id}?lang={lang}", follow_redirects=True).get_data(as_text=True)
    assert texts(product, r'data-testid="product-title">(.*?)</h1>') == [title]

    link = rf'href="/products/{pan.product_id}-[a-z0-9-]+">(.*?)</a>'
    # The category page lists its products as the search does: one row per product, by its title.
    category = client.get(f"/categories/{pan.category_id}?lang={lang}", follow_redirects=True).get_data(as_text=True)
    assert texts(category, r'class="hit-title" ' + link) == [title]

    # Only the Ukrainian offer's title has this word: the row still bears the product's title.
    found = client.get(f"/search?q=Сковорода&lang={lang}").get_data(as_text=True)
    assert texts(found, r'class="hit-title" ' + link) == [title]
    assert "Сковорода Hartwell Steel 28 см" not in found


def test_the_operators_product_page_says_why_each_offer_is_there(client: FlaskClient, db_session: Session) -> None:
    admin = factories.user(db_session, "ops@example.com", role=Role.ADMIN, display_name="Olha")
    alpha, beta, gamma, delta = (factories.supplier(db_session, slug) for slug in ("alpha", "beta", "gamma", "delta"))
    import_and_group(db_session, alpha, [{"sku": "A", "name": "Sony Turntable - PSLX350H", "brand": "Sony",
                                          "mpn": "PSLX350H", "gtin": "3168430262935"}])  # fmt: skip
    import_and_group(db_session, beta, [{"sku": "B", "name": "Sony turntable", "gtin": "03168430262935"}])
    import_and_group(db_session, gamma, [{"sku": "C", "name": "Програвач Sony", "brand": "SONY", "mpn": "PS-LX350H"}])
    import_and_group(db_session, delta, [{"sku": "D", "name": "Sony PS-LX350H Belt Drive Turntable"}])
    product_id = product_of(db_session, alpha, "A")
    assert {product_of(db_session, s, sku) for s, sku in ((beta, "B"), (gamma, "C"), (delta, "D"))} == {product_id}
    other = factories.supplier(db_session, "epsilon")
    import_and_group(db_session, other, [{"sku": "E", "name": "Turntable belt", "brand": "Rega"}])
    db_session.commit()
    login(client, admin)
    merged = client.post(f"/admin/products/{product_id}/merge", data={"other_id": product_of(db_session, other, "E")})
    assert merged.status_code == 302

    page = client.get(f"/admin/products/{product_id}").get_data(as_text=True)
    shown = sorted(texts(page, r'data-testid="group-basis">(.*?)</td>'))
    assert len(shown) == 5 and re.fullmatch(r"text match, score \d\.\d\d", shown[3]), shown
    assert shown[:3] + shown[4:] == [
        "GTIN 3168430262935",
        "brand and code: SONY PS-LX350H",
        "merged by an operator",
        "the first offer",
    ]
