"""Writing the index: upserts, removals, validation, layout, rebuilds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from search_index import OfferDocument, SearchIndex, SearchQuery
from tests.support.search import CATALOG, found, make_offer
from tests.support.search_engines import IndexMaker


def test_search_before_any_index_exists_is_empty_and_creates_nothing(
    make_index: Callable[..., SearchIndex], tmp_path: Path
) -> None:
    index = make_index(tmp_path / "missing")
    assert index.search(SearchQuery(text="котел")).total == 0
    assert index.doc_count() == 0 and index.offer_ids() == set()
    assert not (tmp_path / "missing").exists()


@pytest.mark.usefixtures("whoosh_only")
def test_ensure_creates_the_generation_layout_once(make_index: Callable[..., SearchIndex], tmp_path: Path) -> None:
    root = tmp_path / "index"
    index = make_index(root)
    index.ensure()
    index.ensure()
    assert (root / "CURRENT").read_text().strip() == "gen-1"
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["gen-1"]
    assert index.doc_count() == 0


def test_empty_index_answers_every_kind_of_query(index: SearchIndex) -> None:
    query = SearchQuery(
        text="котел",
        min_price_minor=1,
        max_price_minor=10,
        suppliers=("acme",),
        category_id=1,
        brands=("bosch",),
        in_stock=True,
        conditions=("used",),
        sort="price_desc",
    )
    assert index.search(query).total == 0
    assert index.search(SearchQuery(max_price_minor=10)).total == 0
    assert index.offer_ids() == set()


def test_apply_creates_the_index_on_first_use(
    make_index: Callable[..., SearchIndex],
) -> None:
    index = make_index()
    assert index.index(CATALOG) == len(CATALOG)
    assert index.doc_count() == len(CATALOG)
    assert index.offer_ids() == {offer.offer_id for offer in CATALOG}


def test_upsert_replaces_instead_of_duplicating(index: SearchIndex) -> None:
    index.index([make_offer(1, "Чайник старый", price_minor=100)])
    index.index([make_offer(1, "Чайник новый", price_minor=200)])
    results = index.search(SearchQuery(text="чайник"))
    assert results.total == 1
    assert (results.hits[0].title, results.hits[0].price_minor) == ("Чайник новый", 200)
    assert found(index, "старый") == set()
    assert index.doc_count() == 1


def test_last_copy_in_one_batch_wins(index: SearchIndex) -> None:
    written = index.index([make_offer(1, "first"), make_offer(1, "second")])
    assert written == 1
    assert found(index, "second") == {1} and found(index, "first") == set()


def test_remove(index: SearchIndex) -> None:
    index.index(CATALOG)
    assert index.remove([1, 2, 12345]) == 2
    assert found(index, "котел") == {9}
    assert index.offer_ids() == {offer.offer_id for offer in CATALOG} - {1, 2}
    assert index.remove([1]) == 0


def test_removal_wins_over_upsert_in_one_batch(index: SearchIndex) -> None:
    index.index([make_offer(1, "kettle")])
    assert index.apply([make_offer(1, "kettle"), make_offer(2, "kettle")], [1]) == 2
    assert found(index, "kettle") == {2}


def test_nothing_to_do_writes_nothing(index: SearchIndex) -> None:
    assert index.apply([], []) == 0


@pytest.mark.parametrize(
    "bad",
    [
        make_offer(1, ""),
        make_offer(1, "   "),
        make_offer(1, "x", supplier=""),
        make_offer(1, "x", price_minor=Decimal("1.50")),  # type: ignore[arg-type]
        make_offer(1, "x", price_minor=1.5),  # type: ignore[arg-type]
        make_offer(1, "x", price_minor=-1),
        make_offer(1, "x", price_minor=2**64),
        make_offer(1, "x", in_stock="yes"),  # type: ignore[arg-type]
        make_offer(1, "x", category_ids=("1",)),  # type: ignore[arg-type]
        make_offer(1, "x", brand=42),  # type: ignore[arg-type]
        OfferDocument(offer_id=True, product_id=1, supplier="a", title="x"),
        OfferDocument(offer_id=0, product_id=1, supplier="a", title="x"),
        "not a document",
    ],
)
def test_invalid_documents_are_skipped_before_the_writer(
    index: SearchIndex, bad: object, caplog: pytest.LogCaptureFixture
) -> None:
    written = index.index([bad, make_offer(2, "valid kettle")])  # type: ignore[list-item]
    assert written == 1
    assert index.offer_ids() == {2}
    assert "skipped invalid document" in caplog.text


def test_text_that_could_break_the_writer_is_cleaned(index: SearchIndex) -> None:
    index.index([make_offer(1, "Чайник \ud800 with\x00nul", description="\udcff")])
    (hit,) = index.search(SearchQuery(text="чайник")).hits
    assert hit.title == "Чайник ? with nul"


def test_removal_ids_must_be_ints(index: SearchIndex) -> None:
    with pytest.raises(TypeError):
        index.remove(["1"])  # type: ignore[list-item]


def test_highlight_is_html_safe(index: SearchIndex) -> None:
    index.index([make_offer(1, "Kettle <script>alert(1)</script> & co")])
    (hit,) = index.search(SearchQuery(text="kettle")).hits
    assert hit.highlight == "<b>Kettle</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"


def test_second_instance_sees_changes_without_restart(
    make_index: Callable[..., SearchIndex],
) -> None:
    writer, reader = make_index(), make_index()
    writer.index([make_offer(1, "kettle")])
    assert found(reader, "kettle") == {1}  # the reader now holds an open searcher
    writer.index([make_offer(2, "kettle")])
    assert found(reader, "kettle") == {1, 2}
    writer.remove([1])
    assert found(reader, "kettle") == {2}
    assert reader.offer_ids() == {2}


def test_close_then_search_reopens(index: SearchIndex) -> None:
    index.index([make_offer(1, "kettle")])
    assert found(index, "kettle") == {1}
    index.close()
    assert found(index, "kettle") == {1}


def generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_rebuild_swaps_atomically_and_open_readers_keep_working(make_index: IndexMaker, tmp_path: Path) -> None:
    root = tmp_path / "index"
    whoosh = make_index.engine_name == "whoosh"
    writer, reader = make_index(root), make_index(root)
    writer.index(CATALOG)
    assert found(reader, "котел") == {1, 2, 9}

    written = writer.rebuild([make_offer(100, "Котел новый"), make_offer(101, "kettle")])
    assert written == 2
    assert not whoosh or (root / "CURRENT").read_text().strip() == "gen-2"
    # The reader opened gen-1 before the swap and moves to gen-2 on its next search.
    assert found(reader, "котел") == {100}
    assert reader.offer_ids() == {100, 101}

    # Incremental changes after a rebuild land in the new generation.
    writer.index([make_offer(102, "Котел ещё один")])
    assert found(reader, "котел") == {100, 102}

    writer.rebuild([make_offer(200, "kettle")])
    writer.rebuild([make_offer(300, "kettle")])
    # The active generation and the one before it are kept; older ones are deleted.
    assert not whoosh or generations(root) == ["gen-3", "gen-4"]
    assert found(reader, "kettle") == {300}


@pytest.mark.usefixtures("whoosh_only")
def test_reader_holding_a_deleted_generation_keeps_working(
    make_index: Callable[..., SearchIndex], tmp_path: Path
) -> None:
    root = tmp_path / "index"
    writer = make_index(root)
    writer.index([make_offer(1, "kettle")])
    reader = make_index(root)
    searcher = reader._fresh_generation().searcher
    writer.rebuild([make_offer(2, "kettle")])
    writer.rebuild([make_offer(3, "kettle")])
    assert "gen-1" not in generations(root)
    # The old searcher still reads its (deleted) files; a search moves to the new one.
    assert searcher.doc_count() == 1
    assert found(reader, "kettle") == {3}


def test_failed_rebuild_leaves_the_current_index_untouched(
    index: SearchIndex, tmp_path: Path, engine_name: str
) -> None:
    index.index(CATALOG)

    def exploding() -> Iterator[OfferDocument]:
        yield make_offer(100, "kettle")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(exploding())
    if engine_name == "whoosh":
        assert (tmp_path / "index" / "CURRENT").read_text().strip() == "gen-1"
        assert generations(tmp_path / "index") == ["gen-1"]
    assert index.doc_count() == len(CATALOG)
    assert found(index, "котел") == {1, 2, 9}
    # The index still takes changes: nothing of the failed build is left in the way.
    index.index([make_offer(101, "kettle")])
    assert index.rebuild([make_offer(102, "kettle")]) == 1
    assert found(index, "kettle") == {102}


def test_rebuild_skips_invalid_and_duplicate_documents(index: SearchIndex) -> None:
    docs = [make_offer(1, "kettle"), make_offer(1, "kettle again"), make_offer(2, "")]
    assert index.rebuild(docs) == 1
    assert index.offer_ids() == {1}


def test_rebuild_with_no_documents_gives_an_empty_index(index: SearchIndex) -> None:
    index.index(CATALOG)
    assert index.rebuild([]) == 0
    assert index.doc_count() == 0


@pytest.mark.usefixtures("whoosh_only")
def test_rebuild_with_two_processes(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index(multiprocess_threshold=50)
    docs = [make_offer(n, f"Котел номер {n}", price_minor=n) for n in range(1, 401)]
    assert index.rebuild(iter(docs)) == 400
    # One segment per writer process (multisegment=True), so both processes did work.
    (generation,) = index.root.glob("gen-*")
    assert len(list(generation.glob("*.seg"))) == 2
    assert index.doc_count() == 400
    assert index.offer_ids() == set(range(1, 401))
    results = index.search(SearchQuery(text="котлы", sort="price_desc", per_page=3))
    assert results.total == 400
    assert [hit.offer_id for hit in results.hits] == [400, 399, 398]


@pytest.mark.usefixtures("whoosh_only")
def test_apply_with_two_processes_replaces_and_removes_like_one(make_index: Callable[..., SearchIndex]) -> None:
    index = make_index(apply_multiprocess_threshold=50)
    index.apply([make_offer(n, f"Котел номер {n}", price_minor=n) for n in range(1, 401)])
    reader = make_index()  # a web process with a searcher open across the change
    assert reader.doc_count() == 400

    # A re-import: 300 repriced, 20 withdrawn, 10 new; the two writer processes add, this one deletes.
    repriced = [make_offer(n, f"Котел номер {n}", price_minor=n + 1000) for n in range(1, 301)]
    new = [make_offer(n, f"Котел номер {n}", price_minor=n) for n in range(401, 411)]
    assert index.apply([*repriced, *new], removals=list(range(381, 401))) == 330

    (generation,) = index.root.glob("gen-*")
    assert len(list(generation.glob("*.seg"))) >= 2  # the writer processes each wrote a segment
    for searcher in (index, reader):
        assert searcher.doc_count() == 390
        assert searcher.offer_ids() == set(range(1, 381)) | set(range(401, 411))
        results = searcher.search(SearchQuery(text="котел", sort="price_desc", per_page=3))
        assert results.total == 390
        assert [(hit.offer_id, hit.price_minor) for hit in results.hits] == [(300, 1300), (299, 1299), (298, 1298)]
