"""Supplier acquisition at ``/admin/acquisition`` (operators only): add, invite and follow prospective suppliers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from marketplace.accounts.access import admin_required, logged_in_account
from marketplace.crm.acquisition import (
    STAGES,
    AcquisitionError,
    ProspectNotFound,
    add_prospect,
    get_prospect,
    invite,
    link_supplier,
    list_prospects,
    stage_counts,
    update_prospect,
)
from marketplace.crm.acquisition_forms import InviteForm, LinkSupplierForm, ProspectForm
from marketplace.crm.prospects import ProspectStage, SupplierProspect
from marketplace.db import get_session

bp = Blueprint("crm_acquisition", __name__, url_prefix="/admin/acquisition")

#: What each stage is called on the operator's pages.
STAGE_LABELS = {
    ProspectStage.PROSPECT: _l("Prospect"),
    ProspectStage.INVITED: _l("Invited"),
    ProspectStage.ONBOARDED: _l("Onboarded"),
    # "Active" elsewhere is an alert's (neuter in uk); a supplier is masculine.
    ProspectStage.ACTIVE: lazy_pgettext("supplier stage", "Active"),
}


def _board(form: ProspectForm | None = None, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    wanted = request.args.get("stage", "")
    stage = ProspectStage(wanted) if wanted in {s.value for s in STAGES} else None
    view = "board" if request.args.get("view") == "board" else "table"
    return render_template(
        "crm/acquisition.html",
        counts=stage_counts(session),
        prospects=list_prospects(session, stage=stage),
        stage=stage,
        view=view,
        stage_labels=STAGE_LABELS,
        form=form or ProspectForm(formdata=None),
    ), status


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    return _board()


def _field_error(form: ProspectForm | LinkSupplierForm, exc: AcquisitionError, default: str) -> None:
    getattr(form, exc.field or default).errors = [str(exc)]


@bp.post("/")
@admin_required
def add() -> ResponseReturnValue:
    form = ProspectForm()
    if not form.validate_on_submit():
        return _board(form, status=400)
    session = get_session()
    try:
        prospect = add_prospect(session, form.to_input(), logged_in_account())
    except AcquisitionError as exc:
        session.rollback()
        _field_error(form, exc, "company")
        return _board(form, status=400)
    session.commit()
    flash(_("%(company)s is in the pipeline.", company=prospect.company), "success")
    return redirect(url_for(".prospect", prospect_id=prospect.id))


def _prospect_or_404(prospect_id: int) -> SupplierProspect:
    try:
        return get_prospect(get_session(), prospect_id)
    except ProspectNotFound:
        abort(404)


def _prospect_page(
    prospect: SupplierProspect,
    form: ProspectForm | None = None,
    link_form: LinkSupplierForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "crm/prospect.html",
        prospect=prospect,
        form=form or ProspectForm(formdata=None, obj=prospect),
        invite_form=InviteForm(formdata=None),
        link_form=link_form or LinkSupplierForm(formdata=None),
        stage_labels=STAGE_LABELS,
    ), status


@bp.get("/<int:prospect_id>")
@admin_required
def prospect(prospect_id: int) -> ResponseReturnValue:
    return _prospect_page(_prospect_or_404(prospect_id))


@bp.post("/<int:prospect_id>")
@admin_required
def update(prospect_id: int) -> ResponseReturnValue:
    found = _prospect_or_404(prospect_id)
    form = ProspectForm()
    if not form.validate_on_submit():
        return _prospect_page(found, form=form, status=400)
    session = get_session()
    try:
        update_prospect(session, found, form.to_input(), logged_in_account())
    except AcquisitionError as exc:
        session.rollback()
        _field_error(form, exc, "company")
        return _prospect_page(_prospect_or_404(prospect_id), form=form, status=400)
    session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".prospect", prospect_id=prospect_id))


@bp.post("/<int:prospect_id>/invite")
@admin_required
def send_invitation(prospect_id: int) -> ResponseReturnValue:
    found = _prospect_or_404(prospect_id)
    if not InviteForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        invite(session, found, logged_in_account(), url_for("accounts.register"))
    except AcquisitionError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".prospect", prospect_id=prospect_id))
    session.commit()
    flash(_("The invitation is on its way to %(email)s.", email=found.email), "success")
    return redirect(url_for(".prospect", prospect_id=prospect_id))


@bp.post("/<int:prospect_id>/supplier")
@admin_required
def link(prospect_id: int) -> ResponseReturnValue:
    found = _prospect_or_404(prospect_id)
    form = LinkSupplierForm()
    if not form.validate_on_submit():
        return _prospect_page(found, link_form=form, status=400)
    session = get_session()
    try:
        link_supplier(session, found, form.slug.data or "", logged_in_account())
    except AcquisitionError as exc:
        session.rollback()
        _field_error(form, exc, "slug")
        return _prospect_page(_prospect_or_404(prospect_id), link_form=form, status=400)
    session.commit()
    flash(_("Linked to the supplier."), "success")
    return redirect(url_for(".prospect", prospect_id=prospect_id))
