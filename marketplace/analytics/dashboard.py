"""The operator's and the suppliers' dashboards: the report turned into tables and chart data.

Every table the page shows is a :class:`Table`; the page renders it and the CSV export writes
the same rows, so the two never disagree. Everything here reads the rollups (through
``analytics.report``) or the catalog as it is now, never the raw events.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Response
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from marketplace.analytics.report import analytics_report, daily_series, supplier_report, visitor_series
from marketplace.buyer_requests.models import Quote
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.exports import CSV_MIMETYPE, csv_writer
from marketplace.suppliers.models import Supplier
from marketplace.taxonomy.models import Category

#: The longest range a dashboard shows, in days.
MAX_DAYS = 366
#: The range shown when none is asked for, in days.
DEFAULT_DAYS = 30
#: Offers listed against the market low on the supplier's page.
PRICE_ROWS = 50


@dataclass(frozen=True, slots=True)
class Table:
    """One table of a dashboard: its name (the CSV's), title, column labels and rows of plain values."""

    name: str
    title: Any
    columns: tuple[Any, ...]
    rows: list[tuple[Any, ...]]
    #: For each row, where its first cell links to (a search to try), or nothing.
    links: list[str | None] = field(default_factory=list)
    #: How many leading columns hold text; the others hold numbers and align right.
    text_columns: int = 1


def date_range(first: str | None, last: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """Parse ``first``..``last`` (YYYY-MM-DD); default to the last 30 days; keep it in order and under a year."""
    end = _parse(last) or today
    start = _parse(first) or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    return max(start, end - dt.timedelta(days=MAX_DAYS - 1)), end


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """Return the range of the same length that ends the day before ``first``."""
    length = (last - first).days + 1
    return first - dt.timedelta(days=length), first - dt.timedelta(days=1)


def _parse(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def percent(part: int, whole: int) -> float:
    return round(part / whole * 100, 1) if whole else 0.0


def change(now: float, before: float) -> float | None:
    """Return the change from ``before`` to ``now`` in percent, or ``None`` when there was nothing before."""
    return round((now - before) / before * 100, 1) if before else None


#: What each channel (analytics.channels) is called on the page; the CSV keeps the same words.
CHANNEL_LABELS = {
    "search": _l("Search engines"),
    "direct": _l("Direct"),
    "internal": _l("Internal"),
    "referral": _l("Other sites"),
    "campaign": _l("Campaigns (UTM)"),
    "email": _l("E-mail"),
}

#: The summary's rows: the report's key and its label.
SUMMARY_KEYS = (
    ("visits", _l("Visits")),
    ("visitors", _l("Visitors")),
    ("new_visitors", _l("New visitors")),
    ("returning_visitors", _l("Returning visitors")),
    ("pageviews", _l("Page views")),
    ("pages_per_visit", _l("Pages per visit")),
)
#: The summary's numbers that are HyperLogLog estimates over the range (analytics.sketches); the page marks them.
ESTIMATED_KEYS = frozenset({"visitors", "returning_visitors"})


def admin_dashboard(session: Session, first: dt.date, last: dt.date, search_url: Any, locale: str) -> dict[str, Any]:
    """Return the operator's dashboard of ``first``..``last``: summary against the previous period, tables, charts.

    ``search_url(query)`` makes the link that tries a query on the site.
    """
    report = analytics_report(session, first, last)
    before = analytics_report(session, *previous_period(first, last))
    summary = [
        (label, report[key], before[key], change(report[key], before[key]), key in ESTIMATED_KEYS)
        for key, label in SUMMARY_KEYS
    ]
    series = daily_series(session, first, last, ("visits", "pageviews"))
    series.update(visitor_series(session, first, last))
    tables = admin_tables(session, report, before, series, search_url, locale)
    charts = {
        "traffic": {
            "type": "line",
            "labels": series["days"],
            "datasets": [
                {"label": str(_l("Visits")), "data": series["visits"]},
                {"label": str(_l("Visitors")), "data": series["visitors"]},
                {"label": str(_l("New visitors")), "data": series["new_visitors"]},
                {"label": str(_l("Returning visitors")), "data": series["returning_visitors"]},
            ],
        },
        "depth": _bar(list(report["depth"]), list(report["depth"].values()), _l("Visits")),
        "channels": _bar([row[0] for row in tables["channels"].rows], list(report["channels"].values()), _l("Visits")),
        # The main path only: visit, search, product, store or request.
        "funnel": _bar(
            [row[0] for row in tables["funnel"].rows[:4]], [row[1] for row in tables["funnel"].rows[:4]], _l("Visits")
        ),
    }
    return {"report": report, "summary": summary, "tables": tables, "charts": charts}


def _bar(labels: list[Any], data: list[int], label: Any) -> dict[str, Any]:
    return {"type": "bar", "labels": [str(x) for x in labels], "datasets": [{"label": str(label), "data": data}]}


def admin_tables(
    session: Session,
    report: dict[str, Any],
    before: dict[str, Any],
    series: dict[str, Any],
    search_url: Any,
    locale: str,
) -> dict[str, Table]:
    """Return every table of the operator's dashboard, by name."""
    funnel = report["funnel"]
    steps = [
        (_l("Visits"), funnel["visits"]),
        (_l("Searched"), funnel["searched"]),
        (_l("Viewed a product"), funnel["viewed_product"]),
        (_l("Went to a store or sent a request"), max(funnel["clicked_out"], funnel["requested"])),
    ]
    funnel_rows = [
        (label, count, percent(count, steps[n - 1][1]) if n else 100.0) for n, (label, count) in enumerate(steps)
    ]
    funnel_rows += [
        (_l("Went to a store"), funnel["clicked_out"], percent(funnel["clicked_out"], funnel["viewed_product"])),
        (_l("Sent a request"), funnel["requested"], percent(funnel["requested"], funnel["viewed_product"])),
    ]
    before_channels = before["channels"]
    names = _category_names(
        session, report["clickouts_by_category"].keys() | report["views_by_category"].keys(), locale
    )
    tables = [
        Table(
            "daily",
            _l("Visits per day"),
            (_l("Day"), _l("Visits"), _l("Page views"), _l("Visitors"), _l("New"), _l("Returning")),
            list(
                zip(
                    series["days"],
                    series["visits"],
                    series["pageviews"],
                    series["visitors"],
                    series["new_visitors"],
                    series["returning_visitors"],
                    strict=True,
                )
            ),
        ),
        _paths("top_pages", _l("Top pages"), report["top_pages"]),
        _paths("entry_pages", _l("Entry pages"), report["entry_pages"]),
        _paths("exit_pages", _l("Exit pages"), report["exit_pages"]),
        Table("depth", _l("Pages per visit"), (_l("Pages"), _l("Visits")), list(report["depth"].items())),
        Table(
            "channels",
            _l("Channels"),
            (_l("Channel"), _l("Visits"), _l("Previous period")),
            [
                (CHANNEL_LABELS.get(name, name), count, before_channels.get(name, 0))
                for name, count in report["channels"].items()
            ],
        ),
        Table(
            "search_engine_pages",
            _l("Pages popular only through search engines"),
            (_l("Page"), _l("Visits from search engines"), _l("Of them one page only")),
            [(row["path"], row["visits"], row["single_page_visits"]) for row in report["search_engine_pages"]],
        ),
        _queries("searches", _l("Top searches"), report["searches"], search_url),
        _queries("zero_result_searches", _l("Searches that found nothing"), report["zero_result_searches"], search_url),
        Table("funnel", _l("Funnel"), (_l("Step"), _l("Visits"), _l("Conversion, %")), funnel_rows),
        _ctr(
            "clickouts_by_supplier",
            _l("Click-outs by supplier"),
            _l("Supplier"),
            report["views_by_supplier"],
            report["clickouts_by_supplier"],
            {},
        ),
        _ctr(
            "clickouts_by_category",
            _l("Click-outs by category"),
            _l("Category"),
            report["views_by_category"],
            report["clickouts_by_category"],
            names,
        ),
    ]
    return {table.name: table for table in tables}


def _paths(name: str, title: Any, rows: list[dict[str, Any]]) -> Table:
    return Table(name, title, (_l("Page"), _l("Views")), [(row["path"], row["views"]) for row in rows])


def _queries(name: str, title: Any, rows: list[dict[str, Any]], search_url: Any) -> Table:
    return Table(
        name,
        title,
        (_l("Query"), _l("Searches")),
        [(row["query"], row["count"]) for row in rows],
        [search_url(row["query"]) for row in rows],
    )


def _ctr(
    name: str, title: Any, label: Any, views: dict[str, int], clicks: dict[str, int], names: dict[str, str]
) -> Table:
    keys = sorted(views.keys() | clicks.keys(), key=lambda key: (-clicks.get(key, 0), -views.get(key, 0), key))
    return Table(
        name,
        title,
        (label, _l("Product views"), _l("Click-outs"), _l("CTR, %")),
        [
            (
                names.get(key, key) or "—",
                views.get(key, 0),
                clicks.get(key, 0),
                percent(clicks.get(key, 0), views.get(key, 0)),
            )
            for key in keys
        ],
    )


def _category_names(session: Session, keys: set[str], locale: str) -> dict[str, str]:
    ids = [int(key) for key in keys if key.isdigit()]
    if not ids:
        return {}
    return {
        str(category.id): category.name_in(locale)
        for category in session.scalars(select(Category).where(Category.id.in_(ids)))
    }


def table_csv(table: Table) -> str:
    """Return ``table`` as CSV text: its column labels, then its rows."""
    out = io.StringIO()
    writer = csv_writer(out)  # visitors type the queries: a "=..." one must not become a formula
    writer.writerow([str(column) for column in table.columns])
    writer.writerows([[str(cell) for cell in row] for row in table.rows])
    return out.getvalue()


def csv_response(table: Table, filename: str) -> Response:
    """Return ``table`` as a CSV download named ``filename``."""
    response = Response(table_csv(table), mimetype=CSV_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def supplier_dashboard(session: Session, supplier: Supplier, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Return one supplier's numbers: views, click-outs, CTR, search position, prices against the market, wins."""
    numbers = supplier_report(session, supplier.slug, first, last)
    series = numbers["series"]
    quotes, won = session.execute(
        select(func.count(Quote.id), func.count(Quote.id).filter(Quote.accepted.is_(True))).where(
            Quote.supplier_id == supplier.id
        )
    ).one()
    prices = price_against_market(session, supplier)
    tables = {
        "daily": Table(
            "daily",
            _l("Per day"),
            (_l("Day"), _l("Views of your offers"), _l("Click-outs")),
            [row for row in zip(series["days"], series["views"], series["clickouts"], strict=True) if row[1] or row[2]],
        ),
        "prices": Table(
            "prices",
            _l("Your prices against the market low"),
            (_l("Code"), _l("Offer"), _l("Your price"), _l("Market low"), _l("Above the low, %")),
            prices,
            text_columns=2,
        ),
    }
    charts = {
        "supplier": {
            "type": "line",
            "labels": series["days"],
            "datasets": [
                {"label": str(_l("Views of your offers")), "data": series["views"]},
                {"label": str(_l("Click-outs")), "data": series["clickouts"]},
            ],
        }
    }
    return {
        "numbers": numbers,
        "quotes": int(quotes),
        "won": int(won or 0),
        "win_rate": percent(int(won or 0), int(quotes)),
        "tables": tables,
        "charts": charts,
    }


def price_against_market(session: Session, supplier: Supplier, limit: int = PRICE_ROWS) -> list[tuple[Any, ...]]:
    """Return the supplier's active offers, dearest against their product's lowest price first (base currency)."""
    other = aliased(Offer)
    low = (
        select(func.min(other.price_base))
        .where(other.product_id == Offer.product_id, other.status == OfferStatus.ACTIVE)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Offer.supplier_sku, Offer.title, Offer.price_base, low.label("low"))
        .where(Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
        .order_by((Offer.price_base - low).desc(), Offer.supplier_sku)
        .limit(limit)
    ).all()
    return [(sku, title, price, market, _above(price, market)) for sku, title, price, market in rows]


def _above(price: Decimal, low: Decimal | None) -> float:
    return round(float((price - low) / low * 100), 1) if low else 0.0
