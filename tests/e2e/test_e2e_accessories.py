"""A jigsaw's page shows the blades that state they fit it, with the reason, on a desktop and a phone.

The demo has no accessory, so this module adds a shop of its own, "Зубр Дім", with a jigsaw and
blades whose "Сумісність" param names it, and asks the worker for a refresh (the live app
refreshes recommendations once an hour). Its words (Zubr, лобзик, пилки) are in no other browser
test's searches, so those tests see the catalog they expect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from marketplace.catalog.models import Offer
from marketplace.imports.run import import_feed
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.queue import enqueue
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from marketplace.suppliers.services import add_supplier
from tests.support.e2e import TIMEOUT_MS, LiveApp, OutsideTraffic, new_context, page_width

pytestmark = pytest.mark.e2e

SHOP = "zubr-dim"
FEED = (
    '<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-12-01 10:00"><shop><name>Зубр Дім</name>'
    '<currencies><currency id="UAH" rate="1"/></currencies><categories>'
    '<category id="1">Jigsaws</category><category id="2">Jigsaw Accessories</category></categories><offers>'
    f'<offer id="ZL-650E" available="true"><url>https://{SHOP}.example/p/zl-650e</url><price>2350</price>'
    "<currencyId>UAH</currencyId><categoryId>1</categoryId><vendor>Zubr</vendor>"
    "<name>Лобзик електричний Zubr ZL-650E</name></offer>"
    f'<offer id="BLADES-5" available="true"><url>https://{SHOP}.example/p/blades</url><price>180</price>'
    "<currencyId>UAH</currencyId><categoryId>2</categoryId><vendor>Zubr</vendor>"
    '<name>Пилки для лобзика по дереву, 5 шт</name><param name="Сумісність">Zubr ZL-650E, ZL-710E</param></offer>'
    "</offers></shop></yml_catalog>"
).encode()


@dataclass(frozen=True)
class Jigsaw:
    jigsaw: int
    blades: int


@pytest.fixture(scope="module")
def jigsaw(live: LiveApp) -> Jigsaw:
    """Import the shop's price list, have the worker refresh the recommendations, and wait for the blades' row."""
    with live.app.app_context():
        session = live.write_session()
        try:
            supplier = add_supplier(session, SHOP, name="Зубр Дім", store_url=f"https://{SHOP}.example/")
            run = import_feed(
                session,
                supplier,
                FEED,
                filename="zubr-dim.yml",
                base_currency=live.app.config["BASE_CURRENCY"],
                rates=live.app.config["CURRENCY_RATES"],
            )
            assert run.status == "succeeded", run.error
            rows = session.execute(select(Offer.supplier_sku, Offer.product_id).where(Offer.supplier_id == supplier.id))
            ids = {sku: product_id for sku, product_id in rows}
            enqueue(session, "refresh_recommendations")
            session.commit()
        finally:
            session.close()
        found = Jigsaw(ids["ZL-650E"], ids["BLADES-5"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with live.session() as reading:
                stored = reading.scalar(
                    select(func.count()).where(
                        ProductRecommendation.product_id == found.jigsaw,
                        ProductRecommendation.kind == RecommendationKind.COMPATIBLE,
                    )
                )
                pending = reading.scalar(
                    select(func.count(Job.id)).where(
                        Job.kind == "refresh_recommendations", Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))
                    )
                )
            if stored and not pending:
                return found
            time.sleep(0.5)
    pytest.fail("the worker did not store the blades as the jigsaw's accessory within 60 s")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_jigsaw_page_shows_its_blades_with_the_reason_and_fits_the_screen(
    browser: Browser, live: LiveApp, jigsaw: Jigsaw, width: int
) -> None:
    traffic = OutsideTraffic()
    context = new_context(browser, live, traffic, locale="uk-UA", viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"/products/{jigsaw.jigsaw}?lang=uk")
        row = page.get_by_test_id("accessories")
        expect(row).to_be_visible(timeout=TIMEOUT_MS)
        tile = row.get_by_test_id("product-tile")
        expect(tile).to_have_count(1)
        expect(tile).to_contain_text("Пилки для лобзика")
        expect(tile.get_by_test_id("reason")).to_be_visible()
        row.scroll_into_view_if_needed()
        assert page_width(page) <= width, f"the page is {page_width(page)} px wide on a {width} px screen"

        page.goto(f"/products/{jigsaw.blades}?lang=uk")
        fits = page.get_by_test_id("fits")
        expect(fits.get_by_test_id("product-tile")).to_contain_text("Zubr ZL-650E")
        assert page_width(page) <= width
    finally:
        context.close()
    assert not traffic.escaped()
