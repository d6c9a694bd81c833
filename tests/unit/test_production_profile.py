"""The production profile's settings and its process list (docker-compose.yml), read without running them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from marketplace import create_app
from marketplace.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_production_refuses_a_short_metrics_token(tmp_path: Path) -> None:
    production = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "a-real-secret"}
    with pytest.raises(ConfigError, match="TRADEROW_METRICS_TOKEN"):
        create_app({**production, "METRICS_TOKEN": "short"})
    assert create_app({**production, "METRICS_TOKEN": "x" * 32}).config["METRICS_TOKEN"] == "x" * 32
    assert create_app({**production, "METRICS_TOKEN": ""}).config["METRICS_TOKEN"] is None


def test_the_compose_file_states_every_process_and_port() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(services) == {"postgres", "postgres-replica", "redis", "init", "web", "web-b", "worker", "rq-worker"}
    assert services["web"]["ports"] == ["8000:8000"] and services["web-b"]["ports"] == ["8001:8000"]
    assert services["postgres"]["expose"] == ["5432"] and services["redis"]["expose"] == ["6379"]
    assert services["postgres-replica"]["expose"] == ["5432"]
    assert services["worker"]["command"] == ["traderow", "worker"]
    assert "replicas" not in services["worker"].get("deploy", {})  # exactly one index writer
    traderow = ("init", "web", "web-b", "worker", "rq-worker")
    for name in traderow:
        env = services[name]["environment"]
        # Every TradeRow process reads the same database, replica, queue, key and file store.
        for key in ("TRADEROW_SECRET_KEY", "TRADEROW_DATABASE_URL", "TRADEROW_DATABASE_REPLICA_URL",
                    "TRADEROW_REDIS_URL", "TRADEROW_INDEX_PATH"):  # fmt: skip
            assert key in env, (name, key)
        assert env["TRADEROW_UPLOAD_STORE"] == "database" and env["TRADEROW_LOG_FORMAT"] == "json"
        assert env["TRADEROW_SEARCH_BACKEND"] == "postgres"
        assert "traderow-files:/srv/traderow" in services[name]["volumes"]
    # The second node keeps its own instance folder, as another machine would.
    assert (
        services["web-b"]["environment"]["TRADEROW_INSTANCE_PATH"]
        != services["web"]["environment"]["TRADEROW_INSTANCE_PATH"]
    )
    assert services["web-b"]["environment"]["TRADEROW_METRICS_DIR"] == "/srv/node-b/metrics"
    for name in ("init", "web", "worker", "rq-worker"):
        assert services[name]["environment"]["TRADEROW_METRICS_DIR"] == "/srv/traderow/metrics"
        assert services[name]["volumes"] == ["traderow-files:/srv/traderow"]
