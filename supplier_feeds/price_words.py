"""Read what a price cell says when it holds words instead of a number ("Call", "по запросу").

Distributors write "Call" or "Звоните" where a price would be: the price is given on request.
Such a row is reported (one warning with the count) and not published, as buyers compare prices.
"""

from __future__ import annotations

import re

#: Beginnings of a price cell that mean "price on request", compared case-insensitively.
_ON_REQUEST = re.compile(
    r"^(?:call\b|phone\b|ask\b|price on request|on request|p\.?o\.?a\b|tba\b|request"
    r"|звон|звоні|дзвон|телефонуйт|уточн|по запрос|за запит|на запит|под запрос|запрос"
    r"|договір|договор|ціна договірна|цена договорная)",
    re.IGNORECASE,
)


def is_price_on_request(text: str | None) -> bool:
    """Say whether a price cell says "price on request" in words ("Call", "Звоните", "договорная")."""
    if not text or text[0].isdigit():  # most cells are numbers: no regex for them
        return False
    return _ON_REQUEST.match(text.strip().strip("!.*\"'«»()").strip()) is not None
