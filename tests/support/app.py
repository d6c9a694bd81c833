"""The app's config for tests: one place, so every test app differs only where it says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marketplace.config import in_folder


def app_config(folder: Path, database_url: str, **overrides: Any) -> dict[str, Any]:
    """Return the test config: a real database, and the instance, index and uploads in ``folder``."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        # The worker's passes run only the jobs a test queues; tests of recommendations turn this on.
        "RECOMMENDATIONS_INTERVAL": None,
        **in_folder(folder),
        **overrides,
    }
