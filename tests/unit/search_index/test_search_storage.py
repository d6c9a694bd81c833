"""Index files opened as lazy maps: the same bytes as Whoosh's own storage, without copies."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb.structfile import BufferFile

from search_index import SearchIndex
from search_index.storage import MappedFileStorage, _MappedFile, open_index
from tests.support.search import CATALOG, make_offer

#: About the Whoosh engine's own files and locks.
pytestmark = pytest.mark.usefixtures("whoosh_only")


def _generation(index: SearchIndex) -> Path:
    return index.root / (index.root / "CURRENT").read_text().strip()


def test_mapped_file_reads_like_a_file(tmp_path: Path) -> None:
    payload = pickle.dumps({"a": 1}) + b"line one\nline two\n" + bytes(range(8))
    (tmp_path / "blob").write_bytes(b"HEAD" + payload)
    with MappedFileStorage(str(tmp_path)).open_file("blob") as whole:
        assert whole.get(0, 4) == b"HEAD"
        part = whole.subset(4, len(payload))
        assert isinstance(part, _MappedFile)
        assert part.read_pickle() == {"a": 1}
        assert part.file.readline() == b"line one\n"
        assert part.read(4) == b"line"
        part.seek(-8, 2)
        assert part.get_array(part.tell(), "H", 4).tolist() == [0x0001, 0x0203, 0x0405, 0x0607]
        assert part.read() == bytes(range(8)) and part.read() == b""
        part.close()


def test_an_empty_file_opens_without_a_map(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    with MappedFileStorage(str(tmp_path)).open_file("empty") as fh:
        assert fh.read() == b""


def test_readers_take_segment_parts_from_the_map_not_copies(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index()
    index.rebuild(CATALOG)
    index.apply([make_offer(1, "Котел газовый новый", price_minor=4_400_000)], [2])
    path = _generation(index)

    mapped, plain = open_index(path).reader(), whoosh_index.open_dir(str(path)).reader()
    try:
        for reader in (mapped, plain):
            assert reader.doc_count() == len(CATALOG) - 1
        leaves = [leaf for leaf, _ in mapped.leaf_readers()]
        # Whoosh's own storage wraps each part in BytesIO(memoryview), a copy of the part.
        assert all(isinstance(leaf._terms._dbfile, _MappedFile) for leaf in leaves)
        assert not any(isinstance(leaf._terms._dbfile, BufferFile) for leaf in leaves)
        assert list(mapped.all_stored_fields()) == list(plain.all_stored_fields())
        assert list(mapped.column_reader("price_minor")) == list(plain.column_reader("price_minor"))
        assert list(mapped.all_terms()) == list(plain.all_terms())
    finally:
        mapped.close()
        plain.close()


def test_closing_a_reader_unmaps_its_segments(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index()
    index.rebuild(CATALOG)
    reader = open_index(_generation(index)).reader()
    maps = {leaf._terms._dbfile._shared for leaf, _ in reader.leaf_readers()}
    assert maps and not any(shared.mm.closed for shared in maps)
    reader.close()
    assert all(shared.mm.closed for shared in maps)


def test_writing_opens_no_searcher_and_reads_no_columns(make_index: Callable[..., SearchIndex]) -> None:
    # The worker only writes: a warmed searcher there would be memory spent for nothing.
    index = make_index()
    index.rebuild(CATALOG)
    index.apply([make_offer(1, "Котел газовый новый", price_minor=4_400_000)], [2])
    assert index._generation is None
    assert not index._columns._lists
