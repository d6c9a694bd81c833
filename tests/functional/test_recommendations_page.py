"""Recommendations on the product page: the worker's job computes them, the page shows them and says why."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer
from marketplace.recommendations.jobs import visits
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from marketplace.suppliers.models import Supplier
from marketplace.worker import work_once
from tests.support.feeds import run_import, yml_feed, yml_offer
from tests.support.recommendations import click_out

PARAMS = '<param name="Diameter">{}</param><param name="Material">steel</param>'


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"RECOMMENDATIONS_INTERVAL": 3600}


def by_sku(db_session: Session) -> dict[str, Offer]:
    return {offer.supplier_sku: offer for offer in db_session.scalars(select(Offer))}


def test_the_worker_fills_the_product_page_with_similar_also_viewed_and_accessories(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier
) -> None:
    feed = yml_feed(
        [
            yml_offer(
                "PAN-28",
                "1000",
                name="Hartwell steel frying pan 28 cm",
                extra=PARAMS.format("28 cm") + "<rec>LID-28</rec>",
            ),
            yml_offer("PAN-26", "900", name="Hartwell steel frying pan 26 cm", extra=PARAMS.format("26 cm")),
            yml_offer("POT-5", "5000", name="Hartwell stock pot 5 l"),  # same category, another price band
            yml_offer("LID-28", "300", name="Hartwell glass lid 28 cm"),
        ]
    )
    assert run_import(db_session, supplier, feed).status == "succeeded"
    offers = by_sku(db_session)
    # Two visitors went from the 28 cm pan to the stock pot; one left from the lid alone.
    for visitor in ("a", "b"):
        click_out(db_session, offers["PAN-28"], visitor, 30)
        click_out(db_session, offers["POT-5"], visitor, 20)
    click_out(db_session, offers["LID-28"], "c", 10)
    db_session.commit()
    pan = offers["PAN-28"].product_id

    work_once(app)  # queues the refresh at the end of its pass
    work_once(app)  # runs it

    rows = db_session.execute(
        select(ProductRecommendation.kind, ProductRecommendation.recommended_id)
        .where(ProductRecommendation.product_id == pan)
        .order_by(ProductRecommendation.kind, ProductRecommendation.rank)
    ).all()
    assert (RecommendationKind.SIMILAR, offers["PAN-26"].product_id) in rows
    assert (RecommendationKind.SIMILAR, offers["POT-5"].product_id) not in rows  # five times the price
    assert (RecommendationKind.ALSO_VIEWED, offers["POT-5"].product_id) in rows
    assert (RecommendationKind.ACCESSORY, offers["LID-28"].product_id) in rows
    assert all(recommended != pan for _, recommended in rows)

    html = client.get(f"/products/{pan}", follow_redirects=True).get_data(as_text=True)
    similar = html[html.index('data-testid="similar"') :]
    assert "Similar products" in similar and "frying pan 26 cm" in similar.split("</section>")[0]
    assert "The same category and price band" in html
    viewed = html[html.index('data-testid="also-viewed"') :].split("</section>")[0]
    assert "People who viewed this also viewed" in viewed and "stock pot" in viewed
    assert "Visitors interested in this product were interested in these too." in viewed
    accessories = html[html.index('data-testid="accessories"') :].split("</section>")[0]
    assert "Accessories and complements" in accessories and "glass lid" in accessories
    assert "The seller recommends it with this product." in accessories


def test_a_product_without_recommendations_shows_no_block(
    client: FlaskClient, db_session: Session, supplier: Supplier
) -> None:
    assert run_import(db_session, supplier, yml_feed([yml_offer("ONLY", "100")])).status == "succeeded"
    db_session.commit()
    product = by_sku(db_session)["ONLY"].product_id
    html = client.get(f"/products/{product}", follow_redirects=True).get_data(as_text=True)
    assert 'class="recommendations"' not in html and 'data-testid="similar"' not in html


def test_visits_split_a_visitor_s_clicks_at_a_half_hour_pause(db_session: Session, supplier: Supplier) -> None:
    feed = yml_feed([yml_offer(sku, "100", name=f"Item {sku}") for sku in ("A", "B", "C")])
    assert run_import(db_session, supplier, feed).status == "succeeded"
    offers = by_sku(db_session)
    click_out(db_session, offers["A"], "same", 180)
    click_out(db_session, offers["B"], "same", 170)  # ten minutes later: the same visit
    click_out(db_session, offers["C"], "same", 10)  # hours later: another visit
    db_session.commit()
    by_visit: dict[object, set[int]] = {}
    for seen in visits(db_session):
        by_visit.setdefault(seen.session, set()).add(seen.item)
    assert sorted(by_visit.values(), key=len) == [
        {offers["C"].product_id},
        {offers["A"].product_id, offers["B"].product_id},
    ]


def test_a_re_import_that_adds_rec_stores_it_on_the_offer(db_session: Session, supplier: Supplier) -> None:
    plain = [yml_offer("PAN", "900"), yml_offer("LID", "300")]
    assert run_import(db_session, supplier, yml_feed(plain)).status == "succeeded"
    assert by_sku(db_session)["PAN"].recs == []
    with_rec = [yml_offer("PAN", "900", extra="<rec>LID</rec>"), yml_offer("LID", "300")]
    run = run_import(db_session, supplier, yml_feed(with_rec))
    assert run.status == "succeeded" and run.updated == 1
    db_session.expire_all()
    assert by_sku(db_session)["PAN"].recs == ["LID"]


def test_product_pages_viewed_in_one_visit_feed_also_viewed_as_click_outs_do(
    app: Flask, db_session: Session, supplier: Supplier
) -> None:
    feed = yml_feed([yml_offer(sku, "100", name=f"Garden shears {sku}") for sku in ("A", "B", "C")])
    assert run_import(db_session, supplier, feed).status == "succeeded"
    offers = by_sku(db_session)
    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"}
    # Two people look at A and then B, through the real page and its analytics capture; nobody clicks out.
    for _person in range(2):
        visitor = app.test_client()
        for sku in ("A", "B"):
            assert (
                visitor.get(f"/products/{offers[sku].product_id}", headers=browser, follow_redirects=True).status_code
                == 200
            )
    seen = list(visits(db_session))
    assert len({s.session for s in seen}) == 2 and {s.item for s in seen} == {
        offers["A"].product_id,
        offers["B"].product_id,
    }

    work_once(app)  # queues the refresh
    work_once(app)  # runs it

    also_viewed = db_session.scalars(
        select(ProductRecommendation.recommended_id).where(
            ProductRecommendation.product_id == offers["A"].product_id,
            ProductRecommendation.kind == RecommendationKind.ALSO_VIEWED,
        )
    ).all()
    assert list(also_viewed) == [offers["B"].product_id]
