"""The package boundary: a pure library with a stable public surface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import search_index

REPO = Path(__file__).resolve().parents[3]


def test_public_names() -> None:
    for name in (
        "OfferDocument",
        "SearchQuery",
        "SearchHit",
        "SearchResults",
        "SearchIndex",
    ):
        assert name in search_index.__all__
        assert getattr(search_index, name).__module__.startswith("search_index.")


def test_importing_the_package_pulls_in_neither_flask_nor_the_marketplace() -> None:
    # A fresh interpreter: this test process has Flask loaded by the root conftest.
    code = (
        "import sys, search_index.index, search_index.analysis;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'marketplace'));"
        "print(*bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
