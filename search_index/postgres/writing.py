"""Writing rows into the ``offers`` and ``terms`` tables: checked documents, in batches, in offer order.

A batch is one statement: its rows travel as one JSON array that ``jsonb_to_recordset`` turns
back into typed columns, which is as fast as a multi-row VALUES without a placeholder per value.
Two transactions writing the same offers must wait for each other, never deadlock. So a write
takes every offer it touches, written or removed, in one ascending pass (``write_offers``), then
adds its words in word order: waits always go from a lower key to a higher one, which can form
no circle.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

from search_index.postgres.tables import DATA_VERSION

__all__ = ["BATCH_ROWS", "bump_data_version", "insert_rows", "insert_terms", "write_offers"]

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


def insert_rows(conn: Connection, schema: str, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` into ``schema.table`` (a rebuild's, which nobody else writes) in batches."""
    statement = text(
        f"INSERT INTO {schema}.{table} ({', '.join(_COLUMNS)})"
        f" SELECT {_SELECT} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_RECORD})"
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


def _placeholder(offer_id: int) -> dict[str, Any]:
    """Return a row that only holds the place of an offer about to be deleted (see ``write_offers``)."""
    return {
        "offer_id": offer_id, "product_id": 0, "supplier": "", "title": "", "snippet": "", "brand_key": "",
        "brand_name": "", "condition": "new", "price_minor": 0, "price_bucket": 0, "in_stock": False,
        "created_at": 0, "updated_at": 0, "title_words": 0, "category_ids": [], "param_values": [],
        "param_numbers": {}, "param_facets": "", "doc": "",
    }  # fmt: skip


def write_offers(conn: Connection, schema: str, rows: dict[int, dict[str, Any]], removals: set[int]) -> int:
    """Upsert ``rows`` and delete ``removals`` (disjoint), every row taken in one ascending pass.

    Each offer, written or removed, is first upserted in offer order: an existing row is locked,
    a new one inserted, and another transaction writing the same offer waits at the same place
    in the order. The removed ones, thus locked, are then deleted. Returns how many of them
    were indexed before.
    """
    upsert = text(
        f"INSERT INTO {schema}.offers ({', '.join(_COLUMNS)})"
        f" SELECT {_SELECT} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_RECORD})"
        f" ORDER BY r.offer_id ON CONFLICT (offer_id) DO UPDATE SET {_UPDATE}"
        " RETURNING offer_id, xmax = 0 AS inserted"
    )
    placed: set[int] = set()  # removals that were not indexed: their placeholder is a new row
    ordered = sorted([*rows, *removals])
    for start in range(0, len(ordered), BATCH_ROWS):
        batch = [rows[i] if i in rows else _placeholder(i) for i in ordered[start : start + BATCH_ROWS]]
        for offer_id, inserted in conn.execute(upsert, {"rows": json.dumps(batch, ensure_ascii=False)}):
            if inserted and offer_id in removals:
                placed.add(offer_id)
    if removals:
        conn.execute(
            text(f"DELETE FROM {schema}.offers WHERE offer_id = ANY(CAST(:ids AS bigint[]))"),
            {"ids": sorted(removals)},
        )
    return len(removals) - len(placed)


def bump_data_version(conn: Connection, schema: str) -> None:
    """Give the index's rows a new version, in ``conn``'s transaction, before it writes them.

    The version is a fresh random value, so it never repeats, not even after the schema is made
    again; an upsert, so an index made before the version existed gets it. The row stays locked
    until the transaction ends: writers of the index commit one after another (as Whoosh's one
    writer does), and as each takes it before any offer row, their waits can form no circle.
    """
    conn.execute(
        text(
            f"INSERT INTO {schema}.meta (name, value) VALUES ('{DATA_VERSION}', gen_random_uuid()::text)"
            " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
        )
    )
