"""The import run, top to bottom: parse, validate, compare, write, group, withdraw, report.

``execute_import`` holds the transaction: the catalog changes inside a savepoint, so a file
that fails as a whole leaves the previous catalog exactly as it was; ``_apply`` is the
dispatch loop that hands each parsed item to its stage. A full feed replaces the supplier's
catalog: offers it no longer lists are withdrawn (kept in history, hidden from buyers). A
partial feed (prices and stock only, like Prom.ua's update feed) touches only the offers it
names and never withdraws. A dry run does all the work, keeps the diff and rolls back.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy import update
from sqlalchemy.orm import Session

from marketplace.catalog.grouping import group_new_offers
from marketplace.catalog.pricing import merge_rates
from marketplace.db import utcnow
from marketplace.imports.lock import BUSY_MESSAGE, lock_supplier_imports
from marketplace.imports.options import ImportMode, ImportOptions, ProgressCallback
from marketplace.imports.parse import parse
from marketplace.imports.report import ImportReport
from marketplace.imports.validate import flag_feed_rates, unknown_currency_message
from marketplace.imports.withdraw import WithdrawHeld, offer_count, withdraw_missing
from marketplace.imports.write import OfferWriter
from marketplace.metrics.instruments import observe_import
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from supplier_feeds import FeedCategory, FeedError, FeedHeader, FeedOffer, FeedUnchanged, FeedUpdate, RowProblem
from supplier_feeds.commerceml import PriceTypeRequired

logger = logging.getLogger(__name__)


def import_feed(
    session: Session,
    supplier: Supplier,
    source: bytes | str | BinaryIO,
    *,
    filename: str,
    base_currency: str,
    rates: Mapping[str, Decimal],
    progress: ProgressCallback | None = None,
    options: ImportOptions | None = None,
) -> ImportRun:
    """Import a price list for ``supplier`` now and return the run with its report."""
    options = options or ImportOptions()
    run = ImportRun(
        supplier=supplier,
        filename=filename[:255],
        status=ImportStatus.QUEUED,
        mode=options.mode,
        dry_run=options.dry_run,
        withdraw_confirmed=options.confirm_withdraw,
    )
    session.add(run)
    session.flush()
    return execute_import(
        session, run, source, base_currency=base_currency, rates=rates, progress=progress, options=options
    )


def begin_run(session: Session, supplier: Supplier, *, filename: str, options: ImportOptions) -> ImportRun:
    """Record a run that this process starts now (``traderow feeds import``), before reading the file.

    The caller commits it at once, in a short transaction of its own: a process killed
    during the import then still leaves the run in the supplier's history.
    """
    run = ImportRun(
        supplier=supplier,
        filename=filename[:255],
        status=ImportStatus.RUNNING,
        started_at=utcnow(),
        mode=options.mode,
        dry_run=options.dry_run,
        withdraw_confirmed=options.confirm_withdraw,
    )
    session.add(run)
    session.flush()
    return run


def fail_busy(session: Session, run_id: int) -> None:
    """Mark a run that could not get the database (another import held it) failed, and say why."""
    session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id)
        .values(
            status=ImportStatus.FAILED,
            error=BUSY_MESSAGE,
            report={"problems": [], "counts": {"import_busy": 1}, "truncated": False},
            finished_at=utcnow(),
        )
    )
    session.flush()


def execute_import(
    session: Session,
    run: ImportRun,
    source: bytes | str | BinaryIO,
    *,
    base_currency: str,
    rates: Mapping[str, Decimal],
    progress: ProgressCallback | None = None,
    options: ImportOptions | None = None,
) -> ImportRun:
    """Apply ``source`` for the run's supplier and fill in the run's report.

    The catalog changes inside a savepoint: a file that fails as a whole (malformed, not a
    feed, an error of ours) leaves the previous catalog exactly as it was, and the run
    records why. A dry run rolls the savepoint back after computing the diff. Index
    changes are queued in the same transaction, so the index only follows what commits.
    """
    options = options or ImportOptions(mode=run.mode, dry_run=run.dry_run, confirm_withdraw=run.withdraw_confirmed)
    supplier = run.supplier
    if options.price_type is None and supplier.price_type:
        options = replace(options, price_type=supplier.price_type)
    run.status = ImportStatus.RUNNING
    run.started_at = run.started_at or utcnow()
    session.flush()
    clock = time.perf_counter()
    if not lock_supplier_imports(session, supplier.id):
        # Before anything is read: the other import's changes are not visible yet.
        run.status = ImportStatus.FAILED
        run.error = BUSY_MESSAGE
        run.report = {"problems": [], "counts": {"import_busy": 1}, "truncated": False}
        run.finished_at = utcnow()
        session.flush()
        logger.warning("Import %d for %s refused: another import of the supplier is running", run.id, supplier.slug)
        return run
    report = ImportReport()
    stats: Counter[str] = Counter()
    # Filled in as the file is read, so that a failed run still says what it was.
    outcome = _Outcome(format="unknown", partial=options.mode == ImportMode.PARTIAL)
    savepoint = session.begin_nested()
    try:
        renamed = _apply(session, supplier, source, base_currency, rates, report, stats, progress, options, outcome)
        if not options.dry_run:
            group_new_offers(session, supplier.id, since=run.started_at, renamed=renamed)
    except WithdrawHeld as held:
        # Nothing applied: the previous catalog stays whole until the supplier confirms.
        savepoint.rollback()
        run.status = ImportStatus.HELD
        report.withdraw_guard = held.as_json()
        stats["withdrawn"] = held.withdraw
        logger.warning(
            "Import %d for %s held: it would withdraw %d of %d live offers", run.id, supplier.slug, held.withdraw,
            held.live,
        )  # fmt: skip
    except FeedError as exc:
        savepoint.rollback()
        run.status = ImportStatus.FAILED
        run.error = exc.message
        if isinstance(exc, PriceTypeRequired):
            # The portal asks the supplier to choose among them, in the supplier's language.
            report.price_types = list(exc.choices)
        # A row code that also ends the file (unknown_currency) is already counted per row.
        report.counts[exc.code] = max(report.counts[exc.code], 1)
        logger.warning("Import %d for %s failed: %s (%s)", run.id, supplier.slug, exc.code, exc.message)
    except Exception:
        savepoint.rollback()
        # Ours, not the supplier's: keep the catalog, say so plainly, keep the traceback in the log.
        logger.exception("Import %d for %s failed on an internal error", run.id, supplier.slug)
        run.status = ImportStatus.FAILED
        run.error = INTERNAL_ERROR_MESSAGE
        report.counts["internal_error"] += 1
    else:
        if options.dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
        run.status = ImportStatus.SUCCEEDED
    if outcome.format != "unknown":
        run.format = outcome.format[:20]
    run.partial = outcome.partial
    if run.status == ImportStatus.SUCCEEDED:
        logger.info(
            "Import %d for %s%s: %d read, %d new, %d changed, %d withdrawn, %d rejected",
            run.id,
            supplier.slug,
            " (dry run)" if options.dry_run else "",
            stats["read"],
            stats["created"],
            stats["updated"],
            stats["withdrawn"],
            report.errors,
        )
    run.rows_read = stats["read"]
    run.created = stats["created"]
    run.updated = stats["updated"]
    run.unchanged = stats["unchanged"]
    run.withdrawn = stats["withdrawn"]
    run.rejected = report.errors
    run.warnings = report.warnings
    run.report = report.as_json()
    run.finished_at = utcnow()
    session.flush()
    observe_import(run.status.value, dry_run=options.dry_run, seconds=time.perf_counter() - clock)
    return run


@dataclass
class _Outcome:
    """What the file turned out to be; known as soon as its header is read."""

    format: str
    partial: bool


#: A run that failed on an error of ours says this (the traceback is in the log).
INTERNAL_ERROR_MESSAGE = (
    "The import stopped on an error on our side; nothing was changed and the operator was told. Try again later."
)
_PARTIAL_AS_FULL = (
    "This file is a partial feed: it only updates prices and stock, so it cannot replace your catalog. "
    "Import it as a partial update."
)


def _apply(
    session: Session,
    supplier: Supplier,
    source: bytes | str | BinaryIO,
    base_currency: str,
    configured_rates: Mapping[str, Decimal],
    report: ImportReport,
    stats: Counter[str],
    progress: ProgressCallback | None,
    options: ImportOptions,
    outcome: _Outcome,
) -> set[int]:
    """Apply the rows of ``source``; return the products whose offers changed in what names a product."""
    writer = OfferWriter(
        session,
        supplier,
        report,
        stats,
        merge_rates(configured_rates, {}, base_currency),
        options.price_move_percent,
        base_currency,
        options.mapping,
    )
    writer.withdraw_guard = None if options.mode in ImportMode.KEEP_UNNAMED else options.withdraw_guard
    if writer.withdraw_guard is not None:
        # Counted before any row is written: the catalog buyers see now.
        writer.live_before = offer_count(session, supplier)
    known = writer.held_rows if options.mode not in ImportMode.KEEP_UNNAMED and writer.load_digests() else None
    for item in parse(source, options, known):
        if isinstance(item, FeedHeader):
            outcome.format = item.format
            writer.rates = merge_rates(configured_rates, item.currency_rates, base_currency)
            flag_feed_rates(report, configured_rates, writer.rates, item.currency_rates, base_currency)
            if item.partial:
                if options.mode == ImportMode.FULL:
                    raise FeedError("partial_feed_as_full", _PARTIAL_AS_FULL)
                outcome.partial = True
        elif isinstance(item, FeedCategory):
            writer.categories.upsert(item.id, item.name, item.parent_id)
        elif isinstance(item, RowProblem):
            if item.code == "zero_price":
                # Settled when the row itself arrives (see OfferWriter.add): its kind decides.
                writer.note_zero_price(item)
            else:
                report.add(item)
                writer.note_warning(item)
        elif isinstance(item, FeedUnchanged):
            stats["read"] += 1
            writer.keep(item)
            if progress is not None and stats["read"] % 500 == 0:
                progress(stats["read"])
        elif isinstance(item, FeedOffer | FeedUpdate):
            if isinstance(item, FeedUpdate):
                if options.mode == ImportMode.FULL:
                    raise FeedError("partial_feed_as_full", _PARTIAL_AS_FULL)
                outcome.partial = True
            stats["read"] += 1
            writer.add(item)
            if progress is not None and stats["read"] % 500 == 0:
                progress(stats["read"])
    writer.flush()
    writer.finish()
    # Rows the parser rejected were read even though no offer came of them.
    stats["read"] += len(report.rejected_rows - writer.rejected_here)
    if not writer.seen:
        if writer.unknown_currencies:
            raise FeedError("unknown_currency", unknown_currency_message(writer.unknown_currencies))
        # A file whose every row was rejected is far more likely a broken export than an
        # empty shop; withdrawing the whole catalog on it would lose what buyers can see.
        raise FeedError(
            "no_valid_offers",
            f"The file has no offer that could be imported ({stats['read']} read, {report.errors} rejected); "
            "your catalog was left as it was. See the rows below for the reasons.",
        )
    if not outcome.partial and options.mode != ImportMode.UPSERT:
        writer.renamed |= withdraw_missing(
            session,
            supplier.id,
            writer.seen,
            live_before=writer.live_before,
            guard=writer.withdraw_guard,
            diff=report.diff,
            stats=stats,
        )
    if progress is not None:
        progress(stats["read"])
    return writer.renamed
