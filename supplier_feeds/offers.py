"""Check one drafted row and turn it into a FeedOffer (or FeedUpdate) plus its problems.

Every format parser extracts raw strings in its own way and then hands them here,
so the rules are the same for YML, Hotline, Google Merchant, CSV, Excel and JSON.

The rules the marketplace follows
---------------------------------

Errors skip the row; warnings keep it. Every problem of every row is reported, so a
supplier who fixes the listed problems gets a clean next import.

- **Duplicate ids: the first row wins.** A later row with an id already seen is an error
  (``duplicate_sku``) and is skipped, but its other problems are still reported with it
  (a duplicate row with price 0 also gets its ``zero_price`` warning), because the supplier
  will meet them once the duplicate is renamed.
- **Price 0 is "price on request":** the parser reports a ``zero_price`` warning and still
  yields the row with ``price == Decimal(0)``, so that the caller decides. The marketplace
  never publishes it (buyers compare prices, and 0 would be every product's "best offer"):
  a full-feed row priced 0 is reported as a ``zero_price`` error and skipped, and a partial
  update priced 0 hides the offer while its stock still applies. Negative, NaN, infinite,
  exponent-notation and >= 1e12 prices are ``invalid_price`` errors. A missing price is ``missing_price`` (error).
- **Availability:** "preorder" and "backorder" (and "під замовлення") are *not available
  now*: ``available=False``, without a warning, as the supplier said exactly that. Text
  that says neither yes nor no is a warning and the offer counts as available.
- **Sale price** (Google Merchant ``sale_price``): when it is a valid positive price it
  becomes ``price`` and the regular price becomes ``old_price``.
- **Formula injection:** a text field starting with ``= + - @`` loses those characters
  (``formula_stripped`` warning), in every format, so that our own exports are safe to open
  in a spreadsheet.
- **Too long:** titles over 1000 characters, descriptions over 65,535 and brand, model,
  mpn, group ids and categories over 255 are shortened (``value_truncated``, or
  ``title_truncated`` for the title); an id over 255 characters is an error (``invalid_sku``).
- **Descriptions** are sanitised HTML (see ``normalize.sanitize_html``).
- **Partial feeds** (price/stock updates) yield FeedUpdate: an id plus at least one of
  price, availability or stock; a row with none of them is an ``empty_update`` error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .normalize import (
    DEFAULT_CURRENCY,
    PriceError,
    clean_gtin,
    clean_url,
    normalise_currency,
    parse_availability,
    parse_price,
    sanitize_html,
)
from .rows import FeedItem, FeedOffer, FeedUpdate, RowProblem

MAX_TITLE = 1000
MAX_DESCRIPTION = 65_535
MAX_SHORT_FIELD = 255
MAX_SKU = 255
FORMULA_CHARS = "=+-@"
# FeedOffer fields a spreadsheet could run as a formula, in report order.
_FORMULA_FIELDS = ("brand", "model", "mpn", "title_uk", "description", "description_uk")
_SHORT_FIELDS = ("brand", "model", "mpn", "item_group_id", "google_category")


@dataclass(slots=True)
class OfferDraft:
    """The raw pieces of one row, before validation; ``extra`` holds ready FeedOffer fields."""

    line: int | None
    sku: str | None
    title: str | None
    #: Raw price text; None when the feed has no price element/cell for this row.
    price: str | None
    #: Raw currency text; None when the row names none.
    currency: str | None = None
    old_price: str | None = None
    #: Raw Google Merchant sale_price; replaces ``price`` when valid.
    sale_price: str | None = None
    #: Problems the format parser already found while extracting.
    problems: list[RowProblem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    #: The row's digest (``FeedOffer.digest``), for formats that give one.
    digest: bytes | None = None

    def problem(
        self,
        code: str,
        severity: Literal["error", "warning"],
        message: str,
        field_name: str | None = None,
        value: str | None = None,
    ) -> None:
        """Record a problem for this row."""
        self.problems.append(
            RowProblem(code, severity, message, line=self.line, sku=self.sku, field=field_name, value=value)
        )

    def checked_availability(
        self, raw: str | None, *, quantity_first: bool, warning: str
    ) -> tuple[bool | None, int | None]:
        """Return what ``raw`` says of stock (in stock?, quantity); warn when it says neither.

        ``warning`` is the message, with ``{value!r}`` where the raw text goes.
        """
        if raw is None:
            return None, None
        available, stock = parse_availability(raw, quantity_first=quantity_first)
        if available is None:
            self.problem("invalid_availability", "warning", warning.format(value=raw), "available", raw)
        return available, stock

    def checked_url(self, raw: str | None) -> str | None:
        """Return ``raw`` as an absolute http(s) URL, warning (and returning None) when it is not one."""
        url = clean_url(raw)
        if raw and url is None:
            self.problem(
                "invalid_url", "warning", "The offer's link is not an http(s) address and was ignored.", "url", raw
            )
        return url

    def checked_gtin(self, raw: str | None) -> str | None:
        """Return ``raw`` as a valid GTIN, warning (and returning None) when it is not one."""
        gtin = clean_gtin(raw)
        if raw and gtin is None:
            self.problem(
                "invalid_gtin",
                "warning",
                f"The barcode {raw!r} is not a valid EAN/UPC/GTIN (8 to 14 digits with a correct check digit) "
                "and was ignored.",
                "gtin",
                raw,
            )
        return gtin


def strip_formula(value: str | None, field_name: str, draft: OfferDraft) -> str | None:
    """Remove leading formula characters from ``value``, with a warning on ``draft``."""
    if not value or (value[0] not in FORMULA_CHARS and not (value[0] in " \t" and value.lstrip()[:1] in FORMULA_CHARS)):
        return value
    stripped = value.lstrip()
    # A cell like =HYPERLINK(...) runs when a manager opens our export in a spreadsheet.
    draft.problem(
        "formula_stripped",
        "warning",
        f"The {field_name} started with {stripped[0]!r}, which spreadsheets run as a formula; it was removed.",
        field_name,
        value,
    )
    return stripped.lstrip(FORMULA_CHARS + " \t") or None


class OfferChecker:
    """Validate drafts of one feed in order; remembers skus so the first one wins."""

    def __init__(self, default_currency: str | None = None, *, warn_missing_currency: bool = True) -> None:
        #: Currency for rows that name none; None means "UAH, with a warning".
        self.default_currency = default_currency
        self.warn_missing_currency = warn_missing_currency
        self._seen: set[str] = set()

    def check(self, draft: OfferDraft) -> Iterator[FeedItem]:
        """Yield the row's problems, then its FeedOffer unless one of them is an error."""
        if not self._identify(draft):
            yield from draft.problems
            return
        title = self._title(draft)
        price, old_price = self._prices(draft)
        currency = self._currency(draft)
        extra = self._extra(draft)
        yield from draft.problems
        if any(p.severity == "error" for p in draft.problems):
            return
        assert draft.sku is not None and title is not None  # an error was recorded otherwise
        yield FeedOffer(
            sku=draft.sku,
            title=title,
            price=price,
            currency=currency,
            old_price=old_price,
            line=draft.line,
            digest=draft.digest,
            **extra,
        )

    def remember(self, sku: str) -> bool:
        """Note a row the caller skips as unchanged; False if its id was already seen (a duplicate)."""
        if sku in self._seen or len(sku) > MAX_SKU:
            return False
        self._seen.add(sku)
        return True

    def check_update(self, draft: OfferDraft) -> Iterator[FeedItem]:
        """Yield the row's problems, then its FeedUpdate unless one of them is an error.

        ``draft.extra`` may hold "available" (bool | None) and "stock_quantity"; other
        fields of a partial row are ignored.
        """
        if not self._identify(draft):
            yield from draft.problems
            return
        price: Decimal | None = None
        old_price: Decimal | None = None
        currency: str | None = None
        if draft.price is not None or draft.sale_price is not None:
            price, old_price = self._prices(draft)
            currency = self._currency(draft) if price is not None else None
        available = draft.extra.get("available")
        stock = draft.extra.get("stock_quantity")
        if draft.price is None and draft.sale_price is None and available is None and stock is None:
            draft.problem(
                "empty_update",
                "error",
                "The update names the offer but gives no price, availability or stock.",
                "price",
            )
        errors = [p for p in draft.problems if p.severity == "error"]
        yield from draft.problems
        if errors:
            return
        assert draft.sku is not None
        yield FeedUpdate(
            sku=draft.sku,
            price=price,
            currency=currency,
            old_price=old_price,
            available=available,
            stock_quantity=stock,
            line=draft.line,
        )

    def _identify(self, draft: OfferDraft) -> bool:
        """Check the id; return False when the row cannot even be named (no id)."""
        draft.sku = strip_formula(draft.sku, "sku", draft)
        if not draft.sku:
            draft.problems.insert(
                0,
                RowProblem(
                    "missing_sku",
                    "error",
                    "The offer has no id, so it cannot be matched on the next import.",
                    line=draft.line,
                    field="sku",
                ),
            )
            return False
        if len(draft.sku) > MAX_SKU:
            draft.problem("invalid_sku", "error", f"The id is longer than {MAX_SKU} characters.", "sku", draft.sku)
        elif draft.sku in self._seen:
            draft.problems.insert(
                0,
                RowProblem(
                    "duplicate_sku",
                    "error",
                    f"The id {draft.sku!r} appears more than once; only the first row with this id was used.",
                    line=draft.line,
                    sku=draft.sku,
                    field="sku",
                    value=draft.sku,
                ),
            )
        else:
            self._seen.add(draft.sku)
        return True

    def _title(self, draft: OfferDraft) -> str | None:
        title = strip_formula(draft.title, "title", draft)
        if not title:
            draft.problem("missing_title", "error", "The offer has no name.", "title")
            return None
        if len(title) > MAX_TITLE:
            draft.problem(
                "title_truncated",
                "warning",
                f"The name is longer than {MAX_TITLE} characters and was shortened.",
                "title",
                title,
            )
            return title[:MAX_TITLE].rstrip()
        return title

    def _extra(self, draft: OfferDraft) -> dict[str, Any]:
        extra = draft.extra
        if extra.get("available", True) is None:
            # Unstated: available unless the stock says there is none.
            extra["available"] = extra.get("stock_quantity") != 0
        for name in _FORMULA_FIELDS:
            if extra.get(name):
                extra[name] = strip_formula(extra[name], name, draft)
        if extra.get("category_path"):
            path = tuple(strip_formula(part, "category_path", draft) for part in extra["category_path"])
            extra["category_path"] = tuple(self._short(p, "category_path", draft) for p in path if p)
        for name in _SHORT_FIELDS:
            if extra.get(name):
                extra[name] = self._short(extra[name], name, draft)
        if extra.get("title_uk") and len(extra["title_uk"]) > MAX_TITLE:
            extra["title_uk"] = self._short(extra["title_uk"], "title_uk", draft, MAX_TITLE)
        for name in ("description", "description_uk"):
            text = extra.get(name)
            if text:
                if len(text) > MAX_DESCRIPTION:
                    text = self._short(text, name, draft, MAX_DESCRIPTION)
                extra[name] = sanitize_html(text)
        return extra

    @staticmethod
    def _short(value: str, name: str, draft: OfferDraft, limit: int = MAX_SHORT_FIELD) -> str:
        if len(value) <= limit:
            return value
        draft.problem(
            "value_truncated",
            "warning",
            f"The {name} is longer than {limit} characters and was shortened.",
            name,
            value,
        )
        return value[:limit].rstrip()

    def _prices(self, draft: OfferDraft) -> tuple[Decimal | None, Decimal | None]:
        price = self._price(draft)
        old_price = self._old_price(draft)
        if draft.sale_price:
            try:
                sale = parse_price(draft.sale_price)
            except PriceError as exc:
                draft.problem(
                    "invalid_sale_price",
                    "warning",
                    f"The sale price {draft.sale_price!r} was ignored: {exc.reason}.",
                    "sale_price",
                    draft.sale_price,
                )
            else:
                if sale > 0 and (price is None or price == 0 or sale < price):
                    if price:
                        old_price = price
                    if draft.price is None:
                        # The sale price alone is a price; drop the missing_price error.
                        draft.problems[:] = [p for p in draft.problems if p.code != "missing_price"]
                    price = sale
                elif sale > 0:
                    draft.problem(
                        "invalid_sale_price",
                        "warning",
                        "The sale price is not lower than the regular price, so the regular price was kept.",
                        "sale_price",
                        draft.sale_price,
                    )
        return price, old_price

    def _price(self, draft: OfferDraft) -> Decimal | None:
        if draft.price is None:
            draft.problem("missing_price", "error", "The offer has no price.", "price")
            return None
        try:
            price = parse_price(draft.price)
        except PriceError as exc:
            draft.problem(
                "invalid_price",
                "error",
                f"The price {draft.price!r} cannot be used: {exc.reason}.",
                "price",
                draft.price,
            )
            return None
        if price == 0:
            draft.problem(
                "zero_price",
                "warning",
                "The price is 0 ('price on request'); the offer is not published until it has a price.",
                "price",
                draft.price,
            )
        return price

    def _old_price(self, draft: OfferDraft) -> Decimal | None:
        if not draft.old_price:
            return None
        try:
            return parse_price(draft.old_price)
        except PriceError as exc:
            draft.problem(
                "invalid_old_price",
                "warning",
                f"The old price {draft.old_price!r} was ignored: {exc.reason}.",
                "old_price",
                draft.old_price,
            )
            return None

    def _currency(self, draft: OfferDraft) -> str:
        fallback = self.default_currency or DEFAULT_CURRENCY
        if not draft.currency:
            if self.default_currency is None and self.warn_missing_currency:
                draft.problem(
                    "missing_currency", "warning", f"The offer names no currency; {fallback} was assumed.", "currency"
                )
            return fallback
        currency = normalise_currency(draft.currency)
        if currency is None:
            draft.problem(
                "invalid_currency",
                "warning",
                f"{draft.currency!r} is not a currency code; {fallback} was assumed.",
                "currency",
                draft.currency,
            )
            return fallback
        return currency
