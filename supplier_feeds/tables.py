"""Turn the rows of tables (a CSV file, the sheets of a workbook) into feed items.

Shared by CSV and Excel: find the header row below any letterhead, map the columns (by a
given mapping, the header names, or the content of a header-less table), read 1C-style
group rows as the category path of the items below them, and decide whether the table
is a full price list or a price/stock update.

Group rows (Excel only) are rows with a single non-blank cell and no price. With outline
levels (xls) a group at level L replaces the path from level L down. Without them, when the
group rows stand in different columns (a distributor's sub-sections indented a column to the
right), a group's column is its depth; else a run of group rows replaces as many of the
deepest levels. A workbook with several price-list
sheets (a distributor's, one sheet per product line) puts each sheet's name above them.

A distributor's sheet may name its currency in the price header ("Цена, USD") or in its
letterhead ("Валюта: USD"); a currency column wins over both. A price cell that says "Call"
or "по запросу" is a price on request: the row is not published, and one warning counts them.
A table without an id column gets ids derived from the name and characteristic (``row_keys``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .columns import (
    FIELDS,
    VARIANT_HEADERS,
    header_currency,
    header_key,
    header_score,
    infer_mapping,
    is_position_mapping,
    suggest_mapping,
)
from .normalize import (
    PriceError,
    clean_multiline,
    clean_text,
    clean_url,
    normalise_currency,
    parse_availability,
    parse_price,
)
from .offers import OfferChecker, OfferDraft
from .price_words import is_price_on_request
from .row_keys import derived_sku
from .rows import FeedError, FeedHeader, FeedItem, RowProblem

#: How many rows may stand above the header row (1C letterheads are about a dozen).
HEADER_SCAN = 40
#: How many sheets' headers are found before the first sheet is read (see ``parse_tables``).
SHEETS_AHEAD = 20
#: Longest cell a row may have (CSV's old default limit); a longer one rejects just its row.
MAX_CELL = 131_072
_INVALID_CODES = {"available": "invalid_availability", "stock_quantity": "invalid_stock"}
_FULL = ("sku", "title", "price")
#: Sheet names that say nothing of what the sheet holds; they never become a category.
_DEFAULT_SHEET = re.compile(r"(?:sheet|лист|аркуш|tdsheet|export products sheet)\s*\d*", re.IGNORECASE)
#: A letterhead cell naming the currency of the sheet's prices: "Валюта: USD", "Prices in EUR".
_LETTERHEAD_CURRENCY = re.compile(
    r"(?:валюта(?: прайсу| прайса| цін| цен)?|currency|цены указаны в|ціни вказано в|цены в|ціни в|prices in)"
    r"\s*[:：-]?\s*(?P<value>.*)",
    re.IGNORECASE,
)


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
    #: The currency the price header names ("Цена, USD") or, failing that, the letterhead.
    currency: str | None = None
    #: Column indexes of the characteristic (variant) of a row, among ``params``.
    variants: list[int] = field(default_factory=list)
    #: No id column: each row's id is derived from its name and characteristic.
    derived_key: bool = False


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
            if header_key(header) in VARIANT_HEADERS:
                layout.variants.append(index)
    for index in layout.columns.get("price", []) + layout.columns.get("sale_price", []):
        layout.currency = layout.currency or header_currency(headers[index])[1]
    return layout


def missing_fields(fields: Collection[str]) -> list[str]:
    """Return the fields a full price list needs that ``fields`` lack.

    A sale price stands for the price, and without an id column the name identifies the row (see
    ``row_keys``). The portal's mapping page asks the same question of a supplier's mapping.
    """
    return [
        f
        for f in _FULL
        if f not in fields and not (f == "price" and "sale_price" in fields) and not (f == "sku" and "title" in fields)
    ]


def table_mode(layout: Layout, partial: bool | None) -> tuple[bool | None, list[str]]:
    """Return (partial, missing required fields); partial is None when the layout is unusable."""
    has = set(layout.columns)
    update_ok = "sku" in has and bool(has & {"price", "sale_price", "stock_quantity", "available"})
    if partial is True:
        return (True, []) if update_ok else (None, ["sku", "price or stock"])
    missing = missing_fields(has)
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
    state: _FileState | None = None
    first_error: FeedError | None = None
    mode: bool | None = partial
    # The first sheets' headers are found before any row is read: whether sheet names become
    # categories depends on whether a second sheet holds a price list. Each sheet looked at
    # ahead stays open, so only a few are.
    remaining = iter(sheets)
    ahead: list[tuple[Sheet, list[Row], Layout | None]] = []
    usable = 0
    for sheet in remaining:
        found = _prepare(sheet, mapping)
        if found is not None:
            ahead.append(found)
            usable += found[2] is not None and table_mode(found[2], partial)[0] is not None
        if usable > 1 or len(ahead) >= SHEETS_AHEAD:
            break
    by_sheet = usable > 1
    later = (found for sheet in remaining if (found := _prepare(sheet, mapping)) is not None)
    for sheet, scanned, layout in itertools.chain(ahead, later):
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
        layout.derived_key = not sheet_mode and "sku" not in layout.columns
        if state is None:
            mode = sheet_mode
            checker = OfferChecker(None, warn_missing_currency="currency" in layout.columns)
            state = _FileState(checker, bool(mode), group_rows)
            yield FeedHeader(format=format_name, partial=bool(mode))
            header_sent = True
        yield from pending
        pending.clear()
        if layout.derived_key and not state.derived_noticed:
            state.derived_noticed = True
            yield RowProblem(
                "derived_sku",
                "warning",
                "The price list has no column of offer ids, so each offer is known by its name and characteristic. "
                "Renaming a product makes it a new offer (the old one is withdrawn).",
                field="sku",
            )
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
        layout.currency = layout.currency or letterhead_currency(scanned[: start - 1] if start else ())
        name = clean_text(sheet.name) if by_sheet else None
        top = (name,) if name and not _DEFAULT_SHEET.fullmatch(name) else ()
        rows = _chain(scanned[start:], sheet.rows)
        yield from _sheet_items(rows, layout, state, top)
    if not header_sent:
        raise first_error or FeedError("empty_file", "The file has no rows.")
    yield from pending
    if state is not None and state.on_request:
        yield RowProblem(
            "price_on_request",
            "warning",
            f"Rows that give the price on request (such as {state.on_request_text!r}) instead of a number: "
            f"{state.on_request}. They were not published.",
            field="price",
            value=str(state.on_request),
        )


@dataclass(slots=True)
class _FileState:
    """What the rows of all sheets of one file share."""

    checker: OfferChecker
    partial: bool
    group_rows: bool
    #: Rows whose price cell says "price on request" in words, and the first such text.
    on_request: int = 0
    on_request_text: str = ""
    #: Derived ids seen (``Layout.derived_key``), to report rows that share one.
    derived: set[str] = field(default_factory=set)
    derived_noticed: bool = False


def _prepare(sheet: Sheet, mapping: Mapping[str, str] | None) -> tuple[Sheet, list[Row], Layout | None] | None:
    """Read a sheet's first rows and find its layout; None for a blank sheet."""
    scanned: list[Row] = []
    for row in sheet.rows:
        scanned.append(row)
        if len(scanned) >= HEADER_SCAN:
            break
    if not any(any(c.strip() for c in r.cells) for r in scanned):
        return None
    return sheet, scanned, find_layout(scanned, mapping)


def letterhead_currency(rows: Iterable[Row]) -> str | None:
    """Return the currency a letterhead names ("Валюта: USD", or "Валюта:" and "USD" in the next cell)."""
    for row in rows:
        cells = [c.strip() for c in row.cells if c.strip()]
        for index, cell in enumerate(cells):
            found = _LETTERHEAD_CURRENCY.fullmatch(cell)
            if found is None:
                continue
            value = found.group("value") or (cells[index + 1] if index + 1 < len(cells) else "")
            currency = normalise_currency(value.split()[0]) if value.split() else None
            if currency is not None:
                return currency
    return None


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


def _sheet_items(rows: Iterable[Row], layout: Layout, state: _FileState, top: tuple[str, ...]) -> Iterator[FeedItem]:
    levels: dict[int, str] = {}
    #: (column, name) of the groups above the row, and of the run of group rows just read.
    path: list[tuple[int, str]] = []
    run: list[tuple[int, str]] = []
    price_columns = layout.columns.get("price", []) + layout.columns.get("sale_price", [])
    for row in rows:
        filled = [i for i, c in enumerate(row.cells) if c.strip()]
        if not filled:
            continue
        if state.group_rows and len(filled) == 1 and filled[0] not in price_columns:
            name = clean_text(row.cells[filled[0]]) or ""
            if row.level is not None:
                for level in [k for k in levels if k >= row.level]:
                    del levels[level]
                levels[row.level] = name
            else:
                run.append((filled[0], name))
            continue
        if row.level is not None:
            group_path = tuple(levels[k] for k in sorted(levels) if k < row.level)
        else:
            if run:
                path = _group_path(path, run)
                run = []
            group_path = tuple(name for _, name in path)
        if row.oversized is not None:
            yield _oversized(row, layout)
            continue
        price_text = next(
            (row.cells[i].strip() for i in price_columns if i < len(row.cells) and row.cells[i].strip()), ""
        )
        if is_price_on_request(price_text):
            state.on_request += 1
            state.on_request_text = state.on_request_text or price_text
            continue
        draft = _draft(row, layout, top + group_path)
        if layout.derived_key:
            problem = _derived_problem(draft, state)
            if problem is not None:
                yield problem
                continue
        yield from (state.checker.check_update(draft) if state.partial else state.checker.check(draft))


def _group_path(path: list[tuple[int, str]], run: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Return the groups above the rows that follow a run of group rows (no outline levels)."""
    if len({column for column, _ in path + run}) > 1:
        # Indented groups: the run replaces the groups from its first row's column rightwards.
        return [group for group in path if group[0] < run[0][0]] + run
    return path[: max(0, len(path) - len(run))] + run


def _derived_problem(draft: OfferDraft, state: _FileState) -> RowProblem | None:
    """Return why a row whose id is derived from its name is skipped: no name, or another row's name."""
    if draft.sku is None:
        return RowProblem("missing_title", "error", "The offer has no name.", line=draft.line, field="title")
    if draft.sku in state.derived:
        return RowProblem(
            "duplicate_name",
            "error",
            f"Another row has the same name and characteristic ({draft.title!r}). Without an id column they tell "
            "the offers apart, so only the first such row was used.",
            line=draft.line,
            sku=draft.sku,
            field="title",
            value=draft.title,
        )
    state.derived.add(draft.sku)
    return None


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

    title = raw("title")
    variant = next((v for v in (clean_text(cells[i]) for i in layout.variants if i < len(cells)) if v), None)
    sku = raw("sku") or raw("sku_fallback")
    if layout.derived_key:
        sku = derived_sku(title, variant) if title else None
    if title and variant and variant.casefold() not in title.casefold():
        title = f"{title} ({variant})"
    draft = OfferDraft(
        line=row.line,
        sku=sku,
        title=title,
        price=raw("price"),
        currency=raw("currency") or layout.currency,
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
