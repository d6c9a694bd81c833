"""Did-you-mean and autocomplete on PostgreSQL: the ``terms`` table, with the language rule of Whoosh.

Candidates for a misspelt word come from ``terms`` by trigram (pg_trgm's GIN index), sharing
the typed word's first letter, as Whoosh's ``terms_within(prefix=1)`` does; which of them may
replace it and which is best is decided by ``search_index.spelling``, as for the Whoosh engine.
A word's document frequency is counted on demand through ``doc``'s GIN index (its index term,
wherever it stands), so nothing keeps a counter that imports would fight over.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Connection, text

from search_index.analysis import analyze, normalize_code
from search_index.parsing import Clause, ParsedText, parse_text
from search_index.postgres.rows import code_lexeme, lexeme
from search_index.postgres.textquery import text_queries
from search_index.query import Suggestions
from search_index.spelling import best_correction, corrected_text, correction_distance, plausible_corrections

__all__ = ["spelling_suggestion", "suggest"]

#: Candidates of a misspelt word looked at, nearest by trigrams first.
_CANDIDATES = 200
#: A trigram similarity this low still lets through two edits in a six-letter word.
_SIMILARITY = "0.15"
#: Documents counted per word at most: enough to order the candidates of one prefix.
_FREQUENCY_CAP = 500
#: Words of one prefix autocomplete looks at.
_PREFIX_SCAN = 100


def _like_prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _present(conn: Connection, schema: str, queries: Sequence[str]) -> set[str]:
    """Return those of ``queries`` (tsqueries) that some offer matches."""
    if not queries:
        return set()
    rows = conn.execute(
        text(
            "SELECT q FROM unnest(CAST(:queries AS text[])) AS q"
            f" WHERE EXISTS (SELECT 1 FROM {schema}.offers o WHERE o.doc @@ CAST(q AS tsquery))"
        ),
        {"queries": list(dict.fromkeys(queries))},
    ).scalars()
    return set(rows)


def _frequencies(conn: Connection, schema: str, words: Sequence[str]) -> dict[str, int]:
    """Return how many offers (up to a cap) have each word's index term."""
    queries: dict[str, str] = {}
    for word in words:
        terms = analyze(word)
        if len(terms) == 1:
            queries[word] = lexeme(terms[0])
    if not queries:
        return {}
    rows = conn.execute(
        text(
            "SELECT t.word, (SELECT count(*) FROM (SELECT 1 FROM"
            f" {schema}.offers o WHERE o.doc @@ CAST(t.q AS tsquery) LIMIT {_FREQUENCY_CAP}) AS x)"
            " FROM unnest(CAST(:words AS text[]), CAST(:queries AS text[])) AS t(word, q)"
        ),
        {"words": list(queries), "queries": list(queries.values())},
    ).all()
    return {word: int(count) for word, count in rows}


def _known(conn: Connection, schema: str, clause: Clause) -> bool:
    """Say whether the clause matches something: its words, a synonym's, or a model code."""
    alternatives = clause.alternatives or (clause.terms,)
    code = normalize_code(clause.typed)
    asked = [lexeme(term) for terms in alternatives for term in terms]
    if code:
        asked.append(lexeme(code_lexeme(code)))
    present = _present(conn, schema, asked)
    if any(all(lexeme(term) in present for term in terms) for terms in alternatives):
        return True
    return bool(code) and lexeme(code_lexeme(code)) in present


def _correct_word(conn: Connection, schema: str, word: str) -> tuple[str, bool] | None:
    """Return the nearest known word in the same script, and whether it is of another language."""
    word = word.lower()
    max_distance = correction_distance(word)
    if max_distance is None:
        return None
    conn.execute(text("SELECT set_config('pg_trgm.similarity_threshold', :limit, true)"), {"limit": _SIMILARITY})
    candidates = conn.execute(
        text(
            f"SELECT term FROM {schema}.terms WHERE term % :word AND term LIKE :prefix"
            " AND length(term) BETWEEN :shortest AND :longest"
            f" ORDER BY similarity(term, :word) DESC, term LIMIT {_CANDIDATES}"
        ),
        {
            "word": word,
            "prefix": _like_prefix(word[0]),
            "shortest": len(word) - max_distance,
            "longest": len(word) + max_distance,
        },
    ).scalars()
    options = plausible_corrections(word, candidates, max_distance)
    if not options:
        return None
    frequency = _frequencies(conn, schema, [candidate for candidate, _c, _d in options])
    return best_correction(options, lambda candidate: frequency.get(candidate, 0))


def spelling_suggestion(conn: Connection, schema: str, parsed: ParsedText) -> tuple[str | None, bool]:
    """Return the text with each word found in no offer replaced by its nearest known word.

    See ``search_index.spelling.corrected_text``.
    """
    clauses = parsed.clauses
    return corrected_text(
        [clause.typed for clause in clauses],
        lambda i: _known(conn, schema, clauses[i]),
        lambda word: _correct_word(conn, schema, word),
    )


def suggest(conn: Connection, schema: str, typed: str, limit: int) -> Suggestions:
    """Return autocomplete suggestions for the words typed so far, the last one a prefix."""
    typed = unicodedata.normalize("NFKC", typed or "").lower().strip()[:100]
    words = typed.split()
    if not words:
        return Suggestions()
    head, last = words[:-1], words[-1]
    completions: list[str] = []
    if len(last) >= 2 or head:
        found = conn.execute(
            text(f"SELECT term FROM {schema}.terms WHERE term LIKE :prefix ORDER BY term LIMIT {_PREFIX_SCAN}"),
            {"prefix": _like_prefix(last)},
        ).scalars()
        frequency = _frequencies(conn, schema, list(found))
        ranked = sorted((-n, word) for word, n in frequency.items() if n)
        completions = [word for _n, word in ranked[:limit]]
    queries = [" ".join([*head, word]) for word in completions]
    titles: list[str] = []
    categories: list[int] = []
    matching = text_queries(parse_text(queries[0])) if queries else None
    if matching is not None:
        rows = conn.execute(
            text(
                "SELECT product_id, title, category_ids[array_length(category_ids, 1)]"
                f" FROM {schema}.offers WHERE doc @@ CAST(:q AS tsquery)"
                " ORDER BY title_words, in_stock DESC, price_minor, created_at, offer_id LIMIT :n"
            ),
            {"q": matching.strict, "n": limit * 4},
        ).all()
        seen: set[int] = set()
        for product_id, title, _leaf in rows:
            if product_id in seen:
                continue
            seen.add(product_id)
            titles.append(title)
            if len(titles) >= limit:
                break
        leaves = Counter(leaf for _p, _t, leaf in rows if leaf is not None)
        categories = [int(category) for category, _n in leaves.most_common(3)]
    brand_rows = conn.execute(
        text(
            "SELECT brand_key, mode() WITHIN GROUP (ORDER BY brand_name), count(*) AS n"
            f" FROM {schema}.offers WHERE brand_key <> '' AND (brand_key LIKE :whole OR brand_key LIKE :last)"
            " GROUP BY brand_key ORDER BY n DESC, brand_key LIMIT :limit"
        ),
        {"whole": _like_prefix(typed), "last": _like_prefix(last), "limit": limit},
    ).all()
    brands = [label for _key, label, _n in brand_rows]
    return Suggestions(
        queries=tuple(queries),
        titles=tuple(titles),
        brands=tuple(brands),
        category_ids=tuple(categories),
    )
