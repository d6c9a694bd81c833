"""What the matcher reads and what it returns: one record per offer, and the merges it finds."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class MatchText:
    """What the matcher reads of one offer."""

    #: The group (product) the offer belongs to now.
    group: Hashable
    #: The source (supplier) of the offer: a group holds at most one offer per source.
    source: Hashable
    title: str
    brand: str | None = None
    #: Codes the feed names in their own fields (model, MPN, vendorCode).
    model_codes: tuple[str, ...] = ()
    #: A valid GTIN of the group: groups with two different GTINs are never joined.
    gtin: str | None = None
    #: Read for model codes only when the title and code fields name none.
    description: str | None = None
    #: ``(name, value)`` params as the feed gives them: a model or colour param is stated evidence.
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Merge:
    """Two groups the matcher joins, with the score that decided it."""

    keep: Hashable
    absorb: Hashable
    score: float
