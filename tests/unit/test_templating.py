"""Template filters that need no app."""

from __future__ import annotations

import pytest

from marketplace.templating import gtin_display


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
