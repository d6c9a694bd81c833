"""The OpenAPI document of /api/v1: valid OpenAPI 3.1, merged from every domain, covering every route."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from marketplace.api.spec import SpecError, fragment_files, merge


def openapi_path(rule: str) -> str:
    """Turn a Werkzeug rule (``/api/v1/requests/<int:request_id>``) into an OpenAPI path."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_served_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema


def test_every_api_route_and_method_is_documented(app: Flask, client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")]
    assert routes, "no /api/v1 routes at all"
    missing = []
    for rule in routes:
        documented = paths.get(openapi_path(rule.rule), {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in documented:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes without OpenAPI documentation: {missing}"


def test_search_fragment_is_picked_up_with_any_other_domain(client: FlaskClient) -> None:
    names = {path.parent.name for path in fragment_files()}
    assert "search" in names
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/search", "/api/v1/suggest", "/api/v1/openapi.json"} <= set(paths)


def test_merge_refuses_two_different_definitions_of_one_path(tmp_path: Path) -> None:
    base = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    one = {"paths": {"/api/v1/x": {"get": {"responses": {"200": {"description": "a"}}}}}}
    other = {"paths": {"/api/v1/x": {"get": {"responses": {"200": {"description": "b"}}}}}}
    merged = merge(base, [(tmp_path / "a.yaml", one), (tmp_path / "b.yaml", one)])
    assert list(merged["paths"]) == ["/api/v1/x"]  # the same definition twice is harmless
    with pytest.raises(SpecError, match="/api/v1/x"):
        merge(base, [(tmp_path / "a.yaml", one), (tmp_path / "b.yaml", other)])
