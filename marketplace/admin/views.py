"""The operators' area at ``/admin``: an index of its pages, and products to split and merge.

Other concerns add pages with blueprints of their own under ``/admin`` (see
``categories.py``) and list them in :data:`ADMIN_PAGES`, so the index links to them.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.access import admin_required
from marketplace.admin.forms import MergeProductForm, SplitOfferForm
from marketplace.catalog.models import Offer, Product
from marketplace.catalog.products import (
    GroupingError,
    decisions_for,
    find_products,
    live_product,
    merge_products,
    split_offer,
)
from marketplace.catalog.review import pending_count
from marketplace.catalog.services import sorted_offers
from marketplace.db import get_session

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: The pages the admin index lists, as ``(endpoint, title)``; add a line to add a page.
#: Endpoints of blueprints that are not registered are skipped.
ADMIN_PAGES: list[tuple[str, object]] = [
    ("admin.products", _l("Products: split and merge offer groups")),
    ("admin_review.queue", _l("Products: pairs to review")),
    ("admin_categories.queue", _l("Unmapped supplier categories")),
    ("admin_suppliers.index", _l("Suppliers: where offer links may lead")),
    ("admin_moderation.index", _l("Moderation: hide requests, shops and offers that break the rules")),
    ("analytics.dashboard", _l("Analytics: visits, pages, searches and the funnel")),
    ("crm.customers", _l("Customers: records, duplicates and timelines")),
    ("crm_acquisition.index", _l("Supplier acquisition: prospects, invitations, onboarding")),
]


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    pages = [(endpoint, title) for endpoint, title in ADMIN_PAGES if endpoint in current_app.view_functions]
    return render_template("admin/index.html", pages=pages)


@bp.get("/products")
@admin_required
def products() -> ResponseReturnValue:
    query = request.args.get("q", "")
    session = get_session()
    return render_template(
        "admin/products.html",
        products=find_products(session, query),
        query=query,
        review_waiting=pending_count(session),
    )


def _product_page(
    product: Product, merge_form: MergeProductForm | None = None, status: int = 200
) -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "admin/product.html",
        product=product,
        # Active offers best first (the one ranking rule), then withdrawn ones, which still belong here.
        offers=sorted_offers(product.offers) + [o for o in product.offers if not o.is_active],
        decisions=decisions_for(session, product),
        split_form=SplitOfferForm(),
        merge_form=merge_form or MergeProductForm(),
    ), status


def _live(product_id: int) -> Product:
    product = get_session().get(Product, product_id)
    if product is None:
        abort(404)
    return product


@bp.get("/products/<int:product_id>")
@admin_required
def product(product_id: int) -> ResponseReturnValue:
    found = _live(product_id)
    if found.merged_into_id is not None:
        live = live_product(get_session(), product_id)
        if live is not None:
            flash(_("Product %(old)d was merged into this one.", old=product_id), "info")
            return redirect(url_for("admin.product", product_id=live.id))
    return _product_page(found)


@bp.post("/products/<int:product_id>/split")
@admin_required
def split(product_id: int) -> ResponseReturnValue:
    found = _live(product_id)
    form = SplitOfferForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    offer = session.get(Offer, _int(form.offer_id.data))
    if offer is None or offer.product_id != found.id:
        abort(404)
    try:
        new_product = split_offer(session, offer, user=current_user)
    except GroupingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.product", product_id=found.id))
    session.commit()
    flash(
        _("The offer now forms product %(id)d and will not be grouped with these offers again.", id=new_product.id),
        "success",
    )
    return redirect(url_for("admin.product", product_id=found.id))


@bp.post("/products/<int:product_id>/merge")
@admin_required
def merge(product_id: int) -> ResponseReturnValue:
    keep = _live(product_id)
    form = MergeProductForm()
    if not form.validate_on_submit():
        return _product_page(keep, form, status=400)
    session = get_session()
    absorb = session.get(Product, form.other_id.data)
    if absorb is None:
        form.other_id.errors.append(_("There is no product with this id."))
        return _product_page(keep, form, status=400)
    try:
        merge_products(session, keep, absorb, user=current_user)
    except GroupingError as exc:
        form.other_id.errors.append(str(exc))
        return _product_page(keep, form, status=400)
    session.commit()
    flash(_("Product %(other)d merged into this one.", other=absorb.id), "success")
    return redirect(url_for("admin.product", product_id=keep.id))


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
