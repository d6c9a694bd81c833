"""schema.org structured data (JSON-LD) for product pages: a Product with an AggregateOffer, and its breadcrumbs.

Search engines show "from X to Y at N sellers" from ``AggregateOffer``: the shape a
comparison site gives, where no single offer is ours to sell. Builders take plain values
and return plain dicts; the template serialises them with ``tojson``.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from marketplace.catalog.models import Offer, Product

SCHEMA = "https://schema.org"
IN_STOCK = "https://schema.org/InStock"
OUT_OF_STOCK = "https://schema.org/OutOfStock"
#: Longer descriptions are cut: search engines show a snippet, and the page carries the rest.
MAX_DESCRIPTION = 500


def _amount(value: Decimal) -> str:
    # A string, not a float: schema.org's Number may be written as text, and no cent is lost.
    return f"{value:.2f}"


def _most_common(values: Sequence[str | None]) -> str | None:
    counted = Counter(v.strip() for v in values if v and v.strip())
    return counted.most_common(1)[0][0] if counted else None


_TAG = re.compile(r"<[^>]*>")


def _plain_text(markup: str | None) -> str | None:
    # Descriptions were sanitised on import (nh3): what is left is markup to drop, not to trust or keep.
    if not markup:
        return None
    text = " ".join(html.unescape(_TAG.sub(" ", markup)).split())
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
    return text or None


def product_jsonld(
    product: Product,
    offers: Sequence[Offer],
    *,
    url: str,
    pictures: Sequence[str],
    currency: str,
    category: str | None = None,
) -> dict[str, Any]:
    """Return a schema.org ``Product`` whose ``offers`` sum up the active offers in ``currency`` (base prices)."""
    prices = [offer.price_base for offer in offers]
    data: dict[str, Any] = {"@context": SCHEMA, "@type": "Product", "name": product.title, "url": url}
    if pictures:
        data["image"] = list(pictures)
    description = _plain_text(next((o.description for o in offers if o.description), None))
    if description:
        data["description"] = description
    brand = product.brand or _most_common([o.brand for o in offers])
    if brand:
        data["brand"] = {"@type": "Brand", "name": brand}
    if product.model:
        data["model"] = product.model
    if product.gtin:
        # Stored as GTIN-14; an EAN-13 is written as on the pack, without the padding zero.
        data["gtin"] = product.gtin[1:] if len(product.gtin) == 14 and product.gtin.startswith("0") else product.gtin
    mpn = _most_common([o.mpn for o in offers])
    if mpn:
        data["mpn"] = mpn
    if category:
        data["category"] = category
    if prices:
        data["offers"] = {
            "@type": "AggregateOffer",
            "lowPrice": _amount(min(prices)),
            "highPrice": _amount(max(prices)),
            "offerCount": len(prices),
            "priceCurrency": currency,
            "availability": IN_STOCK if any(o.available for o in offers) else OUT_OF_STOCK,
        }
    return data


def breadcrumbs_jsonld(trail: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Return a schema.org ``BreadcrumbList`` of ``(name, url)`` steps, the page itself last."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(trail, start=1)
        ],
    }
