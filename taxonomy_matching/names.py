"""Category names as the matcher reads them: folded, split into words, translated to English stems."""

from __future__ import annotations

import re

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
