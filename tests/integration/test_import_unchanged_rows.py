"""Re-imports skip the rows that are exactly as last time, and lose nothing by it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, OfferStatus
from marketplace.imports import parse as parse_stage
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from supplier_feeds import parse_feed
from tests.support.feeds import run_import, stored, update_feed, yml_feed, yml_offer

BAD_BARCODE = "<barcode>4006381333932</barcode>"  # wrong check digit: a warning
ROWS = [yml_offer(f"P{i}", str(100 + i)) for i in range(80)]


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count what the real parser yields to the import, by kind."""
    seen: Counter[str] = Counter()

    def counting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in parse_feed(*args, **kwargs):
            seen[type(item).__name__] += 1
            yield item

    monkeypatch.setattr(parse_stage, "parse_feed", counting)
    return seen


def imported(session: Session, supplier: Supplier, data: bytes, **options: Any) -> ImportRun:
    """Import ``data`` and insist that it succeeded."""
    run = run_import(session, supplier, data, **options)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    return run


def test_a_repeated_feed_is_not_read_again(db_session: Session, supplier: Supplier, kinds: Counter[str]) -> None:
    imported(db_session, supplier, yml_feed(ROWS))
    assert kinds["FeedOffer"] == 80 and kinds["FeedUnchanged"] == 0
    kinds.clear()

    run = imported(db_session, supplier, yml_feed([*ROWS[:-1], yml_offer("P79", "999")]))

    # The first 50 rows are read before the feed's header, to tell a full feed from an update.
    assert (kinds["FeedOffer"], kinds["FeedUnchanged"]) == (51, 29)
    assert (run.rows_read, run.created, run.updated, run.unchanged, run.withdrawn) == (80, 0, 1, 79, 0)
    assert stored(db_session, supplier, "P79").price == Decimal("999.00")


def test_an_unchanged_row_is_reported_with_the_warnings_it_had(
    db_session: Session, supplier: Supplier, kinds: Counter[str]
) -> None:
    rows = [
        *ROWS,
        yml_offer("GTIN", "10", extra=BAD_BARCODE),
        yml_offer("NOURL", "10").replace("<url>https://kitchen-pro.example/p/NOURL</url>", ""),
        yml_offer("P1", "10"),  # a duplicate id: an error, every time
    ]
    first = imported(db_session, supplier, yml_feed(rows))
    kinds.clear()

    again = imported(db_session, supplier, yml_feed(rows))

    # 82 distinct rows less the 50 read before the header; the duplicate is read in full.
    assert kinds["FeedUnchanged"] == 32
    assert again.report["problems"] == first.report["problems"]
    assert again.report["counts"] == first.report["counts"] == {"invalid_gtin": 1, "missing_url": 1, "duplicate_sku": 1}
    assert (again.rows_read, again.rejected, again.warnings) == (first.rows_read, 1, 2)


def test_a_partial_update_makes_the_next_full_feed_read_its_rows(db_session: Session, supplier: Supplier) -> None:
    imported(db_session, supplier, yml_feed(ROWS))
    imported(db_session, supplier, update_feed([("P70", "555", 2)]))
    assert stored(db_session, supplier, "P70").price == Decimal("555.00")

    run = imported(db_session, supplier, yml_feed(ROWS))

    # The full price list says 170 again; the row is the same as two imports ago, but the offer is not.
    assert stored(db_session, supplier, "P70").price == Decimal("170.00")
    assert (run.updated, run.unchanged) == (1, 79)


def test_a_new_exchange_rate_rereads_every_row(db_session: Session, supplier: Supplier, kinds: Counter[str]) -> None:
    rows = [row.replace("UAH</currencyId>", "USD</currencyId>") if i % 2 else row for i, row in enumerate(ROWS)]
    imported(db_session, supplier, yml_feed(rows).replace(b' rate="1"/>', b' rate="1"/><currency id="USD"/>'))
    kinds.clear()

    run = imported(
        db_session,
        supplier,
        yml_feed(rows).replace(b' rate="1"/>', b' rate="1"/><currency id="USD"/>'),
        rates={"USD": Decimal("42")},
    )

    assert kinds["FeedUnchanged"] == 0
    assert (run.updated, run.unchanged) == (40, 40)
    assert stored(db_session, supplier, "P1").price_base == Decimal("42.00") * 101


def test_a_withdrawn_offer_whose_row_returns_unchanged_is_shown_again(db_session: Session, supplier: Supplier) -> None:
    imported(db_session, supplier, yml_feed(ROWS))
    imported(db_session, supplier, yml_feed(ROWS[:-1]))
    assert stored(db_session, supplier, "P79").status == OfferStatus.WITHDRAWN

    run = imported(db_session, supplier, yml_feed(ROWS))

    assert stored(db_session, supplier, "P79").status == OfferStatus.ACTIVE
    assert (run.updated, run.unchanged) == (1, 79)


def test_offers_from_formats_without_digests_keep_none(db_session: Session, supplier: Supplier) -> None:
    csv = "sku;title;price;url\r\n" + "".join(
        f"C{i};Pan {i};{100 + i};https://kitchen-pro.example/{i}\r\n" for i in range(5)
    )
    imported(db_session, supplier, csv.encode())
    digests = db_session.scalars(select(Offer.feed_digest).where(Offer.supplier_id == supplier.id)).all()
    assert digests == [None] * 5


def test_a_category_renamed_in_the_feed_moves_its_unchanged_rows(db_session: Session, supplier: Supplier) -> None:
    pans = yml_feed(ROWS).replace(b">Cookware<", "Сковороди".join([">", "<"]).encode())
    knives = yml_feed(ROWS).replace(b">Cookware<", "Кухонні ножі".join([">", "<"]).encode())
    imported(db_session, supplier, pans)
    pans_category = stored(db_session, supplier, "P70").category_id
    assert pans_category is not None

    run = imported(db_session, supplier, knives)

    # The rows are as before, but the category they name now maps elsewhere: they are read again.
    moved = stored(db_session, supplier, "P70").category_id
    assert moved is not None and moved != pans_category
    assert run.updated == 80
