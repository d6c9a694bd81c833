"""Near misses: pairs likely one product that the matcher did not join, for an operator to decide.

A pair is a near miss when no stated fact vetoes it (:mod:`vetoes`) and its evidence reaches the
review floor without earning a merge:

- its score (text cosine plus code agreement) lies between :attr:`TextMatcher.review_floor` and the
  merge threshold, with at least the text agreement any merge asks for; or
- its text agrees enough for a merge of a clear favourite, but another product scores nearly as
  well with one of its records (a rival), so the favourite was not clear.

The floor is the text-only agreement at which the matcher already considers a pair (a third of
the character n-grams): below it, two listings share a brand and category words and little else,
and an operator would be reading noise. Near misses are taken best first and one to one, as
merges are, so a product appears in at most one per run, never beside a pair that joined it or
one whose groups could not be joined (two offers of one source, two GTINs, set apart, or facts
of a third offer that conflict); at most :attr:`TextMatcher.max_near_misses` per run, so a large
import does not bury the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence, Set
from typing import TYPE_CHECKING

from product_matching.blocking import Blocking
from product_matching.brands import brands_conflict, stated_brands
from product_matching.codes import same_code
from product_matching.groups import Groups
from product_matching.records import Against, MatchText, NearMiss
from product_matching.vetoes import stated_codes

if TYPE_CHECKING:
    from product_matching.matcher import TextMatcher

#: Pool pairs whose groups are read at once, per near miss still wanted.
_BATCH_FACTOR = 4


def near_misses(
    matcher: TextMatcher,
    blocking: Blocking,
    pool: list[tuple[float, int, int, float, float, float]],
    groups: Groups,
    load: Callable[[list[Hashable]], Sequence[MatchText]],
) -> list[NearMiss]:
    """Return the best near misses of ``pool`` (rows of :meth:`Found.passed_over`) after the merges in ``groups``."""
    limit = matcher.max_near_misses
    taken: list[tuple[float, int, int, float, float, float]] = []
    used: set[Hashable] = set()
    start = 0
    while start < len(pool) and len(taken) < limit:
        batch = pool[start : start + _BATCH_FACTOR * (limit - len(taken))]
        start += len(batch)
        known: dict[Hashable, set[Hashable]] = {}
        for _, i, j, *_ in batch:
            for k in (i, j):
                known.setdefault(blocking.groups[blocking.group[k]], set()).add(blocking.sources[blocking.source[k]])
        groups.load(known)
        for row in batch:
            ra = groups.root(blocking.groups[blocking.group[row[1]]])
            rb = groups.root(blocking.groups[blocking.group[row[2]]])
            if ra in used or rb in used or groups.obstacle(ra, rb) is not None:
                continue
            used.update((ra, rb))
            taken.append(row)
            if len(taken) == limit:
                break
    if not taken:
        return []
    ids = list(dict.fromkeys(blocking.ids[k] for _, i, j, *_ in taken for k in (i, j)))
    texts = dict(zip(ids, load(ids), strict=True))
    return [
        _near_miss(matcher, blocking.ids[i], blocking.ids[j], texts, score, cosine, agreement, rival, blocking.brands)
        for score, i, j, cosine, agreement, rival in taken
    ]


def _near_miss(
    matcher: TextMatcher,
    left: Hashable,
    right: Hashable,
    texts: dict[Hashable, MatchText],
    score: float,
    cosine: float,
    agreement: float,
    rival: float,
    known_brands: Set[str],
) -> NearMiss:
    a, b = texts[left], texts[right]
    words_b = set(matcher.document(b).split())
    shared_words = tuple(dict.fromkeys(w for w in matcher.document(a).split() if len(w) >= 2 and w in words_b))
    codes_a, codes_b = matcher.codes(a), matcher.codes(b)
    shared_codes = tuple(sorted({x for x in codes_a for y in codes_b if same_code(x, y)}))
    brands_a, brands_b = stated_brands(a, known_brands), stated_brands(b, known_brands)
    shared_brand = next((x for x in brands_a for y in brands_b if not brands_conflict(x, y)), None)
    against: list[Against] = []
    if score < matcher.threshold:
        against.append(Against("below_threshold", value=matcher.threshold))
    if rival >= 0:
        against.append(Against("rival", value=rival))
    stated_a, stated_b = stated_codes(a), stated_codes(b)
    if bool(stated_a) != bool(stated_b):
        against.append(Against("codes_one_sided", items=tuple(sorted(stated_a or stated_b))))
    if bool(brands_a) != bool(brands_b):
        against.append(Against("brand_one_sided", items=tuple(dict.fromkeys(brands_a or brands_b))))
    return NearMiss(
        left=left,
        right=right,
        score=score,
        text_similarity=cosine,
        code_agreement=agreement,
        shared_words=shared_words,
        shared_codes=shared_codes,
        shared_brand=shared_brand,
        against=tuple(against),
    )
