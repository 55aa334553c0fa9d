"""The project's own files agree with each other: pyproject.toml's dependencies and requirements.txt's pins."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    """Normalised name -> pinned version, from requirements.txt."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_pyproject_declares_the_pinned_set_in_ranges_the_pins_satisfy():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    ranges = {re.sub(r"[-_.]+", "-", r.name).lower(): r.specifier for r in map(Requirement, declared)}
    pins = _pins()
    assert sorted(ranges) == sorted(pins)
    assert [name for name, version in pins.items() if version not in ranges[name]] == []
