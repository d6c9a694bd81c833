"""The text matcher: model codes, normalisation, scoring and one-to-one grouping on hand-written titles."""

from __future__ import annotations

import pytest

from product_matching import (
    MatchText,
    TextMatcher,
    brands_conflict,
    code_similarity,
    extract_codes,
    extract_measures,
    measures_conflict,
    normalize_code,
    normalize_title,
    offers_brands_conflict,
    stated_brands,
)
from product_matching.vetoes import Kinds


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


@pytest.mark.parametrize(
    ("title", "kind", "values"),
    [
        # Decimal comma and point, Cyrillic and Latin units, spacing: one value in grams.
        ("Сокира-колун Kozak 1,6 кг", "weight", {(1600.0,)}),
        ("Kozak axe 1.6kg", "weight", {(1600.0,)}),
        ("Frying pan 28 cm", "length", {(280.0,)}),
        ("Сковорода 28 см", "length", {(280.0,)}),
        ("Килимок 30 x 40 см", "length", {(300.0, 400.0)}),
        ("Canon EF-S 17mm - 85mm lens", "length", {(17.0, 85.0)}),
        ("Пляшка 1 л", "volume", {(1000.0,)}),
        ("Bottle 1000 ml", "volume", {(1000.0,)}),
        ("SanDisk 32GB microSD", "storage", {(32000.0,)}),
        ("Смартфон Galaxy A54 8/256 ГБ", "storage", {(256000.0,)}),
        ('Ніж Gerber Ceviche 7",E,Box', "inches", {(7.0,)}),
        ("Samsung 55-inch LCD TV", "inches", {(55.0,)}),
        ("Телевізор 32 дюйми", "inches", {(32.0,)}),
        ("Monster HDMI cable 6 ft", "inches", {(72.0,)}),
        ("Contigo travel mug 16 fl oz", "fluid ounces", {(16.0,)}),
        ("Rubbermaid 1 gallon pitcher", "fluid ounces", {(128.0,)}),
        ("Weber charcoal 20 lb bag", "ounces", {(320.0,)}),
        ("Lodge skillet 5 lbs", "ounces", {(80.0,)}),
        ("Ghirardelli cocoa 8 oz", "ounces", {(8.0,)}),
        ("Набір посуду, 12 предметів", "pieces", {(12.0,)}),
        ("Screwdriver set 5 pcs", "pieces", {(5.0,)}),
        ("Акумулятор 12 В 7 Ач", "voltage", {(12.0,)}),
        ("Акумулятор 12 В 7 Ач", "charge", {(7000.0,)}),
        ("Power bank 10,000mAh", "charge", {(10000.0,)}),
        ("Чайник 2,2 кВт", "power", {(2200.0,)}),
        # Tyres: section, rim (C for light trucks, Z for the speed class) and service description.
        ("Matador MP-62 All Weather Evo 185/65 R15 88T", "tyre", {(185.0, 65.0)}),
        ("Matador MP-62 All Weather Evo 185/65 R15 88T", "rim", {("15",)}),
        ("Matador MP-62 All Weather Evo 185/65 R15 88T", "tyre service", {("88t",)}),
        ("Petlas VanMaster 195/70R15C 104/102R", "rim", {("15c",)}),
        ("Triangle TE307 205/50 ZR17 93W XL", "rim", {("17",)}),
        ("Grenlander Drak M/T 31/10,5 R15 109Q", "tyre", {(31.0, 10.5)}),
    ],
)
def test_extract_measures(title: str, kind: str, values: set[tuple[float | str, ...]]) -> None:
    assert extract_measures(title)[kind] == values


@pytest.mark.parametrize(
    "title",
    [
        "Набір подарунковий 2 в 1 Fiskars Norden N7",  # "в" is "in" here, not volts
        "Multi-tool 5 in 1",
        "Sony BRAVIA KDL-40V4100 LCD TV",
        "Canon PowerShot SX10 IS",
        "Tefal Ingenio",
        "Каталог 2019 г.",  # a year, not grams
    ],
)
def test_titles_without_measures(title: str) -> None:
    assert extract_measures(title) == {}


def test_tyre_speed_symbols_are_not_volts_or_watts() -> None:
    assert set(extract_measures("Triangle TE307 205/50 ZR17 93W XL")) == {"tyre", "rim", "tyre service"}
    assert set(extract_measures("Ovation VI-682 185/60 R14 82V")) == {"tyre", "rim", "tyre service"}


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("Сокира-колун Kozak 1,6 кг", "Kozak axe 2 kg", True),
        ("Сокира-колун Kozak 1,6 кг", "Kozak axe 1.6 kg", False),
        ("Frying pan 28 cm", "Сковорода 28 см", False),
        ("Frying pan 280 mm", "Сковорода 28 см", False),
        ("Сковорода 26 см", "Сковорода 28 см", True),
        ("SanDisk 32GB", "SanDisk 64 GB", True),
        ("Bottle 1 l", "Пляшка 1000 мл", False),
        ("Matador MP-62 185/65 R15 88T", "Matador MP-62 185/65 R14 86T", True),
        ("Petlas 195/70 R15C 104/102R", "Petlas 195/70 R15 95T", True),
        # A value only one title states is no conflict.
        ("Frying pan 28 cm", "Frying pan", False),
        ("Apple iPod nano 8GB", "Apple iPod nano 8GB silver 2 inch screen", False),
        ("Matador MP-62 185/65 R15", "Matador MP-62 185/65 R15 88T", False),
        ("Monster HDMI cable 6 ft", "Monster HDMI cable 12 ft", True),
        ("Monster HDMI cable 6 ft", 'Monster HDMI cable 72"', False),
        ("Contigo mug 16 fl oz", "Contigo mug 20 fl oz", True),
        ("Lodge skillet 5 lb", "Lodge skillet 80 oz", False),
        ("Weber charcoal 20 lb", "Weber charcoal 8 lb", True),
        # Fluid ounces are a volume: never compared with ounces of weight.
        ("Cocoa 8 oz", "Cocoa 8 fl oz", False),
        # Kinds are compared separately: 28 cm and 11" are not compared at all.
        ("Pan 28 cm", 'Pan 11"', False),
    ],
)
def test_measures_conflict(a: str, b: str, conflict: bool) -> None:
    assert measures_conflict(extract_measures(a), extract_measures(b)) is conflict
    assert measures_conflict(extract_measures(b), extract_measures(a)) is conflict


def test_the_matcher_keeps_sizes_of_one_line_apart() -> None:
    # The Poltava tyre has no twin in Kharkiv: its nearest sibling differs only by size.
    records = _records(
        ("k1", "kharkiv", "Matador MP-62 All Weather Evo 185/65 R15 88T", "Matador"),
        ("k2", "kharkiv", "Fiskars Steel frying pan 28 cm", "Fiskars"),
        ("p1", "poltava", "Matador MP-62 All Weather Evo 185/65 R14 86T", "Matador"),
        ("p2", "poltava", "Сковорода Fiskars Steel 26 см", "Fiskars"),
    )
    assert TextMatcher().merges(records, pending=[2, 3]) == []
    # Without the measure veto (and the code veto, which reads "R15 88T" as a code too) they join.
    assert len(TextMatcher(vetoes=Kinds(measures=False, codes=False)).merges(records, pending=[2, 3])) >= 1
    twin = [*records[:2], MatchText(group="p3", source="poltava", title="Matador MP-62 185/65 R15 88T")]
    assert [(m.keep, m.absorb) for m in TextMatcher().merges(twin, pending=[2])] == [("k1", "p3")]


def test_a_group_is_not_joined_to_an_offer_whose_measures_conflict_with_any_of_its_offers() -> None:
    # Group 1 already holds the 28 cm pan of two shops; a terse third title must not bridge to 26 cm.
    records = [
        MatchText(group=1, source="x", title="Fiskars Hard Face frying pan 28 cm"),
        MatchText(group=1, source="y", title="Fiskars Hard Face frying pan"),
        MatchText(group=2, source="z", title="Fiskars Hard Face frying pan 26 cm"),
    ]
    assert TextMatcher().merges(records, pending=[2]) == []


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("Grenlander", "Leao", True),
        ("SONY", "Sony", False),
        ("Canon", "Canon USA", False),  # one contains the other
        ("HP", "Hewlett-Packard", False),  # initials
        ("Bosch", "Бош", False),  # two scripts: transliteration is guesswork, no veto
        ("Samsung", "LG", True),
        (None, "LG", False),
    ],
)
def test_brands_conflict(a: str | None, b: str | None, conflict: bool) -> None:
    assert brands_conflict(a, b) is conflict


def test_a_title_states_a_known_brand_it_starts_with() -> None:
    known = {"polkaudio", "maytag"}
    assert stated_brands(MatchText(group=1, source="x", title="Polk Audio Sirius Home Tuner"), known) == ("polk audio",)
    assert stated_brands(MatchText(group=1, source="x", title="Sirius Home Tuner"), known) == ()
    oven = MatchText(group=1, source="y", title="Maytag Over-the-Range Microwave", brand="Whirlpool")
    assert stated_brands(oven, known) == ("Whirlpool", "maytag")


def test_offers_of_different_brands_are_not_joined_but_a_distributors_brand_field_is_no_conflict() -> None:
    tyres = [
        MatchText(group="k1", source="kharkiv", title="Grenlander Colo H02 155/70 R13 75T", brand="Grenlander"),
        MatchText(group="k2", source="kharkiv", title="Rosava Snowgard 175/70 R14 84T", brand="Rosava"),
        MatchText(group="p1", source="poltava", title="Leao Winter Defender HP 155/70 R13 75T", brand="Leao"),
    ]
    assert TextMatcher().merges(tyres, pending=[2]) == []
    assert len(TextMatcher(vetoes=Kinds(brands=False)).merges(tyres, pending=[2])) == 1
    # The brand field names the parent company; the title names the maker the other offer states.
    ovens = [
        MatchText(group="a1", source="abt", title="Maytag Over-The-Range Microwave Oven - MMV4205BAQ"),
        MatchText(group="b1", source="buy", title="Maytag MMV4205BAQ Over-the-Range Microwave", brand="Whirlpool"),
    ]
    assert offers_brands_conflict(("Whirlpool",), ovens[1].title, ("maytag",), ovens[0].title) is False
    assert [(m.keep, m.absorb) for m in TextMatcher().merges(ovens, pending=[1])] == [("a1", "b1")]
