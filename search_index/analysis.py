"""Text analysis for the offer index: one analyzer for Russian, Ukrainian and English.

Whoosh pickles analyzers into the index's TOC, so every class here must stay importable
under this exact module path (``search_index.analysis``). Renaming or moving a class makes
existing indexes unreadable; add new classes instead and rebuild.

The pipeline is tokenise -> lower-case -> drop a few function words -> stem by script:

* Cyrillic tokens, Russian and Ukrainian alike, take one route: Ukrainian letters are
  folded onto their nearest Russian keyboard equivalents (so buyers typing on a Russian
  layout still match), then the Russian Snowball stemmer runs, then a few rules Snowball
  lacks: the relational suffix -ов/-ев goes ("газов" -> "газ"), a Ukrainian closed-syllable
  і goes back to о ("набір" -> "набор") and a fleeting е/о drops ("котел" -> "котл").
  One route for every form matters: "газовий" has no і and "газові" has one, and two
  stemmers would give them two stems.
* Latin tokens go to the English (Porter2) Snowball stemmer, with a few irregular plurals
  ("knives" -> "knife") that Porter2 does not know; a British spelling's stem is then folded
  onto the American one ("tyres" -> "tire", as "tires"), see ``search_index.vocabulary``.
* Tokens containing a digit are model codes, sizes or voltages and are never stemmed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    SpaceSeparatedTokenizer,
    StopFilter,
    Token,
)
from whoosh.lang import stemmer_for_language

from search_index.vocabulary import EN_SPELLING_VARIANTS

__all__ = [
    "ANALYSIS_VERSION",
    "CODES_VERSION",
    "CODE_CHARS_RE",
    "STOP_WORDS",
    "TOKEN_PATTERN",
    "CodesVersionFilter",
    "ScriptStemFilter",
    "analyze",
    "code_variants",
    "codes_analyzer",
    "normalize_code",
    "offer_analyzer",
    "part_number_terms",
    "spelling_words",
    "stem_token",
]

#: A word, possibly with inner apostrophes (Ukrainian "м'ясо", English "o'clock"), or a
#: number with a decimal point or comma kept whole ("1.24F", "1,5"): "24f" is another model
#: than "1.24F", and "5" should not match "1.5 л".
TOKEN_PATTERN = r"\w+(?:['\u2019\u02bc]\w+|(?<=\d)[.,](?=\d)\w+)*"  # noqa: S105  (a regex, not a secret)

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
_VOWELS = frozenset("аеёиоуыэюяіїєaeiouy")
_FLEETING = frozenset("ео")

# Fold Ukrainian-only letters before stemming, onto what the same sound is typed as on a
# Russian layout ("ціна" typed as "цина"). і->и merges a few rare pairs (бік/бик) but lets
# the most common keyboard substitution match; є->е and ґ->г are near-universal spellings.
# Folding first sends every Cyrillic word down one route, so all forms of a Ukrainian word
# get one stem whether or not a given form happens to contain і/ї/є ("газовий"/"газові").
_UK_FOLD = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г"})

#: Relational-adjective suffixes -ов-/-ев- left by Snowball ("газов", "сталев"). Dropping
#: them gives the adjective the stem of its noun, and the Ukrainian dative "котлові" (which
#: Snowball only strips to "котлов") the stem of "котел".
_RELATIONAL_SUFFIXES = ("ов", "ев")
_CONSONANTS = frozenset("бвгджзйклмнпрстфхцчшщ")

#: Bumped whenever :func:`stem_token` gives different terms for the same text: an index
#: whose analyzer carries an older version must be rebuilt (``schema.outdated_fields``).
ANALYSIS_VERSION = 3
#: Bumped whenever an offer's ``codes`` terms change for the same document (what is indexed
#: as a code, or how): an index whose codes analyzer carries an older version is rebuilt.
#: 2: the supplier's own offer id, where it looks like a part number.
CODES_VERSION = 2

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

_russian_stem: Callable[[str], str] = stemmer_for_language("ru")
_english_stem: Callable[[str], str] = stemmer_for_language("en")

#: British stem -> American stem: the same word spelt two ways gets one term.
_EN_VARIANT_STEMS = {
    _english_stem(british): _english_stem(american)
    for british, american in EN_SPELLING_VARIANTS
    if _english_stem(british) != _english_stem(american)
}

# Whoosh's Russian stemmer transliterates to Latin internally, and "ц" becomes "t^s", so
# a word ending in "ць"/"ця" looks like the reflexive "сь"/"ся" and comes back as "ножит^".
# Cyrillic-only tokens never contain digits, so a digit is a safe stand-in.
_TSE_STANDIN = "9"
_DECIMAL_COMMA_RE = re.compile(r"(?<=\d),(?=\d)")


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


def _russian_stem_safe(word: str) -> str:
    return _russian_stem(word.replace("ц", _TSE_STANDIN)).replace(_TSE_STANDIN, "ц")


def _drop_relational_suffix(stem: str) -> str:
    """Drop a final -ов/-ев when a stem of three letters with a vowel remains ("газов" -> "газ")."""
    for suffix in _RELATIONAL_SUFFIXES:
        if stem.endswith(suffix):
            rest = stem[: -len(suffix)]
            if len(rest) >= 3 and _has_vowel(rest) and rest[-1] in _CONSONANTS:
                return rest
    return stem


def _undo_ikavism(stem: str, i_positions: frozenset[int]) -> str:
    """Turn a closed-syllable і back into о: "набір" -> "набор", like "набору", "наборів".

    Ukrainian writes о (or е) as і in a closed final syllable. Only when the і (already
    folded to и) is the stem's last vowel, followed by exactly one consonant, and another
    vowel precedes it: one-syllable stems ("цін", "ліс") keep и, so "ціна" typed as "цина"
    still matches.
    """
    if len(stem) < 4 or stem[-1] not in _CONSONANTS or (len(stem) - 2) not in i_positions:
        return stem
    if not _has_vowel(stem[:-2]):
        return stem
    return stem[:-2] + "о" + stem[-1]


def _cyrillic_stem(word: str) -> str:
    """Stem a Russian or Ukrainian word; every form of either language takes one route."""
    i_positions = frozenset(position for position, ch in enumerate(word) if ch == "і")
    folded = word.translate(_UK_FOLD)
    if word.endswith("ї") and folded.endswith("ои"):
        # Ukrainian feminine genitive "-ої" is the Russian "-ой" ("газової" ~ "газовой").
        folded = folded[:-1] + "й"
    stem = _russian_stem_safe(folded)
    stem = _drop_relational_suffix(stem)
    stem = _undo_ikavism(stem, i_positions)
    return _drop_fleeting_vowel(stem)


@lru_cache(maxsize=200_000)
def stem_token(text: str) -> str:
    """Return the index term for one lower-cased token, routed by its script."""
    text = text.translate(_APOSTROPHES).replace("ё", "е")
    if not text:
        return text
    if any(ch.isdigit() for ch in text):
        # "1,5" and "1.5" are one size, whichever decimal mark the feed uses.
        return _DECIMAL_COMMA_RE.sub(".", text)
    if _CYRILLIC_RE.match(text):
        return _cyrillic_stem(text)
    if _LATIN_RE.match(text):
        stem = _english_stem(_EN_IRREGULAR.get(text, text))
        return _EN_VARIANT_STEMS.get(stem, stem)
    # Mixed scripts (often a Latin look-alike letter inside a Russian word): leave as is.
    return text


class ScriptStemFilter(Filter):
    """Stem every token with the stemmer for its script (see :func:`stem_token`)."""

    is_morph = True
    #: The :data:`ANALYSIS_VERSION` the filter was built with. Filters pickled into indexes
    #: built before versions existed have no attribute and read this class default.
    version = 1

    def __init__(self, version: int = ANALYSIS_VERSION) -> None:
        self.version = version

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "version", 1) == self.version

    def __hash__(self) -> int:
        return hash((type(self), self.version))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped:
                token.text = stem_token(token.text)
            yield token


class CodesVersionFilter(Filter):
    """Pass code terms through unchanged; carry the :data:`CODES_VERSION` they were made with.

    The ``codes`` field is written already normalised (``schema.document_fields``), so its
    analyzer only splits and lower-cases. This filter makes a change of what goes into it
    visible to ``schema.outdated_fields``, as ScriptStemFilter's version does for words.
    """

    #: Indexes written before the filter existed have none; they compare unequal anyway.
    version = 1

    def __init__(self, version: int = CODES_VERSION) -> None:
        self.version = version

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "version", 1) == self.version

    def __hash__(self) -> int:
        return hash((type(self), self.version))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        return iter(tokens)


def codes_analyzer() -> Analyzer:
    """Build the analyzer of the ``codes`` field: space-separated terms, lower-cased."""
    return SpaceSeparatedTokenizer() | LowercaseFilter() | CodesVersionFilter()


def offer_analyzer() -> Analyzer:
    """Build the analyzer used by every full-text field of the offer index."""
    return (
        RegexTokenizer(expression=TOKEN_PATTERN)
        | LowercaseFilter()
        # minsize=1 keeps single digits and letters ("5 л", size "S").
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | ScriptStemFilter()
    )


_TOKEN_RE = re.compile(TOKEN_PATTERN)


def spelling_words(text: str) -> list[str]:
    """Return the words of ``text`` as did-you-mean and autocomplete know them: lower-cased, unstemmed.

    What :func:`offer_analyzer` yields without its stemming filter (what Whoosh keeps in a
    ``spelling=True`` field), so both engines correct and complete from the same vocabulary.
    The same steps as the analyzer's, without a Token object per word: tokenise, lower-case,
    drop stop words (``test_search_analysis`` holds the two to the same output).
    """
    return [word for word in (match.lower() for match in _TOKEN_RE.findall(text)) if word not in STOP_WORDS]


def analyze(text: str) -> list[str]:
    """Return the index terms for ``text``, as :func:`offer_analyzer` (the full-text fields) would store them.

    Queries analyse a few words, the PostgreSQL engine every document's text: both without
    Whoosh's Token objects, about four times faster, to the same terms.
    """
    return [stem_token(word) for word in spelling_words(text)]


def normalize_code(text: str) -> str:
    """Reduce a model code to lower-case letters and digits: "GD-4186F" -> "gd4186f"."""
    return CODE_CHARS_RE.sub("", text.lower().replace("ё", "е"))


_LETTER_DIGIT_RE = re.compile(r"[^\W\d_]+|\d+")
_DECIMAL_MARK_RE = re.compile(r"(?<=\d)[.,](?=\d)")
#: Codes with more letter/digit runs than this get no joins of runs (they would be many).
_MAX_RUNS = 6


def code_variants(code: str) -> set[str]:
    """Return the terms under which one code is findable in the ``codes`` field.

    The whole normalised code matches however the buyer punctuates it ("GD 4186F",
    "gd-4186f"). So does each space-separated word ("12-40" of "ZX 12-40"), each part
    between punctuation ("gd", "4186f"), and each run of adjacent letter/digit groups of a
    part ("4186f" and "gd4186" of "GD4186F"), for a buyer who types only a piece. A decimal
    mark between digits does not separate: "1.24F" is not findable as "24f".
    """
    text = _DECIMAL_MARK_RE.sub("", code.lower().replace("ё", "е"))
    variants: set[str] = set()
    whole = normalize_code(text)
    if whole:
        variants.add(whole)
    for word in text.split():
        normalized = normalize_code(word)
        if len(normalized) >= 2:
            variants.add(normalized)
    for part in CODE_CHARS_RE.split(text):
        if len(part) < 2:
            continue
        variants.add(part)
        runs = _LETTER_DIGIT_RE.findall(part)
        if 1 < len(runs) <= _MAX_RUNS:
            for start in range(len(runs)):
                for stop in range(start + 1, len(runs) + 1):
                    joined = "".join(runs[start:stop])
                    if len(joined) >= 2:
                        variants.add(joined)
    return variants


#: A supplier's own id shorter than this is no part number worth a term of its own: "A12",
#: "SKU1" and the like collide with sizes and model names of unrelated offers.
_PART_NUMBER_MIN = 5
#: Longer ids are generated keys (1C's 32-hex-digit GUIDs, URL slugs), which nobody types.
_PART_NUMBER_MAX = 20


def _looks_like_part_number(code: str) -> bool:
    """Say whether a normalised code mixes letters and digits within the length of a part number."""
    return _PART_NUMBER_MIN <= len(code) <= _PART_NUMBER_MAX and any(ch.isdigit() for ch in code) and not code.isdigit()


def part_number_terms(sku: str) -> set[str]:
    """Return the ``codes`` terms of a supplier's own offer id, where it looks like a part number.

    For auto parts and consumables the offer id is often the part number itself
    ("68377850AA", "CE278A-XL"), and the part number is what buyers type, in any
    punctuation: the whole id, normalised, is the term ("68377850-AA", "6837 7850aa"
    find it). So is each piece between punctuation that looks like a part number itself
    ("ce278a" of "CE278A-XL").

    The id must mix letters and digits and have 5 to 20 letters and digits. Digits only
    are row numbers as most shops' exports write them (Prom's "110904206", 1C's codes):
    indexing them would add a unique term per offer that no buyer types, and make a
    number typed for another reason (an article in a title, a size) find unrelated
    offers whose row number it happens to be. A supplier whose numeric id is a real
    article number writes it in the title or vendorCode too, where it is found already.
    Letters only are words or slugs, which the title covers.
    """
    whole = normalize_code(sku)
    if not _looks_like_part_number(whole):
        return set()
    parts = CODE_CHARS_RE.split(sku.lower().replace("ё", "е"))
    return {whole, *(part for part in parts if _looks_like_part_number(part))}
