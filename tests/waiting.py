"""Tests wait on events, not on sleeps: poll a condition until it holds, and fail with a message when it never does."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], object], timeout: float = 5.0, what: str = "the condition") -> None:
    """Return as soon as `predicate()` is true; AssertionError after `timeout` seconds (a bound for hung tests only)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        time.sleep(0.01)
