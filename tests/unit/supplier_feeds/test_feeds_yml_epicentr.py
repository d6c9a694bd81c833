"""Epicentr K's YML dialect: offers that name their category by code, and prices in UAH said once."""

from decimal import Decimal

from supplier_feeds import FeedCategory, FeedHeader, FeedOffer, RowProblem, detect_format
from supplier_feeds.detect import FORMAT_NAMES, PARSERS
from tests.support.parsing import items, offers, problems
from tests.support.paths import FIXTURES

EPICENTR = (FIXTURES / "feeds" / "epicentr.yml").read_bytes()


def epicentr_offer(body: str, *, sku: str = "E1", code: str = "2866", category: str = "Фільтри паливні") -> str:
    return (
        f'<offer id="{sku}" available="true"><price>100</price>'
        f'<category code="{code}">{category}</category><attribute_set code="{code}">{category}</attribute_set>'
        f'<name lang="ua">Фільтр {sku}</name>{body}</offer>'
    )


def feed(offers_xml: str, *, shop: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><yml_catalog>{shop}<offers>{offers_xml}</offers></yml_catalog>'.encode()
    )


def test_the_dialect_is_recognised_from_the_head_and_named_for_people() -> None:
    assert detect_format(EPICENTR[:2048]) == "yml_epicentr"
    assert FORMAT_NAMES["yml_epicentr"] == "YML (Epicentr)"
    assert "yml_epicentr" in PARSERS
    # A plain YML feed whose <categories> carry ids stays plain YML, code attribute or not.
    plain = b'<yml_catalog><shop><categories><category id="1" code="x">A</category></categories>'
    assert detect_format(plain) == "yml"


def test_offers_keep_their_category_name_and_code() -> None:
    result = items(EPICENTR)
    assert result[0] == FeedHeader(format="yml_epicentr")
    categories = [i for i in result if isinstance(i, FeedCategory)]
    # Each code once, however many offers name it, before the offers that use it.
    assert categories == [
        FeedCategory("epicentr:2866", "Фільтри паливні"),
        FeedCategory("epicentr:3158", "Картриджі для лазерних принтерів"),
    ]
    first_offer = next(n for n, i in enumerate(result) if isinstance(i, FeedOffer))
    assert all(isinstance(i, FeedCategory) for i in result[first_offer - 2 : first_offer])
    by_sku = {o.sku: o for o in offers(EPICENTR)}
    assert [by_sku[s].category_id for s in ("68377850AA", "CE278A-EPC", "68191349AC")] == [
        "epicentr:2866",
        "epicentr:3158",
        "epicentr:2866",
    ]


def test_the_rest_of_an_offer_reads_as_in_any_yml() -> None:
    fuel_filter = next(o for o in offers(EPICENTR) if o.sku == "68377850AA")
    assert fuel_filter.title == "Фильтр топливный Mopar 68377850AA"
    assert fuel_filter.title_uk == "Фільтр паливний Mopar 68377850AA"
    assert (fuel_filter.price, fuel_filter.old_price, fuel_filter.currency) == (
        Decimal("2150.00"),
        Decimal("2400.00"),
        "UAH",
    )
    assert (fuel_filter.brand, fuel_filter.mpn) == ("Mopar", "68377850-AA")
    assert ("Країна-виробник", "США") in fuel_filter.params
    cartridge = next(o for o in offers(EPICENTR) if o.sku == "CE278A-EPC")
    assert cartridge.gtin == "0884962161647"


def test_prices_are_hryvnias_said_once_for_the_file_not_once_per_row() -> None:
    found = problems(EPICENTR)
    assert [(p.code, p.severity, p.line, p.sku, p.value) for p in found] == [
        ("currency_assumed", "warning", None, None, "UAH")
    ]
    assert {o.currency for o in offers(EPICENTR)} == {"UAH"}


def test_a_declared_currency_is_the_feeds_and_needs_no_notice() -> None:
    shop = '<shop><currencies><currency id="USD" rate="1"/></currencies></shop>'
    data = feed(epicentr_offer(""), shop=shop)
    assert [o.currency for o in offers(data)] == ["USD"]
    assert problems(data) == []


def test_an_offers_own_currency_still_wins() -> None:
    data = feed(epicentr_offer("<currencyId>EUR</currencyId>"))
    assert [o.currency for o in offers(data)] == ["EUR"]


def test_a_dialect_the_head_did_not_show_is_read_from_the_first_offers() -> None:
    # A first offer longer than the head the format is recognised from.
    params = "".join(f'<param name="Параметр {n}">{n}</param>' for n in range(2_000))
    long_first = epicentr_offer("").replace("<price>", f"{params}<price>")
    data = feed(long_first + epicentr_offer("", sku="E2", code="3158", category="Картриджі"))
    assert detect_format(data[: 64 * 1024]) == "yml"
    result = items(data)
    assert result[0].format == "yml_epicentr"
    assert [i.id for i in result if isinstance(i, FeedCategory)] == ["epicentr:2866", "epicentr:3158"]
    assert [p.code for p in result if isinstance(p, RowProblem)] == ["currency_assumed"]


def test_a_category_without_a_name_is_reported_and_the_offer_kept() -> None:
    data = feed(epicentr_offer("", category=""))
    result = items(data)
    assert [p.code for p in result if isinstance(p, RowProblem)] == ["currency_assumed", "invalid_category"]
    assert [o.category_id for o in offers(data)] == ["epicentr:2866"]


def test_a_partial_epicentr_feed_updates_prices_in_uah() -> None:
    data = feed('<offer id="E1" available="false"><price>90</price><category code="2866">Ф</category></offer>')
    result = items(data, partial=True)
    assert result[0] == FeedHeader(format="yml_epicentr", partial=True)
    (update,) = [i for i in result if type(i).__name__ == "FeedUpdate"]
    assert (update.sku, update.price, update.currency, update.available) == ("E1", Decimal(90), "UAH", False)
