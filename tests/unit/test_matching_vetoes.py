"""Conflicting evidence vetoes a merge: colours, sizes."""

from __future__ import annotations

import pytest

from product_matching import MatchText
from product_matching.colours import colours_conflict, stated_colours
from product_matching.vetoes import conflicts, stated


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("Kettle Tefal KO150 black", "Kettle Tefal KO150 red", True),
        ("Чайник Tefal KO150 чорний", "Чайник Tefal KO150 білий", True),
        ("Чайник Tefal KO150 чорний", "Чайник Tefal KO150 черный", False),
        ("Kettle Tefal KO150 grey", "Kettle Tefal KO150 gray", False),
        ("Kettle Tefal KO150 black/red", "Kettle Tefal KO150 red", False),
        ("Kettle Tefal KO150", "Kettle Tefal KO150 red", False),
        ("Кабель синтетичний", "Кабель синій", False),
    ],
)
def test_colours_conflict(a: str, b: str, conflict: bool) -> None:
    assert colours_conflict(stated_colours([a]), stated_colours([b])) is conflict


def test_a_colour_in_the_brand_is_no_colour_of_the_product() -> None:
    assert stated_colours(["Black+Decker drill BDCD220 red"], "Black+Decker") == {"red"}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Capacities and sizes.
        (
            MatchText(group=1, source="a", title="Samsung Galaxy A54 8/128GB black"),
            MatchText(group=2, source="b", title="Samsung Galaxy A54 8/256GB black"),
        ),
        (
            MatchText(group=1, source="a", title="Tefal Ingenio pan 24 cm"),
            MatchText(group=2, source="b", title="Tefal Ingenio pan 28 cm"),
        ),
        # A colour stated in a param against one in the title.
        (
            MatchText(group=1, source="a", title="Tefal Kettle KO150", params=(("Колір", "Чорний"),)),
            MatchText(group=2, source="b", title="Tefal Kettle KO150 white"),
        ),
    ],
)
def test_conflicting_evidence(a: MatchText, b: MatchText) -> None:
    assert conflicts(stated(a), stated(b)) and conflicts(stated(b), stated(a))
    assert not conflicts(stated(a), stated(a))
