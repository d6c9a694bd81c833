"""The returning visitor's home page: continue where they left off, price drops, new offers, recommendations.

Every read is bounded by the visitor, never by the catalog: their recent history (see
``history``), their newest favourites, the price history of those few products' offers, the
newest offers of at most ``CATEGORIES`` categories, and the precomputed recommendations of
their ``RECOMMEND_FROM`` latest products (read by ``marketplace.recommendations``). Each item
carries the reason it is shown.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, literal, select
from sqlalchemy.orm import Session

from marketplace.alerts.models import Favourite
from marketplace.catalog.models import Offer, PriceHistory, shown_to_buyers
from marketplace.catalog.services import ProductSummary, product_summaries
from marketplace.db import UTCDateTime
from marketplace.personal.history import History, RecentSearch, Who, is_returning, visitor_history
from marketplace.taxonomy.models import Category

#: Products and searches in "continue where you left off".
CONTINUE_PRODUCTS = 8
#: Recent products read for the page: those shown, and a few more whose price may have fallen.
HOME_HISTORY = 12
CONTINUE_SEARCHES = 5
#: A fall smaller than this (in percent of the price then) is no news.
MIN_DROP_PERCENT = Decimal(3)
PRICE_DROPS = 4
#: Favourites looked at for price drops, newest first.
FAVOURITES = 20
#: The categories of the newest views (and searches) whose new offers are shown, and the most
#: days back an offer counts as new (else: since the visitor's last day here).
CATEGORIES = 3
NEW_OFFER_DAYS = 7
NEW_OFFERS = 4
#: The latest viewed products whose precomputed recommendations are merged, and how many are shown.
RECOMMEND_FROM = 5
RECOMMENDED = 6


#: Gives the precomputed recommendations of products, as (product, recommended product) pairs, best
#: first (``marketplace.recommendations.services.recommendations_of``). Passed in by the view: the
#: two domains share a floor and neither imports the other.
Recommender = Callable[[Session, Sequence[int]], Iterable[tuple[int, int]]]


class ReasonKind(enum.StrEnum):
    """Why an item is on the visitor's home page."""

    VIEWED = "viewed"
    FELL_SINCE_VIEWED = "fell_since_viewed"
    FELL_SINCE_FAVOURED = "fell_since_favoured"
    NEW_IN_CATEGORY = "new_in_category"
    BECAUSE_VIEWED = "because_viewed"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an item is shown, with what the sentence needs: a day, a percentage, a category or a product."""

    kind: ReasonKind
    at: dt.datetime | None = None
    percent: int | None = None
    category: Category | None = None
    product_title: str | None = None


@dataclass(frozen=True, slots=True)
class HomeItem:
    """A product on the visitor's home page and the reason it is there."""

    summary: ProductSummary
    reason: Reason


@dataclass
class PersonalHome:
    """The personal part of the home page; each section may be empty."""

    recent: list[HomeItem] = field(default_factory=list)
    searches: list[RecentSearch] = field(default_factory=list)
    price_drops: list[HomeItem] = field(default_factory=list)
    new_offers: list[HomeItem] = field(default_factory=list)
    recommended: list[HomeItem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.recent or self.searches or self.price_drops or self.new_offers or self.recommended)


def personal_home(
    session: Session,
    who: Who,
    now: dt.datetime,
    pending: Iterable[Mapping[str, Any]] = (),
    recommend: Recommender | None = None,
) -> PersonalHome | None:
    """Return the personal sections for a returning (or signed-in) visitor with history; ``None`` otherwise.

    A first visit, and a signed-in account with nothing viewed or watched, get ``None``: the
    page stays the non-personal one.
    """
    if who.user_id is None and not is_returning(session, who, now.date()):
        return None
    history = visitor_history(session, who, pending, products=HOME_HISTORY, searches=CONTINUE_SEARCHES)
    favourites = _favourites(session, who)
    if not history and not favourites:
        return None
    viewed_ids = [recent.product_id for recent in history.products]
    wanted = list(dict.fromkeys(viewed_ids + list(favourites)))
    summaries = {summary.product.id: summary for summary in product_summaries(session, wanted)}
    home = PersonalHome(searches=history.searches[:CONTINUE_SEARCHES])
    home.recent = [
        HomeItem(summaries[recent.product_id], Reason(ReasonKind.VIEWED, at=recent.last_at))
        for recent in history.products
        if recent.product_id in summaries
    ][:CONTINUE_PRODUCTS]
    home.price_drops = _price_drops(session, history, favourites, summaries)
    shown = set(viewed_ids) | set(favourites)
    home.new_offers = _new_offers(session, history, summaries, shown, now)
    shown |= {item.summary.product.id for item in home.new_offers}
    home.recommended = _recommended(session, viewed_ids, summaries, shown, recommend)
    return home if home else None


def _favourites(session: Session, who: Who) -> dict[int, dt.datetime]:
    if who.user_id is None:
        return {}
    rows = session.execute(
        select(Favourite.product_id, Favourite.created_at)
        .where(Favourite.user_id == who.user_id)
        .order_by(Favourite.created_at.desc())
        .limit(FAVOURITES)
    )
    return {product_id: created_at for product_id, created_at in rows}


def lowest_prices_at(session: Session, references: Mapping[int, dt.datetime]) -> dict[int, Decimal]:
    """Return each product's lowest price (base currency) of offers on sale at its reference time.

    For each offer of the products, the last price history point at or before the product's
    time is found through ``ix_price_history_offer_recorded`` (one index probe per offer);
    an offer withdrawn or out of stock at that time does not count.
    """
    if not references:
        return {}
    reference = case(
        *[(Offer.product_id == product_id, literal(at, UTCDateTime())) for product_id, at in references.items()]
    )
    price_then = (
        select(case((and_(PriceHistory.active, PriceHistory.available), PriceHistory.price_base)))
        .where(PriceHistory.offer_id == Offer.id, PriceHistory.recorded_at <= reference)
        .order_by(PriceHistory.recorded_at.desc(), PriceHistory.id.desc())
        .limit(1)
        .correlate(Offer)
        .scalar_subquery()
    )
    lowest: dict[int, Decimal] = {}
    for product_id, price in session.execute(
        select(Offer.product_id, price_then).where(Offer.product_id.in_(list(references)))
    ):
        if price is not None and (product_id not in lowest or price < lowest[product_id]):
            lowest[product_id] = price
    return lowest


def _price_drops(
    session: Session,
    history: History,
    favourites: Mapping[int, dt.datetime],
    summaries: Mapping[int, ProductSummary],
) -> list[HomeItem]:
    """Return the products viewed or watched whose best price now is lower than when viewed (or favoured)."""
    references: dict[int, tuple[dt.datetime, ReasonKind]] = {
        product_id: (at, ReasonKind.FELL_SINCE_FAVOURED) for product_id, at in favourites.items()
    }
    for recent in history.products:
        # The first view within the history read: "since you viewed it" means since you first saw it.
        references.setdefault(recent.product_id, (recent.first_at, ReasonKind.FELL_SINCE_VIEWED))
    references = {pid: ref for pid, ref in references.items() if pid in summaries}
    then = lowest_prices_at(session, {pid: at for pid, (at, _kind) in references.items()})
    drops: list[tuple[Decimal, HomeItem]] = []
    for product_id, price_then in then.items():
        now = summaries[product_id].best.price_base
        if price_then <= 0 or now >= price_then:
            continue
        percent = (price_then - now) * 100 / price_then
        if percent < MIN_DROP_PERCENT:
            continue
        at, kind = references[product_id]
        reason = Reason(kind, at=at, percent=int(percent.to_integral_value()))
        drops.append((percent, HomeItem(summaries[product_id], reason)))
    drops.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _percent, item in drops[:PRICE_DROPS]]


def browsed_categories(history: History, summaries: Mapping[int, ProductSummary]) -> list[int]:
    """Return the categories the visitor browses, most recent first: their viewed products' and searches' own."""
    timed: list[tuple[dt.datetime, int]] = []
    for recent in history.products:
        summary = summaries.get(recent.product_id)
        # The product's category, else its best offer's (offers carry the category their feed maps to).
        category_id = summary and (summary.product.category_id or summary.best.category_id)
        if category_id:
            timed.append((recent.last_at, category_id))
    timed.extend((search.last_at, search.category_id) for search in history.searches if search.category_id)
    timed.sort(key=lambda pair: pair[0], reverse=True)
    return list(dict.fromkeys(category_id for _at, category_id in timed))[:CATEGORIES]


def new_since(history: History, now: dt.datetime) -> dt.datetime:
    """Return since when an offer is new to the visitor: their last view before today, at most ``NEW_OFFER_DAYS`` ago.

    "New" is what came after they were last here, so a catalog's first import is not news a
    week long to someone who has seen it; a visitor away for long gets the last days' offers.
    """
    start_of_today = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)
    earlier = [recent.last_at for recent in history.products if recent.last_at < start_of_today]
    earlier += [search.last_at for search in history.searches if search.last_at < start_of_today]
    return max([now - dt.timedelta(days=NEW_OFFER_DAYS), *earlier])


def _new_offers(
    session: Session,
    history: History,
    summaries: Mapping[int, ProductSummary],
    shown: set[int],
    now: dt.datetime,
) -> list[HomeItem]:
    """Return products with offers new since the visitor's last day here, in their categories.

    One query per category, through ``ix_offers_category_created``, newest first and limited.
    """
    categories = browsed_categories(history, summaries)
    if not categories:
        return []
    since = new_since(history, now)
    found: list[tuple[int, int]] = []
    for category_id in categories:
        rows = session.scalars(
            select(Offer.product_id)
            .where(Offer.category_id == category_id, Offer.created_at >= since, shown_to_buyers())
            .order_by(Offer.created_at.desc())
            .limit(NEW_OFFERS * 3)
        )
        for product_id in rows:
            if product_id not in shown and all(product_id != pid for pid, _c in found):
                found.append((product_id, category_id))
    found = found[:NEW_OFFERS]
    names = {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(categories)))}
    new = {s.product.id: s for s in product_summaries(session, [pid for pid, _c in found])}
    return [
        HomeItem(new[pid], Reason(ReasonKind.NEW_IN_CATEGORY, category=names.get(category_id)))
        for pid, category_id in found
        if pid in new
    ]


def _recommended(
    session: Session,
    viewed_ids: Sequence[int],
    summaries: Mapping[int, ProductSummary],
    shown: set[int],
    recommend: Recommender | None,
) -> list[HomeItem]:
    """Return the precomputed recommendations of the latest viewed products, skipping what the page already shows."""
    sources = [pid for pid in viewed_ids if pid in summaries][:RECOMMEND_FROM]
    if recommend is None or not sources:
        return []
    picked: dict[int, int] = {}
    for source, recommended_id in recommend(session, sources):
        if recommended_id not in shown and recommended_id not in picked:
            picked[recommended_id] = source
        if len(picked) >= RECOMMENDED * 2:
            break
    tiles = {s.product.id: s for s in product_summaries(session, list(picked))}
    items = [
        HomeItem(tiles[pid], Reason(ReasonKind.BECAUSE_VIEWED, product_title=summaries[source].product.title))
        for pid, source in picked.items()
        if pid in tiles
    ]
    return items[:RECOMMENDED]
