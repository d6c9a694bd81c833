"""The text matcher: score blocked candidate pairs and take them best first, one to one."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from product_matching.blocking import Blocking, Found
from product_matching.codes import best_code_similarity
from product_matching.groups import Groups
from product_matching.keys import blocking_keys, derived
from product_matching.records import MatchText, Merge, NearMiss
from product_matching.review import near_misses
from product_matching.vetoes import Facts, Kinds, Stated, conflicts

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

#: Candidate pairs whose cosines are computed at once.
COSINE_SLICE = 20_000


@dataclass
class TextMatcher:
    """Join groups whose offers describe the same product; see the module docstring."""

    #: A pair is joined on its own scores when ``cosine + code agreement`` reaches this: half
    #: the text agrees, or less text and much of a model code...
    threshold: float = 0.5
    #: ...and its text alone agrees at least this much, whatever the codes say.
    min_text_similarity: float = 0.2
    #: Below ``threshold``, a pair may still be joined when its text agrees this much: a third of
    #: the character n-grams, above what two listings sharing only a brand and category words
    #: ("Canon ... Digital Camera") reach...
    min_text_only_similarity: float = 0.35
    #: ...and must be each side's clear favourite: every other product either side could join
    #: scores at most this share of the pair's score. Near-equal rivals mean a family of variants
    #: (colours, sizes) that the text cannot tell apart, or no twin at all; either way, no merge.
    max_runner_up_share: float = 0.8
    #: Character n-gram sizes of the TF-IDF vectors.
    ngram_range: tuple[int, int] = (2, 5)
    #: A blocking key shared by more than this share of the records says nothing.
    max_key_share: float = 0.05
    #: ...but keys shared by this many records are always kept, for small catalogs.
    min_key_limit: int = 50
    #: At most this many candidates are scored per pending record: those sharing the rarest keys
    #: with it (by summed inverse key frequency). A twin shares rare words and codes; a long tail
    #: sharing one semi-rare word is no twin, and without a bound the work of a large catalog
    #: would grow with the square of such a word's frequency.
    max_candidates: int = 50
    #: Of the pairs a pending record could join, its this many best are kept for the one-to-one
    #: step: one-to-one takes a record's best partner that is still free, and a record whose ten
    #: best partners all went to better pairs has no clear partner left.
    max_partners: int = 10
    #: Candidate pairs are formed and scored in chunks of about this many key matches, so that
    #: memory stays flat however many records are pending.
    chunk_pairs: int = 2_000_000
    #: The kinds of conflicting evidence that keep two records apart (:mod:`product_matching.vetoes`):
    #: different measures, brands, model codes or colours.
    vetoes: Kinds = field(default_factory=Kinds)
    #: A pair not joined goes to the review queue (:mod:`product_matching.review`) when its score
    #: reaches this and no fact vetoes it: the text-only agreement at which a pair is considered at
    #: all (``min_text_only_similarity``). Below, two titles share a brand and category words.
    review_floor: float = 0.35
    #: At most this many near misses per run, best first: what an operator can weigh in a sitting,
    #: and a large import does not bury the pairs of the next one.
    max_near_misses: int = 100
    _stats: dict[str, float] = field(default_factory=dict, repr=False)
    _near_misses: list[NearMiss] = field(default_factory=list, repr=False)

    def document(self, record: MatchText) -> str:
        """Return the text compared for ``record``: its title, with the brand if the title lacks it."""
        return derived(record).document

    def codes(self, record: MatchText) -> frozenset[str]:
        """Return the codes of ``record``'s title and code fields, else those of its description."""
        return derived(record).codes

    def blocking_keys(self, record: MatchText) -> set[str]:
        """Return the keys ``record`` is blocked on (:func:`keys.blocking_keys`)."""
        return blocking_keys(derived(record))

    def score_pairs(self, records: Sequence[MatchText], left: list[int], right: list[int]) -> list[tuple[float, float]]:
        """Return ``(text cosine, code agreement)`` for each pair of indices into ``records``."""
        if not left:
            return []
        involved = sorted(set(left) | set(right))
        position = {record: k for k, record in enumerate(involved)}
        found = [derived(records[k]) for k in involved]
        cosines, agreements = self._score(
            [f.document for f in found],
            [f.codes for f in found],
            [position[i] for i in left],
            [position[j] for j in right],
        )
        return list(zip(cosines.tolist(), agreements.tolist(), strict=True))

    def _score(
        self, documents: list[str], codes: list[frozenset[str]], left: Sequence[int], right: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        # Only records in a candidate pair are vectorised: the work follows the import, not the catalog.
        vectors = self._vectors(documents)
        lefts, rights = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
        cosines = np.zeros(len(lefts), dtype=np.float64)
        # In slices: the row products of a slice are the largest temporary of the matcher.
        for start in range(0, len(lefts), COSINE_SLICE):
            rows_left, rows_right = lefts[start : start + COSINE_SLICE], rights[start : start + COSINE_SLICE]
            products = vectors[rows_left].multiply(vectors[rows_right])
            cosines[start : start + len(rows_left)] = np.asarray(products.sum(axis=1)).ravel()
        agreements = np.array(
            [
                best_code_similarity(codes[i], codes[j]) if codes[i] and codes[j] else 0.0
                for i, j in zip(left, right, strict=True)
            ],
            dtype=np.float64,
        )
        return cosines, agreements

    def _vectors(self, documents: list[str]) -> csr_matrix:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True, lowercase=False, dtype=np.float32
        )
        return vectorizer.fit_transform(documents).tocsr()

    def accepts(self, cosine: float, code_agreement: float) -> bool:
        """Tell whether a pair with these scores is the same product on its own, before one-to-one."""
        return cosine >= self.min_text_similarity and cosine + code_agreement >= self.threshold

    def merges(
        self,
        records: Sequence[MatchText],
        pending: Iterable[int],
        *,
        apart: Iterable[tuple[Hashable, Hashable]] = (),
    ) -> list[Merge]:
        """Return the merges that join pending records (indices into ``records``) to their best partners.

        The in-memory form of :meth:`match`, for records already in a list.
        """
        pending = sorted(set(pending))
        waiting = set(pending)
        return self.match(
            ((k, records[k]) for k in pending),
            ((k, record) for k, record in enumerate(records) if k not in waiting),
            # The ids handed back are the int positions given above; match() types them as Hashable.
            load=lambda ids: [records[k] for k in ids],  # type: ignore[call-overload]
            members=lambda groups: [r for r in records if r.group in groups],
            apart=apart,
        )

    def match(
        self,
        pending: Iterable[tuple[Hashable, MatchText]],
        others: Iterable[tuple[Hashable, MatchText]],
        *,
        load: Callable[[list[Hashable]], Sequence[MatchText]],
        members: Callable[[set[Hashable]], Iterable[MatchText]],
        apart: Iterable[tuple[Hashable, Hashable]] = (),
    ) -> list[Merge]:
        """Return the merges that join pending records to their best partners, best first.

        ``pending`` and ``others`` yield ``(id, record)``: the records to place, and those they may
        join. Both are read once, as streams, and of their records only the group, source, brand
        and blocking keys (from :attr:`MatchText.derived`, if given) are read: of ``others``, only
        the ids, groups and keys of records sharing a key with some pending record are kept.
        Candidate pairs are then formed and scored in chunks (``chunk_pairs``, ``max_candidates``),
        each chunk's texts fetched again with ``load(ids)``, so memory follows the pending records
        and their plausible partners, never the catalog. ``members(groups)`` returns every record of the groups that
        the accepted pairs would join, for the checks on whole groups.

        A group that would then hold two offers of one source, two different GTINs, two groups
        named together in ``apart``, or two offers whose stated facts conflict (:func:`conflicts`) is
        not formed. Each merge folds
        ``absorb`` into ``keep``; later merges name groups as they are then.
        """
        blocking = Blocking(self)
        blocking.add_pending(pending)
        blocking.add_others(others)
        found = Found(blocking)
        facts = Facts(blocking.brands, self.vetoes)
        loaded = vetoed_pairs = 0
        for left, right in blocking.candidate_chunks():
            texts = blocking.ids_texts(left, right, load)
            loaded += len(texts[0])
            vetoed_pairs += self._score_chunk(found, left, right, *texts, facts)
        pairs = found.chosen(self.max_runner_up_share)
        groups = Groups(members, apart, facts)
        merges, vetoed = self._assign(blocking, pairs, groups)
        pool = found.passed_over(self.max_runner_up_share, self.min_text_only_similarity)
        self._near_misses = near_misses(self, blocking, pool, groups, load)
        self._stats = {
            "pending": blocking.pending_count,
            "others_read": blocking.others_read,
            "others_kept": len(blocking.ids) - blocking.pending_count,
            "candidates": found.candidates,
            "texts_loaded": loaded,
            "vetoed_pairs": vetoed_pairs,
            "accepted": len(pairs),
            "group_conflicts": vetoed,
            "merges": len(merges),
            "near_misses": len(self._near_misses),
        }
        return merges

    def _score_chunk(
        self,
        found: Found,
        left: np.ndarray,
        right: np.ndarray,
        involved: np.ndarray,
        texts: Sequence[MatchText],
        facts: Facts,
    ) -> int:
        """Score a chunk of candidate pairs into ``found``; return how many plausible ones were vetoed."""
        import numpy as np

        li, ri = np.searchsorted(involved, left), np.searchsorted(involved, right)
        found_texts = [derived(t) for t in texts]
        lis, ris = li.tolist(), ri.tolist()
        cosines, agreements = self._score([f.document for f in found_texts], [f.codes for f in found_texts], lis, ris)
        scores = cosines + agreements
        accepted = (cosines >= self.min_text_similarity) & (scores >= self.threshold)
        plausible = accepted | (cosines >= self.min_text_only_similarity)
        review = ~accepted & (cosines >= self.min_text_similarity) & (scores >= self.review_floor)
        # Each record's facts, looked up once per chunk (a record is in many of its pairs).
        chunk_facts: list[Stated | None] = [None] * len(texts)

        def facts_of(k: int) -> Stated:
            found = chunk_facts[k]
            if found is None:
                found = chunk_facts[k] = facts.of(texts[k])
            return found

        keep, review, vetoed = self._best_unvetoed(
            left, scores, plausible, review, lambda p: conflicts(facts_of(lis[p]), facts_of(ris[p]))
        )
        # Vetoed pairs still count as rivals: a record whose near-equal partners are its line's
        # other sizes is no clear favourite of whichever partner is left.
        found.rivals(left, right, scores)
        found.add_review(left[review], right[review], scores[review], cosines[review], agreements[review])
        # Equal scores are common (titles that normalise alike: "I-Fit" and "I-Fit+"); a pair whose
        # titles are spelled alike, punctuation and all, goes first among them.
        spelling: dict[int, str] = {}

        def spelled(k: int) -> str:
            if k not in spelling:
                spelling[k] = " ".join(texts[k].title.casefold().split())
            return spelling[k]

        alike = np.array([spelled(li[p]) == spelled(ri[p]) for p in np.flatnonzero(keep).tolist()], dtype=bool)
        found.add(left[keep], right[keep], scores[keep], ~accepted[keep], alike)
        return vetoed

    def _best_unvetoed(
        self,
        left: np.ndarray,
        scores: np.ndarray,
        plausible: np.ndarray,
        review: np.ndarray,
        conflict: Callable[[int], bool],
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Return each pending record's best ``max_partners`` plausible pairs and review pairs that no fact vetoes.

        Pairs are taken best first per record (pairs come grouped by it), and the facts of a pair
        are compared only while its record still wants a partner of its kind: a catalog of one
        brand's many models gives each record hundreds of plausible pairs, most of them never
        needed. Also returns how many plausible pairs the facts vetoed on the way.
        """
        import numpy as np

        keep, later = np.zeros(len(left), dtype=bool), np.zeros(len(left), dtype=bool)
        wanted = np.flatnonzero(plausible | review)
        order = wanted[np.lexsort((-scores[wanted], left[wanted]))].tolist()
        lefts, plausibles, reviews = left.tolist(), plausible.tolist(), review.tolist()
        kept: dict[int, int] = {}
        reviewed: dict[int, int] = {}
        vetoed = 0
        for p in order:
            record = lefts[p]
            as_pair = plausibles[p] and kept.get(record, 0) < self.max_partners
            as_review = reviews[p] and reviewed.get(record, 0) < self.max_partners
            if not (as_pair or as_review):
                continue
            if conflict(p):
                vetoed += plausibles[p]
                continue
            if as_pair:
                keep[p] = True
                kept[record] = kept.get(record, 0) + 1
            if as_review:
                later[p] = True
                reviewed[record] = reviewed.get(record, 0) + 1
        return keep, later, vetoed

    def _assign(
        self, blocking: Blocking, pairs: list[tuple[float, int, int]], groups: Groups
    ) -> tuple[list[Merge], int]:
        """Join the pairs best first, one offer per source in a group (union-find over groups)."""
        group_of = [blocking.groups[g] for g in blocking.group]
        known: dict[Hashable, set[Hashable]] = {}
        for _, i, j in pairs:
            for k in (i, j):
                known.setdefault(group_of[k], set()).add(blocking.sources[blocking.source[k]])
        groups.load(known)
        merges = []
        vetoed = 0
        for score, i, j in pairs:
            ra, rb = groups.root(group_of[i]), groups.root(group_of[j])
            obstacle = groups.obstacle(ra, rb)
            if obstacle == "conflict":
                vetoed += 1
            if obstacle is not None:
                continue
            keep, absorb = groups.join(ra, rb)
            merges.append(Merge(keep=keep, absorb=absorb, score=score))
        return merges, vetoed

    @property
    def stats(self) -> dict[str, float]:
        """Counts from the last :meth:`match` call, for logs, tests and the bench."""
        return dict(self._stats)

    @property
    def near_misses(self) -> list[NearMiss]:
        """The pairs the last :meth:`match` call found likely but did not join, best first (:mod:`review`)."""
        return list(self._near_misses)
