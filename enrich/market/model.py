"""What market data looks like inside the service: quotes, fetch outcomes and the two interfaces."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

# Every way a quote fetch can end. Anything but "ok" carries no quote; `detail` says more.
OK, NOT_FOUND, RATE_LIMITED, NETWORK, NO_DATA, MALFORMED, DEADLINE, DISABLED = (
    "ok", "not_found", "rate_limited", "network", "no_data", "malformed", "deadline", "disabled")
OUTCOMES = (OK, NOT_FOUND, RATE_LIMITED, NETWORK, NO_DATA, MALFORMED, DEADLINE, DISABLED)


@dataclass(frozen=True, slots=True)
class Quote:
    """One Yahoo quote, as the upstream gave it (currency as quoted: a London price may be in GBp)."""

    symbol: str  # Yahoo's symbol, e.g. SHOP.TO
    exchange_code: str | None = None  # Yahoo's `exchange`, e.g. NMS, PNK, TOR, LSE
    exchange_name: str | None = None  # Yahoo's `fullExchangeName`
    quote_type: str | None = None  # EQUITY, ETF, ...
    name: str | None = None
    currency: str | None = None
    last: float | None = None
    previous_close: float | None = None
    market_time: int | None = None  # epoch seconds of `last`
    market_state: str | None = None  # Yahoo's marketState: REGULAR, CLOSED, PRE, POST, ...


@dataclass(frozen=True, slots=True)
class QuoteResult:
    """The outcome of asking for one symbol, with the quote when there is one."""

    symbol: str
    outcome: str
    quote: Quote | None = None
    detail: str | None = None
    fetched_at: float = field(default_factory=time.time)  # when the upstream answered (epoch seconds)
    stale: bool = False  # served past its fresh lifetime while a refresh runs

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict for the cache."""
        return {"symbol": self.symbol, "outcome": self.outcome, "quote": asdict(self.quote) if self.quote else None,
                "detail": self.detail, "fetched_at": self.fetched_at}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], stale: bool = False) -> QuoteResult:
        """The inverse of to_json; KeyError/TypeError on a value that is not one."""
        quote = data.get("quote")
        return cls(symbol=data["symbol"], outcome=data["outcome"], quote=Quote(**quote) if quote else None,
                   detail=data.get("detail"), fetched_at=float(data["fetched_at"]), stale=stale)


class QuoteSource(Protocol):
    """An upstream that answers for several symbols in one go (yfinance, or nothing when offline)."""

    def fetch(self, symbols: Sequence[str]) -> dict[str, QuoteResult]:
        """One result per symbol asked; upstream failures become outcomes, never exceptions."""
        ...


class MarketData(Protocol):
    """What the use case asks: quotes for a document's symbols within a deadline (the cache implements it)."""

    def quotes(self, symbols: Sequence[str], deadline_s: float,
               mics: Mapping[str, str] | None = None) -> dict[str, QuoteResult]:
        """One result per symbol; a symbol not answered in time has outcome `deadline`; `mics` set lifetimes."""
        ...

    def stats(self) -> dict[str, int]:
        """This process's counters by name (market/stats.py), for metrics; empty for an adapter that keeps none."""
        ...
