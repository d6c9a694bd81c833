"""The UI in Ukrainian and Russian: the catalogs are complete, and the pages use them.

The catalog tests extract the strings from the sources themselves, so a new ``_()`` that nobody
translated fails here even before ``pybabel extract``/``update`` is run. To fix such a failure:

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.*' \
        -o marketplace/translations/messages.pot .
    .venv/bin/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations
    # translate the new or fuzzy entries in marketplace/translations/{uk,ru}/LC_MESSAGES/messages.po
    .venv/bin/pybabel compile -d marketplace/translations --statistics

Flask-Babel caches the locale on ``g``. Fixtures that keep an app context pushed for the whole test
(``db_session``, ``stocked``, ...) make every request of the test share that ``g``, so such tests
speak one language each and make their first request in it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, ngettext
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.imports.feeds import add_feed_source
from marketplace.suppliers.models import Supplier
from tests.support.accounts import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "marketplace" / "translations"
LANGUAGES = ("uk", "ru")
#: Ukrainian and Russian: one (1, 21, 101), few (2-4, 22-24), many (0, 5-20, 25-30, 111).
PLURAL_EXPR = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
#: printf-style placeholders: %(name)s, %(num)d, %s, %d, %.2f; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def load_catalog(lang: str) -> Catalog:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def _not_hidden(dirname: str) -> bool:
    return not os.path.basename(dirname).startswith(".")


def source_messages() -> dict[str, list[str]]:
    """Return every translatable string in the sources (by msgid), with where it occurs."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    found: dict[str, list[str]] = {}
    # Babel skips folders named "_*" by default, which would leave templates/_macros/ out.
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, directory_filter=_not_hidden
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _as_tuple(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text)) - {"%%"}


def page(client: FlaskClient, url: str, **kwargs: object) -> str:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- the catalogs -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_translates_every_string_in_the_sources(lang: str) -> None:
    catalog = load_catalog(lang)
    sources = source_messages()
    assert len(sources) > 100  # the extraction itself works
    untranslated = {
        msgid: where
        for msgid, where in sources.items()
        if (message := catalog.get(msgid)) is None or "fuzzy" in message.flags or not all(_as_tuple(message.string))
    }
    assert not untranslated, (
        f"strings missing from, fuzzy or untranslated in the {lang} catalog (see this module's docstring): "
        f"{untranslated}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete_and_keeps_placeholders(lang: str) -> None:
    catalog = load_catalog(lang)
    assert catalog.num_plurals == 3
    assert catalog.plural_expr.replace(" ", "") == PLURAL_EXPR.replace(" ", "")
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue  # the header
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = _as_tuple(message.string)
        if "fuzzy" in message.flags:
            problems.append(f"fuzzy: {ids[0]!r}")
        if message.pluralizable and len(strings) != 3:
            problems.append(f"{len(strings)} plural forms instead of 3: {ids[0]!r}")
        expected = placeholders(ids[-1])
        for string in strings:
            if not string:
                problems.append(f"untranslated: {ids[0]!r}")
            elif placeholders(string) != expected:
                problems.append(f"placeholders {sorted(placeholders(string))} != {sorted(expected)}: {string!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(lang: str) -> None:
    """The app loads the committed .mo; it must not lag behind the .po."""
    catalog = load_catalog(lang)
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    stale = []
    for message in catalog:
        if not message.id:
            continue
        # A message with a context ("supplier stage" / "Active") is its own entry beside the plain one.
        entry = compiled.get(message.id, message.context)
        # read_mo gives plural ids and strings as lists, read_po as tuples.
        if entry is None or _as_tuple(entry.string) != _as_tuple(message.string):
            stale.append(message.id)
    assert not stale, f"run: pybabel compile -d marketplace/translations ({len(stale)} stale entries)"


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("uk", {"%d пропозиція": (1, 21, 31, 101), "%d пропозиції": (2, 3, 4, 22, 24, 102),
                "%d пропозицій": (0, 5, 6, 11, 12, 14, 19, 20, 25, 100, 111, 112)}),
        ("ru", {"%d предложение": (1, 21, 31, 101), "%d предложения": (2, 3, 4, 22, 24, 102),
                "%d предложений": (0, 5, 6, 11, 12, 14, 19, 20, 25, 100, 111, 112)}),
    ],
)  # fmt: skip
def test_plural_forms_follow_the_language_rules(app: Flask, lang: str, forms: dict[str, tuple[int, ...]]) -> None:
    with app.test_request_context("/"), force_locale(lang):
        for form, numbers in forms.items():
            for n in numbers:
                assert ngettext("%(num)d offer", "%(num)d offers", n) == form % n


# --- the pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("uk", ["Пошук", "Категорії", "Заявки", "Увійти", "Реєстрація", "Усі постачальники. Один торговельний ряд."]),
        ("ru", ["Поиск", "Категории", "Заявки", "Войти", "Регистрация", "Все поставщики. Один торговый ряд."]),
        ("en", ["Search", "Categories", "Requests", "Log in", "Register", "Every supplier. One trade row."]),
    ],
)
def test_home_page_in_the_chosen_language(client: FlaskClient, lang: str, expected: list[str]) -> None:
    html = page(client, f"/?lang={lang}")
    assert f'<html lang="{lang}">' in html
    for text in expected:
        assert text in html
    assert "TradeRow" in html  # the brand stays as it is


def test_browser_language_picks_ukrainian(client: FlaskClient) -> None:
    html = page(client, "/", headers={"Accept-Language": "uk"})
    assert '<html lang="uk">' in html and ">Пошук<" in html and ">Категорії<" in html


@pytest.mark.parametrize(
    ("header", "lang", "search"),
    [("uk-UA,uk;q=0.9,en;q=0.8", "uk", "Пошук"), ("ru-RU,ru;q=0.9", "ru", "Поиск"), ("de-DE,de", "en", "Search")],
)
def test_browser_language_with_regions_and_fallback(client: FlaskClient, header: str, lang: str, search: str) -> None:
    html = page(client, "/", headers={"Accept-Language": header})
    assert f'<html lang="{lang}">' in html and f">{search}<" in html


def test_chosen_language_is_remembered_and_beats_the_browser(client: FlaskClient) -> None:
    assert ">Поиск<" in page(client, "/?lang=ru", headers={"Accept-Language": "uk"})
    html = page(client, "/categories/", headers={"Accept-Language": "uk"})
    assert '<html lang="ru">' in html and "<h1>Категории</h1>" in html


@pytest.mark.parametrize(
    ("lang", "labels"),
    [("uk", ["Електронна пошта", "Пароль", "Ще не маєте акаунта?"]), ("ru", ["Электронная почта", "Пароль"])],
)
def test_form_labels_are_translated(client: FlaskClient, lang: str, labels: list[str]) -> None:
    html = page(client, f"/account/login?lang={lang}")
    for label in labels:
        assert label in html


def test_flash_message_with_a_placeholder(client: FlaskClient, buyer: User) -> None:
    response = client.post(
        "/account/login?lang=uk", data={"email": buyer.email, "password": PASSWORD}, follow_redirects=True
    )
    assert "З поверненням, Bohdana!" in response.get_data(as_text=True)


def test_a_domain_error_is_shown_in_the_pages_language(
    client: FlaskClient, db_session: Session, supplier_member: User, supplier: Supplier
) -> None:
    # Only the service knows the address is taken: the form's own checks pass.
    add_feed_source(db_session, supplier, "https://kitchen-pro.example/yml.xml")
    login = client.post("/account/login?lang=uk", data={"email": supplier_member.email, "password": PASSWORD})
    assert login.status_code == 302

    response = client.post(
        "/portal/feeds", data={"url": "https://kitchen-pro.example/yml.xml", "interval_hours": "6", "mode": "auto"}
    )

    assert response.status_code == 400
    assert "Цю адресу фіда вже зареєстровано." in response.get_data(as_text=True)


SEARCHES = [  # the fixture feeds hold six offers
    ("q=zzzz", 0),
    ("q=Hartwell&max_price=1900", 1),
    ("q=Hartwell", 2),
    ("supplier=kitchen-pro", 3),
    ("in_stock=y", 4),
    ("max_price=1900", 5),
    ("q=", 6),
]
#: one (1, 21, ...), few (2-4, 22-24, ...), many (0, 5-20, ...), as in PLURAL_EXPR.
FORMS = {
    "uk": {
        "found": ("Знайдено %d пропозицію", "Знайдено %d пропозиції", "Знайдено %d пропозицій"),
        "product": ("%d товар", "%d товари", "%d товарів"),
        "offer": ("%d пропозиція", "%d пропозиції", "%d пропозицій"),
    },
    "ru": {
        "found": ("Найдено %d предложение", "Найдено %d предложения", "Найдено %d предложений"),
        "product": ("%d товар", "%d товара", "%d товаров"),
        "offer": ("%d предложение", "%d предложения", "%d предложений"),
    },
}


def plural(forms: tuple[str, str, str], n: int) -> str:
    one, few, many = forms
    if n % 10 == 1 and n % 100 != 11:
        return one % n
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few % n
    return many % n


def shown_total(html: str) -> str:
    """Return the text of the results' total line, its white space folded."""
    match = re.search(r'data-testid="total">(.*?)</p>', html, re.S)
    assert match, "no total line on the page"
    return " ".join(match.group(1).split())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_total_of_offers_uses_the_right_plural_form(
    client: FlaskClient, stocked: dict[str, Supplier], lang: str
) -> None:
    for query, total in SEARCHES:
        html = page(client, f"/search?{query}&view=offers&lang={lang}")
        assert f'<html lang="{lang}">' in html
        assert shown_total(html) == plural(FORMS[lang]["found"], total), query


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_total_of_products_uses_the_right_plural_forms(
    client: FlaskClient, stocked: dict[str, Supplier], lang: str
) -> None:
    for query, offers in SEARCHES:
        products = client.get(f"/api/v1/search?{query}&lang={lang}").get_json()["total"]
        assert products <= offers, query
        html = page(client, f"/search?{query}&lang={lang}")
        expected = f"{plural(FORMS[lang]['product'], products)}, {plural(FORMS[lang]['offer'], offers)}"
        assert shown_total(html) == expected, query


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("uk", ["2 пропозиції", "Найкраща ціна", "В наявності", "Купити", "Продавець"]),
        ("ru", ["2 предложения", "Лучшая цена", "В наличии", "Купить", "Продавец"]),
    ],
)
def test_product_page(client: FlaskClient, stocked: dict[str, Supplier], lang: str, expected: list[str]) -> None:
    html = page(client, f"/search?q=Hartwell&lang={lang}")
    product_url = re.search(r'href="(/products/\d+-[a-z0-9-]+)"', html)
    assert product_url is not None
    html = page(client, f"{product_url.group(1)}?lang={lang}")
    for text in expected:
        assert text in html
