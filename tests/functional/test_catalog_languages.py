"""The catalog in the visitor's language: category names from Google's uk and ru editions on every page.

The names asserted here are Google's own (marketplace/taxonomy/data), joined on the id; the
test tree is tests/fixtures/taxonomy.txt.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import refresh
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.publishing import publish_request
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import MappingSource, Supplier, SupplierCategory
from marketplace.taxonomy.models import Category
from marketplace.taxonomy.seed import translate_tree
from tests.support import factories
from tests.support.accounts import login

#: Google ids of the fixture tree and their names in each language, as Google's editions spell them.
NAMES = {
    "uk": {
        536: "Товари для дому та саду",
        638: "Кухня та вітальня",
        662: "Сковордіки та каструлі з довгими ручками",
        922: "Офісне приладдя",
        947: "Степлери",
    },
    "ru": {
        536: "Дом и сад",
        638: "Товары для кухни и столовой",
        662: "Сковороды",
        922: "Канцелярские товары",
        947: "Степлеры",
    },
}
ENGLISH = {536: "Home &amp; Garden", 638: "Kitchen &amp; Dining", 922: "Office Supplies"}


def google(db_session: Session, google_id: int) -> Category:
    found = db_session.scalar(select(Category).where(Category.google_id == google_id))
    assert found is not None
    return found


def sku(db_session: Session, value: str) -> Offer:
    found = db_session.scalar(select(Offer).where(Offer.supplier_sku == value))
    assert found is not None
    return found


def breadcrumbs(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs">(.*?)</nav>', html, re.S)
    assert nav is not None
    return re.findall(r">([^<>]+)</a>", nav.group(1))


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_the_tree_speaks_the_pages_language(client: FlaskClient, stocked: dict[str, Supplier], lang: str) -> None:
    names = NAMES[lang]
    for path in ("/categories/", "/"):
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        tree = html[html.index('<ul class="tree') :]
        for google_id in (536, 638, 922):
            assert f">{names[google_id]}</a>" in tree
            assert ENGLISH[google_id] not in tree


@pytest.mark.parametrize(("lang", "first", "second"), [("uk", 922, 536), ("ru", 536, 922), ("en", 536, 922)])
def test_the_tree_is_in_the_languages_alphabetical_order(
    client: FlaskClient, stocked: dict[str, Supplier], lang: str, first: int, second: int
) -> None:
    # By English names "Home & Garden" comes first; in Ukrainian "Офісне приладдя" does.
    # One language a test: the tests' app context, pushed throughout, keeps the first locale.
    names = NAMES.get(lang, ENGLISH)
    html = client.get(f"/categories/?lang={lang}", follow_redirects=True).get_data(as_text=True)
    assert html.index(f">{names[first]}</a>") < html.index(f">{names[second]}</a>")


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_category_and_product_pages_name_the_category_in_the_pages_language(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier], lang: str
) -> None:
    names = NAMES[lang]
    pan = sku(db_session, "PAN-28")
    html = client.get(f"/categories/{pan.category_id}?lang={lang}", follow_redirects=True).get_data(as_text=True)
    assert f"<h1>{names[662]}</h1>" in html
    assert f"<title>{names[662]}" in html
    assert breadcrumbs(html)[:3] == ["Категорії" if lang == "uk" else "Категории", names[536], names[638]]

    product = client.get(f"/products/{pan.product_id}?lang={lang}", follow_redirects=True).get_data(as_text=True)
    assert breadcrumbs(product)[1:3] == [names[536], names[638]]
    assert breadcrumbs(product)[-1] == names[662]

    home = google(db_session, 536)
    parent = client.get(f"/categories/{home.id}?lang={lang}", follow_redirects=True).get_data(as_text=True)
    chips = parent[parent.index('<ul class="chips">') :]
    assert f">{names[638]} <span" in chips


def test_a_category_newer_than_googles_2015_editions_keeps_its_english_name(
    client: FlaskClient, db_session: Session
) -> None:
    # 543677 "Sand" entered the English taxonomy after Google's uk and ru editions of 2015.
    gardening = google(db_session, 2962)
    sand = Category(
        google_id=543677, name="Sand", path=f"{gardening.path} > Sand", depth=gardening.depth + 1, parent=gardening
    )
    translate_tree([(sand, gardening)])
    db_session.add(sand)
    db_session.flush()

    html = client.get(f"/categories/{sand.id}?lang=uk", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Sand</h1>" in html
    assert breadcrumbs(html)[1:] == ["Товари для дому та саду", "Товари для газону й саду", "Садівництво", "Sand"]
    assert "<h1>Sand</h1>" in client.get(f"/categories/{sand.id}?lang=ru", follow_redirects=True).get_data(as_text=True)


@pytest.fixture
def shopper(db_session: Session) -> User:
    return factories.user(db_session, "olena@example.com", role=Role.BUYER)


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_the_request_form_lists_categories_by_their_localized_path(
    client: FlaskClient, db_session: Session, shopper: User, lang: str
) -> None:
    login(client, shopper)
    refresh()  # the tests' app context, pushed throughout, would keep the login page's locale
    page = client.get(f"/requests/new?lang={lang}").get_data(as_text=True)
    select_html = page[page.index('name="items-0-category_id"') :]
    select_html = select_html[: select_html.index("</select>")]
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', select_html)
    labels = [label for _value, label in options]
    names = NAMES[lang]
    assert (str(google(db_session, 536).id), names[536]) in options
    assert (str(google(db_session, 638).id), f"{names[536]} &gt; {names[638]}") in options
    assert not any("Home &amp; Garden" in label for label in labels)
    # Ukrainian "Офісне…" before "Товари…"; Russian "Дом…" before "Канцелярские…".
    order = [label for label in labels if label in (names[536], names[922])]
    assert order == ([names[922], names[536]] if lang == "uk" else [names[536], names[922]])


def test_the_request_list_and_detail_name_item_categories_in_the_pages_language(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    staplers = google(db_session, 947)
    published = publish_request(
        db_session, shopper, title="Staplers", items=[ItemInput("stapler", Decimal(1), category_id=staplers.id)]
    )
    db_session.commit()
    listing = client.get("/requests/?lang=uk").get_data(as_text=True)
    assert "Офісне приладдя &gt; Інструменти для офісу &gt; Степлери</option>" in listing
    detail = client.get(f"/requests/{published.id}?lang=uk").get_data(as_text=True)
    assert '<span class="category">Офісне приладдя &gt; Інструменти для офісу &gt; Степлери</span>' in detail

    api = client.get(f"/api/v1/requests/{published.id}?lang=uk").get_json()
    category = api["items"][0]["category"]
    assert api["items"][0]["category_id"] == staplers.id  # the old field stays
    assert (category["id"], category["google_id"], category["name"]) == (staplers.id, 947, "Степлери")
    assert category["names"] == {"en": "Staplers", "uk": "Степлери", "ru": "Степлеры"}
    assert category["paths"]["ru"] == "Канцелярские товары > Офисные принадлежности > Степлеры"


def test_search_facets_and_suggestions_name_categories_in_the_pages_language(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    html = client.get("/search?q=pan&lang=uk").get_data(as_text=True)
    facet = html[html.index('data-testid="facet-category"') :]
    facet = facet[: facet.index("</fieldset>")]
    assert f">{NAMES['uk'][536]}</a>" in facet and ENGLISH[536] not in facet

    refresh()  # the next request's language (the tests' app context stays pushed)
    data = client.get("/api/v1/search?q=pan&lang=ru").get_json()
    option = next(o for o in data["facets"]["category"] if o["value"] == str(google(db_session, 536).id))
    assert option["label"] == "Дом и сад"
    assert option["names"] == {"en": "Home & Garden", "uk": NAMES["uk"][536], "ru": "Дом и сад"}
    assert all("names" not in o for o in data["facets"]["brand"])

    # A Cyrillic prefix finds the category by its Russian name, lower-cased as people type.
    suggested = client.get("/api/v1/suggest?q=сков&lang=ru").get_json()["suggestions"]
    assert ("category", "Сковороды") in {(s["kind"], s["text"]) for s in suggested}


def test_the_portal_maps_a_category_by_its_ukrainian_or_russian_name(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    member = factories.user(db_session, "desk@op.example", role=Role.SUPPLIER, supplier=stocked["office-point"])
    notebooks = db_session.scalar(select(SupplierCategory).where(SupplierCategory.name == "Notebooks & Notepads"))
    assert notebooks is not None
    login(client, member)
    refresh()  # the tests' app context, pushed throughout, would keep the login page's locale

    response = client.post(
        "/portal/categories?lang=uk", data={"supplier_category_id": notebooks.id, "category": "степлери"}
    )
    assert response.status_code == 302
    db_session.refresh(notebooks)
    assert (notebooks.category_id, notebooks.mapping_source) == (google(db_session, 947).id, MappingSource.MANUAL)
    page = client.get("/portal/categories?lang=uk").get_data(as_text=True)
    assert "<td>Офісне приладдя &gt; Інструменти для офісу &gt; Степлери</td>" in page

    response = client.post(
        "/portal/categories?lang=uk",
        data={"supplier_category_id": notebooks.id, "category": "Дом и сад > Товары для кухни и столовой"},
    )
    assert response.status_code == 302
    db_session.refresh(notebooks)
    assert notebooks.category_id == google(db_session, 638).id


def test_the_compare_page_names_the_category_in_the_pages_language(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = sku(db_session, "PAN-28")
    html = client.get(f"/compare/?ids={pan.product_id}&lang=ru").get_data(as_text=True)
    assert '<small class="muted">Сковороды</small>' in html
