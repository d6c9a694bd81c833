"""The operators' queue of unmapped supplier categories: see what waits, map it, teach the rule."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from marketplace.accounts.access import admin_required
from marketplace.catalog.category_mapping import (
    unmapped_offer_count,
    unmapped_queue,
)
from marketplace.db import get_session
from marketplace.shops.forms import CategoryMappingForm
from marketplace.shops.mapping_post import post_category_mapping

bp = Blueprint("admin_categories", __name__, url_prefix="/admin/categories")


@bp.route("/", methods=["GET", "POST"])
@admin_required
def queue() -> ResponseReturnValue:
    session = get_session()
    form = CategoryMappingForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            done = post_category_mapping(form, owner_id=None, done="admin_categories.queue")
            if done is not None:
                return done
        status = 400
    return render_template(
        "admin/categories.html",
        entries=unmapped_queue(session),
        waiting=unmapped_offer_count(session),
        form=form,
    ), status
