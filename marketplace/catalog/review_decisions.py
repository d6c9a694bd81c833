"""An operator's answer to a pair in the review queue (``marketplace.catalog.review``): confirm or reject.

Either answer is a grouping decision like a split or a merge (``marketplace.catalog.products``), so
it is remembered: a confirmed pair's products are merged, which records the offers together; a
rejected pair is recorded apart, and no later import or grouping joins or queues it again. The
candidate leaves the queue either way. Answers are decisions only, never training data.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import GroupingCandidate, Product
from marketplace.catalog.products import keep_apart, merge_products
from marketplace.domain_errors import DomainError

logger = logging.getLogger(__name__)


class ReviewError(DomainError):
    """A queued pair that can no longer be decided; the message says why, for the operator."""


def _still_open(session: Session, candidate: GroupingCandidate) -> tuple[Product, Product]:
    """Return the pair's two products, or drop the candidate and raise ``ReviewError`` if it went stale."""
    offer, other = candidate.offer, candidate.other_offer
    if offer.is_active and other.is_active and offer.product_id != other.product_id:
        return offer.product, other.product
    session.delete(candidate)
    session.flush()
    raise ReviewError(_l("These offers were withdrawn or grouped since; the pair has left the queue."))


def confirm_candidate(session: Session, candidate: GroupingCandidate, *, user: User | None = None) -> Product:
    """Merge the pair's two products (the older one keeps its identity) and drop the candidate; return the product."""
    first, second = _still_open(session, candidate)
    keep, absorb = (first, second) if first.id < second.id else (second, first)
    pair = (candidate.offer_id, candidate.other_offer_id)
    merge_products(session, keep, absorb, user=user)
    session.delete(candidate)
    session.flush()
    logger.info(
        "%s confirmed the queued pair %d ~ %d: product %d merged into %d",
        user.email if user else "The command line",
        *pair,
        absorb.id,
        keep.id,
    )
    return keep


def reject_candidate(session: Session, candidate: GroupingCandidate, *, user: User | None = None) -> None:
    """Record the pair's offers apart, moving neither, and drop the candidate."""
    _still_open(session, candidate)
    pair = (candidate.offer_id, candidate.other_offer_id)
    keep_apart(session, *pair, user=user)
    session.delete(candidate)
    session.flush()
    logger.info("%s rejected the queued pair %d ~ %d", user.email if user else "The command line", *pair)
