"""A buyer's parsed text (``search_index.parsing``) as ``tsquery`` strings over ``offers.doc``.

The parser decides what the words mean (clauses, phrases, synonyms, model codes, joined
codes); this module only writes the same queries in PostgreSQL's syntax, lexeme by lexeme
(never re-parsed by a text search configuration):

* a clause matches when all terms of one of its alternatives (the word's own or a synonym's)
  are in ``doc``, or a "phrase" stands there in order (``<->``), or its model code does;
* its title query is the same restricted to weight A (the title; codes are written A too),
  its brand query the word's terms at weight B, its category query at weight C;
* the strict query wants every clause, or a pair of adjacent words as one code; the
  relaxed one any clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from search_index.parsing import Clause, ParsedText
from search_index.postgres.rows import code_lexeme, lexeme

__all__ = ["ClauseQueries", "TextQueries", "text_queries"]


@dataclass(frozen=True, slots=True)
class ClauseQueries:
    """The tsqueries of one clause: anywhere, in the title, in the brand, in a category name."""

    match: str
    title: str
    brand: str
    category: str


@dataclass(frozen=True, slots=True)
class TextQueries:
    """The tsqueries of one text."""

    #: Every clause (or a joined code instead of two of them).
    strict: str
    #: Any clause; "" with fewer than two clauses.
    relaxed: str
    clauses: tuple[ClauseQueries, ...]


def _all(terms: Sequence[str], weight: str = "", phrase: bool = False) -> str:
    joined = (" <-> " if phrase else " & ").join(lexeme(term, weight) for term in terms)
    return f"({joined})" if len(terms) > 1 else joined


def _any(queries: Sequence[str]) -> str:
    return queries[0] if len(queries) == 1 else "(" + " | ".join(queries) + ")"


def _clause(clause: Clause) -> ClauseQueries:
    codes = [lexeme(code_lexeme(clause.code))] if clause.code else []
    alternatives = [alt for alt in clause.alternatives if alt]
    own = alternatives[0] if alternatives else ()
    return ClauseQueries(
        match=_any([*(_all(alt, phrase=clause.phrase) for alt in alternatives), *codes]),
        title=_any([*(_all(alt, "A", phrase=clause.phrase) for alt in alternatives), *codes]),
        brand=_all(own, "B"),
        category=_any([_all(alt, "C") for alt in alternatives]),
    )


def text_queries(parsed: ParsedText) -> TextQueries | None:
    """Return the tsqueries of ``parsed``, or None when it has no searchable words."""
    if not parsed.clauses:
        return None
    clauses = tuple(_clause(clause) for clause in parsed.clauses)
    matches = [clause.match for clause in clauses]
    strict = " & ".join(matches)
    alternatives = []
    for left, code in parsed.joins:
        joined = [*matches[:left], lexeme(code_lexeme(code)), *matches[left + 2 :]]
        alternatives.append("(" + " & ".join(joined) + ")")
    if alternatives:
        strict = " | ".join([f"({strict})", *alternatives])
    relaxed = " | ".join(matches) if len(matches) >= 2 else ""
    return TextQueries(strict=strict, relaxed=relaxed, clauses=clauses)
