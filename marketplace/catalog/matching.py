"""Match offers that describe the same thing by their text: titles, brands and model codes.

The third grouping rule, after a valid GTIN and brand plus MPN (``grouping.py``). It knows
nothing of the database: it takes :class:`MatchText` records and returns the pairs of
groups (products) that should become one.

The method, in the order it runs:

1. **Normalise** every title: Unicode NFKC, case-folded, accents stripped, punctuation inside
   a token dropped, so that "AB-12C345", "ab 12c345"'s code and "AB12C345" meet.
2. **Model codes**: tokens mixing letters and digits ("SX10", "MB470LL/A"), long digit runs
   (part numbers) and adjacent upper-case code parts joined ("EOS 40D" -> "eos40d"); sizes
   and measures ("2.0", "500GB", "1080p") are not codes.
3. **Blocking**: only records that share a rare word or code are compared, so the work grows
   with the number of plausible pairs rather than with the square of the catalog.
4. **Scoring**: cosine of character n-gram TF-IDF vectors (robust to spelling and word
   order), plus the best model-code agreement (1 for the same code, a fraction for a code
   that extends the other, such as a colour suffix).
5. **One-to-one**: pairs are taken best first; a group may hold at most one offer of each
   source (supplier), so two offers of one supplier never meet through text. This "unique
   mapping" step is what keeps precision high: a record's best partner that is already taken
   by a better pair is not given a worse one.
6. **Conflicting measures** veto: two records whose titles both state a measure of one kind
   (tyre size, rim, length, inches, volume, weight, power, voltage, charge, storage, pieces;
   :data:`MEASURE_KINDS`) and share no value of it are never joined, nor are two groups any of
   whose offers conflict so. Siblings of a product line differ exactly there while their titles
   agree on brand, line and model name; a value only one title states is no conflict.
7. **Conflicting brands** veto: two records that both state a brand (the brand field, or a brand
   of the catalog their title starts with) are never joined when no stated brand agrees and
   neither title names the other's (:func:`offers_brands_conflict`): many tyres share
   "155/70 R13 75T" and a winter line name, and nothing else.

The measure veto applies to rule 2 (brand and code) as well, not to rule 1. A valid GTIN names one
trade item, so a title that disagrees with it is a typo. A brand and code pair does not: feeds
often send a code that the sizes of one line share (a model code such as "SM-A546B" for every
memory size of a phone, or a tyre pattern's code for every size), so a code match whose titles
state conflicting measures is most likely another variant, and precision comes first
(``grouping.ProductMatcher.product_for``).

Precision comes first: a wrong merge shows buyers someone else's price. The threshold asks
for half of the text to agree when no code agrees, and for some text agreement even when
codes do. Below it, a pair whose text agrees by a third still joins when each of its two
records prefers the other clearly over every other product it was compared with (a mutual
best with a margin): a lone clear winner is a twin, a crowd of near-equal ones is a family of
variants or nothing at all. Codes come from the title and the code fields, or from the
description when those name none.

scikit-learn and SciPy are imported inside the functions that need them: the web process
never pays for them.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

#: Characters that separate tokens; anything else that is not a letter or digit is dropped
#: inside a token, so "MB470LL/A" and "KDL-40V4100" stay one code each.
_SPLIT = re.compile(r"[\s,;:()\[\]{}|+*\"'«»„“”!?]+")
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
#: A number with an optional short unit: a size or a measure, not a model ("500gb", "1080p", "12v").
_MEASURE = re.compile(r"\d+[^\W\d_]{0,3}")
#: A decimal number inside a raw token ("2.0", "5,6"): a measure, never part of a code.
_DECIMAL = re.compile(r"\d[.,]\d")
#: A dash surrounded by spaces separates a title from its trailing code: " - ".
_SPACED_DASH = re.compile(r"\s[-–—]\s")

#: Shortest code that can identify a model on its own ("H890" yes, "PS3" no).
MIN_CODE_LENGTH = 4
#: Codes are blocked on their first characters, so suffixes (colours, regions) still meet.
CODE_BLOCK_PREFIX = 5
#: Candidate pairs whose cosines are computed at once.
_COSINE_SLICE = 20_000
#: Pure digit runs this long are part numbers ("23292"); shorter ones are counts or sizes.
MIN_DIGIT_CODE_LENGTH = 5


def fold(text: str) -> str:
    """Return ``text`` in NFKC, case-folded, without combining accents (Cyrillic stays Cyrillic)."""
    if text.isascii():
        return text.lower()  # the same, for most model codes, without three passes over it
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", text)


def normalize_code(value: str) -> str:
    """Return a model code as lower-case letters and digits: "KDL-40V4100" -> "kdl40v4100"."""
    return _NOT_ALNUM.sub("", fold(value))


def tokens(text: str) -> list[str]:
    """Split ``text`` into normalised tokens, punctuation inside a token dropped."""
    out = []
    for raw in _SPLIT.split(_SPACED_DASH.sub(" ", text)):
        token = normalize_code(raw)
        if token:
            out.append(token)
    return out


def normalize_title(text: str) -> str:
    """Return the title as normalised tokens joined by single spaces."""
    return " ".join(tokens(text))


def is_code(token: str) -> bool:
    """Tell whether a normalised token looks like a model code: letters and digits mixed, or a long digit run."""
    if len(token) < MIN_CODE_LENGTH:
        return False
    if token.isdigit():
        return len(token) >= MIN_DIGIT_CODE_LENGTH
    return bool(_DIGIT.search(token)) and bool(_LETTER.search(token)) and not _MEASURE.fullmatch(token)


def _is_code_part(raw: str, token: str) -> bool:
    """Tell whether a raw token may be half of a code written with a space ("EOS 40D", "SX10 IS")."""
    if not token or _DECIMAL.search(raw) or token.isdigit() or len(token) > 8:
        return False
    if _MEASURE.fullmatch(token) and len(token) > 3:
        return False  # "500GB", "1080p": a size, though "40D" in "EOS 40D" is a model
    # Code parts are written in capitals or mix letters and digits; ordinary words are not.
    letters = [ch for ch in raw if ch.isalpha()]
    return bool(letters) and (all(ch.isupper() for ch in letters) or bool(_DIGIT.search(token)))


def extract_codes(text: str | None) -> set[str]:
    """Return the model codes a title or field mentions, normalised."""
    if not text:
        return set()
    raws = [r for r in _SPLIT.split(_SPACED_DASH.sub(" ", unicodedata.normalize("NFKC", text))) if r]
    letters = [ch for r in raws for ch in r if ch.isalpha()]
    # In a title written all in capitals, capitals say nothing about what is a code.
    shouting = bool(letters) and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)
    normalised = [normalize_code(r) for r in raws]
    codes = set()
    for i, (raw, token) in enumerate(zip(raws, normalised, strict=True)):
        if _DECIMAL.search(raw):
            continue
        if is_code(token):
            codes.add(token)
        if shouting or i + 1 == len(raws):
            continue
        nxt_raw, nxt = raws[i + 1], normalised[i + 1]
        joined = token + nxt
        if _is_code_part(raw, token) and _is_code_part(nxt_raw, nxt) and _DIGIT.search(joined) and is_code(joined):
            codes.add(joined)
    return codes


def code_similarity(a: str, b: str) -> float:
    """Return how far two normalised codes agree, from 0 to 1.

    1 for the same code; otherwise the share of the longer code that the shorter one covers,
    as a prefix ("nnsd377s" / "nnsd377ss": a colour or region suffix) or inside it
    ("23292" / "av23292"). The shared part must itself look like a code.
    """
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    best = 0.0
    if short in long_ and is_code(short):
        best = len(short) / len(long_)
    common = 0
    for x, y in zip(short, long_, strict=False):
        if x != y:
            break
        common += 1
    if common and is_code(short[:common]):
        best = max(best, common / len(long_))
    return best


def best_code_similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Return the best :func:`code_similarity` over two sets of codes (0 if either is empty)."""
    b = list(b)
    return max((code_similarity(x, y) for x in a for y in b), default=0.0)


# --- Conflicting measures ------------------------------------------------------------------
#
# Two listings of one product may word it differently, but they do not disagree about its size:
# a 28 cm pan is never a 26 cm pan, a 185/65 R15 tyre never a 185/65 R14 one, a 32GB card never
# a 64GB one. Sizes are exactly where the siblings of a product line differ while their titles
# agree on everything else (brand, line, model name), so text similarity alone pulls a product
# without a twin onto its nearest sibling. The veto reads the measures a title states and keeps
# two records apart when both state a value of the same kind and no value agrees.
#
# Only values that both titles state are compared: a title that leaves a size out says nothing
# against one that states it (buyers' listings are terse, sellers' verbose).

#: What a title states, by kind of measure: each value a tuple (a size "30x40" has two numbers).
Measures = dict[str, frozenset[tuple[float | str, ...]]]

_NUMBER = r"\d+(?:[.,]\d+)?"
#: Not glued to a word or another number before it: "W636", "SF-688"'s "688" is fine, "A54" is not.
_START = r"(?<![^\W\d_])(?<![\d.,])"
#: Not followed by a letter or digit: "28 см" yes, "5 мультитулів" and "m2" no.
_END = r"(?![^\W_])"


@dataclass(frozen=True)
class MeasureKind:
    """One kind of measure: a regex over a title and the units it reads, each with its factor.

    ``pattern`` has a group ``n`` (one number, or several joined by "x" for dimensions, or a
    range "18-105") and a group ``u`` (the unit). The value is the numbers times the unit's
    factor, so that "1,6 кг" and "1600 g" meet; units of different systems (cm and inches) are
    different kinds, since rounding makes them hard to compare honestly.
    """

    name: str
    pattern: re.Pattern[str]
    #: ``(regex, factor)`` for each unit spelling, tried in order against the matched unit.
    units: tuple[tuple[str, float], ...]


def _kind(name: str, units: tuple[tuple[str, float], ...], numbers: str = _NUMBER) -> MeasureKind:
    alternatives = "|".join(unit for unit, _ in units)
    pattern = re.compile(rf"{_START}(?P<n>{numbers})\s*-?\s*(?P<u>{alternatives}){_END}", re.IGNORECASE)
    return MeasureKind(name, pattern, units)


#: Dimensions "30x40", "30 x 40 x 5" and ranges "18-105" count as one value.
_DIMENSIONS = rf"{_NUMBER}(?:\s*[x×х*]\s*{_NUMBER}){{0,2}}|{_NUMBER}\s*[-–]\s*{_NUMBER}"

#: Tyre section (ISO metric and LT flotation): "185/65", "31/10,5" or "31x10.50" before a rim.
_TYRE_SECTION = re.compile(
    rf"{_START}(?:(?P<width>\d{{3}})\s*/\s*(?P<profile>\d{{2}})(?![\d.,])"
    rf"|(?P<fwidth>\d{{2}})\s*[x×х/]\s*(?P<fprofile>\d{{1,2}}[.,]\d{{1,2}})(?=\s*z?[rр]\s?\d))",
    re.IGNORECASE,
)
#: Rim diameter, "C" for light-truck tyres, and the load and speed index after it: "R15 88T",
#: "R15C 104/102R", "ZR17 93W". Read before the units below, which "88V" (no voltage) and "93W"
#: (no power) would otherwise look like.
_TYRE_RIM = re.compile(
    rf"(?<![^\W\d_])z?[rр]\s?(?P<rim>\d{{2}}(?:[.,]5)?[cс]?){_END}"
    rf"(?:\s+(?P<service>\d{{2,3}}(?:/\d{{2,3}})?[a-z]){_END})?",
    re.IGNORECASE,
)

#: The kinds of measure the veto compares, read in this order; a span read by one is not read
#: again. Units are matched case-insensitively, Latin and Cyrillic alike.
MEASURE_KINDS: tuple[MeasureKind, ...] = (
    # Pieces and items where a title counts them: "12 предметів", "5 pcs", "3 штуки", "6-pack".
    _kind("pieces", (
        (r"pcs?|pieces?|pce|pk|pack|шт\.?|штук\w*|предмет\w*", 1.0),
    )),
    # Length, metric: "28 см", "2,5 m", "30x40 cm", "18-105mm".
    _kind("length", (
        (r"mm|мм", 1.0),
        (r"cm|см", 10.0),
        (r"m|м", 1000.0),
    ), _DIMENSIONS),
    # Inches: screen sizes and other imperial lengths: 32", 55-inch, 10 дюймів, 15 in.
    _kind("inches", (
        (r"\"|''|inch(?:es)?|дюйм\w*|in\.|in(?=\s*(?:$|[,;)/|]))", 1.0),
    ), _DIMENSIONS),
    # Volume: "1,5 л", "500 ml", "2 літри".
    _kind("volume", (
        (r"ml|мл", 1.0),
        (r"l|л|lit(?:er|re)s?|літр\w*|литр\w*", 1000.0),
    )),
    # Weight: "1,6 кг", "500 g", "250 гр".
    _kind("weight", (
        (r"mg|мг", 0.001),
        (r"g|gr|grams?|г|гр|грам\w*", 1.0),
        (r"kg|кг", 1000.0),
    )),
    # Electric power: "1000W", "2 кВт".
    _kind("power", (
        (r"w|вт", 1.0),
        (r"kw|квт", 1000.0),
    )),
    # Voltage: "12V", "220 В". The Cyrillic letter is also the preposition "в" ("2 в 1"), so only
    # a capital В or a small one glued to its number counts.
    _kind("voltage", (
        (r"v|(?-i:В)|(?<=\d)в", 1.0),
    )),
    # Battery charge: "2000 mAh", "7 Ач".
    _kind("charge", (
        (r"mah|мач|маг|мa·?ч", 1.0),
        (r"ah|ач|аг", 1000.0),
    )),
    # Storage and memory: "32GB", "1 ТБ" (decimal units; only agreement matters, not bytes).
    _kind("storage", (
        (r"kb|кб", 0.001),
        (r"mb|мб", 1.0),
        (r"gb|гб", 1000.0),
        (r"tb|тб", 1000000.0),
    )),
)  # fmt: skip


_REPEATED_UNIT = re.compile(r"(\d)\s*([^\W\d_]{1,3})\s*([-–x×х*]\s*)(?=\d+(?:[.,]\d+)?\s*\2(?![^\W_]))", re.IGNORECASE)


def _number(text: str) -> float:
    """Return "1,6" or "1.6" as 1.6, and "1,000" (a thousands separator) as 1000."""
    whole, _, fraction = text.replace(",", ".").partition(".")
    if "," in text and len(fraction) == 3 and whole.strip("0"):
        return float(whole + fraction)
    return float(text.replace(",", "."))


def _value(numbers: str, factor: float) -> tuple[float, ...]:
    parts = re.split(r"\s*[x×х*\-–]\s*", numbers.strip(), flags=re.IGNORECASE)
    values = [round(_number(p) * factor, 6) for p in parts if p]
    # "40x30" and "30x40" name one size; a range "18-105" keeps its order all the same.
    return tuple(sorted(values))


def extract_measures(text: str | None) -> Measures:
    """Return the measures a title states, by kind (:data:`MEASURE_KINDS`, plus tyre sizes).

    Tyre sizes give three kinds: ``tyre`` (width and profile), ``rim`` (diameter, with "C" for
    light-truck tyres) and ``tyre service`` (load and speed index).
    """
    if not text:
        return {}
    text = unicodedata.normalize("NFKC", text)
    # Inch marks as typed: ″, ” and “ after a number (NFKC spells ″ as two primes).
    text = re.sub(r"(?<=\d)\s*(?:″|′′|”|“)", '"', text)
    # A unit written on both ends of a size or range counts once: "17mm - 85mm" is "17-85mm".
    text = _REPEATED_UNIT.sub(r"\1\3", text)
    found: dict[str, set[tuple[float | str, ...]]] = {}
    masked = list(text)

    def mask(start: int, end: int) -> None:
        masked[start:end] = " " * (end - start)

    for match in _TYRE_SECTION.finditer(text):
        width = match.group("width") or match.group("fwidth")
        profile = match.group("profile") or match.group("fprofile")
        found.setdefault("tyre", set()).add((_number(width), _number(profile)))
        mask(*match.span())
    text = "".join(masked)
    for match in _TYRE_RIM.finditer(text):
        rim = match.group("rim").casefold().replace(",", ".").replace("с", "c")
        found.setdefault("rim", set()).add((rim,))
        if match.group("service"):
            found.setdefault("tyre service", set()).add((match.group("service").casefold(),))
        mask(*match.span())
    text = "".join(masked)
    for kind in MEASURE_KINDS:
        for match in kind.pattern.finditer(text):
            unit = match.group("u")
            factor = next(f for spelling, f in kind.units if re.fullmatch(spelling, unit, re.IGNORECASE))
            value = _value(match.group("n"), factor)
            if kind.name == "weight" and unit.casefold() == "г" and len(value) == 1 and 1900 <= value[0] <= 2100:
                continue  # "2019 г." is a year
            found.setdefault(kind.name, set()).add(value)
            mask(*match.span())
        text = "".join(masked)
    return {kind: frozenset(values) for kind, values in found.items()}


def measures_conflict(a: Measures, b: Measures) -> bool:
    """Tell whether two titles' measures rule out one product: some kind both state, no value shared."""
    return any(not a[kind] & b[kind] for kind in a.keys() & b.keys())


# --- Conflicting brands ---------------------------------------------------------------------
#
# Many products share a size, a category word and a line name ("155/70 R13 75T", "Winter"), so
# text similarity can pull a product without a twin onto another brand's. Two offers that both
# state a brand, and state different brands, are not one product. A brand is stated by the
# brand field, or by a title that starts with a brand the catalog knows (some feeds have no
# brand field, but their titles begin with it).
#
# Brands are spelled many ways, so "different" is strict: "Canon" and "Canon USA" agree (one
# contains the other), "HP" and "Hewlett-Packard" agree (initials), and a brand in Cyrillic and
# one in Latin letters are never called different: transliteration ("Бош" / "Bosch", "Тефаль" /
# "Tefal") is guesswork, and a guess that fails would veto a true pair.

_CYRILLIC = re.compile(r"[а-яёіїєґўј]")
_LATIN = re.compile(r"[a-z]")
#: The longest brand, in title words, looked for at the start of a title.
MAX_BRAND_WORDS = 3


def normalize_brand(value: str | None) -> str:
    """Return a brand as lower-case letters and digits: "Hewlett-Packard" -> "hewlettpackard"."""
    return normalize_code(value) if value else ""


def _initials(value: str) -> str:
    words = [w for w in _NOT_ALNUM.split(fold(value)) if w]
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def brands_conflict(a: str | None, b: str | None) -> bool:
    """Tell whether two stated brands name different makers (see the comment above)."""
    key_a, key_b = normalize_brand(a), normalize_brand(b)
    if not key_a or not key_b or key_a in key_b or key_b in key_a:
        return False
    if key_a == _initials(b or "") or key_b == _initials(a or ""):
        return False
    scripts_a = (bool(_CYRILLIC.search(key_a)), bool(_LATIN.search(key_a)))
    scripts_b = (bool(_CYRILLIC.search(key_b)), bool(_LATIN.search(key_b)))
    return scripts_a == scripts_b


def stated_brands(record: MatchText, known: Set[str] = frozenset()) -> tuple[str, ...]:
    """Return the brands ``record`` states: its brand field, and a ``known`` brand its title starts with."""
    found = [record.brand] if record.brand and normalize_brand(record.brand) else []
    words = tokens(record.title)[:MAX_BRAND_WORDS]
    for length in range(len(words), 0, -1):
        if "".join(words[:length]) in known:
            found.append(" ".join(words[:length]))
            break
    return tuple(found)


def mentions(title: str, brand: str) -> bool:
    """Tell whether ``title`` names ``brand`` as a word or words ("Polk Audio", "polkaudio")."""
    words = tokens(brand)
    if not words:
        return False
    title_words = tokens(title)
    return f" {' '.join(words)} " in f" {' '.join(title_words)} " or "".join(words) in title_words


def offers_brands_conflict(brands_a: Sequence[str], title_a: str, brands_b: Sequence[str], title_b: str) -> bool:
    """Tell whether two offers state different makers: both state one, no two agree, neither title names the other's.

    A brand field may name a distributor or parent ("Whirlpool" for a Maytag oven) while the
    title names the maker; the listing is the other maker's only if nothing in it agrees.
    """
    if not brands_a or not brands_b:
        return False
    if any(not brands_conflict(x, y) for x in brands_a for y in brands_b):
        return False
    return not (any(mentions(title_b, x) for x in brands_a) or any(mentions(title_a, y) for y in brands_b))


@dataclass(frozen=True)
class MatchText:
    """What the matcher reads of one offer."""

    #: The group (product) the offer belongs to now.
    group: Hashable
    #: The source (supplier) of the offer: a group holds at most one offer per source.
    source: Hashable
    title: str
    brand: str | None = None
    #: Codes the feed names in their own fields (model, MPN, vendorCode).
    model_codes: tuple[str, ...] = ()
    #: A valid GTIN of the group: groups with two different GTINs are never joined.
    gtin: str | None = None
    #: Read for model codes only when the title and code fields name none.
    description: str | None = None


@dataclass(frozen=True)
class Merge:
    """Two groups the matcher joins, with the score that decided it."""

    keep: Hashable
    absorb: Hashable
    score: float


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
    #: Keep apart two records whose titles state different values of one kind of measure
    #: (:func:`measures_conflict`): siblings of a product line in different sizes.
    veto_conflicting_measures: bool = True
    #: Keep apart two records that state different brands (:func:`brands_conflict`).
    veto_conflicting_brands: bool = True
    _stats: dict[str, float] = field(default_factory=dict, repr=False)

    def document(self, record: MatchText) -> str:
        """Return the text compared for ``record``: its title, with the brand if the title lacks it."""
        title = normalize_title(record.title)
        if record.brand:
            brand = normalize_title(record.brand)
            if brand and brand not in title:
                title = f"{brand} {title}"
        return title

    def codes(self, record: MatchText) -> set[str]:
        """Return the codes of ``record``'s title and code fields, else those of its description.

        A listing whose title names no model often states it in its description; a title that
        does name one is trusted over a description that may list compatible models too.
        """
        codes = extract_codes(record.title)
        for value in record.model_codes:
            code = normalize_code(value)
            if is_code(code):
                codes.add(code)
        return codes or extract_codes(record.description)

    def blocking_keys(self, record: MatchText) -> set[str]:
        """Return the keys ``record`` is blocked on: the words of its document and its codes' heads.

        A code's head blocks too, so that "mdrex55bk" meets "mdrex55blk".
        """
        keys = {word for word in self.document(record).split() if len(word) >= 2}
        keys.update("#" + code[:CODE_BLOCK_PREFIX] for code in self.codes(record))
        return keys

    def score_pairs(self, records: Sequence[MatchText], left: list[int], right: list[int]) -> list[tuple[float, float]]:
        """Return ``(text cosine, code agreement)`` for each pair of indices into ``records``."""
        if not left:
            return []
        involved = sorted(set(left) | set(right))
        position = {record: k for k, record in enumerate(involved)}
        texts = [records[k] for k in involved]
        cosines, agreements = self._score(
            [self.document(t) for t in texts],
            [self.codes(t) for t in texts],
            [position[i] for i in left],
            [position[j] for j in right],
        )
        return list(zip(cosines.tolist(), agreements.tolist(), strict=True))

    def _score(
        self, documents: list[str], codes: list[set[str]], left: Sequence[int], right: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        # Only records in a candidate pair are vectorised: the work follows the import, not the catalog.
        vectors = self._vectors(documents)
        left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
        cosines = np.zeros(len(left), dtype=np.float64)
        # In slices: the row products of a slice are the largest temporary of the matcher.
        for start in range(0, len(left), _COSINE_SLICE):
            rows_left, rows_right = left[start : start + _COSINE_SLICE], right[start : start + _COSINE_SLICE]
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
            load=lambda ids: [records[k] for k in ids],  # type: ignore[index]
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
        join. Both are read once, as streams: of ``others``, only the ids, groups and blocking keys
        of records sharing a key with some pending record are kept. Candidate pairs are then formed
        and scored in chunks (``chunk_pairs``, ``max_candidates``), each chunk's texts fetched
        again with ``load(ids)``, so memory follows the pending records and their plausible
        partners, never the catalog. ``members(groups)`` returns every record of the groups that
        the accepted pairs would join, for the checks on whole groups.

        A group that would then hold two offers of one source, two different GTINs, two groups
        named together in ``apart``, or two conflicting measures is not formed. Each merge folds
        ``absorb`` into ``keep``; later merges name groups as they are then.
        """
        blocking = _Blocking(self)
        blocking.add_pending(pending)
        blocking.add_others(others)
        found = _Found(blocking)
        loaded = measure_conflicts = 0
        for left, right in blocking.candidate_chunks():
            texts = blocking.ids_texts(left, right, load)
            loaded += len(texts[0])
            measure_conflicts += self._score_chunk(found, left, right, *texts, blocking.brands)
        pairs = found.chosen(self.max_runner_up_share)
        merges, vetoed = self._assign(blocking, pairs, members, apart, blocking.brands)
        self._stats = {
            "pending": blocking.pending_count,
            "others_read": blocking.others_read,
            "others_kept": len(blocking.ids) - blocking.pending_count,
            "candidates": found.candidates,
            "texts_loaded": loaded,
            "vetoed_pairs": measure_conflicts,
            "accepted": len(pairs),
            "group_conflicts": vetoed,
            "merges": len(merges),
        }
        return merges

    def _score_chunk(
        self,
        found: _Found,
        left: np.ndarray,
        right: np.ndarray,
        involved: np.ndarray,
        texts: Sequence[MatchText],
        known_brands: Set[str],
    ) -> int:
        """Score a chunk of candidate pairs into ``found``; return how many plausible ones measures or brands vetoed."""
        import numpy as np

        li, ri = np.searchsorted(involved, left), np.searchsorted(involved, right)
        cosines, agreements = self._score(
            [self.document(t) for t in texts], [self.codes(t) for t in texts], li.tolist(), ri.tolist()
        )
        scores = cosines + agreements
        accepted = (cosines >= self.min_text_similarity) & (scores >= self.threshold)
        plausible = accepted | (cosines >= self.min_text_only_similarity)
        conflict = np.zeros(len(left), dtype=bool)
        if self.veto_conflicting_measures:
            measures: dict[int, Measures] = {}
            for p in np.flatnonzero(plausible).tolist():
                a, b = int(li[p]), int(ri[p])
                for k in (a, b):
                    if k not in measures:
                        measures[k] = extract_measures(texts[k].title)
                conflict[p] = measures_conflict(measures[a], measures[b])
        if self.veto_conflicting_brands and known_brands:
            brands: dict[int, tuple[str, ...]] = {}
            for p in np.flatnonzero(plausible & ~conflict).tolist():
                a, b = int(li[p]), int(ri[p])
                for k in (a, b):
                    if k not in brands:
                        brands[k] = stated_brands(texts[k], known_brands)
                conflict[p] = offers_brands_conflict(brands[a], texts[a].title, brands[b], texts[b].title)
        # Vetoed pairs still count as rivals: a record whose near-equal partners are its line's
        # other sizes is no clear favourite of whichever partner is left.
        found.rivals(left, right, scores)
        keep = plausible & ~conflict
        # Each pending record's best max_partners pairs (pairs come grouped by pending record).
        ranked = np.flatnonzero(keep)
        order = ranked[np.lexsort((-scores[ranked], left[ranked]))]
        rank = np.arange(len(order)) - np.searchsorted(left[order], left[order])
        keep[order[rank >= self.max_partners]] = False
        # Equal scores are common (titles that normalise alike: "I-Fit" and "I-Fit+"); a pair whose
        # titles are spelled alike, punctuation and all, goes first among them.
        spelling: dict[int, str] = {}

        def spelled(k: int) -> str:
            if k not in spelling:
                spelling[k] = " ".join(texts[k].title.casefold().split())
            return spelling[k]

        alike = np.array([spelled(li[p]) == spelled(ri[p]) for p in np.flatnonzero(keep).tolist()], dtype=bool)
        found.add(left[keep], right[keep], scores[keep], ~accepted[keep], alike)
        return int(conflict.sum())

    def _assign(
        self,
        blocking: _Blocking,
        pairs: list[tuple[float, int, int]],
        members: Callable[[set[Hashable]], Iterable[MatchText]],
        apart: Iterable[tuple[Hashable, Hashable]],
        known_brands: Set[str] = frozenset(),
    ) -> tuple[list[Merge], int]:
        """Join the pairs best first, one offer per source in a group (union-find over groups)."""
        group_of = [blocking.groups[g] for g in blocking.group]
        involved = {group_of[k] for _, i, j in pairs for k in (i, j)}
        parent: dict[Hashable, Hashable] = {g: g for g in involved}
        sources: dict[Hashable, set[Hashable]] = {g: set() for g in involved}
        gtins: dict[Hashable, set[str]] = {g: set() for g in involved}
        group_members: dict[Hashable, set[Hashable]] = {g: {g} for g in involved}
        # The measures each group's offers state: a merge must not join two that conflict, even
        # when the pair that proposes it agrees (a third supplier's terse title between two sizes).
        stated: dict[Hashable, list[Measures]] = {}
        group_brands: dict[Hashable, list[tuple[tuple[str, ...], str]]] = {}
        for _, i, j in pairs:
            for k in (i, j):
                sources[group_of[k]].add(blocking.sources[blocking.source[k]])
        if involved:
            for record in members(involved):
                if record.group not in involved:
                    continue
                sources[record.group].add(record.source)
                if record.gtin:
                    gtins[record.group].add(record.gtin)
                measured = extract_measures(record.title) if self.veto_conflicting_measures else {}
                if measured:
                    stated.setdefault(record.group, []).append(measured)
                brands = stated_brands(record, known_brands) if self.veto_conflicting_brands else ()
                if brands:
                    group_brands.setdefault(record.group, []).append((brands, record.title))
        forbidden: dict[Hashable, set[Hashable]] = {}
        for a, b in apart:
            forbidden.setdefault(a, set()).add(b)
            forbidden.setdefault(b, set()).add(a)

        def root(g: Hashable) -> Hashable:
            while parent[g] != g:
                parent[g] = parent[parent[g]]
                g = parent[g]
            return g

        merges = []
        vetoed = 0
        for score, i, j in pairs:
            ra, rb = root(group_of[i]), root(group_of[j])
            if ra == rb or sources[ra] & sources[rb]:
                continue
            if gtins[ra] and gtins[rb] and not gtins[ra] & gtins[rb]:
                continue
            if forbidden and any(forbidden.get(g, set()) & group_members[rb] for g in group_members[ra]):
                continue
            if any(measures_conflict(x, y) for x in stated.get(ra, ()) for y in stated.get(rb, ())) or any(
                offers_brands_conflict(*x, *y) for x in group_brands.get(ra, ()) for y in group_brands.get(rb, ())
            ):
                vetoed += 1
                continue
            # The older group (existing product) keeps its identity where there is one.
            keep, absorb = (ra, rb) if _older(ra, rb) else (rb, ra)
            parent[absorb] = keep
            sources[keep] |= sources.pop(absorb)
            gtins[keep] |= gtins.pop(absorb)
            group_members[keep] |= group_members.pop(absorb)
            stated.setdefault(keep, []).extend(stated.pop(absorb, ()))
            group_brands.setdefault(keep, []).extend(group_brands.pop(absorb, ()))
            merges.append(Merge(keep=keep, absorb=absorb, score=score))
        return merges, vetoed

    @property
    def stats(self) -> dict[str, float]:
        """Counts from the last :meth:`match` call, for logs, tests and the bench."""
        return dict(self._stats)


class _Blocking:
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
        owner = np.repeat(np.arange(len(batch)), lengths)
        for k in np.unique(owner[hit]).tolist():
            record_id, record = batch[k]
            self._add(record_id, record, False, flat[(owner == k) & hit].tolist())

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


class _Found:
    """What the scored chunks found: the plausible pairs and, per record, its two best partner groups."""

    def __init__(self, blocking: _Blocking) -> None:
        import numpy as np

        self.group = np.array(blocking.group, dtype=np.int64)
        n = len(self.group)
        #: Per record: the partner group it scored best with, that score, and the best of any other group.
        self.best_group = np.full(n, -1, dtype=np.int64)
        self.best = np.full(n, -1.0)
        self.runner_up = np.full(n, -1.0)
        self._pairs: list[tuple[np.ndarray, ...]] = []
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

    def _clear(self, a: np.ndarray, b: np.ndarray, scores: np.ndarray, share: float) -> np.ndarray:
        # A favourite among no rivals says nothing: there was no choice to be clear about.
        return (
            (self.best_group[a] == self.group[b])
            & (self.best[a] <= scores)
            & (self.runner_up[a] >= 0)
            & (self.runner_up[a] <= share * scores)
        )

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


def _older(a: Hashable, b: Hashable) -> bool:
    try:
        return a < b  # type: ignore[operator]
    except TypeError:
        return True
