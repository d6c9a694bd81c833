"""The report of an import: every problem by row and code, and the diff of what it changes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from supplier_feeds import RowProblem

#: A report lists this many problems in full; the counts per code are always complete.
MAX_REPORTED_PROBLEMS = 1000
#: ... and at most this many of one code, so that one flood cannot hide the others.
MAX_PROBLEMS_PER_CODE = 100
#: A diff keeps this many offers per list (new, withdrawn, changed, price moves); counts are complete.
MAX_DIFF_ENTRIES = 200


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
    #: The price types of a CommerceML file that named several and none the supplier chose.
    price_types: list[str] | None = None
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
        if self.price_types is not None:
            data["price_types"] = self.price_types
        return data


def _file_order(entry: dict[str, Any]) -> int:
    """Sort key of a listed problem: its line, problems of the whole file first."""
    line = entry["line"]
    return -1 if line is None else int(line)
