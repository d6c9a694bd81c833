"""Writing rows into the ``offers`` and ``terms`` tables: checked documents, in batches, in offer order.

A batch is one statement: its rows travel as one JSON array that ``jsonb_to_recordset`` turns
back into typed columns, which is as fast as a multi-row VALUES without a placeholder per value.
Two transactions writing the same offers must wait for each other, never deadlock. So a write
first locks every existing row it will change or delete, in offer order, in one statement; then
deletes; then inserts in offer order (a new row another transaction is inserting is waited for in
that order too); then adds words in word order. Waits then always go from a lower key to a higher
one, which can form no circle.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, text

from search_index.documents import OfferDocument
from search_index.postgres.rows import document_row
from search_index.schema import InvalidDocumentError

__all__ = ["BATCH_ROWS", "checked_rows", "delete_offers", "insert_rows", "insert_terms", "lock_offers"]

logger = logging.getLogger(__name__)

#: Rows per statement: large enough that a round trip is nothing, small enough for memory.
BATCH_ROWS = 2_000

#: The columns of ``offers`` as ``jsonb_to_recordset`` reads them, in table order.
_RECORD = (
    "offer_id bigint, product_id bigint, supplier text, title text, snippet text, brand_key text,"
    " brand_name text, condition text, price_minor bigint, price_bucket smallint, in_stock boolean,"
    " created_at bigint, updated_at bigint, title_words integer, category_ids bigint[], param_values text[],"
    " param_numbers jsonb, param_facets text, doc text"
)
_COLUMNS = [part.split()[0] for part in _RECORD.split(",")]
_SELECT = ", ".join("CAST(r.doc AS tsvector)" if name == "doc" else f"r.{name}" for name in _COLUMNS)
_UPDATE = ", ".join(f"{name} = EXCLUDED.{name}" for name in _COLUMNS if name != "offer_id")


def checked_rows(docs: Iterable[OfferDocument], where: str) -> Iterator[tuple[dict[str, Any], set[str]]]:
    """Yield the row and spelling words of each valid document; log and skip the invalid ones."""
    for doc in docs:
        try:
            yield document_row(doc)
        except InvalidDocumentError as exc:
            logger.warning("search index %s: skipped invalid document: %s", where, exc)


def insert_rows(conn: Connection, schema: str, table: str, rows: Iterable[dict[str, Any]], *, upsert: bool) -> int:
    """Write ``rows`` into ``schema.table`` in batches; with ``upsert``, replace rows of the same offer."""
    conflict = f" ON CONFLICT (offer_id) DO UPDATE SET {_UPDATE}" if upsert else ""
    statement = text(
        f"INSERT INTO {schema}.{table} ({', '.join(_COLUMNS)})"
        f" SELECT {_SELECT} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_RECORD})"
        f" ORDER BY r.offer_id{conflict}"
    )
    written = 0
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH_ROWS)):
        conn.execute(statement, {"rows": json.dumps(batch, ensure_ascii=False)})
        written += len(batch)
    return written


def insert_terms(conn: Connection, schema: str, terms: Iterable[str]) -> None:
    """Add the words not yet in ``terms``; a word another transaction is adding is waited for, in word order."""
    words = sorted(set(terms))
    statement = text(
        f"INSERT INTO {schema}.terms (term) SELECT t FROM unnest(CAST(:terms AS text[])) AS t"
        f" WHERE NOT EXISTS (SELECT 1 FROM {schema}.terms x WHERE x.term = t) ORDER BY t ON CONFLICT DO NOTHING"
    )
    for start in range(0, len(words), BATCH_ROWS * 5):
        conn.execute(statement, {"terms": words[start : start + BATCH_ROWS * 5]})


def lock_offers(conn: Connection, schema: str, offer_ids: Iterable[int]) -> None:
    """Lock the existing rows of ``offer_ids`` in offer order, before anything of them changes."""
    ids = sorted(set(offer_ids))
    if ids:
        conn.execute(
            text(
                f"SELECT 1 FROM {schema}.offers WHERE offer_id = ANY(CAST(:ids AS bigint[]))"
                " ORDER BY offer_id FOR UPDATE"
            ),
            {"ids": ids},
        )


def delete_offers(conn: Connection, schema: str, offer_ids: Iterable[int]) -> int:
    """Delete the offers with ``offer_ids`` (in id order); return how many were there."""
    ids = sorted(set(offer_ids))
    if not ids:
        return 0
    result = conn.execute(
        text(
            f"DELETE FROM {schema}.offers WHERE offer_id IN"
            f" (SELECT offer_id FROM {schema}.offers WHERE offer_id = ANY(CAST(:ids AS bigint[]))"
            " ORDER BY offer_id FOR UPDATE)"
        ),
        {"ids": ids},
    )
    return int(result.rowcount)
