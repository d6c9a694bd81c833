"""What the matcher reads and what it returns: one record per offer, the merges it finds and its near misses."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Derived:
    """What the matcher derives from an offer's text to block and score it (:mod:`product_matching.keys`).

    Deriving it (normalising the title, extracting codes) is most of the work of blocking a large
    catalog, so the app stores it with the offer under :data:`~product_matching.keys.MATCHER_VERSION`.
    """

    #: The text compared: the normalised title, with the brand if the title lacks it.
    document: str
    #: The model codes of the title and code fields, else of the description, normalised.
    codes: frozenset[str]


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
    #: The record's :class:`Derived` as stored with it under the current matcher version; ``None``: derive it.
    derived: Derived | None = None


@dataclass(frozen=True)
class Merge:
    """Two groups the matcher joins, with the score that decided it."""

    keep: Hashable
    absorb: Hashable
    score: float


@dataclass(frozen=True)
class Against:
    """One reason against joining a near miss, as plain data: a kind and what it found."""

    #: ``below_threshold``: the score is under the merge threshold (``value``);
    #: ``rival``: another product scores ``value``, too close for a clear choice;
    #: ``lone``: no other product was compared, so no choice was clear;
    #: ``codes_one_sided``: only one offer states the model codes ``items``;
    #: ``brand_one_sided``: only one offer states the brand ``items``.
    kind: str
    value: float | None = None
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class NearMiss:
    """Two records from two sources that are likely one product but lack the evidence to be joined.

    ``left`` and ``right`` are the records' ids as ``match`` was given them (``left`` the pending one).
    The rest is the evidence, for and against, for an operator to weigh.
    """

    left: Hashable
    right: Hashable
    #: ``text_similarity + code_agreement``, the matcher's score of the pair.
    score: float
    text_similarity: float
    code_agreement: float
    #: Words of both titles (brand included), in the pending record's order.
    shared_words: tuple[str, ...] = ()
    #: Model codes both state, normalised.
    shared_codes: tuple[str, ...] = ()
    #: A brand both state.
    shared_brand: str | None = None
    against: tuple[Against, ...] = ()

    def evidence(self) -> dict[str, Any]:
        """Return the evidence as JSON-ready data."""
        return {
            "score": round(self.score, 4),
            "text_similarity": round(self.text_similarity, 4),
            "code_agreement": round(self.code_agreement, 4),
            "shared_words": list(self.shared_words),
            "shared_codes": list(self.shared_codes),
            "shared_brand": self.shared_brand,
            "against": [
                {"kind": a.kind, "value": None if a.value is None else round(a.value, 4), "items": list(a.items)}
                for a in self.against
            ],
        }
