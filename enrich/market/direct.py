"""Quotes straight from the source, within a deadline, for a process with no Redis (the CLI without REDIS_URL)."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Mapping, Sequence

from enrich.market.model import DEADLINE, QuoteResult, QuoteSource


class Uncached:
    """MarketData without a cache: every call asks the source once for all its symbols, waiting at most the deadline.

    Meant for one-off command-line runs; a service always sets REDIS_URL so Yahoo is asked once per lifetime.
    """

    def __init__(self, source: QuoteSource) -> None:
        self._source = source
        self._pool = cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="quotes")

    def quotes(self, symbols: Sequence[str], deadline_s: float,
               mics: Mapping[str, str] | None = None) -> dict[str, QuoteResult]:
        """The source's answers, or `deadline` for every symbol when it is slower than the deadline."""
        del mics
        if not symbols:
            return {}
        future = self._pool.submit(self._source.fetch, list(symbols))
        try:
            return future.result(timeout=deadline_s)
        except cf.TimeoutError:
            return {s: QuoteResult(s, DEADLINE, detail=f"no answer within {deadline_s:.2f} s") for s in symbols}

    def stats(self) -> dict[str, int]:
        """None kept: without a cache there is nothing to count."""
        return {}
