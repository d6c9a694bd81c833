"""The Alembic migrations and the models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from marketplace.db import Base


def test_migrations_match_the_models(engine: Engine) -> None:
    # The session's database was built by `alembic upgrade head`, not by create_all.
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
