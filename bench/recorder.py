"""What the price benchmarks measure with: a MarketData that records its calls, and the tallies they print."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Recorder:
    """A MarketData around another: the wall time of each quotes() call and every symbol asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds: list[float] = []
        self.asked: Counter[str] = Counter()  # symbol -> documents that asked for it

    def quotes(self, symbols: Sequence[str], deadline_s: float, mics: Mapping[str, str] | None = None) -> dict:
        start = time.perf_counter()
        try:
            return self.inner.quotes(symbols, deadline_s, mics=mics)
        finally:
            self.seconds.append(time.perf_counter() - start)
            self.asked.update(dict.fromkeys(symbols, 1))


@dataclass
class Measured:
    """One scenario's calls: enrich() and quotes() seconds, price statuses, upstream requests, cache counters."""

    times: list[float] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    stats: Mapping[str, int] = field(default_factory=dict)

    def enrich(self, text: str, services: Any, market: Recorder) -> None:
        """One timed enrich() of `text` with prices, recorded."""
        from enrich.service import enrich

        start = time.perf_counter()
        document = enrich(text, services)
        self.times.append(time.perf_counter() - start)
        self.calls.append(market.seconds[-1])
        self.statuses += priced(document)[2]


def priced(document: Any) -> tuple[int, int, Counter[str]]:
    """(mentions with a price, mentions with a resolved listing, price_status tally; `no listing` when unresolved)."""
    statuses = Counter("ok" if m.price is not None else "no listing" if m.verdict.resolved is None
                       else m.price_status or "?" for m in document.mentions)
    return sum(m.price is not None for m in document.mentions), \
        sum(m.verdict.resolved is not None for m in document.mentions), statuses


def p95(values: Sequence[float]) -> float:
    """The 95th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def stats_delta(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    """Each cache counter's change between two snapshots."""
    return {k: after[k] - before.get(k, 0) for k in after}


def show_stats(stats: Mapping[str, int]) -> str:
    """The non-zero cache counters, on one line."""
    return ", ".join(f"{k} {v}" for k, v in stats.items() if v) or "all zero"


def ms(seconds: float) -> float:
    """Seconds in milliseconds."""
    return seconds * 1000

