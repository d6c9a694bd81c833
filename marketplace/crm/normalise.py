"""Normalise e-mail addresses and phone numbers, so that one person's contacts compare equal.

Pure functions: no flask, no database. ``phonenumbers`` is not among the locked requirements,
and TradeRow's phones are Ukrainian with few exceptions, so a small normaliser does: it keeps
the digits, turns the national forms of a Ukrainian number (``0XX XXX XX XX``, ``380…``,
``80…``) into E.164 ``+380XXXXXXXXX`` and leaves any other number as ``+`` and its digits.

Dots in a Gmail address are *not* removed. Gmail ignores them, but other providers do not
(``j.smith@ukr.net`` and ``jsmith@ukr.net`` are two people), and Google Workspace domains
look like any company's domain, so the rule would have to guess which domain is Gmail.
Stripping dots would also make the normalised address one the person never wrote, and a
merge found that way could join two people; a duplicate missed here still shows by phone,
and the operator merges it by hand.
"""

from __future__ import annotations

import re

#: The country code of Ukraine, the row's home market.
UA_CODE = "380"
#: A Ukrainian national number: 9 digits after the trunk 0 (operator code + subscriber).
_UA_NATIONAL = 9
_NOT_DIGIT = re.compile(r"\D")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str | None) -> str | None:
    """Return ``value`` trimmed and lower-cased, or ``None`` for an empty or malformed address."""
    if value is None:
        return None
    email = value.strip().lower()
    if not _EMAIL.match(email):
        return None
    return email


def normalise_phone(value: str | None) -> str | None:
    """Return ``value`` as ``+`` and digits (a Ukrainian number in E.164), or ``None`` when it holds too few digits."""
    if value is None:
        return None
    digits = _NOT_DIGIT.sub("", value)
    if len(digits) == _UA_NATIONAL + 1 and digits.startswith("0"):
        digits = UA_CODE + digits[1:]  # 067 123 45 67
    elif len(digits) == _UA_NATIONAL + 2 and digits.startswith("80"):
        digits = UA_CODE + digits[2:]  # 8 067 123 45 67, the old long-distance prefix
    elif len(digits) == _UA_NATIONAL and not value.strip().startswith("+"):
        digits = UA_CODE + digits  # 67 123 45 67, written without the trunk 0
    if len(digits) < 7 or len(digits) > 15:  # E.164 numbers have at most 15 digits
        return None
    return "+" + digits
