"""The review queue: pairs of offers the text matcher found likely one product but would not join.

Grouping stores the matcher's near misses (``product_matching.review``) here as candidates, best
first; an operator confirms or rejects each (``marketplace.catalog.review_decisions``). A pair
already decided, already on one product, or already queued is not queued again, so re-running
the grouping never duplicates a candidate and never brings back a pair an operator decided.

The queue only ever asks: confirmed pairs are decisions, never examples the matcher learns
from. Its thresholds stay argued from what a score means, so nothing in the queue can pull the
matcher towards the few catalogs an operator happened to review.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from marketplace.catalog.models import GroupingCandidate, GroupingDecision, Offer, OfferStatus
from product_matching import NearMiss

logger = logging.getLogger(__name__)

#: How many candidates the review page shows at once.
PAGE_SIZE = 50


def queue_near_misses(session: Session, near_misses: Iterable[NearMiss]) -> int:
    """Store the matcher's near misses (offer ids) as candidates; return how many are new.

    A pair an operator decided, a pair on one product by now (the same run's merges are already
    folded) and a pair already queued are skipped; a queued pair takes the newer score and evidence.
    """
    # product_matching types record ids as Hashable; grouping hands it int offer ids.
    by_pair = {
        (min(int(m.left), int(m.right)), max(int(m.left), int(m.right))): m  # type: ignore[call-overload]
        for m in near_misses
    }
    if not by_pair:
        return 0
    ids = {offer_id for pair in by_pair for offer_id in pair}
    product_of = dict(session.execute(select(Offer.id, Offer.product_id).where(Offer.id.in_(ids))).all())
    decided = _existing(session, GroupingDecision, by_pair)
    queued = {
        (c.offer_id, c.other_offer_id): c
        for c in session.scalars(select(GroupingCandidate).where(_around(GroupingCandidate, by_pair)))
    }
    added = 0
    for (low, high), miss in by_pair.items():
        if (low, high) in decided or product_of.get(low) is None or product_of.get(low) == product_of.get(high):
            continue
        candidate = queued.get((low, high))
        if candidate is not None:
            candidate.score, candidate.evidence = miss.score, miss.evidence()
            continue
        session.add(GroupingCandidate(offer_id=low, other_offer_id=high, score=miss.score, evidence=miss.evidence()))
        added += 1
    session.flush()
    if added:
        logger.info("Grouping: %d pairs queued for an operator's review", added)
    return added


def _around(
    model: type[GroupingCandidate] | type[GroupingDecision], pairs: Iterable[tuple[int, int]]
) -> ColumnElement[bool]:
    """Select rows of ``model`` that may be one of ``pairs`` (two ``IN`` lists; the caller keeps the exact pairs)."""
    lows, highs = {low for low, _ in pairs}, {high for _, high in pairs}
    return and_(model.offer_id.in_(lows), model.other_offer_id.in_(highs))


def _existing(
    session: Session, model: type[GroupingDecision], pairs: dict[tuple[int, int], NearMiss]
) -> set[tuple[int, int]]:
    rows = session.execute(select(model.offer_id, model.other_offer_id).where(_around(model, pairs))).all()
    return {(low, high) for low, high in rows if (low, high) in pairs}


def _pending() -> Select[GroupingCandidate]:
    """Candidates whose two offers are live and still on two products."""
    offer, other = aliased(Offer), aliased(Offer)
    return (
        select(GroupingCandidate)
        .join(offer, offer.id == GroupingCandidate.offer_id)
        .join(other, other.id == GroupingCandidate.other_offer_id)
        .where(
            offer.status == OfferStatus.ACTIVE,
            other.status == OfferStatus.ACTIVE,
            offer.product_id != other.product_id,
        )
    )


def pending_candidates(session: Session, *, page: int = 1, limit: int = PAGE_SIZE) -> list[GroupingCandidate]:
    """Return one page of the candidates waiting for a decision, best first, with offers, suppliers and products."""
    statement = (
        _pending()
        .options(
            selectinload(GroupingCandidate.offer).selectinload(Offer.supplier),
            selectinload(GroupingCandidate.other_offer).selectinload(Offer.supplier),
            selectinload(GroupingCandidate.offer).selectinload(Offer.product),
            selectinload(GroupingCandidate.other_offer).selectinload(Offer.product),
        )
        .order_by(GroupingCandidate.score.desc(), GroupingCandidate.id)
        .limit(limit)
        .offset((max(page, 1) - 1) * limit)
    )
    return list(session.scalars(statement))


def pending_count(session: Session) -> int:
    """Return how many candidates wait for a decision."""
    return session.scalar(select(func.count()).select_from(_pending().subquery())) or 0
