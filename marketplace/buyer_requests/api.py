"""The requests API: buyers publish requests, suppliers' own systems quote on them.

Authenticated by personal API tokens only (``Authorization: Bearer <token>``), never by the
session cookie, which is why this blueprint is exempt from CSRF. Errors are JSON:
``{"error": {"code", "title", "message"}}``, with ``field`` and ``item`` for a broken rule.
Documented in ``openapi.json`` beside this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

from marketplace.accounts.models import User
from marketplace.accounts.token_auth import api_user, token_required
from marketplace.buyer_requests import access
from marketplace.buyer_requests.awarding import accept_quote, award_request, exchanged_contact
from marketplace.buyer_requests.errors import PermissionDenied, RequestError, RequestNotFound
from marketplace.buyer_requests.inputs import ItemInput, plain_decimal
from marketplace.buyer_requests.matching import catalog_matches, configured_rates, live_catalog
from marketplace.buyer_requests.models import BuyerRequest, Quote, QuoteMessage, RequestItem
from marketplace.buyer_requests.publishing import close_request, publish_draft, publish_request, update_request
from marketplace.buyer_requests.queries import get_item, get_quote, get_request, open_requests, requests_of
from marketplace.buyer_requests.quotes import quotes_for_buyer, quotes_of_supplier, submit_quote
from marketplace.buyer_requests.thread import post_message
from marketplace.db import get_session
from marketplace.extensions import csrf
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.names import names_by_locale, paths_by_locale
from marketplace.templating import current_locale
from marketplace.urls import is_id

api = Blueprint("requests_api", __name__, url_prefix="/api/v1")
# Safe: nothing here reads the session cookie; a bearer token cannot be forged by another site.
csrf.exempt(api)


class _BadInput(RequestError):
    """A call's body does not have the shape the call takes: answered like a broken rule, with its field."""

    def __init__(self, message: LazyString, field: str, item: int | None = None) -> None:
        super().__init__(message, field=field, item=item)


def _error(code: int, title: str, message: str, **extra: Any) -> ResponseReturnValue:
    return jsonify(error={"code": code, "title": title, "message": message, **extra}), code


@api.errorhandler(RequestError)
def _rule_broken(exc: RequestError) -> ResponseReturnValue:
    """Answer a broken rule or a bad input with 422 (403 if it is a permission), undoing the view's changes."""
    get_session().rollback()
    extra = {key: value for key, value in (("field", exc.field), ("item", exc.item)) if value is not None}
    if isinstance(exc, PermissionDenied):
        return _error(403, "Forbidden", str(exc), **extra)
    return _error(422, "Unprocessable Entity", str(exc), **extra)


def _body() -> dict[str, Any]:
    try:
        body = request.get_json(force=True, silent=False)
    except BadRequest:
        abort(400, description=_("The body must be a JSON object."))
    if not isinstance(body, dict):
        abort(400, description=_("The body must be a JSON object."))
    return body


# --- reading input ------------------------------------------------------------------------


def _decimal(value: Any, field: str, item: int | None = None, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise _BadInput(_l("%(field)s is required", field=field), field, item)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _BadInput(_l("%(field)s must be a number or a decimal string", field=field), field, item)
    try:
        # str() first: a float such as 0.1 must not carry its binary tail into the Decimal.
        number = Decimal(str(value))
    except InvalidOperation:
        raise _BadInput(_l("%(field)s must be a number or a decimal string", field=field), field, item) from None
    if not number.is_finite():
        raise _BadInput(_l("%(field)s must be a finite number", field=field), field, item)
    return number


def _date(value: Any, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _BadInput(_l("%(field)s must be a date such as 2030-01-31", field=field), field) from None


def _text(value: Any, field: str, item: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadInput(_l("%(field)s must be a string", field=field), field, item)
    return value


def _int(value: Any, field: str, item: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadInput(_l("%(field)s must be an integer", field=field), field, item)
    if not is_id(value):
        raise _BadInput(_l("%(field)s is not a valid id", field=field), field, item)
    return value


def _items(value: Any) -> list[ItemInput]:
    if not isinstance(value, list):
        raise _BadInput(_l("items must be a list"), "items")
    items = []
    for position, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise _BadInput(_l("each item must be an object"), "items", position)
        quantity = _decimal(raw.get("quantity"), "quantity", position, required=True)
        assert quantity is not None
        items.append(
            ItemInput(
                text=_text(raw.get("text"), "text", position) or "",
                quantity=quantity,
                unit=_text(raw.get("unit"), "unit", position) or "pcs",
                max_price=_decimal(raw.get("max_price"), "max_price", position),
                currency=_text(raw.get("currency"), "currency", position) or "UAH",
                category_id=_int(raw.get("category_id"), "category_id", position),
                id=_int(raw.get("id"), "id", position),
            )
        )
    return items


# --- writing output -----------------------------------------------------------------------


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _request_json(buyer_request: BuyerRequest, viewer: User | None) -> dict[str, Any]:
    return {
        "id": buyer_request.id,
        "title": buyer_request.title,
        "status": str(buyer_request.status),
        "visibility": str(buyer_request.visibility),
        "region": buyer_request.region,
        "deadline": buyer_request.deadline.isoformat() if buyer_request.deadline else None,
        "published_at": buyer_request.published_at.isoformat() if buyer_request.published_at else None,
        "accepts_quotes": access.accepts_quotes(buyer_request),
        "mine": viewer is not None and viewer.id == buyer_request.buyer_id,
        "url": f"/requests/{buyer_request.id}",
        "items": [_item_json(item) for item in buyer_request.items],
    }


def _item_json(item: RequestItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "text": item.text,
        "category_id": item.category_id,
        "category": _category_json(item.category) if item.category is not None else None,
        "quantity": str(plain_decimal(item.quantity)),
        "unit": item.unit,
        "max_price": _money(item.max_price),
        "currency": item.currency,
    }


def _category_json(category: Category) -> dict[str, Any]:
    locale = current_locale()
    return {
        "id": category.id,
        "google_id": category.google_id,
        "name": category.name_in(locale),
        "path": category.path_in(locale),
        "names": names_by_locale(category),
        "paths": paths_by_locale(category),
    }


def _quote_json(quote: Quote, viewer: User) -> dict[str, Any]:
    contact = exchanged_contact(get_session(), quote, viewer)
    return {
        "id": quote.id,
        "item_id": quote.item_id,
        "supplier": {"slug": quote.supplier.slug, "name": quote.supplier.name},
        "price": _money(quote.price),
        "currency": quote.currency,
        "delivery_cost": _money(quote.delivery_cost),
        "total": _money(quote.total.quantize(Decimal("0.01"))),
        "availability": quote.availability,
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else None,
        "note": quote.note,
        "offer_id": quote.offer_id,
        "offer_url": f"/go/{quote.offer_id}" if quote.offer_id else None,
        "accepted": quote.accepted,
        "contact": None if contact is None else {
            "name": contact.name, "email": contact.email, "phone": contact.phone, "website": contact.website,
        },
        "messages": [_message_json(m) for m in quote.messages],
    }  # fmt: skip


def _message_json(message: QuoteMessage) -> dict[str, Any]:
    return {"side": message.side, "body": message.body, "created_at": message.created_at.isoformat()}


def _caller() -> User:
    """Return the caller of a view behind ``token_required``, which has refused calls without a user."""
    user = api_user()
    assert user is not None
    return user


def _caller_and_request(request_id: int) -> tuple[User, BuyerRequest]:
    """Return the caller of a ``token_required`` view and the request it names (404 unless visible)."""
    user = _caller()
    return user, _visible(request_id, user)


def _visible(request_id: int, viewer: User | None) -> BuyerRequest:
    try:
        buyer_request = get_request(get_session(), request_id)
    except RequestNotFound:
        abort(404, description=_("There is no request %(request)s.", request=request_id))
    if not access.may_view(buyer_request, viewer):
        abort(404, description=_("There is no request %(request)s.", request=request_id))
    return buyer_request


def _quote_of(session: Session, buyer_request: BuyerRequest, quote_id: int) -> Quote:
    """Return one quote of the request, or answer 404."""
    try:
        return get_quote(session, buyer_request.id, quote_id)
    except RequestNotFound:
        abort(
            404, description=_("Request %(request)s has no quote %(quote)s.", quote=quote_id, request=buyer_request.id)
        )


# --- routes -------------------------------------------------------------------------------


@api.get("/requests")
def list_requests() -> ResponseReturnValue:
    """Open requests the caller may see (public ones without a token), and the caller's own."""
    viewer = api_user()
    session = get_session()
    category_id = request.args.get("category", type=int)
    if category_id is not None and not is_id(category_id):
        abort(400, description=_("category: not a valid id"))
    listed = {r.id: r for r in open_requests(session, viewer=viewer, category_id=category_id)}
    if viewer is not None and access.may_publish(viewer) and category_id is None:
        for own in requests_of(session, viewer):
            listed.setdefault(own.id, own)
    body = {"requests": [_request_json(r, viewer) for r in listed.values()]}
    session.commit()  # the token's last use
    return jsonify(body)


@api.post("/requests")
@token_required
def create_request() -> ResponseReturnValue:
    """Publish a request (or save a draft with ``"publish": false``); answer with its catalog matches."""
    user = _caller()
    if not access.may_publish(user):
        abort(403, description=_("Only buyers publish requests."))
    body = _body()
    session = get_session()
    buyer_request = publish_request(
        session,
        user,
        title=_text(body.get("title"), "title") or "",
        items=_items(body.get("items", [])),
        region=_text(body.get("region"), "region"),
        deadline=_date(body.get("deadline"), "deadline"),
        visibility=_text(body.get("visibility"), "visibility") or "all",
        draft=body.get("publish", True) is False,
        catalog=live_catalog(),
    )
    session.commit()
    payload = _request_json(buyer_request, user)
    payload["matches"] = _matches_json(buyer_request)
    return jsonify(payload), 201, {"Location": f"/api/v1/requests/{buyer_request.id}"}


def _matches_json(buyer_request: BuyerRequest) -> dict[str, list[dict[str, Any]]]:
    matches = catalog_matches(get_session(), buyer_request, live_catalog())
    return {
        str(item_id): [
            {
                "offer_id": hit.offer.id,
                "title": hit.offer.title,
                "supplier": hit.offer.supplier.slug,
                "price": _money(hit.offer.price),
                "currency": hit.offer.currency,
                "buy_url": f"/go/{hit.offer.id}",
            }
            for hit in hits
        ]
        for item_id, hits in matches.items()
    }


@api.get("/requests/<int:request_id>")
def show_request(request_id: int) -> ResponseReturnValue:
    """One request; its buyer also gets the live catalog matches."""
    viewer = api_user()
    buyer_request = _visible(request_id, viewer)
    payload = _request_json(buyer_request, viewer)
    if access.may_see_quotes(buyer_request, viewer):
        payload["matches"] = _matches_json(buyer_request)
    get_session().commit()
    return jsonify(payload)


@api.get("/requests/<int:request_id>/quotes")
@token_required
def list_quotes(request_id: int) -> ResponseReturnValue:
    """Every quote for the buyer (cheapest total first per item); a supplier's own quotes for a supplier."""
    viewer, buyer_request = _caller_and_request(request_id)
    session = get_session()
    if access.may_see_quotes(buyer_request, viewer):
        by_item = quotes_for_buyer(session, buyer_request, viewer, rates=configured_rates())
        quotes = [q for item_quotes in by_item.values() for q in item_quotes]
    elif access.may_quote(viewer):
        assert viewer.supplier is not None
        quotes = list(quotes_of_supplier(session, buyer_request, viewer.supplier).values())
    else:
        abort(403, description=_("Only the buyer and quoting suppliers see quotes."))
    body = {"quotes": [_quote_json(q, viewer) for q in quotes]}
    session.commit()
    return jsonify(body)


@api.post("/requests/<int:request_id>/quotes")
@token_required
def create_quote(request_id: int) -> ResponseReturnValue:
    """Quote on one item (again to update the quote)."""
    user, buyer_request = _caller_and_request(request_id)
    if not access.may_quote(user):
        abort(403, description=_("Only suppliers quote."))
    assert user.supplier is not None
    body = _body()
    session = get_session()
    item_id = _int(body.get("item_id"), "item_id")
    if item_id is None:
        raise _BadInput(_l("%(field)s is required", field="item_id"), "item_id")
    try:
        item = get_item(session, buyer_request.id, item_id)
    except RequestNotFound:
        raise _BadInput(
            _l("request %(request)s has no item %(item)s", request=request_id, item=item_id), "item_id"
        ) from None
    price = _decimal(body.get("price"), "price", required=True)
    assert price is not None
    quote = submit_quote(
        session,
        user.supplier,
        item,
        price=price,
        currency=_text(body.get("currency"), "currency") or item.currency,
        delivery_cost=_decimal(body.get("delivery_cost"), "delivery_cost"),
        availability=_text(body.get("availability"), "availability"),
        valid_until=_date(body.get("valid_until"), "valid_until"),
        note=_text(body.get("note"), "note"),
        offer_id=_int(body.get("offer_id"), "offer_id"),
        actor=user,
    )
    session.commit()
    return jsonify(_quote_json(quote, user)), 201


@api.post("/requests/<int:request_id>/quotes/<int:quote_id>/accept")
@token_required
def accept(request_id: int, quote_id: int) -> ResponseReturnValue:
    """The buyer accepts a quote; the answer carries the supplier's contacts."""
    user, buyer_request = _caller_and_request(request_id)
    if not access.may_see_quotes(buyer_request, user):
        abort(
            404,
            description=_(
                "Request %(request)s has no quote %(quote)s you may see.", request=request_id, quote=quote_id
            ),
        )
    session = get_session()
    quote = _quote_of(session, buyer_request, quote_id)
    if not access.may_manage(buyer_request, user):
        abort(403, description=_("Only the buyer accepts quotes."))
    accept_quote(session, quote, user)
    session.commit()
    return jsonify(_quote_json(quote, user))


def _managed(request_id: int, user: User) -> BuyerRequest:
    """Return a request its buyer acts on: 404 if the caller may not see it, 403 if not theirs."""
    buyer_request = _visible(request_id, user)
    if not access.may_manage(buyer_request, user):
        abort(403, description=_("Only the buyer of the request may do this."))
    return buyer_request


@api.patch("/requests/<int:request_id>")
@token_required
def update(request_id: int) -> ResponseReturnValue:
    """Edit a draft or open request, as the edit page does; fields left out keep their value.

    ``items``, when given, is the whole new list: an item with its ``id`` is changed in place,
    one without is added, and one left out is removed.
    """
    user = _caller()
    buyer_request = _managed(request_id, user)
    body = _body()
    session = get_session()
    if "items" in body:
        items = _items(body["items"])
    else:
        items = [
            ItemInput(
                text=i.text, quantity=i.quantity, unit=i.unit, max_price=i.max_price, currency=i.currency,
                category_id=i.category_id, id=i.id,
            )
            for i in buyer_request.items
        ]  # fmt: skip
    title = _text(body["title"], "title") if "title" in body else buyer_request.title
    region = _text(body["region"], "region") if "region" in body else buyer_request.region
    deadline = _date(body["deadline"], "deadline") if "deadline" in body else buyer_request.deadline
    visibility = _text(body["visibility"], "visibility") if "visibility" in body else buyer_request.visibility
    changes = update_request(
        session,
        buyer_request,
        user,
        title=title or "",
        items=items,
        region=region,
        deadline=deadline,
        visibility=visibility or "all",
        catalog=live_catalog(),
    )
    session.commit()
    return jsonify({**_request_json(buyer_request, user), "changes": changes})


@api.post("/requests/<int:request_id>/publish")
@token_required
def publish(request_id: int) -> ResponseReturnValue:
    """Publish a draft: it opens for quotes and matched suppliers are notified."""
    catalog = live_catalog()
    return _change_state(
        request_id, lambda session, buyer_request, user: publish_draft(session, buyer_request, user, catalog=catalog)
    )


@api.post("/requests/<int:request_id>/close")
@token_required
def close(request_id: int) -> ResponseReturnValue:
    """Close a draft or open request: it takes no more quotes."""
    return _change_state(request_id, close_request)


@api.post("/requests/<int:request_id>/award")
@token_required
def award(request_id: int) -> ResponseReturnValue:
    """Mark the request awarded, with at least one accepted quote."""
    return _change_state(request_id, award_request)


def _change_state(request_id: int, change: Callable[[Session, BuyerRequest, User], object]) -> ResponseReturnValue:
    """Apply the owner's state change through its service; a refusal is a 422 with the reason."""
    user = _caller()
    buyer_request = _managed(request_id, user)
    session = get_session()
    change(session, buyer_request, user)
    session.commit()
    return jsonify(_request_json(buyer_request, user))


@api.post("/requests/<int:request_id>/quotes/<int:quote_id>/messages")
@token_required
def post_quote_message(request_id: int, quote_id: int) -> ResponseReturnValue:
    """Write in a quote's thread: the buyer asks, the quoting supplier answers."""
    user, buyer_request = _caller_and_request(request_id)
    session = get_session()
    quote = _quote_of(session, buyer_request, quote_id)
    if not access.may_see_thread(quote, user):
        # Sealed: another supplier must not learn that the quote exists.
        abort(404, description=_("Request %(request)s has no quote %(quote)s.", request=request_id, quote=quote_id))
    body = _body()
    text = _text(body.get("body"), "body")
    if text is None:
        raise _BadInput(_l("%(field)s is required", field="body"), "body")
    message = post_message(session, quote, user, text)
    session.commit()
    return jsonify(_message_json(message)), 201
