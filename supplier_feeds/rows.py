"""Typed rows that every feed parser yields.

The marketplace import service consumes these; keep the names and fields stable.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Literal, TypeVar

#: Longest ``RowProblem.value`` kept; a whole description in a report helps nobody.
MAX_PROBLEM_VALUE = 200

T = TypeVar("T")


def _pickled_by_position(cls: type[T]) -> type[T]:
    """Pickle a frozen slots dataclass as a call of the class with its values, in field order.

    The parser process sends every row to the import pickled (``supplier_feeds.child``);
    the ``__getstate__``/``__setstate__`` that dataclasses generate look the fields up again
    for each object.
    """
    target: Any = cls
    names = tuple(f.name for f in fields(target))
    # Every field a positional argument of __init__; attrgetter of one name is no tuple.
    assert len(names) > 1 and all(f.init for f in fields(target))
    values = operator.attrgetter(*names)

    def __reduce__(self: object) -> tuple[Any, tuple[Any, ...]]:
        return target, values(self)

    target.__reduce__ = __reduce__
    return cls


@_pickled_by_position
@dataclass(frozen=True, slots=True)
class FeedCategory:
    """One category of the supplier's own tree."""

    #: The feed's own category id.
    id: str
    name: str
    #: The feed's id of the parent category, if any.
    parent_id: str | None = None


@_pickled_by_position
@dataclass(frozen=True, slots=True)
class FeedOffer:
    """One supplier's line, as the feed describes it."""

    #: Supplier's own id of the line (YML offer/@id, CSV sku column).
    sku: str
    title: str
    #: Price in ``currency``; None only for partial (price-less) rows.
    price: Decimal | None
    #: ISO 4217, upper case; "RUR" normalised to "RUB".
    currency: str
    old_price: Decimal | None = None
    #: The offer's page in the seller's store.
    url: str | None = None
    available: bool = True
    stock_quantity: int | None = None
    #: Refers to ``FeedCategory.id``.
    category_id: str | None = None
    #: For feeds that name categories instead of ids (CSV), root first.
    category_path: tuple[str, ...] = ()
    #: YML <vendor>.
    brand: str | None = None
    model: str | None = None
    #: YML <barcode>; digits only.
    gtin: str | None = None
    #: YML <vendorCode>.
    mpn: str | None = None
    #: Sanitised HTML (a small safe subset: p, br, lists, b/strong/i/em, tables, a[href]);
    #: plain text without tags passes unchanged.
    description: str | None = None
    pictures: tuple[str, ...] = ()
    #: (name, value); the value includes the unit, e.g. ("Вага", "1.2 кг").
    params: tuple[tuple[str, str], ...] = ()
    #: Source line (XML sourceline / CSV or sheet row number / JSON offer number) for reports.
    line: int | None = None
    #: The Ukrainian title where the feed gives one beside ``title`` (YML name_ua, name lang="ua").
    title_uk: str | None = None
    #: The Ukrainian description where the feed gives one beside ``description`` (sanitised likewise).
    description_uk: str | None = None
    #: "new" | "used" | "refurbished" (Google Merchant ``condition``); None when not given.
    condition: str | None = None
    #: Google product taxonomy id or path the feed names (Google Merchant google_product_category).
    google_category: str | None = None
    #: Variants of one product share this (Google Merchant item_group_id, YML group_id).
    item_group_id: str | None = None
    #: The supplier's ids of offers that go with this one (YML ``<rec>``: accessories, complements).
    recs: tuple[str, ...] = ()
    #: Delivery cost in ``currency`` where the feed states one.
    delivery_cost: Decimal | None = None
    #: A fingerprint of the row as the file wrote it and of the feed-wide facts its reading
    #: depends on (16 bytes), for formats that give one (YML); None for the others. Equal
    #: digests mean the parser would yield an equal row with the same warnings. Not compared:
    #: two rows read alike are equal offers wherever they came from.
    digest: bytes | None = field(default=None, compare=False)


@_pickled_by_position
@dataclass(frozen=True, slots=True)
class FeedUnchanged:
    """A row whose fingerprint the caller said it already holds (``parse_feed(known=...)``).

    The parser stops reading such a row at its id: the caller keeps the offer it made of
    the same row before, and reports the warnings it had then (the parser does not look
    for them again).
    """

    sku: str
    #: The row's ``FeedOffer.digest``, which the caller holds.
    digest: bytes
    line: int | None = None


@_pickled_by_position
@dataclass(frozen=True, slots=True)
class FeedHeader:
    """Facts about the feed as a whole; always the first item a parser yields."""

    #: "yml" | "yml_epicentr" | "hotline" | "gmc_rss" | "gmc_atom" | "gmc_tsv" | "csv" | "xlsx" | "xls" | "json"
    #: | "commerceml" (``supplier_feeds.detect.FORMAT_NAMES`` names them for people).
    format: str
    shop_name: str | None = None
    #: From YML <currencies> (or JSON "currency_rates"): the rate of each currency to the feed's base currency.
    currency_rates: Mapping[str, Decimal] = field(default_factory=dict)
    #: True for a price/stock update: the rows that follow are FeedUpdate, not FeedOffer,
    #: and offers the feed does not name must be left alone.
    partial: bool = False


@_pickled_by_position
@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """A price and/or stock change for one existing line, from a partial feed."""

    #: Supplier's own id of the line it updates.
    sku: str
    #: New price in ``currency``; None when the update carries stock only.
    price: Decimal | None
    #: ISO 4217; None exactly when ``price`` is None.
    currency: str | None
    old_price: Decimal | None = None
    #: None when the update says nothing about availability (leave it as it is).
    available: bool | None = None
    stock_quantity: int | None = None
    #: Source line (or offer number for JSON) for reports.
    line: int | None = None


@_pickled_by_position
@dataclass(frozen=True, slots=True)
class RowProblem:
    """Explain why one row was skipped (error) or what was fixed in it (warning)."""

    #: Stable snake_case code, e.g. "missing_price", "duplicate_sku", "zero_price".
    code: str
    #: "error": the row was skipped; "warning": the row was still yielded.
    severity: Literal["error", "warning"]
    #: A sentence a supplier understands.
    message: str
    line: int | None = None
    sku: str | None = None
    field: str | None = None
    #: The offending value, truncated to ``MAX_PROBLEM_VALUE`` characters.
    value: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > MAX_PROBLEM_VALUE:
            # Frozen dataclasses only allow this escape hatch during construction.
            object.__setattr__(self, "value", self.value[:MAX_PROBLEM_VALUE])


class FeedError(Exception):
    """The file as a whole cannot be read (not a feed, malformed XML, wrong encoding...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        #: Stable snake_case code, e.g. "unknown_format", "malformed_xml".
        self.code = code
        #: A sentence a supplier understands.
        self.message = message

    def __repr__(self) -> str:
        return f"FeedError({self.code!r}, {self.message!r})"

    def __reduce__(self) -> tuple[type[FeedError], tuple[str, str]]:
        # Pickled by code and message (a parser in another process raises it; supplier_feeds.child).
        return FeedError, (self.code, self.message)


FeedItem = FeedHeader | FeedCategory | FeedOffer | FeedUnchanged | FeedUpdate | RowProblem


def feed_category(
    category_id: str | None, name: str | None, parent_id: str | None, *, line: int | None = None
) -> FeedCategory | RowProblem:
    """Return the category, or the warning that it was ignored when it lacks an id or a name."""
    if not category_id or not name:
        return RowProblem(
            "invalid_category",
            "warning",
            "A category has no id or no name and was ignored.",
            line=line,
            field="category",
            value=name or category_id,
        )
    return FeedCategory(id=category_id, name=name, parent_id=parent_id)
