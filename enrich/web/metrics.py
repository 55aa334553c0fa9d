"""Prometheus metrics: requests, latency, the quote cache's counters and the reference data's versions.

Under gunicorn every worker writes its samples to PROMETHEUS_MULTIPROC_DIR (config/gunicorn.py sets it up) and a
scrape of any worker adds them all up; without that variable (tests, `flask run`) the process's own registry serves.
"""

from __future__ import annotations

import atexit
import bisect
import logging
import math
import os
import threading
import time
import weakref

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest as exposition
from prometheus_client.multiprocess import MultiProcessCollector

from config.logging import process_id
from enrich import __version__
from enrich.market.stats import COUNTERS
from enrich.web.openapi import Blueprint
from enrich.wiring import Services

log = logging.getLogger(__name__)
REQUESTS = Counter("enrich_http_requests", "HTTP requests answered", ["route", "method", "status"])
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENCY = Histogram("enrich_http_request_duration_seconds", "Time to answer an HTTP request", ["route", "method"],
                    buckets=BUCKETS)
QUOTE_EVENTS = {name: Counter(f"enrich_quote_cache_{name}", f"Quote cache: {name.replace('_', ' ')}")
                for name in COUNTERS}
REFDATA = Gauge("enrich_refdata_info", "Loaded reference sources and their as-of dates (value 1)",
                ["source", "as_of"], multiprocess_mode="max")
BUILD = Gauge("enrich_build_info", "The service's version (value 1)", ["version"], multiprocess_mode="max")
_BOUNDS = (*BUCKETS, math.inf)  # the histogram's bucket bounds, +Inf last as Prometheus adds it
SYNC_S = 0.25  # how often this process's counts are carried into Prometheus (a scrape carries them at once)
_CARRIER = "enrich.metrics.carrier"  # the app's _Carrier, in app.extensions, for the scrape
METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})

blp = Blueprint("metrics", __name__, description="Prometheus metrics")


class _Carrier:
    """What this process counted, carried into Prometheus every SYNC_S by one daemon thread per process (and by every
    scrape): the requests answered and their times, tallied in plain dicts (in multiprocess mode each Prometheus
    change takes a lock and writes a memory-mapped file, three per request), and the quote cache's own counters
    (MarketData.stats). A scrape of another worker sees this one's requests at most SYNC_S late."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.lock = threading.Lock()
        self.pid = process_id()
        self.seen: dict[str, int] = {}
        self.counts: dict[tuple[str, str, int], int] = {}
        self.times: dict[tuple[str, str], list[float]] = {}  # [sum, count per bucket...]
        _carriers.add(self)

    def add(self, route: str, method: str, status: int, seconds: float) -> None:
        slot = bisect.bisect_left(_BOUNDS, seconds)  # Prometheus' bucket: the first bound at or above the time
        with self.lock:
            if self.pid != process_id():
                self._forked()
            key = (route, method, status)
            self.counts[key] = self.counts.get(key, 0) + 1
            times = self.times.get((route, method))
            if times is None:
                times = self.times[(route, method)] = [0.0] * (len(_BOUNDS) + 1)
            times[0] += seconds
            times[slot + 1] += 1
        _carrying()

    def _forked(self) -> None:
        """A forked worker: the parent's tallies are the parent's; the adapter's counters start at zero."""
        self.pid, self.seen, self.counts, self.times = process_id(), {}, {}, {}

    def carry(self) -> None:
        with self.lock:
            if self.pid != process_id():
                self._forked()
            now = self.services.market.stats()  # never builds the adapter (and imports no yfinance)
            for name, value in now.items():
                delta = value - self.seen.get(name, 0)
                if delta > 0 and name in QUOTE_EVENTS:
                    QUOTE_EVENTS[name].inc(delta)
            self.seen = now
            counts, times, self.counts, self.times = self.counts, self.times, {}, {}
            for (route, method, status), number in counts.items():
                REQUESTS.labels(route, method, str(status)).inc(number)
            for (route, method), (total, *buckets) in times.items():
                child = LATENCY.labels(route, method)
                child._sum.inc(total)  # what Histogram.observe does, once for many  # noqa: SLF001
                for slot, number in enumerate(buckets):
                    if number:
                        child._buckets[slot].inc(number)  # noqa: SLF001


_carriers: weakref.WeakSet[_Carrier] = weakref.WeakSet()  # every app's (a test process makes many)
_thread: list[int] = [0]  # the pid whose carrying thread runs


def _carrying() -> None:
    """Start this process's carrying thread (once per process: a forked worker starts its own)."""
    if _thread[0] != process_id():
        with _thread_lock:
            if _thread[0] != process_id():
                _thread[0] = process_id()
                threading.Thread(target=_carry_forever, daemon=True, name="metrics-carry").start()


def _carry_forever() -> None:
    while True:
        time.sleep(SYNC_S)
        carry_all()


def carry_all() -> None:
    """Carry every app's counts now (also at exit: a worker stopped gracefully writes its last ones). A failure is
    logged and the thread goes on: the next carry tries again."""
    for carrier in list(_carriers):
        try:
            carrier.carry()
        except Exception:  # a metrics file that can't be written must not stop the counting
            log.exception("carrying metrics into Prometheus failed")


_thread_lock = threading.Lock()
atexit.register(carry_all)


@blp.route("/metrics")
@blp.doc(responses={"200": {"description": "Prometheus text format",
                            "content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics() -> Response:
    """Prometheus metrics of every worker."""
    carrier = current_app.extensions.get(_CARRIER)
    if carrier is not None:
        carrier.carry()  # this process's counts as of now; other workers carry theirs every SYNC_S
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
    carrier = app.extensions[_CARRIER] = _Carrier(services)

    @app.after_request
    def _observe(response: Response) -> Response:
        asked = request._get_current_object()  # type: ignore[attr-defined]
        rule = asked.url_rule
        carrier.add(rule.rule if rule is not None else "<unmatched>", asked.method if asked.method in METHODS
                    else "OTHER", response.status_code, time.perf_counter() - g._get_current_object().started)
        return response
