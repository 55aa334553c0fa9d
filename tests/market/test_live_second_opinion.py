"""Live stays the second opinion: tags the offline references leave unverified are settled by Yahoo's quote.

CSE, Cboe Canada, Frankfurt and TSXV are venues no bundled source lists in full, so offline these real tags from the
press-release archive stay `unverified`; the real yfinance adapter, against the loopback fake Yahoo answering in
Yahoo's recorded format (fixtures/quote-*.json), makes each `valid` on its venue.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections import Counter
from pathlib import Path

import pytest

from config.settings import Settings
from enrich.market.cache import QuoteCache
from enrich.market.yahoo import YahooSource
from enrich.service import enrich
from enrich.wiring import build_services
from tests.market.fake_yahoo import QUOTE_PATH, FakeYahoo

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = ("ESGold Corp. (CSE: ESAU) (FSE: Z7D) is a fully permitted, pre-production resource company. "
           "SolarBank Corp. (Cboe CA: SUNN) reports 395% asset growth in the current fiscal year. "
           "Torr Metals Inc. (TSX.V: TMET) moves forward with a three-year exploration permit.")
# The tag's symbol: the tag as the article writes it, its Yahoo symbol, and the venue and MIC live data settles it on.
EXPECTED = {
    "ESAU": ("CSE: ESAU", "ESAU.CN", "CSE", "XCNQ"),
    "Z7D": ("FSE: Z7D", "Z7D.F", "FWB", "XFRA"),
    "SUNN": ("Cboe CA: SUNN", "SUNN.NE", "Cboe Canada", "NEOE"),
    "TMET": ("TSX.V: TMET", "TMET.V", "TSXV", "XTSX"),
}


def fixture_entry(yahoo_symbol):
    """The one quote entry in a fixture body written in Yahoo's recorded v7 format."""
    body = json.loads((FIXTURES / f"quote-{yahoo_symbol}.json").read_text(encoding="utf-8"))
    (entry,) = body["quoteResponse"]["result"]
    return entry


QUOTES = {yahoo: fixture_entry(yahoo) for _, yahoo, _, _ in EXPECTED.values()}


def by_symbol(document):
    return {m["claimed"]["symbol"]: m for m in document["mentions"]}


def assert_settled_live(document):
    mentions = by_symbol(document)
    assert set(mentions) == set(EXPECTED)
    for symbol, (_, yahoo, exchange, mic) in EXPECTED.items():
        mention, quote = mentions[symbol], QUOTES[yahoo]
        assert mention["status"] == "valid", (symbol, mention["status"], mention["evidence"])
        assert mention["corrections"] == []
        resolved = mention["resolved"]
        assert (resolved["exchange"], resolved["mic"], resolved["yahoo_symbol"]) == (exchange, mic, yahoo)
        assert resolved["currency"] == quote["currency"] and resolved["name"] == quote["longName"]
        live = mention["evidence"][-1]
        assert live["source"] == "yfinance"
        assert live["finding"] == f"Yahoo lists {yahoo} on {quote['fullExchangeName']} ({quote['exchange']})"
        price = mention["price"]
        assert price is not None, (symbol, mention.get("price_status"), mention.get("price_detail"))
        assert price["last"] == quote["regularMarketPrice"] and price["currency"] == quote["currency"]
        assert price["previous_close"] == quote["regularMarketPreviousClose"]
        assert price["source"] == "yfinance" and price["market_state"] == "closed"
    assert document["meta"]["counts"]["valid"] == len(EXPECTED)


def test_offline_the_references_leave_each_unverified():
    services = build_services(Settings.from_env({"ENRICH_MARKET_DATA": "offline"}))
    mentions = by_symbol(enrich(ARTICLE, services).to_dict())
    assert set(mentions) == set(EXPECTED)
    for symbol, (tag, yahoo, exchange, mic) in EXPECTED.items():
        assert f"({tag})" in ARTICLE
        mention = mentions[symbol]
        assert mention["status"] == "unverified", (symbol, mention["status"], mention["evidence"])
        resolved = mention["resolved"]
        assert (resolved["exchange"], resolved["mic"], resolved["yahoo_symbol"]) == (exchange, mic, yahoo)
        assert all(e["source"] != "yfinance" for e in mention["evidence"])
        assert mention["price"] is None and mention["price_status"] == "disabled"


def test_live_settles_each_through_the_uncached_adapter():
    with FakeYahoo(quotes=QUOTES) as fake:
        services = build_services(Settings(market_data="yfinance", yahoo_base_url=fake.base_url,
                                           price_deadline_ms=5000))
        document = enrich(ARTICLE, services).to_dict()
        assert fake.count(QUOTE_PATH) == 1, "one quote request for the whole document"
        assert fake.symbols == Counter(list(QUOTES))
    assert_settled_live(document)
    assert document["meta"]["prices"] == "yfinance"


def test_live_settles_each_from_the_redis_cache_cold_and_warm(redis_url):
    with FakeYahoo(quotes=QUOTES) as fake:
        settings = Settings(market_data="yfinance", yahoo_base_url=fake.base_url, redis_url=redis_url,
                            price_deadline_ms=5000)
        # A fixed lifetime: the verdicts are under test here, not the exchange calendars.
        cache = QuoteCache(redis_url, YahooSource(base_url=fake.base_url), prefix=f"t:{uuid.uuid4().hex}:",
                           lifetime=lambda mic, now, **_: (600.0, 1200.0))
        services = dataclasses.replace(build_services(settings), market=cache)
        try:
            cold = enrich(ARTICLE, services).to_dict()
            assert cache.drain(5)
            warm = enrich(ARTICLE, services).to_dict()
            assert fake.count(QUOTE_PATH) == 1, "the warm document is settled from the cache alone"
        finally:
            cache.close()
    for document in (cold, warm):
        assert_settled_live(document)


@pytest.mark.parametrize("symbol", list(EXPECTED))
def test_each_fixture_body_replayed_verbatim(symbol):
    tag, yahoo, exchange, mic = EXPECTED[symbol]
    with FakeYahoo() as fake:
        fake.quote_body = (FIXTURES / f"quote-{yahoo}.json").read_bytes()  # the file as it is, `_note` and all
        services = build_services(Settings(market_data="yfinance", yahoo_base_url=fake.base_url,
                                           price_deadline_ms=5000))
        mention = by_symbol(enrich(f"({tag})", services).to_dict())[symbol]
    assert mention["status"] == "valid"
    assert (mention["resolved"]["exchange"], mention["resolved"]["mic"]) == (exchange, mic)
    assert mention["price"]["last"] == QUOTES[yahoo]["regularMarketPrice"]
