"""robots.txt, the sitemaps and /favicon.ico.

The sitemaps are plain Jinja XML templates (autoescaped, as every ``.xml`` template is):
the format is two elements deep, and the sitemap packages on PyPI (flask-sitemap and the
like) are either unmaintained or build the whole document in memory without the paging by
id that keeps each file's URLs stable. A view returns at most 50,000 URLs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.catalog.services import ProductPage
from marketplace.db import get_session
from marketplace.seo.jsonld import breadcrumbs_jsonld, product_jsonld
from marketplace.seo.links import forget_slugs, page_links, site_url
from marketplace.seo.sitemaps import (
    MAX_URLS_PER_FILE,
    Chunk,
    Entry,
    categories_in_chunk,
    category_chunks,
    live_categories,
    product_chunks,
    products_in_chunk,
)
from marketplace.seo.slugs import slugify
from marketplace.templating import current_locale

bp = Blueprint("seo", __name__)

#: Where crawlers must not go: accounts and back offices, click-outs (each a redirect that
#: counts a click), forms, and filtered or re-sorted lists (the same products, endlessly
#: recombined). A plain search for words stays crawlable: it is a landing page buyers come to.
DISALLOW = (
    "/account",
    "/admin",
    "/portal",
    "/go/",
    "/api/",
    "/compare",
    "/notifications",
    "/recently-viewed",
    "/dev/",
    "/requests/new",
    "/shops/*/order",
    "/*?*sort=",
    "/*?*min_price=",
    "/*?*max_price=",
    "/*?*supplier=",
    "/*?*brand=",
    "/*?*in_stock=",
    "/*?*condition=",
    "/*?*view=",
    "/*?*per_page=",
    "/*?*next=",
)

#: Sitemaps change with imports; crawlers may keep one for an hour.
SITEMAP_MAX_AGE = 3600


def _entities_per_file() -> int:
    urls: int = min(current_app.config.get("SITEMAP_URLS_PER_FILE", MAX_URLS_PER_FILE), MAX_URLS_PER_FILE)
    return max(urls // len(current_app.config["LANGUAGES"]), 1)


def _xml(template: str, **context: object) -> Response:
    response = Response(render_template(template, **context), mimetype="application/xml")
    response.cache_control.public = True
    response.cache_control.max_age = SITEMAP_MAX_AGE
    return response


def _w3c(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _in_every_language(endpoint: str, entries: Iterable[tuple[dict[str, Any], dt.datetime]]) -> list[tuple[str, str]]:
    """Return ``(loc, lastmod)`` for each entry in each language: the pages' own canonical URLs."""
    languages = current_app.config["LANGUAGES"]
    return [
        (site_url(url_for(endpoint, **values, lang=lang)), _w3c(lastmod))
        for values, lastmod in entries
        for lang in languages
    ]


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOW), "Allow: /", ""]
    lines.append(f"Sitemap: {site_url(url_for('seo.sitemap_index'))}")
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = SITEMAP_MAX_AGE
    return response


@bp.get("/sitemap.xml")
def sitemap_index() -> ResponseReturnValue:
    session = get_session()
    size = _entities_per_file()
    products = product_chunks(session, size)
    categories = category_chunks(live_categories(session), size)
    files = [(site_url(url_for("seo.sitemap_pages")), _newest(products + categories))]
    files += [(site_url(url_for("seo.sitemap_categories", number=c.number + 1)), _w3c(c.lastmod)) for c in categories]
    files += [(site_url(url_for("seo.sitemap_products", number=c.number + 1)), _w3c(c.lastmod)) for c in products]
    return _xml("seo/sitemap_index.xml", files=files)


def _newest(chunks: list[Chunk]) -> str | None:
    return _w3c(max(c.lastmod for c in chunks)) if chunks else None


@bp.get("/sitemaps/pages.xml")
def sitemap_pages() -> ResponseReturnValue:
    session = get_session()
    size = _entities_per_file()
    newest = [c.lastmod for c in product_chunks(session, size)]
    lastmod = max(newest) if newest else dt.datetime.now(dt.UTC)
    urls = _in_every_language("catalog.home", [({}, lastmod)])
    urls += _in_every_language("catalog.categories", [({}, lastmod)])
    return _xml("seo/urlset.xml", urls=urls)


@bp.get("/sitemaps/products-<int:number>.xml")
def sitemap_products(number: int) -> ResponseReturnValue:
    entries = products_in_chunk(get_session(), number - 1, _entities_per_file())
    if not entries:
        abort(404)
    urls = _in_every_language("catalog.product", ((_values("product_id", e), e.lastmod) for e in entries))
    return _xml("seo/urlset.xml", urls=urls)


@bp.get("/sitemaps/categories-<int:number>.xml")
def sitemap_categories(number: int) -> ResponseReturnValue:
    entries = categories_in_chunk(live_categories(get_session()), number - 1, _entities_per_file())
    if not entries:
        abort(404)
    urls = _in_every_language("catalog.category", ((_values("category_id", e), e.lastmod) for e in entries))
    return _xml("seo/urlset.xml", urls=urls)


def _values(key: str, entry: Entry) -> dict[str, Any]:
    # The slug links.product_slug and links.category_slug give, from the same text; stating it
    # spares the link builder a lookup per URL. ``None`` (no letters to make one of) means none.
    return {key: entry.id, "slug": slugify(entry.name) or None}


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return send_from_directory(
        current_app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600
    )


def product_structured_data(page: ProductPage) -> list[dict[str, Any]]:
    """Return the product page's JSON-LD: the Product with its AggregateOffer, then its BreadcrumbList."""
    locale = current_locale()
    card = page.card
    url = site_url(url_for("catalog.product", product_id=card.product.id, lang=locale))
    trail = [(str(_("Categories")), site_url(url_for("catalog.categories", lang=locale)))]
    trail += [
        (c.name_in(locale), site_url(url_for("catalog.category", category_id=c.id, lang=locale)))
        for c in card.breadcrumbs
    ]
    trail.append((card.product.title, url))
    product = product_jsonld(
        card.product,
        card.offers,
        url=url,
        pictures=page.pictures,
        currency=current_app.config["BASE_CURRENCY"],
        category=card.breadcrumbs[-1].path_in(locale) if card.breadcrumbs else None,
    )
    return [product, breadcrumbs_jsonld(trail)]


bp.before_app_request(forget_slugs)
bp.add_app_template_global(page_links, "page_links")
bp.add_app_template_global(product_structured_data, "product_structured_data")
