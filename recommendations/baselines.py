"""The baselines anyone can compute: the most popular items, and plain item-to-item co-occurrence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from itertools import combinations, islice
from typing import Generic

from recommendations.clicks import Item, Session


class Popularity(Generic[Item]):
    """The items clicked most, whatever the session."""

    def __init__(self, sessions: Sequence[Session[Item]]) -> None:
        self._ranked = Counter(item for session in sessions for item in session.items).most_common()

    def recommend(
        self, session: Sequence[Item], count: int, exclude: Collection[Item] = ()
    ) -> list[tuple[Item, float]]:
        picked: list[tuple[Item, float]] = []
        for item, clicks in self._ranked:
            if len(picked) == count:
                break
            if item not in exclude:
                picked.append((item, float(clicks)))
        return picked


class CoOccurrence(Generic[Item]):
    """For the last item clicked, the items most often in the same sessions: plain counts, no weights."""

    def __init__(self, sessions: Sequence[Session[Item]]) -> None:
        self._with: dict[Item, Counter[Item]] = {}
        for session in sessions:
            for first, second in combinations(sorted(set(session.items), key=str), 2):
                self._with.setdefault(first, Counter())[second] += 1
                self._with.setdefault(second, Counter())[first] += 1

    def recommend(
        self, session: Sequence[Item], count: int, exclude: Collection[Item] = ()
    ) -> list[tuple[Item, float]]:
        if not session or session[-1] not in self._with:
            return []
        ranked = (pair for pair in self._with[session[-1]].most_common() if pair[0] not in exclude)
        return [(item, float(together)) for item, together in islice(ranked, count)]
