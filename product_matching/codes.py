"""Titles and model codes as the matcher reads them: normalised text, tokens and codes."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

#: Characters that separate tokens; anything else that is not a letter or digit is dropped
#: inside a token, so "MB470LL/A" and "KDL-40V4100" stay one code each.
_SPLIT = re.compile(r"[\s,;:()\[\]{}|+*\"'«»„“”!?]+")
NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
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
    return NOT_ALNUM.sub("", fold(value))


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


def extract_codes(text: str | None, *, joined: bool = True) -> set[str]:
    """Return the model codes a title or field mentions, normalised.

    With ``joined``, also codes written in two parts ("EOS 40D"), which are good evidence for a
    pair but guesses: "V10 USB" is no code, so the vetoes read single tokens only.
    """
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
        if not joined or shouting or i + 1 == len(raws):
            continue
        nxt_raw, nxt = raws[i + 1], normalised[i + 1]
        pair = token + nxt
        if _is_code_part(raw, token) and _is_code_part(nxt_raw, nxt) and _DIGIT.search(pair) and is_code(pair):
            codes.add(pair)
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
    return _best_similarity(frozenset(a), frozenset(b))


# Cached by the two sets, as the veto below: a product's code is compared with the same
# neighbours' codes once per supplier listing either of them (the scale bench: ten suppliers).
@functools.lru_cache(maxsize=1 << 18)
def _best_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return max((code_similarity(x, y) for x in a for y in b), default=0.0)


# --- Conflicting codes ------------------------------------------------------------------------
#
# A model or part number names one product, so two offers that state different ones are two
# products however alike their words are: an ELPLP12 lamp is not an ELPLP13, a DK-2113 label
# roll not a DK-2210. But codes are written many ways, and a veto that fires on a spelling would
# cost true pairs, so "different" is strict:
#
# - a code that extends another by letters names the same part in a colour or region
#   ("KX-TG5632" / "KX-TG5632B", "HT-Z410" / "HT-Z410/XAA"), and so does one that extends it by a
#   part of three digits or more ("U5140" / "U5140-900"); one or two digits more make another
#   model of the series ("SX10" / "SX100");
# - two codes alike up to their last digit, each ending in at most four letters, differ only
#   in the marker each retailer writes for a colour, finish or region ("MMV4205BT" / "MMV4205BAQ",
#   "SRSA212BK" / "SRSA212/BLK", "DU1100SS" / "DU1100XTPS"): a finish of one or two letters (SS,
#   BK, W) and a series or region flag of one or two (XT, LL, A). The colour veto reads colours
#   where the titles state them. A longer tail is part of the model's name: HD685XZNDC and
#   HD685XZNFC are two products;
# - a code with a prefix of letters before another is the same part under a vendor's prefix
#   ("VER97255" / "97255", "HP CE278A" / "CE278A");
# - two codes only conflict when they are codes of one series, starting with the same letters
#   ("ELPLP", "DK", "WC") or, when they start with digits, with as many of them: codes of two
#   different kinds (a model name and a shop's article, an EAN and a part number) say nothing
#   against each other;
# - a listing may name several codes (the models a lamp or label fits), so two offers conflict
#   only when each states a code that nothing in the other agrees with, and those two codes are
#   of one series.

_LEADING_LETTERS = re.compile(r"^[^\W\d_]+")
_LEADING_DIGITS = re.compile(r"^\d+")
_TAIL = re.compile(r"[^\W\d_]*$")
#: Digits appended to a code that make a part number of it, not another model: "U5140" / "U5140900".
MIN_PART_DIGITS = 3
#: The longest letters-only tail that is a retailer's colour, finish or region marker: "BK", "BLK", "XTPS".
MAX_MARKER = 4


# Cached: the code veto compares each code of a chunk with many others, and a catalog states
# far fewer codes than pairs are compared (the scale bench: 1.4 M splits of a few 10,000 codes).
@functools.lru_cache(maxsize=1 << 16)
def _split_tail(code: str) -> tuple[str, str]:
    """Split a code into its head through its last digit and the letters after: "mmv4205baq" -> "mmv4205", "baq"."""
    tail = _TAIL.search(code)
    start = tail.start() if tail else len(code)
    head = code[:start]
    return (head, code[start:]) if any(ch.isdigit() for ch in head) else ("", code)


def same_code(a: str, b: str) -> bool:
    """Tell whether two normalised codes name one part: equal, a suffix added, or a vendor prefix of letters."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return False
    if long_.startswith(short):
        rest = long_[len(short) :]
        digits = _LEADING_DIGITS.match(rest)
        return not (short[-1].isdigit() and digits and len(digits.group()) < MIN_PART_DIGITS)
    head_a, tail_a = _split_tail(a)
    head_b, tail_b = _split_tail(b)
    if head_a == head_b and head_a and len(tail_a) <= MAX_MARKER and len(tail_b) <= MAX_MARKER:
        return True
    if long_.endswith(short):
        return long_[: -len(short)].isalpha()
    return False


@functools.lru_cache(maxsize=1 << 16)
def code_series(code: str) -> str:
    """Return what a code's series is known by: its leading letters, or how many digits it starts with."""
    letters = _LEADING_LETTERS.match(code)
    if letters:
        return letters.group()
    digits = _LEADING_DIGITS.match(code)
    return f"#{len(digits.group())}" if digits else ""


def codes_conflict(a: Iterable[str], b: Iterable[str]) -> bool:
    """Tell whether two offers' stated codes name different products (see the comment above)."""
    return _sets_conflict(frozenset(a), frozenset(b))


@functools.lru_cache(maxsize=1 << 18)
def _sets_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b or a == b:
        return False
    lone_a = {x for x in a if not any(same_code(x, y) for y in b)}
    if not lone_a:
        return False
    lone_b = {y for y in b if not any(same_code(x, y) for x in a)}
    series_a = {code_series(x) for x in lone_a} - {""}
    return any(code_series(y) in series_a for y in lone_b)
