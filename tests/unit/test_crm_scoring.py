"""The rules that rank customers: RFM quintiles, tiers, and what a click-out, a deal and an hour are worth."""

from __future__ import annotations

from decimal import Decimal

from marketplace.crm.scoring import (
    Prices,
    Tier,
    TierRules,
    assign_tiers,
    buyer_value,
    operator_cost,
    quintile_scores,
    supplier_value,
)


def test_ten_distinct_values_fall_two_to_a_quintile() -> None:
    scores = quintile_scores({n: n for n in range(1, 11)})

    assert [scores[n] for n in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_ties_share_one_score_and_idle_customers_score_one() -> None:
    values = {1: 0, 2: 0, 3: 0, 4: 7, 5: 7, 6: 7, 7: 7, 8: 7, 9: 9, 10: None}

    scores = quintile_scores(values)

    assert {scores[k] for k in (1, 2, 3, 10)} == {1}
    assert {scores[k] for k in (4, 5, 6, 7, 8)} == {4}  # ranks 5 to 9: the tie is scored at its middle, 7
    assert scores[9] == 5


def test_small_populations_still_score_from_one_to_five() -> None:
    assert quintile_scores({}) == {}
    assert quintile_scores({1: 3}) == {1: 5}
    assert quintile_scores({1: 1, 2: 2}) == {1: 3, 2: 5}
    assert quintile_scores({1: 0}) == {1: 1}


def test_recency_ranks_fewer_days_higher_and_never_seen_lowest() -> None:
    scores = quintile_scores({1: 0, 2: 3, 3: 40, 4: 89, 5: None}, higher_is_better=False)

    assert scores[1] == 5 and scores[5] == 1
    assert scores[1] > scores[2] > scores[3] > scores[4] >= scores[5]


def test_gold_is_the_top_fifth_by_value_and_loss_is_cost_above_value() -> None:
    values = {n: Decimal(n * 10) for n in range(1, 11)}
    costs = {1: Decimal(11), 2: Decimal(20)}

    tiers = assign_tiers(values, costs)

    assert [k for k, t in tiers.items() if t == Tier.GOLD] == [9, 10]
    assert tiers[1] == Tier.LOSS  # cost 11 above value 10
    assert tiers[2] == Tier.ORDINARY  # cost equal to value is not a loss
    assert tiers[5] == Tier.ORDINARY


def test_a_tie_across_the_gold_edge_stays_out_and_nothing_is_never_gold() -> None:
    values = {1: Decimal(9), 2: Decimal(5), 3: Decimal(5), 4: Decimal(5), 5: Decimal(0), 6: Decimal(0)}

    # The top 20 % of six is two (rounded up): the 9, not the three tied at 5, or gold would be 67 %.
    assert assign_tiers(values, {}) == {
        1: Tier.GOLD,
        2: Tier.ORDINARY,
        3: Tier.ORDINARY,
        4: Tier.ORDINARY,
        5: Tier.ORDINARY,
        6: Tier.ORDINARY,
    }
    assert assign_tiers({1: Decimal(3)}, {}) == {1: Tier.GOLD}  # one alone is its own top fifth
    idle = assign_tiers({1: Decimal(0), 2: Decimal(0)}, {})
    assert set(idle.values()) == {Tier.ORDINARY}


def test_the_operator_edits_the_rules() -> None:
    values = {n: Decimal(n) for n in range(1, 11)}
    costs = {1: Decimal(2)}

    tiers = assign_tiers(values, costs, TierRules(gold_percent=50, loss_when_cost_exceeds_value=False))

    assert sorted(k for k, t in tiers.items() if t == Tier.GOLD) == [6, 7, 8, 9, 10]
    assert tiers[1] == Tier.ORDINARY
    assert Tier.GOLD not in assign_tiers(values, {}, TierRules(gold_percent=0)).values()


def test_values_and_costs_are_priced_by_the_operator() -> None:
    prices = Prices(clickout=Decimal("2.50"), lead=Decimal(40), hour=Decimal(300), failed_import=Decimal(25))

    assert buyer_value(prices, clickouts=4, won_leads=1, accepted_quotes=2) == Decimal("130.00")
    assert supplier_value(prices, clickouts=10, leads=3) == Decimal("145.00")
    # Two notes (5 min) and a call (15 min) are 25 minutes of a 300 an hour; two failed imports 50.
    assert operator_cost(prices, notes=2, calls=1, failed_imports=2) == Decimal("175.00")
