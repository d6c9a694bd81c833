"""A product's identity: the one title, brand and picture set it shows, chosen from its offers by one rule.

The rule (:func:`product_identity`) reads only the offers with strong grouping evidence
(:data:`~marketplace.catalog.models.STRONG_BASES`: the first offer, GTIN, brand and code, an
operator's merge), the active ones while there are any:

- **brand**: the brand most of them state (compared without case, spaces or punctuation); a tie
  goes to the brand of the earliest offer among the tied, and it is spelt as most offers spell it;
- **title**: the title of the most complete of them: one that states that brand, then one that
  states a code (GTIN, MPN or model), then the title with the most distinct words, then the
  earliest offer;
- **pictures**: theirs only, the title's offer first, then the others from the earliest; only
  absolute http(s) URLs, each once.

An offer the text matcher joined never names the product nor shows its pictures, so a wrong
text merge cannot dress one product in another's title or photos. A product with no strong
offer keeps the title and brand it has and shows no pictures.

:func:`refresh_identities` applies the rule whenever a product's offers change: import grouping
and withdrawals, text merges, an operator's merge or split.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.catalog.models import STRONG_BASES, Offer, OfferStatus, Product

#: The most pictures a product shows.
MAX_PICTURES = 8

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)


class OfferFacts(Protocol):
    """What the rule reads of an offer: an ``Offer`` or a row with the same fields."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def brand(self) -> str | None: ...
    @property
    def model(self) -> str | None: ...
    @property
    def mpn(self) -> str | None: ...
    @property
    def gtin(self) -> str | None: ...
    @property
    def pictures(self) -> Any: ...
    @property
    def status(self) -> str: ...
    @property
    def group_basis(self) -> str | None: ...


@dataclass(frozen=True)
class Identity:
    """What a product shows as itself."""

    title: str
    brand: str | None
    pictures: tuple[str, ...]


def _brand_key(brand: str | None) -> str:
    return _NOT_ALNUM.sub("", (brand or "").casefold())


def _completeness(offer: OfferFacts, brand_key: str) -> tuple[bool, bool, int, int]:
    """Return the sort key of the title rule: larger is more complete (the id negated: earliest wins)."""
    states_brand = bool(brand_key) and _brand_key(offer.brand) == brand_key
    states_code = bool(offer.gtin or offer.mpn or offer.model)
    words = len({word.casefold() for word in _WORD.findall(offer.title or "")})
    return states_brand, states_code, words, -offer.id


def _majority_brand(offers: Sequence[OfferFacts]) -> str | None:
    stated = [o for o in offers if _brand_key(o.brand)]
    if not stated:
        return None
    votes = Counter(_brand_key(o.brand) for o in stated)
    first_seen: dict[str, int] = {}
    for offer in stated:
        first_seen.setdefault(_brand_key(offer.brand), offer.id)
    key = max(votes, key=lambda k: (votes[k], -first_seen[k]))
    spellings = Counter((o.brand or "").strip() for o in stated if _brand_key(o.brand) == key)
    return max(spellings, key=lambda s: (spellings[s], -min(o.id for o in stated if (o.brand or "").strip() == s)))


def safe_pictures(offers: Iterable[OfferFacts], limit: int = MAX_PICTURES) -> list[str]:
    """Return the offers' picture URLs in their order: only absolute http(s) URLs, each once."""
    found: list[str] = []
    for offer in offers:
        for url in offer.pictures or ():
            if not isinstance(url, str):
                continue
            url = url.strip()
            if url.lower().startswith(("https://", "http://")) and len(url) <= 2000 and url not in found:
                found.append(url)
                if len(found) >= limit:
                    return found
    return found


def product_identity(offers: Iterable[OfferFacts]) -> Identity | None:
    """Return the title, brand and pictures a product with ``offers`` shows; ``None`` if none is strong evidence."""
    strong = sorted((o for o in offers if o.group_basis in STRONG_BASES), key=lambda o: o.id)
    active = [o for o in strong if o.status == OfferStatus.ACTIVE]
    chosen = active or strong
    if not chosen:
        return None
    brand = _majority_brand(chosen)
    key = _brand_key(brand)
    named_by = max(chosen, key=lambda o: _completeness(o, key))
    ordered = [named_by, *(o for o in chosen if o is not named_by)]
    return Identity(title=named_by.title, brand=brand, pictures=tuple(safe_pictures(ordered)))


#: Products refreshed per query (SQLite's bound parameters are limited).
_BATCH = 500

#: The offer columns an identity is chosen from, read as plain rows (refreshes and thumbnails alike).
FACT_COLUMNS = (
    Offer.id,
    Offer.product_id,
    Offer.title,
    Offer.brand,
    Offer.model,
    Offer.mpn,
    Offer.gtin,
    Offer.pictures,
    Offer.status,
    Offer.group_basis,
)
#: The offer columns a product's identity depends on: an offer changed only elsewhere (its price,
#: its stock) leaves its product named as it was.
NAMING_FIELDS = frozenset(column.key for column in FACT_COLUMNS) - {"id", "product_id"}


def refresh_identities(session: Session, product_ids: Iterable[int]) -> int:
    """Set each product's title and brand by :func:`product_identity` over its offers; return how many changed.

    Reads the offers as plain rows, so that it sees offers moved by bulk statements, and writes
    only the products whose title or brand differ.
    """
    ids = sorted(set(product_ids))
    session.flush()
    changed = []
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        offers: dict[int, list[Any]] = {}
        current: dict[int, tuple[str, str | None]] = {}
        statement = (
            select(*FACT_COLUMNS, Product.title.label("product_title"), Product.brand.label("product_brand"))
            .join(Product, Product.id == Offer.product_id)
            .where(Offer.product_id.in_(batch))
        )
        for row in session.execute(statement):
            offers.setdefault(row.product_id, []).append(row)
            current[row.product_id] = (row.product_title, row.product_brand)
        for product_id, rows in offers.items():
            identity = product_identity(rows)
            if identity is not None and current.get(product_id) != (identity.title, identity.brand):
                changed.append({"id": product_id, "title": identity.title, "brand": identity.brand})
    if changed:
        session.execute(update(Product), changed)
        refreshed = {row["id"] for row in changed}
        for product in list(session.identity_map.values()):
            if isinstance(product, Product) and product.id in refreshed:
                session.expire(product, ["title", "brand"])
    return len(changed)
