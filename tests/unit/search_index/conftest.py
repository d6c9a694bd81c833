"""Fixtures for the search_index tests: real Whoosh indexes in temporary directories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from search_index import SearchIndex
from tests.support.search import CATALOG


@pytest.fixture
def make_index(tmp_path: Path) -> Iterator[Callable[..., SearchIndex]]:
    """Return a factory of SearchIndex instances on one root, all closed at teardown."""
    opened: list[SearchIndex] = []

    def factory(root: Path | None = None, **kwargs: Any) -> SearchIndex:
        index = SearchIndex(root or tmp_path / "index", **kwargs)
        opened.append(index)
        return index

    yield factory
    for index in opened:
        index.close()


@pytest.fixture
def index(make_index: Callable[..., SearchIndex]) -> SearchIndex:
    """Return an empty, ensured index."""
    index = make_index()
    index.ensure()
    return index


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    """Return an index holding CATALOG; shared by read-only tests of one module."""
    index = SearchIndex(tmp_path_factory.mktemp("catalog"))
    index.index(CATALOG)
    yield index
    index.close()
