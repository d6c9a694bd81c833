"""What the matcher derives from a record, stored and read back: the same keys, the same merges."""

from __future__ import annotations

import dataclasses

import pytest

from product_matching import MATCHER_VERSION, MatchText, TextMatcher, derive, pack_codes, stored
from product_matching.keys import blocking_keys

RECORDS = [
    MatchText(group=1, source="a", title="Sony Turntable - PSLX350H", brand="Sony"),
    MatchText(group=2, source="b", title="Sony PS-LX350H Belt Drive Turntable", brand="SONY"),
    # The brand is not in the title: the document leads with it.
    MatchText(group=3, source="a", title="Cast Iron Griddle 7531", brand="Weber"),
    MatchText(group=4, source="b", title="Weber gusseisen Grillplatte", brand="Weber", model_codes=("7531",)),
    # Codes from the description only when the title and code fields name none.
    MatchText(group=5, source="a", title="Panasonic DVD-RAM media", description="LM-AF120LU5 disc, 5 pack"),
    MatchText(group=6, source="b", title="Panasonic DVD-RAM LMAF120LU5", description="fits DMR-EZ48V"),
    MatchText(group=7, source="a", title="Пральна машина Bosch WAN24260UA, 7 кг", brand="Bosch"),
    MatchText(group=8, source="b", title="Стиральная машина BOSCH WAN 24260 UA", brand="Bosch", model_codes=("", "x")),
    MatchText(group=9, source="a", title="Сковорода Fiskars All Steel Frying Pan 28 см", brand=None),
    MatchText(group=10, source="b", title="Hartwell Steel frying pan 28 cm", brand="Hartwell"),
]


def _stored(record: MatchText, version: int = MATCHER_VERSION) -> MatchText:
    """Return ``record`` as the app hands it back: with its derivation as stored in two text columns."""
    found = derive(record)
    return dataclasses.replace(record, derived=stored(found.document, pack_codes(found.codes), version))


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.title[:30])
def test_stored_keys_equal_freshly_derived_keys(record: MatchText) -> None:
    matcher = TextMatcher()
    kept = _stored(record)
    assert kept.derived == derive(record)
    assert matcher.blocking_keys(kept) == matcher.blocking_keys(record) == blocking_keys(derive(record))
    assert matcher.document(kept) == matcher.document(record)
    assert matcher.codes(kept) == matcher.codes(record)


def test_a_derivation_of_another_matcher_version_or_a_missing_one_is_not_read() -> None:
    found = derive(RECORDS[0])
    assert found.codes and found.document == "sony turntable pslx350h"
    assert stored(found.document, pack_codes(found.codes), MATCHER_VERSION - 1) is None
    assert stored(found.document, pack_codes(found.codes), None) is None
    assert stored(None, None, MATCHER_VERSION) is None
    # A record without codes stores an empty string, which reads back as no codes, not as "no derivation".
    plain = derive(MatchText(group=0, source="a", title="Steel frying pan"))
    assert stored(plain.document, pack_codes(plain.codes), MATCHER_VERSION) == plain


def test_records_carrying_their_stored_derivation_group_as_those_without() -> None:
    fresh, kept = TextMatcher(), TextMatcher()
    pending = [k for k, r in enumerate(RECORDS) if r.source == "b"]
    merges = fresh.merges(RECORDS, pending=pending)
    assert {(m.keep, m.absorb) for m in merges} >= {(1, 2), (5, 6)}
    assert kept.merges([_stored(r) for r in RECORDS], pending=pending) == merges
    assert kept.stats == fresh.stats
