"""Prometheus metrics: requests, latency, the quote cache's counters and the reference data's versions.

Under gunicorn every worker writes its samples to PROMETHEUS_MULTIPROC_DIR (config/gunicorn.py sets it up) and a
scrape of any worker adds them all up; without that variable (tests, `flask run`) the process's own registry serves.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest as exposition
from prometheus_client.multiprocess import MultiProcessCollector

from enrich import __version__
from enrich.market.stats import COUNTERS
from enrich.web.openapi import Blueprint
from enrich.wiring import Services

REQUESTS = Counter("enrich_http_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram("enrich_http_request_duration_seconds", "Time to answer an HTTP request", ["route", "method"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
QUOTE_EVENTS = {name: Counter(f"enrich_quote_cache_{name}", f"Quote cache: {name.replace('_', ' ')}")
                for name in COUNTERS}
REFDATA = Gauge("enrich_refdata_info", "Loaded reference sources and their as-of dates (value 1)",
                ["source", "as_of"], multiprocess_mode="max")
BUILD = Gauge("enrich_build_info", "The service's version (value 1)", ["version"], multiprocess_mode="max")
SYNC_S = 0.25  # how often a request carries the quote cache's counters into Prometheus (a scrape always does)
_SYNC = "enrich.metrics.sync"  # the app's _CacheSync, in app.extensions, for the scrape
METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})

blp = Blueprint("metrics", __name__, description="Prometheus metrics")


class _CacheSync:
    """Carries the market adapter's per-process counters (MarketData.stats) into Prometheus counters."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.seen: dict[str, int] = {}
        self.last = 0.0

    def __call__(self, every_s: float = 0.0) -> None:
        """Carry the counters over (when `every_s` is given: only if the last carry is older than that)."""
        now = time.monotonic()
        if every_s and now - self.last < every_s and self.pid == os.getpid():
            return
        self.last = now
        with self.lock:
            if self.pid != os.getpid():  # a forked worker: its adapter's counters start at zero
                self.pid, self.seen = os.getpid(), {}
            now = self.services.market.stats()  # never builds the adapter (and imports no yfinance)
            for name, value in now.items():
                delta = value - self.seen.get(name, 0)
                if delta > 0 and name in QUOTE_EVENTS:
                    QUOTE_EVENTS[name].inc(delta)
            self.seen = now


@blp.route("/metrics")
@blp.doc(responses={"200": {"description": "Prometheus text format",
                            "content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics() -> Response:
    """Prometheus metrics of every worker."""
    sync = current_app.extensions.get(_SYNC)
    if sync is not None:
        sync()  # this process's quote counters as of now; other workers carry theirs at most SYNC_S after a request
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(exposition(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask, services: Services) -> None:
    """Count and time every request by route (not path: unknown paths share one label) and publish versions."""
    BUILD.labels(__version__).set(1)
    for source, as_of in services.refdata_versions.items():
        REFDATA.labels(source, as_of or "unknown").set(1)
    sync = _CacheSync(services)
    app.extensions[_SYNC] = sync
    counters: dict[tuple[str, str, int], Any] = {}  # each label set's child, made once (`labels()` locks)
    timers: dict[tuple[str, str], Any] = {}

    @app.after_request
    def _observe(response: Response) -> Response:
        asked = request._get_current_object()  # type: ignore[attr-defined]
        rule = asked.url_rule
        route = rule.rule if rule is not None else "<unmatched>"
        method = asked.method if asked.method in METHODS else "OTHER"
        status = response.status_code
        counter = counters.get((route, method, status))
        if counter is None:
            counter = counters[(route, method, status)] = REQUESTS.labels(route, method, str(status))
        counter.inc()
        timer = timers.get((route, method))
        if timer is None:
            timer = timers[(route, method)] = LATENCY.labels(route, method)
        timer.observe(time.perf_counter() - g.started)
        sync(SYNC_S)
        return response
