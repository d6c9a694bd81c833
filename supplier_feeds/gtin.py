"""GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) normalisation and check-digit validation."""

from __future__ import annotations

import re

GTIN_LENGTHS = (8, 12, 13, 14)


def normalize_gtin(value: str | None) -> str | None:
    """Return the GTIN as digits if its length and check digit are valid, else ``None``."""
    if not value:
        return None
    # Printed barcodes are often grouped with spaces or dashes: "4006 3813 3393 1".
    digits = re.sub(r"[\s\-]", "", value)
    if len(digits) == 11:
        # A UPC-A whose leading zero a spreadsheet dropped (it took the code for a number).
        digits = "0" + digits
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in GTIN_LENGTHS:
        return None
    if set(digits) == {"0"}:
        return None
    return digits if gtin_check_digit(digits[:-1]) == int(digits[-1]) else None


def gtin_check_digit(body: str) -> int:
    # GS1: weights 3,1,3,1... from the rightmost digit of the body.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10
