"""Measure what analytics costs: page time with capture on and off, and rollups and dashboards over many events.

    .venv/bin/python bench/analytics.py --events 200000                 # a temporary SQLite file
    createdb -h 127.0.0.1 -U postgres h_an
    .venv/bin/python bench/analytics.py --events 200000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_an --reset
    .venv/bin/python bench/analytics.py --events 10000000 --days 60     # the issue's target size

Part 1 serves the demo marketplace through two apps on the same database, one with
``TRADEROW_ANALYTICS_ENABLED`` off, alternating request by request, and prints p50 and p95
server time per page for both and the p95 difference: what capture adds (the time of the whole
WSGI call, teardown and the batched event write included). The apps run as in production (not
TESTING): events are written in batches of ``ANALYTICS_BATCH`` at the end of a request.

Part 2 generates ``--events`` synthetic events over ``--days`` days ending yesterday (visits of
1 to 12 pages from search engines, referrals, e-mail and direct, a third of the visitors
returning, one search in twenty with no result, product views and click-outs) straight into the
events table, and times the rollup of each day (per day of events). Then it serves each
dashboard page whole through the Flask test client, signed in as the operator (and as a
supplier for /portal/numbers), over the last 30 days with the previous 30 as comparison, and
prints p50 and p95; then the time of each query the dashboards make over 1, 7, 30 and all days.
With ``--explain`` it prints the plan of every SQL statement the two pages run (EXPLAIN QUERY
PLAN on SQLite, EXPLAIN on PostgreSQL), so a scan of a large table shows.

``--database-url`` runs it all on that database instead of a temporary SQLite file; the
database must be empty, or ``--reset`` drops every table in it first (a bench database only!).
It prints numbers; it asserts nothing. ``--events 10000000`` is the issue's target size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask, url_for  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from flask_babel import get_locale  # noqa: E402
from flask_login import current_user  # noqa: E402
from sqlalchemy import Engine, MetaData, bindparam, event, insert, inspect, select, text  # noqa: E402

from marketplace import create_app, schema  # noqa: E402
from marketplace.accounts.models import Role, User  # noqa: E402
from marketplace.analytics.dashboard import price_against_market  # noqa: E402
from marketplace.analytics.people import range_people  # noqa: E402
from marketplace.analytics.report import analytics_report, daily_series, supplier_report, visitor_series  # noqa: E402
from marketplace.analytics.rollup import rollup_day  # noqa: E402
from marketplace.catalog.models import Offer, Product  # noqa: E402
from marketplace.config import in_folder  # noqa: E402
from marketplace.db import database  # noqa: E402
from marketplace.demo.loader import load_demo  # noqa: E402
from marketplace.events.log import flush, log_event  # noqa: E402
from marketplace.events.models import AnalyticsEvent  # noqa: E402
from marketplace.search.index_runtime import get_index  # noqa: E402
from marketplace.search.jobs import sync_index  # noqa: E402
from marketplace.seo.links import product_slug  # noqa: E402
from marketplace.suppliers.models import Supplier  # noqa: E402
from marketplace.taxonomy.seed import seed_categories  # noqa: E402

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
REFERRERS = ["", "", "https://www.google.com/", "https://www.google.com.ua/", "https://duckduckgo.com/",
             "https://forum.example.org/t/1", "https://mail.google.com/"]  # fmt: skip
PATHS = ["/", "/categories/", "/search", "/categories/12-cookware", "/compare/"] + [
    f"/products/{n}-item-{n}" for n in range(1, 400)
]
QUERIES = ["pan", "kettle", "drill", "chair", "paper", "hose", "knife", "lamp", "glue", "saw"]


def make_apps(folder: str, url: str | None = None, reset: bool = False) -> tuple[Flask, Flask]:
    """Return the apps with capture on and off, on one database (``url``, or a SQLite file in ``folder``)."""
    url = url or f"sqlite:///{folder}/bench.sqlite"
    config: dict[str, Any] = {"SECRET_KEY": "bench-" + secrets.token_hex(8), "DATABASE_URL": url, **in_folder(folder)}
    on = create_app({**config, "ANALYTICS_ENABLED": True})
    off = create_app({**config, "ANALYTICS_ENABLED": False})
    with on.app_context():
        engine = database(on).engine
        if inspect(engine).get_table_names():
            if not reset:
                raise SystemExit(f"{engine.url.render_as_string()} holds tables: give an empty database, or --reset")
            drop_every_table(engine)
        schema.upgrade(engine)
        session = database(on).session()
        seed_categories(session)
        load_demo(session, base_currency=on.config["BASE_CURRENCY"], rates=on.config["CURRENCY_RATES"])
        session.commit()
        sync_index(session, get_index(on))
        session.close()
    return on, off


def drop_every_table(engine: Engine) -> None:
    """Drop every table of the database (reflected: ours, Alembic's, the monthly event partitions)."""
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)


def pages(app: Flask) -> list[str]:
    with app.app_context():
        session = database(app).session()
        product = session.scalars(select(Product).limit(1)).one()
        session.close()
        with app.test_request_context():
            product_url = url_for("catalog.product", product_id=product.id, slug=product_slug(product))
    return ["/", "/categories/", product_url, "/search?q=pan"]


def time_pages(on: Flask, off: Flask, rounds: int) -> None:
    clients = {"on": on.test_client(), "off": off.test_client()}
    paths = pages(on)
    timings: dict[tuple[str, str], list[float]] = {}
    for client in clients.values():  # warm caches, templates and the index once
        for path in paths:
            client.get(path, headers={"User-Agent": BROWSER}, follow_redirects=True)
    for round_ in range(rounds):
        for path in paths:
            # Alternate which app goes first, so neither always meets the warmer cache.
            for name, client in sorted(clients.items(), reverse=bool(round_ % 2)):
                started = time.perf_counter()
                response = client.get(path, headers={"User-Agent": BROWSER, "Referer": "https://www.google.com/"})
                if response.status_code == 301:
                    raise SystemExit(f"{path} redirects to {response.location}: bench the page itself")
                timings.setdefault((path, name), []).append((time.perf_counter() - started) * 1000)
                assert response.status_code in (200, 301, 302), (path, response.status_code)
    print(f"{'page':34} {'off p50':>8} {'off p95':>8} {'on p50':>8} {'on p95':>8} {'+p95':>7}  (ms, {rounds} rounds)")
    for path in paths:
        off_t, on_t = sorted(timings[path, "off"]), sorted(timings[path, "on"])
        p95_off, p95_on = off_t[int(0.95 * len(off_t))], on_t[int(0.95 * len(on_t))]
        print(
            f"{path[:34]:34} {statistics.median(off_t):8.2f} {p95_off:8.2f} "
            f"{statistics.median(on_t):8.2f} {p95_on:8.2f} {p95_on - p95_off:+7.2f}"
        )


def time_capture_alone(app: Flask, count: int = 5000) -> None:
    """Time ``log_event`` itself and the batch writes, per page view: the part capture adds, without the page.

    The page comparison above is the requirement's measure, but on a loaded machine its p95 moves
    by more than the 2 ms it looks for; this isolates what capture itself costs.
    """
    headers = {"User-Agent": BROWSER, "Referer": "https://www.google.com/"}
    logged = written = 0.0
    for n in range(count):
        with app.test_request_context("/categories/", headers=headers):
            # A rendered page has looked up its language and user already; log_event reuses both.
            get_locale()
            _ = current_user.is_authenticated
            started = time.perf_counter()
            log_event("pageview", path="/categories/", route="catalog.categories", channel="search")
            logged += time.perf_counter() - started
        if (n + 1) % app.config["ANALYTICS_BATCH"] == 0:
            started = time.perf_counter()
            flush(app)
            written += time.perf_counter() - started
    print(
        f"capture alone: log_event {logged / count * 1e6:.0f} us a page view; batch write of "
        f"{app.config['ANALYTICS_BATCH']} rows {written / (count / app.config['ANALYTICS_BATCH']) * 1000:.1f} ms "
        f"({written / count * 1e6:.0f} us a page view)"
    )


def catalog_ids(app: Flask) -> tuple[list[tuple[int, int | None]], list[int]]:
    """Return the demo's products as ``(id, category id)`` and its suppliers' ids."""
    with app.app_context():
        session = database(app).session()
        products = [(pid, cid) for pid, cid in session.execute(select(Offer.product_id, Offer.category_id).distinct())]
        suppliers = list(session.scalars(select(Supplier.id)))
        session.close()
    return products, suppliers


def event_writer(engine: Engine) -> Any:
    """Return ``write(conn, rows)``: one DB-API executemany of event rows, each value bound by its column's type.

    The same bind processing as ``conn.execute(insert(AnalyticsEvent), rows)`` (the datetime and
    JSON columns), without the per-row work of the Core statement: 10 million rows go in about
    40 % faster.
    """
    table = AnalyticsEvent.__table__
    compiled = (
        insert(table)
        .values({column.key: bindparam(column.key) for column in table.columns})
        .compile(dialect=engine.dialect)
    )
    statement = str(compiled)
    processors = {
        column.key: column.type.dialect_impl(engine.dialect).bind_processor(engine.dialect) for column in table.columns
    }
    order = list(compiled.positiontup or []) if compiled.positional else []

    def bound(row: dict[str, Any]) -> dict[str, Any]:
        return {name: process(row[name]) if process is not None else row[name] for name, process in processors.items()}

    def write(conn: Any, rows: list[dict[str, Any]]) -> None:
        values = [bound(row) for row in rows]
        # SQLite's driver takes "?" in order; psycopg takes %(name)s.
        conn.exec_driver_sql(statement, [tuple(v[name] for name in order) for v in values] if order else values)

    return write


def generate(app: Flask, events: int, days: int, seed: int = 14) -> dt.date:
    """Insert ``events`` synthetic events ending yesterday; return the first day."""
    rng = random.Random(seed)
    products, suppliers = catalog_ids(app)
    first = dt.date.today() - dt.timedelta(days=days)
    visitors = [secrets.token_hex(16) for _ in range(max(10, events // 25))]
    batch: list[dict[str, Any]] = []
    written = 0
    engine = database(app).engine
    write = event_writer(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        while written < events:
            returning = rng.random() < 0.33
            visitor = visitors[rng.randrange(len(visitors) // 3 if returning else len(visitors))]
            moment = dt.datetime.combine(first + dt.timedelta(days=rng.randrange(days)), dt.time(), tzinfo=dt.UTC)
            moment += dt.timedelta(seconds=rng.randrange(86_000))
            referrer = rng.choice(REFERRERS)
            channel = "search" if ("google" in referrer and "mail" not in referrer) or "duck" in referrer else (
                "email" if "mail" in referrer else "referral" if referrer else "direct")  # fmt: skip
            for depth in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 8, 12))):
                path = rng.choice(PATHS)
                product: tuple[int, int | None] | None = None
                if path.startswith("/products/"):
                    product = rng.choice(products)
                    path = f"/products/{product[0]}-item"
                row = {"id": rng.getrandbits(63), "occurred_at": moment, "kind": "pageview", "visitor_id": visitor,
                       "user_id": None, "path": path, "route": None, "product_id": None, "category_id": None,
                       "supplier_id": None, "referrer": referrer or None,
                       "channel": channel if depth == 0 else "internal",
                       "utm_source": None, "utm_medium": None, "utm_campaign": None, "language": "uk",
                       "ip_hash": None, "data": None}  # fmt: skip
                batch.append(row)
                if path == "/search":
                    query = rng.choice(QUERIES) + ("zz" if rng.random() < 0.05 else "")
                    results = 0 if query.endswith("zz") else rng.randrange(1, 200)
                    ranks = {str(sid): rng.randrange(1, 21) for sid in rng.sample(suppliers, min(3, len(suppliers)))}
                    batch.append({**row, "id": rng.getrandbits(63), "kind": "search",
                                  "data": {"query": query, "page": 1, "results": results,
                                           "ranks": ranks if results else {}}})  # fmt: skip
                elif product is not None:
                    row["product_id"] = product[0]
                    batch.append({**row, "id": rng.getrandbits(63), "kind": "product_view"})
                    if rng.random() < 0.08:
                        batch.append({**row, "id": rng.getrandbits(63), "kind": "clickout", "path": None,
                                      "supplier_id": rng.choice(suppliers), "category_id": product[1]})  # fmt: skip
                moment += dt.timedelta(seconds=rng.randrange(5, 300))
            if len(batch) >= 20_000:
                write(conn, batch)
                written += len(batch)
                batch = []
        if batch:
            write(conn, batch)
            written += len(batch)
    print(f"generated {written:,} events over {days} days in {time.perf_counter() - started:.1f} s")
    return first


def time_rollups(app: Flask, events: int, days: int) -> dt.date:
    """Generate the events, roll up each day and print the time per day of events; return the first day."""
    first = generate(app, events, days)
    with app.app_context():
        session = database(app).session()
        per_day: list[float] = []
        for n in range(days):
            started = time.perf_counter()
            rollup_day(session, first + dt.timedelta(days=n))
            session.commit()
            per_day.append(time.perf_counter() - started)
            if (n + 1) % 10 == 0 and n + 1 < days:
                print(f"  rolled up {n + 1} of {days} days: {sum(per_day):.1f} s so far", flush=True)
        session.close()
    ordered = sorted(per_day)
    print(
        f"rollup per day of events ({events // days:,} events a day): p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {ordered[int(0.95 * len(ordered))] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms, "
        f"all {sum(per_day):.1f} s ({sum(per_day) / events * 1e5 * 1000:.0f} ms per 100,000 events)"
    )
    return first


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    return f"p50 {statistics.median(ordered):7.1f} ms  p95 {ordered[int(0.95 * len(ordered))]:7.1f} ms"


def signed_in(app: Flask, user: User) -> FlaskClient:
    """Return a test client signed in as ``user`` (the session cookie Flask-Login reads)."""
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True
    return client


def dashboard_pages(app: Flask, first: dt.date, days: int) -> list[tuple[User, str]]:
    """Return the dashboard pages over the last 30 days (the previous 30 are their comparison), with who opens them."""
    with app.app_context():
        session = database(app).session()
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        seller = session.scalars(select(User).where(User.supplier_id.is_not(None))).first()
        session.expunge_all()
        session.close()
    assert admin is not None and seller is not None
    last = first + dt.timedelta(days=days - 1)
    args = f"from={(last - dt.timedelta(days=29)).isoformat()}&to={last.isoformat()}"
    return [(admin, f"/admin/analytics?{args}"), (seller, f"/portal/numbers?{args}")]


def time_dashboard_pages(app: Flask, first: dt.date, days: int, rounds: int) -> None:
    """Serve each dashboard page ``rounds`` times (30 days against the previous 30) and print p50 and p95."""
    print(f"dashboard pages, 30 days and the previous 30 ({rounds} rounds, the whole WSGI call):")
    for user, url in dashboard_pages(app, first, days):
        client = signed_in(app, user)
        client.get(url, headers={"User-Agent": BROWSER})  # templates and caches warm
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(url, headers={"User-Agent": BROWSER})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"  {url.split('?')[0]:20} {percentiles(times)}")


def explain_pages(app: Flask, first: dt.date, days: int) -> None:
    """Print the plan of every SQL statement the dashboard pages run."""
    engine = database(app).engine
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    shown = dashboard_pages(app, first, days)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # the statistics autovacuum keeps in production, for realistic plans
            conn.exec_driver_sql("ANALYZE")
    event.listen(engine, "before_cursor_execute", record)
    try:
        for user, url in shown:
            signed_in(app, user).get(url, headers={"User-Agent": BROWSER})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    prefix = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    print(f"plans of the {len(statements)} statements the two pages run ({engine.dialect.name}):")
    seen: set[str] = set()
    with engine.connect() as conn:
        for statement, parameters in statements:
            if statement in seen:
                continue
            seen.add(statement)
            plan = conn.exec_driver_sql(prefix + statement, parameters).all()
            lines = [str(row[-1]) for row in plan]
            print("  " + " ".join(statement.split())[:160])
            for line in lines:
                print("      " + line)
        conn.rollback()


def timed(label: str, call: Any, repeat: int = 3) -> Any:
    """Run ``call`` ``repeat`` times and print its best time; return its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:58} {best * 1000:8.1f} ms")
    return result


def time_queries(app: Flask, first: dt.date, days: int) -> None:
    """Time each query the dashboards make over 1, 7, 30 and all days (best of 3)."""
    with app.app_context():
        session = database(app).session()
        seller = session.scalars(select(User).where(User.supplier_id.is_not(None))).first()
        assert seller is not None
        supplier = session.get(Supplier, seller.supplier_id)
        assert supplier is not None
        last = first + dt.timedelta(days=days - 1)
        print("dashboard queries (best of 3):")
        for span in sorted({1, 7, 30, days}):
            start = last - dt.timedelta(days=span - 1)
            with app.test_request_context():
                report = timed(
                    f"analytics_report, {span} days", lambda start=start: analytics_report(session, start, last)
                )
                print(f"  {'':58} ({report['visits']:,} visits, {report['visitors']:,} visitors)")
                timed(
                    f"range_people (the sketches), {span} days", lambda start=start: range_people(session, start, last)
                )
                timed(
                    f"daily_series, {span} days",
                    lambda start=start: daily_series(session, start, last, ("visits", "pageviews")),
                )
                timed(f"visitor_series, {span} days", lambda start=start: visitor_series(session, start, last))
                timed(
                    f"supplier_report, {span} days",
                    lambda start=start: supplier_report(session, supplier.slug, start, last),
                )
        timed("price_against_market", lambda: price_against_market(session, supplier))
        # The visitor days of a range grouped by person: how the report counted visitors before the sketches.
        start = last - dt.timedelta(days=29)
        exact = timed(
            "visitor days grouped by person (the old way), 30 days",
            lambda: session.execute(
                text(
                    "SELECT count(*) FROM (SELECT person FROM analytics_visitor_days"
                    " WHERE day >= :first AND day <= :last GROUP BY person) AS people"
                ),
                {"first": start, "last": last},
            ).scalar(),
        )
        estimate = range_people(session, start, last).visitors
        print(f"  visitors over 30 days: {exact:,} exactly, {estimate:,} estimated ({(estimate - exact) / exact:+.2%})")
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400, help="rounds of part 1 (capture on and off)")
    parser.add_argument("--page-rounds", type=int, default=20, help="rounds of each dashboard page")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=60, help="days of events (60: 30 shown, 30 compared)")
    parser.add_argument("--database-url", help="run on this database (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop every table of --database-url first")
    parser.add_argument("--skip-pages", action="store_true", help="skip part 1")
    parser.add_argument("--explain", action="store_true", help="print the plan of each dashboard statement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        on, off = make_apps(folder, args.database_url, args.reset)
        logging.disable(logging.INFO)  # the rollup's line per day would bury the figures
        print(f"database: {database(on).engine.dialect.name}")
        if not args.skip_pages:
            time_pages(on, off, args.rounds)
            time_capture_alone(on)
        first = time_rollups(on, args.events, args.days)
        time_dashboard_pages(on, first, args.days, args.page_rounds)
        time_queries(on, first, args.days)
        if args.explain:
            explain_pages(on, first, args.days)
        for app in (on, off):
            get_index(app).close()
            database(app).dispose()


if __name__ == "__main__":
    main()
