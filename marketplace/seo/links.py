"""The slugs in product and category links, and the canonical and alternate links of public pages.

``url_for("catalog.product", product_id=...)`` keeps working everywhere: the catalog's
``url_defaults`` asks :func:`product_slug` and :func:`category_slug` for the slug. A product
already loaded in the request's session costs no query, nor does a category
in it; another is one row by its key, and each category name is slugged once per process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app, g, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from marketplace.catalog.models import Product
from marketplace.db import get_session
from marketplace.seo.slugs import slugify
from marketplace.taxonomy.models import Category

logger = logging.getLogger(__name__)

#: Public pages and the query arguments that belong to their canonical URL; any other
#: argument (sort, filters, tracking) names the same content. Pages not listed get no
#: canonical link and no alternates.
CANONICAL_ARGS: dict[str, tuple[str, ...]] = {
    "catalog.home": (),
    "catalog.categories": (),
    "catalog.category": ("page",),
    "catalog.product": (),
    "search.search": ("q", "category", "page"),
    "shops.index": (),
    "shops.shop": (),
    "buyer_requests.index": (),
    "buyer_requests.detail": (),
}

#: The pages whose URL carries a slug made by ``add_slug``.
SLUGGED = frozenset({"catalog.product", "catalog.category"})

#: A first page is the page without ``page``.
_FIRST_PAGE = {"page": "1"}


def product_slug(product: Product) -> str:
    """Return the slug of a product's URL, from its canonical title."""
    return slugify(product.title)


def category_slug(category: Category) -> str:
    """Return the slug of a category's URL, from its English name (the taxonomy's own, stable in every language)."""
    return slugify(category.name)


def product_slug_for(product_id: int) -> str | None:
    """Return the slug for a link to ``product_id``, or ``None`` when there is none to give."""
    cache: dict[int, str | None] = g.setdefault("_seo_product_slugs", {})
    if product_id not in cache:
        try:
            product = get_session().get(Product, product_id)  # the identity map first, then one row
        except SQLAlchemyError as error:  # a page rendered while the database is down links without slugs
            logger.warning("No slug for product %s: %s", product_id, error)
            product = None
        cache[product_id] = (product_slug(product) or None) if product is not None else None
    return cache[product_id]


def category_slug_for(category_id: int) -> str | None:
    """Return the slug for a link to ``category_id``, or ``None`` when there is none to give."""
    cache: dict[int, str | None] = g.setdefault("_seo_category_slugs", {})
    if category_id not in cache:
        try:
            category = get_session().get(Category, category_id)  # the tree a page shows is loaded already
        except SQLAlchemyError as error:
            logger.warning("No slug for category %s: %s", category_id, error)
            category = None
        cache[category_id] = _name_slug(category.name) if category is not None else None
    return cache[category_id]


@lru_cache(maxsize=16_384)
def _name_slug(name: str) -> str | None:
    """Return a category name's slug, once per process: names are few and slugify is not cheap."""
    return slugify(name) or None


def forget_slugs() -> None:
    """Drop the slugs read so far: each request reads its own (an app context, and ``g``, may outlive one)."""
    g.pop("_seo_product_slugs", None)
    g.pop("_seo_category_slugs", None)


def add_slug(endpoint: str, values: dict[str, Any]) -> None:
    """Fill in ``slug`` for links to a product or a category (a ``url_defaults`` callback)."""
    if values.get("slug") is not None:
        return
    values.pop("slug", None)  # ``slug=None`` asks for the current one
    if endpoint == "catalog.product" and isinstance(values.get("product_id"), int):
        slug = product_slug_for(values["product_id"])
    elif endpoint == "catalog.category" and isinstance(values.get("category_id"), int):
        slug = category_slug_for(values["category_id"])
    else:
        return
    if slug:
        values["slug"] = slug


def site_url(path: str) -> str:
    """Return ``path`` (from ``url_for``) as an absolute URL on the configured ``SITE_URL``.

    The Host header is the visitor's to choose, so links that leave the page never use it.
    """
    base: str = current_app.config["SITE_URL"]
    return base.rstrip("/") + path


@dataclass(frozen=True)
class PageLinks:
    """The canonical URL of a page in the language it is shown in, and one per language."""

    canonical: str
    #: ``(hreflang, url)``: each language, then ``x-default`` (no ``lang``: the visitor's own choice).
    alternates: list[tuple[str, str]]


def _kept_args(args: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    kept = {}
    for name in names:
        value = args.get(name, "").strip()
        if value and _FIRST_PAGE.get(name) != value:
            kept[name] = value
    return kept


def page_links(locale: str) -> PageLinks | None:
    """Return the canonical and alternate links of the current page, or ``None`` for a page search engines skip."""
    endpoint = request.endpoint
    if endpoint is None or endpoint not in CANONICAL_ARGS or request.url_rule is None:
        return None
    values: dict[str, Any] = dict(request.view_args or {})
    if endpoint in SLUGGED:
        values["slug"] = None  # the current slug, whatever the request said
    values |= _kept_args(request.args, CANONICAL_ARGS[endpoint])
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    alternates = [(lang, site_url(url_for(endpoint, **values, lang=lang))) for lang in languages]
    alternates.append(("x-default", site_url(url_for(endpoint, **values))))
    canonical = dict(alternates).get(locale, alternates[-1][1])
    return PageLinks(canonical=canonical, alternates=alternates)
