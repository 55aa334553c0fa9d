"""Enrichment with prices end to end: the real yfinance adapter against the loopback fake Yahoo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from config.settings import Settings
from enrich.service import enrich
from enrich.wiring import build_services
from tests.market.fake_yahoo import QUOTE_PATH, FakeYahoo

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ("Chinese tech giants like Xiaomi (NASDAQ: XIACY), Huawei. meta (NASDAQ: Meta) and Microsoft "
           "(Nasdaq: MSFT) struggled; Shopify (TSX: SHOP) and Vodafone (LSE: VOD) rose.")


def by_symbol(document):
    return {m["claimed"]["symbol"]: m for m in document["mentions"]}


def test_prices_and_live_evidence_through_the_uncached_adapter():
    with FakeYahoo() as fake:
        services = build_services(Settings(market_data="yfinance", yahoo_base_url=fake.base_url))
        document = enrich(ARTICLE, services).to_dict()
        assert fake.count(QUOTE_PATH) == 1, "one quote request for the whole document"
    mentions = by_symbol(document)
    xiacy = mentions["XIACY"]
    assert xiacy["status"] == "corrected" and xiacy["resolved"]["exchange"] == "OTC"
    assert any(e["source"] == "yfinance" and "XIACY" in e["finding"] for e in xiacy["evidence"])
    assert xiacy["price"]["currency"] == "USD" and xiacy["price"]["source"] == "yfinance"
    assert mentions["MSFT"]["status"] == "valid" and mentions["MSFT"]["price"]["last"] > 0
    # TSX is covered by no reference: the quote of SHOP.TO on Toronto makes it valid.
    shop = mentions["SHOP"]
    assert shop["status"] == "valid" and shop["resolved"]["yahoo_symbol"] == "SHOP.TO"
    assert shop["price"]["currency"] == "CAD"
    vod = mentions["VOD"]
    assert vod["status"] == "valid" and vod["price"]["currency"] == "GBp"
    assert vod["price"]["converted"]["currency"] == "GBP"
    assert document["meta"]["prices"] == "yfinance"


def test_upstream_down_answers_without_prices():
    with FakeYahoo() as fake:
        fake.mode = "down"
        services = build_services(Settings(market_data="yfinance", yahoo_base_url=fake.base_url))
        document = enrich(ARTICLE, services).to_dict()
    for mention in document["mentions"]:
        assert mention["price"] is None and mention["price_status"] == "unavailable"
    # Settled by the bundled FinanceDatabase TSX table, not by Yahoo (which is down).
    assert by_symbol(document)["SHOP"]["status"] == "valid"
    assert {e["source"] for e in by_symbol(document)["SHOP"]["evidence"]} == {"financedatabase"}


def test_a_slow_upstream_is_cut_at_the_deadline():
    with FakeYahoo() as fake:
        fake.delay_s = 2.0
        services = build_services(Settings(market_data="yfinance", yahoo_base_url=fake.base_url,
                                           price_deadline_ms=300))
        document = enrich(ARTICLE, services).to_dict()
    statuses = {m["price_status"] for m in document["mentions"]}
    assert statuses == {"unavailable"}
    assert all("within" in m["price_detail"] for m in document["mentions"])


def test_cli_text_with_prices_from_the_fake():
    with FakeYahoo() as fake:
        env = {**os.environ, "ENRICH_MARKET_DATA": "yfinance", "ENRICH_YAHOO_BASE_URL": fake.base_url}
        env.pop("REDIS_URL", None)
        result = subprocess.run([sys.executable, "-m", "enrich", "text", "-"], input=ARTICLE.encode(), cwd=ROOT,
                                env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    mentions = by_symbol(json.loads(result.stdout))
    assert mentions["MSFT"]["price"]["last"] > 0


def test_through_the_redis_cache_warm_then_redis_down(redis_server):
    import uuid

    from enrich.market.cache import QuoteCache
    from enrich.market.yahoo import YahooSource

    with FakeYahoo() as fake:
        settings = Settings(market_data="yfinance", yahoo_base_url=fake.base_url, redis_url=redis_server.url)
        services = build_services(settings)
        cache = QuoteCache(redis_server.url, YahooSource(base_url=fake.base_url), prefix=f"t:{uuid.uuid4().hex}:")
        services = services.__class__(settings, services.reference, services.refdata_versions, cache)
        cold = enrich(ARTICLE, services).to_dict()
        assert cache.drain(5)
        assert fake.count(QUOTE_PATH) == 1
        warm = enrich(ARTICLE, services).to_dict()
        assert fake.count(QUOTE_PATH) == 1, "a warm document costs no upstream request"
        assert [m["price"] for m in warm["mentions"]] == [
            {**m["price"], "age_s": w["price"]["age_s"]} if m["price"] else None
            for m, w in zip(cold["mentions"], warm["mentions"], strict=True)]
        redis_server.stop()
        down = enrich(ARTICLE, services).to_dict()
        assert fake.count(QUOTE_PATH) == 1, "a Redis outage never turns into upstream requests"
        assert {m["price_status"] for m in down["mentions"]} == {"unavailable"}
        assert by_symbol(down)["XIACY"]["status"] == "corrected", "verdicts do not need Redis"
        cache.close()


def test_concurrent_cold_processes_cause_one_upstream_request(redis_server):
    with FakeYahoo() as fake:
        fake.delay_s = 0.8
        env = {**os.environ, "ENRICH_MARKET_DATA": "yfinance", "ENRICH_YAHOO_BASE_URL": fake.base_url,
               "REDIS_URL": redis_server.url, "ENRICH_PRICE_DEADLINE_MS": "5000"}
        procs = [subprocess.Popen([sys.executable, "-m", "enrich", "text", "-"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
                 for _ in range(4)]
        outputs = [p.communicate(ARTICLE.encode(), timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), [err.decode()[-500:] for _, err in outputs]
        assert fake.count(QUOTE_PATH) == 1, "single flight across processes"
    for out, _ in outputs:
        assert by_symbol(json.loads(out))["MSFT"]["price"]["last"] > 0
