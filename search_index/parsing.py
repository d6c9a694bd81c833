"""Turn a buyer's free text into Whoosh queries, without ever raising on odd input.

Whoosh's own query parser interprets ``field:``, ``AND``, parentheses and wildcards, and a
buyer who pastes ``title:((`` gets either an error or a surprising query. Buyers need
none of that syntax, so this module builds the query itself: every word must match (in
the catch-all text field or as a model code), and "double quotes" make a phrase. Each
clause also carries title, brand and category queries, which the index uses to rank the
matches. A word with one-way synonyms (``search_index.vocabulary``) matches them too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from whoosh import query

from search_index.analysis import analyze, normalize_code
from search_index.schema import CATEGORY_FIELD, CODES_FIELD, TEXT_FIELD
from search_index.vocabulary import ONE_WAY_SYNONYMS

__all__ = ["MAX_QUERY_CHARS", "Clause", "ParsedText", "clause_code", "parse_text"]

#: Longer input is cut; nobody types more, and every word adds a clause to the query.
MAX_QUERY_CHARS = 300
# Each join of two adjacent words into a code adds a whole alternative conjunction.
_MAX_JOINS = 4
_MAX_CODE_CHARS = 40


def _synonym_terms() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Return a word's single index term -> the index terms of the words it also finds."""
    found: dict[str, tuple[tuple[str, ...], ...]] = {}
    for word, others in ONE_WAY_SYNONYMS.items():
        terms = analyze(word)
        if len(terms) == 1:
            found[terms[0]] = tuple(tuple(analyze(other)) for other in others if analyze(other))
    return found


#: Built once from the data: the analyzer gives every form of "резина" one term.
_SYNONYMS = _synonym_terms()


@dataclass(frozen=True, slots=True)
class Clause:
    """One word or "phrase" of the buyer's text, as queries on the fields that rank it."""

    #: Matches the clause anywhere in the offer (the catch-all text field, or as a code).
    match: query.Query
    #: Matches the clause in the title, or as a model code: the strongest evidence.
    title: query.Query
    #: Matches the clause in the brand.
    brand: query.Query
    #: The clause's index terms, for highlighting (its synonyms' too).
    terms: tuple[str, ...]
    #: The clause as typed (a phrase without its quotes), for spelling suggestions.
    typed: str
    #: Matches the clause in a category path (any language, the supplier's own included).
    category: query.Query | None = None
    #: Each set of text-field terms of which all present make the clause match: the word's
    #: own, then its synonyms'. The spelling check asks whether any of them is in the index.
    alternatives: tuple[tuple[str, ...], ...] = ()
    #: True for a "quoted phrase": its terms must stand next to each other, in order.
    phrase: bool = False
    #: The clause as one normalised model code (``codes`` term), or "" when it is none.
    code: str = ""


@dataclass(frozen=True, slots=True)
class ParsedText:
    """Hold the queries built from one text: strict (all words) and relaxed (any word)."""

    #: Every clause must match; None when the text has no searchable words.
    strict: query.Query | None
    #: Any clause may match; None when there are fewer than two clauses.
    relaxed: query.Query | None
    #: Number of words and phrases that became clauses.
    clause_count: int
    #: The clauses themselves, in the order typed.
    clauses: tuple[Clause, ...] = ()
    #: Adjacent words also tried as one model code, as (index of the left word's clause, code
    #: term): "GD 4186F" is also the code "gd4186f". Each is an alternative strict query with
    #: the two clauses replaced by the code. Engine-neutral, like the other plain fields.
    joins: tuple[tuple[int, str], ...] = ()


def _all_of(field: str, terms: list[str]) -> query.Query:
    return query.Term(field, terms[0]) if len(terms) == 1 else query.And([query.Term(field, t) for t in terms])


def _or(alternatives: list[query.Query]) -> query.Query:
    return alternatives[0] if len(alternatives) == 1 else query.Or(alternatives)


def clause_code(text: str) -> str:
    """Return ``text`` as one ``codes`` term, or "" when it is empty or too long to be a code."""
    code = normalize_code(text)
    return code if 0 < len(code) <= _MAX_CODE_CHARS else ""


def _code_terms(text: str) -> list[query.Query]:
    code = clause_code(text)
    return [query.Term(CODES_FIELD, code)] if code else []


def _word_clause(word: str) -> Clause | None:
    terms = analyze(word)
    if not terms:
        return None
    # "GD-4186F" or "wi-fi": every piece must be there, or the whole code must match.
    codes = _code_terms(word)
    alternatives = (tuple(terms), *(_SYNONYMS.get(terms[0], ()) if len(terms) == 1 else ()))
    return Clause(
        match=_or([*(_all_of(TEXT_FIELD, list(alt)) for alt in alternatives), *codes]),
        title=_or([*(_all_of("title", list(alt)) for alt in alternatives), *codes]),
        brand=_all_of("brand", terms),
        terms=tuple(dict.fromkeys(term for alt in alternatives for term in alt)),
        typed=word,
        category=_or([_all_of(CATEGORY_FIELD, list(alt)) for alt in alternatives]),
        alternatives=alternatives,
        code=clause_code(word),
    )


def _phrase_clause(phrase: str) -> Clause | None:
    terms = analyze(phrase)
    if len(terms) < 2:
        return _word_clause(phrase) if terms else None
    # A quoted "GD 4186F" is still a model code.
    codes = _code_terms(phrase)
    return Clause(
        match=_or([query.Phrase(TEXT_FIELD, terms), *codes]),
        title=_or([query.Phrase("title", terms), *codes]),
        brand=_all_of("brand", terms),
        terms=tuple(terms),
        typed=phrase,
        category=_all_of(CATEGORY_FIELD, terms),
        alternatives=(tuple(terms),),
        phrase=True,
        code=clause_code(phrase),
    )


def _is_joinable_code(code: str) -> bool:
    return 3 <= len(code) <= _MAX_CODE_CHARS and any(ch.isdigit() for ch in code)


def parse_text(text: str) -> ParsedText:
    """Build the strict and relaxed queries for ``text``; never raises on any string."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_CHARS]
    clauses: list[Clause] = []
    # Pairs of adjacent plain words, as (index of the left word's clause, joined code), to
    # also try "GD 4186F" as the single code "gd4186f".
    joins: list[tuple[int, str]] = []
    chunks = text.split('"')
    # Chunks at odd positions sit between quotes. With an odd number of quotes the last
    # chunk has no closing quote, so it is read as plain words.
    closed = len(chunks) if len(chunks) % 2 == 1 else len(chunks) - 1
    for position, chunk in enumerate(chunks):
        if position % 2 == 1 and position < closed:
            clause = _phrase_clause(chunk)
            if clause is not None:
                clauses.append(clause)
            continue
        previous_word: str | None = None
        for word in chunk.split():
            clause = _word_clause(word)
            if clause is None:
                previous_word = None  # a dropped word breaks adjacency
                continue
            if previous_word is not None:
                joined = normalize_code(previous_word + word)
                if _is_joinable_code(joined):
                    joins.append((len(clauses) - 1, joined))
            clauses.append(clause)
            previous_word = word

    if not clauses:
        return ParsedText(strict=None, relaxed=None, clause_count=0)
    matches = [clause.match for clause in clauses]
    strict: query.Query = matches[0] if len(matches) == 1 else query.And(matches)

    alternatives: list[query.Query] = []
    joins = joins[:_MAX_JOINS]
    for left, joined in joins:
        joined_clauses = [*matches[:left], query.Term(CODES_FIELD, joined), *matches[left + 2 :]]
        alternatives.append(joined_clauses[0] if len(joined_clauses) == 1 else query.And(joined_clauses))
    if alternatives:
        strict = query.Or([strict, *alternatives])

    relaxed = query.Or(matches) if len(matches) >= 2 else None
    return ParsedText(
        strict=strict, relaxed=relaxed, clause_count=len(clauses), clauses=tuple(clauses), joins=tuple(joins)
    )
