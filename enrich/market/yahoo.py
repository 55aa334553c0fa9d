"""The yfinance adapter: one v7 quote request per batch of symbols, every upstream failure turned into an outcome."""

from __future__ import annotations

import json
import logging
import math
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from curl_cffi import requests as curl_requests
from yfinance.config import YfConfig
from yfinance.const import _QUERY1_URL_
from yfinance.data import YfData
from yfinance.exceptions import YFRateLimitError

from enrich.market.model import MALFORMED, NETWORK, NO_DATA, NOT_FOUND, OK, RATE_LIMITED, Quote, QuoteResult
from enrich.market.session import YahooSession, YahooThrottled

log = logging.getLogger("enrich.market.yahoo")

BATCH_SIZE = 50  # symbols per v7 quote request; Yahoo takes more, but a long URL is more likely to be refused
QUOTE_URL = f"{_QUERY1_URL_}/v7/finance/quote"  # the host yfinance itself uses for v7 quotes
# Asking for fields keeps a 50-symbol answer small; Yahoo adds its default fields (exchange, marketState...) anyway.
FIELDS = ("symbol", "quoteType", "exchange", "fullExchangeName", "shortName", "longName", "currency",
          "regularMarketPrice", "regularMarketPreviousClose", "regularMarketTime", "marketState")
_STOPPERS = (RATE_LIMITED, NETWORK)  # after one of these, later batches of the same fetch are not sent


class _PrivateYfData(YfData):
    """yfinance's cookie, crumb and request machinery, owned by one YahooSource instead of the whole process.

    `YfData` is a process-wide singleton (its metaclass hands every caller the same instance and swaps in the
    last session passed), so two sources would share one session, cookie and crumb. Instances of this class are
    built with `type.__call__`, which skips the singleton registry. yfinance also keeps the Yahoo cookie in a
    SQLite file under the user's cache folder and re-reads it before every request; here the cookie lives only
    in this session's jar, so sources with different base URLs cannot hand each other cookies.
    """

    @classmethod
    def private(cls, session: curl_requests.Session) -> _PrivateYfData:
        """A new instance, never the shared one."""
        return type.__call__(cls, session=session)

    def _load_cookie_curlCffi(self) -> bool:
        return False

    def _save_cookie_curlCffi(self) -> bool:
        # yfinance only marks the cookie as fetched when it reads it back from disk; mark it here, or every
        # request would repeat the cookie step. A rejected crumb resets it (yfinance's strategy toggle).
        self._cookie = True
        return True


class YahooSource:
    """A QuoteSource on yfinance: symbols go to Yahoo's v7 quote API in batches, one request per batch."""

    def __init__(self, session: curl_requests.Session | None = None, base_url: str | None = None,
                 timeout: float = 10.0):
        if session is None:
            session = YahooSession(base_url=base_url, timeout=timeout)
        elif base_url and getattr(session, "yahoo_base_url", None) != base_url.rstrip("/"):
            raise ValueError("base_url needs an injected session built with it: YahooSession(base_url=...)")
        self.session = session
        self.base_url: str | None = getattr(session, "yahoo_base_url", None)
        self.timeout = timeout
        self._data = _PrivateYfData.private(session)

    def fetch(self, symbols: Sequence[str]) -> dict[str, QuoteResult]:
        """One result per distinct symbol; upstream failures become outcomes, never exceptions."""
        wanted = list(dict.fromkeys(symbols))
        results: dict[str, QuoteResult] = {}
        stopped: QuoteResult | None = None
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start:start + BATCH_SIZE]
            if stopped is not None:
                detail = f"not asked after an earlier batch failed: {stopped.detail}"
                results.update((s, QuoteResult(s, stopped.outcome, detail=detail)) for s in batch)
                continue
            answered = self._fetch_batch(batch)
            results.update(answered)
            if answered[batch[0]].outcome in _STOPPERS:  # only a failed request gives these, to the whole batch
                stopped = answered[batch[0]]
        return results

    def _fetch_batch(self, batch: list[str]) -> dict[str, QuoteResult]:
        """One v7 quote request through yfinance (which adds the cookie and crumb) for up to BATCH_SIZE symbols."""
        params = {"symbols": ",".join(batch), "fields": ",".join(FIELDS), "formatted": "false",
                  "lang": YfConfig.locale.lang, "region": YfConfig.locale.region}
        started = time.monotonic()
        try:
            body = self._data.get_raw_json(QUOTE_URL, params=params, timeout=self.timeout)
        except Exception as exc:  # the contract: upstream trouble is an outcome
            outcome, detail = failure_outcome(exc)
            now = time.time()
            results = {s: QuoteResult(s, outcome, detail=detail, fetched_at=now) for s in batch}
            log.warning("yahoo quote request: %d symbols, %s in %.0f ms: %s",
                        len(batch), outcome, _ms(started), detail)
            return results
        results = parse_quote_response(body, batch)
        counts = Counter(r.outcome for r in results.values())
        level = logging.INFO if MALFORMED not in counts else logging.WARNING
        log.log(level, "yahoo quote request: %d symbols, answered in %.0f ms: %s", len(batch), _ms(started),
                " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        return results


def parse_quote_response(body: Any, symbols: Sequence[str]) -> dict[str, QuoteResult]:
    """Results for `symbols` from a decoded v7 quote answer (`{"quoteResponse": {"result": [...]}}`)."""
    now = time.time()
    response = body.get("quoteResponse") if isinstance(body, dict) else None
    entries = response.get("result") if isinstance(response, dict) else None
    if not isinstance(entries, list):
        detail = "no quoteResponse.result in Yahoo's answer" + _yahoo_error(body)
        return {s: QuoteResult(s, MALFORMED, detail=detail, fetched_at=now) for s in symbols}
    by_symbol: dict[str, dict[str, Any]] = {}
    garbled = 0
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("symbol"), str):
            by_symbol[entry["symbol"].upper()] = entry
        else:
            garbled += 1
    results = {}
    for symbol in symbols:
        entry = by_symbol.get(symbol.upper())
        if entry is not None:
            results[symbol] = _result(symbol, entry, now)
        elif garbled:  # it may be among the entries that could not be read
            results[symbol] = QuoteResult(symbol, MALFORMED, detail=f"{garbled} unreadable entries", fetched_at=now)
        else:
            results[symbol] = QuoteResult(symbol, NOT_FOUND, detail="not in Yahoo's answer", fetched_at=now)
    return results


def _result(symbol: str, entry: dict[str, Any], now: float) -> QuoteResult:
    """The outcome for one entry of Yahoo's answer."""
    exchange = _text(entry, "exchange")
    if entry.get("quoteType") == "NONE" and exchange is None:
        # What Yahoo answers for a symbol it remembers but no longer lists (a delisted ticker).
        return QuoteResult(symbol, NOT_FOUND, detail="Yahoo lists no market for it (quoteType NONE)", fetched_at=now)
    price = entry.get("regularMarketPrice")
    if price is not None and not _is_number(price):
        return QuoteResult(symbol, MALFORMED, detail=f"regularMarketPrice is {price!r}", fetched_at=now)
    usable = price is not None and math.isfinite(price) and price > 0
    previous = entry.get("regularMarketPreviousClose")
    market_time = entry.get("regularMarketTime")
    quote = Quote(
        symbol=entry["symbol"], exchange_code=exchange, exchange_name=_text(entry, "fullExchangeName"),
        quote_type=_text(entry, "quoteType"),
        name=_text(entry, "longName") or _text(entry, "shortName") or _text(entry, "displayName"),
        currency=_text(entry, "currency"), last=float(price) if usable else None,
        # Yahoo writes 0 for a previous close it does not have (OTC names especially).
        previous_close=float(previous) if _is_number(previous) and previous > 0 else None,
        market_time=int(market_time) if _is_number(market_time) else None,
        market_state=_text(entry, "marketState"))
    if not usable:
        detail = "no regularMarketPrice" if price is None else f"regularMarketPrice is {price!r}"
        return QuoteResult(symbol, NO_DATA, quote=quote, detail=detail, fetched_at=now)
    return QuoteResult(symbol, OK, quote=quote, fetched_at=now)


def failure_outcome(exc: Exception) -> tuple[str, str]:
    """The outcome and detail for an exception out of yfinance or curl."""
    if isinstance(exc, YahooThrottled | YFRateLimitError):
        return RATE_LIMITED, str(exc)
    if isinstance(exc, curl_requests.exceptions.HTTPError):
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status == 429:
            return RATE_LIMITED, "HTTP 429"
        return NETWORK, f"HTTP {status}" + (_yahoo_error(_json_or_none(response)) if response is not None else "")
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return MALFORMED, f"Yahoo's answer is not JSON: {exc}"
    if isinstance(exc, OSError):  # curl's connection, DNS and timeout errors are OSErrors
        message = str(exc).split(" See https://curl.se", 1)[0].removeprefix("Failed to perform, ")
        return NETWORK, f"{type(exc).__name__}: {message}"
    # An answer yfinance could not digest (a consent page without the form it expects, say); keep the traceback.
    log.error("yahoo quote request failed unexpectedly", exc_info=exc)
    return MALFORMED, f"unexpected {type(exc).__name__}: {exc}"


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except Exception:  # only used to enrich an error message
        return None


def _yahoo_error(body: Any) -> str:
    """`: description` from Yahoo's error shapes, or ''."""
    if not isinstance(body, dict):
        return ""
    for key in ("quoteResponse", "finance"):
        part = body.get(key)
        error = part.get("error") if isinstance(part, dict) else None
        if isinstance(error, dict) and (error.get("description") or error.get("code")):
            return f": {error.get('description') or error.get('code')}"
    return ""


def _text(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) and value else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
