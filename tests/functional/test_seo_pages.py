"""What search engines read on public pages: slugged URLs, canonical and hreflang links, descriptions, JSON-LD."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer
from marketplace.suppliers.models import Supplier

SITE = "http://127.0.0.1:5000"  # the default SITE_URL: canonical links never follow the Host header


def sku(db_session: Session, value: str) -> Offer:
    offer = db_session.scalar(select(Offer).where(Offer.supplier_sku == value))
    assert offer is not None
    return offer


def html_of(client: FlaskClient, url: str, **kwargs: Any) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def head_links(html: str) -> tuple[list[str], dict[str, str]]:
    canonical = [unescape(href) for href in re.findall(r'<link rel="canonical" href="([^"]+)">', html)]
    found = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    return canonical, {hreflang: unescape(href) for hreflang, href in found}


def description(html: str) -> str:
    found = re.findall(r'<meta name="description" content="([^"]*)">', html)
    assert len(found) == 1
    return found[0]


# --- slugged URLs ---------------------------------------------------------------------------


def test_old_product_and_category_urls_move_permanently_to_the_slugged_ones(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    response = client.get(f"/products/{pan.product_id}", query_string={"lang": "uk", "sort": "total"})
    assert response.status_code == 301
    assert (
        response.headers["Location"] == f"/products/{pan.product_id}-hartwell-steel-frying-pan-28-cm?lang=uk&sort=total"
    )
    assert client.get(response.headers["Location"]).status_code == 200

    for wrong in ("old-title", "hartwell", "x?slug=evil"):
        moved = client.get(f"/products/{pan.product_id}-{wrong}")
        assert moved.status_code == 301
        assert moved.headers["Location"] == f"/products/{pan.product_id}-hartwell-steel-frying-pan-28-cm"

    category = client.get(f"/categories/{pan.category_id}?page=1")
    assert category.status_code == 301
    assert re.fullmatch(rf"/categories/{pan.category_id}-[a-z0-9-]+\?page=1", category.headers["Location"])
    assert client.get(category.headers["Location"]).status_code == 200
    assert client.get("/products/424242-anything").status_code == 404
    assert client.get("/categories/424242-anything").status_code == 404


def test_a_renamed_product_moves_to_its_new_slug(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    old = f"/products/{pan.product_id}-hartwell-steel-frying-pan-28-cm"
    assert client.get(old).status_code == 200
    pan.product.title = "Hartwell сковорода 28 см"
    db_session.commit()
    moved = client.get(old)
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/products/{pan.product_id}-hartwell-skovoroda-28-sm"
    assert f'href="{moved.headers["Location"]}"' in html_of(client, "/search?q=Hartwell")


def test_every_link_to_a_product_or_category_carries_its_slug(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    pages = [
        "/",
        "/categories/",
        "/search?q=Hartwell",
        f"/products/{pan.product_id}-hartwell-steel-frying-pan-28-cm",
        "/shops/kitchen-pro",
    ]
    links: set[str] = set()
    for url in pages:
        links |= set(re.findall(r'href="(/(?:products|categories)/\d[^"]*)"', html_of(client, url)))
    assert any(link.startswith("/products/") for link in links)
    assert any(link.startswith("/categories/") for link in links)
    for link in links:
        assert re.match(r"/(products|categories)/\d+-[a-z0-9-]+(\?|$)", link), link
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


# --- canonical, hreflang, description ---------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "uk", "ru"])
def test_a_product_page_is_canonical_in_its_language_with_an_alternate_in_each(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], lang: str
) -> None:
    pan = sku(db_session, "PAN-28")
    path = f"/products/{pan.product_id}-hartwell-steel-frying-pan-28-cm"
    html = html_of(client, f"{path}?lang={lang}&sort=total&utm_source=x", headers={"Host": "evil.example"})
    canonical, alternates = head_links(html)
    assert canonical == [f"{SITE}{path}?lang={lang}"]
    assert alternates == {
        "en": f"{SITE}{path}?lang=en",
        "uk": f"{SITE}{path}?lang=uk",
        "ru": f"{SITE}{path}?lang=ru",
        "x-default": f"{SITE}{path}",
    }
    assert "evil.example" not in html


def test_the_language_a_visitor_gets_without_lang_is_canonical_with_it(
    client: FlaskClient, stocked: dict[str, Supplier]
) -> None:
    html = html_of(client, "/search?q=Hartwell&page=1&sort=price_asc", headers={"Accept-Language": "ru"})
    canonical, alternates = head_links(html)
    assert canonical == [f"{SITE}/search?q=Hartwell&lang=ru"]
    assert alternates["x-default"] == f"{SITE}/search?q=Hartwell"
    assert '<html lang="ru">' in html


def test_private_and_error_pages_have_no_canonical(client: FlaskClient) -> None:
    assert head_links(html_of(client, "/account/login")) == ([], {})
    missing = client.get("/products/424242").get_data(as_text=True)
    assert head_links(missing) == ([], {})
    assert '<meta name="robots" content="noindex">' in missing


def test_public_pages_describe_themselves(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    home = description(html_of(client, "/"))
    assert home.startswith("Compare offers from every supplier")
    product = description(html_of(client, f"/products/{pan.product_id}", follow_redirects=True))
    assert product.startswith("Hartwell Steel frying pan 28 cm from 1,899.00")
    assert "at 2 sellers" in product
    category = description(html_of(client, f"/categories/{pan.category_id}", follow_redirects=True))
    assert "from every supplier in one catalog" in category
    search = description(html_of(client, "/search?q=Hartwell"))
    assert search.startswith("“Hartwell” at every supplier")
    shop = description(html_of(client, "/shops/kitchen-pro"))
    assert shop
    descriptions = {home, product, category, search, shop}
    assert len(descriptions) == 5  # each page its own


def test_favicon_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    response.close()
    assert '<link rel="icon" href="/favicon.ico"' in html_of(client, "/")


# --- JSON-LD --------------------------------------------------------------------------------

TEXT = {"type": "string", "minLength": 1}
URL = {"type": "string", "pattern": r"^https?://[^\s]+$"}
#: schema.org's Number, which it allows to be written as Text: a decimal with a dot, never a float's noise.
PRICE = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}]}
ITEM_AVAILABILITY = [
    f"https://schema.org/{name}"
    for name in (
        "InStock", "OutOfStock", "InStoreOnly", "LimitedAvailability", "OnlineOnly",
        "PreOrder", "PreSale", "SoldOut", "BackOrder", "Discontinued",
    )
]  # fmt: skip

#: schema.org/AggregateOffer (a subtype of Offer): the properties we may send, with their types;
#: Google's rich results need lowPrice and priceCurrency, and use highPrice and offerCount.
AGGREGATE_OFFER = {
    "type": "object",
    "required": ["@type", "lowPrice", "highPrice", "offerCount", "priceCurrency"],
    "properties": {
        "@type": {"const": "AggregateOffer"},
        "lowPrice": PRICE,
        "highPrice": PRICE,
        "offerCount": {"type": "integer", "minimum": 1},
        "priceCurrency": {"type": "string", "pattern": "^[A-Z]{3}$"},  # ISO 4217
        "availability": {"enum": ITEM_AVAILABILITY},
        "url": URL,
    },
    "additionalProperties": False,
}

#: schema.org/Product: name and offers required (Google's product snippets), the rest as schema.org types them.
PRODUCT = {
    "type": "object",
    "required": ["@context", "@type", "name", "offers"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "Product"},
        "name": TEXT,
        "url": URL,
        "image": {"anyOf": [URL, {"type": "array", "items": URL, "minItems": 1}]},
        "description": TEXT,
        "brand": {
            "type": "object",
            "required": ["@type", "name"],
            "properties": {"@type": {"enum": ["Brand", "Organization"]}, "name": TEXT},
            "additionalProperties": False,
        },
        "model": TEXT,
        "gtin": {"type": "string", "pattern": r"^(\d{8}|\d{12}|\d{13}|\d{14})$"},
        "mpn": TEXT,
        "sku": TEXT,
        "category": TEXT,
        "offers": AGGREGATE_OFFER,
    },
    "additionalProperties": False,
}

BREADCRUMB_LIST = {
    "type": "object",
    "required": ["@context", "@type", "itemListElement"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "BreadcrumbList"},
        "itemListElement": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["@type", "position", "name", "item"],
                "properties": {
                    "@type": {"const": "ListItem"},
                    "position": {"type": "integer", "minimum": 1},
                    "name": TEXT,
                    "item": URL,
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


def structured_data(html: str) -> dict[str, dict[str, Any]]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    found = [json.loads(block) for block in blocks]
    return {data["@type"]: data for data in found}


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_product_pages_carry_a_valid_product_with_an_aggregate_offer(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], lang: str
) -> None:
    pan = sku(db_session, "PAN-28")
    html = html_of(client, f"/products/{pan.product_id}?lang={lang}", follow_redirects=True)
    data = structured_data(html)
    assert set(data) == {"Product", "BreadcrumbList"}
    product = data["Product"]
    jsonschema.validate(product, PRODUCT)
    jsonschema.validate(data["BreadcrumbList"], BREADCRUMB_LIST)

    offers = product["offers"]
    live = [o for o in pan.product.offers if o.is_active]
    assert offers["offerCount"] == len(live) == 2
    assert offers["lowPrice"] == "1899.00" and offers["priceCurrency"] == "UAH"
    assert float(offers["lowPrice"]) <= float(offers["highPrice"])
    assert offers["highPrice"] == f"{max(o.price_base for o in live):.2f}"
    assert product["name"] == pan.product.title
    assert product["brand"] == {"@type": "Brand", "name": "Hartwell"}
    assert product["gtin"] == "4820000010016"
    assert product["mpn"] == "HS-28"
    assert product["url"] == f"{SITE}/products/{pan.product_id}-hartwell-steel-frying-pan-28-cm?lang={lang}"
    assert product["image"] == ["https://kitchen-pro.example/img/pan-28.jpg"]

    steps = data["BreadcrumbList"]["itemListElement"]
    assert [step["position"] for step in steps] == list(range(1, len(steps) + 1))
    assert steps[-1]["item"] == product["url"]
    assert all(step["item"].endswith(f"lang={lang}") for step in steps)


def test_the_schema_refuses_what_search_engines_would(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    """The schema is a real check: a float's noise, a missing currency or a stray property fail it."""
    pan = sku(db_session, "PAN-28")
    product = structured_data(html_of(client, f"/products/{pan.product_id}", follow_redirects=True))["Product"]
    for broken in (
        {**product, "offers": {**product["offers"], "priceCurrency": "грн"}},
        {**product, "offers": {k: v for k, v in product["offers"].items() if k != "lowPrice"}},
        {**product, "offers": {**product["offers"], "lowPrice": "1899.0000001"}},
        {**product, "offers": {**product["offers"], "price": "1899.00"}},
        {**product, "color": "steel"},
        {k: v for k, v in product.items() if k != "name"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, PRODUCT)


def test_structured_data_cannot_break_out_of_its_script(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    pan.product.title = "Pan </script><script>alert(1)</script>"
    pan.description = "<b>Tri-ply</b> &amp; <i>steel</i>"
    db_session.commit()
    html = html_of(client, f"/products/{pan.product_id}", follow_redirects=True)
    assert "<script>alert(1)" not in html
    product = structured_data(html)["Product"]
    assert product["name"] == "Pan </script><script>alert(1)</script>"
    assert product["description"] == "Tri-ply & steel"
