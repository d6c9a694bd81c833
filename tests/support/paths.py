"""Where the tests' data lives."""

from __future__ import annotations

from pathlib import Path

#: The feeds and the taxonomy the tests import (tests/fixtures).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: The real price lists next to the repository (../shared/data); absent on some machines.
SHARED_DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()
#: The stores the real feeds' offer links lead to: a supplier registers its own (offer links
#: must be on its host). The Mopar shop sells through a Prom.ua storefront, its store there.
#: Keyed by the feed file's first name part.
FEED_STORES = {
    "fiskars-gratis": "https://fiskars-gratis.com.ua/",
    "teritoriya-tepla": "https://teritoriya-tepla.ru/",
    "opispot": "https://opispot.com/",
    "marsupiu": "https://www.marsupiu.ro/",
    "avtopro-mopar": "https://mopar-market.prom.ua/",
}
