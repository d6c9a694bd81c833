"""Shops in the row: ``/shops/<slug>`` with the supplier's offers, and order requests to sellers without a store."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.db import get_session
from marketplace.search.index_runtime import get_index
from marketplace.shops.forms import OrderForm
from marketplace.shops.services import OrderLine, ShopError, orderable_offers, shop_offers, submit_order_request
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import SupplierNotFound, get_supplier, list_suppliers
from marketplace.urls import is_id

bp = Blueprint("shops", __name__, url_prefix="/shops")


def _supplier(slug: str) -> Supplier:
    try:
        supplier = get_supplier(get_session(), slug)
    except SupplierNotFound:
        abort(404)
    if supplier.hidden_at is not None:  # hidden by an operator: gone for buyers, reason in the owner's portal
        abort(404)
    return supplier


@bp.get("/")
def index() -> ResponseReturnValue:
    suppliers = [s for s in list_suppliers(get_session()) if s.hidden_at is None]
    return render_template("shops/index.html", suppliers=suppliers)


@bp.get("/<slug>")
def shop(slug: str) -> ResponseReturnValue:
    supplier = _supplier(slug)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    offers = shop_offers(
        get_session(),
        get_index(),
        supplier,
        query=request.args.get("q", "")[:200],
        page=min(page, 1000),
        per_page=current_app.config["SEARCH_PER_PAGE"],
    )
    return render_template("shops/shop.html", supplier=supplier, offers=offers)


@bp.route("/<slug>/order", methods=["GET", "POST"])
def order(slug: str) -> ResponseReturnValue:
    """Show and take an order request; the offers come from ``?offer=ID`` (repeatable) or the posted lines."""
    supplier = _supplier(slug)
    if supplier.has_own_store:
        return redirect(url_for("shops.shop", slug=slug))
    session = get_session()
    form = OrderForm()
    if request.method == "GET":
        ids = [i for i in request.args.getlist("offer", type=int) if is_id(i)]
        for offer in orderable_offers(session, supplier, ids):
            form.items.append_entry({"offer_id": str(offer.id), "quantity": 1})
        if current_user.is_authenticated and not form.buyer_name.data:
            form.buyer_name.data = current_user.display_name
            form.email.data = current_user.email
    offer_ids = [_int(entry.form.offer_id.data) for entry in form.items]
    offers = {o.id: o for o in orderable_offers(session, supplier, [i for i in offer_ids if i])}
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            lines = [
                OrderLine(_int(entry.form.offer_id.data) or 0, entry.form.quantity.data or 0) for entry in form.items
            ]
            try:
                lead = submit_order_request(
                    session,
                    supplier,
                    buyer_name=form.buyer_name.data or "",
                    phone=form.phone.data,
                    email=form.email.data,
                    comment=form.comment.data,
                    company=form.company.data,
                    lines=lines,
                    user_id=current_user.id if current_user.is_authenticated else None,
                )
            except ShopError as exc:
                form.form_errors.append(str(exc))
            else:
                session.commit()
                flash(_("Your order request #%(id)d is with %(seller)s; they will contact you.", id=lead.id,
                        seller=supplier.name), "success")  # fmt: skip
                return redirect(url_for("shops.shop", slug=slug))
        status = 400
    return render_template("shops/order.html", supplier=supplier, form=form, offers=offers), status


def _int(value: object) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if is_id(number) else None
