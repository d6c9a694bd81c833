"""Uploaded price lists: store the file under a name of ours and queue its run for the worker."""

from __future__ import annotations

import logging
import os

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.domain_errors import DomainError
from marketplace.files.store import FileStore
from marketplace.imports.options import ImportMode
from marketplace.jobs.queue import enqueue
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier

logger = logging.getLogger(__name__)


def queue_import(
    session: Session,
    supplier: Supplier,
    data: bytes,
    *,
    filename: str,
    files: FileStore,
    mode: str = ImportMode.AUTO,
    dry_run: bool = False,
    needs_mapping: bool = False,
    preview: bool = False,
) -> ImportRun:
    """Store an uploaded price list in ``files`` and queue it for the worker; return the queued run.

    With ``needs_mapping`` the run waits for the supplier to map the file's columns
    (:func:`marketplace.imports.columns.map_and_queue` queues it then). With ``preview``
    the worker first reads the file's top rows to find out
    (:func:`marketplace.imports.columns.prepare_preview`).
    """
    if mode not in ImportMode.ALL:
        raise ValueError(f"unknown import mode {mode!r}")
    status = ImportStatus.QUEUED
    if needs_mapping:
        status = ImportStatus.NEEDS_MAPPING
    elif preview:
        status = ImportStatus.PREPARING
    run = ImportRun(
        supplier=supplier,
        filename=(os.path.basename(filename) or "upload")[:255],
        status=status,
        mode=mode,
        dry_run=dry_run,
        source_path=files.put(session, data),
    )
    session.add(run)
    session.flush()
    if status == ImportStatus.PREPARING:
        from marketplace.jobs.queue import enqueue

        enqueue(session, "preview_run", run_id=run.id)
    elif status == ImportStatus.QUEUED:
        enqueue_run(session, run)
    logger.info(
        "Queued import %d of %s for supplier %s (%d bytes, mode %s%s)",
        run.id,
        run.filename,
        supplier.slug,
        len(data),
        mode,
        ", dry run" if dry_run else "",
    )
    return run


def enqueue_run(session: Session, run: ImportRun) -> None:
    """Hand a queued run to the background worker (the job queue in use)."""

    run.status = ImportStatus.QUEUED
    session.flush()
    enqueue(session, "import_run", run_id=run.id)


class NotHeld(DomainError):
    """The run is not waiting for a confirmation, or its file is gone."""


_NOT_HELD = _l("This import is not waiting for a confirmation (or its file is gone); upload it again.")


def confirm_withdrawal(session: Session, run: ImportRun, *, files: FileStore) -> ImportRun:
    """Queue a held run again, with the supplier's confirmation that the withdrawal is meant."""
    if run.status != ImportStatus.HELD or not run.source_path:
        raise NotHeld(_NOT_HELD)
    if not files.exists(session, run.source_path):
        raise NotHeld(_NOT_HELD)
    run.withdraw_confirmed = True
    run.error = None
    enqueue_run(session, run)
    logger.info("Supplier %s confirmed the withdrawal of held import %d", run.supplier.slug, run.id)
    return run
