"""The text matcher's work follows what an import created, not the size of the catalog.

Counted, not timed: how many records the matcher kept, how many candidate pairs it scored and
how many texts it loaded, for catalogs of two sizes.
"""

from __future__ import annotations

import random
from typing import ClassVar

import pytest
from sqlalchemy.orm import Session

import marketplace.catalog.grouping as grouping
from product_matching import TextMatcher
from tests.support import factories
from tests.support.grouping import import_and_group, product_of


class SpyMatcher(TextMatcher):
    """A text matcher that remembers the counts of every run."""

    runs: ClassVar[list[dict[str, float]]] = []

    def match(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        merges = super().match(*args, **kwargs)
        SpyMatcher.runs.append(self.stats)
        return merges


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[SpyMatcher]:
    SpyMatcher.runs = []
    monkeypatch.setattr(grouping, "TextMatcher", SpyMatcher)
    return SpyMatcher


def unrelated_titles(count: int, seed: int) -> list[str]:
    """Titles of made-up words, none shared with another title: nothing for blocking to pair."""
    rnd = random.Random(seed)
    letters = "bcdfghjklmnpqrstvwxz"
    return [" ".join("".join(rnd.choices(letters, k=8)) for _ in range(3)) for _ in range(count)]


@pytest.mark.parametrize("size", [40, 160])
def test_a_lone_supplier_import_reads_nothing_for_the_text_matcher(
    db_session: Session, spy: type[SpyMatcher], size: int
) -> None:
    supplier = factories.supplier(db_session, "alone")
    rows = [{"sku": f"S{k}", "name": title} for k, title in enumerate(unrelated_titles(size, seed=1))]
    # Titles that would score as twins if one supplier's offers were ever compared.
    rows += [{"sku": f"T{k}", "name": "Bosch PSB 500 RE impact drill"} for k in range(3)]
    import_and_group(db_session, supplier, rows)
    assert spy.runs == []  # no other supplier: the matcher is not even started
    assert len({product_of(db_session, supplier, row["sku"]) for row in rows}) == len(rows)


def _import_into_catalog(db_session: Session, size: int) -> dict[str, float]:
    first = factories.supplier(db_session, "first")
    catalog = unrelated_titles(size, seed=2)
    import_and_group(db_session, first, [{"sku": f"A{k}", "name": title} for k, title in enumerate(catalog)])
    second = factories.supplier(db_session, "second")
    # Five twins of the catalog's first offers, five offers of nothing in it.
    rows = [{"sku": f"B{k}", "name": catalog[k]} for k in range(5)]
    rows += [{"sku": f"C{k}", "name": title} for k, title in enumerate(unrelated_titles(5, seed=3))]
    SpyMatcher.runs = []
    import_and_group(db_session, second, rows)
    for k in range(5):
        assert product_of(db_session, second, f"B{k}") == product_of(db_session, first, f"A{k}")
    (stats,) = SpyMatcher.runs
    return stats


def test_the_text_matchers_work_does_not_grow_with_the_catalog(db_session: Session, spy: type[SpyMatcher]) -> None:
    small = _import_into_catalog(db_session, 40)
    db_session.rollback()
    large = _import_into_catalog(db_session, 160)
    # The other supplier's offers are streamed once; only those sharing a key with a new offer are kept.
    assert (small["others_read"], large["others_read"]) == (40, 160)
    work = ("pending", "others_kept", "candidates", "texts_loaded", "merges")
    assert {k: small[k] for k in work} == {k: large[k] for k in work}
    assert large["others_kept"] == 5 and large["candidates"] == 5 and large["merges"] == 5
