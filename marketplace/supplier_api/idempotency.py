"""Pushes answered once per ``Idempotency-Key``: a program that retries after a lost answer imports nothing twice.

The first push under a key stores its answer; the same key with the same request gets that
answer again, and the same key with another request is refused. Only successful pushes are
kept: a refused batch changed nothing, so it can be corrected and sent again under its key.
An answer is kept for ``KEEP_FOR``, long enough for any retry; each new one clears the
supplier's older ones, so the table holds about a day of pushes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.domain_errors import DomainError
from marketplace.supplier_api.models import IdempotencyKey
from marketplace.suppliers.models import Supplier

#: The longest key kept; programs use UUIDs (36 characters).
MAX_KEY_LENGTH = 255
#: How long an answer is kept under its key; a key used again after that is a new push.
KEEP_FOR = dt.timedelta(hours=24)


class KeyReused(DomainError):
    """The key was used before for another request."""


class InvalidKey(DomainError):
    """The header's value cannot be a key."""


def checked_key(value: str) -> str:
    """Return the header's value as a key; raise ``InvalidKey`` for an empty, long or unprintable one."""
    key = value.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidKey(_l("Idempotency-Key must be 1 to %(max)d printable characters.", max=MAX_KEY_LENGTH))
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    """Return what identifies a request under a key: its method, path and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def stored_answer(
    session: Session, supplier: Supplier, key: str, request_hash: str, *, now: dt.datetime | None = None
) -> IdempotencyKey | None:
    """Return the answer kept for ``key``, or ``None``; raise ``KeyReused`` if it was for another request."""
    kept = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.supplier_id == supplier.id, IdempotencyKey.key == key)
    )
    if kept is not None and kept.created_at <= (now or utcnow()) - KEEP_FOR:
        session.delete(kept)
        session.flush()
        return None
    if kept is not None and kept.request_hash != request_hash:
        raise KeyReused(_l("This Idempotency-Key was used for another request; use a new key for a new batch."))
    return kept


def remember_answer(
    session: Session,
    supplier: Supplier,
    key: str,
    request_hash: str,
    status_code: int,
    response: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> IdempotencyKey:
    """Keep the answer to a successful push under ``key``, clearing the supplier's expired ones."""
    now = now or utcnow()
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.supplier_id == supplier.id, IdempotencyKey.created_at <= now - KEEP_FOR
        )
    )
    kept = IdempotencyKey(
        supplier_id=supplier.id,
        key=key,
        request_hash=request_hash,
        status_code=status_code,
        response=response,
        created_at=now,
    )
    session.add(kept)
    session.flush()
    return kept
