"""When an alert fires, and which saved searches an offer matches: plain data in, answers out.

No database and no app: the worker's pass (``jobs.py``) feeds it what an import changed, and
``bench/alerts.py`` feeds it the same way at scale.

The minimum change: a price counts as having moved only when it moved by at least 1 % *and*
at least 1 unit of the base currency (1 UAH). Below that a repricing is rounding or a feed's
noise, not news: 1 % alone would let a 50 UAH cable fire on every kopeck, 1 UAH alone would let
a 60,000 UAH laptop fire on a 0.002 % change.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from search_index import SearchQuery

#: The smallest move that counts, relative to the earlier price (see the module's docstring).
MIN_CHANGE_PERCENT = Decimal("1")
#: The smallest move that counts, in the base currency.
MIN_CHANGE_AMOUNT = Decimal("1")

_WORD = re.compile(r"\w+")
#: Words are compared by their first letters so that "drill" finds "drills" and "дриль" "дрилі".
_STEM = 5


def moved_down(before: Decimal, after: Decimal) -> bool:
    """Return whether ``after`` is lower than ``before`` by at least the minimum change."""
    return before - after >= max(before * MIN_CHANGE_PERCENT / 100, MIN_CHANGE_AMOUNT)


def moved_up(before: Decimal, after: Decimal) -> bool:
    """Return whether ``after`` is higher than ``before`` by at least the minimum change."""
    return moved_down(after, before) if after > before else False


@dataclass(frozen=True, slots=True)
class Watch:
    """What an alert on a product needs to decide (a plain copy of the row)."""

    id: int
    kind: str
    target_price: Decimal | None = None
    drop_percent: Decimal | None = None
    days: int | None = None
    #: The best price when the alert was set or last fired.
    reference_price: Decimal | None = None
    #: The best price the previous check saw; ``None``: out of stock (or not seen yet).
    last_price: Decimal | None = None
    #: Whether it has fired before: a target alert fires again only after a further drop.
    fired_before: bool = False


def fires(watch: Watch, best: Decimal | None, lowest_before: Decimal | None = None) -> bool:
    """Return whether a product whose best in-stock price is now ``best`` sets off ``watch``.

    ``lowest_before`` is the lowest price of the product's history in the watch's window,
    before this import (LOWEST only).
    """
    if best is None:
        return False
    reference = watch.reference_price
    if watch.kind == "stock":
        return watch.last_price is None
    if watch.kind == "target":
        if watch.target_price is None or best > watch.target_price:
            return False
        return not watch.fired_before or reference is None or moved_down(reference, best)
    if reference is not None and not moved_down(reference, best):
        return False
    if watch.kind == "drop":
        if reference is None or watch.drop_percent is None:
            return False
        return best <= reference * (1 - watch.drop_percent / 100)
    if watch.kind == "lowest":
        return lowest_before is not None and moved_down(lowest_before, best)
    return False


# --- saved searches --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What a saved search looks at in a changed offer."""

    offer_id: int
    product_id: int
    supplier: str
    title: str
    brand: str | None
    category_id: int | None
    price_minor: int
    in_stock: bool
    condition: str | None


def _stems(text: str) -> list[str]:
    return [word[:_STEM] for word in _WORD.findall(text.casefold())]


class SearchMatcher:
    """Find the saved searches each of a batch of changed offers matches, without running each search.

    A search is filed under its word that is rarest among the batch's offers, and an offer is
    checked only against the searches filed under its own words (plus those with no words):
    a search with a word no offer of the batch has cannot match and is never looked at.
    Text matches when every word of the search starts a word of the offer's title or brand
    (the index stems; this compares the first letters, which is close and needs no index).
    """

    def __init__(
        self, searches: Iterable[tuple[int, SearchQuery, frozenset[int] | None]], offers: Iterable[OfferFacts]
    ) -> None:
        self._offers = [(offer, set(_stems(offer.title)) | set(_stems(offer.brand or ""))) for offer in offers]
        frequency: Counter[str] = Counter()
        for _offer, stems in self._offers:
            frequency.update(stems)
        self._by_word: dict[str, list[tuple[int, SearchQuery, frozenset[int] | None, tuple[str, ...]]]] = defaultdict(
            list
        )
        for search_id, query, categories in searches:
            words = tuple(dict.fromkeys(_stems(query.text)))
            if words and min(frequency[word] for word in words) == 0:
                continue  # one of its words is in none of the offers
            key = min(words, key=lambda word: frequency[word]) if words else ""
            self._by_word[key].append((search_id, query, categories, words))

    def matches(self) -> Iterator[tuple[OfferFacts, int]]:
        """Yield each (offer, search id) that matches."""
        for offer, stems in self._offers:
            for key in (*stems, ""):
                for search_id, query, categories, words in self._by_word.get(key, ()):
                    if _fits(query, categories, words, offer, stems):
                        yield offer, search_id


def _fits(
    query: SearchQuery, categories: frozenset[int] | None, words: tuple[str, ...], offer: OfferFacts, stems: set[str]
) -> bool:
    if query.min_price_minor is not None and offer.price_minor < query.min_price_minor:
        return False
    if query.max_price_minor is not None and offer.price_minor > query.max_price_minor:
        return False
    if query.in_stock is not None and offer.in_stock != query.in_stock:
        return False
    if query.suppliers and offer.supplier not in query.suppliers:
        return False
    if query.brands and (offer.brand or "").casefold() not in {b.casefold() for b in query.brands}:
        return False
    if query.conditions and (offer.condition or "new") not in query.conditions:
        return False
    if categories is not None and offer.category_id not in categories:
        return False
    return all(word in stems for word in words)
