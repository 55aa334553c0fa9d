"""Build the services once per process, the same way for the CLI, the web app and the worker."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from config.settings import Settings
from enrich.domain.model import Tag, Verdict
from enrich.domain.reference import Reference
from enrich.domain.untagged import NameIndex
from enrich.domain.verdicts import judge
from enrich.market.model import MarketData, QuoteResult

VERDICT_CACHE_SIZE = 65_536


@dataclass(frozen=True, slots=True)
class Services:
    """What the use case needs: settings, the reference index, and the memoised verdict function."""

    settings: Settings
    reference: Reference
    refdata_versions: dict[str, str | None]
    market: MarketData

    def names(self) -> NameIndex:
        """The company-name index, loaded on first use (a run without `names` never reads it)."""
        return _names()

    def verdict(self, tag: Tag, as_of: str | None) -> Verdict:
        """The verdict on a tag; the same claim with the same company is judged once per process."""
        return _memo(self.reference)(tag.venue_key, tag.symbol, tag.company, tag.co_venues, as_of)


@lru_cache(maxsize=1)
def _names() -> NameIndex:
    from enrich.refdata.names import default_names  # imported on first use: a run without `names` never does

    return default_names()


@lru_cache(maxsize=4)
def _memo(reference: Reference):
    @lru_cache(maxsize=VERDICT_CACHE_SIZE)
    def cached(venue_key: str, symbol: str, company: str | None, co_venues: tuple[str, ...],
               as_of: str | None) -> Verdict:
        probe = Tag(span=(0, 0), venue_key=venue_key, venue_text=venue_key, venue_span=(0, 0), symbol=symbol,
                    symbol_span=(0, 0), group=0, company=company, co_venues=co_venues)
        return judge(probe, reference, as_of)

    return cached


def build_services(settings: Settings | None = None) -> Services:
    """Settings from the environment unless given; the reference index loaded (once per process)."""
    from enrich.refdata.index import load_index

    settings = settings or Settings.from_env()
    reference = load_index(snapshot_dir=settings.refdata_dir)
    versions = {name: source.get("as_of") for name, source in reference.info()["sources"].items()}
    return Services(settings=settings, reference=reference, refdata_versions=versions, market=LazyMarket(settings))


class LazyMarket:
    """The market-data adapter, built on the first quote request: a run without prices never imports yfinance."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._market: MarketData | None = None
        self._lock = threading.Lock()

    def get(self) -> MarketData:
        """The adapter, built once."""
        if self._market is None:
            with self._lock:
                if self._market is None:
                    self._market = build_market(self._settings)
        return self._market

    def quotes(self, symbols: Sequence[str], deadline_s: float,
               mics: Mapping[str, str] | None = None) -> dict[str, QuoteResult]:
        """The adapter's answer."""
        return self.get().quotes(symbols, deadline_s, mics)

    def stats(self) -> dict[str, int]:
        """The adapter's counters once it is built; empty before, since reading them must not build it."""
        market = self._market
        return {} if market is None else market.stats()


def build_market(settings: Settings) -> MarketData:
    """Offline answers `disabled` without a network call; yfinance goes through the Redis cache when there is one."""
    if settings.market_data == "offline":
        from enrich.market.offline import OfflineSource

        return OfflineSource()
    from enrich.market.yahoo import YahooSource

    source = YahooSource(base_url=settings.yahoo_base_url)
    if settings.redis_url:
        from enrich.market.cache import QuoteCache

        return QuoteCache(settings.redis_url, source, local_ttl_s=settings.quote_local_ttl_ms / 1000)
    from enrich.market.direct import Uncached

    return Uncached(source)
