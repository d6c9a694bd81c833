"""parse_feed() accepts bytes, paths and binary files, and stays a pure library."""

import ast
import io
import subprocess
import sys
from pathlib import Path

import pytest

from supplier_feeds import FeedError, FeedHeader, FeedOffer, RowProblem, parse_feed
from supplier_feeds.rows import MAX_PROBLEM_VALUE

CSV = b"sku;title;price\nA1;Pan;10\n"
PACKAGE = Path(__file__).resolve().parents[3] / "supplier_feeds"


def skus(items) -> list[str]:
    return [i.sku for i in items if isinstance(i, FeedOffer)]


def test_bytes_path_str_and_file_object_give_the_same_rows(tmp_path):
    path = tmp_path / "feed.txt"
    path.write_bytes(CSV)
    with path.open("rb") as handle:
        from_file = list(parse_feed(handle))
        assert not handle.closed  # the caller owns the handle
    assert list(parse_feed(CSV)) == list(parse_feed(path)) == list(parse_feed(str(path))) == from_file
    assert skus(from_file) == ["A1"]


def test_non_seekable_stream_with_short_reads():
    class Trickle(io.RawIOBase):
        """Hand out at most 7 bytes per read, like a slow socket."""

        def __init__(self, data: bytes) -> None:
            self._data = data

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk, self._data = self._data[:7], self._data[7:]
            buffer[: len(chunk)] = chunk
            return len(chunk)

    rows = b"".join(b"S%d;Item %d;%d\n" % (i, i, i + 1) for i in range(3000))
    result = list(parse_feed(Trickle(b"sku;title;price\n" + rows)))
    assert len(skus(result)) == 3000


def test_parse_feed_is_lazy():
    generator = parse_feed(b"not a feed at all \x00\x01")
    # Nothing is read or raised until the caller starts iterating.
    with pytest.raises(FeedError):
        next(generator)


def test_str_content_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="bytes"):
        list(parse_feed("<yml_catalog></yml_catalog>"))


def test_text_mode_file_is_refused(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(CSV)
    with path.open(encoding="utf-8") as handle, pytest.raises(TypeError, match="rb"):
        list(parse_feed(handle))


def test_empty_file():
    with pytest.raises(FeedError) as info:
        list(parse_feed(b""))
    assert info.value.code == "empty_file"


def test_feed_error_carries_code_and_message():
    error = FeedError("unknown_format", "Not a feed.")
    assert (error.code, error.message, str(error)) == ("unknown_format", "Not a feed.", "Not a feed.")


def test_row_problem_value_is_truncated():
    problem = RowProblem("invalid_price", "error", "Bad.", value="9" * 1000)
    assert len(problem.value) == MAX_PROBLEM_VALUE


def test_rows_are_frozen():
    header = FeedHeader(format="csv")
    with pytest.raises(AttributeError):
        header.format = "yml"


def test_package_imports_neither_flask_nor_marketplace():
    code = (
        "import sys, supplier_feeds; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'marketplace')]; "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    imported = set()
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert "lxml" in imported  # the walk really saw the imports
    assert not imported & {"flask", "marketplace", "search_index"}
