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
    assert by_symbol(document)["SHOP"]["status"] == "unverified"


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
