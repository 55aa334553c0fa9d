"""The per-process memo of fresh quotes: a hot ticker costs no Redis round trip."""

from __future__ import annotations

from enrich.market.model import OK, QuoteResult

LIMIT = 10_000  # symbols; past it the memo starts over


class Memo:
    """Fresh OK quotes read from Redis, kept `ttl_s` at most (0: off) and never past the quote's own fresh time.

    A quote from the memo is at most `ttl_s` older than Redis's copy of it."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._kept: dict[str, tuple[float, QuoteResult]] = {}

    def recall(self, wanted: list[str], now: float) -> dict[str, QuoteResult] | None:
        """Every symbol from the memo, or None when it is off or one is missing or past its time."""
        if self.ttl_s <= 0:
            return None
        out: dict[str, QuoteResult] = {}
        for symbol in wanted:
            kept = self._kept.get(symbol)
            if kept is None or now >= kept[0]:
                return None
            out[symbol] = kept[1]
        return out

    def wants(self, entry: QuoteResult) -> bool:
        """True when `entry` is worth keeping: the memo is on and the quote fresh and OK."""
        return self.ttl_s > 0 and not entry.stale and entry.outcome == OK

    def keep(self, symbol: str, entry: QuoteResult, fresh_until: float, now: float) -> None:
        """Keep `entry` until the earlier of `fresh_until` and `ttl_s` from `now`."""
        if len(self._kept) > LIMIT:
            self._kept.clear()
        self._kept[symbol] = (min(fresh_until, now + self.ttl_s), entry)
