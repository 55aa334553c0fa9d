"""Price context for a mention, and the live listing a quote proves, from one QuoteResult."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from enrich.domain.identity import IdentityMemo
from enrich.domain.live import LiveListing
from enrich.market.model import DISABLED, NO_DATA, NOT_FOUND, OK, RATE_LIMITED, QuoteResult

# Currencies quoted in a minor unit: Yahoo's code, the major currency, and the divisor.
MINOR_UNITS = {"GBp": ("GBP", 100), "GBX": ("GBP", 100), "ZAc": ("ZAR", 100), "ZAC": ("ZAR", 100),
               "ILA": ("ILS", 100)}
_STATUS = {NOT_FOUND: "not_found", RATE_LIMITED: "rate_limited", DISABLED: "disabled"}


@functools.lru_cache(maxsize=4096)  # a quote's times come back on every request that reads it
def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def price_context(result: QuoteResult | None, now: float) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(price, price_status, detail): the SPEC price object, or None with the reason there is none."""
    if result is None:
        return None, "unavailable", "no quote was asked for this listing"
    quote = result.quote
    if result.outcome != OK or quote is None or quote.last is None:
        status = _STATUS.get(result.outcome, "unavailable")
        detail = result.detail or result.outcome
        if result.outcome == NO_DATA:
            detail = result.detail or "Yahoo has the listing but no price"
        return None, status, detail
    last, previous = quote.last, quote.previous_close
    change = None if previous is None else last - previous
    price: dict[str, Any] = {
        "last": _round(last),
        "currency": quote.currency,
        "previous_close": _round(previous),
        "change": _round(change),
        "change_pct": None if not previous else round(100 * change / previous, 2),
        "as_of": _iso(quote.market_time),
        "market_state": (quote.market_state or "").lower() or None,
        "source": "yfinance",
        "age_s": max(0, int(now - result.fetched_at)),
        "stale": result.stale,
    }
    minor = MINOR_UNITS.get(quote.currency or "")
    if minor is not None:
        major, divisor = minor
        price["converted"] = {
            "last": _round(last / divisor), "previous_close": _round(None if previous is None else previous / divisor),
            "change": _round(None if change is None else change / divisor), "currency": major,
        }
        price["unit_note"] = f"quoted in {quote.currency} (1/{divisor} {major}); converted shows {major}"
    return price, None, None


_live: IdentityMemo[LiveListing | None] = IdentityMemo(4096)


def live_listing(result: QuoteResult | None) -> LiveListing | None:
    """What a quote proves about the listing: found where, or not found; None when the source didn't answer.
    One answer per result: the quote cache hands every request the same result until it is refreshed."""
    if result is None:
        return None
    return _live.get(id(result), (result,), lambda: _live_listing(result))


def _live_listing(result: QuoteResult) -> LiveListing | None:
    if result.outcome == NOT_FOUND:
        return LiveListing(result.symbol, False, as_of=_iso(result.fetched_at))
    quote = result.quote
    if result.outcome in (OK, NO_DATA) and quote is not None and quote.exchange_code:
        return LiveListing(result.symbol, True, quote.exchange_code, quote.exchange_name, quote.name,
                           quote.currency, _iso(result.fetched_at))
    return None
