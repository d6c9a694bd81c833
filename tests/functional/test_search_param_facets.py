"""Issue 19's parametric filters: two tyre suppliers, one writing params in Ukrainian, one in Russian.

Their "Діаметр"/"Диаметр" ("R16", "16\\"", "R 16"), "Сезон" ("Зимові"/"Зимние") and widths in
millimetres become one set of facets of the tyre category, on its page and on the search page
with the category chosen; choosing a value narrows the results, a range of numbers filters, and
bad input is an error on its field in the visitor's language.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.category_mapping import set_mapping
from marketplace.imports.run import import_feed
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.suppliers.models import SupplierCategory
from tests.support import factories
from tests.support.paths import FIXTURES
from tests.support.taxonomy import add_google_categories

#: Each app test runs on Whoosh and on PostgreSQL (tests/support/pg_search_apps.py).
pytestmark = pytest.mark.search_engines

#: Google's "Vehicles & Parts > ... > Motor Vehicle Tires".
TYRES = 911


@pytest.fixture
def tyres(app: Flask, db_session: Session, admin: User) -> int:
    """Import both tyre feeds, map their categories to Motor Vehicle Tires, index; return the category id."""
    category = add_google_categories(db_session, TYRES)[TYRES]
    for slug, name in (("shyny-uk", "tyres-uk.yml"), ("kolesa-ru", "tyres-ru.yml")):
        owner = factories.supplier(db_session, slug)
        run = import_feed(
            db_session, owner, (FIXTURES / "feeds" / name).read_bytes(), filename=name,
            base_currency="UAH", rates=app.config["CURRENCY_RATES"],
        )  # fmt: skip
        assert run.status == "succeeded", run.error
        for supplier_category in db_session.scalars(
            select(SupplierCategory).where(SupplierCategory.supplier_id == owner.id)
        ):
            set_mapping(db_session, supplier_category, category, by=admin)
    db_session.commit()
    sync_index(db_session, get_index(app))
    return category.id


def facets(client: FlaskClient, url: str) -> dict[str, dict[str, object]]:
    data = client.get(url).get_json()
    assert "params" in data, data
    return {facet["key"]: facet for facet in data["params"]}


def counts(facet: dict[str, object]) -> dict[str, int]:
    values = facet["values"]
    assert isinstance(values, list)
    return {value["value"]: value["count"] for value in values}


def test_both_suppliers_params_are_one_set_of_facets(client: FlaskClient, tyres: int) -> None:
    found = facets(client, f"/api/v1/search?category={tyres}&view=offers")
    assert {"diameter", "season", "width"} <= set(found)
    # "R16" and '16"', "R15" and "R 15": one value each, from both suppliers.
    assert counts(found["diameter"]) == {"r15": 3, "r16": 3, "r17": 1}
    assert counts(found["season"]) == {"winter": 4, "summer": 2, "all-season": 1}
    assert found["width"]["numeric"] and (found["width"]["min"], found["width"]["max"]) == ("185", "225")
    assert found["width"]["unit"] == "mm"
    # The article is an identifier, never a facet.
    assert "артикул" not in found and "article" not in found
    # No category chosen: no param facets.
    assert client.get("/api/v1/search?view=offers").get_json()["params"] == []


def test_choosing_a_value_narrows_and_a_range_filters(client: FlaskClient, tyres: int) -> None:
    base = f"/api/v1/search?category={tyres}&view=offers"
    winter = client.get(f"{base}&p.season=winter").get_json()
    assert winter["total"] == 4
    # The facet chosen still counts its other values; the others count within the winter tyres.
    found = {facet["key"]: facet for facet in winter["params"]}
    assert counts(found["season"])["summer"] == 2
    assert counts(found["diameter"]) == {"r16": 2, "r15": 1, "r17": 1}
    both = client.get(f"{base}&p.season=winter&p.diameter=r16").get_json()
    assert both["total"] == 2 and all("R16" in hit["title"] for hit in both["results"])
    narrow = client.get(f"{base}&p.width.min=200&p.width.max=210").get_json()
    assert narrow["total"] == 2 and all("205/" in hit["title"] for hit in narrow["results"])
    # A decimal comma, as Ukrainians write it.
    assert client.get(f"{base}&p.width.min=214,5").get_json()["total"] == 2
    # Nothing is an R17 summer tyre: the page offers to drop the param filters, with what that finds.
    none = client.get(f"{base}&p.season=summer&p.diameter=r17").get_json()
    assert none["total"] == 0
    assert {"filter": "params", "params": ["p.season", "p.diameter"], "total": 7} in none["relax"]


def test_category_page_shows_facets_in_the_visitors_language(client: FlaskClient, tyres: int) -> None:
    html = client.get(f"/categories/{tyres}?lang=ru", follow_redirects=True).get_data(as_text=True)
    legends = re.findall(r'data-testid="facet-param" data-key="(\w+)">\s*<legend>([^<]+)</legend>', html)
    assert dict(legends)["diameter"] == "Диаметр" and dict(legends)["season"] == "Сезон"
    assert dict(legends)["width"] == "Ширина, мм"
    assert "Зимние" in html and "Летние" in html
    uk = client.get(f"/categories/{tyres}?lang=uk&p.season=winter", follow_redirects=True).get_data(as_text=True)
    assert "Діаметр" in uk and "Зимові" in uk and 'value="winter" checked' in uk
    # Paging and sorting keep the facet chosen.
    page = client.get(f"/categories/{tyres}?p.season=winter&per_page=2", follow_redirects=True).get_data(as_text=True)
    next_link = re.search(r'href="([^"]+)" data-testid="next-page"', page)
    assert next_link is not None and "p.season=winter" in next_link.group(1).replace("&amp;", "&")


def test_search_page_with_a_category_has_the_same_facets(client: FlaskClient, tyres: int) -> None:
    html = client.get(f"/search?q=шина&category={tyres}&p.diameter=r16&lang=uk").get_data(as_text=True)
    assert 'data-key="diameter"' in html and 'value="r16" checked' in html
    assert html.count('data-testid="hit"') == 3  # two R16 products of one supplier, one of the other
    assert 'data-key="diameter"' not in client.get("/search?q=шина").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Width, from: Not a number: write it like 16 or 1,5."),
        ("uk", "Ширина, "),
    ],
)
def test_bad_range_is_an_error_on_its_field(client: FlaskClient, tyres: int, lang: str, expected: str) -> None:
    api = client.get(f"/api/v1/search?category={tyres}&p.width.min=wide", headers={"Accept-Language": lang})
    assert api.status_code == 400
    assert list(api.get_json()["error"]["fields"]) == ["p.width.min"]
    html = client.get(f"/search?category={tyres}&p.width.min=wide&lang={lang}").get_data(as_text=True)
    assert 'data-field="p.width.min"' in html and expected in re.sub("</?strong>", "", html)
    upside_down = client.get(f"/api/v1/search?category={tyres}&p.width.min=220&p.width.max=200").get_json()
    assert list(upside_down["error"]["fields"]) == ["p.width.min"]


def test_cli_takes_the_same_param_filters(runner: FlaskCliRunner, tyres: int) -> None:
    args = ["search", "--category", str(tyres), "--offers", "--json"]
    found = json.loads(runner.invoke(args=[*args, "--param", "season=winter"]).output)
    assert found["total"] == 4 and found["params"]["season"]["summer"] == 2
    narrow = runner.invoke(args=[*args, "--param", "season=winter", "--param-range", "width=200:210"])
    assert json.loads(narrow.output)["total"] == 2
    bad = runner.invoke(args=[*args, "--param-range", "width=wide:"])
    assert bad.exit_code == 2 and "--param-range" in bad.output
