"""The operators' review queue page: who may open it, the pairs and their evidence, confirm and reject, CSRF."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import GroupingCandidate, GroupingDecision, GroupingDecisionKind
from marketplace.catalog.review import PAGE_SIZE
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.accounts import login
from tests.support.grouping import import_and_group, product_of


@pytest.fixture
def queued(db_session: Session) -> dict[str, Supplier]:
    """Two suppliers whose imports leave two pairs for review: a rotisserie kit and a casserole."""
    grill = factories.supplier(db_session, "grill-house")
    shop = factories.supplier(db_session, "garden-shop")
    import_and_group(
        db_session,
        grill,
        [
            {"sku": "G-1", "name": "Weber Genesis Rotisserie Kit for gas grills, stainless spit and electric motor"},
            {
                "sku": "G-2",
                "name": "Hartwell enamel cast iron casserole dish with glass lid, oven safe and dishwasher safe",
            },
        ],
    )
    import_and_group(
        db_session,
        shop,
        [
            {"sku": "S-1", "name": "Rotisserie Weber", "brand": "Weber", "price": "1999.50"},
            {"sku": "S-2", "name": "Hartwell casserole"},
        ],
    )
    db_session.commit()
    return {"grill": grill, "shop": shop}


def _candidate_id(db_session: Session, sku: str) -> int:
    for candidate in db_session.scalars(select(GroupingCandidate)):
        if sku in (candidate.offer.supplier_sku, candidate.other_offer.supplier_sku):
            return candidate.id
    raise AssertionError(sku)


def test_the_queue_is_for_operators_only(
    client: FlaskClient, db_session: Session, buyer: User, queued: dict[str, Supplier]
) -> None:
    candidate = _candidate_id(db_session, "S-1")
    paths = ("/admin/products/review/", f"/admin/products/review/{candidate}/confirm")
    response = client.get(paths[0])
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client.post(paths[1]).status_code == 302
    login(client, buyer)
    assert client.get(paths[0]).status_code == 403
    assert client.post(paths[1]).status_code == 403
    assert client.post(f"/admin/products/review/{candidate}/reject").status_code == 403
    assert db_session.get(GroupingCandidate, candidate) is not None


def test_the_queue_shows_both_offers_and_the_evidence_and_the_products_page_links_it(
    client: FlaskClient, admin: User, queued: dict[str, Supplier]
) -> None:
    login(client, admin)
    page = client.get("/admin/products/review/").get_data(as_text=True)
    assert page.count('data-testid="review-pair"') == 2
    assert "Rotisserie Weber" in page and "Garden Shop" in page and "1,999.50" in page
    assert "Shared words:" in page and "rotisserie" in page
    assert "below the 0.50 an automatic merge needs" in page
    products = client.get("/admin/products").get_data(as_text=True)
    assert 'href="/admin/products/review/"' in products
    assert re.search(r'Pairs to review</a> <span class="count">2</span>', products)
    assert "/admin/products/review" in client.get("/admin/").get_data(as_text=True)


def test_confirm_merges_and_reject_keeps_apart(
    client: FlaskClient, db_session: Session, admin: User, queued: dict[str, Supplier]
) -> None:
    login(client, admin)
    kit, casserole = _candidate_id(db_session, "S-1"), _candidate_id(db_session, "S-2")
    response = client.post(f"/admin/products/review/{kit}/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/products/review/")
    assert "both offers are now on product" in client.get("/admin/products/review/").get_data(as_text=True)
    response = client.post(f"/admin/products/review/{casserole}/reject")
    assert response.status_code == 302
    page = client.get("/admin/products/review/").get_data(as_text=True)
    assert "stay apart" in page and "No pairs wait for review." in page

    db_session.expire_all()
    grill, shop = queued["grill"], queued["shop"]
    assert product_of(db_session, grill, "G-1") == product_of(db_session, shop, "S-1")
    assert product_of(db_session, grill, "G-2") != product_of(db_session, shop, "S-2")
    kinds = set(db_session.scalars(select(GroupingDecision.kind)))
    assert kinds == {GroupingDecisionKind.TOGETHER, GroupingDecisionKind.APART}
    assert db_session.scalars(select(GroupingCandidate)).all() == []
    # A pair already decided is gone.
    assert client.post(f"/admin/products/review/{kit}/reject").status_code == 404


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_decisions_without_a_csrf_token_are_refused(
    client: FlaskClient, db_session: Session, admin: User, queued: dict[str, Supplier]
) -> None:
    with client.session_transaction() as browser:
        # Log in through the session: the login form itself would want a token too.
        browser["_user_id"] = admin.get_id()
        browser["_fresh"] = True
    kit = _candidate_id(db_session, "S-1")
    assert client.post(f"/admin/products/review/{kit}/confirm").status_code == 400
    assert client.post(f"/admin/products/review/{kit}/reject").status_code == 400
    db_session.expire_all()
    assert db_session.get(GroupingCandidate, kit) is not None

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/admin/products/review/").text)
    assert token is not None
    assert client.post(f"/admin/products/review/{kit}/reject", data={"csrf_token": token.group(1)}).status_code == 302
    db_session.expire_all()
    assert db_session.get(GroupingCandidate, kit) is None


def test_the_queue_renders_in_ukrainian(client: FlaskClient, admin: User, queued: dict[str, Supplier]) -> None:
    login(client, admin)
    response = client.get("/admin/products/review/", headers={"Accept-Language": "uk"})
    assert response.status_code == 200 and response.get_data(as_text=True).count('data-testid="review-pair"') == 2


def test_a_long_queue_pages_by_fifty_best_first_and_an_answer_stays_on_its_page(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    left, right = factories.supplier(db_session, "left-shop"), factories.supplier(db_session, "right-shop")
    for n in range(PAGE_SIZE + 3):
        db_session.add(
            GroupingCandidate(
                offer=factories.offer(db_session, left, f"L{n}", title=f"Garden hose {n} m"),
                other_offer=factories.offer(db_session, right, f"R{n}", title=f"Hose {n} m"),
                score=0.9 - n / 1000,
                evidence={},
            )
        )
    db_session.commit()
    login(client, admin)

    first = client.get("/admin/products/review/").get_data(as_text=True)
    assert first.count('data-testid="review-pair"') == PAGE_SIZE
    assert "Garden hose 0 m" in first and f"Garden hose {PAGE_SIZE} m" not in first
    assert "1 / 2" in first and "?page=2" in first

    second = client.get("/admin/products/review/?page=2").get_data(as_text=True)
    assert second.count('data-testid="review-pair"') == 3
    assert f'start="{PAGE_SIZE + 1}"' in second
    assert f"Garden hose {PAGE_SIZE + 2} m" in second and "Garden hose 0 m" not in second
    # A page past the end shows the last page rather than an empty queue.
    assert client.get("/admin/products/review/?page=99").get_data(as_text=True).count('data-testid="review-pair"') == 3

    last = db_session.scalars(select(GroupingCandidate).order_by(GroupingCandidate.score)).first()
    assert last is not None
    answered = client.post(f"/admin/products/review/{last.id}/reject?page=2")
    assert answered.status_code == 302 and answered.headers["Location"].endswith("/admin/products/review/?page=2")
