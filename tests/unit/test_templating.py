"""Template filters that need no app."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from marketplace.templating import format_number, gtin_display


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("04820000010023", "4820000010023"),  # an EAN-13 kept as a 14-digit key
        ("00036000291452", "0036000291452"),  # a UPC-A: its EAN-13 form
        ("14820000010020", "14820000010020"),  # a real GTIN-14 (a case of units) stays whole
        ("4820000010023", "4820000010023"),
        (None, ""),
        ("", ""),
    ],
)
def test_gtin_shows_as_printed_on_the_pack(key: str | None, shown: str) -> None:
    assert gtin_display(key) == shown


def test_table_numbers_read_as_the_page_language_writes_them() -> None:
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        with force_locale("uk"):
            assert format_number(Decimal("2548.00")) == "2\xa0548,00"
            assert format_number(12.5) == "12,5"
            assert format_number(1234) == "1\xa0234"
        with force_locale("en"):
            assert format_number(Decimal("2548.00")) == "2,548.00"
        # Not a number: as it is (a flag is no count).
        assert format_number("HX-100") == "HX-100"
        assert format_number(True) is True
