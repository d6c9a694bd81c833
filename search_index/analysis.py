"""Text analysis for the offer index: one analyzer for Russian, Ukrainian and English.

Whoosh pickles analyzers into the index's TOC, so every class here must stay importable
under this exact module path (``search_index.analysis``). Renaming or moving a class makes
existing indexes unreadable; add new classes instead and rebuild.

The pipeline is tokenise -> lower-case -> drop a few function words -> stem by script:

* Cyrillic tokens go to the Russian Snowball stemmer, or to a small Ukrainian suffix
  stripper when the token contains a letter only Ukrainian has (і ї є ґ). Both routes then
  drop a fleeting е/о ("котел"/"котла" -> "котл") and fold Ukrainian letters onto their
  nearest Russian keyboard equivalents, so buyers typing on a Russian layout still match.
* Latin tokens go to the English (Porter2) Snowball stemmer, with a few irregular plurals
  ("knives" -> "knife") that Porter2 does not know.
* Tokens containing a digit are model codes, sizes or voltages and are never stemmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.lang import stemmer_for_language

__all__ = [
    "CODE_CHARS_RE",
    "STOP_WORDS",
    "TOKEN_PATTERN",
    "ScriptStemFilter",
    "analyze",
    "code_variants",
    "normalize_code",
    "offer_analyzer",
    "stem_token",
]

#: A word, possibly with inner apostrophes (Ukrainian "м'ясо", English "o'clock").
TOKEN_PATTERN = r"\w+(?:['\u2019\u02bc]\w+)*"  # noqa: S105  (a regex, not a secret)

#: Everything that is not a letter or digit; stripped from model codes.
CODE_CHARS_RE = re.compile(r"[\W_]+")

_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc")

#: Function words in Russian, Ukrainian and English. Kept deliberately short: with AND
#: queries a stop word the title lacks ("чехол для iPhone") would otherwise sink a match.
STOP_WORDS = frozenset(
    (
        # Russian
        *("и", "в", "во", "на", "с", "со", "для", "по", "из", "от", "до", "к", "ко"),
        *("за", "или", "а", "но", "о", "об", "при", "под", "над", "без", "у"),
        # Ukrainian
        *("і", "й", "та", "з", "із", "зі", "від", "або", "чи", "під"),
        # English
        *("a", "an", "the", "and", "or", "of", "for", "with", "to", "in", "on", "by"),
        *("at", "from"),
    )
)

_CYRILLIC_RE = re.compile(r"^[\u0400-\u04ff]+$")
_LATIN_RE = re.compile(r"^[a-z\u00df-\u024f]+$")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_VOWELS = frozenset("аеёиоуыэюяіїєaeiouy")
_FLEETING = frozenset("ео")

# Ukrainian inflectional endings, longest first. Only endings whose removal cannot eat a
# stem of a common catalogue word are listed; derivational suffixes are left alone, as
# Snowball does for Russian.
_UK_ENDINGS = tuple(
    sorted(
        (
            *("ього", "ьому", "ами", "ями", "ові", "еві", "єві", "ого", "ому", "ими"),
            *("іми", "ів", "їв", "ам", "ям", "ах", "ях", "ою", "ею", "єю", "ом", "ем"),
            *("ій", "ий", "ої", "их", "ім", "им", "іх", "ую", "юю"),
            *("і", "ї", "а", "я", "у", "ю", "о", "е", "є", "и", "ь"),
        ),
        key=len,
        reverse=True,
    )
)

# Fold Ukrainian-only letters after stemming, onto what the same sound is typed as on a
# Russian layout ("ціна" typed as "цина"). і->и merges a few rare pairs (бік/бик) but lets
# the most common keyboard substitution match; є->е and ґ->г are near-universal spellings.
_UK_FOLD = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г"})

# Porter2 does not know f/v plurals and a handful of irregulars shoppers actually type.
_EN_IRREGULAR = {
    "knives": "knife",
    "wives": "wife",
    "lives": "life",
    "leaves": "leaf",
    "shelves": "shelf",
    "halves": "half",
    "loaves": "loaf",
    "thieves": "thief",
    "scarves": "scarf",
    "wolves": "wolf",
    "calves": "calf",
    "hooves": "hoof",
    "mice": "mouse",
    "teeth": "tooth",
    "feet": "foot",
    "geese": "goose",
    "men": "man",
    "women": "woman",
    "children": "child",
}

_russian_stem = stemmer_for_language("ru")
_english_stem = stemmer_for_language("en")

# Whoosh's Russian stemmer transliterates to Latin internally, and "ц" becomes "t^s", so
# a word ending in "ць"/"ця" looks like the reflexive "сь"/"ся" and comes back as "ножит^".
# Cyrillic-only tokens never contain digits, so a digit is a safe stand-in.
_TSE_STANDIN = "9"


def _drop_fleeting_vowel(stem: str) -> str:
    """Drop a final consonant-е/о-consonant vowel, so "котел" and "котла" share a stem."""
    if len(stem) < 4:
        return stem
    c1, v, c2 = stem[-3], stem[-2], stem[-1]
    if v not in _FLEETING or c1 in _VOWELS or c2 in _VOWELS or c2 in "йь":
        return stem
    shorter = stem[:-2] + c2
    # Without another vowel the "stem" would be a bare consonant cluster ("сок" -> "ск").
    if not any(ch in _VOWELS for ch in shorter):
        return stem
    return shorter


def _has_vowel(text: str) -> bool:
    return any(ch in _VOWELS for ch in text)


def _ukrainian_stem(word: str) -> str:
    """Strip one Ukrainian inflectional ending, keeping at least a two-letter stem."""
    for ending in _UK_ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            if len(stem) >= 2 and _has_vowel(stem):
                return stem
    return word


def _russian_stem_safe(word: str) -> str:
    return _russian_stem(word.replace("ц", _TSE_STANDIN)).replace(_TSE_STANDIN, "ц")


@lru_cache(maxsize=200_000)
def stem_token(text: str) -> str:
    """Return the index term for one lower-cased token, routed by its script."""
    text = text.translate(_APOSTROPHES).replace("ё", "е")
    if not text or any(ch.isdigit() for ch in text):
        return text
    if _CYRILLIC_RE.match(text):
        if _UKRAINIAN_LETTERS.intersection(text):
            stem = _ukrainian_stem(text).translate(_UK_FOLD)
        else:
            stem = _russian_stem_safe(text)
        return _drop_fleeting_vowel(stem)
    if _LATIN_RE.match(text):
        return _english_stem(_EN_IRREGULAR.get(text, text))
    # Mixed scripts (often a Latin look-alike letter inside a Russian word): leave as is.
    return text


class ScriptStemFilter(Filter):
    """Stem every token with the stemmer for its script (see :func:`stem_token`)."""

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped:
                token.text = stem_token(token.text)
            yield token


def offer_analyzer() -> Analyzer:
    """Build the analyzer used by every full-text field of the offer index."""
    return (
        RegexTokenizer(expression=TOKEN_PATTERN)
        | LowercaseFilter()
        # minsize=1 keeps single digits and letters ("5 л", size "S").
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | ScriptStemFilter()
    )


_QUERY_ANALYZER = offer_analyzer()


def analyze(text: str) -> list[str]:
    """Return the index terms for ``text``, as the full-text fields would store them."""
    return [token.text for token in _QUERY_ANALYZER(text, mode="query")]


def normalize_code(text: str) -> str:
    """Reduce a model code to lower-case letters and digits: "GD-4186F" -> "gd4186f"."""
    return CODE_CHARS_RE.sub("", text.lower().replace("ё", "е"))


_LETTER_DIGIT_RE = re.compile(r"[^\W\d_]+|\d+")


def code_variants(code: str) -> set[str]:
    """Return the terms under which one code is findable in the ``codes`` field.

    The whole normalised code matches however the buyer punctuates it; its separated parts
    and letter/digit runs ("gd", "4186f", "4186") match a buyer who types only a piece.
    """
    variants: set[str] = set()
    whole = normalize_code(code)
    if whole:
        variants.add(whole)
    for part in CODE_CHARS_RE.split(code.lower().replace("ё", "е")):
        if len(part) >= 2:
            variants.add(part)
            runs = _LETTER_DIGIT_RE.findall(part)
            if len(runs) > 1:
                variants.update(run for run in runs if len(run) >= 2)
    return variants
