"""Blocking: which records are compared at all, so the work grows with the plausible pairs."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from product_matching.brands import normalize_brand
from product_matching.records import MatchText

if TYPE_CHECKING:
    import numpy as np

    from product_matching.matcher import TextMatcher


class Blocking:
    """The records that may take part in a pair, by dense number, and the keys they are blocked on.

    Pending records are all kept; another record only when it shares a key with a pending one.
    Texts are not kept: a chunk loads those it scores.
    """

    def __init__(self, matcher: TextMatcher) -> None:
        self.matcher = matcher
        self.ids: list[Hashable] = []
        self.groups: list[Hashable] = []
        self.sources: list[Hashable] = []
        self._group_number: dict[Hashable, int] = {}
        self._source_number: dict[Hashable, int] = {}
        self.group = array("q")
        self.source = array("q")
        self.pending = bytearray()
        self._rows = array("q")
        self._keys = array("q")
        self.pending_count = 0
        self.others_read = 0
        #: The brands the records read state in their brand fields, normalised: the catalog's brand list.
        self.brands: set[str] = set()
        self._brands_seen: set[str | None] = set()
        self._pending_keys: np.ndarray | None = None

    def _number(self, value: Hashable, numbers: dict[Hashable, int], values: list[Hashable]) -> int:
        number = numbers.get(value)
        if number is None:
            number = numbers[value] = len(values)
            values.append(value)
        return number

    def _add(self, record_id: Hashable, record: MatchText, pending: bool, keys: Iterable[int]) -> None:
        row = len(self.ids)
        self.ids.append(record_id)
        self.group.append(self._number(record.group, self._group_number, self.groups))
        self.source.append(self._number(record.source, self._source_number, self.sources))
        self.pending.append(pending)
        for key in keys:
            self._rows.append(row)
            self._keys.append(key)

    def _note_brand(self, record: MatchText) -> None:
        # A catalog names a few thousand brands over and over: each spelling is normalised once.
        if record.brand in self._brands_seen:
            return
        self._brands_seen.add(record.brand)
        brand = normalize_brand(record.brand)
        if len(brand) >= 2:
            self.brands.add(brand)

    def add_pending(self, pending: Iterable[tuple[Hashable, MatchText]]) -> None:
        import numpy as np

        for record_id, record in pending:
            self._note_brand(record)
            self._add(record_id, record, True, {hash(key) for key in self.matcher.blocking_keys(record)})
            self.pending_count += 1
        self._pending_keys = np.unique(np.array(self._keys, dtype=np.int64))

    def add_others(self, others: Iterable[tuple[Hashable, MatchText]], batch_size: int = 4096) -> None:
        if not self.pending_count:
            return
        batch: list[tuple[Hashable, MatchText]] = []
        for item in others:
            batch.append(item)
            if len(batch) == batch_size:
                self._add_batch(batch)
                batch = []
        self._add_batch(batch)

    def _add_batch(self, batch: list[tuple[Hashable, MatchText]]) -> None:
        import numpy as np

        assert self._pending_keys is not None
        self.others_read += len(batch)
        if not batch or not len(self._pending_keys):
            return
        for _, record in batch:
            self._note_brand(record)
        hashes = [[hash(key) for key in self.matcher.blocking_keys(record)] for _, record in batch]
        lengths = np.fromiter((len(h) for h in hashes), dtype=np.int64, count=len(hashes))
        flat = np.fromiter((key for h in hashes for key in h), dtype=np.int64, count=int(lengths.sum()))
        position = np.minimum(np.searchsorted(self._pending_keys, flat), len(self._pending_keys) - 1)
        hit = self._pending_keys[position] == flat
        owner = np.repeat(np.arange(len(batch)), lengths)[hit]
        kept = np.unique(owner)
        # The kept records' rows, numbered on from the rows so far; their hit keys in one go (the
        # keys come grouped by record, in order), not one scan of the batch's keys per record.
        row_of = np.zeros(len(batch), dtype=np.int64)
        row_of[kept] = len(self.ids) + np.arange(len(kept))
        self._rows.extend(row_of[owner].tolist())
        self._keys.extend(flat[hit].tolist())
        for k in kept.tolist():
            record_id, record = batch[k]
            self._add(record_id, record, False, ())

    def candidate_chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield chunks of candidate pairs ``(pending row, other row)`` of two sources and groups sharing a rare key.

        Pairs of two pending records of different sources are formed once.
        """
        import numpy as np
        from scipy.sparse import csr_matrix

        matcher = self.matcher
        rows = np.array(self._rows, dtype=np.int64)
        keys = np.array(self._keys, dtype=np.int64)
        self._rows, self._keys = array("q"), array("q")
        if not len(rows):
            return
        total = self.pending_count + self.others_read
        unique_keys, column, frequency = np.unique(keys, return_inverse=True, return_counts=True)
        del keys, unique_keys
        limit = max(matcher.min_key_limit, matcher.max_key_share * total)
        rare = (frequency <= limit)[column]
        rows, column = rows[rare], column[rare]
        weight = np.log1p(total / frequency).astype(np.float32)
        incidence = csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, column)), shape=(len(self.ids), len(frequency))
        )
        del rows, column
        weighted = csr_matrix(incidence.multiply(weight[np.newaxis, :]))
        group = np.array(self.group, dtype=np.int64)
        source = np.array(self.source, dtype=np.int64)
        pending = np.frombuffer(bytes(self.pending), dtype=np.uint8).astype(bool)
        done = np.zeros(len(self.sources), dtype=bool)
        for s in dict.fromkeys(source[pending].tolist()):
            queries = np.flatnonzero(pending & (source == s))
            targets = np.flatnonzero((source != s) & ~(pending & done[source]))
            done[s] = True
            if not len(targets) or not len(queries):
                continue
            to_targets = weighted[targets].T.tocsr()
            target_frequency = np.asarray(incidence[targets].sum(axis=0), dtype=np.float64).ravel()
            work = incidence[queries] @ target_frequency
            start = 0
            while start < len(queries):
                cumulative = np.cumsum(work[start:])
                stop = start + max(1, int(np.searchsorted(cumulative, matcher.chunk_pairs, side="right")))
                chunk = queries[start:stop]
                start = stop
                shared = (incidence[chunk] @ to_targets).tocoo()
                left, right, value = chunk[shared.row], targets[shared.col], shared.data
                apart = group[left] != group[right]
                left, right, value = left[apart], right[apart], value[apart]
                # The candidates sharing the rarest keys first; at most max_candidates of each.
                order = np.lexsort((right, -value, left))
                left, right = left[order], right[order]
                rank = np.arange(len(left)) - np.searchsorted(left, left)
                left, right = left[rank < matcher.max_candidates], right[rank < matcher.max_candidates]
                order = np.lexsort((right, left))
                if len(order):
                    yield left[order], right[order]

    def ids_texts(
        self, left: np.ndarray, right: np.ndarray, load: Callable[[list[Hashable]], Sequence[MatchText]]
    ) -> tuple[np.ndarray, Sequence[MatchText]]:
        """Return the rows a chunk involves, sorted, and their texts."""
        import numpy as np

        involved = np.unique(np.concatenate([left, right]))
        texts = load([self.ids[k] for k in involved.tolist()])
        assert len(texts) == len(involved)
        return involved, texts


class Found:
    """What the scored chunks found: the plausible pairs and, per record, its two best partner groups."""

    def __init__(self, blocking: Blocking) -> None:
        import numpy as np

        self.group = np.array(blocking.group, dtype=np.int64)
        n = len(self.group)
        #: Per record: the partner group it scored best with, that score, and the best of any other group.
        self.best_group = np.full(n, -1, dtype=np.int64)
        self.best = np.full(n, -1.0)
        self.runner_up = np.full(n, -1.0)
        self._pairs: list[tuple[np.ndarray, ...]] = []
        #: Pairs for the review queue: ``(left, right, score, text cosine, code agreement)`` arrays.
        self._review: list[tuple[np.ndarray, ...]] = []
        self.candidates = 0

    def rivals(self, left: np.ndarray, right: np.ndarray, scores: np.ndarray) -> None:
        """Count every scored pair as a rival of either record's other partners."""
        import numpy as np

        self.candidates += len(left)
        a = np.concatenate([left, right])
        g = np.concatenate([self.group[right], self.group[left]])
        s = np.concatenate([scores, scores])
        # The best score per (record, partner group), then each record's two best groups.
        order = np.lexsort((-s, g, a))
        a, g, s = a[order], g[order], s[order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (g[1:] != g[:-1])
        a, g, s = a[first], g[first], s[first]
        order = np.lexsort((-s, a))
        a, g, s = a[order], g[order], s[order]
        rank = np.arange(len(a)) - np.searchsorted(a, a)
        for r in (0, 1):
            take = rank == r
            self._push(a[take], g[take], s[take])

    def _push(self, a: np.ndarray, g: np.ndarray, s: np.ndarray) -> None:
        import numpy as np

        best_group, best, runner_up = self.best_group[a], self.best[a], self.runner_up[a]
        same = best_group == g
        better = ~same & (s > best)
        self.best_group[a] = np.where(better, g, best_group)
        self.best[a] = np.where(same, np.maximum(best, s), np.where(better, s, best))
        self.runner_up[a] = np.where(same, runner_up, np.where(better, best, np.maximum(runner_up, s)))

    def add(
        self, left: np.ndarray, right: np.ndarray, scores: np.ndarray, needs_favourite: np.ndarray, alike: np.ndarray
    ) -> None:
        if len(left):
            self._pairs.append((left, right, scores, needs_favourite, alike))

    def add_review(
        self, left: np.ndarray, right: np.ndarray, scores: np.ndarray, cosines: np.ndarray, agreements: np.ndarray
    ) -> None:
        if len(left):
            self._review.append((left, right, scores, cosines, agreements))

    def _clear(self, a: np.ndarray, b: np.ndarray, scores: np.ndarray, share: float) -> np.ndarray:
        # A favourite among no rivals says nothing: there was no choice to be clear about.
        clear: np.ndarray = (
            (self.best_group[a] == self.group[b])
            & (self.best[a] <= scores)
            & (self.runner_up[a] >= 0)
            & (self.runner_up[a] <= share * scores)
        )
        return clear

    def chosen(self, share: float) -> list[tuple[float, int, int]]:
        """Return the pairs to join, best first: accepted ones, and the others that are each side's clear favourite."""
        import numpy as np

        if not self._pairs:
            return []
        left, right, scores, needs, alike = (np.concatenate(parts) for parts in zip(*self._pairs, strict=True))
        self._pairs = []
        keep = ~needs | (self._clear(left, right, scores, share) & self._clear(right, left, scores, share))
        left, right, scores, alike = left[keep], right[keep], scores[keep], alike[keep]
        order = np.lexsort((~alike, -scores))
        return list(zip(scores[order].tolist(), left[order].tolist(), right[order].tolist(), strict=True))

    def passed_over(self, share: float, min_text_only: float) -> list[tuple[float, int, int, float, float, float]]:
        """Return the review pairs :meth:`chosen` did not take, best first.

        Each as ``(score, left, right, text cosine, code agreement, rival)``: ``rival`` is the best
        score another product reaches with either record when it is at least ``share`` of the
        pair's (too close for a clear choice), else -1.
        """
        import numpy as np

        if not self._review:
            return []
        left, right, scores, cosines, agreements = (np.concatenate(parts) for parts in zip(*self._review, strict=True))
        self._review = []
        clear = self._clear(left, right, scores, share) & self._clear(right, left, scores, share)
        keep = ~((cosines >= min_text_only) & clear)
        left, right, scores, cosines, agreements = (x[keep] for x in (left, right, scores, cosines, agreements))
        rival = np.maximum(self._rival(left, right, scores), self._rival(right, left, scores))
        rival = np.where(rival >= share * scores, rival, -1.0)
        order = np.lexsort((right, left, -scores))
        return list(
            zip(
                scores[order].tolist(),
                left[order].tolist(),
                right[order].tolist(),
                cosines[order].tolist(),
                agreements[order].tolist(),
                rival[order].tolist(),
                strict=True,
            )
        )

    def _rival(self, a: np.ndarray, b: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Return the best score of another product than ``b``'s with ``a`` (-1 if none)."""
        import numpy as np

        other_best = self.best_group[a] != self.group[b]
        rival: np.ndarray = np.where(other_best, self.best[a], self.runner_up[a])
        return rival


def older(a: Hashable, b: Hashable) -> bool:
    try:
        # Group ids are ints or strings, which order; Hashable does not promise it, hence the except.
        return bool(a < b)  # type: ignore[operator]
    except TypeError:
        return True
