"""Apply a parsed price list to the catalog, in one transaction, and report on every row.

A full feed replaces the supplier's catalog: offers it no longer lists are withdrawn (kept
in history, hidden from buyers). A partial feed (prices and stock only, like Prom.ua's
update feed) touches only the offers it names and never withdraws. A dry run does all the
work inside a savepoint, keeps the diff and rolls the savepoint back.

Offers are written in batches: one query loads a batch's existing offers, new ones go in
with one bulk INSERT, changed ones with one bulk UPDATE; unchanged offers are not written
and not queued for the index.

A re-import does not even read the rows that are exactly as last time. Each offer keeps the
digest of the feed row it was read from (``Offer.feed_digest``): the parser's digest of the
row's markup and of the feed-wide facts its parsing depends on, combined here with the
facts the import adds (base currency, exchange rates, the supplier's category mapping,
column mapping). The parser yields a row whose digest the supplier's active offers hold as
``FeedUnchanged``, without parsing it; the import counts it unchanged and reports the
warnings it had last time again (``Offer.feed_warnings``). A partial update clears the
digests of the offers it changes, so their rows are read in full next time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import Text, cast, func, insert, select, update
from sqlalchemy.orm import Session

from marketplace.catalog.category_mapping import CategoryMapper
from marketplace.catalog.grouping import ProductMatcher, brand_code_key, group_new_offers, gtin_key
from marketplace.catalog.history import record_prices
from marketplace.catalog.models import Offer, OfferStatus, Product
from marketplace.catalog.pricing import UnknownCurrency, merge_rates, to_base
from marketplace.changes.outbox import queue_reindex
from marketplace.db import utcnow
from marketplace.suppliers.import_lock import BUSY_MESSAGE, lock_supplier_imports
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from marketplace.suppliers.offer_hosts import allowed_hosts, host_of, link_allowed
from marketplace.suppliers.withdraw_guard import DEFAULT_WITHDRAW_GUARD_PERCENT, WithdrawHeld, check_withdrawal
from supplier_feeds import (
    FeedCategory,
    FeedError,
    FeedHeader,
    FeedOffer,
    FeedUnchanged,
    FeedUpdate,
    RowProblem,
    parse_feed,
)
from supplier_feeds.child import can_parse_in_child, parse_feed_in_child
from supplier_feeds.digests import HeldRows, stored_digest
from supplier_feeds.gtin import normalize_gtin

logger = logging.getLogger(__name__)

#: A report lists this many problems in full; the counts per code are always complete.
MAX_REPORTED_PROBLEMS = 1000
#: ... and at most this many of one code, so that one flood cannot hide the others.
MAX_PROBLEMS_PER_CODE = 100
#: A diff keeps this many offers per list (new, withdrawn, changed, price moves); counts are complete.
MAX_DIFF_ENTRIES = 200
#: Offers read, compared and written per batch: one SELECT, one INSERT, one UPDATE each.
BATCH_SIZE = 1000
#: A price moving by at least this many percent is listed in the diff.
DEFAULT_PRICE_MOVE_PERCENT = Decimal(20)
#: Prices at or above this are absurd (and would overflow ``Numeric(14, 2)``).
MAX_PRICE = Decimal("1e12")

#: A feed's own exchange rate this many times above or below the configured one is flagged.
SUSPICIOUS_RATE_FACTOR = Decimal(2)

#: The offer fields an import compares to decide whether a row changed.
_OFFER_FIELDS = (
    "title",
    "title_uk",
    "description",
    "description_uk",
    "brand",
    "model",
    "gtin",
    "mpn",
    "url",
    "pictures",
    "params",
    "price",
    "currency",
    "price_base",
    "old_price",
    "available",
    "stock_quantity",
    "category_id",
    "supplier_category_id",
    "condition",
    "google_category",
    "item_group_id",
    "delivery_cost",
)
#: The fields whose change is recorded in the price history.
_PRICE_FIELDS = frozenset({"price", "currency", "old_price", "available"})
#: Longest value each string column takes; longer values are cut, never a database error.
_MAX_LENGTHS = {
    "title": 1000,
    "title_uk": 1000,
    "brand": 255,
    "model": 255,
    "gtin": 14,
    "mpn": 255,
    "condition": 20,
    "google_category": 255,
    "item_group_id": 255,
}
_MAX_SKU = 255
#: The longest offer link stored (``Offer.url``); a longer one rejects its row (``url_too_long``).
MAX_URL_LENGTH = 2000
_COMPARED_COLUMNS = [getattr(Offer, name) for name in _OFFER_FIELDS]
#: Part of every stored digest: raise it when the import reads the same row into another offer.
DIGEST_VERSION = 1
#: From this size on a file is parsed in a child process while the import writes its rows,
#: so the two share the machine's cores. Starting the child and passing the rows across
#: costs a few tenths of a second, which smaller files (a parse of under a second) would
#: not win back.
PARSE_IN_CHILD_FROM = 4_000_000
#: Warnings listed once per file however many rows have them (the message gives the count).
_ONCE_CODES = frozenset({"missing_url"})


class ImportMode:
    """How a price list is applied."""

    #: The feed says: a partial feed (``FeedHeader.partial`` or update rows) updates, else replaces.
    AUTO = "auto"
    FULL = "full"
    PARTIAL = "partial"
    ALL = (AUTO, FULL, PARTIAL)


@dataclass(frozen=True)
class ImportOptions:
    """What the supplier asked of one import."""

    mode: str = ImportMode.AUTO
    dry_run: bool = False
    #: Column mapping for CSV/Excel: header name or ``"#<index>"`` -> ``FeedOffer`` field.
    mapping: Mapping[str, str] | None = None
    #: Price moves of at least this many percent are listed in the diff.
    price_move_percent: Decimal = DEFAULT_PRICE_MOVE_PERCENT
    #: Files from this size on are parsed in a process of their own (see ``_parse``).
    parse_in_child_from: int = PARSE_IN_CHILD_FROM
    #: A full import that would withdraw more than this percent of the live offers is held
    #: for confirmation (``withdraw_guard``); ``None`` turns the guard off.
    withdraw_guard_percent: Decimal | None = DEFAULT_WITHDRAW_GUARD_PERCENT
    #: The supplier confirmed the withdrawal: the guard lets it through.
    confirm_withdraw: bool = False

    @property
    def withdraw_guard(self) -> Decimal | None:
        """Return the guard's threshold for this import: none for dry runs and confirmed imports."""
        return None if self.dry_run or self.confirm_withdraw else self.withdraw_guard_percent


@dataclass
class ImportDiff:
    """What an import changes, offer by offer: shown before publishing in a dry run."""

    new: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    price_moves: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def _keep(self, name: str, entry: dict[str, Any]) -> None:
        self.counts[name] += 1
        entries: list[dict[str, Any]] = getattr(self, name)
        if len(entries) < MAX_DIFF_ENTRIES:
            entries.append(entry)

    def as_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "withdrawn": self.withdrawn,
            "changed": self.changed,
            "price_moves": self.price_moves,
            "counts": {name: self.counts[name] for name in ("new", "withdrawn", "changed", "price_moves")},
        }


@dataclass
class ImportReport:
    """What an import did, row by row, before it is stored on the ``ImportRun``.

    The counts per code are exact. The problems listed are bounded: at most
    ``MAX_PROBLEMS_PER_CODE`` of each code, errors before warnings, ``MAX_REPORTED_PROBLEMS``
    in all; so a flood of one warning never hides the few rows that were skipped.
    """

    errors_listed: list[dict[str, Any]] = field(default_factory=list)
    warnings_listed: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    warnings: int = 0
    #: The rows skipped for errors; a row with two errors is one rejected row.
    rejected_rows: set[tuple[int | None, str | None]] = field(default_factory=set)
    diff: ImportDiff = field(default_factory=ImportDiff)
    #: The withdrawal guard's numbers when it held the import (``WithdrawHeld.as_json``).
    withdraw_guard: dict[str, Any] | None = None
    #: Codes listed once for the whole file (the first row), with the count added at the end.
    _listed_once: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return len(self.rejected_rows)

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Return the listed problems: errors first, then warnings, each in file order.

        They arrive nearly in file order: the import's own checks run per batch of rows, and
        the warnings of rows skipped as unchanged are repeated as the rows go by.
        """
        errors = sorted(self.errors_listed, key=_file_order)
        return (errors + sorted(self.warnings_listed, key=_file_order))[:MAX_REPORTED_PROBLEMS]

    def add(self, problem: RowProblem, *, once: bool = False) -> None:
        """Count ``problem`` and list it; with ``once``, only the first of its code is listed."""
        self.counts[problem.code] += 1
        if problem.severity == "error":
            self.rejected_rows.add((problem.line, problem.sku))
        else:
            self.warnings += 1
        if once and problem.code in self._listed_once:
            entry = self._listed_once[problem.code]
            if problem.line is not None and (entry["line"] is None or problem.line < entry["line"]):
                # The one listed is the first in the file, whatever order the rows were checked in.
                entry.update(line=problem.line, sku=problem.sku, field=problem.field, value=problem.value)
            return
        listed = self.errors_listed if problem.severity == "error" else self.warnings_listed
        if self.counts[problem.code] > MAX_PROBLEMS_PER_CODE or len(listed) >= MAX_REPORTED_PROBLEMS:
            return
        entry = {
            "code": problem.code,
            "severity": problem.severity,
            "message": problem.message,
            "line": problem.line,
            "sku": problem.sku,
            "field": problem.field,
            "value": problem.value,
        }
        listed.append(entry)
        if once:
            self._listed_once[problem.code] = entry

    def amend_once(self, code: str, message: str) -> None:
        """Replace the message of the one listed problem of ``code`` (say how many rows it stands for)."""
        entry = self._listed_once.get(code)
        if entry is not None:
            entry["message"] = message

    def as_json(self) -> dict[str, Any]:
        problems = self.problems
        data = {
            "problems": problems,
            "counts": dict(self.counts),
            "truncated": sum(self.counts.values()) > len(problems),
            "diff": self.diff.as_json(),
        }
        if self.withdraw_guard is not None:
            data["withdraw_guard"] = self.withdraw_guard
        return data


def _file_order(entry: dict[str, Any]) -> int:
    """Sort key of a listed problem: its line, problems of the whole file first."""
    line = entry["line"]
    return -1 if line is None else int(line)


ProgressCallback = Callable[[int], None]


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


def store_upload(upload_dir: str, data: bytes | Iterable[bytes]) -> str:
    """Write an upload (bytes or chunks) under a name of our own; return that name."""
    os.makedirs(upload_dir, exist_ok=True)
    # The name is ours, never the uploader's: no path tricks, no collisions.
    name = f"upload-{uuid.uuid4().hex}.feed"
    with open(os.path.join(upload_dir, name), "wb") as fh:
        if isinstance(data, bytes | bytearray):
            fh.write(data)
        else:
            for chunk in data:
                fh.write(chunk)
    return name


def queue_import(
    session: Session,
    supplier: Supplier,
    data: bytes,
    *,
    filename: str,
    upload_dir: str,
    mode: str = ImportMode.AUTO,
    dry_run: bool = False,
    needs_mapping: bool = False,
    preview: bool = False,
) -> ImportRun:
    """Store an uploaded price list and queue it for the worker; return the queued run.

    With ``needs_mapping`` the run waits for the supplier to map the file's columns
    (:func:`marketplace.suppliers.mapping.map_and_queue` queues it then). With ``preview``
    the worker first reads the file's top rows to find out
    (:func:`marketplace.suppliers.mapping.prepare_preview`).
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
        source_path=store_upload(upload_dir, data),
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
    from marketplace.jobs.queue import enqueue

    run.status = ImportStatus.QUEUED
    session.flush()
    enqueue(session, "import_run", run_id=run.id)


def run_queued_imports(
    session: Session, *, upload_dir: str, base_currency: str, rates: Mapping[str, Decimal], limit: int = 10
) -> list[ImportRun]:
    """Run queued imports, oldest first, committing each (the worker runs them as jobs instead)."""
    done = []
    for run_id in session.scalars(
        select(ImportRun.id).where(ImportRun.status == ImportStatus.QUEUED).order_by(ImportRun.id).limit(limit)
    ).all():
        run = run_stored_import(session, run_id, upload_dir=upload_dir, base_currency=base_currency, rates=rates)
        if run is not None:
            done.append(run)
    return done


def claim_run(session: Session, run_id: int) -> ImportRun | None:
    """Mark a queued run running and commit; return ``None`` if another worker has it."""
    claimed = session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id, ImportRun.status == ImportStatus.QUEUED)
        .values(status=ImportStatus.RUNNING, started_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if claimed != 1:
        return None
    run = session.get(ImportRun, run_id)
    if run is not None:
        session.refresh(run)
    return run


def run_stored_import(
    session: Session,
    run_id: int,
    *,
    upload_dir: str,
    base_currency: str,
    rates: Mapping[str, Decimal],
    mapping: Mapping[str, str] | None = None,
    price_move_percent: Decimal = DEFAULT_PRICE_MOVE_PERCENT,
    progress: ProgressCallback | None = None,
    withdraw_guard_percent: Decimal | None = DEFAULT_WITHDRAW_GUARD_PERCENT,
) -> ImportRun | None:
    """Claim a queued run, import its stored file and commit; ``None`` if it was not queued.

    The claim is committed first, so the portal shows the run as running. The import and
    the run's result then commit together: a worker killed in between leaves the previous
    catalog whole, and :func:`fail_interrupted_runs` marks the run failed later.
    """
    run = claim_run(session, run_id)
    if run is None:
        return None
    path = os.path.join(upload_dir, run.source_path or "")
    if not run.source_path or not os.path.isfile(path):
        run.status = ImportStatus.FAILED
        run.error = "The uploaded file is no longer on the server; upload it again."
        run.finished_at = utcnow()
    else:
        if mapping is None:
            from marketplace.suppliers.mapping import saved_mapping_for_file

            mapping = saved_mapping_for_file(session, run.supplier, path)
        options = ImportOptions(
            mode=run.mode,
            dry_run=run.dry_run,
            mapping=mapping,
            price_move_percent=price_move_percent,
            withdraw_guard_percent=withdraw_guard_percent,
            confirm_withdraw=run.withdraw_confirmed,
        )
        with open(path, "rb") as fh:
            execute_import(
                session, run, fh, base_currency=base_currency, rates=rates, progress=progress, options=options
            )
    session.commit()
    # A held run keeps its file: the supplier's confirmation imports the same file again.
    if run.status != ImportStatus.HELD and run.source_path and os.path.isfile(path):
        os.remove(path)
    return run


class NotHeld(Exception):
    """The run is not waiting for a confirmation, or its file is gone."""


def confirm_withdrawal(session: Session, run: ImportRun, *, upload_dir: str) -> ImportRun:
    """Queue a held run again, with the supplier's confirmation that the withdrawal is meant."""
    if run.status != ImportStatus.HELD or not run.source_path:
        raise NotHeld(run.id)
    if not os.path.isfile(os.path.join(upload_dir, run.source_path)):
        raise NotHeld(run.id)
    run.withdraw_confirmed = True
    run.error = None
    enqueue_run(session, run)
    logger.info("Supplier %s confirmed the withdrawal of held import %d", run.supplier.slug, run.id)
    return run


INTERRUPTED_MESSAGE = (
    "The import was interrupted before it finished (the worker stopped). Nothing was published: "
    "buyers still see your previous catalog. Upload the file again or wait for the next scheduled fetch."
)


def fail_interrupted_runs(session: Session, run_ids: Sequence[int]) -> int:
    """Mark runs that a dead worker left running as failed; return how many."""
    if not run_ids:
        return 0
    failed = session.execute(
        update(ImportRun)
        .where(ImportRun.id.in_(run_ids), ImportRun.status.in_([ImportStatus.RUNNING, ImportStatus.PREPARING]))
        .values(status=ImportStatus.FAILED, error=INTERRUPTED_MESSAGE, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if failed:
        logger.warning("Marked %d interrupted import run(s) failed: %s", failed, list(run_ids))
    return failed or 0


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
    run.status = ImportStatus.RUNNING
    run.started_at = run.started_at or utcnow()
    session.flush()
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
        _apply(session, supplier, source, base_currency, rates, report, stats, progress, options, outcome)
        if not options.dry_run:
            group_new_offers(session, supplier.id, since=run.started_at)
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
        # A row code that also ends the file (unknown_currency) is already counted per row.
        report.counts[exc.code] = max(report.counts[exc.code], 1)
        logger.warning("Import %d for %s failed: %s (%s)", run.id, supplier.slug, exc.code, exc.message)
    except Exception:
        savepoint.rollback()
        # Ours, not the supplier's: keep the catalog, say so plainly, keep the traceback in the log.
        logger.exception("Import %d for %s failed on an internal error", run.id, supplier.slug)
        run.status = ImportStatus.FAILED
        run.error = (
            "The import stopped on an error on our side; nothing was changed and the operator was told. "
            "Try again later."
        )
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
    return run


@dataclass
class _Outcome:
    """What the file turned out to be; known as soon as its header is read."""

    format: str
    partial: bool


_PARTIAL_AS_FULL = (
    "This file is a partial feed: it only updates prices and stock, so it cannot replace your catalog. "
    "Import it as a partial update."
)


def _parse(
    source: bytes | str | BinaryIO, options: ImportOptions, known: Callable[[], HeldRows] | None
) -> Iterator[Any]:
    """Parse ``source`` with the supplier's mapping and, for a forced partial import, partial rows.

    A forced full import lets the parser detect the feed's kind: read as full rows, an
    update feed would only give a ``missing_title`` error per row instead of saying what it is.
    A file of ``options.parse_in_child_from`` bytes or more is parsed in a process of its
    own while this one writes its rows (``supplier_feeds.child``).
    """
    mapping = dict(options.mapping) if options.mapping else None
    partial = True if options.mode == ImportMode.PARTIAL else None
    path = _file_path(source)
    if path is not None and os.path.getsize(path) >= options.parse_in_child_from and can_parse_in_child():
        return parse_feed_in_child(path, mapping=mapping, partial=partial, known=known)
    return parse_feed(source, mapping=mapping, partial=partial, known=known)


def _file_path(source: bytes | str | BinaryIO) -> str | None:
    """Return the path of a file opened at its start, which another process can open too."""
    name, tell = getattr(source, "name", None), getattr(source, "tell", None)
    if not isinstance(name, str) or tell is None or not os.path.isfile(name):
        return None
    try:
        return name if tell() == 0 else None
    except (OSError, ValueError):
        return None


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
) -> None:
    writer = _OfferWriter(
        session,
        supplier,
        report,
        stats,
        merge_rates(configured_rates, {}, base_currency),
        options.price_move_percent,
        base_currency,
        options.mapping,
    )
    writer.withdraw_guard = None if options.mode == ImportMode.PARTIAL else options.withdraw_guard
    if writer.withdraw_guard is not None:
        # Counted before any row is written: the catalog buyers see now.
        writer.live_before = offer_count(session, supplier)
    known = writer.held_rows if options.mode != ImportMode.PARTIAL and writer.load_digests() else None
    for item in _parse(source, options, known):
        if isinstance(item, FeedHeader):
            outcome.format = item.format
            writer.rates = merge_rates(configured_rates, item.currency_rates, base_currency)
            _flag_feed_rates(report, configured_rates, writer.rates, item.currency_rates, base_currency)
            if item.partial:
                if options.mode == ImportMode.FULL:
                    raise FeedError("partial_feed_as_full", _PARTIAL_AS_FULL)
                outcome.partial = True
        elif isinstance(item, FeedCategory):
            writer.categories.upsert(item.id, item.name, item.parent_id)
        elif isinstance(item, RowProblem):
            if item.code == "zero_price":
                # Settled when the row itself arrives (see _OfferWriter.add): its kind decides.
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
            raise FeedError("unknown_currency", writer.unknown_currency_message())
        # A file whose every row was rejected is far more likely a broken export than an
        # empty shop; withdrawing the whole catalog on it would lose what buyers can see.
        raise FeedError(
            "no_valid_offers",
            f"The file has no offer that could be imported ({stats['read']} read, {report.errors} rejected); "
            "your catalog was left as it was. See the rows below for the reasons.",
        )
    if not outcome.partial:
        writer.withdraw_missing()
    if progress is not None:
        progress(stats["read"])


def _flag_feed_rates(
    report: ImportReport,
    configured: Mapping[str, Decimal],
    merged: Mapping[str, Decimal],
    feed_rates: Mapping[str, Decimal],
    base_currency: str,
) -> None:
    """Warn about feed exchange rates far from the configured ones (a typo there misprices everything)."""
    for code in sorted(feed_rates):
        ours = configured.get(code)
        theirs = merged.get(code)
        if code == base_currency or ours is None or theirs is None or ours <= 0:
            continue
        if theirs <= 0 or not (1 / SUSPICIOUS_RATE_FACTOR <= theirs / ours <= SUSPICIOUS_RATE_FACTOR):
            report.add(
                RowProblem(
                    "suspicious_rate",
                    "warning",
                    f"The feed's exchange rate makes 1 {code} = {theirs.normalize():f} {base_currency}, far from "
                    f"the {ours.normalize():f} {base_currency} we use; prices were converted with the feed's rate. "
                    "Check <currencies> in the feed.",
                    field="currency",
                    value=code,
                )
            )


@dataclass
class _PricePoint:
    """The fields ``record_prices`` reads from an offer, without loading the offer."""

    id: int
    product_id: int
    price: Decimal
    currency: str
    price_base: Decimal
    old_price: Decimal | None
    available: bool
    is_active: bool = True


class _BatchMatcher(ProductMatcher):
    """A ``ProductMatcher`` whose lookups for one batch are answered by two queries in all.

    The base class asks the database once per key it has not seen; preloading every GTIN
    and brand key of a batch turns thousands of lookups into two ``IN`` queries.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._preloaded_gtins: set[str] = set()
        self._preloaded_keys: set[str] = set()

    def preload(self, rows: Iterable[FeedOffer]) -> None:
        gtins: set[str] = set()
        keys: set[str] = set()
        for row in rows:
            # The same 14-digit key product_for looks up, or every lookup would miss the preload.
            gtin = gtin_key(row.gtin)
            if gtin:
                gtins.add(gtin)
            key = brand_code_key(row.brand, row.mpn) or brand_code_key(row.brand, row.model)
            if key:
                keys.add(key)
        gtins -= self._by_gtin.keys()
        keys -= self._by_key.keys()
        with self.session.no_autoflush:
            if gtins:
                for product in self.session.scalars(select(Product).where(Product.gtin.in_(gtins))):
                    self._by_gtin.setdefault(product.gtin, product)  # type: ignore[arg-type]
            if keys:
                for product in self.session.scalars(select(Product).where(Product.brand_mpn_key.in_(keys))):
                    self._by_key.setdefault(product.brand_mpn_key, product)  # type: ignore[arg-type]
        self._preloaded_gtins |= gtins
        self._preloaded_keys |= keys

    def _find(self, gtin: str | None, key: str | None) -> Product | None:
        # A preloaded key that is not in the cache is known to be absent: no query.
        if gtin and gtin in self._by_gtin:
            return self._by_gtin[gtin]
        if key and key in self._by_key:
            return self._by_key[key]
        if (not gtin or gtin in self._preloaded_gtins) and (not key or key in self._preloaded_keys):
            return None
        return super()._find(gtin, key)


class _OfferWriter:
    """Collect rows into batches and write each batch with a handful of statements."""

    def __init__(
        self,
        session: Session,
        supplier: Supplier,
        report: ImportReport,
        stats: Counter[str],
        rates: Mapping[str, Decimal],
        price_move_percent: Decimal,
        base_currency: str,
        mapping: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        self.mapping = mapping
        self.base_currency = base_currency
        self.supplier = supplier
        self.supplier_id = supplier.id
        self.store_url = supplier.store_url
        #: Offer links must name one of these hosts (or a subdomain): the store's and the operator's extras.
        self.link_hosts = allowed_hosts(supplier.store_url, supplier.extra_offer_hosts)
        self.report = report
        self.stats = stats
        self.diff = report.diff
        self.rates = rates
        self.price_move_percent = price_move_percent
        self.categories = CategoryMapper(session, supplier)
        #: Every sku the feed named that was applied (or, for partial feeds, found).
        self.seen: set[str] = set()
        #: Rows this writer rejected itself, so they are not counted twice as read.
        self.rejected_here: set[tuple[int | None, str | None]] = set()
        self._batch: list[Any] = []
        self._batch_skus: set[str] = set()
        #: The parser's zero_price warnings whose row has not arrived yet.
        self._zero_pending: list[RowProblem] = []
        #: Rows skipped for a currency without a rate, per currency.
        self.unknown_currencies: Counter[str] = Counter()
        #: Offers written without an http(s) link of their own.
        self.missing_urls = 0
        #: Stored digests of the supplier's active offers, and the warnings of those that had some.
        self._known: set[int] = set()
        self._warned: dict[int, str] = {}
        self._digest_key: bytes | None = None
        #: The parser's warnings since the last row, and those of each batched row with a digest.
        self._warnings: list[RowProblem] = []
        self._batch_warnings: dict[str, list[list[str | None]]] = {}
        #: The withdrawal guard's threshold (percent), and the live offers it is measured against.
        self.withdraw_guard: Decimal | None = None
        self.live_before = 0

    # -- rows the feed repeats unchanged -------------------------------------------------

    def load_digests(self) -> bool:
        """Read the digests of the supplier's active offers; return whether there are any."""
        # Core rows, not ORM ones: this reads every active offer of the supplier.
        # The warnings stay JSON text until their row comes unchanged, and are decoded then,
        # while the parser reads on: decoding them all here delayed the parse, and held
        # them all decoded (in the bench feed an offer in three has one).
        rows = self.session.connection().execute(
            select(Offer.feed_digest, cast(Offer.feed_warnings, Text))
            .where(
                Offer.supplier_id == self.supplier_id,
                Offer.status == OfferStatus.ACTIVE,
                Offer.feed_digest.is_not(None),
            )
            .execution_options(yield_per=10_000)
        )
        for digest, warnings in rows:
            self._known.add(digest)
            if warnings:
                self._warned[digest] = warnings
        return bool(self._known)

    def digest_key(self) -> bytes:
        """Return the key for stored digests: the facts of this import that shape an offer beyond its row.

        Taken once, when the first row arrives: by then a YML feed's categories are mapped.
        """
        if self._digest_key is None:
            self.session.flush()  # categories new in this feed get their ids
            categories = sorted(
                (external_id, category.id, category.category_id)
                for external_id, category in self.categories.existing.items()
            )
            facts = json.dumps(
                [
                    DIGEST_VERSION,
                    self.base_currency,
                    sorted((code, str(rate)) for code, rate in self.rates.items()),
                    self.store_url,
                    sorted(self.link_hosts),
                    sorted((self.mapping or {}).items()),
                    categories,
                ]
            )
            self._digest_key = hashlib.blake2b(facts.encode(), digest_size=32).digest()
        return self._digest_key

    def stored_digest(self, digest: bytes) -> int:
        """Return the ``Offer.feed_digest`` of a row with the parser's ``digest`` in this import."""
        return stored_digest(digest, self.digest_key())

    def held_rows(self) -> HeldRows:
        """Return the rows active offers were read from, for the parser (``parse_feed(known=...)``).

        The parser holds them from now on, maybe in another process: this writer lets go.
        """
        held, self._known = self._known, set()
        return HeldRows(self.digest_key(), held)

    def keep(self, row: FeedUnchanged) -> None:
        """Count a row the parser skipped as unchanged, and report the warnings it had last time."""
        self._settle_zero_prices(None)
        self._warnings.clear()
        if row.sku in self.seen or row.sku in self._batch_skus:
            # The parser reads a repeated id in full; this only guards the bookkeeping.
            self._reject(row, "duplicate_sku", f"The id {row.sku!r} appears more than once.", "sku", row.sku)
            return
        self.seen.add(row.sku)
        self.stats["unchanged"] += 1
        if not self._warned:
            return
        warnings = self._warned.get(self.stored_digest(row.digest))
        if warnings is None:
            return
        for code, field_name, value, message in json.loads(warnings):
            self.report.add(
                RowProblem(code, "warning", message, row.line, row.sku, field_name, value), once=code in _ONCE_CODES
            )
            if code == "missing_url":
                self.missing_urls += 1

    def note_warning(self, problem: RowProblem) -> None:
        """Keep a warning of the parser's until its row arrives, to store it with the offer."""
        if problem.severity == "warning":
            self._warnings.append(problem)

    def _take_warnings(self, row: FeedOffer | FeedUpdate) -> list[list[str | None]]:
        """Return the parser's warnings of ``row`` (it yields them just before the row)."""
        mine = [
            [p.code, p.field, p.value, p.message]
            for p in self._warnings
            if (p.line == row.line if row.line is not None else p.sku == row.sku)
        ]
        self._warnings.clear()
        return mine

    # -- rows in -----------------------------------------------------------------------

    def add(self, row: FeedOffer | FeedUpdate) -> None:
        warnings = self._take_warnings(row)
        zero_noted = self._settle_zero_prices(row)
        if not row.sku or len(row.sku) > _MAX_SKU:
            self._reject(row, "invalid_sku", f"The offer id must have 1 to {_MAX_SKU} characters.", "sku", row.sku)
            return
        if row.sku in self.seen or row.sku in self._batch_skus:
            self._reject(
                row,
                "duplicate_sku",
                f"The id {row.sku!r} appears more than once; only the first row with this id was used.",
                "sku",
                row.sku,
            )
            return
        if row.price is not None and not self._sane_price(row, zero_noted):
            return
        if isinstance(row, FeedOffer) and row.price is None:
            self._reject(row, "missing_price", "The row has no price.", "price", None)
            return
        self._batch.append(row)
        self._batch_skus.add(row.sku)
        if isinstance(row, FeedOffer) and row.digest is not None:
            self._batch_warnings[row.sku] = warnings
        if len(self._batch) >= BATCH_SIZE:
            self.flush()

    def note_zero_price(self, problem: RowProblem) -> None:
        """Keep the parser's zero_price warning until its row shows whether it is an offer or an update."""
        self._zero_pending.append(problem)

    def _settle_zero_prices(self, row: FeedOffer | FeedUpdate | None) -> bool:
        """Report pending zero prices; return whether one belongs to ``row``.

        The parser warns before it yields the row. A warning whose row never comes (the
        parser rejected it, e.g. as a duplicate) is reported as the full-feed error.
        """
        mine = False
        for problem in self._zero_pending:
            if row is not None and (problem.line, problem.sku) == (row.line, row.sku):
                mine = True
            else:
                self.reject_zero_price(problem.line, problem.sku, problem.value)
        self._zero_pending.clear()
        return mine

    def _sane_price(self, row: FeedOffer | FeedUpdate, zero_noted: bool) -> bool:
        price = row.price
        assert price is not None
        if not price.is_finite() or price < 0 or price >= MAX_PRICE:
            self._reject(row, "invalid_price", "The price must be a positive number below 10¹².", "price", str(price))
            return False
        if price == 0:
            if isinstance(row, FeedUpdate):
                # Applied: the stock still changes, and the offer stops showing a price (see _update_values).
                self.report.add(
                    RowProblem(
                        "zero_price",
                        "warning",
                        "The price is 0 ('price on request'). The offer is hidden from buyers, who compare prices, "
                        "until an update or your full price list gives it a price again; its stock was updated.",
                        row.line,
                        row.sku,
                        "price",
                        "0",
                    )
                )
                return True
            self.reject_zero_price(row.line, row.sku, "0")
            # Read by the writer: not to be counted again among the rows the parser skipped.
            self.rejected_here.add((row.line, row.sku or None))
            return False
        return True

    def reject_zero_price(self, line: int | None, sku: str | None, value: str | None) -> None:
        """Report a full-feed row priced 0 ("price on request"), which is not published."""
        problem = RowProblem(
            "zero_price",
            "error",
            "The price is 0 ('price on request'). The offer is not shown, because buyers compare prices; "
            "give it a price to publish it.",
            line,
            sku or None,
            "price",
            value,
        )
        self.report.add(problem)

    def finish(self) -> None:
        """Report what is left at the end of the file, and say how many rows the once-listed problems stand for."""
        self._settle_zero_prices(None)
        if self.unknown_currencies:
            self.report.amend_once("unknown_currency", self.unknown_currency_message())
        if self.missing_urls > 1:
            written = self.stats["created"] + self.stats["updated"] + self.stats["unchanged"]
            if self.missing_urls >= written:
                message = (
                    f"None of your {self.missing_urls} offers has an http(s) link to its page in your store "
                    "(the file has no url column or element, or it is empty); buyers are sent to your store's "
                    "home page. Add the links to send them to each offer."
                )
            else:
                message = (
                    f"{self.missing_urls} offers have no http(s) link to their page in your store (the first is "
                    "listed); buyers are sent to your store's home page for them."
                )
            self.report.amend_once("missing_url", message)

    def unknown_currency_message(self) -> str:
        """Say which currencies had no rate and how many offers that skipped."""
        names = ", ".join(sorted(self.unknown_currencies))
        total = sum(self.unknown_currencies.values())
        return (
            f"No exchange rate is known for {names}, so {total} offer(s) priced in it were skipped. "
            "Add the rate to the feed's <currencies> block (or currency_rates in JSON), or ask the operator "
            "to configure it."
        )

    def _reject(self, row: Any, code: str, message: str, field_name: str, value: str | None) -> None:
        problem = RowProblem(code, "error", message, row.line, row.sku or None, field_name, value)
        self.report.add(problem)
        self.rejected_here.add((problem.line, problem.sku))

    # -- batches out -------------------------------------------------------------------

    def flush(self) -> None:
        batch, self._batch, self._batch_skus = self._batch, [], set()
        batch_warnings, self._batch_warnings = self._batch_warnings, {}
        if not batch:
            return
        session = self.session
        existing = {
            row.supplier_sku: row
            for row in session.execute(
                select(
                    Offer.id,
                    Offer.supplier_sku,
                    Offer.product_id,
                    Offer.status,
                    Offer.feed_digest,
                    Offer.feed_warnings,
                    *_COMPARED_COLUMNS,
                ).where(Offer.supplier_id == self.supplier_id, Offer.supplier_sku.in_([r.sku for r in batch]))
            )
        }
        inserts: list[tuple[dict[str, Any], Any]] = []
        updates: list[dict[str, Any]] = []
        #: Offers whose row changed only in ways that do not show (its digest): not "changed".
        bookkeeping: list[dict[str, Any]] = []
        touched: list[int] = []
        repriced: list[_PricePoint] = []
        # First pass: each row's new values; categories met for the first time get ids in one flush.
        prepared: list[tuple[Any, dict[str, Any]]] = []
        for row in batch:
            current = existing.get(row.sku)
            if isinstance(row, FeedOffer):
                values = self._values(row, batch_warnings.get(row.sku))
            elif current is None:
                self.report.add(
                    RowProblem(
                        "unknown_sku",
                        "warning",
                        "The update names an offer that is not in your catalog; it was ignored. "
                        "Upload your full price list to add new offers.",
                        row.line,
                        row.sku,
                        "sku",
                        row.sku,
                    )
                )
                self.stats["unknown"] += 1
                continue
            else:
                values = self._update_values(row, current)
            if values is not None:
                prepared.append((row, values))
        if any(v.get("_supplier_category") is not None and v["_supplier_category"].id is None for _, v in prepared):
            session.flush()
        new_rows = [row for row, _ in prepared if row.sku not in existing]
        matcher = _BatchMatcher(session)
        if new_rows:
            matcher.preload(new_rows)
        for row, values in prepared:
            category = values.pop("_supplier_category", None)
            if category is not None:
                values["supplier_category_id"] = category.id
            hide = values.pop("_hide", False)
            current = existing.get(row.sku)
            if current is None:
                with session.no_autoflush:
                    product = matcher.product_for(
                        title=values["title"],
                        brand=values["brand"],
                        model=values["model"],
                        mpn=values["mpn"],
                        gtin=row.gtin,
                        category_id=values["category_id"],
                    )
                inserts.append((values, product))
                self.seen.add(row.sku)
                continue
            self.seen.add(row.sku)
            status = self._status_after(row, current, hide)
            change = self._compare(row.sku, values, current, status)
            digest = {name: values.get(name) for name in ("feed_digest", "feed_warnings")}
            if change is None:
                self.stats["unchanged"] += 1
                stored = (current.feed_digest, current.feed_warnings)
                if isinstance(row, FeedOffer) and stored != (digest["feed_digest"], digest["feed_warnings"]):
                    bookkeeping.append({"id": current.id, **digest})
                continue
            changes, moved = change
            if status == OfferStatus.WITHDRAWN and current.status == OfferStatus.ACTIVE:
                # A partial row priced 0: hidden like an offer a full feed no longer lists.
                self.stats["withdrawn"] += 1
                self.diff._keep("withdrawn", {"sku": row.sku, "title": values["title"]})
            else:
                self.stats["updated"] += 1
            # An update's row is not the full row: read that in full again next time.
            updates.append({"id": current.id, **changes, **digest, "status": status, "updated_at": utcnow()})
            touched.append(current.id)
            if moved:
                merged = {name: changes.get(name, getattr(current, name)) for name in _PRICE_FIELDS | {"price_base"}}
                repriced.append(
                    _PricePoint(
                        id=current.id,
                        product_id=current.product_id,
                        is_active=status == OfferStatus.ACTIVE,
                        **merged,
                    )
                )
        # Supplier categories and changes to found products go in one flush; the batch's new
        # products in one INSERT (not one ORM object and statement each).
        session.flush()
        matcher.insert_new()
        if inserts:
            rows = []
            for values, product in inserts:
                rows.append({**values, "product_id": product.id, "supplier_id": self.supplier_id})
            # A plain executemany (the driver's C loop), then one query for the new ids.
            session.execute(insert(Offer.__table__), rows)
            ids = dict(
                session.execute(
                    select(Offer.supplier_sku, Offer.id).where(
                        Offer.supplier_id == self.supplier_id,
                        Offer.supplier_sku.in_([row["supplier_sku"] for row in rows]),
                    )
                ).all()
            )
            for row in rows:
                offer_id = ids[row["supplier_sku"]]
                touched.append(offer_id)
                repriced.append(
                    _PricePoint(
                        id=offer_id,
                        product_id=row["product_id"],
                        price=row["price"],
                        currency=row["currency"],
                        price_base=row["price_base"],
                        old_price=row["old_price"],
                        available=row["available"],
                    )
                )
                self.diff._keep(
                    "new", {"sku": row["supplier_sku"], "title": row["title"], "price": str(row["price"]),
                            "currency": row["currency"]}
                )  # fmt: skip
            self.stats["created"] += len(rows)
        if updates:
            session.execute(update(Offer), updates)
        if bookkeeping:
            session.execute(update(Offer), bookkeeping)
        queue_reindex(session, touched)
        record_prices(session, repriced)  # type: ignore[arg-type]

    def _values(self, row: FeedOffer, warnings: list[list[str | None]] | None) -> dict[str, Any] | None:
        """Return the offer's columns for ``row``; ``warnings`` (the parser's, when it has a digest) grows."""
        assert row.price is not None  # add() rejects price-less offers
        if row.digest is not None:
            self.digest_key()  # before this row's category is looked up, as when rows are skipped
        if row.url and len(row.url) > MAX_URL_LENGTH:
            # Cut, the link would lead nowhere: the row is refused instead.
            self._reject(
                row,
                "url_too_long",
                f"The link is {len(row.url)} characters long; links of up to {MAX_URL_LENGTH} characters are kept. "
                "Shorten it (drop tracking parameters) to publish the offer.",
                "url",
                row.url[:200],
            )
            return None
        price_base = self._price_base(row, row.price, row.currency)
        if price_base is None:
            return None
        url = row.url if row.url and row.url.lower().startswith(("http://", "https://")) else None
        if url is not None and not link_allowed(url, self.link_hosts):
            # /go/ redirects to the stored link: only to the supplier's own store.
            self._reject(
                row,
                "foreign_url",
                f"The link leads to {host_of(url) or url!r}, which is not your store's site "
                f"({', '.join(sorted(self.link_hosts)) or '-'}). Buyers are only sent to your own store; "
                "ask the operator to allow another site of yours.",
                "url",
                url[:200],
            )
            return None
        if url is None:
            self.missing_urls += 1
            problem = RowProblem(
                "missing_url",
                "warning",
                "The row has no http(s) link to your store; buyers are sent to your store's home page.",
                row.line,
                row.sku,
                "url",
                row.url,
            )
            self.report.add(problem, once=True)
            if warnings is not None:
                warnings.append([problem.code, problem.field, problem.value, problem.message])
            url = self.store_url
        supplier_category = self.categories.for_offer(row)
        old_price = row.old_price if row.old_price is not None and 0 < row.old_price < MAX_PRICE else None
        delivery = row.delivery_cost if row.delivery_cost is not None and 0 <= row.delivery_cost < MAX_PRICE else None
        values: dict[str, Any] = {
            "supplier_sku": row.sku,
            "title": row.title,
            "title_uk": row.title_uk,
            "description": row.description,
            "description_uk": row.description_uk,
            "condition": row.condition,
            "google_category": row.google_category,
            "item_group_id": row.item_group_id,
            "delivery_cost": delivery,
            "brand": row.brand,
            "model": row.model,
            "gtin": normalize_gtin(row.gtin) or None,
            "mpn": row.mpn,
            "url": url,
            "pictures": list(row.pictures),
            "params": [list(p) for p in row.params],
            "price": row.price,
            "currency": row.currency,
            "price_base": price_base,
            "old_price": old_price,
            "available": row.available,
            "stock_quantity": row.stock_quantity,
            "category_id": supplier_category.category_id if supplier_category else None,
            "supplier_category_id": supplier_category.id if supplier_category else None,
            "_supplier_category": supplier_category,
            "feed_digest": None if row.digest is None else self.stored_digest(row.digest),
            "feed_warnings": warnings or None,
        }
        for name, limit in _MAX_LENGTHS.items():
            if isinstance(values[name], str) and len(values[name]) > limit:
                values[name] = values[name][:limit]
        return values

    def _price_base(self, row: FeedOffer | FeedUpdate, price: Decimal, currency: str) -> Decimal | None:
        """Return ``price`` in the base currency, or reject the row and return ``None``."""
        try:
            price_base = to_base(price, currency, self.rates)
        except UnknownCurrency:
            self.unknown_currencies[currency] += 1
            problem = RowProblem(
                "unknown_currency",
                "error",
                f"No exchange rate is known for {currency}; add it to <currencies> or ask the operator.",
                row.line,
                row.sku,
                "currency",
                currency,
            )
            # One listed problem for the file: its message says how many rows it skipped.
            self.report.add(problem, once=True)
            self.rejected_here.add((problem.line, problem.sku))
            return None
        if price_base >= MAX_PRICE:
            self._reject(row, "invalid_price", "The price is too large.", "price", str(price))
            return None
        if price_base <= 0:
            # A tiny feed rate would make the offer cost 0.00 and so every product's "best" offer.
            self._reject(
                row,
                "invalid_price",
                f"The price {price} {currency} is 0.00 in {self.base_currency} at the feed's exchange rate; "
                "check the rate in <currencies>.",
                "price",
                str(price),
            )
            return None
        return price_base

    def _update_values(self, row: FeedUpdate, current: Any) -> dict[str, Any] | None:
        """Return the offer's values with what a partial row changes; ``None`` if rejected.

        A price of 0 keeps the last real price (for the history) and hides the offer:
        ``"_hide"`` is set for ``flush``.
        """
        values = {name: getattr(current, name) for name in _OFFER_FIELDS}
        if row.price == 0:
            values["_hide"] = True
        elif row.price is not None:
            currency = row.currency or current.currency
            price_base = self._price_base(row, row.price, currency)
            if price_base is None:
                return None
            values.update(price=row.price, currency=currency, price_base=price_base)
            if row.old_price is not None:
                values["old_price"] = row.old_price if 0 < row.old_price < MAX_PRICE else None
        if row.available is not None:
            values["available"] = row.available
        if row.stock_quantity is not None:
            values["stock_quantity"] = row.stock_quantity
            if row.available is None:
                values["available"] = row.stock_quantity > 0
        return values

    def _status_after(self, row: FeedOffer | FeedUpdate, current: Any, hide: bool) -> OfferStatus:
        """Decide an existing offer's status: a full feed shows it; an update never brings one back."""
        if isinstance(row, FeedOffer):
            return OfferStatus.ACTIVE
        if hide:
            return OfferStatus.WITHDRAWN
        if current.status != OfferStatus.ACTIVE:
            self.report.add(
                RowProblem(
                    "withdrawn_sku",
                    "warning",
                    "The update names an offer that is withdrawn (it was missing from your last full price list, "
                    "or had price 0). Its price and stock were updated, but it stays hidden; upload your full "
                    "price list to show it again.",
                    row.line,
                    row.sku,
                    "sku",
                    row.sku,
                )
            )
        return OfferStatus(current.status)

    def _compare(
        self, sku: str, values: Mapping[str, Any], current: Any, status: OfferStatus
    ) -> tuple[dict[str, Any], bool] | None:
        """Return the changed columns and whether the price history moves, or ``None`` if unchanged."""
        changes: dict[str, Any] = {}
        for name in _OFFER_FIELDS:
            new = values[name]
            old = getattr(current, name)
            # Most fields of most rows are equal values of one type: no need for _differs' conversions.
            if old is new or (type(old) is type(new) and old == new):
                continue
            if _differs(old, new):
                changes[name] = new
        status_changed = current.status != status
        if not changes and not status_changed:
            return None
        moved = status_changed or bool(_PRICE_FIELDS & changes.keys())
        self.diff._keep("changed", {"sku": sku, "title": values["title"], "fields": sorted(changes)})
        if "price_base" in changes and current.price_base:
            percent = (changes["price_base"] - current.price_base) / current.price_base * 100
            if abs(percent) >= self.price_move_percent:
                self.diff._keep(
                    "price_moves",
                    {
                        "sku": sku,
                        "title": values["title"],
                        "old": str(current.price),
                        "new": str(values["price"]),
                        "currency": values["currency"],
                        "percent": float(round(percent, 1)),
                    },
                )
        return changes, moved

    def withdraw_missing(self) -> None:
        """Withdraw the supplier's active offers the feed no longer lists."""
        # Stream (id, sku) only, as Core rows: buffering every active offer's row would cost
        # ~1 KB an offer, and ORM rows cost twice the time.
        gone_ids = [
            offer_id
            for offer_id, sku in self.session.connection().execute(
                select(Offer.id, Offer.supplier_sku)
                .where(Offer.supplier_id == self.supplier_id, Offer.status == OfferStatus.ACTIVE)
                .execution_options(yield_per=5000)
            )
            if sku not in self.seen
        ]
        try:
            check_withdrawal(len(gone_ids), self.live_before, self.withdraw_guard)
        except WithdrawHeld:
            # The supplier is shown which offers would go before confirming.
            for row in self.session.execute(
                select(Offer.supplier_sku, Offer.title).where(Offer.id.in_(gone_ids[:MAX_DIFF_ENTRIES]))
            ):
                self.diff._keep("withdrawn", {"sku": row.supplier_sku, "title": row.title})
            self.diff.counts["withdrawn"] = len(gone_ids)
            raise
        for start in range(0, len(gone_ids), BATCH_SIZE):
            chunk = self.session.execute(
                select(
                    Offer.id,
                    Offer.supplier_sku,
                    Offer.title,
                    Offer.product_id,
                    Offer.price,
                    Offer.currency,
                    Offer.price_base,
                    Offer.old_price,
                    Offer.available,
                ).where(Offer.id.in_(gone_ids[start : start + BATCH_SIZE]))
            ).all()
            ids = [row.id for row in chunk]
            self.session.execute(
                update(Offer)
                .where(Offer.id.in_(ids))
                .values(status=OfferStatus.WITHDRAWN, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            queue_reindex(self.session, ids)
            record_prices(
                self.session,
                [  # type: ignore[misc]
                    _PricePoint(
                        id=row.id,
                        product_id=row.product_id,
                        price=row.price,
                        currency=row.currency,
                        price_base=row.price_base,
                        old_price=row.old_price,
                        available=row.available,
                        is_active=False,
                    )
                    for row in chunk
                ],
            )
            for row in chunk:
                self.diff._keep("withdrawn", {"sku": row.supplier_sku, "title": row.title})
        self.stats["withdrawn"] += len(gone_ids)


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old.compare(new) != 0
    if isinstance(old, Decimal) != isinstance(new, Decimal) and old is not None and new is not None:
        return Decimal(str(old)).compare(Decimal(str(new))) != 0
    return bool(old != new)


def offer_count(session: Session, supplier: Supplier) -> int:
    """Return how many active offers the supplier has."""
    return (
        session.scalar(select(func.count()).where(Offer.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE))
        or 0
    )
