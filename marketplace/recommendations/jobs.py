"""The worker's share: recompute every product's recommendations into ``product_recommendations``.

Three sources, each a block of the product page:

- **similar**: the same category and price band, then close params and close text;
- **also viewed**: :class:`recommendations.sessionknn.SessionKNN` fed with :func:`visits`;
- **accessories**: the offers a seller names as going with its offer (YML ``<rec>``, ``Offer.recs``);
- **compatible** and **fits**: accessories whose compatibility params name a product's model, and the
  reverse (:mod:`marketplace.recommendations.accessories`);
- **complements**: products of other categories clicked out in the same visits.

The job replaces all rows in one transaction, so the page never shows half a refresh. Nothing is
computed when a page is viewed (:mod:`marketplace.recommendations.services` reads the rows).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import String, case, cast, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from marketplace.catalog.identity import product_identity
from marketplace.catalog.models import ClickOut, Offer, shown_to_buyers
from marketplace.catalog.services import best_offer
from marketplace.db import utcnow
from marketplace.events.models import AnalyticsEvent
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.queue import enqueue
from marketplace.recommendations.accessories import clickout_complements, compatible_accessories
from marketplace.recommendations.models import ProductRecommendation, RecommendationKind
from recommendations.clicks import Click
from recommendations.sessionknn import SessionKNN, item_neighbours

logger = logging.getLogger(__name__)

#: Recommendations kept per product and kind (the page shows up to this many).
PER_KIND = 6
#: Two prices are in one band when neither is more than this many times the other.
PRICE_BAND = 2.0
#: Of a category, only this many products nearest in price are compared with each (bounds the work).
SIMILAR_CANDIDATES = 200
_WORD = re.compile(r"\w{2,}")


#: A visitor's clicks more than this far apart belong to two visits (the usual web-analytics session cut).
VISIT_GAP = dt.timedelta(minutes=30)


def visits(session: Session, *, views: bool = True) -> Iterator[Click[int]]:
    """Yield (visit, product, time) for every product a visitor was seen taking an interest in.

    Interest is a product page viewed (the analytics event log, kept for its retention days) or
    a click-out (kept for good, so older history still counts); without ``views``, click-outs
    only (a visit's "visitor/number" name is the same either way). A visitor is the account when
    signed in, else the visitor cookie; a visit is their clicks with no pause longer than
    :data:`VISIT_GAP`. One query, ordered by visitor and time, so memory stays flat.
    """
    clicks = (
        select(
            ClickOut.visitor_id.label("visitor_id"),
            ClickOut.user_id.label("user_id"),
            Offer.product_id.label("product_id"),
            ClickOut.created_at.label("at"),
        )
        .join(Offer, Offer.id == ClickOut.offer_id)
        .where(or_(ClickOut.visitor_id.is_not(None), ClickOut.user_id.is_not(None)))
    )
    viewed = select(
        AnalyticsEvent.visitor_id, AnalyticsEvent.user_id, AnalyticsEvent.product_id, AnalyticsEvent.occurred_at
    ).where(
        AnalyticsEvent.kind == "product_view",
        AnalyticsEvent.product_id.is_not(None),
        or_(AnalyticsEvent.visitor_id.is_not(None), AnalyticsEvent.user_id.is_not(None)),
    )
    both = (union_all(clicks, viewed) if views else clicks).subquery()
    who = case(
        (both.c.user_id.is_not(None), literal("u") + cast(both.c.user_id, String)),
        else_=literal("v") + both.c.visitor_id,
    ).label("who")
    rows = session.execute(select(who, both.c.product_id, both.c.at).order_by(who, both.c.at))
    previous: tuple[str, dt.datetime] | None = None
    visit = 0
    for visitor, product_id, at in rows:
        if previous is None or previous[0] != visitor or at - previous[1] > VISIT_GAP:
            visit += 1
        previous = (visitor, at)
        yield Click(session=f"{visitor}/{visit}", item=product_id, time=at.timestamp())


@dataclass(frozen=True, slots=True)
class _Listed:
    """A product as the similar-products comparison sees it: its best offer's facts."""

    product_id: int
    category_id: int
    price: float
    words: frozenset[str]
    params: frozenset[tuple[str, str]]


def _listed(product_id: int, offer: Offer) -> _Listed | None:
    if offer.category_id is None or offer.price_base is None or offer.price_base <= 0:
        return None
    params = frozenset(
        (str(p[0]).strip().casefold(), "".join(str(p[1]).split()).casefold())
        for p in offer.params or ()
        if isinstance(p, list | tuple) and len(p) == 2
    )
    return _Listed(
        product_id, offer.category_id, float(offer.price_base), frozenset(_WORD.findall(offer.title.casefold())), params
    )


def _jaccard(first: frozenset[Any], second: frozenset[Any]) -> float:
    return len(first & second) / len(first | second) if first and second else 0.0


def similarity(first: _Listed, second: _Listed) -> float | None:
    """How alike two products of one category are, 0..1; None outside one price band.

    Text counts most (it names the kind of thing), then params that agree, then closeness in price.
    """
    distance = abs(math.log(first.price / second.price, PRICE_BAND))
    if distance > 1:
        return None
    return (
        0.4 * _jaccard(first.words, second.words) + 0.3 * _jaccard(first.params, second.params) + 0.3 * (1 - distance)
    )


def similar_products(listed: Sequence[_Listed]) -> dict[int, list[tuple[int, float]]]:
    """For each product, up to :data:`PER_KIND` others of its category, most similar first."""
    by_category: dict[int, list[_Listed]] = defaultdict(list)
    for item in listed:
        by_category[item.category_id].append(item)
    similar: dict[int, list[tuple[int, float]]] = {}
    for members in by_category.values():
        members.sort(key=lambda item: item.price)
        for index, item in enumerate(members):
            half = SIMILAR_CANDIDATES // 2
            scored = []
            for other in members[max(0, index - half) : index + half + 1]:
                if other.product_id == item.product_id:
                    continue
                score = similarity(item, other)
                if score is not None:
                    scored.append((other.product_id, score))
            scored.sort(key=lambda pair: (-pair[1], pair[0]))
            if scored:
                similar[item.product_id] = scored[:PER_KIND]
    return similar


def also_viewed(session: Session, active: set[int]) -> dict[int, list[tuple[int, float]]]:
    """For each product seen in visits, the active products most often seen in the same visits."""
    model = SessionKNN[int]().fit(visits(session))
    viewed: dict[int, list[tuple[int, float]]] = {}
    for product_id in model.items:
        if product_id in active:
            picked = [pair for pair in item_neighbours(model, product_id, PER_KIND * 2) if pair[0] in active]
            if picked:
                viewed[product_id] = picked[:PER_KIND]
    return viewed


def accessories(offers: Sequence[Offer]) -> dict[int, list[tuple[int, float]]]:
    """For each product, the products of the offers its sellers name in ``<rec>``, in the sellers' order."""
    by_sku = {(offer.supplier_id, offer.supplier_sku): offer.product_id for offer in offers}
    named: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for offer in offers:
        for sku in offer.recs or ():
            other = by_sku.get((offer.supplier_id, str(sku)))
            picked = named[offer.product_id]
            if other is not None and other != offer.product_id and all(other != p for p, _ in picked):
                picked.append((other, 1.0 / (len(picked) + 1)))
    return {product: picked[:PER_KIND] for product, picked in named.items() if picked}


def _first_picture(offers: Sequence[Offer]) -> str | None:
    identity = product_identity(offers)
    return identity.pictures[0] if identity and identity.pictures else None


def refresh_recommendations(session: Session, app: Flask | None = None) -> int:
    """Recompute every product's recommendations and commit them at once; return the rows written."""
    offers = session.scalars(select(Offer).where(shown_to_buyers())).all()
    by_product: dict[int, list[Offer]] = defaultdict(list)
    for offer in offers:
        by_product[offer.product_id].append(offer)
    listed = []
    category_of: dict[int, int] = {}
    for product_id, product_offers in by_product.items():
        best = best_offer(product_offers)
        if best is not None and best.category_id is not None:
            category_of[product_id] = best.category_id
        item = _listed(product_id, best) if best is not None else None
        if item is not None:
            listed.append(item)
    compatible, fits = compatible_accessories(offers, category_of, PER_KIND)
    kinds = {
        RecommendationKind.SIMILAR: similar_products(listed),
        RecommendationKind.ALSO_VIEWED: also_viewed(session, set(by_product)),
        RecommendationKind.ACCESSORY: accessories(offers),
        RecommendationKind.COMPATIBLE: compatible,
        RecommendationKind.FITS: fits,
        RecommendationKind.COMPLEMENT: clickout_complements(visits(session, views=False), category_of, PER_KIND),
    }
    recommended = {other for lists in kinds.values() for picked in lists.values() for other, _ in picked}
    pictures = {product_id: _first_picture(by_product[product_id]) for product_id in recommended}
    now = utcnow()
    session.execute(delete(ProductRecommendation))
    rows = [
        {
            "product_id": product_id,
            "kind": kind,
            "rank": rank,
            "recommended_id": recommended_id,
            "score": score,
            "picture": pictures[recommended_id],
            "computed_at": now,
        }
        for kind, lists in kinds.items()
        for product_id, picked in lists.items()
        for rank, (recommended_id, score) in enumerate(picked, start=1)
    ]
    if rows:
        session.execute(insert(ProductRecommendation), rows)
    session.commit()
    logger.info("Recommendations refreshed: %d rows for %d products", len(rows), len(by_product))
    return len(rows)


def queue_recommendations(session: Session, config: Mapping[str, Any]) -> bool:
    """Queue a refresh when the last one is older than ``RECOMMENDATIONS_INTERVAL`` seconds and none waits.

    ``None`` turns the refresh off (the tests' default, so that their worker passes run only the jobs they queue).
    """
    if config.get("RECOMMENDATIONS_INTERVAL") is None:
        return False
    waiting = session.scalar(
        select(func.count(Job.id)).where(
            Job.kind == "refresh_recommendations", Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))
        )
    )
    last = session.scalar(select(func.max(ProductRecommendation.computed_at)))
    interval = dt.timedelta(seconds=config["RECOMMENDATIONS_INTERVAL"])
    if waiting or (last is not None and utcnow() - last < interval):
        return False
    enqueue(session, "refresh_recommendations")
    session.commit()
    return True
