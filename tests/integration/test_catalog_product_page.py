"""The product page's parts on a real database: totals, specs, pictures, history chart, honest discounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.history import discount_is_backed, price_chart
from marketplace.catalog.identity import safe_pictures
from marketplace.catalog.models import Offer, PriceHistory
from marketplace.catalog.services import (
    merge_specs,
    offer_total_base,
    product_page,
    sorted_offers,
)
from marketplace.suppliers.models import Supplier

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def offer(db_session: Session, sku: str) -> Offer:
    found = db_session.scalar(select(Offer).where(Offer.supplier_sku == sku))
    assert found is not None
    return found


def history(db_session: Session, item: Offer, *points: tuple[float, str, bool], available: bool = True) -> None:
    """Replace the offer's history with ``(days before NOW, price, active)`` points."""
    db_session.query(PriceHistory).filter(PriceHistory.offer_id == item.id).delete()
    for days, price, active in points:
        db_session.add(
            PriceHistory(
                offer_id=item.id,
                product_id=item.product_id,
                price=Decimal(price),
                currency=item.currency,
                price_base=Decimal(price),
                old_price=item.old_price,
                available=available,
                active=active,
                recorded_at=NOW - dt.timedelta(days=days),
            )
        )
    db_session.flush()


def test_sorting_by_total_puts_known_delivery_first(db_session: Session, stocked: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")  # 1899 and 1950 UAH
    assert offer_total_base(ours) is None
    assert [o.supplier_sku for o in sorted_offers([ours, theirs], by_total=True)] == ["PAN-28", "OP-1"]
    ours.delivery_cost, theirs.delivery_cost = Decimal("120"), Decimal("0")
    assert (offer_total_base(ours), offer_total_base(theirs)) == (Decimal("2019.00"), Decimal("1950.00"))
    assert [o.supplier_sku for o in sorted_offers([ours, theirs], by_total=True)] == ["OP-1", "PAN-28"]
    assert [o.supplier_sku for o in sorted_offers([ours, theirs])] == ["PAN-28", "OP-1"]  # by price unchanged
    theirs.delivery_cost = None
    assert [o.supplier_sku for o in sorted_offers([ours, theirs], by_total=True)] == ["PAN-28", "OP-1"]
    knife = offer(db_session, "KNIFE-20")  # 25 USD at the feed's rate of 40
    knife.delivery_cost = Decimal("2.50")
    assert offer_total_base(knife) == knife.price_base + Decimal("100.00")


def test_specs_merge_by_name_and_keep_conflicts(db_session: Session, stocked: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")
    ours.params = [["Diameter", "28 cm"], ["Material", "steel"], ["Lid", "no"]]
    theirs.params = [["diameter:", "28cm"], ["Material", "aluminium"], ["bad"], ["Weight", " "]]
    rows = {row.name: row for row in merge_specs([ours, theirs])}
    assert set(rows) == {"Diameter", "Material", "Lid"}
    assert not rows["Diameter"].conflicting and rows["Diameter"].values[0][1] == ["Kitchen Pro", "Office Point"]
    assert rows["Material"].conflicting
    assert rows["Material"].values == [("steel", ["Kitchen Pro"]), ("aluminium", ["Office Point"])]


def test_pictures_are_only_web_urls_each_once(db_session: Session, stocked: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")
    ours.pictures = ["https://a.example/1.jpg", "javascript:alert(1)", "https://a.example/1.jpg", 7]
    theirs.pictures = ["data:image/png;base64,AAAA", " http://b.example/2.jpg ", "//c.example/3.jpg"]
    assert safe_pictures([ours, theirs]) == ["https://a.example/1.jpg", "http://b.example/2.jpg"]
    assert safe_pictures([]) == []


def at(days: int, price: str, currency: str = "UAH", active: bool = True) -> tuple[dt.datetime, Decimal, str, bool]:
    return (NOW - dt.timedelta(days=days), Decimal(price), currency, active)


@pytest.mark.parametrize(
    ("points", "backed"),
    [
        pytest.param([at(60, "2199"), at(5, "1899")], True, id="sold-at-the-old-price-before-the-cut"),
        pytest.param([at(60, "2399"), at(20, "2199"), at(5, "1899")], True, id="higher-then-old-price"),
        pytest.param([at(5, "1899")], False, id="no-earlier-price"),
        pytest.param([at(60, "1899"), at(6, "2199"), at(5, "1899")], False, id="one-day-spike"),
        pytest.param([at(60, "2199"), at(20, "1999"), at(5, "1899")], False, id="cheaper-within-30-days"),
        pytest.param([at(90, "1999"), at(40, "2199"), at(5, "1899")], True, id="cheaper-only-before-the-window"),
        pytest.param([at(60, "2199"), at(5, "1899"), at(1, "1799")], False, id="history-ahead-of-the-offer"),
        pytest.param([at(60, "2199", "USD"), at(5, "1899")], False, id="another-currency"),
        pytest.param([at(60, "2199", active=False), at(5, "1899")], False, id="withdrawn-at-the-old-price"),
    ],
)
def test_discount_rule(points: list[tuple[dt.datetime, Decimal, str, bool]], backed: bool) -> None:
    assert discount_is_backed(points, Decimal("1899"), "UAH", Decimal("2199"), 30) is backed


def test_product_page_shows_only_backed_discounts(db_session: Session, stocked: dict[str, Supplier]) -> None:
    pan = offer(db_session, "PAN-28")  # 1899 with an old price of 2199
    page = product_page(db_session, pan.product_id, now=NOW)
    assert page.discounts == {}  # imported once: nothing backs the old price
    history(db_session, pan, (50, "2199", True), (3, "1899", True))
    page = product_page(db_session, pan.product_id, now=NOW)
    assert page.discounts == {pan.id: 13}


def test_price_chart_has_each_seller_and_the_lowest(db_session: Session, stocked: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")
    history(db_session, ours, (40, "2199", True), (10, "1899", True))
    history(db_session, theirs, (30, "1950", True), (20, "1950", False), (2, "1700", True))
    chart = price_chart(db_session, ours.product_id, {ours.id: "Kitchen Pro", theirs.id: "Office Point"}, now=NOW)
    assert chart is not None
    lowest, *sellers = chart.series
    assert lowest.lowest and {s.label for s in sellers} == {"Kitchen Pro", "Office Point"}
    assert [(round((NOW - p.at).total_seconds() / 86400), p.price) for p in lowest.points] == [
        (40, Decimal("2199")), (30, Decimal("1950")), (20, Decimal("2199")), (10, Decimal("1899")),
        (2, Decimal("1700")),
    ]  # fmt: skip
    assert (chart.low, chart.high) == (Decimal("1700"), Decimal("2199"))
    office = next(s for s in sellers if s.label == "Office Point")
    lines = chart.polyline(office, 600, 100)
    assert len(lines) == 2  # broken while withdrawn
    assert lines[-1].endswith("600.0,100.0")  # the lowest price, drawn to today at the bottom
    assert price_chart(db_session, 424242, {}, now=NOW) is None


def test_one_day_of_history_is_one_day_without_a_spike(db_session: Session, stocked: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")
    # Three imports this morning, an hour apart: ours at 2199, theirs at 1950, ours cut to 1899.
    history(db_session, ours, (0.125, "2199", True), (0.0417, "1899", True))
    history(db_session, theirs, (0.0833, "1950", True))
    chart = price_chart(db_session, ours.product_id, {ours.id: "Kitchen Pro", theirs.id: "Office Point"}, now=NOW)
    assert chart is not None and chart.one_day
    lowest = chart.series[0]
    # The day's lowest is where the day ended; the morning's 2199 is no spike at the left edge.
    assert [(p.at, p.price) for p in lowest.points] == [(NOW.replace(hour=0), Decimal("1899"))]
    assert (chart.low, chart.high) == (Decimal("1899"), Decimal("1950"))
    assert chart.polyline(lowest, 600, 100) == ["0.0,100.0 600.0,100.0"]


def test_a_flat_chart_draws_across_the_middle(db_session: Session, stocked: dict[str, Supplier]) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")
    history(db_session, ours, (5, "1899", True))
    history(db_session, theirs, (5, "1899", True))
    chart = price_chart(db_session, ours.product_id, {ours.id: "Kitchen Pro"}, now=NOW)
    assert chart is not None and chart.flat and not chart.one_day
    assert chart.polyline(chart.series[0], 600, 100) == ["0.0,50.0 600.0,50.0"]


def test_a_seller_out_of_stock_throughout_has_no_line_and_no_legend(
    db_session: Session, stocked: dict[str, Supplier]
) -> None:
    ours, theirs = offer(db_session, "PAN-28"), offer(db_session, "OP-1")
    history(db_session, ours, (20, "1899", True))
    history(db_session, theirs, (20, "1950", True), (10, "1950", True), available=False)
    chart = price_chart(db_session, ours.product_id, {ours.id: "Kitchen Pro", theirs.id: "Office Point"}, now=NOW)
    assert chart is not None
    assert [s.label for s in chart.series if not s.lowest] == ["Kitchen Pro"]
    assert chart.unpriced == ["Office Point"]
    assert all(chart.polyline(s, 600, 100) for s in chart.series)  # every series in the legend draws a line
