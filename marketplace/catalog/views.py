"""Browsing the catalog: home, the category tree, product cards and click-outs."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectChoice

from marketplace.appctx import real_app
from marketplace.buyer_requests.queries import open_requests
from marketplace.catalog.click_spool import ClickRecord
from marketplace.catalog.jobs import click_spool
from marketplace.catalog.products import live_product
from marketplace.catalog.services import (
    NotFound,
    category_page,
    category_tree,
    click_target,
    product_page,
    record_click,
)
from marketplace.catalog.thumbnails import ThumbnailFolder, is_key, thumbnail_format
from marketplace.db import database, get_session, utcnow
from marketplace.events.bots import is_bot_request
from marketplace.events.log import log_event
from marketplace.personal.views import home_sections
from marketplace.recommendations.services import product_recommendations
from marketplace.search.forms import SearchForm
from marketplace.search.index_runtime import get_index
from marketplace.search.services import bucket_bounds, search_offers
from marketplace.seo.links import add_slug, category_slug, product_slug
from marketplace.suppliers.services import list_suppliers
from marketplace.urls import link_args

logger = logging.getLogger(__name__)

bp = Blueprint("catalog", __name__)

#: The anonymous visitor cookie: lets click-outs and, later, analytics recognise returning visitors.
VISITOR_COOKIE = "visitor"


bp.url_defaults(add_slug)


@bp.before_app_request
def _identify_visitor() -> None:
    visitor = request.cookies.get(VISITOR_COOKIE, "")
    g.visitor_is_new = not (visitor.isalnum() and 16 <= len(visitor) <= 64)
    g.visitor_id = secrets.token_hex(16) if g.visitor_is_new else visitor


@bp.after_app_request
def _remember_visitor(response: Response) -> Response:
    if getattr(g, "visitor_is_new", False) and not request.path.startswith(("/static/", "/api/")):
        response.set_cookie(VISITOR_COOKIE, g.visitor_id, max_age=2 * 365 * 24 * 3600, httponly=True, samesite="Lax")
    return response


@bp.get("/")
def home() -> ResponseReturnValue:
    session = get_session()
    # A returning visitor's own sections (marketplace.personal); None keeps a first visit's page as it was.
    personal = home_sections()
    response = make_response(
        render_template(
            "catalog/home.html", tree=category_tree(session), requests=open_requests(session)[:5], personal=personal
        )
    )
    if personal:
        # What one visitor viewed is for their browser alone, never for a shared cache.
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/categories/")
def categories() -> ResponseReturnValue:
    return render_template("catalog/categories.html", tree=category_tree(get_session()))


@bp.get("/categories/<int:category_id>")
@bp.get("/categories/<int:category_id>-<slug>")
def category(category_id: int, slug: str | None = None) -> ResponseReturnValue:
    """Show a category's place in the tree, and its products through the search: the same filters, facets and sorts."""
    session = get_session()
    try:
        # The tree only: the products come from the search index, filtered and sorted as the buyer asks.
        place = category_page(session, category_id, per_page=0)
    except NotFound:
        abort(404)
    if slug != (category_slug(place.category) or None):
        # The id finds the page; a missing, old or mistyped slug is sent on to the one URL search engines keep.
        return redirect(
            url_for("catalog.category", **{**link_args(request.args), "category_id": category_id, "slug": None}), 301
        )
    args = request.args.copy()
    args.pop("category", None)  # the category is the one in the path
    form = SearchForm(args)
    form.supplier.choices = [SelectChoice(s.slug, s.name) for s in list_suppliers(session)]
    result = None
    if form.validate():
        form.category.data = category_id
        result = search_offers(session, get_index(), form.to_query(current_app.config["SEARCH_PER_PAGE"]))
    keep_args = {name: value for name, value in link_args(args).items() if name != "page"}
    return render_template(
        "catalog/category.html",
        page=place,
        form=form,
        result=result,
        bucket_bounds=bucket_bounds,
        keep_args=keep_args,
    )


@bp.get("/products/<int:product_id>")
@bp.get("/products/<int:product_id>-<slug>")
def product(product_id: int, slug: str | None = None) -> ResponseReturnValue:
    session = get_session()
    live = live_product(session, product_id)
    if live is not None and (live.id != product_id or slug != (product_slug(live) or None)):
        # A product merged into another lives on there, and an old or missing slug leads to the
        # current one: old links and bookmarks follow it.
        return redirect(
            url_for("catalog.product", **{**link_args(request.args), "product_id": live.id, "slug": None}), code=301
        )
    by_total = request.args.get("sort") == "total"
    try:
        page = product_page(
            session,
            product_id,
            by_total=by_total,
            reference_days=current_app.config["DISCOUNT_REFERENCE_DAYS"],
            chart_days=current_app.config["PRICE_CHART_DAYS"],
        )
    except NotFound:
        abort(404)
    recommended = product_recommendations(session, product_id)
    return render_template("catalog/product.html", card=page.card, page=page, recommended=recommended)


#: Thumbnails are named by a hash of their picture's URL, so one never changes: caches keep it a year.
THUMBNAIL_MAX_AGE = 365 * 24 * 3600


@bp.app_template_global()
def thumbnail_src(picture_url: str | None) -> str | None:
    """Return the address of a picture's thumbnail, or ``None`` while the worker has not made it."""
    if not picture_url:
        return None
    folder = ThumbnailFolder.of(current_app.config)
    if not folder.has(picture_url):
        return None
    return url_for("catalog.thumbnail", name=folder.file_name(picture_url))


@bp.get("/thumbnails/<name>")
def thumbnail(name: str) -> ResponseReturnValue:
    key, _, extension = name.partition(".")
    if not is_key(key) or extension != thumbnail_format()[1]:
        abort(404)
    folder = ThumbnailFolder.of(current_app.config)
    folder.has_file(name)  # another node's worker made it: copied here from the shared store
    response = send_from_directory(folder.path, name, max_age=THUMBNAIL_MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.route("/go/<int:offer_id>", methods=["GET", "HEAD"])
def go(offer_id: int) -> ResponseReturnValue:
    """Send the buyer to the offer's stored URL, never one from the request, and record the click-out.

    Bots, HEAD requests and prefetches are sent on without being recorded; a visitor's repeat
    click within ``CLICK_REPEAT_MINUTES`` is counted once. An offer of a seller without a web
    store of its own leads to the seller's order form instead. The redirect never waits for
    the write: a click the database cannot take within ``CLICK_WRITE_WAIT`` seconds is spooled
    and recorded by the worker.
    """
    session = get_session()
    try:
        offer, target_url = click_target(session, offer_id)
    except NotFound:
        abort(404)
    if not offer.supplier.has_own_store:
        return redirect(url_for("shops.order", slug=offer.supplier.slug, offer=offer.id), code=302)
    if not is_bot_request(request.method, request.user_agent.string, request.headers):
        record = ClickRecord(
            offer_id=offer.id,
            visitor_id=g.visitor_id,
            user_id=current_user.id if current_user.is_authenticated else None,
            source_page=_own_path(request.referrer),
            position=request.args.get("pos", type=int),
            clicked_at=utcnow(),
        )
        _save_click(record)
        log_event(
            "clickout",
            supplier_id=offer.supplier_id,
            product_id=offer.product_id,
            category_id=offer.category_id,
            offer_id=offer.id,
        )
    response = redirect(target_url, code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "origin"
    return response


#: After the database failed to take a click, clicks go straight to the spool for this many
#: seconds: an import holds SQLite's lock for minutes, and every click would wait in vain.
SPOOL_ONLY_SECONDS = 1.0


def _save_click(record: ClickRecord) -> None:
    """Record the click in a short transaction of its own, or spool it when the database cannot take it now."""
    app = real_app()
    if time.monotonic() >= app.extensions.get("traderow.clicks_spool_until", 0.0):
        repeat_window = dt.timedelta(minutes=app.config["CLICK_REPEAT_MINUTES"])
        try:
            with database().write_session(app.config["CLICK_WRITE_WAIT"]) as click_session:
                record_click(click_session, record, repeat_window=repeat_window)
                click_session.commit()
                return
        except SQLAlchemyError as error:
            app.extensions["traderow.clicks_spool_until"] = time.monotonic() + SPOOL_ONLY_SECONDS
            logger.warning(
                "Click-outs spooled for %.0f s: the database did not take one (%s)", SPOOL_ONLY_SECONDS, error
            )
    try:
        click_spool(app.config).put(record)
    except OSError:
        # The buyer still goes on; the log keeps what the click was.
        logger.exception("Click-out lost: neither the database nor the spool took %s", record.to_json())


def _own_path(referrer: str | None) -> str | None:
    """Return the referrer's path if it is a page of this site."""
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
