"""Import semantics against a real database: full and partial feeds, dry runs, atomicity, batching."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus, PriceHistory
from marketplace.changes.models import IndexChange
from marketplace.suppliers.models import ImportStatus, Supplier
from tests.support import factories
from tests.support.database import recorded_statements
from tests.support.feeds import FIVE, catalog, run_import, stored, update_feed, yml_feed, yml_offer


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_full_feed_replaces_the_catalog(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    run = run_import(db_session, supplier, yml_feed([*FIVE[:3], yml_offer("P9", "900")]))

    assert (run.created, run.unchanged, run.withdrawn, run.partial) == (1, 3, 2, False)
    offers = catalog(db_session, supplier)
    assert offers["P4"][1] == offers["P5"][1] == OfferStatus.WITHDRAWN
    assert offers["P9"][1] == OfferStatus.ACTIVE


def test_a_partial_feed_touches_only_the_offers_it_names(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    db_session.execute(IndexChange.__table__.delete())
    history_before = count(db_session, PriceHistory)

    run = run_import(db_session, supplier, update_feed([("P1", "150", 4), ("P2", None, 0), ("GHOST", "10", 1)]))

    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert run.partial is True
    assert (run.updated, run.unchanged, run.withdrawn, run.created) == (2, 0, 0, 0)
    offers = catalog(db_session, supplier)
    assert offers["P1"] == (Decimal("150.00"), OfferStatus.ACTIVE, True)
    assert offers["P2"] == (Decimal("200.00"), OfferStatus.ACTIVE, False)  # stock 0: not available, price kept
    assert all(offers[f"P{i}"][1] == OfferStatus.ACTIVE for i in range(3, 6))
    assert {p["sku"]: p["code"] for p in run.report["problems"]}["GHOST"] == "unknown_sku"
    assert count(db_session, IndexChange) == 2
    assert count(db_session, PriceHistory) == history_before + 2


def test_partial_mode_on_a_full_feed_never_withdraws(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    run = run_import(db_session, supplier, yml_feed([yml_offer("P1", "111"), yml_offer("P7", "700")]), mode="partial")

    # An update changes prices and stock of known offers only; a new id is reported, not created.
    assert (run.partial, run.updated, run.created, run.withdrawn) == (True, 1, 0, 0)
    assert run.report["counts"]["unknown_sku"] == 1
    offers = catalog(db_session, supplier)
    assert offers["P1"][0] == Decimal("111.00") and "P7" not in offers
    assert sum(1 for o in offers.values() if o[1] == OfferStatus.ACTIVE) == 5


def test_an_update_cannot_be_forced_to_replace_the_catalog(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    before = catalog(db_session, supplier)

    run = run_import(db_session, supplier, update_feed([("P1", "150", 4)]), mode="full")

    assert run.status == ImportStatus.FAILED and run.error
    assert catalog(db_session, supplier) == before


def test_a_dry_run_shows_the_diff_and_publishes_nothing(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    db_session.execute(IndexChange.__table__.delete())
    before = catalog(db_session, supplier)
    history_before = count(db_session, PriceHistory)
    # P1 +50 % (a move), P2 +5 % (below the threshold), P3 renamed, P5 gone, P8 new.
    feed = yml_feed(
        [
            yml_offer("P1", "150"),
            yml_offer("P2", "210"),
            yml_offer("P3", "300", name="Pan P3 deluxe"),
            yml_offer("P4", "400"),
            yml_offer("P8", "800"),
        ]
    )

    run = run_import(db_session, supplier, feed, dry_run=True, price_move_percent=Decimal(20))

    assert run.status == ImportStatus.SUCCEEDED and run.dry_run
    assert (run.created, run.updated, run.withdrawn) == (1, 3, 1)
    diff = run.report["diff"]
    assert [e["sku"] for e in diff["new"]] == ["P8"]
    assert [e["sku"] for e in diff["withdrawn"]] == ["P5"]
    assert {e["sku"]: e["fields"] for e in diff["changed"]}["P3"] == ["title"]
    assert [(m["sku"], m["percent"]) for m in diff["price_moves"]] == [("P1", 50.0)]
    assert diff["counts"] == {"new": 1, "withdrawn": 1, "changed": 3, "price_moves": 1}
    # Nothing was published: offers, index queue and price history are as they were.
    assert catalog(db_session, supplier) == before
    assert count(db_session, IndexChange) == 0
    assert count(db_session, PriceHistory) == history_before


def test_zero_price_offers_are_reported_and_not_shown(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    run = run_import(db_session, supplier, yml_feed([*FIVE[:4], yml_offer("P5", "0"), yml_offer("P6", "0")]))

    zero = [p for p in run.report["problems"] if p["code"] == "zero_price"]
    assert sorted(p["sku"] for p in zero) == ["P5", "P6"]
    assert all(p["severity"] == "error" and "price on request" in p["message"] for p in zero)
    assert run.report["counts"]["zero_price"] == 2 and run.rejected == 2
    offers = catalog(db_session, supplier)
    # P5 had a price before; a feed that no longer gives one withdraws it. P6 never appears.
    assert offers["P5"][1] == OfferStatus.WITHDRAWN and "P6" not in offers


def test_duplicate_ids_keep_the_first_row_and_are_reported(db_session: Session, supplier: Supplier) -> None:
    run = run_import(db_session, supplier, yml_feed([yml_offer("D1", "100"), yml_offer("D1", "999"), *FIVE[:1]]))

    assert catalog(db_session, supplier)["D1"][0] == Decimal("100.00")
    assert [p["sku"] for p in run.report["problems"] if p["code"] == "duplicate_sku"] == ["D1"]
    assert run.rejected == 1 and run.rows_read == 3


class _BreaksAfter(io.RawIOBase):
    """A stream that fails after ``limit`` bytes, as a disk or network can mid-import."""

    def __init__(self, data: bytes, limit: int) -> None:
        self._data = io.BytesIO(data)
        self._limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._data.tell() >= self._limit:
            raise OSError("Input/output error")
        chunk = self._data.read(min(len(buffer), self._limit - self._data.tell()) or 1)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def big_feed(n: int, price: int = 100) -> bytes:
    return yml_feed(yml_offer(f"B{i}", str(price + i % 7)) for i in range(n))


def test_an_import_that_breaks_midway_leaves_the_previous_catalog_whole(
    db_session: Session, supplier: Supplier
) -> None:
    run_import(db_session, supplier, big_feed(300))
    db_session.execute(IndexChange.__table__.delete())
    before = catalog(db_session, supplier)
    history_before = count(db_session, PriceHistory)
    new = big_feed(2500, price=500)

    # Fails well after the first batch of 1000 offers was written inside the savepoint.
    run = run_import(db_session, supplier, io.BufferedReader(_BreaksAfter(new, int(len(new) * 0.8))))

    assert run.status == ImportStatus.FAILED
    assert run.error and "nothing was changed" in run.error
    assert run.report["counts"] == {"internal_error": 1}
    assert catalog(db_session, supplier) == before
    assert count(db_session, IndexChange) == 0
    assert count(db_session, PriceHistory) == history_before


def test_a_reimport_writes_only_what_changed_in_a_few_statements(db_session: Session, supplier: Supplier) -> None:
    n = 3000
    run_import(db_session, supplier, big_feed(n))
    db_session.execute(IndexChange.__table__.delete())
    changed = yml_feed(yml_offer(f"B{i}", str(100 + i % 7 + (1 if i % 20 == 0 else 0))) for i in range(n - 30))
    with recorded_statements(db_session) as executed:
        run = run_import(db_session, supplier, changed)
    statements = [statement.split(None, 1)[0].upper() for statement in executed]

    moved = len(range(0, n - 30, 20))
    assert (run.updated, run.withdrawn, run.unchanged) == (moved, 30, n - 30 - moved)
    # Only the changed and withdrawn offers are queued for the index.
    assert count(db_session, IndexChange) == moved + 30
    # A handful of statements per batch of 1000, never one per row.
    assert len(statements) < 60, statements


def test_an_update_priced_0_hides_the_offer_and_still_applies_the_stock(
    db_session: Session, supplier: Supplier
) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))

    run = run_import(db_session, supplier, update_feed([("P1", "0", 7), ("P2", "250", 3)]))

    assert run.status == ImportStatus.SUCCEEDED, run.error
    # The old price no longer shows: "price on request" is not a price buyers can compare.
    p1 = stored(db_session, supplier, "P1")
    assert (p1.status, p1.stock_quantity, p1.price) == (OfferStatus.WITHDRAWN, 7, Decimal("100.00"))
    assert stored(db_session, supplier, "P2").price == Decimal("250.00")
    (zero,) = [p for p in run.report["problems"] if p["code"] == "zero_price"]
    assert (zero["sku"], zero["severity"]) == ("P1", "warning") and "hidden" in zero["message"]
    assert (run.updated, run.withdrawn, run.rejected) == (1, 1, 0)
    assert run.report["diff"]["withdrawn"] == [{"sku": "P1", "title": "Pan P1"}]


def test_an_update_never_brings_a_withdrawn_offer_back(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    run_import(db_session, supplier, yml_feed(FIVE[:4]))  # P5 withdrawn
    assert stored(db_session, supplier, "P5").status == OfferStatus.WITHDRAWN

    run = run_import(db_session, supplier, update_feed([("P5", "550", 3), ("P1", "120", None)]))

    assert run.status == ImportStatus.SUCCEEDED, run.error
    p5 = stored(db_session, supplier, "P5")
    assert (p5.status, p5.price, p5.stock_quantity) == (OfferStatus.WITHDRAWN, Decimal("550.00"), 3)
    assert [(p["sku"], p["code"], p["severity"]) for p in run.report["problems"]] == [
        ("P5", "withdrawn_sku", "warning")
    ]
    # The full price list brings it back.
    run_import(db_session, supplier, yml_feed(FIVE))
    assert stored(db_session, supplier, "P5").status == OfferStatus.ACTIVE


def test_errors_are_listed_before_a_flood_of_warnings_with_exact_counts(
    db_session: Session, supplier: Supplier
) -> None:
    bad_gtin = "<barcode>4006381333932</barcode>"  # wrong check digit: a warning per row
    rows = [yml_offer(f"W{i}", "10", extra=bad_gtin) for i in range(1500)] + [yml_offer("BAD", "-5")]

    run = run_import(db_session, supplier, yml_feed(rows))

    report = run.report
    assert report["counts"]["invalid_gtin"] == 1500 and report["counts"]["invalid_price"] == 1
    assert report["problems"][0]["sku"] == "BAD" and report["problems"][0]["severity"] == "error"
    assert sum(p["code"] == "invalid_gtin" for p in report["problems"]) == 100
    assert report["truncated"] is True


def test_a_missing_url_column_is_reported_once_for_the_file(db_session: Session, supplier: Supplier) -> None:
    csv = "sku;title;price\r\n" + "".join(f"U{i};Pan {i};{100 + i}\r\n" for i in range(300))

    run = run_import(db_session, supplier, csv.encode())

    assert run.status == ImportStatus.SUCCEEDED and run.created == 300
    (missing,) = [p for p in run.report["problems"] if p["code"] == "missing_url"]
    assert run.report["counts"]["missing_url"] == 300
    assert "None of your 300 offers" in missing["message"]


def test_a_tiny_feed_rate_cannot_make_an_offer_free(db_session: Session, supplier: Supplier) -> None:
    feed = yml_feed([yml_offer("P1", "100"), yml_offer("CHEAP", "10").replace("UAH</currencyId>", "USD</currencyId>")])
    feed = feed.replace(
        b'<currency id="UAH" rate="1"/>', b'<currency id="UAH" rate="1"/><currency id="USD" rate="0.0001"/>'
    )

    run = run_import(db_session, supplier, feed)

    assert run.status == ImportStatus.SUCCEEDED, run.error
    problems = {p["code"]: p for p in run.report["problems"]}
    assert problems["invalid_price"]["sku"] == "CHEAP" and "0.00 in UAH" in problems["invalid_price"]["message"]
    assert "1 USD = 0.0001 UAH" in problems["suspicious_rate"]["message"]
    assert "CHEAP" not in catalog(db_session, supplier)


def test_a_feed_in_a_currency_without_a_rate_fails_with_one_message(db_session: Session, supplier: Supplier) -> None:
    run_import(db_session, supplier, yml_feed(FIVE))
    before = catalog(db_session, supplier)
    rows = [yml_offer(f"X{i}", "10").replace("UAH</currencyId>", "XYZ</currencyId>") for i in range(40)]

    run = run_import(db_session, supplier, yml_feed(rows))

    assert run.status == ImportStatus.FAILED
    assert run.error is not None and "XYZ" in run.error and "40 offer(s)" in run.error
    assert run.report["counts"] == {"unknown_currency": 40}
    assert [p["code"] for p in run.report["problems"]] == ["unknown_currency"]
    assert catalog(db_session, supplier) == before


def ean13(n: int) -> str:
    """Return a valid EAN-13 with the body ``482`` + ``n`` (the check digit computed)."""
    body = f"482{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def test_offers_with_barcodes_are_grouped_in_a_few_statements(db_session: Session, supplier: Supplier) -> None:

    n = 1500
    feed = yml_feed(yml_offer(f"G{i}", "100", extra=f"<barcode>{ean13(i)}</barcode>") for i in range(n))
    # The same feed, links and all: the operator allowed the first shop's site for this one.
    other = factories.supplier(db_session, "pan-world")
    other.extra_offer_hosts = ["kitchen-pro.example"]
    with recorded_statements(db_session) as executed:
        first = run_import(db_session, supplier, feed)
        executed_first = list(executed)
        first_statements = [statement.split(None, 1)[0].upper() for statement in executed]
        executed.clear()
        second = run_import(db_session, other, feed)
    statements = [statement.split(None, 1)[0].upper() for statement in executed]

    assert (first.created, second.created) == (n, n)
    # Looking products up by barcode is batched: never a query per row; the first import
    # takes its products' ids in one SELECT and writes them in one INSERT a batch, the second
    # creates none.
    assert first_statements.count("SELECT") < 26, first_statements
    assert first_statements.count("INSERT") < 40, first_statements
    # Ids taken beforehand: the products' INSERT is one short text for every row (an
    # executemany), not a VALUES list of the whole batch with RETURNING.
    product_inserts = [s for s in executed_first if s.startswith("INSERT INTO products")]
    assert product_inserts and all("RETURNING" not in s and len(s) < 1_000 for s in product_inserts)
    assert len(statements) < 100, len(statements)
    pairs = db_session.execute(select(Offer.product_id, func.count()).group_by(Offer.product_id)).all()
    assert len(pairs) == n and {count for _product, count in pairs} == {2}


def test_a_reimport_sets_each_kind_of_change_in_one_statement_per_batch(
    db_session: Session, supplier: Supplier
) -> None:
    run_import(db_session, supplier, yml_feed(yml_offer(f"M{i}", "100") for i in range(12)))
    # Repriced, out of stock and renamed offers, interleaved as a supplier's list has them.
    kinds = [
        lambda sku: yml_offer(sku, "150"),
        lambda sku: yml_offer(sku, "100", available="false"),
        lambda sku: yml_offer(sku, "100", name=f"Pan {sku}, 24 cm"),
    ]
    with recorded_statements(db_session) as executed:
        run = run_import(db_session, supplier, yml_feed(kinds[i % 3](f"M{i}") for i in range(12)))

    assert run.updated == 12
    assert len([s for s in executed if s.upper().startswith("UPDATE OFFERS SET")]) == 3, executed
    offers = catalog(db_session, supplier)
    assert [offers[f"M{i}"] for i in range(3)] == [
        (Decimal("150.00"), "active", True), (Decimal("100.00"), "active", False), (Decimal("100.00"), "active", True),
    ]  # fmt: skip
    assert stored(db_session, supplier, "M5").title == "Pan M5, 24 cm"
