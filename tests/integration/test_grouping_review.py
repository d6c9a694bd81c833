"""The review queue on import: near misses stored as candidates, confirmed or rejected, and remembered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace.catalog.grouping import match_pending
from marketplace.catalog.models import GroupingCandidate, GroupingDecision, GroupingDecisionKind, Product
from marketplace.catalog.products import keep_apart, merge_products
from marketplace.catalog.review import pending_candidates, pending_count
from marketplace.catalog.review_decisions import ReviewError, confirm_candidate, reject_candidate
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.grouping import import_and_group, product_of

#: Half the words agree, nothing contradicts: likely one product, short of a merge's evidence.
KIT = {"sku": "W-1", "name": "Weber Genesis Rotisserie Kit for gas grills, stainless spit and electric motor"}
ROTISSERIE = {"sku": "R-1", "name": "Rotisserie Weber", "brand": "Weber"}
#: Two listings of one projector lamp family that state two different model numbers: a veto, never a candidate.
LAMP_12 = {"sku": "W-2", "name": "Epson ELPLP12 replacement projector lamp module"}
LAMP_13 = {"sku": "R-2", "name": "Epson ELPLP13 lamp"}


def _two_suppliers(session: Session) -> tuple[Supplier, Supplier]:
    weber, shop = factories.supplier(session, "grill-house"), factories.supplier(session, "garden-shop")
    import_and_group(session, weber, [KIT, LAMP_12])
    import_and_group(session, shop, [ROTISSERIE, LAMP_13])
    return weber, shop


def _regroup(session: Session, *product_ids: int) -> None:
    """Send products back to the text matcher, as a later import's new products would be."""
    session.execute(update(Product).where(Product.id.in_(product_ids)).values(match_pending=True))
    match_pending(session)


def _candidates(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(GroupingCandidate)) or 0


def test_a_near_miss_is_queued_once_with_its_evidence(db_session: Session) -> None:
    weber, shop = _two_suppliers(db_session)
    kit, rotisserie = product_of(db_session, weber, "W-1"), product_of(db_session, shop, "R-1")
    assert kit != rotisserie
    (candidate,) = pending_candidates(db_session)
    assert {candidate.offer.supplier_sku, candidate.other_offer.supplier_sku} == {"W-1", "R-1"}
    assert candidate.offer_id < candidate.other_offer_id
    assert 0.35 <= candidate.score < 0.5
    assert "rotisserie" in candidate.evidence["shared_words"]
    assert candidate.evidence["against"][0]["kind"] == "below_threshold"
    assert pending_count(db_session) == 1

    _regroup(db_session, kit, rotisserie)
    assert _candidates(db_session) == 1 and pending_count(db_session) == 1


def test_confirming_merges_the_two_products_and_records_them_together(db_session: Session) -> None:
    weber, shop = _two_suppliers(db_session)
    (candidate,) = pending_candidates(db_session)
    pair = (candidate.offer_id, candidate.other_offer_id)
    kept = confirm_candidate(db_session, candidate)
    assert product_of(db_session, weber, "W-1") == product_of(db_session, shop, "R-1") == kept.id
    decision = db_session.scalar(
        select(GroupingDecision).where(GroupingDecision.offer_id == pair[0], GroupingDecision.other_offer_id == pair[1])
    )
    assert decision is not None and decision.kind == GroupingDecisionKind.TOGETHER
    assert _candidates(db_session) == 0


def test_rejecting_keeps_the_pair_apart_through_later_grouping(db_session: Session) -> None:
    weber, shop = _two_suppliers(db_session)
    (candidate,) = pending_candidates(db_session)
    kit, rotisserie = product_of(db_session, weber, "W-1"), product_of(db_session, shop, "R-1")
    reject_candidate(db_session, candidate)
    assert _candidates(db_session) == 0
    assert db_session.scalar(select(GroupingDecision.kind)) == GroupingDecisionKind.APART

    _regroup(db_session, kit, rotisserie)
    # A re-import of both feeds changes nothing either.
    import_and_group(db_session, weber, [KIT, LAMP_12])
    import_and_group(db_session, shop, [ROTISSERIE, LAMP_13])
    assert product_of(db_session, weber, "W-1") == kit and product_of(db_session, shop, "R-1") == rotisserie
    assert _candidates(db_session) == 0


def test_a_decided_pair_is_never_queued(db_session: Session) -> None:
    weber, shop = _two_suppliers(db_session)
    (candidate,) = pending_candidates(db_session)
    keep_apart(db_session, candidate.offer_id, candidate.other_offer_id)
    db_session.delete(candidate)
    db_session.flush()
    _regroup(db_session, product_of(db_session, weber, "W-1"), product_of(db_session, shop, "R-1"))
    assert _candidates(db_session) == 0


def test_a_pair_grouped_meanwhile_leaves_the_queue_when_decided(db_session: Session) -> None:
    weber, shop = _two_suppliers(db_session)
    (candidate,) = pending_candidates(db_session)
    # Another operator merged the two products by hand meanwhile.
    kit, rotisserie = (
        db_session.get(Product, product_of(db_session, s, sku)) for s, sku in ((weber, "W-1"), (shop, "R-1"))
    )
    assert kit is not None and rotisserie is not None
    merge_products(db_session, kit, rotisserie)
    assert pending_count(db_session) == 0 and pending_candidates(db_session) == []
    with pytest.raises(ReviewError):
        reject_candidate(db_session, candidate)
    assert _candidates(db_session) == 0
    assert (
        db_session.scalar(select(GroupingDecision.kind).where(GroupingDecision.kind == GroupingDecisionKind.APART))
        is None
    )
