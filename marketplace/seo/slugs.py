"""Readable URL slugs, with Ukrainian and Russian transliterated the way their readers expect.

No slug library is in the lock, and the maintained ones (python-slugify over text-unidecode or
Unidecode) transliterate Cyrillic letter by letter without knowing the language: Ukrainian
"Шини" becomes "shini" and "Гриль" "gril'", where Ukraine's official romanisation (Cabinet of
Ministers resolution 55 of 2010, the one on passports and road signs) gives "shyny" and
"hryl". The table is small, the rules are fixed by law, and the slug is only decoration:
the id before it is what finds the page, so a slug that changes only costs a redirect.
"""

from __future__ import annotations

import re
import unicodedata

#: Ukrainian, national standard of 2010. Є, Ї, Й, Ю, Я are written differently at the start
#: of a word (``_UK_INITIAL``); Ь and the apostrophe are dropped.
_UK = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia",
}  # fmt: skip
_UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

#: Russian, as Russian sites write their URLs (close to GOST 7.79 B without its apostrophes).
_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

_ONLY_UK = frozenset("ґєії")
_ONLY_RU = frozenset("ёъыэ")
#: Apostrophes inside a word (м'ясо, пʼять) vanish instead of splitting it.
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`](?=\w)")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

#: Longer slugs are cut at a hyphen: search engines show about this much of a URL.
MAX_SLUG_LENGTH = 80


def transliterate(text: str) -> str:
    """Return ``text`` with Cyrillic written in Latin letters, by Ukrainian rules unless it is plainly Russian."""
    lowered = text.lower()
    letters = set(lowered)
    russian = bool(letters & _ONLY_RU) and not letters & _ONLY_UK
    table = _RU if russian else _UK
    out: list[str] = []
    previous = ""
    for char in lowered:
        at_word_start = not previous.isalpha()
        if not russian and at_word_start and char in _UK_INITIAL:
            out.append(_UK_INITIAL[char])
        elif not russian and char == "г" and previous == "з":
            out.append("gh")  # "зг" is "zgh", so that it is not read as "ж" (Згорани: Zghorany)
        else:
            out.append(table.get(char, _RU.get(char, char)))  # a Russian letter in Ukrainian text
        previous = char
    return "".join(out)


def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Return a lower-case ASCII slug of ``text`` ("Шини зимові 205/55 R16" -> "shyny-zymovi-205-55-r16")."""
    text = _APOSTROPHES.sub("", text)
    latin = unicodedata.normalize("NFKD", transliterate(text))
    ascii_text = latin.encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]
    return slug.strip("-")
