"""The operators' moderation page: hide a request, a shop or an offer with a reason, and show it again."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.accounts.access import admin_required, logged_in_account
from marketplace.admin.forms import TARGET_LABELS, HideForm, ShowForm
from marketplace.buyer_requests.inputs import MAX_DEADLINE_DAYS
from marketplace.db import get_session
from marketplace.moderation.services import (
    ModerationError,
    Target,
    far_deadline_requests,
    hidden_things,
    hide,
    show,
)

bp = Blueprint("admin_moderation", __name__, url_prefix="/admin/moderation")


def _page(form: HideForm | None = None, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "admin/moderation.html",
        form=form or HideForm(formdata=None),
        show_form=ShowForm(),
        hidden=hidden_things(session),
        far=far_deadline_requests(session),
        max_days=MAX_DEADLINE_DAYS,
        labels=TARGET_LABELS,
    ), status


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/hide")
@admin_required
def hide_thing() -> ResponseReturnValue:
    form = HideForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    session = get_session()
    target = Target(form.target.data)
    try:
        hide(session, target, form.target_id.data or 0, form.reason.data or "", logged_in_account())
    except ModerationError as exc:
        session.rollback()
        form.target_id.errors = [str(exc)]
        return _page(form, 400)
    session.commit()
    flash(_("Hidden: %(what)s %(id)s. Its owner is told why.", what=TARGET_LABELS[target], id=form.target_id.data),
          "success")  # fmt: skip
    return redirect(url_for("admin_moderation.index"))


@bp.post("/<target>/<int:target_id>/show")
@admin_required
def show_thing(target: str, target_id: int) -> ResponseReturnValue:
    if target not in {t.value for t in Target} or not ShowForm().validate_on_submit():
        abort(404 if target not in {t.value for t in Target} else 400)
    session = get_session()
    try:
        show(session, Target(target), target_id, logged_in_account())
    except ModerationError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Shown again: %(what)s %(id)s.", what=TARGET_LABELS[Target(target)], id=target_id), "success")
    return redirect(url_for("admin_moderation.index"))
