"""A feed parsed in a child process yields what ``parse_feed`` yields, in order, errors included."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supplier_feeds import FeedError, FeedOffer, FeedUnchanged, RowProblem, parse_feed
from supplier_feeds.child import BATCH, ParserProcessError, parse_feed_in_child
from supplier_feeds.digests import HeldRows, stored_digest

KEY = b"import-facts"
BAD_BARCODE = "<barcode>4006381333932</barcode>"  # wrong check digit: a warning


def offer(i: int, price: int = 100) -> str:
    extra = BAD_BARCODE if i % 7 == 0 else ""
    return (
        f'<offer id="P{i}" available="true"><url>https://shop.example/p/{i}</url><price>{price}</price>'
        f"<currencyId>UAH</currencyId><categoryId>1</categoryId><name>Pan {i}</name>{extra}</offer>"
    )


def feed(offers: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><yml_catalog><shop><name>Shop</name>'
        '<currencies><currency id="UAH" rate="1"/></currencies><categories><category id="1">Pans</category>'
        "</categories><offers>\n" + "\n".join(offers) + "\n</offers></shop></yml_catalog>"
    ).encode()


# More rows than two batches, so the items cross in several messages.
ROWS = [offer(i) for i in range(2 * BATCH + 120)]


def no_children_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name == "feed-parser"]


@pytest.fixture
def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "feed.xml"
    path.write_bytes(feed(ROWS))
    return path


def test_the_child_yields_what_parse_feed_yields_in_the_same_order(feed_file: Path) -> None:
    here = list(parse_feed(feed_file))
    there = list(parse_feed_in_child(feed_file))

    assert there == here
    assert [getattr(i, "digest", None) for i in there] == [getattr(i, "digest", None) for i in here]
    assert sum(isinstance(i, FeedOffer) for i in there) == len(ROWS)
    assert sum(isinstance(i, RowProblem) and i.code == "invalid_gtin" for i in there) == len(range(0, len(ROWS), 7))
    assert no_children_left()


def test_held_rows_are_asked_for_here_once_and_skipped_there(feed_file: Path) -> None:
    digests = {i.sku: i.digest for i in parse_feed(feed_file) if isinstance(i, FeedOffer)}
    changed = {"P60", "P700"}
    held = HeldRows(KEY, {stored_digest(d, KEY) for sku, d in digests.items() if d and sku not in changed})
    seen: list[int] = []

    def known() -> HeldRows:
        # By now the header and every row before the first one asked about have arrived.
        seen.append(len(items))
        return held

    items: list[object] = []
    items.extend(parse_feed_in_child(feed_file, known=known))

    assert len(seen) == 1 and seen[0] > 50  # after the header, the categories and the 50-row sample
    unchanged = {i.sku for i in items if isinstance(i, FeedUnchanged)}
    read = {i.sku for i in items if isinstance(i, FeedOffer)}
    assert changed <= read and not changed & unchanged
    assert len(unchanged) == len(ROWS) - 50 - len(changed)
    assert items == list(parse_feed(feed_file, known=lambda: held))


def test_a_feed_error_arrives_after_the_rows_before_it(tmp_path: Path) -> None:
    cut = tmp_path / "cut.xml"
    cut.write_bytes(feed(ROWS)[:-3000])

    expected = []
    with pytest.raises(FeedError) as here:
        for item in parse_feed(cut):
            expected.append(item)
    got = []
    with pytest.raises(FeedError) as there:
        for item in parse_feed_in_child(cut):
            got.append(item)

    assert here.value.code == "malformed_xml"
    assert (there.value.code, there.value.message) == (here.value.code, here.value.message)
    assert got == expected and len(got) > BATCH
    assert no_children_left()


def test_an_error_of_ours_in_the_child_says_what_it_was(feed_file: Path) -> None:
    # blake2b refuses a key over 64 bytes: the child fails at its first held-rows check.
    broken = HeldRows(b"k" * 65, set())

    with pytest.raises(ParserProcessError, match="ValueError"):
        list(parse_feed_in_child(feed_file, known=lambda: broken))
    assert no_children_left()


def test_a_child_that_dies_is_reported_not_waited_for(feed_file: Path) -> None:
    def known() -> HeldRows:
        (child,) = [p for p in multiprocessing.active_children() if p.name == "feed-parser"]
        child.kill()
        child.join()
        return HeldRows(KEY, set())

    with pytest.raises(ParserProcessError, match="stopped unexpectedly"):
        list(parse_feed_in_child(feed_file, known=known))
    assert no_children_left()


def test_stopping_early_stops_the_child(feed_file: Path) -> None:
    items = parse_feed_in_child(feed_file)
    first = next(items)
    assert type(first).__name__ == "FeedHeader"
    assert not no_children_left()

    items.close()

    assert no_children_left()


ORPHAN = """
import multiprocessing, os, sys
from supplier_feeds.child import parse_feed_in_child
items = parse_feed_in_child(sys.argv[1])
next(items)
(child,) = multiprocessing.active_children()
print(child.pid, flush=True)
os._exit(0)  # killed outright: no clean-up of its own runs
"""


def gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status  # exited, not yet reaped by whoever adopted it


def test_the_child_exits_when_its_caller_is_killed(feed_file: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-c", ORPHAN, str(feed_file)], capture_output=True, text=True, timeout=60, check=True
    )
    pid = int(started.stdout)

    deadline = time.monotonic() + 20
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(pid)
