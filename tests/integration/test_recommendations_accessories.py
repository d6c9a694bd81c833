"""The worker's refresh stores accessories from compatibility params and complements from click-outs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.recommendations.jobs import refresh_recommendations
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from marketplace.suppliers.models import Supplier
from tests.support.recommendations import import_accessories, shop_across_categories


def stored(session: Session, kind: RecommendationKind) -> dict[int, list[int]]:
    rows = session.execute(
        select(ProductRecommendation.product_id, ProductRecommendation.recommended_id)
        .where(ProductRecommendation.kind == kind)
        .order_by(ProductRecommendation.product_id, ProductRecommendation.rank)
    )
    found: dict[int, list[int]] = {}
    for product_id, recommended_id in rows:
        found.setdefault(product_id, []).append(recommended_id)
    return found


def test_compatibility_params_link_accessories_both_ways_and_nothing_else(
    db_session: Session, supplier: Supplier
) -> None:
    offers = import_accessories(db_session, supplier)
    product = {sku: offer.product_id for sku, offer in offers.items()}
    refresh_recommendations(db_session)

    # Staples name "Rapid HD31" (the stapler's title code), the blade the shears' part number, the
    # lid "Hartwell HP-2800"; the Tefal pan names HP-2800 too, but it is a pan: an analogue, not an accessory.
    assert stored(db_session, RecommendationKind.COMPATIBLE) == {
        product["STAPLER-HD31"]: [product["STAPLES-23"]],
        product["SHEARS-P92"]: [product["BLADE"]],
        product["PAN-HP2800"]: [product["LID-28"]],
    }
    assert stored(db_session, RecommendationKind.FITS) == {
        product["STAPLES-23"]: [product["STAPLER-HD31"]],
        product["BLADE"]: [product["SHEARS-P92"]],
        product["LID-28"]: [product["PAN-HP2800"]],
    }
    # The knife's "Підходить для: нарізання м'яса" is a purpose and links nothing.
    assert product["KNIFE"] not in stored(db_session, RecommendationKind.FITS)


def test_click_outs_of_two_visitors_across_categories_make_complements(db_session: Session, supplier: Supplier) -> None:
    offers = import_accessories(db_session, supplier)
    product = {sku: offer.product_id for sku, offer in offers.items()}
    shop_across_categories(db_session, offers)
    refresh_recommendations(db_session)

    complements = stored(db_session, RecommendationKind.COMPLEMENT)
    # The pan and the knife, both ways; not the Tefal pan (same category), not the stapler (one visitor's habit).
    assert complements == {product["PAN-HP2800"]: [product["KNIFE"]], product["KNIFE"]: [product["PAN-HP2800"]]}
    also_viewed = stored(db_session, RecommendationKind.ALSO_VIEWED)
    assert product["PAN-ANALOG"] in also_viewed[product["PAN-HP2800"]]  # the co-visitation still sees the analogue
