"""An operator opens the review queue from the products page, confirms one pair and rejects another."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.catalog.models import GroupingCandidate, GroupingDecision, GroupingDecisionKind, Offer
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.e2e import TIMEOUT_MS, LiveApp, log_in, page_width
from tests.support.grouping import import_and_group, product_of

pytestmark = pytest.mark.e2e

ADMIN = "admin@traderow.example"
KIT = "Brivanta Genesis Rotisserie Kit for gas grills, stainless spit and electric motor"
CASSEROLE = "Ostrova enamel cast iron casserole dish with glass lid, oven and dishwasher safe"


def test_operator_confirms_one_pair_and_rejects_another(page: Page, live: LiveApp) -> None:
    slugs = ("brivanta-grill", "ostrova-home")
    # Two new shops whose imports leave two pairs for review (made-up brands: the demo's cards stay as they are).
    with live.write_session() as session:
        grill, shop = (factories.supplier(session, slug) for slug in slugs)
        import_and_group(
            session,
            grill,
            [{"sku": "BG-1", "name": KIT}, {"sku": "BG-2", "name": CASSEROLE}],
        )
        import_and_group(
            session,
            shop,
            [
                {"sku": "OH-1", "name": "Rotisserie Brivanta", "brand": "Brivanta"},
                {"sku": "OH-2", "name": "Ostrova casserole"},
            ],
        )
        session.commit()

    log_in(page, ADMIN)
    page.goto("/admin/products")
    page.get_by_test_id("review-link").get_by_role("link", name="Pairs to review").click()
    expect(page).to_have_url(re.compile(r"/admin/products/review/$"), timeout=TIMEOUT_MS)

    # Both offers, the evidence and the buttons fit a desktop and a phone, with no sideways scrolling.
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        expect(page.get_by_test_id("review-pair").first).to_be_visible(timeout=TIMEOUT_MS)
        assert page_width(page) <= width

    kit = page.get_by_test_id("review-pair").filter(has_text="Rotisserie Brivanta")
    expect(kit.get_by_test_id("evidence-for")).to_contain_text("Shared words:", timeout=TIMEOUT_MS)
    expect(kit.get_by_test_id("evidence-against")).to_contain_text("below the 0.50", timeout=TIMEOUT_MS)
    kit.get_by_test_id("confirm-pair").click()
    expect(page.locator(".flash-success")).to_contain_text("both offers are now on product", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("review-pair").filter(has_text="Rotisserie Brivanta")).to_have_count(0)

    casserole = page.get_by_test_id("review-pair").filter(has_text="Ostrova casserole")
    casserole.get_by_test_id("reject-pair").click()
    expect(page.locator(".flash-success")).to_contain_text("stay apart", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("review-pair").filter(has_text="Ostrova casserole")).to_have_count(0)

    with live.session() as session:
        grill, shop = (session.scalars(select(Supplier).where(Supplier.slug == slug)).one() for slug in slugs)
        assert product_of(session, grill, "BG-1") == product_of(session, shop, "OH-1")
        assert product_of(session, grill, "BG-2") != product_of(session, shop, "OH-2")
        ours = select(Offer.id).where(Offer.supplier_id.in_([grill.id, shop.id]))
        decided = session.scalars(select(GroupingDecision.kind).where(GroupingDecision.offer_id.in_(ours))).all()
        assert sorted(decided) == [GroupingDecisionKind.APART, GroupingDecisionKind.TOGETHER]
        assert session.scalars(select(GroupingCandidate).where(GroupingCandidate.offer_id.in_(ours))).all() == []
