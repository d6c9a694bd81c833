"""Currency conversion to the base currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.catalog.pricing import UnknownCurrency, merge_rates, to_base, to_minor

CONFIGURED = {"USD": Decimal("41.5"), "RUB": Decimal("0.45")}


def test_feed_rates_override_configured_ones_when_the_feed_is_in_the_base_currency() -> None:
    rates = merge_rates(CONFIGURED, {"UAH": Decimal(1), "USD": Decimal(40)}, "UAH")
    assert rates["USD"] == Decimal(40) and rates["UAH"] == 1 and rates["RUB"] == Decimal("0.45")


def test_feed_rates_relative_to_another_base_are_scaled() -> None:
    # A Russian feed: RUB is its base, USD costs 90 RUB, and a RUB costs 0.45 UAH.
    rates = merge_rates(CONFIGURED, {"RUB": Decimal(1), "USD": Decimal(90)}, "UAH")
    assert rates["USD"] == Decimal("40.50")


def test_to_base_rounds_to_cents_and_refuses_unknown_currencies() -> None:
    rates = merge_rates(CONFIGURED, {}, "UAH")
    assert to_base(Decimal("19.99"), "usd", rates) == Decimal("829.59")
    assert to_base(Decimal("100"), "UAH", rates) == Decimal("100.00")
    with pytest.raises(UnknownCurrency):
        to_base(Decimal(1), "XYZ", rates)


def test_to_minor() -> None:
    assert to_minor(Decimal("1899.99")) == 189999
    assert to_minor(Decimal("0.005")) == 1
