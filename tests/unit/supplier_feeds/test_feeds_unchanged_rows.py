"""Digests of YML rows, and skipping the rows a caller already holds (``parse_feed(known=...)``)."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable

from supplier_feeds import FeedOffer, FeedUnchanged, FeedUpdate, RowProblem, parse_feed


def offer(sku: str, price: str = "100", extra: str = "") -> str:
    return (
        f'<offer id="{sku}" available="true"><url>https://shop.example/p/{sku}</url><price>{price}</price>'
        f"<currencyId>UAH</currencyId><categoryId>1</categoryId><name>Pan {sku}</name>{extra}</offer>"
    )


def feed(*offers: str, currencies: str = '<currency id="UAH" rate="1"/>', shop: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><yml_catalog><shop><name>Shop</name>'
        f'{shop}<currencies>{currencies}</currencies><categories><category id="1">Pans</category></categories>'
        "<offers>\n" + "\n".join(offers) + "\n</offers></shop></yml_catalog>"
    ).encode()


def digests(data: bytes) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for item in parse_feed(data):
        if isinstance(item, FeedOffer):
            assert item.digest is not None
            found[item.sku] = item.digest
    return found


# 60 rows: more than the sample the parser reads before it decides the feed's kind.
ROWS = [offer(f"P{i}") for i in range(60)]


def test_a_row_has_the_same_digest_wherever_it_stands_in_the_file() -> None:
    first = digests(feed(*ROWS))
    moved = digests(feed(offer("NEW"), *reversed(ROWS)))
    assert all(moved[sku] == digest for sku, digest in first.items())
    assert len(set(first.values())) == len(ROWS)


def test_a_digest_changes_with_the_row_and_with_the_feed_facts_its_reading_depends_on() -> None:
    base = digests(feed(*ROWS))
    assert digests(feed(*ROWS[:-1], offer("P59", price="101")))["P59"] != base["P59"]
    # Rows without <currencyId> take the feed's one currency: another currency reads them differently.
    usd = digests(feed(*ROWS, currencies='<currency id="USD" rate="1"/>'))
    assert usd["P0"] != base["P0"]
    delivery = digests(feed(*ROWS, shop='<delivery-options><option cost="50" days="1"/></delivery-options>'))
    assert delivery["P0"] != base["P0"]


def collect(data: bytes, known: Callable[[], Container[bytes] | None]) -> list[object]:
    return list(parse_feed(data, known=known))


class Asked(set[bytes]):
    """Digests held, remembering each one the parser asks about."""

    def __init__(self, held: Iterable[bytes]) -> None:
        super().__init__(held)
        self.asked: list[bytes] = []

    def __contains__(self, digest: object) -> bool:
        assert isinstance(digest, bytes)
        self.asked.append(digest)
        return super().__contains__(digest)


def test_rows_the_caller_holds_come_unchanged_and_unread() -> None:
    held = digests(feed(*ROWS))
    changed = feed(*ROWS[:-1], offer("P59", price="150"), offer("P60"))
    holding = Asked(held.values())
    calls: list[int] = []

    def known() -> Asked:
        calls.append(len(calls))
        return holding

    items = collect(changed, known)
    unchanged = [item for item in items if isinstance(item, FeedUnchanged)]
    offers = [item for item in items if isinstance(item, FeedOffer)]
    # The first 50 rows are read before the header (to tell a full feed from an update).
    assert [u.sku for u in unchanged] == [f"P{i}" for i in range(50, 59)]
    assert all(u.digest == held[u.sku] and u.line for u in unchanged)
    assert [o.sku for o in offers] == [*(f"P{i}" for i in range(50)), "P59", "P60"]
    assert len(holding.asked) == 11  # every row after the sample, once
    assert calls == [0]  # the caller is asked once, when the first of them is read


def test_a_repeated_id_is_read_in_full_and_reported_as_a_duplicate_even_when_held() -> None:
    rows = [*ROWS, offer("P55")]
    held = set(digests(feed(*ROWS)).values())

    items = collect(feed(*rows), lambda: held)

    assert sum(isinstance(i, FeedUnchanged) and i.sku == "P55" for i in items) == 1
    (duplicate,) = [i for i in items if isinstance(i, RowProblem)]
    assert (duplicate.code, duplicate.sku) == ("duplicate_sku", "P55")


class Everything:
    """A caller that holds every row there is."""

    def __contains__(self, digest: object) -> bool:
        return True


def test_rows_with_warnings_have_digests_too_and_updates_have_none() -> None:
    bad_barcode = "<barcode>4006381333932</barcode>"  # wrong check digit
    items = list(parse_feed(feed(*ROWS[:-1], offer("P59", extra=bad_barcode))))
    (warned,) = [i for i in items if isinstance(i, FeedOffer) and i.sku == "P59"]
    assert warned.digest is not None
    assert [p.code for p in items if isinstance(p, RowProblem)] == ["invalid_gtin"]

    update = feed(*(f'<offer id="P{i}"><price>5</price></offer>' for i in range(60)))
    updates = list(parse_feed(update, known=lambda: Everything()))
    assert all(not isinstance(i, FeedUnchanged) for i in updates)
    assert sum(isinstance(i, FeedUpdate) for i in updates) == 60
