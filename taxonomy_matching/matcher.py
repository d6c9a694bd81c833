"""The taxonomy name matcher: which category of the tree a supplier's category path probably means.

It reads a supplier category's name word by word (Ukrainian and Russian through the glossary,
``names``), scores the tree's nodes by how well their names and their ancestors' names cover
those words, and answers only when one node wins clearly; otherwise a person decides.

Given the tree's own Ukrainian and Russian paths (Google's editions), it also compares a
supplier's Cyrillic words with those names directly, so a word the glossary lacks still finds
its node, and takes the better of the two readings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from taxonomy_matching.names import Word, english, native_name, native_words, words

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
#: What a translated name's purpose words ("для транспортних засобів") weigh against the words
#: naming the thing: a supplier's bare "Шини" names "Шини для транспортних засобів" well.
PURPOSE_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class CategoryGuess:
    """A marketplace category a supplier category probably means."""

    category_id: int
    path: str
    #: Leaf similarity plus context, for ranking; above ``NAME_THRESHOLD`` means "confident".
    score: float
    confident: bool


@dataclass(frozen=True, slots=True)
class _Translated:
    """A node's name in one other language, as light stems."""

    #: The words naming the thing, and those after "для" narrowing it.
    head: frozenset[str]
    purpose: frozenset[str]
    #: Every word of the node's ancestors in that language.
    ancestors: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Node:
    id: int
    path: str
    depth: int
    leaf: frozenset[str]
    ancestors: frozenset[str]
    ancestor_ids: tuple[int, ...]
    translated: tuple[_Translated, ...] = ()


class TaxonomyMatcher:
    """Guess the marketplace category of a supplier category path by name similarity."""

    def __init__(
        self,
        rows: Iterable[tuple[int, int | None, str, str, int]],
        translations: Mapping[int, Sequence[str]] | None = None,
    ) -> None:
        """Build from ``(id, parent_id, name, path, depth)`` rows of the category tree.

        ``translations`` maps a node's id to its paths in other languages ("Дім і сад > Сад",
        Google's Ukrainian and Russian editions); nodes without one are read in English only.
        """
        rows = list(rows)
        translations = translations or {}
        parent = {row[0]: row[1] for row in rows}
        self.nodes: dict[int, _Node] = {}
        self._by_stem: dict[str, list[int]] = defaultdict(list)
        #: The nodes whose translated names hold a stem.
        self._by_native: dict[str, list[int]] = defaultdict(list)
        ancestors_of: dict[str, frozenset[str]] = {}
        for category_id, _parent_id, name, path, depth in rows:
            ancestor_ids = []
            node_id = parent.get(category_id)
            while node_id is not None and node_id not in ancestor_ids:
                ancestor_ids.append(node_id)
                node_id = parent.get(node_id)
            leaf = frozenset(english(name))
            upper = path.rsplit(" > ", 1)[0] if " > " in path else ""
            translated = tuple(_translated(other, ancestors_of) for other in translations.get(category_id, ()) if other)
            self.nodes[category_id] = _Node(
                category_id, path, depth, leaf, frozenset(english(upper)), tuple(ancestor_ids), translated
            )
            for stem in leaf:
                self._by_stem[stem].append(category_id)
            for stem in {stem for t in translated for stem in t.head | t.purpose}:
                self._by_native[stem].append(category_id)
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
        read_whole = len(known) == len(leaf_words)
        native_leaf = native_words(names[-1])
        native_parents = [native_words(name) for name in reversed(names[:-1])]
        candidate_ids = {cid for word in known for alt in word for stem in alt for cid in self._by_stem.get(stem, ())}
        candidate_ids.update(cid for stem in native_leaf for cid in self._by_native.get(stem, ()))
        if not candidate_ids:
            return []
        scored = []
        for category_id in candidate_ids:
            node = self.nodes[category_id]
            leaf = _similarity(leaf_words, context_words, node.leaf) if known else 0.0
            context = _context(parents, node.ancestors | node.leaf)
            # Google's translations have slips ("Кухонні ваги", kitchen scales, for Baking
            # Weights): where the glossary reads every word, a translated name only
            # strengthens a node the English reading agrees with.
            if leaf <= 0 and read_whole:
                continue
            for translated in node.translated:
                native = _native_similarity(native_leaf, native_parents, translated)
                if native > leaf:
                    leaf = native
                    context = max(context, _native_context(native_parents, translated))
            if leaf <= 0:
                continue
            scored.append((leaf + CONTEXT_WEIGHT * context, leaf, node))
        # Among equals, the node whose branch the name fits throughout: a bare "Шини" fits
        # "Шини для транспортних засобів" and its three kinds of tyres, not "Шини для газонокосарок" alone.
        leaf_of = {node.id: leaf for _score, leaf, node in scored}
        family: dict[int, int] = defaultdict(int)
        for _score, leaf, node in scored:
            for ancestor_id in node.ancestor_ids:
                if ancestor_id in leaf_of and leaf >= leaf_of[ancestor_id]:
                    family[ancestor_id] += 1
        scored.sort(key=lambda item: (-item[0], -family[item[2].id], item[2].depth, item[2].id))
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


def _translated(path: str, ancestors_of: dict[str, frozenset[str]]) -> _Translated:
    """Read a translated path; ``ancestors_of`` caches the stems above each level, which siblings share."""
    upper, _sep, leaf = path.rpartition(" > ")
    ancestors = ancestors_of.get(upper)
    if ancestors is None:
        levels = upper.split(" > ") if upper else []
        ancestors = frozenset(stem for name in levels for stem in native_words(name))
        ancestors_of[upper] = ancestors
    head, purpose = native_name(leaf)
    return _Translated(frozenset(head), frozenset(purpose), ancestors)


def _meets(word: str, stems: frozenset[str]) -> set[str]:
    """Return the stems of a translated name that a supplier's word is one of."""
    return {word} if word in stems else set()


def _native_similarity(leaf: Sequence[str], parents: Sequence[Sequence[str]], name: _Translated) -> float:
    """Return the F1 of a supplier's words found in a translated name, purpose words weighing less.

    As in :func:`_similarity`, a name's word that only a parent category names counts half.
    """
    if not leaf or not name.head:
        return 0.0
    stems = name.head | name.purpose
    covered: set[str] = set()
    found = 0
    for word in leaf:
        met = _meets(word, stems)
        if met:
            found += 1
            covered |= met
    if not found:
        return 0.0
    from_context = {stem for words in parents for word in words for stem in _meets(word, stems)} - covered

    def weight(stem: str) -> float:
        return 1.0 if stem in name.head else PURPOSE_WEIGHT

    recall = found / len(leaf)
    total = sum(weight(stem) for stem in stems)
    precision = (sum(weight(s) for s in covered) + CONTEXT_COVER * sum(weight(s) for s in from_context)) / total
    return 2 * recall * precision / (recall + precision)


def _native_context(parents: Sequence[Sequence[str]], name: _Translated) -> float:
    """Return how well the parent categories (nearest first) agree with a translated path."""
    if not parents:
        return 0.0
    stems = name.ancestors | name.head | name.purpose

    def coverage(words: Sequence[str]) -> float:
        return sum(1 for word in words if _meets(word, stems)) / len(words) if words else 0.0

    if len(parents) == 1:
        return coverage(parents[0])
    rest = [word for words in parents[1:] for word in words]
    return NEAREST_PARENT_WEIGHT * coverage(parents[0]) + (1 - NEAREST_PARENT_WEIGHT) * coverage(rest)
