"""Convert offer prices to the marketplace's base currency."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class UnknownCurrency(ValueError):
    """No rate is known for a currency."""


def merge_rates(configured: Mapping[str, Decimal], feed_rates: Mapping[str, Decimal], base: str) -> dict[str, Decimal]:
    """Return rates to ``base``: the configured ones, overridden by the feed's own.

    A YML feed gives rates relative to its own base currency (the one with rate 1). When that
    is not the marketplace's base, the feed's rates are scaled by the configured rate of it.
    """
    rates = {code.upper(): rate for code, rate in configured.items()}
    rates[base] = Decimal(1)
    feed_base = next((code for code, rate in feed_rates.items() if rate == 1), None)
    if feed_base is None:
        return rates
    scale = Decimal(1) if feed_base == base else rates.get(feed_base)
    if scale is None:
        return rates
    for code, rate in feed_rates.items():
        if code != base:
            rates[code] = rate * scale
    return rates


def to_base(amount: Decimal, currency: str, rates: Mapping[str, Decimal]) -> Decimal:
    """Return ``amount`` in the base currency, rounded to cents; raise ``UnknownCurrency``."""
    rate = rates.get(currency.upper())
    if rate is None:
        raise UnknownCurrency(currency)
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal) -> int:
    """Return an amount in minor units (kopecks, cents), as the search index stores prices."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
