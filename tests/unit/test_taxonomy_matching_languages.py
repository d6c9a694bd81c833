"""The name matcher reads Google's Ukrainian and Russian names of the tree, not only its glossary."""

from __future__ import annotations

from functools import cache

import pytest

from marketplace.taxonomy.seed import bundled_taxonomy, read_taxonomy
from taxonomy_matching import TaxonomyMatcher
from taxonomy_matching.names import native_name, stem_native

#: Motor Vehicle Tires and the three kinds of tyre under it.
TIRES = {911, 6091, 6093, 7252}


@cache
def matcher(translated: bool = True) -> TaxonomyMatcher:
    """Build the matcher on the whole bundled tree, as taxonomy_matcher() does from the database."""
    rows, by_path = [], {}
    for google_id, names in read_taxonomy(bundled_taxonomy()):
        by_path[tuple(names)] = google_id
        parent = by_path.get(tuple(names[:-1])) if len(names) > 1 else None
        rows.append((google_id, parent, names[-1], " > ".join(names), len(names) - 1))
    translations: dict[int, list[str]] = {}
    for locale in ("uk", "ru") if translated else ():
        for google_id, names in read_taxonomy(bundled_taxonomy(locale)):
            translations.setdefault(google_id, []).append(" > ".join(names))
    return TaxonomyMatcher(rows, translations)


@pytest.mark.parametrize("name", ["Шини", "Шины"])
def test_a_bare_tyres_category_is_suggested_motor_vehicle_tires_first(name: str) -> None:
    # By English and the glossary alone, "tires" fits Bicycle Tires as well as any.
    assert matcher(False).candidates([name])[0].category_id not in TIRES
    found = matcher().candidates([name])
    assert found[0].category_id == 911
    # Lawn mower and tractor tyres are "Шини для …" too: a suggestion, not a mapping.
    assert matcher().guess([name]) is None


@pytest.mark.parametrize("path", [["Шины для автомобилей"], ["Автомобильные шины"], ["Авто", "Шини"]])
def test_tyres_named_with_their_purpose_or_parent_map_into_the_tires_branch(path: list[str]) -> None:
    guess = matcher().guess(path)
    assert guess is not None and guess.category_id in TIRES


def test_a_slip_of_googles_translation_does_not_override_the_english_reading() -> None:
    # Google's Ukrainian edition calls Baking Weights (7131) "Кухонні ваги", kitchen scales.
    assert 7131 not in {c.category_id for c in matcher().candidates(["Кухонні ваги"], limit=3)}


def test_light_stems_meet_a_words_forms_and_no_other_word() -> None:
    assert {stem_native(w) for w in ("шини", "шины", "шина")} == {"шин"}
    assert stem_native("автомобильные") == stem_native("автомобилей")
    assert stem_native("садовий") == stem_native("сад")
    assert stem_native("турнікети") != stem_native("турніки")  # turnstiles are not pull-up bars
    assert stem_native("laptops") == "laptops"
    assert native_name("Шини для транспортних засобів") == (("шин",), ("транспорт", "засоб"))
