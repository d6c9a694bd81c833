"""The taxonomy name matcher: which category of the tree a supplier's category path probably means.

It reads a supplier category's name word by word (Ukrainian and Russian through the glossary,
``names``), scores the tree's nodes by how well their names and their ancestors' names cover
those words, and answers only when one node wins clearly; otherwise a person decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from taxonomy_matching.names import Word, english, words

#: The lowest leaf similarity (an F1 of the words matched both ways) accepted as a mapping.
NAME_THRESHOLD = 0.85
#: The best node must beat the runner-up (outside its own branch) by this much.
NAME_MARGIN = 0.05
#: How much agreement of the parent categories with the node's ancestors adds.
CONTEXT_WEIGHT = 0.2
#: The nearest parent category's share of the context score.
NEAREST_PARENT_WEIGHT = 0.6
#: What a node word covered only by a parent category's word counts for.
CONTEXT_COVER = 0.5
#: English words this similar (rapidfuzz ratio) to a taxonomy word are read as that word.
FUZZY_WORD_CUTOFF = 90


@dataclass(frozen=True, slots=True)
class CategoryGuess:
    """A marketplace category a supplier category probably means."""

    category_id: int
    path: str
    #: Leaf similarity plus context, for ranking; above ``NAME_THRESHOLD`` means "confident".
    score: float
    confident: bool


@dataclass(frozen=True, slots=True)
class _Node:
    id: int
    path: str
    depth: int
    leaf: frozenset[str]
    ancestors: frozenset[str]
    ancestor_ids: tuple[int, ...]


class TaxonomyMatcher:
    """Guess the marketplace category of a supplier category path by name similarity."""

    def __init__(self, rows: Iterable[tuple[int, int | None, str, str, int]]) -> None:
        """Build from ``(id, parent_id, name, path, depth)`` rows of the category tree."""
        rows = list(rows)
        parent = {row[0]: row[1] for row in rows}
        self.nodes: dict[int, _Node] = {}
        self._by_stem: dict[str, list[int]] = defaultdict(list)
        for category_id, _parent_id, name, path, depth in rows:
            ancestor_ids = []
            node_id = parent.get(category_id)
            while node_id is not None and node_id not in ancestor_ids:
                ancestor_ids.append(node_id)
                node_id = parent.get(node_id)
            leaf = frozenset(english(name))
            upper = path.rsplit(" > ", 1)[0] if " > " in path else ""
            self.nodes[category_id] = _Node(
                category_id, path, depth, leaf, frozenset(english(upper)), tuple(ancestor_ids)
            )
            for stem in leaf:
                self._by_stem[stem].append(category_id)
        self._vocabulary = list(self._by_stem)

    def _known(self, word: Word) -> Word:
        """Read an English word the taxonomy does not use as the nearest one it does."""
        if word is None:
            return None
        fixed: list[tuple[str, ...]] = []
        for alternative in word:
            if len(alternative) == 1 and alternative[0] not in self._by_stem and len(alternative[0]) >= 5:
                found = process.extractOne(
                    alternative[0], self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD_CUTOFF
                )
                fixed.append((found[0],) if found else alternative)
            else:
                fixed.append(alternative)
        return tuple(fixed)

    def candidates(self, path: Sequence[str], limit: int = 3) -> list[CategoryGuess]:
        """Return the best nodes for a supplier category path (root first), best first."""
        names = [name for name in path if name and name.strip()]
        if not names:
            return []
        leaf_words = [self._known(w) for w in words(names[-1])]
        parents = [[self._known(w) for w in words(name)] for name in reversed(names[:-1])]
        context_words = [w for words in parents for w in words]
        known = [w for w in leaf_words if w is not None]
        if not known:
            return []
        candidate_ids = {cid for word in known for alt in word for stem in alt for cid in self._by_stem.get(stem, ())}
        scored = []
        for category_id in candidate_ids:
            node = self.nodes[category_id]
            leaf = _similarity(leaf_words, context_words, node.leaf)
            if leaf <= 0:
                continue
            context = _context(parents, node.ancestors | node.leaf)
            scored.append((leaf + CONTEXT_WEIGHT * context, leaf, node))
        scored.sort(key=lambda item: (-item[0], item[2].depth, item[2].id))
        guesses = []
        for rank, (score, leaf, node) in enumerate(scored[:limit]):
            confident = rank == 0 and leaf >= NAME_THRESHOLD and self._clear_winner(scored)
            guesses.append(CategoryGuess(node.id, node.path, round(score, 3), confident))
        return guesses

    def _clear_winner(self, scored: list[tuple[float, float, _Node]]) -> bool:
        best_score, _leaf, best = scored[0]
        for score, _leaf2, node in scored[1:]:
            if best.id in node.ancestor_ids or node.id in best.ancestor_ids:
                continue  # the same branch: a broader or narrower node, not a rival
            return best_score - score >= NAME_MARGIN
        return True

    def guess(self, path: Sequence[str]) -> CategoryGuess | None:
        """Return the node the path confidently means, or ``None`` (leave it to a person)."""
        found = self.candidates(path, limit=3)
        return found[0] if found and found[0].confident else None


def _matches(word: Word, stems: frozenset[str]) -> set[str] | None:
    """Return the node stems a word covers (every alternative of it found whole), or ``None``."""
    if word is None:
        return None
    covered: set[str] = set()
    for alternative in word:
        if alternative and all(stem in stems for stem in alternative):
            covered.update(alternative)
    return covered or None


def _similarity(words: list[Word], context: list[Word], stems: frozenset[str]) -> float:
    """Return the F1 of the leaf's words found in the node's name and the node's words covered.

    A node word may also be covered by a parent category's word: "Вила" under "Сад" covers
    both words of "Gardening Forks".
    """
    if not words or not stems:
        return 0.0
    covered: set[str] = set()
    found = 0
    for word in words:
        alternative = _matches(word, stems)
        if alternative is not None:
            found += 1
            covered.update(alternative)
    if not found:
        return 0.0
    from_context: set[str] = set()
    for word in context:
        alternative = _matches(word, stems)
        if alternative is not None:
            from_context.update(alternative)
    recall = found / len(words)
    # A word only the parents name counts half: the leaf itself says more.
    precision = (len(covered) + CONTEXT_COVER * len(from_context - covered)) / len(stems)
    return 2 * recall * precision / (recall + precision)


def _context(parents: list[list[Word]], stems: frozenset[str]) -> float:
    """Return how well the parent categories (nearest first) agree with a node's path; the nearest counts most."""
    if not parents:
        return 0.0
    if len(parents) == 1:
        return _coverage(parents[0], stems)
    rest = [w for words in parents[1:] for w in words]
    return NEAREST_PARENT_WEIGHT * _coverage(parents[0], stems) + (1 - NEAREST_PARENT_WEIGHT) * _coverage(rest, stems)


def _coverage(words: list[Word], stems: frozenset[str]) -> float:
    known = [w for w in words if w is not None]
    if not known:
        return 0.0
    return sum(1 for w in known if _matches(w, stems) is not None) / len(known)
