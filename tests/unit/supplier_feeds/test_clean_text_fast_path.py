"""clean_text returns already-clean text untouched without running its regexes: prove it changes nothing."""

from __future__ import annotations

import random
import re
import sys
import unicodedata

from supplier_feeds.normalize import clean_text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WS = re.compile(r"\s+")


def reference(text: str | None) -> str | None:
    """clean_text as it was before the fast path: normalise, drop controls, collapse whitespace."""
    if text is None:
        return None
    text = _WS.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFC", text))).strip()
    return text or None


def test_no_printable_character_is_whitespace_or_control_except_the_space() -> None:
    # The fast path rests on this: a printable string's only whitespace is " ".
    odd = [
        hex(i)
        for i in range(sys.maxunicode + 1)
        if chr(i) != " " and chr(i).isprintable() and (_WS.match(chr(i)) or _CONTROL.match(chr(i)))
    ]
    assert odd == []


def test_clean_text_matches_the_reference_on_clean_and_dirty_text() -> None:
    samples = [
        "",
        " ",
        "Сковорода Fiskars 28 см",
        " leading",
        "trailing ",
        "two  spaces",
        "tab\there",
        "nbsp\u00a0here",
        "thin\u2009space",
        "line\u2028sep",
        "ctl\x00x\x7f",
        "e\u0301",  # not NFC
        "Ё ё й",
        "\u00a0",
        "x\u0085y",
    ]
    alphabet = ["a", "Я", " ", "\t", "\n", "\u00a0", "\u2009", "\x00", "\x1f", "\u0301", "e", "і", "\u3000", "\ufeff"]
    rnd = random.Random(3)
    samples += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 8))) for _ in range(5000)]
    for text in samples:
        assert clean_text(text) == reference(text), repr(text)
