"""One import per supplier at a time, enforced by the database so that it holds across machines.

Two overlapping full imports of one supplier (a worker's and a CLI's, say) each withdraw
what the other wrote, and both commit: the catalog ends up the union of the two files. On
PostgreSQL each import transaction takes a transaction-level advisory lock keyed by the
supplier's id; a second import finds it taken and is refused at once, with a message, rather
than waiting for an import that may run for minutes. The lock is released by the commit or
rollback that ends the import, and by the database when a killed process's connection drops.

SQLite has one writer at a time: the second import's first write waits (``busy_timeout``)
until the first commits, so imports already run one after the other there.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

#: The first half of the advisory lock key, so that our locks never collide with others'.
IMPORT_LOCK_CLASS = 0x54_52_49_4D  # "TRIM": TradeRow import

BUSY_MESSAGE = (
    "Another import of your price list was running, so this one changed nothing (one import at a time keeps "
    "your catalog consistent). Upload the file again once the other import has finished."
)


def lock_supplier_imports(session: Session, supplier_id: int) -> bool:
    """Take this transaction's import lock for ``supplier_id``; return ``False`` if another import holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(IMPORT_LOCK_CLASS, supplier_id))))
