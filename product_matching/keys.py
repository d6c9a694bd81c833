"""What the matcher derives from a record's text once, so that it can be stored with the offer.

Blocking a newcomer against a large catalog needs every other offer's blocking keys; deriving
them (normalising each title, extracting its codes) was most of that work. The app stores each
offer's :class:`Derived` when an import writes it, with :data:`MATCHER_VERSION`, and hands it
back in :attr:`MatchText.derived`; a record without one is derived here, as before.
"""

from __future__ import annotations

from collections.abc import Set

from product_matching.codes import extract_codes, is_code, normalize_code, normalize_title
from product_matching.records import Derived, MatchText

#: Raise it whenever :func:`derive` or :func:`blocking_keys` would give another result for the same
#: record: stored derivations of another version are derived again (and stored again by the app).
MATCHER_VERSION = 1
#: Codes are blocked on their first characters, so suffixes (colours, regions) still meet.
CODE_BLOCK_PREFIX = 5


def derive(record: MatchText) -> Derived:
    """Return what the matcher reads of ``record``'s text: its document and its model codes."""
    title = normalize_title(record.title)
    if record.brand:
        brand = normalize_title(record.brand)
        if brand and brand not in title:
            title = f"{brand} {title}"
    # A listing whose title names no model often states it in its description; a title that
    # does name one is trusted over a description that may list compatible models too.
    codes = extract_codes(record.title)
    for value in record.model_codes:
        code = normalize_code(value)
        if is_code(code):
            codes.add(code)
    return Derived(document=title, codes=frozenset(codes or extract_codes(record.description)))


def derived(record: MatchText) -> Derived:
    """Return ``record``'s stored derivation, or derive it."""
    return record.derived if record.derived is not None else derive(record)


def blocking_keys(found: Derived) -> set[str]:
    """Return the keys a record is blocked on: the words of its document and its codes' heads.

    A code's head blocks too, so that "mdrex55bk" meets "mdrex55blk".
    """
    keys = {word for word in found.document.split() if len(word) >= 2}
    keys.update("#" + code[:CODE_BLOCK_PREFIX] for code in found.codes)
    return keys


def pack_codes(codes: Set[str]) -> str:
    """Return codes as stored: sorted, joined by spaces (a normalised code has none)."""
    return " ".join(sorted(codes))


def stored(document: str | None, codes: str | None, version: int | None) -> Derived | None:
    """Return a stored derivation, or ``None`` when there is none or it is of another matcher version."""
    if version != MATCHER_VERSION or document is None or codes is None:
        return None
    return Derived(document=document, codes=frozenset(codes.split()))
