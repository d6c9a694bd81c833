"""The customer database at ``/admin/customers`` (operators), and the customer's rights on ``/account``.

Operators list, search, filter, export and import records, find and merge duplicates, read
one customer's timeline and log notes and calls. Every account downloads its own data and
deletes itself; nobody reaches another's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import cast

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from marketplace.accounts.access import View, admin_required, logged_in_account
from marketplace.crm.csv_io import CSV_MIMETYPE, ImportFileError, ImportReport, customers_csv, import_customers
from marketplace.crm.customers import (
    CustomerDetails,
    CustomerError,
    CustomerFilter,
    add_note,
    find_duplicates,
    get_customer,
    list_customers,
    live_customer,
    members_of,
    merge_customers,
    update_customer,
)
from marketplace.crm.forms import (
    CustomerForm,
    CustomerSearchForm,
    DeleteAccountForm,
    DeleteSegmentForm,
    ImportForm,
    MergeForm,
    NoteForm,
    SegmentForm,
    ValueSettingsForm,
)
from marketplace.crm.models import CustomerKind, CustomerSegment, LinkSource, NoteKind
from marketplace.crm.rights import RightsError, delete_account, export_user_data
from marketplace.crm.segments import (
    browsed_categories,
    delete_segment,
    filter_as_dict,
    list_segments,
    save_segment,
    segment_filter,
)
from marketplace.crm.timeline import customer_timeline
from marketplace.crm.value_settings import current_settings, save_settings
from marketplace.db import get_session, utcnow

bp = Blueprint("crm", __name__, url_prefix="/admin/customers")
account = Blueprint("crm_account", __name__, url_prefix="/account")

#: Flask-Login's decorator, which ships no types: the account's pages are for any signed-in user.
signed_in_required = cast(Callable[[View], View], login_required)

#: The largest CSV an operator may import.
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _score(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 1 <= int(value) <= 5 else None


def _search_form() -> CustomerSearchForm:
    form = CustomerSearchForm(request.args)
    form.offer_categories(browsed_categories(get_session(), _locale()))
    return form


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _filters(form: CustomerSearchForm) -> CustomerFilter:
    if not form.validate():
        return CustomerFilter()
    seen = form.seen.data or ""
    category = form.category.data or ""
    return CustomerFilter(
        query=form.q.data or "",
        kind=CustomerKind(form.kind.data) if form.kind.data else None,
        b2b={"yes": True, "no": False}.get(form.b2b.data or ""),
        language=form.language.data or None,
        seen_days=0 if seen == "never" else int(seen) if seen else None,
        tier=form.tier.data or None,
        r_min=_score(form.r_min.data),
        f_min=_score(form.f_min.data),
        m_min=_score(form.m_min.data),
        category_id=int(category) if category.isdigit() else None,
    )


def _list_page(
    import_form: ImportForm | None = None,
    report: ImportReport | None = None,
    status: int = 200,
    segment_form: SegmentForm | None = None,
) -> ResponseReturnValue:
    session = get_session()
    form = _search_form()
    page = request.args.get("page", "1")
    filters = _filters(form)
    found = list_customers(session, filters, int(page) if page.isdigit() else 1)
    return render_template(
        "crm/customers.html",
        form=form,
        found=found,
        import_form=import_form or ImportForm(formdata=None),
        segment_form=segment_form or SegmentForm(formdata=None),
        filtering=bool(filter_as_dict(filters)),
        report=report,
        export_args={k: v for k, v in request.args.items() if k != "page"},
    ), status


@bp.get("/")
@admin_required
def customers() -> ResponseReturnValue:
    return _list_page()


@bp.get("/export.csv")
@admin_required
def export() -> ResponseReturnValue:
    data = customers_csv(get_session(), _filters(_search_form()))
    return Response(
        data,
        mimetype=CSV_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename=customers-{utcnow():%Y-%m-%d}.csv"},
    )


@bp.post("/import")
@admin_required
def import_csv() -> ResponseReturnValue:
    form = ImportForm()
    if not form.validate_on_submit():
        return _list_page(form, status=400)
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        form.file.errors.append(_("The file is larger than %(size)s MB.", size=MAX_IMPORT_BYTES // (1024 * 1024)))
        return _list_page(form, status=400)
    session = get_session()
    try:
        report = import_customers(session, data)
    except ImportFileError as exc:
        session.rollback()
        form.file.errors.append(str(exc.message))
        return _list_page(form, status=400)
    session.commit()
    return _list_page(report=report)


@bp.get("/duplicates")
@admin_required
def duplicates() -> ResponseReturnValue:
    return render_template("crm/duplicates.html", groups=find_duplicates(get_session()), form=MergeForm(formdata=None))


@bp.post("/merge")
@admin_required
def merge() -> ResponseReturnValue:
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    keep, absorb = get_customer(session, int(form.keep_id.data)), get_customer(session, int(form.absorb_id.data))
    if keep is None or absorb is None:
        abort(404)
    try:
        merge_customers(session, keep, absorb, user=logged_in_account())
    except CustomerError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".duplicates"))
    session.commit()
    flash(_("Record %(other)d merged into this one; both histories are on its timeline.", other=absorb.id), "success")
    return redirect(url_for(".customer", customer_id=keep.id))


def _customer_page(
    customer_id: int, note_form: NoteForm | None = None, details_form: CustomerForm | None = None, status: int = 200
) -> ResponseReturnValue:
    session = get_session()
    customer = get_customer(session, customer_id)
    if customer is None:
        abort(404)
    if customer.merged_into_id is not None:
        target = live_customer(session, customer_id)
        if target is not None and target.id != customer.id:
            flash(_("Record %(old)d was merged into this one.", old=customer_id), "info")
            return redirect(url_for(".customer", customer_id=target.id))
    return render_template(
        "crm/customer.html",
        customer=customer,
        members=members_of(session, customer),
        orders=len(customer.ids_of(LinkSource.LEAD)),
        timeline=customer_timeline(session, customer),
        note_form=note_form or NoteForm(formdata=None),
        details_form=details_form or CustomerForm(formdata=None, obj=customer),
    ), status


@bp.get("/<int:customer_id>")
@admin_required
def customer(customer_id: int) -> ResponseReturnValue:
    return _customer_page(customer_id)


@bp.post("/<int:customer_id>/notes")
@admin_required
def note(customer_id: int) -> ResponseReturnValue:
    session = get_session()
    found = get_customer(session, customer_id)
    if found is None:
        abort(404)
    form = NoteForm()
    if not form.validate_on_submit():
        return _customer_page(customer_id, note_form=form, status=400)
    try:
        add_note(session, found, form.body.data or "", NoteKind(form.kind.data), user=logged_in_account())
    except CustomerError as exc:
        session.rollback()
        form.body.errors.append(str(exc))
        return _customer_page(customer_id, note_form=form, status=400)
    session.commit()
    flash(_("Logged on the timeline."), "success")
    return redirect(url_for(".customer", customer_id=customer_id))


@bp.post("/<int:customer_id>/details")
@admin_required
def details(customer_id: int) -> ResponseReturnValue:
    session = get_session()
    found = get_customer(session, customer_id)
    if found is None:
        abort(404)
    form = CustomerForm()
    if not form.validate_on_submit():
        return _customer_page(customer_id, details_form=form, status=400)
    try:
        update_customer(
            session,
            found,
            CustomerDetails(
                name=form.name.data or "",
                email=form.email.data or "",
                phone=form.phone.data or "",
                company=form.company.data or "",
                tax_id=form.tax_id.data or "",
                address=form.address.data or "",
                b2b=bool(form.b2b.data),
                language=form.language.data or None,
            ),
            user=logged_in_account(),
        )
    except CustomerError as exc:
        session.rollback()
        form[exc.field or "name"].errors.append(str(exc))
        return _customer_page(customer_id, details_form=form, status=400)
    session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".customer", customer_id=customer_id))


# --- segments: saved filters -----------------------------------------------------------


@bp.post("/segments")
@admin_required
def save_segment_view() -> ResponseReturnValue:
    """Save the list's filters (in the query string) under the name in the form."""
    form = SegmentForm()
    if not form.validate_on_submit():
        return _list_page(segment_form=form, status=400)
    session = get_session()
    try:
        segment = save_segment(session, form.name.data or "", _filters(_search_form()), user=logged_in_account())
    except CustomerError as exc:
        session.rollback()
        form.name.errors.append(str(exc))
        return _list_page(segment_form=form, status=400)
    session.commit()
    flash(_("Segment “%(name)s” saved.", name=segment.name), "success")
    return redirect(url_for(".segment", segment_id=segment.id))


@bp.get("/segments")
@admin_required
def segments() -> ResponseReturnValue:
    return render_template(
        "crm/segments.html", segments=list_segments(get_session()), delete_form=DeleteSegmentForm(formdata=None)
    )


def _segment_or_404(segment_id: int) -> CustomerSegment:
    segment = get_session().get(CustomerSegment, segment_id)
    if segment is None:
        abort(404)
    return segment


@bp.get("/segments/<int:segment_id>")
@admin_required
def segment(segment_id: int) -> ResponseReturnValue:
    session = get_session()
    found = _segment_or_404(segment_id)
    page = request.args.get("page", "1")
    members = list_customers(session, segment_filter(found), int(page) if page.isdigit() else 1)
    categories = dict(browsed_categories(session, _locale()))
    return render_template(
        "crm/segment.html",
        segment=found,
        found=members,
        filters=filter_as_dict(segment_filter(found)),
        categories=categories,
        delete_form=DeleteSegmentForm(formdata=None),
    )


@bp.get("/segments/<int:segment_id>/export.csv")
@admin_required
def segment_export(segment_id: int) -> ResponseReturnValue:
    found = _segment_or_404(segment_id)
    data = customers_csv(get_session(), segment_filter(found))
    return Response(
        data,
        mimetype=CSV_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename=segment-{found.id}-{utcnow():%Y-%m-%d}.csv"},
    )


@bp.post("/segments/<int:segment_id>/delete")
@admin_required
def segment_delete(segment_id: int) -> ResponseReturnValue:
    form = DeleteSegmentForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    found = _segment_or_404(segment_id)
    name = found.name
    delete_segment(session, found, user=logged_in_account())
    session.commit()
    flash(_("Segment “%(name)s” deleted; its customers stay.", name=name), "info")
    return redirect(url_for(".segments"))


# --- the operator's prices and tier rules ---------------------------------------------------


def _settings_page(form: ValueSettingsForm | None = None, status: int = 200) -> ResponseReturnValue:
    settings = current_settings(get_session())
    return render_template(
        "crm/value_settings.html", form=form or ValueSettingsForm(formdata=None, obj=settings), settings=settings
    ), status


@bp.get("/settings")
@admin_required
def value_settings() -> ResponseReturnValue:
    return _settings_page()


@bp.post("/settings")
@admin_required
def save_value_settings() -> ResponseReturnValue:
    form = ValueSettingsForm()
    if not form.validate_on_submit():
        return _settings_page(form, status=400)
    session = get_session()
    values = {name: form[name].data for name in VALUE_FIELDS}
    values["loss_when_cost_exceeds_value"] = bool(form.loss_when_cost_exceeds_value.data)
    try:
        save_settings(session, values, user=logged_in_account())
    except CustomerError as exc:
        session.rollback()
        form[exc.field or "clickout_price"].errors.append(str(exc))
        return _settings_page(form, status=400)
    session.commit()
    flash(_("Saved. The next scoring pass uses the new prices and rules."), "success")
    return redirect(url_for(".value_settings"))


#: The settings form's fields that are saved as they are.
VALUE_FIELDS = (
    "clickout_price",
    "lead_price",
    "hourly_cost",
    "failed_import_cost",
    "note_minutes",
    "call_minutes",
    "gold_percent",
    "window_days",
)


# --- the customer's rights ---------------------------------------------------------------


@account.get("/data.json")
@signed_in_required
def data() -> ResponseReturnValue:
    user = logged_in_account()
    body = json.dumps(export_user_data(get_session(), user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f"attachment; filename=traderow-my-data-{utcnow():%Y-%m-%d}.json",
            "Cache-Control": "no-store",
        },
    )


def _delete_page(form: DeleteAccountForm, status: int = 200) -> ResponseReturnValue:
    return render_template("crm/delete_account.html", form=form, user=logged_in_account()), status


@account.get("/delete")
@signed_in_required
def delete_page() -> ResponseReturnValue:
    return _delete_page(DeleteAccountForm(formdata=None))


@account.post("/delete")
@signed_in_required
def delete() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _delete_page(form, status=400)
    session = get_session()
    user = logged_in_account()
    try:
        delete_account(session, user, form.password.data or "")
    except RightsError as exc:
        session.rollback()
        form.password.errors.append(str(exc))
        return _delete_page(form, status=403 if current_user.is_admin else 400)
    session.commit()
    g.remember_cookie = ""
    logout_user()
    flash(_("Your account is deleted. Suppliers keep your orders without your name or contacts."), "info")
    return redirect(url_for("catalog.home"))
