"""The text matcher: model codes, normalisation, scoring and one-to-one grouping on hand-written titles."""

from __future__ import annotations

import pytest

from marketplace.catalog.matching import (
    MatchText,
    TextMatcher,
    code_similarity,
    extract_codes,
    normalize_code,
    normalize_title,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("KDL-40V4100", "kdl40v4100"),
        ("kdl 40v4100", "kdl40v4100"),
        ("MB470LL/A", "mb470lla"),
        ("ГД-4186Ф", "гд4186ф"),
        ("Café-X1", "cafex1"),
    ],
)
def test_normalize_code(raw: str, expected: str) -> None:
    assert normalize_code(raw) == expected


def test_normalize_title_folds_case_accents_and_inner_punctuation() -> None:
    assert normalize_title("Sony BRAVIA KDL-40V4100 - 40' LCD TV") == "sony bravia kdl40v4100 40 lcd tv"
    assert normalize_title("Сковорода  Tefal «Ingenio» 24см") == "сковорода tefal ingenio 24см"


@pytest.mark.parametrize(
    ("title", "codes"),
    [
        ("Sony Turntable - PSLX350H", {"pslx350h"}),
        ("Panasonic KX-TS3282B Corded Phone", {"kxts3282b"}),
        ("Canon PowerShot SX10 IS Digital Camera", {"sx10", "sx10is"}),
        ("Canon EOS 40D Digital SLR Camera", {"eos40d"}),
        ("GE Pre-Amplifier for Stereo Turntable - 23292", {"23292"}),
        # Sizes and measures are not model codes.
        ("LG 2.0 Cu. Ft. Over-the-Range Microwave 1080p 500GB", set()),
        ("Nokia N96 phone", set()),
        # Cyrillic titles: codes in Latin or Cyrillic letters.
        ("Пральна машина Bosch WAN24260UA, 7 кг", {"wan24260ua"}),
        ("Тример садовий Полісся ГД-4186Ф", {"гд4186ф"}),
        ("Смартфон Samsung Galaxy A54 8/256GB", set()),
    ],
)
def test_extract_codes(title: str, codes: set[str]) -> None:
    assert extract_codes(title) == codes


def test_capitals_do_not_make_codes_in_a_shouting_title() -> None:
    assert extract_codes("SAMSUNG DVD HM THEATER SYS 5 DISC - HT-Z410/XAA") == {"htz410xaa"}


def test_code_similarity() -> None:
    assert code_similarity("kdl40v4100", "kdl40v4100") == 1.0
    # A colour or region suffix: most of the code agrees.
    assert code_similarity("nnsd377s", "nnsd377ss") == pytest.approx(8 / 9)
    assert code_similarity("23292", "av23292") == pytest.approx(5 / 7)
    # Shared letters alone are no code.
    assert code_similarity("abcd12", "abce12") == 0.0
    assert code_similarity("lre30453ss", "lrg30357ss") == 0.0


def _records(*rows: tuple[str, str, str, str | None]) -> list[MatchText]:
    return [MatchText(group=group, source=source, title=title, brand=brand) for group, source, title, brand in rows]


def test_the_matcher_pairs_each_offer_with_its_own_product() -> None:
    records = _records(
        ("a1", "abt", "Sony Turntable - PSLX350H", None),
        ("a2", "abt", "Samsung 52' Series 5 LCD HDTV - LN52A550", None),
        ("a3", "abt", "Panasonic Corded Phone - KXTS3282B", None),
        ("b1", "buy", "Sony PS-LX350H Belt Drive Turntable", "Sony"),
        ("b2", "buy", "Samsung LN52A550 52' 1080p LCD HDTV Piano Black", "Samsung"),
        ("b3", "buy", "Panasonic KX-TS3282B Corded Phone", "Panasonic"),
        ("b4", "buy", "Bose QuietComfort 3 Headphones", "Bose"),
    )
    merges = TextMatcher().merges(records, pending=range(3, 7))
    assert {(m.keep, m.absorb) for m in merges} == {("a1", "b1"), ("a2", "b2"), ("a3", "b3")}


def test_the_matcher_matches_cyrillic_titles() -> None:
    records = _records(
        ("p1", "rozetka", "Пральна машина Bosch WAN24260UA", "Bosch"),
        ("p2", "rozetka", "Пральна машина Bosch WAN24160UA", "Bosch"),
        ("q1", "foxtrot", "Стиральная машина BOSCH WAN 24260 UA, 7 кг", None),
    )
    merges = TextMatcher().merges(records, pending=[2])
    assert [(m.keep, m.absorb) for m in merges] == [("p1", "q1")]


def test_one_source_never_meets_itself_and_variants_stay_apart() -> None:
    records = _records(
        ("a1", "shop", "Canon PowerShot SD880 IS Digital Camera Silver", None),
        ("a2", "shop", "Canon PowerShot SD880 IS Digital Camera Silver", None),
    )
    assert TextMatcher().merges(records, pending=[1]) == []


def test_one_to_one_gives_a_product_at_most_one_offer_per_source() -> None:
    records = _records(
        ("a1", "abt", "Canon PowerShot SD880 IS Digital Camera - Silver", None),
        ("b1", "buy", "Canon PowerShot SD880 IS Digital Camera Silver", "Canon"),
        ("b2", "buy", "Canon PowerShot SD880 IS Camera - Silver edition", "Canon"),
    )
    merges = TextMatcher().merges(records, pending=[1, 2])
    assert [(m.keep, m.absorb) for m in merges] == [("a1", "b1")]


def test_unrelated_titles_are_not_merged() -> None:
    records = _records(
        ("a1", "abt", "Weber Cast Iron Griddle", None),
        ("b1", "buy", "Logitech Harmony One Universal Remote", "Logitech"),
    )
    assert TextMatcher().merges(records, pending=[1]) == []


def test_different_gtins_and_operator_decisions_keep_groups_apart() -> None:
    base = [
        MatchText(group=1, source="x", title="Tefal Ingenio frying pan 24 cm L1500402", gtin="3168430262935"),
        MatchText(group=2, source="y", title="Tefal Ingenio frying pan 24 cm L1500402", gtin="4006381333931"),
    ]
    assert TextMatcher().merges(base, pending=[1]) == []
    same = [base[0], MatchText(group=2, source="y", title=base[1].title)]
    assert len(TextMatcher().merges(same, pending=[1])) == 1
    assert TextMatcher().merges(same, pending=[1], apart=[(1, 2)]) == []


def test_a_clear_mutual_favourite_joins_below_the_threshold_but_a_crowd_of_variants_does_not() -> None:
    # Half the text does not agree, but each is the other's only plausible partner.
    twin = _records(
        ("a1", "x", "Weber Genesis Rotisserie Kit for gas grills, stainless spit and electric motor", None),
        ("a2", "x", "Weber Spirit premium grill cover", None),
        ("b1", "y", "Rotisserie Weber", "Weber"),
        ("b2", "y", "Weber Spirit premium cover for gas grills", "Weber"),
    )
    matcher = TextMatcher()
    (cos, code), *_ = matcher.score_pairs(twin, [2], [0])
    assert matcher.min_text_only_similarity <= cos < matcher.threshold and code == 0
    assert {(m.keep, m.absorb) for m in matcher.merges(twin, pending=[2, 3])} == {("a1", "b1"), ("a2", "b2")}
    # With nothing else to choose from, being the favourite says nothing.
    alone = [twin[0], twin[2]]
    assert TextMatcher().merges(alone, pending=[1]) == []
    # Three colours of one range, one listing without a colour: no telling which it is.
    crowd = _records(
        ("a1", "x", "Acme Freestanding Electric Range White", None),
        ("a2", "x", "Acme Freestanding Electric Range Black", None),
        ("a3", "x", "Acme Freestanding Electric Range Steel", None),
        ("b1", "y", "Acme 5.6 cu.ft. Freestanding Electric Range with convection", "Acme"),
    )
    assert TextMatcher().merges(crowd, pending=[3]) == []


def test_codes_come_from_the_description_only_when_the_title_names_none() -> None:
    matcher = TextMatcher()
    plain = MatchText(group=1, source="x", title="Panasonic DVD-RAM media", description="LM-AF120LU5 disc, 5 pack")
    assert matcher.codes(plain) == {"lmaf120lu5"}
    coded = MatchText(group=2, source="x", title="Panasonic DVD-RAM LMAF120LU5", description="fits DMR-EZ48V")
    assert matcher.codes(coded) == {"lmaf120lu5"}
