"""Category names in the visitor's language: the languages the tree speaks and their alphabetical order."""

from __future__ import annotations

from marketplace.taxonomy.models import Translated

#: The languages the category tree has names in; English is the fallback of the others.
LOCALES = ("en", "uk", "ru")

#: The Ukrainian and Russian alphabets in their own order: code-point order puts "і", "ї", "є"
#: and "ґ" after "я", and "ё" after every other letter.
_ALPHABETS = {
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
}
#: Letters of an alphabet sort as private-use characters, in the alphabet's order and after
#: every other character (digits, punctuation, Latin), as a Ukrainian or Russian index does.
_ORDER = {
    locale: {ord(letter): chr(0xE000 + rank) for rank, letter in enumerate(alphabet)}
    for locale, alphabet in _ALPHABETS.items()
}


def collation_key(text: str, locale: str | None) -> str:
    """Return a sort key that orders category names or paths alphabetically in ``locale``."""
    folded = text.casefold()
    table = _ORDER.get(locale or "en")
    return folded.translate(table) if table else folded


def names_by_locale(category: Translated) -> dict[str, str]:
    """Return a category's name in every language of the tree, as the API gives it."""
    return {locale: category.name_in(locale) for locale in LOCALES}


def paths_by_locale(category: Translated) -> dict[str, str]:
    """Return a category's path in every language of the tree, as the API gives it."""
    return {locale: category.path_in(locale) for locale in LOCALES}
