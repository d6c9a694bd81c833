"""The Alembic migrations and the models describe the same schema."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import marketplace.models  # noqa: F401  (every model, so the comparison sees every table)
from marketplace.db import Base
from marketplace.schema import alembic_config


def test_migrations_match_the_models(engine: Engine) -> None:
    # The session's database was built by `alembic upgrade head`, not by create_all.
    with engine.connect() as conn:
        # PostgreSQL's monthly partitions of the events table are made by the worker, not modelled.
        context = MigrationContext.configure(conn, opts={"include_name": _not_a_partition})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def _not_a_partition(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and name is not None and re.fullmatch(r"analytics_events_(\d{4}_\d{2}|default)", name))


def test_migrations_form_one_line_of_history(engine: Engine) -> None:
    """Parallel branches would let two migrations of one table run in either order."""
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    assert script.get_heads() == [script.get_current_head()]
    revisions = [rev.revision for rev in script.walk_revisions()]
    assert revisions == sorted(revisions, reverse=True), "revisions are numbered in the order they run"
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (script.get_current_head(),)
