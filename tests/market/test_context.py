"""Price context from quotes: fields, changes, minor currency units, and the reasons there is no price."""

from enrich.market.context import live_listing, price_context
from enrich.market.model import NETWORK, NOT_FOUND, OK, RATE_LIMITED, Quote, QuoteResult

NOW = 1_764_300_000.0


def test_a_full_quote():
    quote = Quote("MSFT", "NMS", "NasdaqGS", "EQUITY", "Microsoft", "USD", 421.5, 420.0, 1_764_270_000, "CLOSED")
    price, status, _ = price_context(QuoteResult("MSFT", OK, quote, fetched_at=NOW - 42), NOW)
    assert status is None
    assert price == {"last": 421.5, "currency": "USD", "previous_close": 420.0, "change": 1.5, "change_pct": 0.36,
                     "as_of": "2025-11-27T19:00:00Z", "market_state": "closed", "source": "yfinance", "age_s": 42,
                     "stale": False}


def test_pence_are_shown_as_quoted_and_converted():
    quote = Quote("VOD.L", "LSE", "LSE", "EQUITY", "Vodafone", "GBp", 72.5, 70.0, 1_764_270_000, "REGULAR")
    price, _, _ = price_context(QuoteResult("VOD.L", OK, quote, fetched_at=NOW, stale=True), NOW)
    assert (price["last"], price["currency"]) == (72.5, "GBp")
    assert price["converted"] == {"last": 0.725, "previous_close": 0.7, "change": 0.025, "currency": "GBP"}
    assert "GBp" in price["unit_note"] and price["stale"] is True


def test_reasons_for_no_price():
    assert price_context(QuoteResult("X", NOT_FOUND), NOW)[1] == "not_found"
    assert price_context(QuoteResult("X", RATE_LIMITED), NOW)[1] == "rate_limited"
    assert price_context(QuoteResult("X", NETWORK, detail="cache unavailable"), NOW)[1:] == (
        "unavailable", "cache unavailable")
    assert price_context(None, NOW)[1] == "unavailable"


def test_live_listing_from_a_quote():
    quote = Quote("XIACY", "PNK", "Other OTC", "EQUITY", "Xiaomi Corporation", "USD", 21.3, 21.0, None, None)
    live = live_listing(QuoteResult("XIACY", OK, quote, fetched_at=NOW))
    assert (live.found, live.exchange_code) == (True, "PNK")
    assert live_listing(QuoteResult("ZZZ", NOT_FOUND)).found is False
    assert live_listing(QuoteResult("X", NETWORK)) is None
