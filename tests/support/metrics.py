"""Read one figure from a /metrics answer, as Prometheus would parse it."""

from __future__ import annotations

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families


def sample(client: FlaskClient, name: str, **labels: str) -> float:
    """Scrape ``/metrics`` (from loopback) and return the sample ``name`` with ``labels``; 0 if absent."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.data
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for found in family.samples:
            if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                return float(found.value)
    return 0.0
