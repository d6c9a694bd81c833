"""Stage 2, validate: the rules a row must meet to become an offer, each written once, with its message.

The writer (``write``) applies them as rows arrive; what a rule decides is here, so that
"how a zero price is treated" or "which prices are absurd" has one home.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from marketplace.imports.options import MAX_PRICE
from marketplace.imports.report import ImportReport
from supplier_feeds import RowProblem

#: Longest value each string column takes; longer values are cut, never a database error.
MAX_LENGTHS = {
    "title": 1000,
    "title_uk": 1000,
    "brand": 255,
    "model": 255,
    "gtin": 14,
    "mpn": 255,
    "condition": 20,
    "google_category": 255,
    "item_group_id": 255,
}
MAX_SKU = 255
#: The longest offer link stored (``Offer.url``); a longer one rejects its row (``url_too_long``).
MAX_URL_LENGTH = 2000
#: Warnings listed once per file however many rows have them (the message gives the count).
ONCE_CODES = frozenset({"missing_url"})


def zero_price(line: int | None, sku: str | None, value: str | None, *, update: bool) -> RowProblem:
    """Return what a price of 0 ("price on request") means for its row: the one rule for both kinds.

    A full-feed row priced 0 is not published, because buyers compare prices (an error). An
    update's row priced 0 is applied, so its stock still changes, and hides the offer until an
    update or the full price list gives it a price again (a warning).
    """
    if update:
        return RowProblem(
            "zero_price",
            "warning",
            "The price is 0 ('price on request'). The offer is hidden from buyers, who compare prices, "
            "until an update or your full price list gives it a price again; its stock was updated.",
            line,
            sku,
            "price",
            "0",
        )
    return RowProblem(
        "zero_price",
        "error",
        "The price is 0 ('price on request'). The offer is not shown, because buyers compare prices; "
        "give it a price to publish it.",
        line,
        sku or None,
        "price",
        value,
    )


def price_problem(price: Decimal) -> str | None:
    """Return why a row's price cannot be stored, or ``None`` when it can (0 is ``zero_price``'s)."""
    if not price.is_finite() or price < 0 or price >= MAX_PRICE:
        return "The price must be a positive number below 10¹²."
    return None


def unknown_currency_message(unknown: Counter[str]) -> str:
    """Say which currencies had no rate and how many offers that skipped."""
    names = ", ".join(sorted(unknown))
    total = sum(unknown.values())
    return (
        f"No exchange rate is known for {names}, so {total} offer(s) priced in it were skipped. "
        "Add the rate to the feed's <currencies> block (or currency_rates in JSON), or ask the operator "
        "to configure it."
    )


def missing_urls_message(missing: int, written: int) -> str:
    """Say how many offers have no link of their own: all of them (the file has none), or some."""
    if missing >= written:
        return (
            f"None of your {missing} offers has an http(s) link to its page in your store "
            "(the file has no url column or element, or it is empty); buyers are sent to your store's "
            "home page. Add the links to send them to each offer."
        )
    return (
        f"{missing} offers have no http(s) link to their page in your store (the first is "
        "listed); buyers are sent to your store's home page for them."
    )


#: A feed's own exchange rate this many times above or below the configured one is flagged.
SUSPICIOUS_RATE_FACTOR = Decimal(2)


def flag_feed_rates(
    report: ImportReport,
    configured: Mapping[str, Decimal],
    merged: Mapping[str, Decimal],
    feed_rates: Mapping[str, Decimal],
    base_currency: str,
) -> None:
    """Warn about feed exchange rates far from the configured ones (a typo there misprices everything)."""
    for code in sorted(feed_rates):
        ours = configured.get(code)
        theirs = merged.get(code)
        if code == base_currency or ours is None or theirs is None or ours <= 0:
            continue
        if theirs <= 0 or not (1 / SUSPICIOUS_RATE_FACTOR <= theirs / ours <= SUSPICIOUS_RATE_FACTOR):
            report.add(
                RowProblem(
                    "suspicious_rate",
                    "warning",
                    f"The feed's exchange rate makes 1 {code} = {theirs.normalize():f} {base_currency}, far from "
                    f"the {ours.normalize():f} {base_currency} we use; prices were converted with the feed's rate. "
                    "Check <currencies> in the feed.",
                    field="currency",
                    value=code,
                )
            )
