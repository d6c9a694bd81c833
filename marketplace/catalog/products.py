"""Operators' grouping decisions: split an offer out of a product, merge two products, export the groups.

Each decision is stored per pair of offers (``GroupingDecision``) so that later imports and
the text matcher respect it: offers set apart are never grouped again by any rule, and no
import moves an offer that already has a product.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.catalog.grouping import fold_products, move_offers
from marketplace.catalog.identity import refresh_identities
from marketplace.catalog.models import (
    STRONG_BASES,
    GroupBasis,
    GroupingDecision,
    GroupingDecisionKind,
    Offer,
    Product,
)
from marketplace.domain_errors import DomainError
from marketplace.suppliers.models import Supplier

logger = logging.getLogger(__name__)


class GroupingError(DomainError):
    """A split or merge that cannot be done; the message says why, for the operator."""


def _decide(session: Session, a: int, b: int, kind: GroupingDecisionKind, user: User | None) -> None:
    low, high = (a, b) if a < b else (b, a)
    decision = session.scalar(
        select(GroupingDecision).where(GroupingDecision.offer_id == low, GroupingDecision.other_offer_id == high)
    )
    if decision is None:
        session.add(
            GroupingDecision(offer_id=low, other_offer_id=high, kind=kind, decided_by_id=user.id if user else None)
        )
    else:
        decision.kind = kind
        decision.decided_by_id = user.id if user else None


def keep_apart(session: Session, offer_id: int, other_id: int, *, user: User | None = None) -> None:
    """Record that two offers are different products, moving neither: no rule groups them again."""
    _decide(session, offer_id, other_id, GroupingDecisionKind.APART, user)
    session.flush()


def split_offer(session: Session, offer: Offer, *, user: User | None = None) -> Product:
    """Move ``offer`` out of its product into a product of its own, and keep it apart from the rest.

    Raises ``GroupingError`` when the offer is alone in its product.
    """
    old = offer.product
    others = [o.id for o in old.offers if o.id != offer.id]
    if not others:
        raise GroupingError(_l("This offer is the only one in its product; there is nothing to split it from."))
    product = Product(
        title=offer.title,
        brand=offer.brand,
        model=offer.model,
        category_id=offer.category_id or old.category_id,
    )
    session.add(product)
    session.flush()
    for other in others:
        _decide(session, offer.id, other, GroupingDecisionKind.APART, user)
    move_offers(session, [offer.id], product.id, basis=GroupBasis.FOUNDER)
    session.expire(old, ["offers"])
    if not any(o.group_basis in STRONG_BASES for o in old.offers):
        # The offer that made the product left: the earliest one still there stands for it now.
        founder = min(old.offers, key=lambda o: o.id)
        founder.group_basis, founder.group_score = GroupBasis.FOUNDER, None
    # The old product was named after one of its offers; it must not keep the name of the one that left.
    refresh_identities(session, [old.id])
    session.flush()
    logger.info(
        "%s split offer %d out of product %d into product %d",
        user.email if user else "The command line",
        offer.id,
        old.id,
        product.id,
    )
    return product


def merge_products(session: Session, keep: Product, absorb: Product, *, user: User | None = None) -> Product:
    """Move every offer of ``absorb`` into ``keep``; ``absorb`` stays as a redirect to ``keep``.

    Earlier "apart" decisions between the two products' offers give way to "together".
    Raises ``GroupingError`` for a product merged with itself or with a retired product.
    """
    if keep.id == absorb.id:
        raise GroupingError(_l("A product cannot be merged with itself."))
    if keep.merged_into_id is not None or absorb.merged_into_id is not None:
        raise GroupingError(_l("One of these products was already merged into another; merge that one instead."))
    kept = [o.id for o in keep.offers]
    moved = [o.id for o in absorb.offers]
    if not moved:
        raise GroupingError(_l("The product to merge has no offers."))
    for a in kept:
        for b in moved:
            _decide(session, a, b, GroupingDecisionKind.TOGETHER, user)
    absorb.match_pending = False
    fold_products(session, {absorb.id: keep.id}, basis=GroupBasis.OPERATOR)
    session.expire(keep, ["offers"])
    session.expire(absorb)
    session.flush()
    logger.info(
        "%s merged product %d (%d offers) into product %d",
        user.email if user else "The command line",
        absorb.id,
        len(moved),
        keep.id,
    )
    return keep


def live_product(session: Session, product_id: int) -> Product | None:
    """Return the product ``product_id`` became: itself, or the product it was merged into."""
    product = session.get(Product, product_id)
    seen = set()
    while product is not None and product.merged_into_id is not None and product.id not in seen:
        seen.add(product.id)
        product = session.get(Product, product.merged_into_id)
    return product


def decisions_for(session: Session, product: Product) -> list[GroupingDecision]:
    """Return the operators' decisions that name any offer of ``product``, newest first."""
    ids = [o.id for o in product.offers]
    if not ids:
        return []
    return list(
        session.scalars(
            select(GroupingDecision)
            .where(or_(GroupingDecision.offer_id.in_(ids), GroupingDecision.other_offer_id.in_(ids)))
            .order_by(GroupingDecision.created_at.desc(), GroupingDecision.id.desc())
        )
    )


def find_products(session: Session, query: str, *, limit: int = 50) -> list[Product]:
    """Return live products whose id is ``query`` or whose title contains it, with their offers."""
    stmt = (
        select(Product)
        .where(Product.merged_into_id.is_(None))
        .options(selectinload(Product.offers).selectinload(Offer.supplier))
        .order_by(Product.id.desc())
        .limit(limit)
    )
    query = query.strip()
    if query.isdigit():
        stmt = stmt.where(Product.id == int(query))
    elif query:
        stmt = stmt.where(func.lower(Product.title).contains(query.lower(), autoescape=True))
    else:
        # Products with offers of more than one supplier are the ones worth checking.
        grouped = (
            select(Offer.product_id).group_by(Offer.product_id).having(func.count(Offer.supplier_id.distinct()) > 1)
        )
        stmt = stmt.where(Product.id.in_(grouped))
    return list(session.scalars(stmt).unique())


@dataclass(frozen=True)
class ExportedProduct:
    """One line of ``traderow products export --jsonl``."""

    id: int
    title: str
    #: ``(supplier slug, supplier_sku)`` of every offer, active or withdrawn.
    offers: list[tuple[str, str]]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "offers": [list(pair) for pair in self.offers]}


def export_products(session: Session) -> Iterator[ExportedProduct]:
    """Yield every product that has offers, by id, with its offers as ``(supplier slug, sku)``."""
    rows = session.execute(
        select(Product.id, Product.title, Supplier.slug, Offer.supplier_sku)
        .join(Offer, Offer.product_id == Product.id)
        .join(Supplier, Supplier.id == Offer.supplier_id)
        .order_by(Product.id, Supplier.slug, Offer.supplier_sku)
        .execution_options(yield_per=1000)
    )
    current: ExportedProduct | None = None
    for product_id, title, slug, sku in rows:
        if current is None or current.id != product_id:
            if current is not None:
                yield current
            current = ExportedProduct(id=product_id, title=title, offers=[])
        current.offers.append((slug, sku))
    if current is not None:
        yield current
