"""The session kNN recommender and the baselines on tiny hand-made click logs."""

from __future__ import annotations

import pytest

from recommendations.baselines import CoOccurrence, Popularity
from recommendations.clicks import Click, sessions_of
from recommendations.sessionknn import SECONDS_PER_DAY, SessionKNN, SessionKNNParams, item_neighbours

DAY = SECONDS_PER_DAY


def log(*sessions: tuple[float, str]) -> list[Click[str]]:
    """Clicks of sessions given as (day, "a b c"): one click a minute from that day on."""
    return [
        Click(session=number, item=item, time=day * DAY + 60 * position)
        for number, (day, items) in enumerate(sessions)
        for position, item in enumerate(items.split())
    ]


def ranked(pairs: list[tuple[str, float]]) -> list[str]:
    return [item for item, _ in pairs]


def test_sessions_are_grouped_and_ordered_by_time() -> None:
    clicks = [Click("s2", "x", 50.0), Click("s1", "b", 20.0), Click("s1", "a", 10.0), Click("s2", "y", 5.0)]
    assert [s.items for s in sessions_of(clicks)] == [("a", "b"), ("y", "x")]


def test_an_item_is_never_recommended_beside_itself() -> None:
    model = SessionKNN[str]().fit(log((0, "a b"), (0, "a b a c"), (0, "b a")))
    assert "a" not in ranked(item_neighbours(model, "a", 10))
    assert set(ranked(item_neighbours(model, "a", 10))) == {"b", "c"}


def test_items_seen_together_more_often_rank_higher() -> None:
    model = SessionKNN[str](SessionKNNParams(popularity_damping=0.0)).fit(
        log((0, "a b"), (0, "a b"), (0, "a c"), (0, "d e"))
    )
    assert ranked(item_neighbours(model, "a", 10)) == ["b", "c"]
    assert item_neighbours(model, "z", 10) == []  # an item nobody saw has no neighbours


def test_old_co_views_fade_with_time() -> None:
    # "a" went with "old" twice 90 days ago and with "new" once yesterday: three half-lives decide for "new".
    clicks = log((0, "a old"), (0, "a old"), (89, "a new"), (90, "x y"))
    decayed = SessionKNN[str](SessionKNNParams(half_life_days=30.0, popularity_damping=0.0)).fit(clicks)
    assert ranked(item_neighbours(decayed, "a", 10)) == ["new", "old"]
    undecayed = SessionKNN[str](SessionKNNParams(half_life_days=None, popularity_damping=0.0)).fit(clicks)
    assert ranked(item_neighbours(undecayed, "a", 10)) == ["old", "new"]


def test_popularity_damping_lets_a_rare_companion_beat_a_best_seller_at_equal_votes() -> None:
    # "a" was seen once with the best seller and once with the rare item; the best seller is everywhere.
    clicks = log((0, "a best"), (0, "a rare"), *[(0, f"best filler{n}") for n in range(50)])
    damped = SessionKNN[str](SessionKNNParams(half_life_days=None, popularity_damping=0.5)).fit(clicks)
    assert ranked(item_neighbours(damped, "a", 10)) == ["rare", "best"]
    plain = SessionKNN[str](SessionKNNParams(half_life_days=None, popularity_damping=0.0)).fit(clicks)
    scores = dict(item_neighbours(plain, "a", 10))
    assert scores["rare"] == pytest.approx(scores["best"])


def test_recent_clicks_of_the_session_weigh_more() -> None:
    # The visitor looked at "a", then at "b": what followed "b" elsewhere leads what followed "a".
    model = SessionKNN[str](SessionKNNParams(half_life_days=None, popularity_damping=0.0)).fit(
        log((0, "a after-a"), (0, "b after-b"))
    )
    assert ranked(model.recommend(["a", "b"], 10, exclude={"a", "b"})) == ["after-b", "after-a"]
    assert ranked(model.recommend(["b", "a"], 10, exclude={"a", "b"})) == ["after-a", "after-b"]


def test_only_the_most_recent_sessions_are_neighbours() -> None:
    model = SessionKNN[str](SessionKNNParams(sample_size=2, half_life_days=None, popularity_damping=0.0)).fit(
        log((0, "a oldest"), (1, "a middle"), (2, "a newest"))
    )
    assert ranked(item_neighbours(model, "a", 10)) == ["newest", "middle"]


def test_baselines() -> None:
    sessions = sessions_of(log((0, "a b"), (0, "a b c"), (0, "c d"), (0, "c")))
    assert ranked(Popularity(sessions).recommend(["a"], 2)) == ["c", "a"]
    assert ranked(CoOccurrence(sessions).recommend(["x", "a"], 5)) == ["b", "c"]
    assert CoOccurrence(sessions).recommend(["unknown"], 5) == []
