"""``/api/v1/alerts``: a user's alerts and saved searches, with personal API tokens (as the alerts page)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from marketplace.accounts.models import User
from marketplace.accounts.token_auth import api_user, token_required
from marketplace.alerts.models import Alert, AlertKind
from marketplace.alerts.services import AlertError, AlertInput, AlertNotFound, alerts_of, create_alert, delete_alert
from marketplace.alerts.services import update_alert as update_alert_service
from marketplace.db import get_session
from marketplace.extensions import csrf
from marketplace.search.forms import SearchForm
from marketplace.suppliers.services import list_suppliers
from marketplace.templating import current_locale

api = Blueprint("alerts_api", __name__, url_prefix="/api/v1")
# Safe: nothing here reads the session cookie; a bearer token cannot be forged by another site.
csrf.exempt(api)


def _caller() -> User:
    user = api_user()
    assert user is not None  # token_required refused calls without one
    return user


def _bad(message: str, field: str) -> ResponseReturnValue:
    return jsonify(error={"code": 400, "title": "Bad Request", "message": message, "field": field}), 400


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def alert_json(alert: Alert) -> dict[str, Any]:
    """Return an alert as the API shows it."""
    return {
        "id": alert.id,
        "kind": str(alert.kind),
        "label": alert.label,
        "active": alert.active,
        "product_id": alert.product_id,
        "target_price": _money(alert.target_price),
        "drop_percent": _money(alert.drop_percent),
        "days": alert.days,
        "query": (alert.query or {}).get("args"),
        "last_price": _money(alert.last_price),
        "last_fired_at": alert.last_fired_at.isoformat() if alert.last_fired_at else None,
        "created_at": alert.created_at.isoformat(),
    }


def _decimal(body: dict[str, Any], name: str) -> Decimal | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(name) from None


@api.get("/alerts")
@token_required
def list_alerts() -> ResponseReturnValue:
    """The caller's alerts and saved searches, newest first."""
    return jsonify(alerts=[alert_json(a) for a in alerts_of(get_session(), _caller())])


@api.post("/alerts")
@token_required
def create() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("The body must be a JSON object.", "body")
    try:
        kind = AlertKind(body.get("kind"))
    except ValueError:
        return _bad("kind: one of " + ", ".join(k.value for k in AlertKind), "kind")
    session = get_session()
    if kind == AlertKind.SEARCH:
        query = body.get("query")
        if not isinstance(query, dict):
            return _bad("query: the search parameters, as /api/v1/search takes them.", "query")
        args = MultiDict(
            [(k, str(v)) for k, values in query.items() for v in (values if isinstance(values, list) else [values])]
        )
        form = SearchForm(args)
        form.supplier.choices = [SelectChoice(s.slug, s.name) for s in list_suppliers(session)]
        if not form.validate():
            return _bad("; ".join(f"{e.name}: {e.message}" for e in form.field_errors()), "query")
        data = AlertInput(
            kind=kind, args=args.to_dict(flat=False), search=form.to_query(current_app.config["SEARCH_PER_PAGE"])
        )
    else:
        product_id = body.get("product_id")
        if not isinstance(product_id, int) or isinstance(product_id, bool):
            return _bad("product_id: a product's id.", "product_id")
        try:
            data = AlertInput(
                kind=kind,
                product_id=product_id,
                target_price=_decimal(body, "target_price"),
                drop_percent=_decimal(body, "drop_percent"),
                days=body.get("days") if isinstance(body.get("days"), int) else None,
            )
        except ValueError as exc:
            return _bad(f"{exc}: a number.", str(exc))
    try:
        alert = create_alert(session, data, user=_caller(), locale=current_locale())
    except AlertNotFound:
        abort(404)
    except AlertError as exc:
        return _bad(str(exc), "kind")
    session.commit()
    return jsonify(alert_json(alert)), 201


@api.patch("/alerts/<int:alert_id>")
@token_required
def update_alert(alert_id: int) -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("The body must be a JSON object.", "body")
    session = get_session()
    active = body.get("active")
    try:
        alert = update_alert_service(
            session,
            _caller(),
            alert_id,
            active=active if isinstance(active, bool) else None,
            target_price=_decimal(body, "target_price"),
            drop_percent=_decimal(body, "drop_percent"),
            days=body.get("days") if isinstance(body.get("days"), int) else None,
        )
    except AlertNotFound:
        abort(404)
    except AlertError as exc:
        return _bad(str(exc), "body")
    except ValueError as exc:
        return _bad(f"{exc}: a number.", str(exc))
    session.commit()
    return jsonify(alert_json(alert))


@api.delete("/alerts/<int:alert_id>")
@token_required
def remove(alert_id: int) -> ResponseReturnValue:
    session = get_session()
    try:
        delete_alert(session, _caller(), alert_id)
    except AlertNotFound:
        abort(404)
    session.commit()
    return "", 204
