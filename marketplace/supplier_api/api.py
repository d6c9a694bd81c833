"""The supplier API on ``/api/v1/supplier``: a supplier's own systems keep its catalog, as the portal does.

Authenticated by personal API tokens only (``Authorization: Bearer <token>``), never by the
session cookie, which is why this blueprint is exempt from CSRF. A token of a supplier's
member acts on that supplier's catalog and no other. Every call counts against the token's
rate limit, pushes against a smaller one too. Errors are JSON,
``{"error": {"code", "title", "message"}}``; a refused batch adds ``problems``. Documented in
``openapi.yaml`` beside this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import TooManyRequests

from marketplace.accounts.models import User
from marketplace.accounts.token_auth import api_user, token_required
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.db import get_session
from marketplace.extensions import csrf, limiter
from marketplace.files.store import file_store
from marketplace.imports.columns import may_need_mapping
from marketplace.imports.feeds import (
    FeedSourceError,
    add_feed_source,
    feed_sources,
    remove_feed_source,
    update_feed_source,
)
from marketplace.imports.messages import problem_text, run_error_text
from marketplace.imports.options import ImportMode
from marketplace.imports.uploads import queue_import
from marketplace.shops.leads import (
    STAGES,
    LeadChange,
    LeadError,
    LeadNotFound,
    add_note,
    count_leads,
    get_lead,
    leads_by_id,
    move_lead,
)
from marketplace.shops.models import Lead, LeadStatus
from marketplace.supplier_api.batches import BatchRejected, BatchTooLarge, ImportBusy, check_batch, push_batch
from marketplace.supplier_api.idempotency import (
    InvalidKey,
    KeyReused,
    checked_key,
    fingerprint,
    remember_answer,
    stored_answer,
)
from marketplace.supplier_api.queries import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page, offers_page, own_run, runs_page
from marketplace.suppliers.models import FeedSource, ImportRun, Supplier
from marketplace.urls import is_id
from supplier_feeds.streams import HEAD_SIZE

bp = Blueprint("supplier_api", __name__, url_prefix="/api/v1/supplier")
# Safe: nothing here reads the session cookie; a bearer token cannot be forged by another site.
csrf.exempt(bp)


def _limit(name: str) -> Callable[[], str]:
    # Read when the request comes, so that each app's configuration applies.
    return lambda: current_app.config[name]


def _token_key() -> str:
    """Count calls per token: a hash of the bearer header (never the secret itself), else per address."""
    _scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if secret.strip():
        # The secret alone: "bearer" or "Bearer", one space or two, it is the same token's count.
        return "token:" + hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()[:32]
    return "address:" + get_remote_address()


#: Every call of a token, whatever the route.
calls_limit = limiter.shared_limit(_limit("SUPPLIER_API_LIMIT"), scope="supplier-api", key_func=_token_key)
#: The calls that import: batches, updates and uploads.
pushes_limit = limiter.shared_limit(_limit("SUPPLIER_API_PUSH_LIMIT"), scope="supplier-api-push", key_func=_token_key)


def _error(code: int, title: str, message: str, **extra: Any) -> Response:
    response = jsonify(error={"code": code, "title": title, "message": message, **extra})
    response.status_code = code
    return response


@bp.errorhandler(TooManyRequests)
def _too_many(error: TooManyRequests) -> ResponseReturnValue:
    # Flask-Limiter adds Retry-After (and the X-RateLimit headers) to this answer after the handler.
    return _error(
        429,
        _("Too many requests"),
        _("This API token made too many calls; wait for the number of seconds in Retry-After, then try again."),
    )


@bp.errorhandler(BatchRejected)
def _batch_rejected(exc: BatchRejected) -> ResponseReturnValue:
    """Answer 422 with every problem of the batch, undoing whatever the import wrote."""
    get_session().rollback()
    return _error(422, _("Unprocessable Entity"), str(exc), problems=[p.as_json() for p in exc.problems])


@bp.errorhandler(BatchTooLarge)
def _batch_too_large(exc: BatchTooLarge) -> ResponseReturnValue:
    return _error(413, _("Batch too large"), str(exc))


@bp.errorhandler(ImportBusy)
@bp.errorhandler(KeyReused)
def _conflict(exc: ImportBusy | KeyReused) -> ResponseReturnValue:
    get_session().rollback()
    return _error(409, _("Conflict"), str(exc))


@bp.errorhandler(InvalidKey)
def _invalid_key(exc: InvalidKey) -> ResponseReturnValue:
    return _error(400, _("Bad request"), str(exc), fields={"Idempotency-Key": [str(exc)]})


@bp.errorhandler(FeedSourceError)
def _feed_refused(exc: FeedSourceError) -> ResponseReturnValue:
    get_session().rollback()
    return _error(422, _("Unprocessable Entity"), str(exc))


# --- who calls ----------------------------------------------------------------------------


def _supplier() -> Supplier:
    """Return the supplier whose member's token the call carries; 403 for any other account."""
    user: User | None = api_user()
    assert user is not None  # token_required refused calls without one
    if not user.is_supplier or user.supplier is None:
        abort(403, description=_("The supplier API is for suppliers' members; this token is another account's."))
    return user.supplier


# --- reading input ------------------------------------------------------------------------


def _page_args() -> tuple[int, int]:
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return page, per_page


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        abort(
            400,
            description=_("%(name)s must be a whole number from %(low)d to %(high)d.", name=name, low=low, high=high),
        )
    return value


def _json_object() -> dict[str, Any]:
    try:
        body = json.loads(request.get_data() or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        abort(400, description=_("The body must be a JSON object."))
    return body


def _id(value: int, what: str) -> int:
    if not is_id(value):
        abort(404, description=what)
    return value


# --- writing output -----------------------------------------------------------------------


def _money(amount: Any) -> str | None:
    return None if amount is None else str(amount)


def _when(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _offer_json(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.id,
        "sku": offer.supplier_sku,
        "title": offer.title,
        "status": str(offer.status),
        "price": _money(offer.price),
        "currency": offer.currency,
        "old_price": _money(offer.old_price),
        "available": offer.available,
        "stock_quantity": offer.stock_quantity,
        "url": offer.url,
        "brand": offer.brand,
        "mpn": offer.mpn,
        "gtin": offer.gtin,
        "product_id": offer.product_id,
        "updated_at": _when(offer.updated_at),
    }


def _run_json(run: ImportRun, *, with_report: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.id,
        "status": str(run.status),
        "filename": run.filename,
        "format": run.format,
        "mode": run.mode,
        "partial": run.partial,
        "dry_run": run.dry_run,
        "feed_id": run.feed_source_id,
        "created_at": _when(run.created_at),
        "started_at": _when(run.started_at),
        "finished_at": _when(run.finished_at),
        "counts": {
            "read": run.rows_read,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "withdrawn": run.withdrawn,
            "rejected": run.rejected,
            "warnings": run.warnings,
        },
        "error": run_error_text(run.error, (run.report or {}).get("counts")) or None,
        "url": url_for("supplier_api.show_import", run_id=run.id),
    }
    if with_report:
        report = run.report or {}
        data["report"] = {
            "problems": [
                {
                    "line": entry.get("line"),
                    "sku": entry.get("sku"),
                    "field": entry.get("field"),
                    "code": entry.get("code"),
                    "severity": entry.get("severity"),
                    "message": problem_text(entry),
                    "value": entry.get("value"),
                }
                for entry in report.get("problems", ())
            ],
            "counts": dict(report.get("counts", {})),
            "truncated": bool(report.get("truncated")),
        }
    return data


def _feed_json(source: FeedSource) -> dict[str, Any]:
    return {
        "id": source.id,
        "url": source.url,
        "interval_hours": source.interval_hours,
        "mode": source.mode,
        "enabled": source.enabled,
        "next_fetch_at": _when(source.next_fetch_at),
    }


def _page_json(page: Page[Any], name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {name: items, "page": page.page, "per_page": page.per_page, "total": page.total}


# --- offers -------------------------------------------------------------------------------


@bp.get("/offers")
@calls_limit
@token_required
def list_offers() -> ResponseReturnValue:
    """The caller's own offers, by id, a page at a time."""
    supplier = _supplier()
    status = request.args.get("status")
    if status is not None and status not in (OfferStatus.ACTIVE, OfferStatus.WITHDRAWN):
        abort(400, description=_("status must be “active” or “withdrawn”."))
    page, per_page = _page_args()
    session = get_session()
    found = offers_page(session, supplier, page=page, per_page=per_page, status=status)
    body = _page_json(found, "offers", [_offer_json(offer) for offer in found.items])
    session.commit()  # the token's last use
    return jsonify(body)


@bp.post("/offers")
@calls_limit
@pushes_limit
@token_required
def push_offers() -> ResponseReturnValue:
    """Create or update the offers of a batch (upsert); offers it does not name stay as they are."""
    return _push(partial=False, status=201)


@bp.patch("/offers")
@calls_limit
@pushes_limit
@token_required
def update_offers() -> ResponseReturnValue:
    """Change the price and stock of existing offers; only the fields sent change."""
    return _push(partial=True, status=200)


def _push(*, partial: bool, status: int) -> ResponseReturnValue:
    """Import a batch once per idempotency key, all or nothing, and answer with its run."""
    supplier = _supplier()
    session = get_session()
    body = request.get_data()
    header = request.headers.get("Idempotency-Key")
    key = checked_key(header) if header is not None else None
    request_hash = fingerprint(request.method, request.path, body)
    if key is not None:
        kept = stored_answer(session, supplier, key, request_hash)
        if kept is not None:
            session.commit()
            return jsonify(kept.response), kept.status_code, {"Idempotent-Replayed": "true"}
    check_batch(body, partial=partial, limit=current_app.config["SUPPLIER_API_BATCH_MAX"])
    user = api_user()
    assert user is not None
    run = push_batch(
        session,
        supplier,
        body,
        partial=partial,
        base_currency=current_app.config["BASE_CURRENCY"],
        rates=current_app.config["CURRENCY_RATES"],
        price_move_percent=current_app.config["PRICE_MOVE_PERCENT"],
        source=f"API {'price and stock update' if partial else 'offers'} ({user.email})",
    )
    answer = {"import": _run_json(run, with_report=True)}
    if key is not None:
        remember_answer(session, supplier, key, request_hash, status, answer)
    try:
        session.commit()
    except IntegrityError:
        # The same key arrived twice at once and the other push committed first: answer as it was.
        session.rollback()
        kept = stored_answer(session, supplier, key or "", request_hash)
        if kept is None:
            raise
        return jsonify(kept.response), kept.status_code, {"Idempotent-Replayed": "true"}
    return jsonify(answer), status, {"Location": answer["import"]["url"]}


# --- imports ------------------------------------------------------------------------------


@bp.get("/imports")
@calls_limit
@token_required
def list_imports() -> ResponseReturnValue:
    """The caller's import runs (uploads, feed fetches and pushes), newest first."""
    supplier = _supplier()
    page, per_page = _page_args()
    session = get_session()
    found = runs_page(session, supplier, page=page, per_page=per_page)
    body = _page_json(found, "imports", [_run_json(run) for run in found.items])
    session.commit()
    return jsonify(body)


@bp.get("/imports/<int:run_id>")
@calls_limit
@token_required
def show_import(run_id: int) -> ResponseReturnValue:
    """One of the caller's import runs with its report."""
    supplier = _supplier()
    session = get_session()
    missing = _("There is no import %(run)s of yours.", run=run_id)
    run = own_run(session, supplier, _id(run_id, missing))
    if run is None:
        abort(404, description=missing)
    body = _run_json(run, with_report=True)
    session.commit()
    return jsonify(body)


@bp.post("/imports")
@calls_limit
@pushes_limit
@token_required
def upload_import() -> ResponseReturnValue:
    """Queue an uploaded price list for import, as the portal's upload does."""
    supplier = _supplier()
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    if not data:
        abort(400, description=_("Send the price list, not empty, as the form field “file”."))
    assert upload is not None
    mode = request.form.get("mode", ImportMode.AUTO)
    if mode not in ImportMode.ALL:
        abort(400, description=_("mode must be “auto”, “full” or “partial”."))
    dry_run = request.form.get("dry_run", "false").lower() in ("1", "true", "yes")
    session = get_session()
    run = queue_import(
        session,
        supplier,
        data,
        filename=upload.filename or "upload",
        files=file_store(),
        mode=mode,
        dry_run=dry_run,
        # A table may need its columns mapped in the portal; the run then waits there.
        preview=may_need_mapping(data[:HEAD_SIZE]),
    )
    session.commit()
    body = {"import": _run_json(run)}
    return jsonify(body), 202, {"Location": body["import"]["url"]}


# --- feed URLs ----------------------------------------------------------------------------


@bp.get("/feeds")
@calls_limit
@token_required
def list_feeds() -> ResponseReturnValue:
    """The caller's feed URLs."""
    supplier = _supplier()
    session = get_session()
    body = {"feeds": [_feed_json(source) for source in feed_sources(session, supplier)]}
    session.commit()
    return jsonify(body)


def _feed_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Return the feed fields a body sets; a wrong type is a 400 naming the field."""
    fields: dict[str, Any] = {}
    for name, kind in (("url", str), ("interval_hours", int), ("mode", str)):
        if name not in body:
            continue
        value = body[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            abort(400, description=_("%(field)s has the wrong type.", field=name))
        fields[name] = value
    return fields


@bp.post("/feeds")
@calls_limit
@token_required
def create_feed() -> ResponseReturnValue:
    """Register a feed URL, fetched at once and then on schedule, as in the portal."""
    supplier = _supplier()
    fields = _feed_fields(_json_object())
    if "url" not in fields:
        abort(400, description=_("url is required."))
    session = get_session()
    source = add_feed_source(
        session,
        supplier,
        fields["url"],
        interval_hours=fields.get("interval_hours", 24),
        mode=fields.get("mode", ImportMode.AUTO),
    )
    session.commit()
    return jsonify(_feed_json(source)), 201


def _feed_missing(feed_id: int) -> str:
    return str(_("There is no feed %(feed)s of yours.", feed=feed_id))


@bp.patch("/feeds/<int:feed_id>")
@calls_limit
@token_required
def update_feed(feed_id: int) -> ResponseReturnValue:
    """Change a feed URL's address, interval or mode; fields left out keep their value."""
    supplier = _supplier()
    _id(feed_id, _feed_missing(feed_id))
    fields = _feed_fields(_json_object())
    session = get_session()
    if not any(source.id == feed_id for source in feed_sources(session, supplier)):
        abort(404, description=_feed_missing(feed_id))
    source = update_feed_source(session, supplier, feed_id, **fields)
    session.commit()
    return jsonify(_feed_json(source))


@bp.delete("/feeds/<int:feed_id>")
@calls_limit
@token_required
def delete_feed(feed_id: int) -> ResponseReturnValue:
    """Remove a feed URL; its past import runs stay in the history."""
    supplier = _supplier()
    _id(feed_id, _feed_missing(feed_id))
    session = get_session()
    try:
        remove_feed_source(session, supplier, feed_id)
    except FeedSourceError:
        abort(404, description=_feed_missing(feed_id))
    session.commit()
    return "", 204


# --- leads --------------------------------------------------------------------------------


def _lead_json(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.id,
        "stage": str(lead.status),
        "source": str(lead.source),
        "request_id": lead.source_ref,
        "subject": lead.subject,
        "buyer": {
            "name": lead.buyer_name or None,
            "email": lead.buyer_email,
            "phone": lead.buyer_phone,
            "company": lead.company,
            "contact_person": lead.contact_person,
        },
        "comment": lead.comment,
        "items": [
            {
                "sku": item.supplier_sku or None,
                "title": item.title,
                "quantity": format(item.quantity.normalize(), "f"),
                "unit": item.unit,
                "price": _money(item.price),
                "currency": item.currency,
            }
            for item in lead.items
        ],
        "value": _money(lead.value),
        "value_currency": lead.value_currency,
        "lost_reason": lead.lost_reason,
        "next_step": lead.next_step,
        "next_step_at": _when(lead.next_step_at),
        "notes": [{"body": n.body, "author_id": n.author_id, "created_at": _when(n.created_at)} for n in lead.notes],
        "created_at": _when(lead.created_at),
        "stage_at": _when(lead.stage_at),
    }


def _lead_missing(lead_id: int) -> str:
    return str(_("There is no lead %(id)s.", id=lead_id))


def _stage(value: Any) -> LeadStatus:
    if value not in {s.value for s in STAGES}:
        abort(400, description=_("stage must be one of: %(stages)s.", stages=", ".join(s.value for s in STAGES)))
    return LeadStatus(value)


@bp.get("/leads")
@calls_limit
@token_required
def list_leads() -> ResponseReturnValue:
    """The caller's own leads, by id, a page at a time; ``stage`` keeps one stage."""
    supplier = _supplier()
    raw = request.args.get("stage")
    stage = None if raw is None else _stage(raw)
    page, per_page = _page_args()
    session = get_session()
    found = Page(
        leads_by_id(session, supplier.id, offset=(page - 1) * per_page, limit=per_page, stage=stage),
        page,
        per_page,
        count_leads(session, supplier.id, stage=stage),
    )
    body = _page_json(found, "leads", [_lead_json(lead) for lead in found.items])
    session.commit()  # the token's last use
    return jsonify(body)


def _lead_change(body: dict[str, Any]) -> LeadChange:
    """Read a PATCH body's fields; a field of the wrong shape is a 400 naming it."""
    unknown = set(body) - {"stage", "lost_reason", "value", "value_currency", "next_step", "next_step_at", "note"}
    if unknown:
        abort(400, description=_("Unknown fields: %(fields)s.", fields=", ".join(sorted(unknown))))
    for name in ("lost_reason", "value_currency", "next_step", "note"):
        if body.get(name) is not None and not isinstance(body[name], str):
            abort(400, description=_("%(name)s must be a string.", name=name))
    value = None
    if body.get("value") is not None:
        try:
            value = Decimal(str(body["value"]))
        except InvalidOperation:
            abort(400, description=_('value must be a decimal number, such as "1200.50".'))
        if not value.is_finite():
            abort(400, description=_('value must be a decimal number, such as "1200.50".'))
    next_step_at = None
    if body.get("next_step_at") is not None:
        try:
            next_step_at = dt.datetime.fromisoformat(str(body["next_step_at"]))
        except ValueError:
            abort(400, description=_("next_step_at must be an ISO 8601 date or date and time."))
        if next_step_at.tzinfo is None:
            # A plain date is due at the end of that day, as on the portal's form; a plain time is UTC.
            if len(str(body["next_step_at"])) == 10:
                next_step_at = next_step_at.replace(hour=23, minute=59)
            next_step_at = next_step_at.replace(tzinfo=dt.UTC)
    clear = "next_step" in body and body["next_step"] is None and body.get("next_step_at") is None
    return LeadChange(
        stage=None if body.get("stage") is None else _stage(body["stage"]),
        lost_reason=body.get("lost_reason"),
        value=value,
        value_currency=body.get("value_currency"),
        next_step=body.get("next_step"),
        next_step_at=next_step_at,
        clear_next_step=clear,
    )


@bp.patch("/leads/<int:lead_id>")
@calls_limit
@token_required
def update_lead(lead_id: int) -> ResponseReturnValue:
    """Move one of the caller's leads: its stage, value and next step, and add a note; left-out fields stay."""
    supplier = _supplier()
    _id(lead_id, _lead_missing(lead_id))
    body = _json_object()
    change = _lead_change(body)
    session = get_session()
    try:
        lead = get_lead(session, supplier.id, lead_id)
    except LeadNotFound:
        abort(404, description=_lead_missing(lead_id))
    user = api_user()
    assert user is not None
    try:
        move_lead(session, lead, change, user)
        if body.get("note"):
            add_note(session, lead, user, body["note"])
    except LeadError as exc:
        session.rollback()
        return _error(422, _("Unprocessable Entity"), str(exc), fields={exc.field or "stage": [str(exc)]})
    session.commit()
    return jsonify(_lead_json(lead))
