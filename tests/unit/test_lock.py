"""requirements.lock and setup.cfg agree: what we test (the lock) is what we say works (the ranges).

`make lock` re-pins after a change to setup.cfg; this test fails until somebody runs it.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def locked() -> dict[str, tuple[Version, bool]]:
    """Return each pinned package with its version and whether its entry carries hashes."""
    pins: dict[str, tuple[Version, bool]] = {}
    name = ""
    for line in (ROOT / "requirements.lock").read_text("utf-8").splitlines():
        pin = PIN.match(line)
        if pin:
            name = canonicalize_name(pin.group(1))
            pins[name] = (Version(pin.group(2)), False)
        elif name and line.strip().startswith("--hash=sha256:"):
            pins[name] = (pins[name][0], True)
    return pins


def declared() -> list[Requirement]:
    """Return every requirement setup.cfg and pyproject.toml declare: runtime, extras and build."""
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = setup["options"]["install_requires"].splitlines()
    for extra in setup["options.extras_require"].values():
        lines.extend(extra.splitlines())
    lines.extend(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["build-system"]["requires"])
    return [Requirement(line) for line in (raw.strip() for raw in lines) if line and not line.startswith("#")]


REQUIREMENTS = declared()


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=str)
def test_every_declared_requirement_is_locked_within_its_range(requirement: Requirement) -> None:
    pins = locked()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement} is not in requirements.lock: run `make lock`"
    version, _ = pins[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"requirements.lock pins {name}=={version}, outside setup.cfg's {requirement}: run `make lock`"
    )


def test_the_lock_names_nothing_as_ours_that_setup_cfg_dropped() -> None:
    direct = {canonicalize_name(requirement.name) for requirement in REQUIREMENTS}
    text = (ROOT / "requirements.lock").read_text("utf-8")
    # pip-compile writes "# via traderow (setup.cfg)" under each package we ask for by name.
    claimed = {
        canonicalize_name(entry.group(1))
        for entry in re.finditer(
            r"^([A-Za-z0-9][A-Za-z0-9._-]*)==[^\n]*\n(?:\s+--hash[^\n]*\n)*((?:\s+#[^\n]*\n)+)", text, re.M
        )
        if "traderow (setup.cfg)" in entry.group(2)
    }
    assert claimed <= direct, f"the lock still pins {sorted(claimed - direct)} for setup.cfg: run `make lock`"


def test_every_pin_carries_its_hashes() -> None:
    unhashed = sorted(name for name, (_, hashed) in locked().items() if not hashed)
    assert not unhashed, f"pinned without --hash (pip would refuse the whole lock): {unhashed}"
