"""Category names as the matcher reads them: folded, split into words, translated to English stems."""

from __future__ import annotations

import re
from functools import lru_cache

from taxonomy_matching.glossary import glossary, stop_words

STOP_WORDS = stop_words()

_APOSTROPHES = re.compile(r"['’ʼ`]")
_HYPHEN_IN_WORD = re.compile(r"(?<=\w)-(?=\w)")
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def name_key(name: str) -> str:
    """Return ``name`` folded for comparison: lower-case words separated by single spaces."""
    text = _APOSTROPHES.sub("", name.casefold().replace("ё", "е"))
    return " ".join(_WORD.findall(_HYPHEN_IN_WORD.sub("", text)))


#: English words the light stemmer would get wrong.
_IRREGULAR = {"lens": "lens", "lenses": "lens", "mice": "mouse", "clothes": "cloth", "glasses": "glass", "gas": "gas"}
#: The longest ending a glossary stem may leave on a word ("сковород|ами"); longer ones are other words.
MAX_ENDING = 5


def stem_en(word: str) -> str:
    """Return a light English stem, enough to make plurals and -ing forms meet."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ves"):
        return word[:-3] + "f"
    if word.endswith("fe"):
        return word[:-2] + "f"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith(("ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    return word


def english(phrase: str) -> tuple[str, ...]:
    return tuple(stem_en(w) for w in name_key(phrase).split() if w not in STOP_WORDS)


#: Glossary stems, longest first, with their English alternatives already stemmed.
_GLOSSARY = sorted(
    ((name_key(stem), tuple(english(alt) for alt in alts)) for stem, alts in glossary().items()),
    key=lambda item: -len(item[0]),
)


def translate_word(word: str) -> tuple[tuple[str, ...], ...] | None:
    """Return a folded word's English alternatives (each a tuple of stems), or ``None`` if unknown."""
    if not _CYRILLIC.search(word):
        return ((stem_en(word),),)
    for stem, alternatives in _GLOSSARY:
        if word.startswith(stem) and len(word) - len(stem) <= MAX_ENDING:
            return alternatives
    return None


#: One word of a supplier category: its English alternatives, or ``None`` when unknown.
Word = tuple[tuple[str, ...], ...] | None


def words(name: str) -> list[Word]:
    return [translate_word(w) for w in name_key(name).split() if w not in STOP_WORDS]


#: Ukrainian and Russian inflection endings, longest first: enough to make "шини", "шины" and
#: "шина" meet without a dictionary.
_ENDINGS = (
    "ами ями ого его ому ему ими ыми ових евих ові еві ій ий ый ой ая яя ое ее ые ие ей "
    "ів їв ов ев ам ям ах ях ом ем ою ею их іх ых і и ы а я о е у ю ь й ї є"
)
#: The endings by length, longest first.
_NATIVE_ENDINGS = tuple(
    (length, frozenset(e for e in _ENDINGS.split() if len(e) == length))
    for length in sorted({len(e) for e in _ENDINGS.split()}, reverse=True)
)
#: The suffixes that make an adjective of a noun, taken after the ending, so that
#: "автомобільні" meets "автомобілів" and "садовий" meets "сад".
_ADJECTIVE_SUFFIXES = ("ськ", "цьк", "ьн", "ов", "ев", "н")
#: The shortest stem an ending or suffix is taken from.
_MIN_NATIVE_STEM = 3


@lru_cache(maxsize=65536)
def stem_native(word: str) -> str:
    """Return a light Ukrainian or Russian stem of a folded word (other words unchanged).

    Two words are read as one when their stems are equal: loose enough for a word's forms,
    strict enough that "турнікети" (turnstiles) do not meet "турніки" (pull-up bars).
    """
    if not _CYRILLIC.search(word):
        return word
    for length, endings in _NATIVE_ENDINGS:
        if len(word) - length >= _MIN_NATIVE_STEM and word[-length:] in endings:
            word = word[:-length]
            break
    for suffix in _ADJECTIVE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_NATIVE_STEM:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=65536)
def native_words(name: str) -> tuple[str, ...]:
    """Return a name's Ukrainian or Russian words as light stems, stop words left out."""
    return tuple(stem_native(w) for w in name_key(name).split() if w not in STOP_WORDS)


#: The preposition that opens a purpose in Google's uk and ru names ("Шини для транспортних
#: засобів", "Шины для автомобилей"): the words before it name the thing, those after narrow it.
PURPOSE = "для"


def native_name(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a translated category name into the stems naming the thing and those narrowing it."""
    head, _sep, purpose = name_key(name).partition(f" {PURPOSE} ")
    return native_words(head), native_words(purpose)
