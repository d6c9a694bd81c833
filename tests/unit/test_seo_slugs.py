"""Slugs: Ukrainian by the 2010 national standard, Russian as Russian sites write it, everything else as ASCII."""

from __future__ import annotations

import pytest

from marketplace.seo.slugs import MAX_SLUG_LENGTH, slugify, transliterate


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Шини зимові 205/55 R16", "shyny-zymovi-205-55-r16"),
        ("Гриль газовий", "hryl-hazovyi"),
        ("Згорани", "zghorany"),  # "зг" is not "ж"
        ("Їжак, Юшка, Яблуко, Єнот, Йогурт", "yizhak-yushka-yabluko-yenot-yohurt"),  # at a word's start
        ("Поїзд, каюта, маяк, союз, район", "poizd-kaiuta-maiak-soiuz-raion"),  # inside a word
        ("М'ясорубка Bosch", "miasorubka-bosch"),  # the apostrophe joins the word
        ("Пʼять ґудзиків", "piat-gudzykiv"),
        ("Шины зимние", "shiny-zimnie"),  # "ы": Russian rules
        ("Съёмник подшипников", "syomnik-podshipnikov"),
        ("Электрочайник", "elektrochaynik"),
        ("Café déjà vu — 100%", "cafe-deja-vu-100"),
        ("GD-4186F", "gd-4186f"),
    ],
)
def test_slugs_read_as_their_language_writes_them(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_a_slug_is_empty_where_nothing_can_be_written() -> None:
    assert slugify("") == "" and slugify("★ — ★") == "" and slugify("中文") == ""


def test_long_titles_are_cut_at_a_hyphen() -> None:
    slug = slugify("Сковорода " * 30)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert slug.startswith("skovoroda-skovoroda") and not slug.endswith("-")
    assert set(slug.split("-")) == {"skovoroda"}  # no word cut in half
    assert slugify("a" * 200) == "a" * MAX_SLUG_LENGTH


def test_ukrainian_letters_win_over_russian_ones() -> None:
    # A title with both (a Russian word in a Ukrainian title) is Ukrainian: і, ї, є and ґ are not Russian.
    assert transliterate("чайник і электро") == "chainyk i elektro"
