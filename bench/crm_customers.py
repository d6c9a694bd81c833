"""Time the operator's customer list at scale: the page, its search and its filters, through the real view.

    .venv/bin/python bench/crm_customers.py                 # 100,000 records
    .venv/bin/python bench/crm_customers.py --customers 20000 --rounds 5

A temporary SQLite database (migrated to head) gets ``--customers`` records written with one
``executemany``: four in five buyers, a tenth B2B, three languages, "last seen" spread over a
year, one in fifty sharing an e-mail or a phone with another. An operator then opens
``/admin/customers/`` with the test client (no network) unfiltered, searched by a whole
e-mail, by a phone, by part of a name, and filtered by kind, B2B, language and last seen; and
the duplicates page. The target is 300 ms per page (issue 16). It asserts nothing.

Measured 2026-12-07 on the shared 2-core box, SQLite, 100,000 records, median of 7: list
76 ms, page 50 102 ms, e-mail 30 ms, phone 21 ms, part of a name 157 ms, suppliers B2B 73 ms,
uk seen in 30 days 144 ms, never seen 52 ms, duplicates 194 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from flask import Flask  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from marketplace import create_app, schema  # noqa: E402
from marketplace.accounts.models import Role  # noqa: E402
from marketplace.accounts.services import create_user  # noqa: E402
from marketplace.crm.models import Customer  # noqa: E402
from marketplace.db import get_session, utcnow  # noqa: E402

NAMES = ["Olena", "Taras", "Marta", "Ivan", "Oksana", "Petro", "Iryna", "Andrii", "Sofiia", "Bohdan"]
SURNAMES = ["Koval", "Shevchuk", "Bondar", "Melnyk", "Tkachenko", "Kravets", "Oliinyk", "Moroz"]

PAGES = {
    "list, page 1": "/admin/customers/",
    "list, page 50": "/admin/customers/?page=50",
    "search by e-mail": "/admin/customers/?q=user77777@example.com",
    "search by phone": "/admin/customers/?q=067+007+77+77",
    "search by name": "/admin/customers/?q=shevch",
    "suppliers, B2B": "/admin/customers/?kind=supplier&b2b=yes",
    "uk, seen in 30 days": "/admin/customers/?language=uk&seen=30",
    "never seen": "/admin/customers/?seen=never",
    "duplicates": "/admin/customers/duplicates",
}


def customer_rows(count: int) -> list[dict[str, object]]:
    """Return ``count`` customer records to insert: shared with ``bench/crm.py``."""
    rng = random.Random(16)
    now = utcnow()
    rows = []
    for n in range(count):
        shared = n % 50 == 1  # the next record's e-mail, another's phone
        rows.append(
            {
                "kind": "supplier" if n % 5 == 0 else "buyer",
                "name": f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}",
                "email": f"user{n - 1 if shared else n}@example.com",
                "phone": f"+38067{(n + 1 if n % 50 == 7 else n):07d}",
                "company": f"Company {n}" if n % 10 == 0 else None,
                "b2b": n % 10 == 0,
                "language": ("uk", "ru", "en", None)[n % 4],
                "last_seen_at": None if n % 20 == 3 else now - dt.timedelta(minutes=rng.randrange(0, 525_600)),
                "created_at": now,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            session = get_session()
            schema.upgrade(session.get_bind())
            operator = create_user(session, "ops@example.com", "violet kettle orbit", role=Role.ADMIN)
            started = time.perf_counter()
            session.execute(insert(Customer), customer_rows(args.customers))
            session.commit()
            print(f"{args.customers:,} records written in {time.perf_counter() - started:.1f} s")
            identity = operator.get_id()
        for label, timings in time_pages(app, identity, PAGES, args.rounds).items():
            print(f"{label:22} median {statistics.median(timings):7.1f} ms, max {max(timings):7.1f} ms")


def time_pages(app: Flask, identity: str, pages: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Open each page ``rounds`` times as the operator ``identity``; return the milliseconds of each round."""
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["_user_id"] = identity
        browser["_fresh"] = True
    found: dict[str, list[float]] = {}
    client.get(next(iter(pages.values())))  # untimed: the first request compiles the templates
    for label, url in pages.items():
        timings = found.setdefault(label, [])
        for _round in range(rounds):
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return found


if __name__ == "__main__":
    main()
