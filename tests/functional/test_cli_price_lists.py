"""`traderow feeds import` reads a 1C price list without ids and a distributor's workbook, .xlsx and .xls."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskCliRunner

from marketplace.suppliers.models import Supplier
from tests.support.price_lists import PRICE_LISTS

EXPECTED = {
    "1c-no-ids": (5, {"derived_sku": 1, "duplicate_name": 1, "missing_url": 5}),
    "distributor": (6, {"sheet_skipped": 1, "price_on_request": 1, "missing_url": 6}),
}


@pytest.mark.parametrize("name", ["1c-no-ids.xlsx", "1c-no-ids.xls", "distributor.xlsx", "distributor.xls"])
def test_feeds_import_reads_the_price_list(runner: FlaskCliRunner, supplier: Supplier, name: str) -> None:
    result = runner.invoke(args=["feeds", "import", supplier.slug, str(PRICE_LISTS / name), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    created, counts = EXPECTED[name.split(".")[0]]
    assert (report["status"], report["created"], report["counts"]) == ("succeeded", created, counts)
    again = json.loads(runner.invoke(args=["feeds", "import", supplier.slug, str(PRICE_LISTS / name), "--json"]).stdout)
    assert (again["created"], again["updated"], again["unchanged"], again["withdrawn"]) == (0, 0, created, 0)
