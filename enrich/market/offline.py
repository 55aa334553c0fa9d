"""The offline adapter: no network call, ever; every symbol answers `disabled`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from enrich.market.model import DISABLED, QuoteResult


class OfflineSource:
    """A QuoteSource and a MarketData that never leaves the process (ENRICH_MARKET_DATA=offline)."""

    def fetch(self, symbols: Sequence[str]) -> dict[str, QuoteResult]:
        """`disabled` for every symbol."""
        return {s: QuoteResult(s, DISABLED, detail="ENRICH_MARKET_DATA=offline") for s in symbols}

    def quotes(self, symbols: Sequence[str], deadline_s: float,
               mics: Mapping[str, str] | None = None) -> dict[str, QuoteResult]:
        """`disabled` for every symbol, at once."""
        del deadline_s, mics
        return self.fetch(symbols)

    def stats(self) -> dict[str, int]:
        """None kept: nothing to count."""
        return {}
