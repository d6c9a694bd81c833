"""The operators' list of suppliers: where each one's offer links may lead."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.accounts.access import admin_required
from marketplace.admin.forms import OfferHostsForm
from marketplace.db import get_session
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.offer_hosts import host_of
from marketplace.suppliers.services import SupplierError, list_suppliers, set_extra_offer_hosts

bp = Blueprint("admin_suppliers", __name__, url_prefix="/admin/suppliers")


def _page(
    failed: Supplier | None = None, failed_form: OfferHostsForm | None = None, status: int = 200
) -> ResponseReturnValue:
    suppliers = list_suppliers(get_session())
    forms = {
        s.id: failed_form
        if failed is not None and s.id == failed.id and failed_form is not None
        else OfferHostsForm(formdata=None, hosts="\n".join(s.extra_offer_hosts or ()))
        for s in suppliers
    }
    rows = [(s, host_of(s.store_url), forms[s.id]) for s in suppliers]
    return render_template("admin/suppliers.html", rows=rows), status


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/<int:supplier_id>/hosts")
@admin_required
def hosts(supplier_id: int) -> ResponseReturnValue:
    session = get_session()
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        abort(404)
    form = OfferHostsForm()
    if not form.validate_on_submit():
        return _page(supplier, form, 400)
    try:
        set_extra_offer_hosts(session, supplier, form.hosts.data or "")
    except SupplierError:  # the form checked the same rule: only a race gets here
        session.rollback()
        abort(400)
    session.commit()
    flash(_("Saved: offer links of %(name)s are checked against these sites from its next import.", name=supplier.name),
          "success")  # fmt: skip
    return redirect(url_for("admin_suppliers.index"))
