"""Complements from click-outs across categories: support, chance, decay and damping on hand-made visits."""

from __future__ import annotations

from recommendations.clicks import Click
from recommendations.complements import ComplementParams, complements
from recommendations.sessionknn import SECONDS_PER_DAY

CATEGORY = {"drill": "tools", "saw": "tools", "bits": "bits", "gloves": "workwear", "lid": "lids", "pan": "pans"}


def visits(*rows: tuple[str, float, str]) -> list[Click[str]]:
    """Click-outs of visits given as (visitor, day, "a b c"); a visit is named "visitor/day"."""
    return [
        Click(session=f"{who}/{day}", item=item, time=day * SECONDS_PER_DAY + 60 * position)
        for who, day, items in rows
        for position, item in enumerate(items.split())
    ]


def by_visitor(visit: object) -> object:
    return str(visit).split("/")[0]


def test_two_visitors_buying_across_categories_make_complements_both_ways() -> None:
    log = visits(("a", 1, "drill bits"), ("b", 2, "drill bits"), ("c", 3, "pan"), ("d", 4, "lid"))
    found = complements(log, CATEGORY, 5, by_visitor)
    assert [item for item, _ in found["drill"]] == ["bits"] and [item for item, _ in found["bits"]] == ["drill"]
    assert "pan" not in found and "lid" not in found


def test_one_visitor_s_visits_count_once() -> None:
    log = visits(("a", 1, "drill bits"), ("a", 2, "drill bits"), ("c", 3, "pan"), ("d", 4, "lid"))
    assert complements(log, CATEGORY, 5, by_visitor) == {}
    # Counted per visit instead, the same log would pass: the visitor is what makes the rule.
    assert "drill" in complements(log, CATEGORY, 5)


def test_the_same_category_is_never_a_complement() -> None:
    log = visits(("a", 1, "drill saw"), ("b", 2, "drill saw"), ("c", 3, "pan"))
    assert complements(log, CATEGORY, 5, by_visitor) == {}


def test_a_pair_no_more_common_than_chance_is_left_out() -> None:
    # Gloves are in every visit: meeting the drill twice in four visits is what chance predicts.
    log = visits(("a", 1, "drill gloves"), ("b", 2, "drill gloves"), ("c", 3, "pan gloves"), ("d", 4, "lid gloves"))
    found = complements(log, CATEGORY, 5, by_visitor)
    assert "gloves" not in [item for item, _ in found.get("drill", [])]


def test_recent_visits_weigh_more_and_popular_products_less() -> None:
    old, new = 0, 200  # days: the old pair is over six half-lives older
    log = visits(
        ("a", old, "drill bits"),
        ("b", old, "drill bits"),
        ("c", new, "drill lid"),
        ("d", new, "drill lid"),
        *[(f"x{n}", new, "pan") for n in range(6)],
    )
    ranked = [item for item, _ in complements(log, CATEGORY, 5, by_visitor)["drill"]]
    assert ranked == ["lid", "bits"]
    damped = complements(log, CATEGORY, 5, by_visitor, ComplementParams(half_life_days=None))["drill"]
    assert damped[0][1] == damped[1][1]  # without decay the two pairs tie: same support, same popularity


def test_a_crawler_s_long_visit_is_not_a_basket() -> None:
    many = {f"p{n}": f"c{n}" for n in range(60)}
    log = visits(("bot", 1, " ".join(many)), ("bot2", 1, " ".join(many)), ("c", 2, "pan"), ("d", 2, "lid"))
    assert complements(log, many, 5, by_visitor) == {}
    assert complements(log, many, 5, by_visitor, ComplementParams(max_visit_products=100)) != {}
