"""Degraded modes over HTTP: Redis or Yahoo down costs prices (and readiness), never an answer."""

from __future__ import annotations

import re

from config.settings import Settings
from enrich.web import create_app
from tests.market.fake_yahoo import QUOTE_PATH, FakeYahoo
from tests.web.conftest import ARTICLE, by_symbol


def metric(client, name):
    """The value of enrich_quote_cache_<name>_total on /metrics."""
    text = client.get("/metrics").get_data(as_text=True)
    return float(re.search(rf"^enrich_quote_cache_{name}_total (\S+)$", text, re.M).group(1))


def test_redis_stopped_mid_test_enrich_still_answers_and_readyz_says_503(redis_server):
    with FakeYahoo() as fake:
        app = create_app(Settings(market_data="yfinance", yahoo_base_url=fake.base_url, redis_url=redis_server.url,
                                  price_deadline_ms=3000))
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        before = {name: metric(client, name) for name in ("misses", "upstream_calls", "cache_errors")}
        warm = client.post("/v1/enrich", json={"text": ARTICLE})
        assert warm.status_code == 200
        assert by_symbol(warm.get_json())["MSFT"]["price"]["last"] > 0
        assert fake.count(QUOTE_PATH) == 1
        assert metric(client, "misses") - before["misses"] == 5, "five cold listings, from the cache's own counters"
        assert metric(client, "upstream_calls") - before["upstream_calls"] == 1

        redis_server.stop()
        down = client.post("/v1/enrich", json={"text": ARTICLE})
        assert down.status_code == 200
        mentions = down.get_json()["mentions"]
        assert mentions and all(m["price"] is None and m["price_status"] == "unavailable" for m in mentions)
        assert by_symbol(down.get_json())["XIACY"]["status"] == "corrected", "verdicts need no Redis"
        assert fake.count(QUOTE_PATH) == 1, "no stampede on Yahoo while the cache is down"
        ticker = client.get("/v1/tickers/MSFT")
        assert ticker.status_code == 200 and ticker.get_json()["price"] is None

        ready = client.get("/readyz")
        assert ready.status_code == 503
        error = ready.get_json()["error"]
        assert error["code"] == "not_ready" and error["details"]["redis"] == {"ok": False, "detail": "unreachable"}
        assert client.get("/healthz").status_code == 200, "alive, just not ready"
        assert metric(client, "cache_errors") > before["cache_errors"]

        redis_server.start()
        assert client.get("/readyz").status_code == 200, "ready again once Redis is back"
        app.extensions["enrich"].services.market.get().close()


def test_yahoo_down_answers_without_prices_within_the_deadline():
    with FakeYahoo() as fake:
        fake.mode = "down"
        client = create_app(Settings(market_data="yfinance", yahoo_base_url=fake.base_url)).test_client()
        response = client.post("/v1/enrich", json={"text": ARTICLE})
    assert response.status_code == 200
    assert {m["price_status"] for m in response.get_json()["mentions"]} == {"unavailable"}


def test_yahoo_throttling_is_reported_per_mention():
    with FakeYahoo() as fake:
        fake.mode = "429"
        client = create_app(Settings(market_data="yfinance", yahoo_base_url=fake.base_url)).test_client()
        response = client.get("/v1/tickers/MSFT")
    assert response.status_code == 200
    assert response.get_json()["price"] is None and response.get_json()["price_status"] == "rate_limited"
