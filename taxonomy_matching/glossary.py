"""The glossary and stop words the name matcher reads, from the data files beside this module.

``data/glossary.tsv`` maps Ukrainian and Russian word stems to English alternatives (its
header says how to edit it); ``data/stop_words.txt`` lists the words that carry no meaning.
They are data, not code, so that a translator can extend them without touching Python.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


def _lines(name: str) -> list[str]:
    text = files("taxonomy_matching").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def glossary() -> dict[str, tuple[str, ...]]:
    """Return each stem's English alternatives, in the file's order (a repeated stem: its last line)."""
    entries: dict[str, tuple[str, ...]] = {}
    for line in _lines("glossary.tsv"):
        stem, *alternatives = line.split("\t")
        if not alternatives:
            raise ValueError(f"glossary.tsv: {stem!r} has no English alternative")
        entries[stem] = tuple(alternatives)
    return entries


@cache
def stop_words() -> frozenset[str]:
    """Return the words that carry no meaning for matching, in both languages and English."""
    return frozenset(line.strip() for line in _lines("stop_words.txt"))
