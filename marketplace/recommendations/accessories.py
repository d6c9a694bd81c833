"""Accessories and complements for the worker's refresh: stated compatibility, and click-outs across categories.

The rules themselves are pure library code and argued there: :mod:`product_matching.compatibility`
(what a compatibility param must name) and :mod:`recommendations.complements` (what support a
pair of categories needs). This module only turns offers and click-outs into their input and their
output into the per-product lists :func:`~marketplace.recommendations.jobs.refresh_recommendations` stores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import cast

from marketplace.catalog.models import Offer
from product_matching.compatibility import Listing, compatibility_links
from recommendations.clicks import Click
from recommendations.complements import complements

Ranked = dict[int, list[tuple[int, float]]]


def _params(offer: Offer) -> tuple[tuple[str, str], ...]:
    return tuple((str(p[0]), str(p[1])) for p in offer.params or () if isinstance(p, list | tuple) and len(p) == 2)


def listing(offer: Offer, category_id: int | None) -> Listing:
    """Return what the compatibility rule reads of an offer, filed under its product's category."""
    return Listing(
        product=offer.product_id,
        category=category_id,
        title=offer.title,
        brand=offer.brand,
        model=offer.model,
        part_numbers=(offer.mpn,) if offer.mpn else (),
        params=_params(offer),
    )


def _best_first(links: Mapping[int, Mapping[int, float]], count: int) -> Ranked:
    return {
        product: sorted(scored.items(), key=lambda pair: (-pair[1], pair[0]))[:count]
        for product, scored in links.items()
    }


def compatible_accessories(
    offers: Sequence[Offer], category_of: Mapping[int, int], count: int
) -> tuple[Ranked, Ranked]:
    """Return (each product's accessories, each accessory's products it fits), best first.

    A product's category is its shown offer's (``category_of``), so that all its offers agree on it.
    """
    fits = compatibility_links(listing(offer, category_of.get(offer.product_id)) for offer in offers)
    accessories: dict[int, dict[int, float]] = defaultdict(dict)
    fitted: dict[int, dict[int, float]] = defaultdict(dict)
    for fit in fits:
        accessory, product = cast(int, fit.accessory), cast(int, fit.product)
        accessories[product][accessory] = fit.score
        fitted[accessory][product] = fit.score
    return _best_first(accessories, count), _best_first(fitted, count)


def _visitor(visit: Hashable) -> Hashable:
    """The visitor of a visit named "visitor/number" (:func:`~marketplace.recommendations.jobs.visits`)."""
    return str(visit).rsplit("/", 1)[0]


def clickout_complements(clicks: Iterable[Click[int]], category_of: Mapping[int, int], count: int) -> Ranked:
    """Return each product's complements of other categories from click-outs grouped into visits."""
    return complements(clicks, category_of, count, visitor_of=_visitor)
