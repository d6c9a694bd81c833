"""The withdrawal guard: a full price list that would hide most of a catalog waits for a person.

A three-row "full" list over 3,000 offers, or one whose rows nearly all lack a price, is
far more likely a broken export than a shop closing down. Before a full import withdraws
more than ``TRADEROW_WITHDRAW_GUARD_PERCENT`` of the supplier's live offers it stops: the
run is held with nothing applied, and applies only once the supplier confirms (the portal's
button, ``--confirm-withdraw`` in the CLI). Google Merchant Center guards feeds the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

#: The share of a supplier's live offers (in percent) a full import may withdraw unasked.
DEFAULT_WITHDRAW_GUARD_PERCENT = Decimal(50)


class WithdrawHeld(Exception):
    """A full import would withdraw more of the catalog than the guard lets through unconfirmed."""

    def __init__(self, withdraw: int, live: int, threshold: Decimal) -> None:
        super().__init__(f"would withdraw {withdraw} of {live} live offers (guard {threshold}%)")
        self.withdraw = withdraw
        self.live = live
        self.threshold = threshold

    def as_json(self) -> dict[str, int | float]:
        """Return the numbers the report keeps, for the portal and the CLI."""
        return {
            "withdraw": self.withdraw,
            "live": self.live,
            "percent": round(self.withdraw * 100 / self.live, 1),
            "threshold": float(self.threshold),
        }


def check_withdrawal(withdraw: int, live: int, threshold: Decimal | None) -> None:
    """Raise ``WithdrawHeld`` if withdrawing ``withdraw`` of ``live`` offers crosses ``threshold`` percent.

    ``None`` turns the guard off (a dry run, a confirmed import). A supplier without live
    offers (the first import) is never held.
    """
    if threshold is None or live <= 0 or withdraw <= 0:
        return
    if Decimal(withdraw) * 100 > threshold * live:
        raise WithdrawHeld(withdraw, live, threshold)


def configured_threshold(config: Mapping[str, Any]) -> Decimal:
    """Return ``TRADEROW_WITHDRAW_GUARD_PERCENT`` as a ``Decimal``."""
    return Decimal(config.get("WITHDRAW_GUARD_PERCENT", DEFAULT_WITHDRAW_GUARD_PERCENT))
