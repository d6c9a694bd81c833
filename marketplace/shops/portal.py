"""The supplier portal's pages for the shop in the row: click-outs, leads, storefront settings and category mapping."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import supplier_required
from marketplace.catalog.category_mapping import (
    supplier_mapping,
)
from marketplace.catalog.clickouts import clicks_per_day, clicks_per_offer
from marketplace.db import get_session
from marketplace.shops.forms import CategoryMappingForm, StorefrontForm
from marketplace.shops.mapping_post import post_category_mapping
from marketplace.shops.services import LeadNotFound, open_lead, supplier_leads, update_storefront

bp = Blueprint("shops_portal", __name__, url_prefix="/portal")

#: The days the click-out statistics cover.
CLICK_DAYS = 30


@bp.get("/clicks")
@supplier_required
def clicks():  # type: ignore[no-untyped-def]
    session = get_session()
    supplier_id = current_user.supplier_id
    return render_template(
        "shops/portal_clicks.html",
        supplier=current_user.supplier,
        per_offer=clicks_per_offer(session, supplier_id, days=CLICK_DAYS),
        per_day=clicks_per_day(session, supplier_id, days=CLICK_DAYS),
        days=CLICK_DAYS,
    )


@bp.get("/leads")
@supplier_required
def leads():  # type: ignore[no-untyped-def]
    return render_template(
        "shops/portal_leads.html",
        supplier=current_user.supplier,
        leads=supplier_leads(get_session(), current_user.supplier_id),
    )


@bp.get("/leads/<int:lead_id>")
@supplier_required
def lead(lead_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    try:
        found = open_lead(session, current_user.supplier_id, lead_id)
    except LeadNotFound:
        abort(404)
    session.commit()
    return render_template("shops/portal_lead.html", supplier=current_user.supplier, lead=found)


@bp.route("/storefront", methods=["GET", "POST"])
@supplier_required
def storefront():  # type: ignore[no-untyped-def]
    supplier = current_user.supplier
    form = StorefrontForm(obj=supplier)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("shops/portal_storefront.html", supplier=supplier, form=form), 400
        session = get_session()
        update_storefront(
            session,
            supplier,
            has_own_store=form.has_own_store.data,
            utm_source=form.utm_source.data,
            utm_medium=form.utm_medium.data,
            utm_campaign=form.utm_campaign.data,
        )
        session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("shops_portal.storefront"))
    return render_template("shops/portal_storefront.html", supplier=supplier, form=form)


@bp.route("/categories", methods=["GET", "POST"])
@supplier_required
def categories():  # type: ignore[no-untyped-def]
    session = get_session()
    supplier = current_user.supplier
    form = CategoryMappingForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            done = post_category_mapping(form, owner_id=supplier.id, done="shops_portal.categories")
            if done is not None:
                return done
        status = 400
    return render_template(
        "shops/portal_categories.html", supplier=supplier, rows=supplier_mapping(session, supplier), form=form
    ), status
