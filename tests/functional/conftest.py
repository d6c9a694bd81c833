"""Fixtures shared by the functional tests of the buyer-request API.

Modules that need their buyer or sellers set up otherwise (other names, contact details)
define fixtures of the same names, which take precedence over these.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index

from marketplace.accounts.models import Role, User
from marketplace.search.index_runtime import get_index
from marketplace.suppliers.models import Supplier
from search_index.analysis import ScriptStemFilter
from search_index.schema import build_schema
from tests.support import factories


@pytest.fixture
def shopper(db_session: Session) -> User:
    """Return a buyer."""
    return factories.user(db_session, "olena@example.com", role=Role.BUYER, display_name="Olena")


@pytest.fixture
def old_schema_index(app: Flask, stocked: dict[str, Supplier]) -> None:
    """Make the live index a generation built with an older analyzer (stemmer version 1)."""
    index = get_index(app)
    old_schema = build_schema()
    for name in ("text", "title", "brand"):
        analyzer = old_schema[name].analyzer
        items = [ScriptStemFilter(version=1) if isinstance(i, ScriptStemFilter) else i for i in analyzer.items]
        old_schema[name].analyzer = analyzer.__class__(*items)
    (index.root / "gen-99").mkdir()
    whoosh_index.create_in(str(index.root / "gen-99"), old_schema)
    (index.root / "CURRENT").write_text("gen-99\n")
