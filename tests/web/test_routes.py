"""A round trip through every route of the API."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.conftest import ARTICLE, by_symbol

ROOT = Path(__file__).resolve().parents[2]


def test_enrich_returns_the_same_document_as_the_use_case(client, app):
    from enrich.service import enrich

    response = client.post("/v1/enrich", json={"text": ARTICLE, "as_of": "2026-11-27", "prices": False})
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    services = app.extensions["enrich"].services
    assert document == enrich(ARTICLE, services, as_of="2026-11-27", prices=False).to_dict()
    mentions = by_symbol(document)
    assert mentions["XIACY"]["status"] == "corrected" and mentions["XIACY"]["resolved"]["exchange"] == "OTC"
    assert mentions["Meta"]["resolved"]["symbol"] == "META"
    assert mentions["MSFT"]["status"] == "valid" and mentions["MSFT"]["price_status"] == "disabled"
    assert document["meta"]["as_of"] == "2026-11-27" and document["meta"]["prices"] == "disabled"
    assert list(document["mentions"][0])[:3] == ["span", "text", "claimed"], "fields keep the service's order"


@pytest.mark.parametrize("names", [True, False, None])
def test_enrich_lists_companies_only_when_asked(client, app, names):
    from enrich.service import enrich

    text = "Chinese tech giants Baidu and Tencent. Microsoft (Nasdaq: MSFT) rose."
    body = {"text": text, "prices": False, **({} if names is None else {"names": names})}
    response = client.post("/v1/enrich", json=body)
    assert response.status_code == 200
    document = response.get_json()
    services = app.extensions["enrich"].services
    assert document == enrich(text, services, prices=False, names=bool(names)).to_dict()
    assert ("companies" in document) is bool(names)
    if names:
        assert isinstance(document["companies"], list)
        assert all(text[c["span"][0]:c["span"][1]] == c["text"] for c in document["companies"])


def test_the_documented_answer_takes_company_mentions():
    from enrich.domain.model import CompanyListing, CompanyMention, Enrichment, Evidence
    from enrich.web.schemas import EnrichmentSchema

    text = "Chinese tech giants Baidu and Tencent."
    listing = CompanyListing("BIDU", "NASDAQ", "XNAS", "BIDU", "Baidu, Inc.")
    companies = [CompanyMention((20, 25), "Baidu", listing, 0.9, False, (Evidence("name-index", "2026-01-01", "x"),),
                                ((20, 25), "Baidu (NASDAQ: BIDU)")),
                 CompanyMention((20, 25), "Baidu", CompanyListing("BIDU", "NASDAQ", "XNAS", "BIDU", None), 0.5, True)]
    document = Enrichment(text=text, mentions=[], meta={"version": "x", "as_of": None, "counts": {}, "prices": "x",
                                                        "refdata": {}}, companies=companies).to_dict()
    assert EnrichmentSchema().validate(document) == {}
    assert document["companies"][0]["suggestion"] == {"span": [20, 25], "text": "Baidu (NASDAQ: BIDU)"}
    assert "suggestion" not in document["companies"][1]
    document["companies"][1]["extra"] = 1
    assert EnrichmentSchema().validate(document) == {"companies": {1: {"extra": ["Unknown field."]}}}


def test_enrich_defaults_to_prices_from_the_configured_source(client):
    document = client.post("/v1/enrich", json={"text": "Microsoft (Nasdaq: MSFT)"}).get_json()
    assert document["meta"]["prices"] == "offline" and document["meta"]["as_of"] is None


def test_enrich_accepts_an_article_without_tags(client):
    response = client.post("/v1/enrich", json={"text": ""})
    assert response.status_code == 200 and response.get_json()["mentions"] == []


def test_ticker_with_an_exchange(client):
    response = client.get("/v1/tickers/Meta?exchange=Nasdaq GS&prices=false")
    assert response.status_code == 200
    body = response.get_json()
    assert body["claimed"] == {"exchange": "NASDAQ", "mic": "XNAS", "symbol": "Meta"}
    assert body["status"] == "corrected" and body["resolved"]["symbol"] == "META"
    assert body["corrections"][0]["field"] == "symbol"
    assert body["price"] is None and body["price_status"] == "disabled"
    assert body["meta"]["exchange_from"] == "request" and body["meta"]["prices"] == "disabled"
    assert not {"span", "text", "company", "fix"} & set(body)


def test_ticker_without_an_exchange_takes_the_best_listing_us_first(client):
    body = client.get("/v1/tickers/VOD").get_json()  # NASDAQ (SEC) and LSE (pytickersymbols)
    assert body["claimed"]["exchange"] == "NASDAQ" and body["status"] == "valid"
    assert body["meta"]["exchange_from"] == "reference"
    assert client.get("/v1/tickers/BRK.B").get_json()["resolved"]["yahoo_symbol"] == "BRK-B"


def test_ticker_of_a_foreign_otc_shape_goes_to_otc(client):
    body = client.get("/v1/tickers/XIACY").get_json()
    assert body["claimed"]["exchange"] == "OTC" and body["meta"]["exchange_from"] == "symbol shape"


def test_ticker_on_a_venue_a_partial_list_covers(client):
    body = client.get("/v1/tickers/1810?exchange=HKEX&as_of=2026-01-05").get_json()
    assert body["status"] == "valid" and body["resolved"]["yahoo_symbol"] == "1810.HK"
    assert body["resolved"]["name"] == "Xiaomi Corporation"
    assert body["evidence"][0]["source"] == "financedatabase"
    assert body["meta"]["as_of"] == "2026-01-05"


def test_ticker_outside_the_references_on_a_venue_they_do_not_cover_completely(client):
    # Torr Metals (TSXV: TMET), tagged in the archive's releases, is not in FinanceDatabase's partial TSXV table.
    body = client.get("/v1/tickers/TMET?exchange=TSXV&as_of=2025-08-05").get_json()
    assert body["status"] == "unverified" and body["resolved"]["yahoo_symbol"] == "TMET.V"


def test_ticker_nobody_lists_is_404_with_a_hint(client):
    response = client.get("/v1/tickers/QQQQZ1")
    assert response.status_code == 404
    assert "?exchange=" in response.get_json()["error"]["message"]


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.get_json()["checks"]
    assert checks["refdata"]["ok"] and re.match(r"\d{4}-\d\d-\d\d", checks["refdata"]["as_of"]["sec-company-tickers"])
    assert checks["redis"] == {"ok": True, "detail": "not configured (REDIS_URL unset)"}


def test_metrics_count_requests_by_route_and_publish_versions(client):
    client.get("/healthz")
    client.get("/v1/tickers/MSFT?prices=false")
    client.get("/no/such/path/12345")
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'enrich_http_requests_total\{method="GET",route="/healthz",status="200"\} \d', text)
    assert 'route="/v1/tickers/<symbol>"' in text
    assert 'route="<unmatched>",status="404"' in text and "/no/such/path" not in text
    assert "enrich_http_request_duration_seconds_bucket" in text
    assert 'enrich_refdata_info{as_of="' in text and "enrich_build_info" in text
    assert "enrich_quote_cache_hits_total" in text and "enrich_quote_cache_upstream_failures_total" in text


def test_requests_are_tallied_and_carried_exactly(client):
    # Requests are tallied in the process and carried into Prometheus in batches (enrich/web/metrics.py): the
    # counter, the histogram's count, sum and cumulative buckets must come out as observing each one would.
    def sample(text: str, name: str, labels: str) -> float:
        found = re.search(rf"^{name}\{{{labels}\}} (\S+)$", text, re.M)
        return float(found.group(1)) if found else 0.0

    from enrich.web.metrics import carry_all

    labels = 'method="GET",route="/healthz"'
    carry_all()  # other apps' tallies (earlier tests) are carried now, not between the two scrapes
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(7):
        client.get("/healthz")
    after = client.get("/metrics").get_data(as_text=True)

    def delta(name: str, these: str = labels) -> float:
        return sample(after, name, these) - sample(before, name, these)

    assert delta("enrich_http_requests_total", labels + ',status="200"') == 7
    assert delta("enrich_http_request_duration_seconds_count") == 7
    assert delta("enrich_http_request_duration_seconds_bucket", 'le="\\+Inf",' + labels) == 7
    assert 0 < delta("enrich_http_request_duration_seconds_sum") < 7 * 10
    buckets = [sample(after, "enrich_http_request_duration_seconds_bucket", f'le="{bound}",{labels}')
               for bound in ("0\\.001", "0\\.01", "0\\.1", "1\\.0", "10\\.0", "\\+Inf")]
    assert buckets == sorted(buckets) and buckets[-1] >= 7, "cumulative, as Prometheus reads them"


def test_counts_not_yet_carried_are_written_at_exit():
    # A worker stopped gracefully runs its atexit handlers: what it tallied since the last carry is written then.
    # Handlers run last-registered first, so the check is registered before enrich.web.metrics registers its own.
    code = """
import atexit, os, re
os.environ["ENRICH_MARKET_DATA"] = "offline"

def written():
    from prometheus_client import REGISTRY, generate_latest
    found = re.search(r'enrich_http_requests_total[{]method="GET",route="/exit-test",status="200"[}] (\\S+)',
                      generate_latest(REGISTRY).decode())
    print(found.group(1) if found else "none")

atexit.register(written)
from enrich.web import metrics
from enrich.wiring import build_services
carrier = metrics._Carrier(build_services())
carrier.add("/exit-test", "GET", 200, 0.002)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0"


def test_a_failed_carry_is_logged_and_its_counts_wait_for_the_next(caplog):
    from types import SimpleNamespace

    from prometheus_client import REGISTRY

    from enrich.web import metrics

    def broken() -> dict:
        raise OSError("no space left on device")

    carrier = metrics._Carrier(SimpleNamespace(market=SimpleNamespace(stats=broken)))
    carrier.add("/carry-test", "GET", 200, 0.001)
    with caplog.at_level("ERROR", logger="enrich.web.metrics"):
        metrics.carry_all()  # the carrying thread's step: it must not raise, or the thread would end
    assert "carrying metrics into Prometheus failed" in caplog.text
    labels = {"route": "/carry-test", "method": "GET", "status": "200"}
    assert REGISTRY.get_sample_value("enrich_http_requests_total", labels) is None
    carrier.services = SimpleNamespace(market=SimpleNamespace(stats=dict))
    metrics.carry_all()
    assert REGISTRY.get_sample_value("enrich_http_requests_total", labels) == 1


def test_openapi_document_and_offline_docs(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and {"/v1/enrich", "/v1/tickers/{symbol}", "/healthz", "/readyz",
                                                  "/metrics"} <= set(spec["paths"])
    assert spec["components"]["schemas"]["EnrichRequest"]["required"] == ["text"]
    assert spec["components"]["schemas"]["Error"]["properties"]["error"]
    page = client.get("/docs").get_data(as_text=True)
    assert "/openapi.json" in page and "http://" not in page and "https://" not in page, "no CDN"
    for asset in re.findall(r'(?:href|src)="([^"]+)"', page):
        with client.get("/" + asset) as response:
            assert response.status_code == 200 and len(response.data) > 1000, asset


def test_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "req-42.a:b"}).headers["X-Request-ID"] == "req-42.a:b"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz", headers={"X-Request-ID": "x" * 500}).headers["X-Request-ID"] != "x" * 500
    assert client.get("/nope").headers["X-Request-ID"], "errors carry one too"
