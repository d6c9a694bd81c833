"""robots.txt and the sitemaps: an index of files of at most 50,000 URLs, products and categories with lastmod."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus, Product
from marketplace.seo.sitemaps import MAX_URLS_PER_FILE
from marketplace.suppliers.models import Supplier

SITE = "https://traderow.example"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
#: Three languages: each file lists two products or categories, six URLs.
URLS_PER_FILE = 6


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"SITEMAP_URLS_PER_FILE": URLS_PER_FILE, "SITE_URL": SITE}


def xml(client: FlaskClient, url: str) -> etree._Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/xml"
    return etree.fromstring(response.data)


def local(url: str) -> str:
    assert url.startswith(SITE + "/")
    return url[len(SITE) :]


def lastmod(text: str) -> dt.datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", text), text  # W3C datetime
    return dt.datetime.fromisoformat(text)


def test_robots_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/portal", "/admin", "/account", "/go/", "/api/", "/recently-viewed", "/*?*sort=", "/*?*brand="):
        assert f"Disallow: {path}" in lines
    assert "Allow: /" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert not any(line in {"Disallow: /", "Disallow: /search", "Disallow: /products"} for line in lines)


def test_the_index_pages_products_and_categories_into_files_every_url_with_lastmod(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    index = xml(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    files = [(local(s.findtext("sm:loc", namespaces=NS)), s.findtext("sm:lastmod", namespaces=NS)) for s in index]
    assert files[0][0] == "/sitemaps/pages.xml"
    assert any(path.startswith("/sitemaps/products-") for path, _ in files)
    assert any(path.startswith("/sitemaps/categories-") for path, _ in files)

    listed: list[str] = []
    for path, file_lastmod in files:
        urlset = xml(client, path)
        urls = urlset.findall("sm:url", NS)
        assert 0 < len(urls) <= URLS_PER_FILE
        newest = max(lastmod(u.findtext("sm:lastmod", namespaces=NS)) for u in urls)
        if not path.endswith("pages.xml"):
            assert lastmod(file_lastmod) == newest  # the index tells which file changed
        listed += [local(u.findtext("sm:loc", namespaces=NS)) for u in urls]
    assert len(listed) == len(set(listed))

    live = set(
        db_session.scalars(
            select(Product.id).join(Offer).where(Offer.status == OfferStatus.ACTIVE, Product.merged_into_id.is_(None))
        )
    )
    product_urls = [u for u in listed if u.startswith("/products/")]
    assert {int(re.findall(r"/products/(\d+)-", u)[0]) for u in product_urls} == live
    assert len(product_urls) == 3 * len(live)  # en, uk and ru
    assert all(re.fullmatch(r"/products/\d+-[a-z0-9-]+\?lang=(en|uk|ru)", u) for u in product_urls)
    category_urls = [u for u in listed if re.match(r"/categories/\d", u)]
    assert {"/", "/?lang=uk", "/categories/?lang=ru"} & set(listed) == {"/?lang=uk", "/categories/?lang=ru"}
    assert category_urls and all(re.fullmatch(r"/categories/\d+-[a-z0-9-]+\?lang=(en|uk|ru)", u) for u in category_urls)
    for url in product_urls[:3] + category_urls[:3]:
        assert client.get(url).status_code == 200  # listed URLs are the pages' own, no redirect


def test_a_withdrawn_product_leaves_the_sitemap_and_a_change_moves_lastmod(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    offer = db_session.scalar(select(Offer).where(Offer.supplier_sku == "KNIFE-20"))
    assert offer is not None
    others = db_session.scalars(select(Offer).where(Offer.product_id == offer.product_id, Offer.id != offer.id)).all()
    assert not others
    number = (offer.product_id - 1) // (URLS_PER_FILE // 3) + 1
    before = xml(client, f"/sitemaps/products-{number}.xml")
    assert any(f"/products/{offer.product_id}-" in (u.findtext("sm:loc", namespaces=NS) or "") for u in before)

    offer.status = OfferStatus.WITHDRAWN
    db_session.commit()
    response = client.get(f"/sitemaps/products-{number}.xml")
    if response.status_code == 200:
        assert f"/products/{offer.product_id}-" not in response.get_data(as_text=True)
    else:
        assert response.status_code == 404  # the file listed only it
    assert client.get("/sitemaps/products-9999.xml").status_code == 404


def test_a_file_never_holds_more_than_the_protocol_allows(app: Flask) -> None:
    assert MAX_URLS_PER_FILE == 50_000
    with app.test_request_context():
        from marketplace.seo.views import _entities_per_file

        app.config["SITEMAP_URLS_PER_FILE"] = 10**9
        assert _entities_per_file() * len(app.config["LANGUAGES"]) <= MAX_URLS_PER_FILE
