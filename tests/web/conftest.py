"""An app per test, offline unless a test says otherwise; its test client speaks JSON."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.settings import Settings
from enrich.web import create_app
from tests.redis_server import free_port

ARTICLE = ("Chinese tech giants like Xiaomi (NASDAQ: XIACY), Huawei. meta (NASDAQ: Meta) and Microsoft "
           "(Nasdaq: MSFT) struggled; Shopify (TSX: SHOP) and Vodafone (LSE: VOD) rose.")
OFFLINE = Settings(market_data="offline")


def make_app(**changes):
    """An app with the offline settings changed as given."""
    return create_app(dataclasses.replace(OFFLINE, **changes))


@pytest.fixture(scope="module")
def app():
    """One offline app for a module's read-only tests (the index loads once)."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def by_symbol(document):
    """Mentions keyed by the symbol as written."""
    return {m["claimed"]["symbol"]: m for m in document["mentions"]}


@contextlib.contextmanager
def gunicorn(log: Path, workers: int, threads: int, **extra: str):
    """`python -m enrich serve` on a free loopback port, offline; yields (process, base URL, port), then SIGTERM."""
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers),
           "ENRICH_WEB_THREADS": str(threads), "ENRICH_MARKET_DATA": "offline"}
    for name in ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "GUNICORN_CMD_ARGS", "ENRICH_API_KEYS", "ENRICH_RATE_LIMIT"):
        env.pop(name, None)
    env.update(extra)  # after the removals: a test may set any of them
    with open(log, "wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "enrich", "serve"], cwd=Path(__file__).resolve().parents[2],
                                   env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield process, base, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
