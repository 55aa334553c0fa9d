"""The quote cache's counters in one process, read by metrics and benchmarks through MarketData.stats()."""

from __future__ import annotations

import dataclasses
import threading


@dataclasses.dataclass
class CacheStats:
    """Counters of one process's cache, for metrics."""

    hits: int = 0
    stale_hits: int = 0
    misses: int = 0  # cold symbols
    coalesced: int = 0  # cold symbols another fetch (any process) already had in flight
    upstream_calls: int = 0
    upstream_symbols: int = 0
    upstream_failures: int = 0  # calls that ended rate_limited or network
    breaker_opens: int = 0
    breaker_rejections: int = 0  # cold symbols answered from an open breaker
    deadlines: int = 0
    cache_errors: int = 0
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        """Add to some counters at once."""
        with self._lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)

    def snapshot(self) -> dict[str, int]:
        """The counters as a dict."""
        with self._lock:
            return {name: getattr(self, name) for name in COUNTERS}


COUNTERS = tuple(f.name for f in dataclasses.fields(CacheStats) if not f.name.startswith("_"))
