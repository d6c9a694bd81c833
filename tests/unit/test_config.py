"""Configuration: defaults, the TRADEROW_ environment, and refusing unsafe production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace import create_app
from marketplace.config import ConfigError, as_environment, in_folder, parse_rates


def test_embedded_defaults_live_in_the_instance_folder(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/traderow.sqlite"
    assert app.config["INDEX_PATH"] == str(tmp_path / "search-index")
    assert app.config["BASE_CURRENCY"] == "UAH"


def test_environment_overrides_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEROW_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRADEROW_DATABASE_URL", "sqlite:///" + str(tmp_path / "other.sqlite"))
    monkeypatch.setenv("TRADEROW_CURRENCY_RATES", "USD=40,EUR=44.5")
    monkeypatch.setenv("TRADEROW_SECRET_KEY", "from-the-environment")
    app = create_app()
    assert app.instance_path == str(tmp_path)
    assert app.config["DATABASE_URL"].endswith("other.sqlite")
    assert app.config["CURRENCY_RATES"] == {"USD": Decimal("40"), "EUR": Decimal("44.5")}
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_production_refuses_the_development_secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEROW_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRADEROW_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="TRADEROW_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
    assert create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "a-real-secret"}).config["SECRET_KEY"]
    assert create_app({"INSTANCE_PATH": str(tmp_path), "DEBUG": True}).debug


def test_settings_are_converted_once_when_the_app_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEROW_JOB_LEASE", "90")
    monkeypatch.setenv("TRADEROW_PRICE_MOVE_PERCENT", "12.5")
    monkeypatch.setenv("TRADEROW_FEED_ALLOW_PRIVATE", "no")
    monkeypatch.setenv("TRADEROW_SMTP_PASSWORD", "1234")
    monkeypatch.setenv("TRADEROW_LOG_LEVEL", "warning")
    monkeypatch.setenv("TRADEROW_MAX_CONTENT_LENGTH", "1000")
    config = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "READY_INDEX_LAG_SECONDS": "60"}).config
    assert config["JOB_LEASE"] == 90.0 and isinstance(config["JOB_LEASE"], float)
    assert config["PRICE_MOVE_PERCENT"] == Decimal("12.5")
    assert config["FEED_ALLOW_PRIVATE"] is False
    assert config["SMTP_PASSWORD"] == "1234"
    assert config["READY_INDEX_LAG_SECONDS"] == 60.0
    assert config["SMTP_USER"] is None
    assert config["LOG_LEVEL"] == "WARNING" and config["MAX_CONTENT_LENGTH"] == 1000


@pytest.mark.parametrize(
    ("name", "value"), [("JOB_LEASE", "soon"), ("FEED_ALLOW_PRIVATE", "maybe"), ("PRICE_MOVE_PERCENT", "x")]
)
def test_a_setting_that_cannot_be_read_names_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"TRADEROW_{name}", value)
    with pytest.raises(ConfigError, match=f"TRADEROW_{name}: '{value}'"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})


def test_the_index_batch_wait_is_read_once_and_is_0_under_testing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEROW_SECRET_KEY", "a-production-secret")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["INDEX_COMMIT_SECONDS"] == 30.0
    assert create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)}).config["INDEX_COMMIT_SECONDS"] == 0.0
    monkeypatch.setenv("TRADEROW_INDEX_COMMIT_SECONDS", "-5")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["INDEX_COMMIT_SECONDS"] == 0.0


def test_a_config_passed_as_environment_makes_the_same_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = {
        "TESTING": True,
        "SECRET_KEY": "1234",
        "FEED_ALLOW_PRIVATE": True,
        "JOB_LEASE": 90.5,
        "SEARCH_PER_PAGE": 7,
        **in_folder(tmp_path),
    }
    direct = create_app(config).config
    for name, value in as_environment(config).items():
        monkeypatch.setenv(name, value)
    from_environment = create_app().config
    for name in (*config, "DATABASE_URL"):
        assert from_environment[name] == direct[name], name
    assert from_environment["INDEX_PATH"] == str(tmp_path / "index")


def test_parse_rates() -> None:
    assert parse_rates("usd=41.5, EUR = 45") == {"USD": Decimal("41.5"), "EUR": Decimal("45")}
    assert parse_rates("") == {}
    with pytest.raises(ConfigError, match="CODE=RATE"):
        parse_rates("USD")


def test_wsgi_builds_the_app_from_the_environment(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEROW_")}
    env.update(TRADEROW_INSTANCE_PATH=str(tmp_path), TRADEROW_SECRET_KEY="a-production-secret")
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.name, wsgi.app.debug, wsgi.app.instance_path)"],
        cwd=root, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["marketplace", "False", str(tmp_path)]


def test_the_postgres_search_engine_needs_a_postgresql_database(tmp_path: Path) -> None:
    settings = {"TESTING": True, "INSTANCE_PATH": str(tmp_path)}
    assert create_app(settings).config["SEARCH_BACKEND"] == "whoosh"
    with pytest.raises(
        ConfigError, match=r"SEARCH_BACKEND=postgres .* TRADEROW_DATABASE_URL is not PostgreSQL \(sqlite:"
    ):
        create_app({**settings, "SEARCH_BACKEND": "postgres"})
    with pytest.raises(ConfigError, match="TRADEROW_SEARCH_BACKEND: 'solr' is not a valid value"):
        create_app({**settings, "SEARCH_BACKEND": "solr"})
    url = "postgresql+psycopg://traderow:secret@db.example:5432/traderow"
    config = create_app({**settings, "SEARCH_BACKEND": " Postgres ", "DATABASE_URL": url}).config
    assert config["SEARCH_BACKEND"] == "postgres" and config["DATABASE_REPLICA_URL"] is None
