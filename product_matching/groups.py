"""The groups that pairs would join, as a union-find that knows what each group holds."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from product_matching.blocking import older
from product_matching.records import MatchText
from product_matching.vetoes import Facts, Stated, conflicts


class Groups:
    """Groups joined so far, each with its offers' sources, GTINs and stated facts.

    A join must not put two offers of one source, two different GTINs, two groups an operator set
    ``apart``, or two offers whose stated facts conflict into one group, even when the pair that
    proposes it agrees (a third supplier's terse title between two sizes).
    """

    def __init__(
        self,
        members: Callable[[set[Hashable]], Iterable[MatchText]],
        apart: Iterable[tuple[Hashable, Hashable]],
        facts: Facts,
    ) -> None:
        self._members = members
        self._facts = facts
        self.parent: dict[Hashable, Hashable] = {}
        self.sources: dict[Hashable, set[Hashable]] = {}
        self.gtins: dict[Hashable, set[str]] = {}
        self.group_members: dict[Hashable, set[Hashable]] = {}
        self.facts: dict[Hashable, list[Stated]] = {}
        self.forbidden: dict[Hashable, set[Hashable]] = {}
        for a, b in apart:
            self.forbidden.setdefault(a, set()).add(b)
            self.forbidden.setdefault(b, set()).add(a)

    def load(self, groups: dict[Hashable, set[Hashable]]) -> None:
        """Read every offer of ``groups`` not read yet; ``groups`` maps each to sources already known of it."""
        new = {g for g in groups if g not in self.parent}
        for g in new:
            self.parent[g] = g
            self.sources[g] = set(groups[g])
            self.gtins[g] = set()
            self.group_members[g] = {g}
        if not new:
            return
        for record in self._members(new):
            if record.group not in new:
                continue
            self.sources[record.group].add(record.source)
            if record.gtin:
                self.gtins[record.group].add(record.gtin)
            self.facts.setdefault(record.group, []).append(self._facts.of(record))

    def root(self, g: Hashable) -> Hashable:
        parent = self.parent
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    def obstacle(self, ra: Hashable, rb: Hashable) -> str | None:
        """Return why roots ``ra`` and ``rb`` may not be joined, or ``None`` if they may.

        ``"same"``, ``"source"``, ``"gtin"``, ``"apart"`` or ``"conflict"`` (stated facts).
        """
        if ra == rb:
            return "same"
        if self.sources[ra] & self.sources[rb]:
            return "source"
        if self.gtins[ra] and self.gtins[rb] and not self.gtins[ra] & self.gtins[rb]:
            return "gtin"
        if self.forbidden and any(
            self.forbidden.get(g, set()) & self.group_members[rb] for g in self.group_members[ra]
        ):
            return "apart"
        if any(conflicts(x, y) for x in self.facts.get(ra, ()) for y in self.facts.get(rb, ())):
            return "conflict"
        return None

    def join(self, ra: Hashable, rb: Hashable) -> tuple[Hashable, Hashable]:
        """Join two roots; return ``(keep, absorb)``: the older group (existing product) keeps its identity."""
        keep, absorb = (ra, rb) if older(ra, rb) else (rb, ra)
        self.parent[absorb] = keep
        self.sources[keep] |= self.sources.pop(absorb)
        self.gtins[keep] |= self.gtins.pop(absorb)
        self.group_members[keep] |= self.group_members.pop(absorb)
        self.facts.setdefault(keep, []).extend(self.facts.pop(absorb, ()))
        return keep, absorb
