"""What a spelling correction may change: the script and the language of a word stay as typed.

"Did you mean" picks the nearest word of the index's vocabulary, and in a catalogue with
titles in Ukrainian, Russian and English the nearest word is often another language's:
"резина" (Russian, rubber) is two letters from "рідина" (Ukrainian, liquid). A buyer who typed
a word in one language wants goods, not a look-alike word of another language. So:

* a candidate must be written in the typed word's script, Cyrillic or Latin;
* a candidate that brings in letters only Ukrainian has (і ї є ґ) into a word without them,
  or letters only Russian has (ы э ъ), moves to the other language. It ranks after every
  candidate that stays, it must be the same word in the other language (one edit apart
  once those letters are folded onto their counterparts: "ножницы" ~ "ножиці", not
  "резина" ~ "рідина"), and it is used only when the buyer's own words find nothing at all
  (``reading.Snapshot.search``).

A word that matches something is never corrected at all (``reading.Snapshot._known``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from whoosh.support.levenshtein import damerau_levenshtein

__all__ = [
    "CROSS_LANGUAGE_MAX_DISTANCE",
    "Correction",
    "best_correction",
    "corrected_text",
    "correction_distance",
    "crosses_language",
    "plausible_corrections",
    "same_word_across_languages",
    "script_of",
]

_CYRILLIC_RE = re.compile(r"^[\u0400-\u04ff]+$")
_LATIN_RE = re.compile(r"^[a-z\u00df-\u024f]+$")
#: Letters of one of the two languages only. Ukrainian writes і/ї/є/ґ where Russian writes
#: и/ы/е/г; Russian writes ы/э/ъ, which Ukrainian has not. ё is left out: Russian writes it
#: optionally (and the analyzer folds it onto е).
_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэъ")
#: Each language-only letter onto the letter the other language writes for the same sound.
_FOLD = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "ы": "и", "э": "е", "ъ": None, "ё": "е"})
#: How far apart a word and its counterpart in the other language may be, once folded.
CROSS_LANGUAGE_MAX_DISTANCE = 1


def script_of(word: str) -> str | None:
    """Return "cyrillic" or "latin" for a lower-case word of one script, else None."""
    if _CYRILLIC_RE.match(word):
        return "cyrillic"
    if _LATIN_RE.match(word):
        return "latin"
    return None


def crosses_language(word: str, candidate: str) -> bool:
    """Say whether ``candidate`` brings in letters of only one language that ``word`` lacks.

    "ножницы" -> "ножиці" does (і); "чайнек" -> "чайник" does not.
    """
    brought = set(candidate.replace("ё", "е")) - set(word.replace("ё", "е"))
    return bool(brought & _UKRAINIAN_ONLY) or bool(brought & _RUSSIAN_ONLY)


def same_word_across_languages(word: str, candidate: str) -> bool:
    """Say whether ``candidate`` may be ``word`` in the other language: near once folded."""
    distance: int = damerau_levenshtein(word.translate(_FOLD), candidate.translate(_FOLD))
    return distance <= CROSS_LANGUAGE_MAX_DISTANCE


@dataclass(frozen=True, slots=True, order=True)
class Correction:
    """A known word that may replace a misspelt one; the smallest is the best (see ``best_correction``)."""

    #: It moves to the other language: ranks after every one that stays.
    crossing: bool
    #: Edits from the typed word (Damerau-Levenshtein).
    distance: int
    #: Minus the number of offers with it: the more common word of two equally near.
    rarity: int
    word: str


def correction_distance(word: str) -> int | None:
    """Return how many edits a correction of lower-case ``word`` may make, or None: not corrected at all.

    Words shorter than three letters, with digits or of mixed scripts are left as typed.
    """
    if len(word) < 3 or not word.isalpha() or script_of(word) is None:
        return None
    return 1 if len(word) <= 4 else 2


def plausible_corrections(word: str, candidates: Iterable[str], max_distance: int) -> list[tuple[str, bool, int]]:
    """Return the candidates that may replace ``word``, as (candidate, crossing, distance).

    A candidate must be of the word's script, within ``max_distance`` edits, and when it moves
    to the other language, the same word there (see the module docstring).
    """
    script = script_of(word)
    found = []
    for candidate in candidates:
        if candidate == word or script_of(candidate) != script:
            continue
        crossing = crosses_language(word, candidate)
        if crossing and not same_word_across_languages(word, candidate):
            continue  # a look-alike of another language: "резина" is not "рідина"
        distance: int = damerau_levenshtein(word, candidate)
        if distance <= max_distance:
            found.append((candidate, crossing, distance))
    return found


def best_correction(
    options: Iterable[tuple[str, bool, int]], frequency: Callable[[str], int]
) -> tuple[str, bool] | None:
    """Return the best of ``plausible_corrections`` and whether it crosses languages, or None.

    A candidate of the typed word's language beats any of the other, whatever their distances;
    then the nearer, then the more frequent. A candidate no offer has (``frequency`` 0) is none.
    """
    ranked = []
    for candidate, crossing, distance in options:
        count = frequency(candidate)
        if count > 0:
            ranked.append(Correction(crossing, distance, -count, candidate))
    if not ranked:
        return None
    best = min(ranked)
    return best.word, best.crossing


def corrected_text(
    typed: Sequence[str], known: Callable[[int], bool], correct: Callable[[str], tuple[str, bool] | None]
) -> tuple[str | None, bool]:
    """Return the text with each word found in no offer replaced by its nearest known word.

    ``typed`` are the clauses as typed; ``known(i)`` says whether clause ``i`` matches something
    (such a word is never replaced), ``correct(word)`` gives ``best_correction`` of a word. The
    flag says whether some replacement is of another language than the word typed.
    """
    changed = crossing = False
    words: list[str] = []
    for position, word in enumerate(typed):
        replacement = None if known(position) else correct(word)
        if replacement is not None:
            changed = True
            crossing = crossing or replacement[1]
        words.append(replacement[0] if replacement else word)
    return (" ".join(words) if changed else None), crossing
