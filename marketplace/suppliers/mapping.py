"""Suppliers' column mappings for CSV and Excel price lists, remembered per layout.

After an upload whose columns are not all recognised (or that has no header row), the
portal shows the first rows with a field chosen per column, pre-filled by the parser's
suggestion. The supplier's answer is stored under a signature of the header row, and
every later upload with the same layout uses it without asking.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import supplier_feeds
from marketplace.suppliers.importing import enqueue_run
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier, SupplierColumnMapping
from supplier_feeds import FeedError

logger = logging.getLogger(__name__)

#: Table formats, whose columns a supplier maps.
TABLE_FORMATS = frozenset({"csv", "tsv", "xlsx", "xls"})
#: Rows of the file shown under the column selects.
PREVIEW_ROWS = 8


class MappingError(Exception):
    """A mapping cannot be used; the message is fit to show the supplier."""


@dataclass(frozen=True)
class TablePreview:
    """The first rows of a CSV or Excel file and the parser's guess at its columns."""

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
        text = "\x1f".join(_header_key(c) for c in self.columns) if self.has_header else f"#columns={len(self.columns)}"
        return hashlib.sha256(f"{self.format in ('xlsx', 'xls')}|{text}".encode()).hexdigest()

    @property
    def fully_recognised(self) -> bool:
        return self.has_header and all(c in self.suggested for c in self.columns if c.strip())


def _header_key(name: str) -> str:
    columns = getattr(supplier_feeds, "columns", None)
    key = getattr(columns, "header_key", None)
    return key(name) if key is not None else " ".join(name.casefold().split())


def mapping_fields() -> Sequence[str]:
    """Return the fields a column may be mapped to."""
    from supplier_feeds import columns

    return tuple(columns.FIELDS)


def table_preview(source: str | bytes | IO[bytes]) -> TablePreview | None:
    """Return a preview of a CSV or Excel file, or ``None`` for other formats and unreadable files."""
    preview_table = getattr(supplier_feeds, "preview_table", None)
    if preview_table is None:
        return None
    try:
        raw = preview_table(source)
    except FeedError:
        return None
    if raw is None:
        return None
    return _as_preview(raw)


def _get(raw: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(raw, Mapping) and name in raw:
            return raw[name]
        if hasattr(raw, name):
            return getattr(raw, name)
    return default


def _as_preview(raw: Any) -> TablePreview | None:
    fmt = str(_get(raw, "format", "format_name", default="csv"))
    if fmt not in TABLE_FORMATS:
        return None
    headers = _get(raw, "headers", "header")
    rows = [[str(c) for c in row] for row in (_get(raw, "rows", default=[]) or [])][:PREVIEW_ROWS]
    has_header = _get(raw, "has_header", default=None)
    if has_header is None:
        has_header = bool(headers)
    if has_header and headers:
        columns = [str(h) for h in headers]
    else:
        width = max((len(r) for r in rows), default=len(headers or []))
        columns = [f"#{i}" for i in range(width)]
    suggested = _get(raw, "suggested_mapping", "suggested", "mapping", default=None)
    if suggested is None:
        suggest = getattr(supplier_feeds, "suggest_mapping", None)
        suggested = suggest(columns) if suggest is not None and has_header else {}
    return TablePreview(fmt, columns, bool(has_header), rows, {str(k): str(v) for k, v in dict(suggested).items()})


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


def needs_mapping(session: Session, supplier: Supplier, preview: TablePreview | None) -> bool:
    """Say whether the supplier must map this file's columns before it is imported."""
    if preview is None or preview.fully_recognised:
        return False
    return saved_mapping(session, supplier, preview.signature) is None


def clean_mapping(preview: TablePreview, chosen: Mapping[str, str]) -> dict[str, str]:
    """Return the chosen mapping limited to the file's columns and known fields; check it can import."""
    allowed = set(mapping_fields())
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in preview.columns:
        target = (chosen.get(column) or "").strip()
        if not target:
            continue
        if target not in allowed:
            raise MappingError(f"{target!r} is not a field a column can fill.")
        if target in taken and target != "param":
            raise MappingError(f"Two columns are mapped to {target!r}; choose one.")
        mapping[column] = target
        taken.add(target)
    if "sku" not in taken:
        raise MappingError("Choose the column that holds your offer id (sku).")
    if not taken & {"price", "sale_price", "stock_quantity", "available"}:
        raise MappingError("Choose the column with the price (or, for a stock update, the quantity).")
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


def map_and_queue(session: Session, run: ImportRun, preview: TablePreview, chosen: Mapping[str, str]) -> dict[str, str]:
    """Save the supplier's mapping for the run's file and queue the run; raise ``MappingError``."""
    if run.status != ImportStatus.NEEDS_MAPPING:
        raise MappingError("This import is no longer waiting for a mapping.")
    mapping = clean_mapping(preview, chosen)
    save_mapping(session, run.supplier, preview.signature, mapping)
    enqueue_run(session, run)
    return mapping
