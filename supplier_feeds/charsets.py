"""Recognise UTF-8 text read as a single-byte code page: "РЎС‚РµРїР»РµСЂ" for "Степлер".

Two ways a price list arrives as mojibake:

- an XML file declares ``encoding="windows-1251"`` (or another single-byte code page) while
  its bytes are UTF-8: the bytes themselves say which is right, so ``misdeclared_utf8``
  asks charset-normalizer, and the parse reads the file as UTF-8 with a warning;
- a CSV file mixes the two, or was saved after being misread once (its UTF-8 bytes spell
  the mojibake itself): no decoding gives the supplier's text back, so ``misread_utf8``
  spots it in the decoded text and the parse refuses the file.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

#: The UTF-8 encoding of a Cyrillic letter (U+0400-U+047F, Ґ ґ), as windows-1251 bytes.
_UTF8_CYRILLIC = re.compile(rb"[\xd0\xd1][\x80-\xbf]|\xd2[\x90\x91]")
_ASCII = bytes(range(128))
#: Fewer misread letters than this are no evidence (an upper-case "СІК" spells one).
_MIN_LETTERS = 3
#: The share of non-ASCII bytes that must pair up as UTF-8 Cyrillic. Real windows-1251 text
#: pairs up only by accident (upper-case "РІ", "СІ"), never for most of its letters.
_PAIRED_SHARE = 0.8
#: Encodings whose bytes are valid UTF-8 or need no second opinion.
_UNICODE = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "ascii"})


def misread_utf8(text: str) -> bool:
    """Say whether ``text`` is UTF-8 Cyrillic that was decoded as windows-1251 somewhere."""
    if text.isascii():
        return False
    raw = text.encode("cp1251", errors="ignore")
    high = len(raw.translate(None, _ASCII))
    letters = len(_UTF8_CYRILLIC.findall(raw))
    return letters >= _MIN_LETTERS and 2 * letters >= _PAIRED_SHARE * high


def misdeclared_utf8(head: bytes, declared: str) -> bool:
    """Say whether ``head``, declared as the single-byte code page ``declared``, is really UTF-8 text."""
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        return False
    if codec in _UNICODE or head.isascii():
        return False
    # The head may end inside a character; judge whole lines.
    cut = head.rfind(b"\n")
    sample = head[: cut + 1] if cut > 0 else head
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Valid UTF-8 is strong evidence already; the detector makes sure it also reads as text
    # rather than as the declared code page's letters that happen to pair up.
    best = charset_normalizer.from_bytes(sample, cp_isolation=[codec, "utf_8"], preemptive_behaviour=False).best()
    return best is not None and best.encoding == "utf_8"
