"""RFM scores and tiers from plain numbers: no database, no Flask, so a bench or a test feeds them directly.

Scores (1 worst, 5 best) are quintiles over the population, by rank:

- A customer's score is ``ceil(5 × rank / n)``, rank counted from the worst (1) to the best (n).
  Ties take their group's average rank, so they share one score and are never split across
  two quintiles by the order rows came back in; a tie is scored where its middle falls.
- Nothing done (no visit, no value, never seen) scores 1 whatever the population, so a crowd
  of idle buyers does not share a 5 because they all tie at zero.
- Small populations: the formula needs no five customers. One active buyer alone scores 5; two
  score 3 and 5; with fewer than five some scores are simply unused. Everybody tied scores 3.

Tiers (``assign_tiers``), evaluated in this order, per kind of customer (buyers against buyers,
suppliers against suppliers: their values differ by orders of magnitude):

1. **loss-making**: cost above value (when the rule is on);
2. **gold**: value above zero, and no more than ``gold_percent`` % of the kind (rounded up, so
   one customer of a few can be gold) has a value as high: the gold share is never exceeded
   by a tie, and a tie that straddles the edge stays out whole;
3. **ordinary**: everybody else.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


class Tier(enum.StrEnum):
    """What a customer is worth to the row."""

    GOLD = "gold"
    ORDINARY = "ordinary"
    LOSS = "loss"


def quintile_scores(
    values: Mapping[int, float | int | Decimal | None], *, higher_is_better: bool = True
) -> dict[int, int]:
    """Score each key 1–5 by its value's rank among all values; ``None`` and "nothing" (0) score 1.

    With ``higher_is_better=False`` (recency in days), a smaller value ranks better; ``None``
    (never seen) still scores 1, and 0 days is a real value there.
    """
    n = len(values)
    if n == 0:
        return {}
    scores: dict[int, int] = {}
    ranked: list[tuple[float | int | Decimal, int]] = []
    for key, value in values.items():
        if value is None or (higher_is_better and value <= 0):
            scores[key] = 1
        else:
            ranked.append((value if higher_is_better else -value, key))
    # The idle count as ranked below everybody: they are part of the population.
    worse = n - len(ranked)
    ranked.sort()
    start = 0
    while start < len(ranked):
        end = start
        while end + 1 < len(ranked) and ranked[end + 1][0] == ranked[start][0]:
            end += 1
        rank = worse + (start + end) / 2 + 1
        score = max(1, min(5, math.ceil(5 * rank / n)))
        for _value, key in ranked[start : end + 1]:
            scores[key] = score
        start = end + 1
    return scores


@dataclass(frozen=True)
class TierRules:
    """The operator's rules (``ValueSettings``); the defaults are the README's."""

    gold_percent: int = 20
    loss_when_cost_exceeds_value: bool = True


def assign_tiers(
    values: Mapping[int, Decimal], costs: Mapping[int, Decimal], rules: TierRules = TierRules()
) -> dict[int, Tier]:
    """Return each key's tier from its value and cost over the window (one kind of customer at a time)."""
    n = len(values)
    tiers: dict[int, Tier] = {}
    if n == 0:
        return tiers
    top = math.ceil(n * max(0, min(100, rules.gold_percent)) / 100)
    # How many have a value at least this high: the distinct values, best first, with running counts.
    at_least: dict[Decimal, int] = {}
    running = 0
    for value, count in sorted(Counter(values.values()).items(), reverse=True):
        running += count
        at_least[value] = running
    for key, value in values.items():
        cost = costs.get(key, Decimal(0))
        if rules.loss_when_cost_exceeds_value and cost > value:
            tiers[key] = Tier.LOSS
        elif value > 0 and at_least[value] <= top:
            tiers[key] = Tier.GOLD
        else:
            tiers[key] = Tier.ORDINARY
    return tiers


@dataclass(frozen=True)
class Prices:
    """What the row earns per click-out and per lead, and what an hour and a failed import cost it."""

    clickout: Decimal = Decimal("2.00")
    lead: Decimal = Decimal("50.00")
    hour: Decimal = Decimal("300.00")
    failed_import: Decimal = Decimal("25.00")
    note_minutes: int = 5
    call_minutes: int = 15


def buyer_value(prices: Prices, *, clickouts: int, won_leads: int, accepted_quotes: int) -> Decimal:
    """Return what a buyer brought: each click-out at the click-out price, each deal at the lead price.

    A buyer is worth what their actions earn the row from suppliers, so buyers' and suppliers'
    values are in the same money. A won lead and an accepted quote are both a deal the row
    brought about, priced as one lead each; a lead made *from* an accepted quote is not counted
    again (the pass leaves those out of ``won_leads``).
    """
    return (prices.clickout * clickouts + prices.lead * (won_leads + accepted_quotes)).quantize(Decimal("0.01"))


def supplier_value(prices: Prices, *, clickouts: int, leads: int) -> Decimal:
    """Return what a supplier brought the row: the click-outs and the leads it received, at the operator's prices."""
    return (prices.clickout * clickouts + prices.lead * leads).quantize(Decimal("0.01"))


def operator_cost(prices: Prices, *, notes: int, calls: int, failed_imports: int = 0) -> Decimal:
    """Return what a customer cost the row: the operator's time on its record, and its failed imports."""
    minutes = notes * prices.note_minutes + calls * prices.call_minutes
    return (prices.hour * minutes / 60 + prices.failed_import * failed_imports).quantize(Decimal("0.01"))
