"""Suppliers' params normalised into facets (search_index.params), and which facets a category gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from search_index import OfferDocument, SearchIndex, SearchQuery
from search_index.param_facets import MAX_PARAM_FACETS
from search_index.params import facet_label, normalize_name, normalize_param, normalize_params, value_label


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Діаметр", ("diameter", "Діаметр", "")),
        ("Диаметр", ("diameter", "Диаметр", "")),
        ("Diameter", ("diameter", "Diameter", "")),
        ("діаметр, мм", ("diameter", "діаметр", "мм")),
        ("Діаметр (мм)", ("diameter", "Діаметр", "мм")),
        ("  ПОТУЖНІСТЬ,  Вт: ", ("power", "ПОТУЖНІСТЬ", "Вт")),
        ("Мощность", ("power", "Мощность", "")),
        ("Цвет", ("color", "Цвет", "")),
        ("Об’єм", ("volume", "Об’єм", "")),
        ("Страна-производитель", ("country", "Страна-производитель", "")),
        # Unknown names are facets of their own, keyed by their folded spelling.
        ("Тип  протектора", ("тип протектора", "Тип протектора", "")),
        # A comma that is no unit stays in the name.
        ("Тип, вид", ("тип, вид", "Тип, вид", "")),
    ],
)
def test_names_of_one_meaning_are_one_facet(name: str, expected: tuple[str, str, str]) -> None:
    assert normalize_name(name) == expected


@pytest.mark.parametrize("name", ["Артикул", "SKU", "Штрихкод", "Бренд", "Виробник", "модель", "", "  "])
def test_identifiers_and_the_brand_are_no_facets(name: str) -> None:
    assert normalize_name(name) is None


@pytest.mark.parametrize(
    ("name", "value", "key", "unit", "normal", "numeric"),
    [
        # Units: mm, мм and cm are one unit; W and kW too; grams are kilograms.
        ("Діаметр, мм", "125", "diameter", "mm", "125", True),
        ("Diameter", "28 cm", "diameter", "mm", "280", True),
        ("Диаметр", "28см", "diameter", "mm", "280", True),
        ("Потужність", "1,5 кВт", "power", "W", "1500", True),
        ("Мощность, Вт", "2 000", "power", "W", "2000", True),
        ("Power", "2000W", "power", "W", "2000", True),
        ("Вага", "250 г", "weight", "kg", "0.25", True),
        ("Рік", "2021", "year", "", "2021", True),
        # A rim size is one value however it is written.
        ("Діаметр", "R16", "diameter", "", "r16", False),
        ("Диаметр", "r 16", "diameter", "", "r16", False),
        ("Diameter", '16"', "diameter", "", "r16", False),
        ("Діаметр", "16 дюймів", "diameter", "", "r16", False),
        ("Диаметр", "R17.5", "diameter", "", "r17.5", False),
        # Values of one meaning, in uk, ru and en.
        ("Сезон", "Зимові", "season", "", "winter", False),
        ("сезон", "ЗИМНИЕ", "season", "", "winter", False),
        ("Season", "winter", "season", "", "winter", False),
        ("Сезон", "Зимние2", "season", "", "winter", False),  # as rezina13's 1C export writes it
        ("Колір", "Чорний", "color", "", "black", False),
        ("Цвет", "черный", "color", "", "black", False),
        ("Шипи", "Так", "шипи", "", "yes", False),
        # Anything else: case and spaces folded, the spelling kept as the label.
        ("Країна", "  Китай ", "country", "", "китай", False),
        ("Розмір", "205/55", "розмір", "", "205/55", False),
        # A number with a unit nobody listed is text, not a number in the wrong unit.
        ("Струм", "10 А", "струм", "", "10 а", False),
    ],
)
def test_values_and_units_are_normalised(
    name: str, value: str, key: str, unit: str, normal: str, numeric: bool
) -> None:
    param = normalize_param(name, value)
    assert param is not None
    assert (param.key, param.unit, param.value, param.numeric) == (key, unit, normal, numeric)


def test_an_offer_states_each_facet_once_and_skips_what_is_no_param() -> None:
    params = normalize_params([("Діаметр", "R16"), ("Диаметр", "R17"), ("Артикул", "X-1"), ("Сезон", ""), ("bad",)])  # type: ignore[list-item]
    assert [(p.key, p.value) for p in params] == [("diameter", "r16")]


@pytest.mark.parametrize(
    ("locale", "name", "season"),
    [("uk", "Діаметр", "Зимові"), ("ru", "Диаметр", "Зимние"), ("en", "Diameter", "Winter")],
)
def test_known_names_and_values_have_labels_in_each_language(locale: str, name: str, season: str) -> None:
    assert facet_label("diameter", locale, "x") == name
    assert value_label("season", "winter", locale, "x") == season
    # Unknown ones keep the supplier's spelling.
    assert facet_label("тип протектора", locale, "Тип протектора") == "Тип протектора"
    assert value_label("country", "китай", locale, "Китай") == "Китай"


def _offer(offer_id: int, params: tuple[tuple[str, str], ...]) -> OfferDocument:
    return OfferDocument(
        offer_id=offer_id,
        product_id=offer_id,
        supplier="tyres",
        title=f"Tyre {offer_id}",
        category_ids=(1, 2),
        price_minor=100_000 + offer_id,
        param_pairs=params,
    )


def test_a_category_gets_the_dozen_most_useful_facets(make_index: Callable[..., SearchIndex]) -> None:
    docs = []
    for i in range(1, 41):
        params = [
            ("Діаметр" if i % 2 else "Диаметр", f"R{13 + i % 4}"),
            ("Сезон", "Зимові" if i % 3 else "Летние"),
            ("Модельний код", f"MX-{i}"),  # near-unique: an identifier, not a facet
            ("Вантажність", "так"),  # one value: nothing to choose
            ("Потужність, Вт", str(100 * i)),
        ]
        # Twenty more params, each stated by fewer offers than the last.
        params += [(f"Ознака {n}", f"v{i % 3}") for n in range(20) if i <= 40 - n]
        docs.append(_offer(i, tuple(params)))
    # Colours, but in another category.
    docs.append(replace(_offer(99, (("Колір", "червоний"), ("Цвет", "синий"))), category_ids=(1, 3)))
    with make_index() as index:
        index.rebuild(docs)
        facets = index.search(SearchQuery(category_id=2)).params
        keys = [facet.key for facet in facets]
        assert len(keys) == MAX_PARAM_FACETS
        assert {"diameter", "season", "power"} <= set(keys)
        assert "модельний код" not in keys and "вантажність" not in keys and "color" not in keys
        # Ranked by how many offers state them: the rarest extra ones are left out.
        assert "ознака 19" not in keys and "ознака 0" in keys
        power = next(facet for facet in facets if facet.key == "power")
        assert power.numeric and (power.low, power.high, power.unit) == (100.0, 4000.0, "W")
        # A range and a value together; each facet counts over the other filters.
        found = index.search(
            SearchQuery(category_id=2, params=(("season", ("winter",)),), param_ranges=(("power", 1000.0, 2000.0),))
        )
        assert found.total == sum(1 for i in range(10, 21) if i % 3)
        season = next(facet for facet in found.params if facet.key == "season")
        assert {v.value: v.count for v in season.values} == {"winter": 8, "summer": 3}  # 12, 15 and 18 are summer
        # No category, no param facets.
        assert index.search(SearchQuery()).params == ()
