"""Accessories from compatibility params: which params count, what an item must name, and the precision guards."""

from __future__ import annotations

from product_matching.compatibility import (
    EXACT,
    MAX_PRODUCTS_PER_ITEM,
    VARIANT,
    Listing,
    compatibility_links,
    is_compatibility_param,
    own_codes,
    stated_items,
)

DRILL = Listing("drill", "drills", "Дриль-шурупокрут Makita DHP482Z", brand="Makita", model="DHP482Z")
DRIVER = Listing("driver", "drills", "Makita DDF482 cordless driver", brand="Makita")
PHONE = Listing("phone", "phones", "Смартфон Samsung Galaxy S23 8/128GB", brand="Samsung", model="Galaxy S23")
PHONE_US = Listing("phone-us", "phones", "Samsung SM-S911U Galaxy S23", brand="Samsung")


def fits(listings: list[Listing]) -> dict[tuple[object, object], float]:
    return {(fit.accessory, fit.product): fit.score for fit in compatibility_links(listings)}


def test_compatibility_params_are_known_by_name_in_three_languages() -> None:
    for name in ("Сумісність", "Совместимость:", "Compatibility", "Compatible with", "Підходить для", "Для моделі"):
        assert is_compatibility_param(name), name
    assert is_compatibility_param("Совместимые модели") and is_compatibility_param("Сумісність з моделями")
    for name in ("Колір", "Призначення", "Бренд", "Модель", "Матеріал"):
        assert not is_compatibility_param(name), name


def test_a_value_is_split_into_items_but_a_code_with_a_slash_stays_whole() -> None:
    params = [("Сумісність", "Makita DHP482, DDF482; MB470LL/A\nGalaxy S23 / S23+"), ("Колір", "чорний, синій")]
    assert stated_items(params) == ["Makita DHP482", "DDF482", "MB470LL/A", "Galaxy S23", "S23+"]


def test_a_battery_stating_two_drill_codes_is_the_accessory_of_both() -> None:
    battery = Listing("battery", "batteries", "Акумулятор Makita BL1850B", params=(("Сумісність", "DHP482, DDF482"),))
    found = fits([DRILL, DRIVER, battery])
    # DHP482 names the DHP482Z (a suffix of letters: the same tool without a battery); DDF482 exactly.
    assert found == {("battery", "drill"): VARIANT / 2, ("battery", "driver"): EXACT / 2}


def test_brand_and_stated_model_name_a_product_without_a_code() -> None:
    case = Listing(
        "case", "cases", "Чохол Spigen Liquid Air", brand="Spigen", params=(("Для моделі", "Samsung Galaxy S23"),)
    )
    assert fits([PHONE, case]) == {("case", "phone"): EXACT}


def test_a_purpose_a_brand_alone_or_a_measure_names_no_product() -> None:
    axe = Listing(
        "axe", "axes", "Сокира Fiskars X21", params=(("Підходить для", "заготівлі дров, розколювання колод"),)
    )
    cover = Listing("cover", "cases", "Чохол універсальний", params=(("Сумісність", "Samsung; 12V; 28 см"),))
    assert fits([PHONE, DRILL, axe, cover]) == {}


def test_a_code_after_for_in_a_title_does_not_make_the_product_that_model() -> None:
    case = Listing("case", "cases", "Чохол для Samsung SM-S911U")
    assert own_codes(case) == set()
    glass = Listing("glass", "screen-protectors", "Захисне скло", params=(("Compatibility", "SM-S911U"),))
    assert fits([PHONE_US, case, glass]) == {("glass", "phone-us"): EXACT}


def test_a_cross_reference_within_one_category_is_a_substitute_not_an_accessory() -> None:
    pads = Listing("pads", "brake-pads", "Колодки гальмівні WAGNER ZX1405", model="ZX1405")
    other = Listing("other", "brake-pads", "Колодки POWER STOP 171298", params=(("Сумісність", "ZX1405"),))
    assert fits([pads, other]) == {}


def test_an_offer_without_a_category_links_nothing() -> None:
    battery = Listing("battery", None, "Акумулятор BL1850B", params=(("Сумісність", "DHP482"),))
    unfiled = Listing("unfiled", None, "Makita DHP482Z")
    assert fits([DRILL, battery]) == {} and fits([unfiled, Listing("b", "batteries", "B", params=battery.params)]) == {}


def test_an_accessory_is_never_what_another_accessory_fits() -> None:
    case = Listing("case", "cases", "Чохол Spigen", params=(("Сумісність", "SM-S911U"),), model="ACS05710")
    glass = Listing("glass", "glass", "Скло", params=(("Сумісність", "SM-S911U, ACS05710"),))
    assert fits([PHONE_US, case, glass]) == {("case", "phone-us"): EXACT, ("glass", "phone-us"): EXACT / 1}


def test_an_item_naming_a_whole_line_of_products_is_dropped() -> None:
    line = [Listing(f"v{n}", "drills", f"Makita DHP482{chr(65 + n)}") for n in range(MAX_PRODUCTS_PER_ITEM + 1)]
    battery = Listing("battery", "batteries", "Акумулятор", params=(("Сумісність", "DHP482"),))
    assert fits([*line, battery]) == {}
    assert len(fits([*line[:MAX_PRODUCTS_PER_ITEM], battery])) == MAX_PRODUCTS_PER_ITEM


def test_two_offers_of_one_accessory_keep_the_surer_link_and_the_item_it_came_from() -> None:
    vague = Listing("battery", "batteries", "Акумулятор", params=(("Сумісність", "DHP482"),))
    exact = Listing("battery", "batteries", "Battery", params=(("Compatible with", "Makita DHP482Z"),))
    (link,) = compatibility_links([DRILL, vague, exact])
    assert (link.product, link.score, link.stated) == ("drill", EXACT, "Makita DHP482Z")


def test_a_code_finds_its_variants_however_the_two_are_written() -> None:
    # Another region's marker ("SM-S911B" for an SM-S911U), a longer code than the product's
    # ("DDF482Z" for a DDF482), and a shorter one (DHP482 for a DHP482Z): each found, none exact.
    case = Listing("case", "cases", "Чохол", params=(("Сумісність", "SM-S911B"),))
    battery = Listing("battery", "batteries", "Акумулятор", params=(("Сумісність", "DDF482Z; DHP482"),))
    found = fits([PHONE_US, DRILL, DRIVER, case, battery])
    assert found == {
        ("case", "phone-us"): VARIANT,
        ("battery", "driver"): VARIANT / 2,
        ("battery", "drill"): VARIANT / 2,
    }
    # Another model of the series is no variant: DHP48 is not a DHP482, nor DHP4820 one.
    other = Listing("other", "batteries", "Акумулятор", params=(("Сумісність", "DHP4820, DHP48"),))
    assert fits([DRILL, other]) == {}
