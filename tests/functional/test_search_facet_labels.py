"""The price facet's labels in the API and the CLI are in currency units, as on the search page."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from marketplace.search.services import bucket_text
from marketplace.suppliers.models import Supplier

#: Each app test runs on Whoosh and on PostgreSQL (tests/support/pg_search_apps.py).
pytestmark = pytest.mark.search_engines


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0-10000", "up to 100"),
        ("25001-50000", "250–500"),
        ("250001-500000", "2,500–5,000"),
        ("5000001-", "over 50,000"),
    ],
)
def test_bucket_text_is_in_currency_units(value: str, text: str) -> None:
    assert bucket_text(value) == text


def test_api_price_labels_are_in_currency_units(client: FlaskClient, stocked: dict[str, Supplier]) -> None:
    data = client.get("/api/v1/search?view=offers").get_json()
    buckets = data["facets"]["price"]
    assert buckets, "the fixture feeds have prices"
    # The value stays the index's, in kopecks, to pass back; the label is what a person reads.
    assert all(bucket["label"] == bucket_text(bucket["value"]) for bucket in buckets)
    # The Hartwell pans at 1,899 and 1,950 UAH share the 1,000–2,500 bucket.
    assert {"label": "1,000–2,500", "count": 2} in [{"label": b["label"], "count": b["count"]} for b in buckets]


def test_cli_price_facet_is_keyed_in_currency_units(runner: FlaskCliRunner, stocked: dict[str, Supplier]) -> None:
    result = runner.invoke(args=["search", "Hartwell", "--offers", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["facets"]["price"] == {"1,000–2,500": 2}


def test_cli_reads_a_decimal_comma_and_refuses_a_range_upside_down(
    runner: FlaskCliRunner, stocked: dict[str, Supplier]
) -> None:
    result = runner.invoke(args=["search", "Hartwell", "--offers", "--max-price", "1899,50"])
    assert result.exit_code == 0 and "1 offer found" in result.output
    upside_down = runner.invoke(args=["search", "Hartwell", "--min-price", "1950", "--max-price", "1899"])
    assert upside_down.exit_code == 2 and "--min-price" in upside_down.output
