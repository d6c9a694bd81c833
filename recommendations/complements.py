"""Complements: products of other categories that visitors went to buy in the same visit.

A click-out is a visitor leaving for a shop to buy, so two click-outs of one visit on products of
two *different* categories (a drill, then drill bits; a frying pan, then a lid) are what a buyer
buys with what. Within one category the same visit compares alternatives, which "also viewed"
already shows, so same-category pairs are left out here.

The weights are those of the co-visitation (:class:`~recommendations.sessionknn.SessionKNN`), so
the two rows agree on what recent and what popular mean:

- **time decay**: a visit's vote halves every ``half_life_days`` of its age, counted back from the
  newest visit of the log;
- **popularity damping**: a product's score is multiplied by ``1 + popularity_damping * idf`` with
  ``idf = log(visits / visits with the product)`` (the co-visitation counts clicks; a click-out
  is rarely repeated in a visit, and visits keep the idf positive): a best seller clicked in every
  visit is not everyone's complement.

Minimum support, argued rather than fitted:

- **two different visitors** (:attr:`ComplementParams.min_visitors`). One person's visit may
  hold anything (a gift list, a house move); two people who do not know each other taking the
  same cross-category path is the smallest evidence that is not one person's whim. One visitor's
  several visits count once. More than two would leave a young catalog's click-outs (a few per
  visit, and rare next to views) almost without complements, and the damping already ranks the
  pairs that pass;
- **more often than chance** (lift above 1): the pair's visits exceed what two products as
  popular would share if visitors picked them independently. Two best sellers meet in many
  visits only because each is in many;
- **a shopper's visit**: a visit with more than :attr:`ComplementParams.max_visit_products`
  products is a crawler or a reseller checking prices, not a basket; it also bounds the work,
  which grows with the square of a visit's length.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import permutations

from recommendations.clicks import Click, Item
from recommendations.sessionknn import SECONDS_PER_DAY, SessionKNNParams

_COVISITATION = SessionKNNParams()


@dataclass(frozen=True, slots=True)
class ComplementParams:
    """The thresholds and weights, argued in the module's docstring."""

    min_visitors: int = 2
    max_visit_products: int = 50
    half_life_days: float | None = _COVISITATION.half_life_days
    popularity_damping: float = _COVISITATION.popularity_damping


def complements(
    clicks: Iterable[Click[Item]],
    category_of: Mapping[Item, Hashable],
    count: int,
    visitor_of: Callable[[Hashable], Hashable] = lambda visit: visit,
    params: ComplementParams | None = None,
) -> dict[Item, list[tuple[Item, float]]]:
    """For each product, up to ``count`` complements from other categories, best first, with scores.

    ``clicks`` are click-outs grouped into visits by :attr:`Click.session`; ``visitor_of`` tells
    whose visit one is (so that one visitor's visits count once). Products without a category
    are left out: nothing says whether they are of another kind.
    """
    params = params or ComplementParams()
    visits: dict[Hashable, set[Item]] = defaultdict(set)
    last_time: dict[Hashable, float] = {}
    for click in clicks:
        if click.item in category_of:
            visits[click.session].add(click.item)
        last_time[click.session] = max(last_time.get(click.session, click.time), click.time)
    total = len(last_time)
    if not total:
        return {}
    newest = max(last_time.values())
    # In how many visits each product is: the idf of the damping and the chance of the lift.
    in_visits: Counter[Item] = Counter(item for items in visits.values() for item in items)
    together: Counter[tuple[Item, Item]] = Counter()
    weight: dict[tuple[Item, Item], float] = defaultdict(float)
    visitors: dict[tuple[Item, Item], set[Hashable]] = defaultdict(set)
    for visit, items in visits.items():
        if len(items) > params.max_visit_products:
            continue
        decay = _decay(params, (newest - last_time[visit]) / SECONDS_PER_DAY)
        for pair in permutations(items, 2):
            if category_of[pair[0]] != category_of[pair[1]]:
                together[pair] += 1
                weight[pair] += decay
                visitors[pair].add(visitor_of(visit))
    ranked: dict[Item, list[tuple[Item, float]]] = defaultdict(list)
    for (item, other), shared in together.items():
        if len(visitors[(item, other)]) < params.min_visitors:
            continue
        if shared * total <= in_visits[item] * in_visits[other]:
            continue  # no more often than chance
        boost = 1 + params.popularity_damping * math.log(total / in_visits[other])
        ranked[item].append((other, weight[(item, other)] * boost))
    return {item: sorted(pairs, key=lambda pair: (-pair[1], str(pair[0])))[:count] for item, pairs in ranked.items()}


def _decay(params: ComplementParams, age_days: float) -> float:
    if params.half_life_days is None:
        return 1.0
    return math.pow(0.5, age_days / params.half_life_days)
