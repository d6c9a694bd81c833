"""How buyers reach the supplier (its own store with UTM tags, or order requests) and where its categories map."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import supplier_required
from marketplace.catalog.category_mapping import supplier_mapping
from marketplace.db import get_session
from marketplace.portal.blueprint import bp
from marketplace.portal.forms import StorefrontForm
from marketplace.shops.forms import CategoryMappingForm
from marketplace.shops.mapping_post import post_category_mapping
from marketplace.shops.services import update_storefront


@bp.route("/storefront", methods=["GET", "POST"])
@supplier_required
def storefront() -> ResponseReturnValue:
    supplier = current_user.supplier
    form = StorefrontForm(obj=supplier)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("portal/storefront.html", supplier=supplier, form=form), 400
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
        return redirect(url_for("portal.storefront"))
    return render_template("portal/storefront.html", supplier=supplier, form=form)


@bp.route("/categories", methods=["GET", "POST"])
@supplier_required
def categories() -> ResponseReturnValue:
    session = get_session()
    supplier = current_user.supplier
    form = CategoryMappingForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            done = post_category_mapping(form, owner_id=supplier.id, done="portal.categories")
            if done is not None:
                return done
        status = 400
    return render_template(
        "portal/categories.html", supplier=supplier, rows=supplier_mapping(session, supplier), form=form
    ), status
