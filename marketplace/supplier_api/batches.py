"""A pushed batch of offers, or of price and stock changes, through the import pipeline.

A batch is a JSON price list in TradeRow's own schema (docs/feeds-json.md), so the pipeline
reads it as it reads an uploaded JSON file: parse, validate, write, group, report, with the
index following the commit. What differs is that a batch is all or nothing: one bad offer
rejects the batch, with every problem by position, and the caller rolls back.

- ``check_batch``  the body's shape and every row rule the parser knows, without the database;
- ``push_batch``   the import itself, as a run the supplier reads later like any other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.domain_errors import DomainError
from marketplace.imports.lock import BUSY_MESSAGE
from marketplace.imports.messages import problem_text, run_error_text
from marketplace.imports.options import ImportMode, ImportOptions
from marketplace.imports.run import execute_import
from marketplace.suppliers.models import ImportRun, ImportStatus, Supplier
from supplier_feeds import FeedError, RowProblem, parse_feed

logger = logging.getLogger(__name__)

#: The keys an offer of an upsert may carry: ``FeedOffer``'s fields as the JSON schema names them.
OFFER_FIELDS = frozenset(
    {
        "sku", "title", "title_uk", "price", "currency", "old_price", "sale_price", "url", "available",
        "stock_quantity", "category_id", "category_path", "google_category", "brand", "model", "mpn", "gtin",
        "condition", "item_group_id", "description", "description_uk", "pictures", "params", "delivery_cost",
    }
)  # fmt: skip
#: The keys a price and stock change may carry; only those sent change.
UPDATE_FIELDS = frozenset({"sku", "price", "currency", "old_price", "available", "stock_quantity"})
#: The members a batch may have beside ``offers`` (an update batch has only ``offers``).
BATCH_MEMBERS = frozenset({"offers", "categories", "currency_rates"})
#: Warnings of a file import that refuse a batch: a program that names an offer means that offer.
REFUSING_WARNINGS = frozenset({"unknown_sku"})


@dataclass(frozen=True)
class Problem:
    """What is wrong with a batch: at which offer (its position, from 0), in which field, and why."""

    index: int | None
    field: str | None
    code: str
    message: str
    sku: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "sku": self.sku, "field": self.field, "code": self.code, "message": self.message}


class BatchRejected(DomainError):
    """The batch changed nothing: ``problems`` says why, each at its offer."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_l("The batch was refused and nothing was changed; each problem names its offer."))
        self.problems = problems


class BatchTooLarge(DomainError):
    """The batch carries more offers than one batch may."""


class ImportBusy(DomainError):
    """Another import of the supplier was running; the batch changed nothing."""


def check_batch(body: bytes, *, partial: bool, limit: int) -> int:
    """Check a batch's shape and row rules; return its number of offers.

    Raise ``BatchTooLarge`` past ``limit`` offers, ``BatchRejected`` with every problem
    otherwise. The rules the import applies against the catalog (an unknown offer in an
    update, a currency without a rate) are the import's to find.
    """
    try:
        document = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise BatchRejected([Problem(None, None, "malformed_json", str(_l("The body is not valid JSON.")))]) from None
    if not isinstance(document, dict) or not isinstance(document.get("offers"), list):
        raise BatchRejected(
            [Problem(None, "offers", "invalid_batch", str(_l('The body must be an object with an "offers" array.')))]
        )
    offers = document["offers"]
    if len(offers) > limit:
        raise BatchTooLarge(
            _l("Offers in one batch: at most %(max)d; in this one: %(num)d.", max=limit, num=len(offers))
        )
    problems = [
        Problem(None, name, "unknown_member", str(_l("“%(name)s” is not a member of a batch.", name=name)))
        for name in document
        if name not in (BATCH_MEMBERS if not partial else {"offers"})
    ]
    if not offers:
        problems.append(Problem(None, "offers", "empty_batch", str(_l("The batch has no offers."))))
    allowed = UPDATE_FIELDS if partial else OFFER_FIELDS
    for index, offer in enumerate(offers):
        # An offer that is no object is the parser's to report (invalid_offer), with the rest.
        problems.extend(
            Problem(index, name, "unknown_field", str(_l("“%(name)s” is not a field of this call.", name=name)))
            for name in (offer if isinstance(offer, dict) else ())
            if name not in allowed
        )
    problems.extend(_row_problems(body, partial))
    if problems:
        raise BatchRejected(sorted(problems, key=lambda p: -1 if p.index is None else p.index))
    return len(offers)


def _row_problems(body: bytes, partial: bool) -> Iterable[Problem]:
    """Yield every error the parser finds in the batch's rows: the rules every JSON price list meets."""
    try:
        for item in parse_feed(body, partial=partial):
            if isinstance(item, RowProblem) and item.severity == "error":
                yield _problem(
                    {"code": item.code, "severity": item.severity, "message": item.message, "line": item.line,
                     "sku": item.sku, "field": item.field, "value": item.value}
                )  # fmt: skip
    except FeedError as exc:
        yield Problem(None, None, exc.code, run_error_text(exc.message, {exc.code: 1}))


def _problem(entry: Mapping[str, Any]) -> Problem:
    """Return a listed problem of an import report as a batch's problem; its line is the offer's number."""
    line = entry.get("line")
    return Problem(
        index=int(line) - 1 if isinstance(line, int) and line > 0 else None,
        field=entry.get("field"),
        code=str(entry.get("code") or ""),
        message=problem_text(entry),
        sku=entry.get("sku"),
    )


def push_batch(
    session: Session,
    supplier: Supplier,
    body: bytes,
    *,
    partial: bool,
    base_currency: str,
    rates: Mapping[str, Decimal],
    price_move_percent: Decimal,
    source: str,
) -> ImportRun:
    """Import a checked batch for ``supplier`` now and return its run.

    An upsert creates or updates the offers it names; a partial batch changes only the price
    and stock fields it sends. Raise ``BatchRejected`` when any offer was rejected (the run
    and the offers are then for the caller to roll back: nothing of the batch may stay), and
    ``ImportBusy`` when another import of the supplier held the catalog.
    """
    mode = ImportMode.PARTIAL if partial else ImportMode.UPSERT
    run = ImportRun(supplier=supplier, filename=source[:255], status=ImportStatus.QUEUED, mode=mode)
    session.add(run)
    session.flush()
    options = ImportOptions(mode=mode, price_move_percent=price_move_percent)
    execute_import(session, run, body, base_currency=base_currency, rates=rates, options=options)
    if run.error == BUSY_MESSAGE:
        raise ImportBusy(_l("Another import of your catalog is running; send the batch again in a moment."))
    problems = [
        _problem(entry)
        for entry in run.report.get("problems", ())
        if entry.get("severity") == "error" or entry.get("code") in REFUSING_WARNINGS
    ]
    if problems or run.status != ImportStatus.SUCCEEDED:
        if not problems:
            problems = [Problem(None, None, "batch_failed", run_error_text(run.error, run.report.get("counts")))]
        logger.info("Batch of supplier %s rejected: %d problem(s)", supplier.slug, len(problems))
        raise BatchRejected(problems)
    logger.info(
        "Supplier %s pushed %s batch as import %d: %d new, %d changed",
        supplier.slug, mode, run.id, run.created, run.updated,
    )  # fmt: skip
    return run
