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

from whoosh.support.levenshtein import damerau_levenshtein

__all__ = ["CROSS_LANGUAGE_MAX_DISTANCE", "crosses_language", "same_word_across_languages", "script_of"]

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
