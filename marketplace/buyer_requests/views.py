"""Pages for buyer requests: the open list, publishing and editing, the request with its
catalog matches and quotes, quoting, the thread on a quote, accepting, closing and awarding.

Views parse input, call the services, commit once and render; every rule is in the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.orm import Session
from wtforms import Field, FieldList, SelectChoice
from wtforms import Form as BaseForm

from marketplace.accounts.access import current_account
from marketplace.accounts.models import User
from marketplace.buyer_requests import access
from marketplace.buyer_requests.awarding import accept_quote, award_request, exchanged_contact
from marketplace.buyer_requests.errors import PermissionDenied, RequestError, RequestNotFound
from marketplace.buyer_requests.forms import ActionForm, ItemForm, MessageForm, QuoteForm, RequestForm
from marketplace.buyer_requests.history import request_history
from marketplace.buyer_requests.inputs import ItemInput, plain_decimal
from marketplace.buyer_requests.matching import CatalogSearch, catalog_matches, configured_rates, live_catalog
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem, RequestStatus
from marketplace.buyer_requests.publishing import close_request, publish_draft, publish_request, update_request
from marketplace.buyer_requests.queries import (
    get_item,
    get_quote,
    get_request,
    item_categories,
    open_requests,
    request_categories,
    requests_of,
)
from marketplace.buyer_requests.quotes import quote_offer_choices, quotes_for_buyer, quotes_of_supplier, submit_quote
from marketplace.buyer_requests.thread import post_message
from marketplace.buyer_requests.units import DEFAULT_UNIT, unit_code, unit_label
from marketplace.crm.lead_sources import collect_request_leads
from marketplace.db import get_session
from marketplace.suppliers.models import Supplier
from marketplace.templating import category_path, format_money, sort_categories

bp = Blueprint("buyer_requests", __name__, url_prefix="/requests")


@bp.context_processor
def _units() -> dict[str, Any]:
    return {"unit_label": unit_label}


#: How the history names each recorded change.
EVENT_LABELS = {
    "created": _l("Created"),
    "published": _l("Published"),
    "edited": _l("Edited"),
    "closed": _l("Closed by the buyer"),
    "expired": _l("Expired at the deadline"),
    "quoted": _l("New quote"),
    "requoted": _l("Quote updated"),
    "message": _l("Message on a quote"),
    "accepted": _l("Quote accepted"),
    "awarded": _l("Awarded"),
}


@bp.get("/")
def index() -> ResponseReturnValue:
    user = current_account()
    session = get_session()
    category_id = request.args.get("category", type=int)
    return render_template(
        "buyer_requests/index.html",
        requests=open_requests(session, viewer=user, category_id=category_id),
        categories=request_categories(session, viewer=user),
        category_id=category_id,
        mine=requests_of(session, user) if user is not None and access.may_publish(user) else [],
        # Anonymous visitors see the link too; it leads through the login page.
        can_publish=user is None or access.may_publish(user),
    )


# --- publishing and editing ---------------------------------------------------------------


def _request_form(**kwargs: Any) -> RequestForm:
    form = RequestForm(**kwargs)
    # The 214 top-level paths, in the page's language and that language's alphabetical order.
    categories = sort_categories(item_categories(get_session()), by="path")
    form.set_category_choices([SelectChoice(str(c.id), category_path(c)) for c in categories])
    return form


def _item_inputs(rows: Sequence[ItemForm]) -> list[ItemInput]:
    return [
        ItemInput(
            text=row.text.data or "",
            quantity=row.quantity.data or Decimal(0),
            unit=unit_code(row.unit.data or DEFAULT_UNIT, current_app.config["LANGUAGES"]),
            max_price=row.max_price.data,
            currency=row.currency.data or "UAH",
            category_id=int(row.category_id.data) if row.category_id.data else None,
            id=int(row.id.data) if (row.id.data or "").isdigit() else None,
        )
        for row in rows
    ]


class _RequestFields(TypedDict):
    title: str
    items: list[ItemInput]
    region: str | None
    deadline: dt.date | None
    visibility: str
    catalog: CatalogSearch


def _request_fields(form: RequestForm, rows: Sequence[ItemForm]) -> _RequestFields:
    """Return what the new and the edit page pass from their form to the service, read the same way."""
    return _RequestFields(
        title=form.title.data or "",
        items=_item_inputs(rows),
        region=form.region.data,
        deadline=form.deadline.data,
        visibility=form.visibility.data or "all",
        catalog=live_catalog(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = current_account()
    if not access.may_publish(user):
        abort(403)
    assert user is not None
    form = _request_form()
    if form.validate_on_submit():
        rows = [row for _index, row in form.filled_rows()]
        draft = request.form.get("action") == "draft"
        session = get_session()
        try:
            buyer_request = publish_request(session, user, **_request_fields(form, rows), draft=draft)
            collect_request_leads(session, buyer_request)
        except RequestError as exc:
            # Nothing was committed; the session is rolled back at teardown.
            _show_error(form, exc, rows)
        else:
            session.commit()
            if draft:
                flash(_("Your request is saved as a draft. Only you see it until you publish it."), "success")
            else:
                flash(_("Your request is published. Suppliers can quote on it now."), "success")
            return redirect(url_for(".detail", request_id=buyer_request.id))
    return render_template("buyer_requests/new.html", form=form, editing=None)


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
def edit(request_id: int) -> ResponseReturnValue:
    buyer_request = _visible_request(request_id)
    user = current_account()
    if not access.may_manage(buyer_request, user):
        abort(403)
    assert user is not None
    if buyer_request.status not in access.EDITABLE:
        flash(_("Only a draft or an open request can be edited."), "error")
        return redirect(url_for(".detail", request_id=request_id))
    if request.method == "POST":
        form = _request_form()
    else:
        form = _request_form(
            formdata=None,
            data={
                "title": buyer_request.title,
                "region": buyer_request.region,
                "deadline": buyer_request.deadline,
                "visibility": str(buyer_request.visibility),
                "items": [
                    {
                        "id": str(item.id),
                        "text": item.text,
                        "quantity": plain_decimal(item.quantity),
                        "unit": unit_label(item.unit),
                        "max_price": item.max_price,
                        "currency": item.currency,
                        "category_id": str(item.category_id or ""),
                    }
                    for item in buyer_request.items
                ],
            },
        )
        # Room for new lines below the existing ones.
        while len(form.items) < len(buyer_request.items) + 2 and len(form.items) < form.items.max_entries:
            form.items.append_entry()
        form.set_category_choices(form.items[0].form.category_id.choices[1:])
    if form.validate_on_submit():
        rows = [row for _index, row in form.filled_rows()]
        session = get_session()
        try:
            changes = update_request(session, buyer_request, user, **_request_fields(form, rows))
        except RequestError as exc:
            session.rollback()
            _show_error(form, exc, rows)
        else:
            session.commit()
            flash(_("Your changes are saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".detail", request_id=request_id))
    return render_template("buyer_requests/new.html", form=form, editing=buyer_request)


@bp.post("/<int:request_id>/publish")
@login_required
def publish(request_id: int) -> ResponseReturnValue:
    return _change_state(
        request_id,
        lambda session, buyer_request, user: (
            publish_draft(session, buyer_request, user, catalog=live_catalog()),
            collect_request_leads(session, buyer_request),
        ),
        _("Your request is published. Suppliers can quote on it now."),
    )


@bp.post("/<int:request_id>/close")
@login_required
def close(request_id: int) -> ResponseReturnValue:
    return _change_state(request_id, close_request, _("The request is closed and takes no more quotes."))


@bp.post("/<int:request_id>/award")
@login_required
def award(request_id: int) -> ResponseReturnValue:
    return _change_state(request_id, award_request, _("The request is awarded."))


def _change_state(
    request_id: int, change: Callable[[Session, BuyerRequest, User], object], done: str
) -> ResponseReturnValue:
    """Apply a buyer's state change through its service; a refusal is flashed, not raised."""
    buyer_request = _managed_request(request_id)
    user = current_account()
    assert user is not None
    _save(lambda session: change(session, buyer_request, user), done)
    return redirect(url_for(".detail", request_id=request_id))


def _save(change: Callable[[Session], object], done: str) -> None:
    """Run one service call: commit and flash ``done``, or roll back and flash the rule it broke."""
    session = get_session()
    try:
        change(session)
    except RequestError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(done, "success")


# --- the request page ---------------------------------------------------------------------


@bp.get("/<int:request_id>")
def detail(request_id: int) -> ResponseReturnValue:
    return _render_detail(_visible_request(request_id))


@bp.post("/<int:request_id>/items/<int:item_id>/quote")
@login_required
def quote(request_id: int, item_id: int) -> ResponseReturnValue:
    user = current_account()
    if not access.may_quote(user):
        abort(403)
    assert user is not None and user.supplier is not None
    session = get_session()
    try:
        item = get_item(session, request_id, item_id)
    except RequestNotFound:
        abort(404)
    if not access.may_view(item.request, user):
        abort(404)
    form = QuoteForm(prefix=_quote_prefix(item_id))
    form.set_offer_choices(_offer_choices(user.supplier, item))
    if form.validate_on_submit():
        try:
            submit_quote(
                session,
                user.supplier,
                item,
                price=form.price.data or Decimal(0),
                currency=form.currency.data or item.currency,
                delivery_cost=form.delivery_cost.data,
                availability=form.availability.data,
                valid_until=form.valid_until.data,
                note=form.note.data,
                offer_id=form.offer_id.data,
                actor=user,
            )
        except RequestError as exc:
            session.rollback()
            if exc.field is None:
                # Not about an input (the request closed meanwhile): the page has no form to show it on.
                flash(str(exc), "error")
                return redirect(url_for(".detail", request_id=request_id))
            _show_error(form, exc)
        else:
            session.commit()
            flash(_("Your quote is saved. Only the buyer sees it."), "success")
            return redirect(url_for(".detail", request_id=request_id, _anchor=f"item-{item_id}"))
    return _render_detail(item.request, posted=(item_id, form))


@bp.post("/<int:request_id>/quotes/<int:quote_id>/messages")
@login_required
def message(request_id: int, quote_id: int) -> ResponseReturnValue:
    the_quote, user = _quote_for(request_id, quote_id)
    form = MessageForm(prefix=_message_prefix(quote_id))
    if form.validate_on_submit():
        session = get_session()
        try:
            post_message(session, the_quote, user, form.body.data or "")
            collect_request_leads(session, the_quote.item.request)
        except PermissionDenied:
            abort(403)
        except RequestError as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            session.commit()
            flash(_("Your message is sent."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for(".detail", request_id=request_id, _anchor=f"quote-{quote_id}"))


@bp.post("/<int:request_id>/quotes/<int:quote_id>/accept")
@login_required
def accept(request_id: int, quote_id: int) -> ResponseReturnValue:
    the_quote, user = _quote_for(request_id, quote_id)
    if not access.may_manage(the_quote.item.request, user):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    done = _(
        "You accepted the quote of %(supplier)s. Their contacts are shown with it.", supplier=the_quote.supplier.name
    )
    _save(
        lambda session: (
            accept_quote(session, the_quote, user),
            collect_request_leads(session, the_quote.item.request),
        ),
        done,
    )
    return redirect(url_for(".detail", request_id=request_id, _anchor=f"quote-{quote_id}"))


def _visible_request(request_id: int) -> BuyerRequest:
    try:
        buyer_request = get_request(get_session(), request_id)
    except RequestNotFound:
        abort(404)
    if not access.may_view(buyer_request, current_account()):
        abort(404)
    return buyer_request


def _managed_request(request_id: int) -> BuyerRequest:
    """Return a request its buyer acts on: 404 if the user may not see it, 403 if not theirs."""
    buyer_request = _visible_request(request_id)
    if not access.may_manage(buyer_request, current_account()):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return buyer_request


def _quote_for(request_id: int, quote_id: int) -> tuple[Quote, User]:
    """Return a quote whose thread the user reads: 404 for a quote they may not know of."""
    buyer_request = _visible_request(request_id)
    user = current_account()
    try:
        the_quote = get_quote(get_session(), buyer_request.id, quote_id)
    except RequestNotFound:
        abort(404)
    if user is None or not access.may_see_thread(the_quote, user):
        # Sealed: another supplier must not learn that the quote exists.
        abort(404)
    return the_quote, user


def _offer_choices(supplier: Supplier, item: RequestItem) -> list[SelectChoice]:
    """Return the supplier's own active offers as choices, those matching the item first."""
    return [
        SelectChoice(str(offer.id), f"{offer.title[:80]} — {format_money(offer.price, offer.currency)}")
        for offer in quote_offer_choices(get_session(), supplier, item, live_catalog())
    ]


def _quote_prefix(item_id: int) -> str:
    # One quote form per item on the page: the prefix keeps their inputs' names and ids apart.
    return f"item-{item_id}"


def _message_prefix(quote_id: int) -> str:
    return f"quote-{quote_id}"


def _render_detail(buyer_request: BuyerRequest, posted: tuple[int, QuoteForm] | None = None) -> ResponseReturnValue:
    """Render the request for whoever looks: all quotes to its buyer, its own to a supplier."""
    session = get_session()
    user = current_account()
    quotes: dict[int, list[Quote]] | None = None
    own_quotes: dict[int, Quote] | None = None
    quote_forms: dict[int, QuoteForm] = {}
    matches = None
    history = None
    if access.may_see_quotes(buyer_request, user):
        assert user is not None
        quotes = quotes_for_buyer(session, buyer_request, user, rates=configured_rates())
        matches = catalog_matches(session, buyer_request, live_catalog())
        history = request_history(session, buyer_request, user)
    elif access.may_quote(user):
        assert user is not None and user.supplier is not None
        own_quotes = quotes_of_supplier(session, buyer_request, user.supplier)
        if access.accepts_quotes(buyer_request):
            for item in buyer_request.items:
                if posted is not None and posted[0] == item.id:
                    quote_forms[item.id] = posted[1]
                else:
                    # formdata=None: on a re-rendered POST the other forms must not read its body.
                    quote_forms[item.id] = QuoteForm(
                        formdata=None,
                        prefix=_quote_prefix(item.id),
                        obj=own_quotes.get(item.id),
                        currency=item.currency,
                    )
                    quote_forms[item.id].set_offer_choices(_offer_choices(user.supplier, item))
    shown = [q for qs in (quotes or {}).values() for q in qs] + list((own_quotes or {}).values())
    return render_template(
        "buyer_requests/detail.html",
        buyer_request=buyer_request,
        quotes=quotes,
        own_quotes=own_quotes,
        quote_forms=quote_forms,
        message_forms={q.id: MessageForm(formdata=None, prefix=_message_prefix(q.id)) for q in shown},
        contacts={q.id: exchanged_contact(session, q, user) for q in shown if q.accepted},
        matches=matches,
        history=history,
        event_labels=EVENT_LABELS,
        action_form=ActionForm(),
        accepting=access.accepts_quotes(buyer_request),
        may_manage=access.may_manage(buyer_request, user),
        can_accept=access.may_manage(buyer_request, user) and buyer_request.status in access.ACCEPTING,
        editable=buyer_request.status in access.EDITABLE,
        is_draft=buyer_request.status == RequestStatus.DRAFT,
    )


def _show_error(form: BaseForm, exc: RequestError, rows: Sequence[ItemForm] = ()) -> None:
    """Put a service's message next to the input it is about, or above the form."""
    target: BaseForm = form
    if exc.item is not None and exc.item < len(rows):
        target = rows[exc.item]
    field: Field | None = target[exc.field] if exc.field and exc.field in target else None
    if field is None and target is not form:
        field = target["text"]  # an item-level rule without its own input: show it on the row
    if field is None or isinstance(field, FieldList):
        form.form_errors.append(str(exc))
    else:
        field.errors.append(str(exc))
