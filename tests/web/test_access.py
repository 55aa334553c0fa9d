"""API keys, the Redis rate limit (real Redis), its failing open, and CORS."""

from __future__ import annotations

import uuid

import pytest

from enrich.web import keys
from tests.web.conftest import make_app

KEY_A, KEY_B, REVOKED = "enr_alpha-key", "enr_beta-key", "enr_revoked-key"


@pytest.fixture(scope="module")
def keyed():
    """An app that accepts KEY_A and KEY_B (REVOKED was dropped from ENRICH_API_KEYS)."""
    return make_app(api_keys=(keys.digest(KEY_A), keys.digest(KEY_B))).test_client()


def test_keys_are_stored_as_digests_and_made_by_the_cli():
    key, digest = keys.new_key()
    assert len(digest) == 64 and keys.digest(key) == digest and key not in digest
    assert keys.match(key, ["0" * 64, digest]) == digest and keys.match("other", [digest]) is None


def test_v1_needs_a_known_key(keyed):
    missing = keyed.get("/v1/tickers/MSFT?prices=false")
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    revoked = keyed.get("/v1/tickers/MSFT?prices=false", headers={"X-API-Key": REVOKED})
    assert revoked.status_code == 401 and revoked.get_json()["error"]["message"] == "unknown API key"
    assert keyed.get("/v1/tickers/MSFT?prices=false", headers={"Authorization": "Basic " + KEY_A}).status_code == 401


def test_each_key_works_by_header_or_bearer(keyed):
    assert keyed.get("/v1/tickers/MSFT?prices=false", headers={"X-API-Key": KEY_A}).status_code == 200
    assert keyed.post("/v1/enrich", json={"text": "x"}, headers={"Authorization": f"Bearer {KEY_B}"}
                      ).status_code == 200


def test_probes_docs_and_preflights_need_no_key(keyed):
    for url in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        assert keyed.get(url).status_code == 200, url
    assert keyed.options("/v1/enrich").status_code == 200
    spec = keyed.get("/openapi.json").get_json()
    assert set(spec["components"]["securitySchemes"]) == {"ApiKey", "Bearer"}


def test_no_keys_configured_means_no_key_needed(client):
    assert client.get("/v1/tickers/MSFT?prices=false").status_code == 200


def test_the_limit_is_per_key_and_answers_429_with_retry_after(redis_url):
    key_a, key_b = keys.new_key()[0], keys.new_key()[0]  # fresh keys: a shared Redis holds no earlier counts
    client = make_app(redis_url=redis_url, rate_limit=(3, 60),
                      api_keys=(keys.digest(key_a), keys.digest(key_b))).test_client()
    headers_a = {"X-API-Key": key_a}
    answers = [client.get("/v1/tickers/MSFT?prices=false", headers=headers_a) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    throttled = answers[3]
    assert throttled.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    # Another key has its own window; probes are never limited.
    assert client.get("/v1/tickers/MSFT?prices=false", headers={"X-API-Key": key_b}).status_code == 200
    assert client.get("/healthz").status_code == 200
    # The count lives in Redis: a second app (another worker, another host) sees the same window.
    other = make_app(redis_url=redis_url, rate_limit=(3, 60), api_keys=(keys.digest(key_a),)).test_client()
    assert other.get("/v1/tickers/MSFT?prices=false", headers=headers_a).status_code == 429


def test_without_keys_the_limit_is_per_client_address(redis_url):
    client = make_app(redis_url=redis_url, rate_limit=(2, 60)).test_client()
    address = {"REMOTE_ADDR": f"127.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    codes = [client.post("/v1/enrich", json={"text": "x"}, environ_overrides=address).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_limiter_fails_open_when_redis_is_down(redis_server, caplog):
    client = make_app(redis_url=redis_server.url, rate_limit=(1, 60)).test_client()
    assert client.get("/v1/tickers/MSFT?prices=false").status_code == 200
    assert client.get("/v1/tickers/MSFT?prices=false").status_code == 429
    redis_server.stop()
    with caplog.at_level("WARNING", logger="enrich.web.store"):
        codes = {client.get("/v1/tickers/MSFT?prices=false").status_code for _ in range(3)}
    assert codes == {200}
    assert any("Redis unavailable" in r.getMessage() for r in caplog.records), "the outage is logged"


def test_cors_is_off_unless_configured(client):
    response = client.get("/healthz", headers={"Origin": "https://news.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_answers_listed_origins_and_their_preflights():
    client = make_app(cors_origins=("https://news.example",)).test_client()
    allowed = client.get("/healthz", headers={"Origin": "https://news.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/v1/enrich", headers={"Origin": "https://news.example",
                                                      "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "content-type,x-api-key"})
    assert preflight.status_code == 200 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "X-API-Key" in preflight.headers["Access-Control-Allow-Headers"]


def test_cors_wildcard():
    client = make_app(cors_origins=("*",)).test_client()
    assert client.get("/healthz", headers={"Origin": "https://a.example"}).headers[
        "Access-Control-Allow-Origin"] == "*"
