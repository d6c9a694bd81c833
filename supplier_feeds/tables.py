"""Turn the rows of tables (a CSV file, the sheets of a workbook) into feed items.

Shared by CSV and Excel: find the header row below any letterhead, map the columns (by a
given mapping, the header names, or the content of a header-less table), read 1C-style
group rows as the category path of the items below them, and decide whether the table
is a full price list or a price/stock update.

Group rows (Excel only) are rows with a single non-blank cell and no price. With outline
levels (xls) a group at level L replaces the path from level L down; without them a run
of group rows replaces as many of the deepest levels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .columns import FIELDS, header_key, header_score, infer_mapping, is_position_mapping, suggest_mapping
from .normalize import (
    PriceError,
    clean_multiline,
    clean_text,
    clean_url,
    parse_availability,
    parse_price,
)
from .offers import OfferChecker, OfferDraft
from .rows import FeedError, FeedHeader, FeedItem, RowProblem

#: How many rows may stand above the header row (1C letterheads are about a dozen).
HEADER_SCAN = 40
#: Longest cell a row may have (CSV's old default limit); a longer one rejects just its row.
MAX_CELL = 131_072
_INVALID_CODES = {"available": "invalid_availability", "stock_quantity": "invalid_stock"}
_FULL = ("sku", "title", "price")


@dataclass(slots=True)
class Row:
    """One table row: its 1-based line, its cells as text, its outline level if known."""

    line: int
    cells: list[str]
    level: int | None = None
    #: (0-based column, length) of a cell longer than ``MAX_CELL``, blanked: the row is rejected.
    oversized: tuple[int, int] | None = None


@dataclass(slots=True)
class Sheet:
    """One table: a CSV file or a worksheet."""

    name: str | None
    rows: Iterator[Row]


@dataclass(slots=True)
class Layout:
    """Where a sheet's header is and which column feeds which field."""

    #: 0-based index among the scanned rows; None for header-less tables.
    header_index: int | None
    headers: list[str]
    #: field -> column indexes, in column order.
    columns: dict[str, list[int]] = field(default_factory=dict)
    #: column index -> header, for "param" columns.
    params: dict[int, str] = field(default_factory=dict)
    guessed: bool = False


def find_layout(scanned: Sequence[Row], mapping: Mapping[str, str] | None) -> Layout | None:
    """Find the header row among the first rows of a sheet and map its columns; None if there is none."""
    if mapping and is_position_mapping(mapping):
        width = max((len(r.cells) for r in scanned), default=0)
        return _layout(None, [f"#{i}" for i in range(width)], mapping)
    if mapping:
        keys = {header_key(k) for k in mapping}
        best = max(
            ((sum(header_key(c) in keys for c in r.cells), i) for i, r in enumerate(scanned)),
            default=(0, 0),
            key=lambda pair: (pair[0], -pair[1]),
        )
        if best[0] == 0:
            return None
        headers = [c.strip() for c in scanned[best[1]].cells]
        by_key = {header_key(k): v for k, v in mapping.items()}
        return _layout(best[1], headers, {h: by_key[header_key(h)] for h in headers if header_key(h) in by_key})
    for index, row in enumerate(scanned):
        if header_score(row.cells) >= 2:
            headers = [c.strip() for c in row.cells]
            return _layout(index, headers, suggest_mapping(headers, [r.cells for r in scanned[index + 1 :]]))
    guessed = infer_mapping([r.cells for r in scanned])
    if not guessed:
        return None
    width = max(len(r.cells) for r in scanned)
    layout = _layout(None, [f"#{i}" for i in range(width)], guessed)
    layout.guessed = True
    return layout


def _layout(header_index: int | None, headers: list[str], mapping: Mapping[str, str]) -> Layout:
    layout = Layout(header_index, headers)
    positions: dict[str, int] = {}
    for position, header in enumerate(headers):
        positions.setdefault(header, position)
    # The mapping's order decides which of several columns of one field is read first.
    for header, target in mapping.items():
        index = positions.get(header)
        if not target or index is None:
            continue
        if target not in FIELDS:
            raise FeedError("invalid_mapping", f"{target!r} is not a field a column can be mapped to.")
        layout.columns.setdefault(target, []).append(index)
        if target == "param":
            layout.params[index] = header
    return layout


def table_mode(layout: Layout, partial: bool | None) -> tuple[bool | None, list[str]]:
    """Return (partial, missing required fields); partial is None when the layout is unusable."""
    has = set(layout.columns)
    update_ok = "sku" in has and bool(has & {"price", "sale_price", "stock_quantity", "available"})
    if partial is True:
        return (True, []) if update_ok else (None, ["sku", "price or stock"])
    missing = [f for f in _FULL if f not in has and not (f == "price" and "sale_price" in has)]
    if not missing:
        return False, []
    if partial is None and update_ok and "title" not in has:
        return True, []
    return None, missing


def parse_tables(
    sheets: Iterable[Sheet],
    *,
    format_name: str,
    mapping: Mapping[str, str] | None = None,
    partial: bool | None = None,
    group_rows: bool = False,
) -> Iterator[FeedItem]:
    """Yield the header, then offers (or updates) and problems of every usable sheet."""
    header_sent = False
    pending: list[RowProblem] = []
    checker: OfferChecker | None = None
    first_error: FeedError | None = None
    mode: bool | None = partial
    for sheet in sheets:
        scanned: list[Row] = []
        for row in sheet.rows:
            scanned.append(row)
            if len(scanned) >= HEADER_SCAN:
                break
        if not any(any(c.strip() for c in r.cells) for r in scanned):
            continue
        layout = find_layout(scanned, mapping)
        sheet_mode, missing = (None, _FULL) if layout is None else table_mode(layout, mode)
        if layout is None or sheet_mode is None:
            error = _layout_error(layout, missing, scanned)
            first_error = first_error or error
            pending.append(
                RowProblem(
                    "sheet_skipped",
                    "warning",
                    f"The sheet {sheet.name!r} was skipped: {error.message}",
                    field="sheet",
                    value=sheet.name,
                )
            )
            continue
        if not header_sent:
            mode = sheet_mode
            checker = OfferChecker(None, warn_missing_currency="currency" in layout.columns)
            yield FeedHeader(format=format_name, partial=bool(mode))
            header_sent = True
        assert checker is not None
        yield from pending
        pending.clear()
        if layout.guessed:
            guessed = ", ".join(f"column {h[1:]}: {f}" for f, cols in layout.columns.items() for h in [f"#{cols[0]}"])
            yield RowProblem(
                "columns_guessed",
                "warning",
                f"The file has no header row; we guessed the columns ({guessed}). Check them or map them yourself.",
                field="sheet",
                value=sheet.name,
            )
        start = 0 if layout.header_index is None else layout.header_index + 1
        rows = _chain(scanned[start:], sheet.rows)
        yield from _sheet_items(rows, layout, checker, bool(mode), group_rows)
    if not header_sent:
        raise first_error or FeedError("empty_file", "The file has no rows.")
    yield from pending


def _layout_error(layout: Layout | None, missing: Sequence[str], scanned: Sequence[Row]) -> FeedError:
    if layout is None:
        return FeedError(
            "missing_header",
            "The first row looks like data, not column names, and we could not tell the columns apart. "
            "Add a header row such as 'sku;title;price' or map the columns yourself.",
        )
    found = ", ".join(repr(h) for h in layout.headers if h) or "none"
    return FeedError("missing_columns", f"Required columns are missing: {', '.join(missing)}. Columns found: {found}.")


def _chain(first: Sequence[Row], rest: Iterator[Row]) -> Iterator[Row]:
    yield from first
    yield from rest


def _sheet_items(
    rows: Iterable[Row], layout: Layout, checker: OfferChecker, partial: bool, group_rows: bool
) -> Iterator[FeedItem]:
    levels: dict[int, str] = {}
    path: list[str] = []
    run: list[str] = []
    price_columns = layout.columns.get("price", []) + layout.columns.get("sale_price", [])
    for row in rows:
        filled = [i for i, c in enumerate(row.cells) if c.strip()]
        if not filled:
            continue
        if group_rows and len(filled) == 1 and filled[0] not in price_columns:
            name = clean_text(row.cells[filled[0]]) or ""
            if row.level is not None:
                for level in [k for k in levels if k >= row.level]:
                    del levels[level]
                levels[row.level] = name
            else:
                run.append(name)
            continue
        if row.level is not None:
            group_path = tuple(levels[k] for k in sorted(levels) if k < row.level)
        else:
            if run:
                path = path[: max(0, len(path) - len(run))] + run
                run = []
            group_path = tuple(path)
        if row.oversized is not None:
            yield _oversized(row, layout)
            continue
        draft = _draft(row, layout, group_path)
        yield from (checker.check_update(draft) if partial else checker.check(draft))


def _oversized(row: Row, layout: Layout) -> RowProblem:
    assert row.oversized is not None
    column, length = row.oversized
    field = next((name for name, indexes in layout.columns.items() if column in indexes), None)
    sku_index = next(iter(layout.columns.get("sku", ())), None)
    sku = clean_text(row.cells[sku_index]) if sku_index is not None and sku_index < len(row.cells) else None
    return RowProblem(
        "cell_too_long",
        "error",
        f"Column {column + 1} of this row holds {length:,} characters, more than the {MAX_CELL:,} a cell may "
        "hold (often a quote left open that swallowed the following lines); the row was skipped.",
        line=row.line,
        sku=sku,
        field=field,
    )


def _draft(row: Row, layout: Layout, group_path: tuple[str, ...]) -> OfferDraft:
    cells = row.cells

    def raw(name: str) -> str | None:
        for index in layout.columns.get(name, ()):
            if index < len(cells):
                text = clean_text(cells[index])
                if text:
                    return text
        return None

    def multiline(name: str) -> str | None:
        for index in layout.columns.get(name, ()):
            if index < len(cells):
                text = clean_multiline(cells[index])
                if text:
                    return text
        return None

    draft = OfferDraft(
        line=row.line,
        sku=raw("sku") or raw("sku_fallback"),
        title=raw("title"),
        price=raw("price"),
        currency=raw("currency"),
        old_price=raw("old_price"),
        sale_price=raw("sale_price"),
    )
    available, stock = _availability(raw("available"), raw("stock_quantity"), draft)
    params = []
    for index, header in layout.params.items():
        value = clean_text(cells[index]) if index < len(cells) else None
        if value:
            params.append((header, value))
    category_path = _category_path(raw("category_path")) or tuple(p for p in group_path if p)
    draft.extra = {
        "url": draft.checked_url(raw("url")),
        "available": available,
        "stock_quantity": stock,
        "category_id": raw("category_id"),
        "category_path": category_path,
        "brand": raw("brand"),
        "model": raw("model"),
        "gtin": draft.checked_gtin(raw("gtin")),
        "mpn": raw("mpn"),
        "description": multiline("description"),
        "description_uk": multiline("description_uk"),
        "title_uk": raw("title_uk"),
        "pictures": _pictures(raw("pictures")),
        "params": tuple(params),
        "condition": _condition(raw("condition")),
        "google_category": raw("google_category"),
        "item_group_id": raw("item_group_id"),
        "delivery_cost": _delivery(raw("delivery_cost")),
    }
    if draft.extra["title_uk"] == draft.title:
        draft.extra["title_uk"] = None
    if draft.extra["description_uk"] == draft.extra["description"]:
        draft.extra["description_uk"] = None
    return draft


def _availability(flag_text: str | None, stock_text: str | None, draft: OfferDraft) -> tuple[bool | None, int | None]:
    available: bool | None = None
    stock: int | None = None
    for name, raw, quantity_first in (("available", flag_text, False), ("stock_quantity", stock_text, True)):
        if raw is None:
            continue
        flag, quantity = parse_availability(raw, quantity_first=quantity_first)
        if flag is None:
            draft.problem(
                _INVALID_CODES[name],
                "warning",
                f"{raw!r} does not say whether the item is in stock; it was ignored.",
                "stock" if name == "stock_quantity" else name,
                raw,
            )
            continue
        available = flag if available is None else available
        stock = quantity if stock is None else stock
    return available, stock


def _category_path(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    value = value.replace("»", ">")
    parts = value.split(">") if ">" in value else value.split("/")
    return tuple(part for part in (clean_text(p) for p in parts) if part)


def _pictures(value: str | None) -> tuple[str, ...]:
    pictures: list[str] = []
    for part in re.split(r"[,|\s]+", value or ""):
        url = clean_url(part)
        if url and url not in pictures:
            pictures.append(url)
    return tuple(pictures)


def _condition(value: str | None) -> str | None:
    key = (value or "").casefold()
    if key in ("new", "новий", "новый", "новое", "нове"):
        return "new"
    if key in ("used", "б/у", "вживаний", "вживане", "бывший в употреблении"):
        return "used"
    if key in ("refurbished", "відновлений", "восстановленный"):
        return "refurbished"
    return None


def _delivery(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_price(value.rsplit(":", 1)[-1])
    except PriceError:
        return None
