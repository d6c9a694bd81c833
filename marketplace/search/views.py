"""The search page, the JSON search API and autocomplete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from wtforms import SelectChoice

from marketplace.db import get_read_session
from marketplace.search.forms import FieldError, SearchForm
from marketplace.search.index_runtime import get_index
from marketplace.search.services import SearchPage, bucket_bounds, search_offers, suggest
from marketplace.suppliers.services import list_suppliers

bp = Blueprint("search", __name__)
api = Blueprint("search_api", __name__, url_prefix="/api/v1")

#: Autocomplete answers at most this many entries of each kind.
SUGGEST_LIMIT = 5


# Searches read from the streaming replica when one is configured (TRADEROW_DATABASE_REPLICA_URL):
# they only read, and a result a second older than the primary's is still a right answer.


def _run(form: SearchForm) -> SearchPage:
    return search_offers(get_read_session(), get_index(), form.to_query(current_app.config["SEARCH_PER_PAGE"]))


@bp.get("/search")
def search() -> ResponseReturnValue:
    form = SearchForm(request.args)
    suppliers = list_suppliers(get_read_session())
    form.supplier.choices = [SelectChoice(s.slug, s.name) for s in suppliers]
    result = _run(form) if form.validate() else None
    return render_template("search/results.html", form=form, result=result, bucket_bounds=bucket_bounds)


@api.get("/search")
def search_api() -> ResponseReturnValue:
    form = SearchForm(request.args)
    if not form.validate():
        return _invalid(form.field_errors())
    return jsonify(_as_json(_run(form)))


def _invalid(errors: list[FieldError]) -> ResponseReturnValue:
    """Answer 400 naming each wrong parameter, in the message and in ``fields`` (parameter -> messages)."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(error.name, []).append(error.message)
    message = "; ".join(f"{error.name}: {error.message}" for error in errors)
    return jsonify(error={"code": 400, "title": BadRequest().name, "message": message, "fields": fields}), 400


@api.get("/suggest")
def suggest_api() -> ResponseReturnValue:
    text = request.args.get("q", "")
    if len(text) > 200:
        abort(400, description=_("q: at most %(n)s characters", n=200))
    entries = suggest(get_read_session(), get_index(), text, SUGGEST_LIMIT)
    return jsonify(
        {
            "q": text,
            "suggestions": [
                {"kind": entry.kind, "text": entry.text, "url": url_for("search.search", **entry.params)}
                for entry in entries
            ],
        }
    )


def _as_json(page: SearchPage) -> dict[str, Any]:
    query, results = page.query, page.results
    return {
        "query": {
            "q": query.text,
            "min_price": _money_from_minor(query.min_price_minor),
            "max_price": _money_from_minor(query.max_price_minor),
            "suppliers": list(query.suppliers),
            "brands": list(query.brands),
            "category": query.category_id,
            "in_stock": query.in_stock,
            "conditions": list(query.conditions),
            "params": {key: list(values) for key, values in query.params},
            "param_ranges": {key: {"min": low, "max": high} for key, low, high in query.param_ranges},
            "sort": query.sort,
            "view": "products" if query.by_product else "offers",
            "page": results.page,
            "per_page": results.per_page,
        },
        "total": results.total,
        "offer_total": results.offer_total,
        "pages": page.pages,
        "relaxed": results.relaxed,
        "suggestion": results.suggestion,
        "corrected": results.corrected,
        "currency": current_app.config["BASE_CURRENCY"],
        "facets": {
            name: [
                {"value": o.value, "label": o.label, "count": o.count, "selected": o.selected}
                | (_bucket_money(o.value) if name == "price" else {})
                | ({"names": o.names} if o.names else {})
                for o in options
            ]
            for name, options in page.facets.items()
        },
        "params": [
            {
                "key": facet.key,
                "param": facet.param,
                "label": facet.label,
                "unit": facet.unit,
                "numeric": facet.numeric,
            }
            | (
                {"min": facet.low, "max": facet.high}
                if facet.numeric
                else {
                    "values": [
                        {"value": o.value, "label": o.label, "count": o.count, "selected": o.selected}
                        for o in facet.options
                    ]
                }
            )
            for facet in page.params
        ],
        "relax": [{"filter": hint.name, "params": list(hint.params), "total": hint.total} for hint in page.relax],
        "results": [
            {
                "id": hit.offer.id,
                "product_id": hit.offer.product_id,
                "title": hit.offer.title,
                "product_title": hit.offer.product.title,
                "highlight": hit.highlight,
                "supplier": hit.offer.supplier.slug,
                "supplier_name": hit.offer.supplier.name,
                "price": str(hit.offer.price),
                "currency": hit.offer.currency,
                "price_base": str(hit.offer.price_base),
                "lowest_price_base": str(hit.lowest_price_base),
                "available": hit.offer.available,
                "condition": hit.offer.condition or "new",
                "offer_count": len(hit.offers),
                "seller_count": hit.seller_count,
                "offer_ids": [offer.id for offer in hit.offers],
                "product_url": url_for("catalog.product", product_id=hit.offer.product_id),
                "buy_url": url_for("catalog.go", offer_id=hit.offer.id, pos=hit.position),
            }
            for hit in page.hits
        ],
    }


def _bucket_money(label: str) -> dict[str, str | None]:
    low, high = bucket_bounds(label)
    return {"min_price": _money_from_minor(low), "max_price": _money_from_minor(high)}


def _money_from_minor(value: int | None) -> str | None:
    return None if value is None else f"{value // 100}.{value % 100:02d}"
