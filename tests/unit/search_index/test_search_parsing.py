"""Building Whoosh queries from buyer text: never raises, phrases, code joins."""

from __future__ import annotations

import random

import pytest

from search_index.parsing import parse_text

GARBAGE = [
    'title:(( AND OR "',
    "((((",
    ")",
    '"',
    '""',
    "*",
    "?",
    "~2",
    "\\",
    "NOT",
    "AND OR NOT",
    "a:b:c",
    "field:[1 TO]",
    "{}[]^!",
    "😀🔥",
    "\x00\x01",
    "\ud800",
    "x" * 10_000,
    "котел " * 500,
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_never_raises(text: str) -> None:
    parse_text(text)


def test_random_strings_never_raise() -> None:
    rng = random.Random(20240501)
    alphabet = 'ab кф12-_:"()[]{}*?~^!\\/ \t\nANDORNOTёіїє'
    for _ in range(500):
        parse_text("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))))


def test_empty_or_stop_words_only_means_browse() -> None:
    for text in ("", "   ", "для", "the and", "(("):
        parsed = parse_text(text)
        assert parsed.strict is None and parsed.clause_count == 0


def test_one_word_has_no_relaxed_query() -> None:
    parsed = parse_text("котел")
    assert parsed.clause_count == 1 and parsed.relaxed is None


def test_quoted_text_is_one_phrase_clause() -> None:
    parsed = parse_text('"red kettle" steel')
    assert parsed.clause_count == 2
    assert 'text:"red kettl"' in str(parsed.strict)


def test_unclosed_quote_is_read_as_words() -> None:
    assert parse_text('red "kettle steel').clause_count == 3


def test_adjacent_words_are_also_tried_as_one_code() -> None:
    assert "codes:gd4186f" in str(parse_text("GD 4186F").strict)
    # Ordinary words are not glued together.
    assert "codes:redkettle" not in str(parse_text("red kettle").strict)
