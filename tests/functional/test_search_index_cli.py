"""`traderow index check` on an index built by an older analyzer."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from whoosh import index as whoosh_index

from marketplace.search.index_runtime import get_index
from marketplace.suppliers.models import Supplier
from search_index.analysis import ScriptStemFilter
from search_index.schema import build_schema


def test_index_check_says_an_old_index_needs_a_rebuild(
    app: Flask, runner: FlaskCliRunner, stocked: dict[str, Supplier]
) -> None:
    index = get_index(app)
    old_schema = build_schema()
    for name in ("text", "title", "brand"):
        analyzer = old_schema[name].analyzer
        items = [ScriptStemFilter(version=1) if isinstance(i, ScriptStemFilter) else i for i in analyzer.items]
        old_schema[name].analyzer = analyzer.__class__(*items)
    (index.root / "gen-99").mkdir()
    whoosh_index.create_in(str(index.root / "gen-99"), old_schema)
    (index.root / "CURRENT").write_text("gen-99\n")

    result = runner.invoke(args=["index", "check"])
    assert "older schema: run `traderow index rebuild`" in result.output
    assert result.exit_code == 1

    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    result = runner.invoke(args=["index", "check"])
    assert "older schema" not in result.output and result.exit_code == 0, result.output
