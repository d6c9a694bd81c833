"""Bad search input, on the page and in the API: each error names its field, in the visitor's language.

The page and ``/api/v1/search`` share one form, so each case is asked of both. A price may be
written with a decimal comma, as in Ukraine, and a range upside down is said to be so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from marketplace.search.forms import parse_amount
from marketplace.suppliers.models import Supplier

#: Each app test runs on Whoosh and on PostgreSQL (tests/support/pg_search_apps.py).
pytestmark = pytest.mark.search_engines


def page_errors(html: str) -> list[str]:
    """Return the page's error summary, one line per error, tags stripped."""
    assert 'data-testid="search-errors"' in html, "the page lists no errors"
    summary = html.split('data-testid="search-errors"')[1].split("</ul>")[0]
    items = [item.split(">", 1)[1].split("</li>")[0] for item in summary.split("<li")[1:]]
    return [item.replace("<strong>", "").replace("</strong>", "").strip() for item in items]


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        pytest.param({"q": "x" * 201}, "q", "Search: At most 200 characters.", id="long-query"),
        pytest.param({"page": "99999"}, "page", "Page: Must be a whole number from 1 to 1000.", id="far-page"),
        pytest.param({"page": "two"}, "page", "Page: Must be a whole number from 1 to 1000.", id="page-word"),
        pytest.param({"category": "abc"}, "category", "Category: No such category.", id="category-word"),
        pytest.param({"category": "0"}, "category", "Category: No such category.", id="category-zero"),
        pytest.param({"per_page": "1000"}, "per_page", "Results per page: Must be a whole number from 1 to 100."),
        pytest.param({"min_price": "cheap"}, "min_price", "Price from: Not an amount: write it like 1500 or 1499,99."),
        pytest.param({"max_price": "NaN"}, "max_price", "Price to: Not an amount: write it like 1500 or 1499,99."),
        pytest.param({"max_price": "1e9"}, "max_price", "Price to: Not an amount: write it like 1500 or 1499,99."),
        pytest.param({"max_price": "2000000000"}, "max_price", "Price to: At most 1,000,000,000.", id="huge-price"),
        pytest.param({"sort": "cheapest"}, "sort", "Sort: Not one of the choices offered.", id="sort"),
        pytest.param({"condition": "broken"}, "condition", "Condition: Not one of the choices offered."),
        pytest.param(
            {"min_price": "500", "max_price": "100"},
            "min_price",
            "Price from: Higher than “Price to”.",
            id="upside-down",
        ),
    ],
)
def test_each_error_names_its_field_on_the_page_and_in_the_api(
    client: FlaskClient, query: dict[str, str], field: str, expected: str
) -> None:
    html = client.get("/search", query_string=query).get_data(as_text=True)
    assert page_errors(html) == [expected]
    assert "Some filters are not valid" not in html

    response = client.get("/api/v1/search", query_string=query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    message = expected.split(": ", 1)[1]
    assert error["fields"] == {field: [message]}
    assert error["message"] == f"{field}: {message}"


def test_every_wrong_field_is_named_at_once(client: FlaskClient) -> None:
    html = client.get("/search?q=pan&page=99999&category=abc&max_price=x").get_data(as_text=True)
    assert [line.split(":")[0] for line in page_errors(html)] == ["Price to", "Category", "Page"]
    fields = client.get("/api/v1/search?q=pan&page=99999&category=abc&max_price=x").get_json()["error"]["fields"]
    assert set(fields) == {"max_price", "category", "page"}


def test_errors_speak_the_visitors_language(app: Flask, client: FlaskClient) -> None:
    html = client.get("/search?category=abc&lang=uk").get_data(as_text=True)
    with app.test_request_context("/"), force_locale("uk"):
        expected = f"Категорія: {gettext('No such category.')}"
        heading = gettext("Correct these and search again:")
    assert page_errors(html) == [expected] and heading in html
    api = client.get("/api/v1/search?category=abc", headers={"Accept-Language": "uk"}).get_json()
    assert api["error"]["fields"] == {"category": [expected.split(": ", 1)[1]]}


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1500", Decimal("1500")),
        ("1499.99", Decimal("1499.99")),
        ("1,5", Decimal("1.5")),
        ("1499,99", Decimal("1499.99")),
        (" 1 499,99 ", Decimal("1499.99")),
        ("1\u00a0499,99", Decimal("1499.99")),
        ("1,499.99", Decimal("1499.99")),
        ("0", Decimal("0")),
        ("-5", None),
        ("+5", None),
        ("1,5,5", None),
        ("1,500", None),  # three decimals after a comma: thousands, more likely than a price in tenths of kopecks
        ("1.999", None),
        ("NaN", None),
        ("Infinity", None),
        ("1e3", None),
        ("1_000", None),
        ("", None),
        (",5", None),
    ],
)
def test_amounts_are_read_as_people_write_them(text: str, amount: Decimal | None) -> None:
    assert parse_amount(text) == amount


def test_a_decimal_comma_filters_on_the_page_and_in_the_api(client: FlaskClient, stocked: dict[str, Supplier]) -> None:
    # Kitchen Pro's pan is 1,899.00 UAH, Office Point's 1,950.00.
    data = client.get("/api/v1/search?q=Hartwell&view=offers&max_price=1899,5").get_json()
    assert data["query"]["max_price"] == "1899.50" and data["total"] == 1
    html = client.get("/search", query_string={"q": "Hartwell", "view": "offers", "min_price": "1 900,00"}).get_data(
        as_text=True
    )
    assert 'data-testid="search-errors"' not in html and html.count('data-testid="hit"') == 1
    assert "Office Point" in html
    # What was typed stays in the box, comma and all, in an input that accepts it.
    assert 'inputmode="decimal" name="min_price" value="1 900,00"' in html


def test_a_range_upside_down_finds_nothing_silently_no_more(client: FlaskClient, stocked: dict[str, Supplier]) -> None:
    html = client.get("/search?q=Hartwell&min_price=1950&max_price=1899").get_data(as_text=True)
    assert 'data-testid="hit"' not in html and 'data-testid="no-results"' not in html
    assert any(line.startswith("Price from:") for line in page_errors(html))
    assert 'aria-invalid="true" aria-describedby="min_price-error"' in html
    # An equal pair is a range of one price, and fine.
    assert client.get("/api/v1/search?q=Hartwell&min_price=1899&max_price=1899,00").get_json()["total"] == 1
