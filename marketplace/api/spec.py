"""Build the OpenAPI document of ``/api/v1`` from the fragments the domains keep beside their code.

Each domain package documents its own routes in ``marketplace/<domain>/openapi.yaml`` (or
``.json``): an OpenAPI document with ``paths`` and, where needed, ``components``. This
module merges every such fragment into ``marketplace/api/openapi.yaml``, the base that
carries ``openapi``, ``info`` and the shared components. A path or component defined twice
is an error unless both define it identically, so two domains can never silently overwrite
each other.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
BASE_FILE = Path(__file__).with_name("openapi.yaml")
FRAGMENT_NAMES = ("openapi.yaml", "openapi.yml", "openapi.json")


class SpecError(ValueError):
    """A fragment cannot be merged: unreadable, not a mapping, or a duplicate definition."""


def fragment_files(root: Path = PACKAGE_ROOT) -> list[Path]:
    """Return every domain's fragment, ``marketplace/*/openapi.{yaml,yml,json}``, sorted."""
    return sorted(
        path
        for path in root.glob("*/openapi.*")
        if path.name in FRAGMENT_NAMES and path.resolve() != BASE_FILE.resolve()
    )


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{path}: not a mapping")
    return data


def _merge_section(target: dict[str, Any], source: Mapping[str, Any], where: str, origin: Path) -> None:
    for name, value in source.items():
        if name in target and target[name] != value:
            raise SpecError(f"{origin}: {where} {name!r} is already defined by another fragment")
        target[name] = value


def merge(base: Mapping[str, Any], fragments: Iterable[tuple[Path, Mapping[str, Any]]]) -> dict[str, Any]:
    """Return ``base`` with every fragment's paths, components and tags added."""
    document = copy.deepcopy(dict(base))
    paths = document.setdefault("paths", {})
    components = document.setdefault("components", {})
    tags = document.setdefault("tags", [])
    for origin, fragment in fragments:
        _merge_section(paths, fragment.get("paths") or {}, "path", origin)
        for kind, entries in (fragment.get("components") or {}).items():
            _merge_section(components.setdefault(kind, {}), entries or {}, f"components.{kind}", origin)
        known = {tag["name"] for tag in tags}
        tags.extend(tag for tag in fragment.get("tags") or () if tag.get("name") not in known)
    return document


@lru_cache(maxsize=1)
def _cached(stamp: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    files = [Path(name) for name, _ in stamp[1:]]
    return merge(_load(BASE_FILE), ((path, _load(path)) for path in files))


def openapi_document() -> dict[str, Any]:
    """Return the merged document; re-read only when a fragment changed on disk."""
    files = [BASE_FILE, *fragment_files()]
    stamp = tuple((str(path), path.stat().st_mtime) for path in files)
    return copy.deepcopy(_cached(stamp))
