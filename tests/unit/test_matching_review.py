"""Near misses: pairs likely one product that the matcher leaves to an operator, best first, with the evidence."""

from __future__ import annotations

from product_matching import MatchText, TextMatcher


def _records(*rows: tuple[str, str, str, str | None]) -> list[MatchText]:
    return [MatchText(group=group, source=source, title=title, brand=brand) for group, source, title, brand in rows]


def test_a_lone_partner_below_the_threshold_is_a_near_miss_with_its_evidence() -> None:
    # The clear-favourite twin of test_matching_text, with nothing else to choose from: not joined, but reviewed.
    records = _records(
        ("a1", "x", "Weber Genesis Rotisserie Kit for gas grills, stainless spit and electric motor", None),
        ("b1", "y", "Rotisserie Weber", "Weber"),
    )
    matcher = TextMatcher()
    assert matcher.merges(records, pending=[1]) == []
    (miss,) = matcher.near_misses
    assert (miss.left, miss.right) == (1, 0)
    assert matcher.review_floor <= miss.score < matcher.threshold
    assert {"weber", "rotisserie"} <= set(miss.shared_words)
    assert miss.shared_brand is not None and miss.shared_brand.casefold() == "weber"
    assert [a.kind for a in miss.against] == ["below_threshold"]
    evidence = miss.evidence()
    assert evidence["against"] == [{"kind": "below_threshold", "value": 0.5, "items": []}]
    assert evidence["score"] == round(miss.score, 4)


def test_near_misses_come_best_first_one_to_one_and_a_merge_is_no_near_miss() -> None:
    records = _records(
        ("a1", "x", "Weber Genesis Rotisserie Kit for gas grills, stainless spit and electric motor", None),
        ("a2", "x", "Hartwell enamel cast iron casserole dish with glass lid, oven safe and dishwasher safe", None),
        ("a3", "x", "Sony PS-LX350H Belt Drive Turntable", "Sony"),
        ("b1", "y", "Rotisserie Weber", "Weber"),
        ("b2", "y", "Hartwell casserole", None),
        ("b3", "y", "Sony Turntable - PSLX350H", None),
    )
    matcher = TextMatcher()
    merges = matcher.merges(records, pending=[3, 4, 5])
    assert [(m.keep, m.absorb) for m in merges] == [("a3", "b3")]
    misses = matcher.near_misses
    assert [(records[m.left].group, records[m.right].group) for m in misses] in (
        [("b1", "a1"), ("b2", "a2")],
        [("b2", "a2"), ("b1", "a1")],
    )
    assert [m.score for m in misses] == sorted((m.score for m in misses), reverse=True)
    assert len({m.left for m in misses}) == len(misses) == len({m.right for m in misses})


def test_no_near_miss_where_a_veto_says_different() -> None:
    # Alike enough to review, but the titles state two model codes of one series, two brands, two sizes.
    for a, b in [
        ("Epson ELPLP12 replacement projector lamp module", "Epson ELPLP13 lamp"),
        ("Сковорода Fiskars All Steel Frying Pan 28 см", "Сковорода Hartwell All Steel 28 см"),
        ("Hartwell Steel frying pan 28 cm with lid and handle", "Hartwell Steel pan 24 cm"),
    ]:
        records = _records(("a1", "x", a, None), ("b1", "y", b, None))
        matcher = TextMatcher()
        assert matcher.merges(records, pending=[1]) == []
        assert matcher.near_misses == []


def test_a_close_rival_is_evidence_against() -> None:
    # Three colours of a range and a listing that states none: each is as likely, so none is joined.
    records = _records(
        ("a1", "x", "Acme Freestanding Electric Range White", None),
        ("a2", "x", "Acme Freestanding Electric Range Black", None),
        ("a3", "x", "Acme Freestanding Electric Range Steel", None),
        ("b1", "y", "Acme 5.6 cu.ft. Freestanding Electric Range with convection", "Acme"),
    )
    matcher = TextMatcher()
    assert matcher.merges(records, pending=[3]) == []
    (miss,) = matcher.near_misses
    kinds = {a.kind: a for a in miss.against}
    assert "rival" in kinds and kinds["rival"].value is not None
    assert kinds["rival"].value >= matcher.max_runner_up_share * miss.score


def test_the_cap_keeps_the_best() -> None:
    records = _records(
        ("a1", "x", "Weber Genesis Rotisserie Kit for gas grills, stainless spit and electric motor", None),
        ("a2", "x", "Hartwell enamel cast iron casserole dish with glass lid, oven safe and dishwasher safe", None),
        ("b1", "y", "Rotisserie Weber", "Weber"),
        ("b2", "y", "Hartwell casserole", None),
    )
    everything = TextMatcher()
    everything.merges(records, pending=[2, 3])
    capped = TextMatcher(max_near_misses=1)
    capped.merges(records, pending=[2, 3])
    assert len(everything.near_misses) == 2
    assert capped.near_misses == everything.near_misses[:1]
