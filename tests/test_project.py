"""The project's own files agree with each other: dependencies and pins, module names, the benchmarks' options."""

import importlib
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[1]
# Folders whose modules are run as scripts or sit first on sys.path: a name there would stand in for the standard
# library's module of that name in everything imported after it (redis imports `queue`, http.client imports `http`).
SCRIPT_FOLDERS = (ROOT, ROOT / "bench", ROOT / "scripts")


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


def test_no_script_or_top_level_module_shadows_the_standard_library():
    names = {path.stem for folder in SCRIPT_FOLDERS for path in folder.glob("*.py")}
    names |= {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert "bench" in names and "extract" in names  # the globs found what they guard
    assert sorted(names & sys.stdlib_module_names) == []


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_the_runner_names_takes_quick(name, capsys):
    with pytest.raises(SystemExit) as exited:
        importlib.import_module(f"bench.{name}").main(["--quick", "--help"])
    assert exited.value.code == 0
    assert "--quick" in capsys.readouterr().out
