"""The shape of the code base: what tests may import, and how long a module of code may grow."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
#: The packages of code held to the length limit; data files (.json, .txt, .po ...) are not code.
CODE = ("marketplace", "supplier_feeds", "search_index", "product_matching", "taxonomy_matching", "bench")
#: Past this many lines a module holds more than one thing: split it by what it holds.
MAX_LINES = 800


def _python_files(folder: Path) -> Iterator[Path]:
    yield from (path for path in sorted(folder.rglob("*.py")) if "__pycache__" not in path.parts)


def _imported_modules(path: Path) -> Iterator[str]:
    """Yield every module ``path`` imports, relative imports resolved against its package."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                yield f"{base}.{node.module}" if node.module else base
            else:
                yield node.module or ""


def _is_allowed(module: str) -> bool:
    """Return whether a module under tests/ may import ``module``: anything but a tests module."""
    return module == "tests.support" or module.startswith("tests.support.") or module.split(".")[0] != "tests"


def test_tests_share_code_only_through_tests_support() -> None:
    """A test module (conftest.py included) imports no other test module: shared code is in tests/support/."""
    offending = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _python_files(TESTS)
        for module in _imported_modules(path)
        if not _is_allowed(module)
    ]
    assert offending == []


def test_the_layout_check_sees_imports_of_test_modules() -> None:
    """The check above would catch each way of importing a test module."""
    assert not _is_allowed("tests.conftest")
    assert not _is_allowed("tests.integration.test_import_jobs")
    assert not _is_allowed("tests")
    assert _is_allowed("tests.support")
    assert _is_allowed("tests.support.feeds") and _is_allowed("marketplace.config")
    imported = set(_imported_modules(TESTS / "integration" / "conftest.py"))
    assert "tests.support.database" in imported


def test_no_module_of_code_is_over_800_lines() -> None:
    """A module past 800 lines holds more than one thing (STYLE.md: no god modules)."""
    too_long = {
        str(path.relative_to(ROOT)): lines
        for package in CODE
        for path in _python_files(ROOT / package)
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
