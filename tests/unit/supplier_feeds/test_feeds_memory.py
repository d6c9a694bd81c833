"""The YML parser must not keep finished offers in memory."""

import io
import itertools
from pathlib import Path

import pytest

from supplier_feeds import FeedOffer, parse_feed

pytestmark = pytest.mark.slow

OFFER = (
    '<offer id="{0}" available="true"><name>Товар номер {0} з доволі довгою назвою</name>'
    "<price>{0}.50</price><currencyId>UAH</currencyId><categoryId>1</categoryId>"
    "<picture>https://shop.ua/img/{0}.jpg</picture>"
    '<param name="Вага" unit="кг">1.2</param>'
    "<description>Опис товару, досить довгий, щоб займати пам'ять у дереві.</description>"
    "</offer>\n"
)


class GeneratedFeed(io.RawIOBase):
    """A YML feed of ``count`` offers produced on the fly, never held in memory whole."""

    def __init__(self, count: int) -> None:
        head = b'<?xml version="1.0"?><yml_catalog><shop><offers>\n'
        tail = b"</offers></shop></yml_catalog>"
        offers = (OFFER.format(i).encode() for i in range(count))
        self._chunks = itertools.chain([head], offers, [tail])
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def rss_bytes() -> int:
    statm = Path("/proc/self/statm")
    if not statm.exists():
        pytest.skip("needs /proc to read the resident set size")
    return int(statm.read_text().split()[1]) * 4096


def test_memory_stays_flat_over_many_offers():
    count = 200_000
    parsed = 0
    baseline = None
    for item in parse_feed(io.BufferedReader(GeneratedFeed(count))):
        if isinstance(item, FeedOffer):
            parsed += 1
            if parsed == 20_000:
                baseline = rss_bytes()
    growth = rss_bytes() - baseline
    assert parsed == count
    # Keeping 180,000 finished offers in the lxml tree would cost several hundred MB.
    assert growth < 40 * 1024 * 1024, f"grew by {growth / 2**20:.0f} MiB"


DEEP_JSON_CHILD = """
from supplier_feeds import FeedError, parse_feed
data = b"[" * 20_000 + b"]" * 20_000
try:
    list(parse_feed(data))
except FeedError as exc:
    print(exc.code, exc.message)
# VmHWM belongs to this program's address space; ru_maxrss would carry the forking
# parent's peak across exec (pytest's, hundreds of MB in a full run).
with open("/proc/self/status") as status:
    print("peak_kb", next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def test_deeply_nested_json_fails_fast_in_bounded_memory():
    # 40 KB of "[": ijson.parse's prefixes grew with the depth and took ~1 GB. The child
    # runs under a 1 GB address-space cap, so a regression fails here instead of swapping.
    import resource
    import subprocess
    import sys

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-c", DEEP_JSON_CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, peak = done.stdout.splitlines()
    assert first.startswith("malformed_json ") and "nested deeper than 64 levels" in first
    assert int(peak.split()[1]) < 150_000  # KB
