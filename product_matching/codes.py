"""Titles and model codes as the matcher reads them: normalised text, tokens and codes."""

from __future__ import annotations

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
