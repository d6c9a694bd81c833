"""Suppliers' column mappings for CSV and Excel price lists, remembered per layout.

After an upload whose columns are not all recognised (or that has no header row), the
portal shows the first rows with a field chosen per column, pre-filled by the parser's
suggestion. The supplier's answer is stored under a signature of the header row, and
every later upload with the same layout uses it without asking.

The first rows are read by the worker (``prepare_preview``, a job like an import), never in
a web request: a workbook can take a process past any web timeout and far past its own size
in memory. The run waits as "preparing" meanwhile and keeps the preview for the page.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.domain_errors import DomainError
from marketplace.imports.uploads import enqueue_run
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier, SupplierColumnMapping
from supplier_feeds import FeedError, TablePreview, detect_format, preview_table
from supplier_feeds.child import ParserProcessError, can_parse_in_child, preview_table_in_child
from supplier_feeds.columns import FIELDS, header_key
from supplier_feeds.detect import TABLE_FORMATS as FEED_TABLE_FORMATS
from supplier_feeds.tables import missing_fields

logger = logging.getLogger(__name__)

#: Table formats, whose columns a supplier maps.
TABLE_FORMATS = frozenset({"csv", "tsv", "xlsx", "xls"})
#: Rows of the file shown under the column selects.
PREVIEW_ROWS = 8


#: What each field a column can fill is called in the mapping step.
FIELD_LABELS = {
    "sku": _l("Offer id (sku)"),
    "sku_fallback": _l("Offer id for rows without one"),
    "title": _l("Name"),
    "title_uk": _l("Name in Ukrainian"),
    "price": _l("Price"),
    "sale_price": _l("Sale price"),
    "old_price": _l("Old (crossed-out) price"),
    "currency": _l("Currency"),
    "url": _l("Link to the offer in your store"),
    "available": _l("In stock (yes/no)"),
    "stock_quantity": _l("Quantity in stock"),
    "category_path": _l("Category"),
    "category_id": _l("Category id"),
    "brand": _l("Brand"),
    "model": _l("Model"),
    "gtin": _l("Barcode (GTIN/EAN)"),
    "mpn": _l("Manufacturer part number"),
    "description": _l("Description"),
    "description_uk": _l("Description in Ukrainian"),
    "pictures": _l("Pictures"),
    "condition": _l("Condition"),
    "google_category": _l("Google product category"),
    "item_group_id": _l("Variant group"),
    "delivery_cost": _l("Delivery cost"),
    "param": _l("A parameter (the column name is its name)"),
}


def field_label(name: str) -> LazyString | str:
    """Return what a field is called on the mapping page, in the reader's language."""
    return FIELD_LABELS.get(name, name)


@dataclass(frozen=True)
class MappingProblem:
    """One reason a mapping cannot be used: about one column, or (``column`` None) the whole mapping."""

    message: LazyString | str
    column: str | None = None


class MappingError(DomainError):
    """A mapping cannot be used; the message is fit to show the supplier.

    ``problems`` holds every reason at once, so the page can list them all and mark each column.
    """

    def __init__(self, message: LazyString | str, problems: Sequence[MappingProblem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems) or (MappingProblem(message),)


@dataclass(frozen=True)
class MappingPreview:
    """What the mapping page shows of a CSV or Excel file, and the layout's signature.

    Built from the parser's ``supplier_feeds.MappingPreview``; adds what only the
    marketplace needs: the signature a saved mapping is stored under.
    """

    format: str
    #: Column keys as a mapping names them: header names, or ``"#0"``, ``"#1"``... without a header.
    columns: list[str]
    #: Whether the file has a header row.
    has_header: bool
    rows: list[list[str]] = field(default_factory=list)
    #: Column key -> field, as the parser suggests.
    suggested: dict[str, str] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        """Return a digest that is the same for every file of this layout."""
        text = "\x1f".join(header_key(c) for c in self.columns) if self.has_header else f"#columns={len(self.columns)}"
        return hashlib.sha256(f"{self.format in ('xlsx', 'xls')}|{text}".encode()).hexdigest()

    @property
    def fully_recognised(self) -> bool:
        return self.has_header and all(c in self.suggested for c in self.columns if c.strip())

    def as_json(self) -> dict[str, Any]:
        """Return the preview as plain JSON, as ``ImportRun.preview`` keeps it."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MappingPreview:
        """Rebuild a preview that ``as_json`` stored."""
        return cls(
            str(data["format"]),
            [str(c) for c in data["columns"]],
            bool(data["has_header"]),
            [[str(c) for c in row] for row in data.get("rows", [])],
            {str(k): str(v) for k, v in dict(data.get("suggested", {})).items()},
        )


#: What the supplier reads when the worker could not read the top of the file in time or memory.
PREVIEW_FAILED = (
    "We could not read the first rows of this file within the limits of an import ({reason}). "
    "Nothing was imported. Save it again as a smaller CSV or Excel file, or split it, and upload it again."
)


def mapping_fields() -> Sequence[str]:
    """Return the fields a column may be mapped to."""
    return tuple(FIELDS)


def may_need_mapping(head: bytes) -> bool:
    """Say whether a file whose first bytes are ``head`` is a table (CSV, Excel), whose columns may need a mapping.

    Only the format is sniffed (``detect_format`` reads at most these bytes); no row is parsed.
    """
    try:
        return detect_format(head) in FEED_TABLE_FORMATS | {"gmc_tsv"}
    except FeedError:
        return False  # the import says what is wrong with it


def table_preview(source: str | bytes | BinaryIO) -> MappingPreview | None:
    """Return a preview of a CSV or Excel file, or ``None`` for other formats and unreadable files."""
    try:
        raw = preview_table(source)
    except FeedError:
        return None
    return _mapping_preview(raw)


def bounded_table_preview(path: str, *, deadline: float) -> MappingPreview | None:
    """Return ``table_preview(path)`` read in a parser process stopped after ``deadline`` seconds.

    Raise ``ParserProcessError`` when that process dies (out of memory) or runs out of time.
    """
    if not can_parse_in_child():
        return table_preview(path)
    try:
        raw = preview_table_in_child(path, deadline=deadline)
    except FeedError:
        return None
    return _mapping_preview(raw)


def _mapping_preview(raw: TablePreview) -> MappingPreview | None:
    if raw.format not in TABLE_FORMATS:
        return None
    rows = [[str(c) for c in row] for row in raw.rows][:PREVIEW_ROWS]
    if raw.has_header and raw.headers:
        columns = [str(h) for h in raw.headers]
    else:
        width = max((len(r) for r in rows), default=len(raw.headers))
        columns = [f"#{i}" for i in range(width)]
    suggested = {str(k): str(v) for k, v in raw.suggested_mapping.items()}
    return MappingPreview(raw.format, columns, raw.has_header, rows, suggested)


#: Unmapped columns the mapping page shows open; more than this many fold into "other N columns".
OPEN_OTHERS = 8
#: Sample values shown under each column's name.
SAMPLES = 3


@dataclass(frozen=True)
class MappingLayout:
    """In which order the mapping page shows a file's columns, and what it shows under each.

    The columns that matter come first: those that fill a field (the offer id, name and price
    before the rest), and any with a problem. The others follow in file order, folded away when
    there are many (a Prom.ua sheet has 108 columns, most of which fill nothing here).
    """

    #: Column indexes shown first.
    first: list[int]
    #: The other column indexes, in file order.
    other: list[int]
    #: Whether ``other`` is folded under "other N columns".
    fold_other: bool
    #: Column index -> up to ``SAMPLES`` distinct values from the file's first rows.
    samples: dict[int, list[str]]
    #: Required fields no column fills yet.
    missing: list[str]
    #: No column is the offer id but one is the name: ids will be derived from names.
    derived_ids: bool = False

    @property
    def missing_labels(self) -> list[LazyString | str]:
        """Return what the missing fields are called, in the reader's language."""
        return [field_label(name) for name in self.missing]


def mapping_layout(preview: MappingPreview, chosen: Sequence[str], flagged: Sequence[bool] = ()) -> MappingLayout:
    """Order the columns for the mapping page from the field ``chosen`` per column (``""`` for none)."""
    order = {name: rank for rank, name in enumerate(mapping_fields())}
    first: list[int] = []
    other: list[int] = []
    for index, _column in enumerate(preview.columns):
        target = chosen[index] if index < len(chosen) else ""
        (first if target or (index < len(flagged) and flagged[index]) else other).append(index)
    first.sort(key=lambda i: (order.get(chosen[i] if i < len(chosen) else "", len(order)), i))
    samples: dict[int, list[str]] = {}
    for index in range(len(preview.columns)):
        values: list[str] = []
        for row in preview.rows:
            value = row[index].strip() if index < len(row) else ""
            if value and value not in values:
                values.append(value)
            if len(values) == SAMPLES:
                break
        samples[index] = values
    filled = {c for c in chosen if c}
    missing = missing_fields(filled)
    derived = "sku" not in filled and "title" in filled
    return MappingLayout(first, other, len(other) > OPEN_OTHERS, samples, missing, derived)


def saved_mapping(session: Session, supplier: Supplier, signature: str) -> dict[str, str] | None:
    """Return the supplier's mapping for files of this layout, if it saved one."""
    found = session.scalar(
        select(SupplierColumnMapping).where(
            SupplierColumnMapping.supplier_id == supplier.id, SupplierColumnMapping.signature == signature
        )
    )
    return dict(found.mapping) if found is not None else None


def saved_mapping_for_file(session: Session, supplier: Supplier, path: str) -> dict[str, str] | None:
    """Return the supplier's saved mapping for the layout of the file at ``path``, if any."""
    if not os.path.isfile(path):
        return None
    preview = table_preview(path)
    if preview is None:
        return None
    return saved_mapping(session, supplier, preview.signature)


def needs_mapping(session: Session, supplier: Supplier, preview: MappingPreview | None) -> bool:
    """Say whether the supplier must map this file's columns before it is imported."""
    if preview is None or preview.fully_recognised:
        return False
    return saved_mapping(session, supplier, preview.signature) is None


def clean_mapping(preview: MappingPreview, chosen: Mapping[str, str]) -> dict[str, str]:
    """Return the chosen mapping limited to the file's columns and known fields; check it can import.

    Raise ``MappingError`` with every problem at once: each column's (an unknown field, a field
    chosen for two columns) and the mapping's (no offer id, no price).
    """
    allowed = set(mapping_fields())
    mapping: dict[str, str] = {}
    problems: list[MappingProblem] = []
    by_field: dict[str, list[str]] = {}
    for column in preview.columns:
        target = (chosen.get(column) or "").strip()
        if not target:
            continue
        if target not in allowed:
            problems.append(MappingProblem(_l("“%(field)s” is not a field a column can fill.", field=target), column))
            continue
        mapping[column] = target
        by_field.setdefault(target, []).append(column)
    for target, columns in by_field.items():
        if target == "param" or len(columns) < 2:
            continue
        label = field_label(target)
        problems.append(MappingProblem(_l("Two columns are mapped to “%(field)s”; choose one.", field=label)))
        problems.extend(
            MappingProblem(_l("“%(field)s” is chosen for another column too.", field=label), column)
            for column in columns
        )
    if not by_field.keys() & {"sku", "title"}:
        problems.append(
            MappingProblem(_l("Choose the column that holds your offer id (sku) or, for a list without ids, the name."))
        )
    if not by_field.keys() & {"price", "sale_price", "stock_quantity", "available"}:
        problems.append(MappingProblem(_l("Choose the column with the price (or, for a stock update, the quantity).")))
    if problems:
        first = next((p.message for p in problems if p.column is None), problems[0].message)
        raise MappingError(first, problems)
    return mapping


def save_mapping(session: Session, supplier: Supplier, signature: str, mapping: Mapping[str, str]) -> None:
    """Store (or replace) the supplier's mapping for files of one layout."""
    found = session.scalar(
        select(SupplierColumnMapping).where(
            SupplierColumnMapping.supplier_id == supplier.id, SupplierColumnMapping.signature == signature
        )
    )
    if found is None:
        session.add(SupplierColumnMapping(supplier_id=supplier.id, signature=signature, mapping=dict(mapping)))
    else:
        found.mapping = dict(mapping)
    session.flush()
    logger.info("Supplier %s saved a column mapping (%s): %s", supplier.slug, signature[:12], dict(mapping))


def prepare_preview(session: Session, run: ImportRun, path: str, *, deadline: float) -> None:
    """Read the top of a preparing run's file; keep it for the mapping page, or queue the run.

    The run waits for the supplier's mapping when its columns need one; otherwise (a known
    layout, a saved mapping, a file that is not a table or cannot be read, which the import
    then explains) it goes to the import queue. A file that takes the parser process past its
    time or memory fails the run with the reason.
    """
    if run.status != ImportStatus.PREPARING:
        return
    try:
        preview = bounded_table_preview(path, deadline=deadline) if os.path.isfile(path) else None
    except ParserProcessError as exc:
        logger.warning("Import %d of supplier %s: no preview (%s)", run.id, run.supplier.slug, exc)
        run.status = ImportStatus.FAILED
        run.error = PREVIEW_FAILED.format(reason=exc)
        run.finished_at = utcnow()
        session.flush()
        return
    if needs_mapping(session, run.supplier, preview):
        assert preview is not None
        run.preview = preview.as_json()
        run.status = ImportStatus.NEEDS_MAPPING
        session.flush()
        return
    enqueue_run(session, run)


def queue_preview(session: Session, run: ImportRun) -> None:
    """Have the worker read the top of a run's file (again): a run that waited for its mapping
    before previews were kept has none to show."""
    from marketplace.jobs.queue import enqueue

    run.status = ImportStatus.PREPARING
    session.flush()
    enqueue(session, "preview_run", run_id=run.id)


def stored_preview(run: ImportRun) -> MappingPreview | None:
    """Return the preview the worker kept for a run waiting for its mapping."""
    return MappingPreview.from_json(run.preview) if run.preview else None


def map_and_queue(
    session: Session, run: ImportRun, preview: MappingPreview, chosen: Mapping[str, str]
) -> dict[str, str]:
    """Save the supplier's mapping for the run's file and queue the run; raise ``MappingError``."""
    if run.status != ImportStatus.NEEDS_MAPPING:
        raise MappingError(_l("This import is no longer waiting for a mapping."))
    mapping = clean_mapping(preview, chosen)
    save_mapping(session, run.supplier, preview.signature, mapping)
    enqueue_run(session, run)
    return mapping
