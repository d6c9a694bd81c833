"""Reading the Google taxonomy file, GTIN check digits and grouping keys."""

from __future__ import annotations

import pytest

from marketplace.catalog.grouping import brand_code_key, gtin_key
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.seed import bundled_taxonomy, read_taxonomy, translate_tree
from supplier_feeds.gtin import normalize_gtin


def test_read_taxonomy_lines() -> None:
    text = "# version\n1 - Animals & Pet Supplies\n3237 - Animals & Pet Supplies > Live Animals\n"
    assert list(read_taxonomy(text)) == [
        (1, ["Animals & Pet Supplies"]),
        (3237, ["Animals & Pet Supplies", "Live Animals"]),
    ]
    with pytest.raises(ValueError, match="not a taxonomy line"):
        list(read_taxonomy("Animals without an id"))


def test_the_bundled_taxonomy_is_complete() -> None:
    rows = list(read_taxonomy(bundled_taxonomy()))
    assert len(rows) == 5595
    assert (3841, ["Home & Garden", "Lawn & Garden", "Gardening", "Gardening Tools", "Pruning Shears"]) in rows


def test_the_tree_speaks_uk_and_ru_joined_on_the_google_id() -> None:
    vehicles = Category(google_id=888, name="Vehicles & Parts", path="Vehicles & Parts")
    tires = Category(google_id=911, name="Motor Vehicle Tires", path="Vehicles & Parts > Motor Vehicle Tires")
    # An id newer than the 2015 editions, and a node of the marketplace's own, keep English.
    newer = Category(google_id=999_999_999, name="Snow Chains", path="Vehicles & Parts > Snow Chains")
    ours = Category(google_id=None, name="Local", path="Vehicles & Parts > Local")
    translate_tree([(vehicles, None), (tires, vehicles), (newer, vehicles), (ours, vehicles)])

    assert vehicles.name_in("uk") == "Транспортні засоби та запчастини"
    assert vehicles.name_in("ru") == "Транспортные средства и запчасти"
    assert tires.name_in("uk") == "Шини для транспортних засобів"
    assert tires.path_in("ru") == "Транспортные средства и запчасти > Шины для автомобилей"
    assert tires.name_in("en") == tires.name_in(None) == "Motor Vehicle Tires"
    assert newer.name_in("uk") == "Snow Chains"
    assert newer.path_in("uk") == "Транспортні засоби та запчастини > Snow Chains"
    assert ours.path_in("ru") == "Транспортные средства и запчасти > Local"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4006381333931", "4006381333931"),  # EAN-13
        ("4006 3813 3393 1", "4006381333931"),
        ("036000291452", "036000291452"),  # UPC-A
        ("96385074", "96385074"),  # EAN-8
        ("4006381333932", None),  # wrong check digit
        ("0000000000000", None),
        ("12345", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_gtin(value: str | None, expected: str | None) -> None:
    assert normalize_gtin(value) == expected


def test_brand_code_key_folds_spelling() -> None:
    assert brand_code_key("Polissia", "GD-4186F") == brand_code_key("POLISSIA ", "gd 4186f") == "polissia|gd4186f"
    assert brand_code_key(None, "GD-4186F") is None
    assert brand_code_key("Polissia", "A1") is None  # too short to identify anything


def test_a_model_name_is_no_key_only_a_code_is() -> None:
    # Tefal sells an "Ingenio" frying pan and an "Ingenio" saucepan: the name identifies neither.
    assert brand_code_key("Tefal", "Ingenio") is None
    assert brand_code_key("Bosch", "Professional") is None
    assert brand_code_key("Tefal", "L15004-02") == "tefal|l1500402"
    assert brand_code_key("Bosch", "0 603 127 020") == "bosch|0603127020"  # a long digit run
    assert brand_code_key("Bosch", "500") is None  # a number, not a part number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("036000291452", "00036000291452"),  # UPC-A
        ("0036000291452", "00036000291452"),  # the same as EAN-13
        ("00036000291452", "00036000291452"),  # ...and as GTIN-14
        ("96385074", "00000096385074"),  # EAN-8
        ("4006381333932", None),
        (None, None),
    ],
)
def test_gtin_key_pads_every_valid_gtin_to_14_digits(value: str | None, expected: str | None) -> None:
    assert gtin_key(value) == expected
