"""What a visitor lets us keep: Do Not Track and Global Privacy Control, and no raw address."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping

from werkzeug.datastructures import Headers


def asks_not_to_be_tracked(headers: Mapping[str, str] | Headers) -> bool:
    """Return ``True`` when the browser sends Do Not Track (``DNT: 1``) or Global Privacy Control (``Sec-GPC: 1``)."""
    return headers.get("DNT", "").strip() == "1" or headers.get("Sec-GPC", "").strip() == "1"


def address_hash(secret: str, day: dt.date, address: str | None, user_agent: str) -> str | None:
    """Return a short salted hash of the address; the salt changes every day, so days cannot be linked.

    The salt is derived from the app's secret and the date, so every process of a day agrees on it
    and nobody without the secret can test an address against the hash.
    """
    if not address:
        return None
    salt = hmac.new(secret.encode(), day.isoformat().encode(), hashlib.sha256).digest()
    return hmac.new(salt, f"{address}|{user_agent}".encode(), hashlib.sha256).hexdigest()[:16]
