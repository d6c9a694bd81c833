"""The comparison page: a list kept in the session, or shared as ``/compare/?ids=1,2,3``; works without JavaScript.

Adding a product keeps the buyer on its page: the page's script posts the form and shows the
answer in place; without the script the form posts and the product page comes back with a message.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange

from marketplace.compare.services import MAX_COMPARED, CompareError, add_to_comparison, comparison
from marketplace.db import get_session
from marketplace.urls import is_id

bp = Blueprint("compare", __name__, url_prefix="/compare")

#: The session key of the buyer's comparison list.
SESSION_KEY = "compare"


class ProductForm(FlaskForm):
    """A product to add to or remove from the comparison (CSRF-checked)."""

    product_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])


def _compared() -> list[int]:
    value = session.get(SESSION_KEY, [])
    return [i for i in value if isinstance(i, int)][:MAX_COMPARED] if isinstance(value, list) else []


@bp.get("/")
def index() -> ResponseReturnValue:
    shared = request.args.get("ids")
    if shared is not None:
        ids = [int(part) for part in shared.split(",") if part.strip().isdigit() and is_id(int(part))][:MAX_COMPARED]
    else:
        ids = _compared()
    return render_template(
        "compare/index.html", table=comparison(get_session(), ids), shared=shared is not None, ids=ids
    )


@bp.post("/add")
def add() -> ResponseReturnValue:
    """Add a product; answer JSON to the page's script (it stays on the page), else go back to the product."""
    form = ProductForm()
    if not form.validate_on_submit():
        abort(400)
    product_id = form.product_id.data
    compared = _compared()
    try:
        ids = add_to_comparison(get_session(), compared, product_id)
    except CompareError as exc:
        if _wants_json():
            return jsonify(message=str(exc)), 409
        flash(str(exc), "error")
        return redirect(url_for("catalog.product", product_id=product_id))
    session[SESSION_KEY] = ids
    if product_id in compared:
        message = _("Already in the comparison (%(num)d of %(max)d).", num=len(ids), max=MAX_COMPARED)
    else:
        message = _("Added to the comparison (%(num)d of %(max)d).", num=len(ids), max=MAX_COMPARED)
    if _wants_json():
        return jsonify(
            message=message,
            count=len(ids),
            compare_url=url_for("compare.index"),
            link_text=_("Open the comparison"),
        )
    flash(message, "success")
    return redirect(url_for("catalog.product", product_id=product_id))


def _wants_json() -> bool:
    """Tell the page's script (``Accept: application/json``) from a plain form post."""
    return request.accept_mimetypes.best == "application/json"


@bp.post("/remove")
def remove() -> ResponseReturnValue:
    form = ProductForm()
    if not form.validate_on_submit():
        abort(400)
    session[SESSION_KEY] = [i for i in _compared() if i != form.product_id.data]
    return redirect(url_for("compare.index"))


@bp.post("/clear")
def clear() -> ResponseReturnValue:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    session.pop(SESSION_KEY, None)
    return redirect(url_for("compare.index"))
