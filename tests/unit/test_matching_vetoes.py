"""Conflicting evidence vetoes a merge: model codes, colours, a brand the title states, sizes."""

from __future__ import annotations

import pytest

from product_matching import MatchText, TextMatcher
from product_matching.brands import title_brand
from product_matching.codes import codes_conflict, extract_codes, same_code
from product_matching.colours import colours_conflict, stated_colours
from product_matching.vetoes import Kinds, conflicts, stated, stated_codes


def _codes(title: str) -> set[str]:
    return extract_codes(title, joined=False)


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        # The wrong merges: two different model numbers of one series.
        ("Epson ELPLP12 replacement lamp", "Epson ELPLP13 replacement lamp", True),
        ("Brother DK-2113 film tape", "Brother DK-2210 continuous labels", True),
        ("Webcam WC1200RED HD", "Webcam WC1100BLU HD", True),
        ("Samsung HD685XZNDC", "Samsung HD685XZNFC", True),
        ("Canon PowerShot SX10 IS", "Canon PowerShot SX100 IS", True),
        # One code, spelled with and without a vendor prefix, a region or a colour marker.
        ("HP CE278A toner", "CE278A black toner cartridge", False),
        ("Verbatim VER97255 DVD-R", "Verbatim 97255 DVD-R", False),
        ("Panasonic KX-TG5632 phone", "Panasonic KX-TG5632B phone", False),
        ("Samsung HT-Z410/XAA", "Samsung HT-Z410 home theater", False),
        ("Maytag microwave MMV4205BT", "Maytag MMV4205BAQ microwave", False),
        ("Hoover vacuum U5140", "Hoover U5140-900 vacuum", False),
        # A listing naming the models a part fits agrees with one naming any of them.
        ("Lamp for ELPLP12 and ELPLP13 projectors", "Epson ELPLP12 lamp", False),
        # Codes of two kinds (a model and a shop's article) say nothing against each other.
        ("Tefal Ingenio L1500402", "Tefal Ingenio 1059096", False),
        # One side states no code: nothing to contradict.
        ("Epson ELPLP12 replacement lamp", "Epson projector lamp", False),
    ],
)
def test_codes_conflict(a: str, b: str, conflict: bool) -> None:
    assert codes_conflict(_codes(a), _codes(b)) is conflict
    assert codes_conflict(_codes(b), _codes(a)) is conflict


def test_same_code_compares_codes_as_codes() -> None:
    assert same_code("hpce278a", "ce278a") and same_code("ver97255", "97255")
    assert not same_code("elplp12", "elplp13") and not same_code("dk2113", "dk2210")


def test_stated_codes_read_the_title_code_fields_and_model_params_but_not_the_description() -> None:
    record = MatchText(
        group=1,
        source="s",
        title="Epson projector lamp",
        model_codes=("V13H010L12",),
        params=(("Модель", "ELPLP12"), ("Артикул", "100234")),
        description="Fits ELPLP13 projectors too",
    )
    assert stated_codes(record) == {"v13h010l12", "elplp12"}


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
    ("title", "brand"),
    [
        ("Сковорода Fiskars All Steel Frying Pan 28 см", "fiskars"),
        ("Пральна машина Bosch WAN24260UA, 7 кг", "bosch"),
        ("Чохол для Samsung Galaxy A54", None),
        ("Кабель USB3 2 м", None),
        ("Сковорода сталева 28 см", None),
        # A Latin title states a brand only by starting with one the catalog knows.
        ("Steel Frying Pan Fiskars 28 cm", None),
    ],
)
def test_title_brand(title: str, brand: str | None) -> None:
    assert title_brand(title) == brand


def test_a_known_brand_of_several_words_is_read_whole_in_a_cyrillic_title() -> None:
    assert title_brand("Навушники Polk Audio Striker", {"polkaudio"}) == "polk audio"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # The Fiskars pan of the issue: the title states Fiskars, the product is Hartwell.
        (
            MatchText(group=1, source="demo", title="Hartwell Steel frying pan 28 cm", brand="Hartwell"),
            MatchText(group=2, source="shop", title="Сковорода Fiskars All Steel Frying Pan 28 см"),
        ),
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
        # A model number in the MPN field against one in the title.
        (
            MatchText(group=1, source="a", title="Epson replacement lamp", model_codes=("ELPLP12",)),
            MatchText(group=2, source="b", title="Epson replacement lamp ELPLP13"),
        ),
    ],
)
def test_conflicting_evidence(a: MatchText, b: MatchText) -> None:
    assert conflicts(stated(a), stated(b)) and conflicts(stated(b), stated(a))
    assert not conflicts(stated(a), stated(a))


def test_the_matcher_does_not_join_offers_whose_evidence_conflicts() -> None:
    lamps = [
        MatchText(group="a1", source="a", title="Epson ELPLP12 Replacement Projector Lamp"),
        MatchText(group="b1", source="b", title="Epson ELPLP13 Replacement Projector Lamp"),
    ]
    assert TextMatcher().merges(lamps, pending=[1]) == []
    assert len(TextMatcher(vetoes=Kinds(codes=False)).merges(lamps, pending=[1])) == 1
    pans = [
        MatchText(group="demo", source="demo", title="Hartwell Steel frying pan 28 cm", brand="Hartwell"),
        MatchText(group="shop", source="shop", title="Сковорода Fiskars All Steel Frying Pan 28 см"),
    ]
    assert TextMatcher().merges(pans, pending=[1]) == []
    twins = [*lamps[:1], MatchText(group="b2", source="b", title="Epson V13H010L12 lamp ELPLP12 for EMP-50")]
    assert [(m.keep, m.absorb) for m in TextMatcher().merges(twins, pending=[1])] == [("a1", "b2")]
