"""The daily visitor sketches: exact on a few people, close on many, and a union counts each person once."""

from __future__ import annotations

import zlib

import pytest

from marketplace.analytics.sketches import (
    RELATIVE_ERROR,
    count_union,
    estimate,
    from_bytes,
    sketch_of,
    to_bytes,
    union,
)


def people(first: int, last: int) -> list[str]:
    return [f"v{n:032x}" for n in range(first, last)]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 10, 40])
def test_a_few_people_are_counted_exactly(count: int) -> None:
    assert estimate(sketch_of(people(0, count))) == count


def test_a_person_named_twice_is_one_person() -> None:
    assert estimate(sketch_of(["v1", "u7", "v1", "u7", "v1"])) == 2


def test_the_union_of_days_counts_each_person_once() -> None:
    monday, tuesday, wednesday = sketch_of(["a", "b"]), sketch_of(["b", "c"]), sketch_of(["c"])
    assert estimate(union([monday, tuesday, wednesday])) == 3
    assert estimate(union([monday])) == 2
    assert estimate(union([])) == 0
    # A union leaves its parts as they were.
    assert (estimate(monday), estimate(tuesday)) == (2, 2)


def test_stored_sketches_come_back_register_for_register() -> None:
    sketch = sketch_of(people(0, 5000))
    stored = to_bytes(sketch)
    assert len(stored) < len(sketch.reg)  # a sparse day packs small
    assert (from_bytes(stored).reg == sketch.reg).all()
    assert count_union([stored, to_bytes(sketch_of(people(4000, 6000)))]) == estimate(sketch_of(people(0, 6000)))


def test_registers_of_another_precision_are_refused() -> None:
    with pytest.raises(ValueError, match="registers"):
        from_bytes(zlib.compress(bytes(1 << 10)))


def test_a_hundred_thousand_people_over_thirty_days_are_within_two_percent() -> None:
    # Each day sees 6,000 people: 3,000 of its own, and 3,000 of a pool of 10,000 who come back.
    pool = people(90_000, 100_000)
    days = [
        people(day * 3000, (day + 1) * 3000) + [pool[(day * 1000 + k) % 10_000] for k in range(3000)]
        for day in range(30)
    ]
    assert len({person for day in days for person in day}) == 100_000
    counted = count_union(to_bytes(sketch_of(day)) for day in days)
    assert abs(counted - 100_000) / 100_000 < 0.02
    # The bound the README and the dashboard state.
    assert pytest.approx(0.0081, abs=0.0001) == RELATIVE_ERROR
