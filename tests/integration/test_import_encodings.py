"""Mojibake through the real import: UTF-8 under a windows-1251 declaration, mixed CSV encodings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer
from marketplace.suppliers.models import ImportStatus, Supplier
from tests.support.feeds import run_import, yml_feed, yml_offer


@pytest.mark.parametrize("in_child", [False, True])
def test_a_yml_declaring_windows_1251_in_utf8_imports_whole_with_a_warning(
    db_session: Session, supplier: Supplier, tmp_path: Path, in_child: bool
) -> None:
    data = yml_feed([yml_offer("S1", "245", name="Степлер канцелярський №10")])
    data = data.replace(b'encoding="UTF-8"', b'encoding="windows-1251"', 1)
    path = tmp_path / "feed.xml"
    path.write_bytes(data)

    with path.open("rb") as fh:
        run = run_import(db_session, supplier, fh, **({"parse_in_child_from": 0} if in_child else {}))

    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert run.report["counts"] == {"encoding_mismatch": 1} and run.warnings == 1
    title = db_session.scalars(select(Offer.title).where(Offer.supplier_id == supplier.id)).one()
    assert title == "Степлер канцелярський №10"


def test_a_csv_mixing_windows_1251_and_utf8_fails_with_the_reason(db_session: Session, supplier: Supplier) -> None:
    data = b"sku;title;price\nA0;N\xb9 5 \xabA\xbb;1\n" + "A1;Степлер канцелярський;2\n".encode()

    run = run_import(db_session, supplier, data)

    assert run.status == ImportStatus.FAILED and "UTF-8 text read as Windows-1251" in (run.error or "")
    assert db_session.scalars(select(Offer).where(Offer.supplier_id == supplier.id)).all() == []
