"""The operators' queue of unmapped supplier categories: see what waits, map it, teach the rule."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import admin_required
from marketplace.catalog.category_mapping import (
    CategoryMappingError,
    find_category,
    set_mapping,
    unmapped_offer_count,
    unmapped_queue,
)
from marketplace.db import get_session
from marketplace.shops.forms import CategoryMappingForm
from marketplace.suppliers.models import SupplierCategory

bp = Blueprint("admin_categories", __name__, url_prefix="/admin/categories")


@bp.route("/", methods=["GET", "POST"])
@admin_required
def queue():  # type: ignore[no-untyped-def]
    session = get_session()
    form = CategoryMappingForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            supplier_category = session.get(SupplierCategory, _int(form.supplier_category_id.data))
            if supplier_category is None:
                abort(404)
            try:
                category = find_category(session, form.category.data or "")
                moved = set_mapping(session, supplier_category, category, by=current_user)
            except CategoryMappingError as exc:
                session.rollback()
                flash(str(exc), "error")
                status = 400
            else:
                session.commit()
                flash(_("Mapping saved; %(num)d offers moved.", num=moved), "success")
                return redirect(url_for("admin_categories.queue"))
        else:
            status = 400
    return render_template(
        "admin/categories.html",
        entries=unmapped_queue(session),
        waiting=unmapped_offer_count(session),
        form=form,
    ), status


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
