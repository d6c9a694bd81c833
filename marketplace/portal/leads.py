"""What buyers did with the supplier's offers: click-outs to its store, and the leads pipeline."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import supplier_required
from marketplace.buyer_requests.units import unit_label
from marketplace.catalog.clickouts import clicks_per_day, clicks_per_offer
from marketplace.db import database, get_session
from marketplace.portal.blueprint import bp
from marketplace.portal.lead_forms import SOURCE_LABELS, STAGE_LABELS, LeadForm, NoteForm
from marketplace.shops.leads import (
    STAGES,
    LeadChange,
    LeadError,
    LeadNotFound,
    add_note,
    get_lead,
    move_lead,
    open_lead,
    pipeline_totals,
    supplier_leads,
    won_lost_by_month,
)
from marketplace.shops.models import Lead, LeadStatus

#: The days the click-out statistics cover.
CLICK_DAYS = 30


@bp.get("/clicks")
@supplier_required
def clicks() -> ResponseReturnValue:
    session = get_session()
    supplier_id = current_user.supplier_id
    return render_template(
        "portal/clicks.html",
        supplier=current_user.supplier,
        per_offer=clicks_per_offer(session, supplier_id, days=CLICK_DAYS),
        per_day=clicks_per_day(session, supplier_id, days=CLICK_DAYS),
        days=CLICK_DAYS,
    )


@bp.get("/leads")
@supplier_required
def leads() -> ResponseReturnValue:
    session = get_session()
    supplier_id = current_user.supplier_id
    wanted = request.args.get("stage", "")
    stage = LeadStatus(wanted) if wanted in {s.value for s in STAGES} else None
    # The board shows one column per stage, the table one row per lead; both hold the same leads.
    view = "board" if request.args.get("view") == "board" else "table"
    return render_template(
        "portal/leads.html",
        supplier=current_user.supplier,
        leads=supplier_leads(session, supplier_id, stage=stage),
        totals=pipeline_totals(session, supplier_id),
        won_lost=won_lost_by_month(session, supplier_id),
        stage=stage,
        view=view,
        stage_labels=STAGE_LABELS,
        source_labels=SOURCE_LABELS,
    )


def _lead_page(
    lead: Lead, form: LeadForm | None = None, note_form: NoteForm | None = None, status: int = 200
) -> ResponseReturnValue:
    if form is None:
        form = LeadForm(
            formdata=None,
            stage=lead.status,
            lost_reason=lead.lost_reason,
            value=lead.value,
            value_currency=lead.value_currency or current_user.supplier.currency,
            next_step=lead.next_step,
            next_step_at=lead.next_step_at.date() if lead.next_step_at else None,
        )
    return render_template(
        "portal/lead.html",
        supplier=current_user.supplier,
        lead=lead,
        form=form,
        note_form=note_form or NoteForm(formdata=None),
        stage_labels=STAGE_LABELS,
        source_labels=SOURCE_LABELS,
        unit_label=unit_label,
    ), status


@bp.get("/leads/<int:lead_id>")
@supplier_required
def lead(lead_id: int) -> ResponseReturnValue:
    found = _own_lead(lead_id)
    if found.seen_at is None:
        # A GET's session reads in a deferred transaction, which SQLite refuses to turn into a write
        # at once if the worker committed in between (a new order's customer sync does, just then);
        # the first sight is written in a session of its own that waits for the write lock.
        with database().write_session(current_app.config["SQLITE_BUSY_TIMEOUT"]) as writer:
            open_lead(writer, current_user.supplier_id, lead_id)
            writer.commit()
    return _lead_page(found)


def _own_lead(lead_id: int) -> Lead:
    try:
        return get_lead(get_session(), current_user.supplier_id, lead_id)
    except LeadNotFound:
        abort(404)


def due_at(day: dt.date | None) -> dt.datetime | None:
    """Return when a next step set for ``day`` is overdue: the end of that day (UTC)."""
    return None if day is None else dt.datetime.combine(day, dt.time(23, 59), tzinfo=dt.UTC)


@bp.post("/leads/<int:lead_id>")
@supplier_required
def move(lead_id: int) -> ResponseReturnValue:
    found = _own_lead(lead_id)
    form = LeadForm()
    if not form.validate_on_submit():
        return _lead_page(found, form=form, status=400)
    step, day = (form.next_step.data or "").strip(), form.next_step_at.data
    change = LeadChange(
        stage=LeadStatus(form.stage.data),
        lost_reason=form.lost_reason.data,
        value=form.value.data,
        value_currency=form.value_currency.data,
        next_step=step or None,
        next_step_at=due_at(day),
        clear_next_step=not step and day is None,
    )
    session = get_session()
    try:
        move_lead(session, found, change, current_user)
    except LeadError as exc:
        session.rollback()
        getattr(form, exc.field or "stage").errors = [str(exc)]
        return _lead_page(_own_lead(lead_id), form=form, status=400)
    session.commit()
    flash(_("Lead #%(id)d is saved.", id=lead_id), "success")
    return redirect(url_for("portal.lead", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/notes")
@supplier_required
def note(lead_id: int) -> ResponseReturnValue:
    found = _own_lead(lead_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _lead_page(found, note_form=form, status=400)
    session = get_session()
    try:
        add_note(session, found, current_user, form.note.data or "")
    except LeadError as exc:
        session.rollback()
        form.note.errors = [str(exc)]
        return _lead_page(_own_lead(lead_id), note_form=form, status=400)
    session.commit()
    return redirect(url_for("portal.lead", lead_id=lead_id, _anchor="notes"))
