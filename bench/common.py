"""What every benchmark prints the same way: section headings, medians, and whether a target was met."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def section(title: str) -> None:
    """Print a section heading."""
    print()
    print(title)
    print("=" * len(title))


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    return statistics.median(values)


def met(ok: bool) -> str:
    """`met` or `MISSED`, for a target line."""
    return "met" if ok else "MISSED"
