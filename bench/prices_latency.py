"""Section 1 of bench/prices.py: enrich() on one article offline, warm, cold and past the deadline."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.common import median, met
from bench.recorder import Measured, Recorder, ms, p95, priced, show_stats, stats_delta

WARM_TARGET_MS = 2.0  # warm enrichment within 2 ms of the offline figure
DEADLINE_MARGIN_MS = 50.0  # "never waits past its deadline": the price call may overrun by this much (scheduling)

# A ~3 KB article with ten tags on eight venues; every listing is in the fake Yahoo's recorded fixture.
ARTICLE = """\
Global tech and resources stocks: a week of earnings, supply deals and index moves

NEW YORK, November 27, 2026 -- Large technology names set the tone for the week. Microsoft Corporation
(Nasdaq: MSFT) closed higher after its cloud division reported a fourth consecutive quarter of accelerating
growth, and management said capital spending on data centres would rise again next year. Meta Platforms, Inc.
(NASDAQ: META) followed, helped by advertising revenue that beat estimates in every region and by a smaller
than expected loss in its hardware unit. Analysts at several brokers raised their price targets on both.

Quantum computing shares were among the most active. IonQ, Inc. (NYSE: IONQ) announced a multi-year supply
agreement with a European research consortium and said its next-generation system would ship in the first
half of the coming year. The company reiterated its revenue guidance and said it had no plans to raise equity.

In consumer electronics, Xiaomi Corporation (HKEX: 1810) reported record smartphone shipments and a sharp
rise in sales of its electric vehicles. Its American depositary receipts (NASDAQ: XIACY) tracked the Hong
Kong shares. The company said margins in its internet services business were stable and that it would keep
investing in its own chips. Toyota Motor Corporation (TYO: 7203) raised its full-year operating profit forecast
on a weaker yen and steady hybrid demand, while warning that tariffs would cost it more than expected.

North American e-commerce held up as well. Shopify Inc. (TSX: SHOP) said merchants processed record volumes
over the holiday weekend, with cross-border orders growing fastest. In London, Vodafone Group Plc (LSE: VOD)
confirmed its dividend and said the integration of its UK merger was ahead of plan, with the first network
savings already visible in its cost base.

Resources were mixed. BHP Group Limited (ASX: BHP) said iron ore shipments were in line with guidance and
that copper output from its South American mines rose for a third quarter, though it flagged higher energy
costs at its Australian operations. Berkshire Hathaway Inc. (NYSE: BRK.B) was little changed after its
quarterly filing showed another quarter of net equity sales and a record cash position.

"Investors are paying for visible earnings growth and punishing uncertainty," said a portfolio manager at a
New York asset manager who asked not to be named. "The gap between companies with pricing power and the rest
has rarely been wider." Trading volumes were below average ahead of the holiday, and several markets closed
early. Currency moves added to the dispersion: the yen's weakness lifted Japanese exporters, while a firmer
pound weighed on London-listed companies that report in dollars. Bond yields were little changed.

About this report: prices are indicative and may be delayed. Nothing in this article is investment advice.
"""


def redis_client(url: str) -> Any:
    """A client set up like QuoteCache's own (short timeouts, one quick retry)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25, health_check_interval=15,
                                retry=Retry(NoBackoff(), 1))


def connected(url: str) -> Callable[[], Any]:
    """A client factory for QuoteCache whose client has already connected (so its setup is not timed)."""
    client = redis_client(url)
    client.ping()
    return lambda: client


def delete_prefix(url: str, prefix: str) -> int:
    """Delete our keys (and only ours); how many there were."""
    import redis

    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
    return len(keys)


@dataclasses.dataclass
class Setup:
    """What every scenario uses: offline and yfinance services, Redis, our key prefix, the fake and its source."""

    base: Any
    yf: Any
    url: str
    prefix: str
    fake: Any
    source: Any
    args: argparse.Namespace

    def quote_requests(self) -> int:
        from tests.market.fake_yahoo import QUOTE_PATH

        return self.fake.count(QUOTE_PATH)

    def cache(self, name: str, url: Any = None) -> Any:
        """A QuoteCache on the benchmark's Redis under our prefix + `name`."""
        from enrich.market.cache import QuoteCache

        return QuoteCache(url or self.url, self.source, prefix=f"{self.prefix}{name}:")


def bench_latency(base: Any, yf: Any, url: str, prefix: str, fake: Any, args: argparse.Namespace) -> None:
    """Offline, warm, cold and cold-past-the-deadline enrichment of ARTICLE; medians, p95 and the targets."""
    from enrich.market.yahoo import YahooSource
    from enrich.service import enrich

    # One YahooSource per process, as in the service: cookie and crumb once.
    b = Setup(base, yf, url, prefix, fake, YahooSource(base_url=fake.base_url), args)
    offline_market = Recorder(base.market)
    offline = dataclasses.replace(base, market=offline_market)
    probe = enrich(ARTICLE, offline)
    wanted = sorted({m.verdict.resolved.yahoo_symbol for m in probe.mentions if m.verdict.resolved})
    print(f"  article: {len(ARTICLE.encode())} bytes, {len(probe.mentions)} tags, {len(wanted)} Yahoo symbols: "
          + " ".join(wanted))
    fake.delay_s = args.delay

    warm_cache = b.cache("warm")
    warm_market = Recorder(warm_cache)
    warm_services = dataclasses.replace(yf, market=warm_market)
    times, warm = offline_and_warm(b, offline, offline_market, warm_services, warm_market, warm_cache)
    cold = cold_symbols(b, warm_services, warm_market, warm_cache)
    fresh = cold_caches(b)
    slow, after, drained, drain_s = past_deadline(b)
    fake.delay_s = args.delay
    warm_cache.close()
    report(args, times, offline_market.seconds, warm, cold, fresh, slow, after, drained, drain_s)


def offline_and_warm(b: Setup, offline: Any, offline_market: Recorder, warm_services: Any, warm_market: Recorder,
                     warm_cache: Any) -> tuple[dict[str, list[float]], Measured]:
    """(a) offline and (b) warm (every quote in Redis), interleaved so that machine noise hits both alike."""
    from enrich.service import enrich

    first = enrich(ARTICLE, warm_services)  # primes the cache (and the cookie, crumb and connections)
    warm_cache.drain()
    ok, resolved, _ = priced(first)
    requests_before = b.quote_requests()
    stats_before = warm_cache.stats()
    offline_market.seconds.clear()
    warm_market.seconds.clear()
    runs = {"offline": Measured(), "warm": Measured()}
    gc.collect()
    for _ in range(b.args.iterations):
        for name, services, market in (("offline", offline, offline_market), ("warm", warm_services, warm_market)):
            runs[name].enrich(ARTICLE, services, market)
    times, warm = {name: run.times for name, run in runs.items()}, runs["warm"]
    warm.calls = list(warm_market.seconds)  # every quotes() call of the loop
    warm.requests = b.quote_requests() - requests_before
    warm.stats = stats_delta(warm_cache.stats(), stats_before)
    print(f"  priming call: {ok} of {resolved} resolved mentions priced; warm loop: price statuses "
          f"{dict(warm.statuses)}, {warm.requests} upstream requests; cache: {show_stats(warm.stats)}")
    return times, warm


def cold_symbols(b: Setup, warm_services: Any, warm_market: Recorder, warm_cache: Any) -> Measured:
    """(c) cold symbols in a warm process: the same cache, our article keys deleted before each call."""
    cold = Measured()
    requests_before = b.quote_requests()
    stats_before = warm_cache.stats()
    for _ in range(b.args.cold_iterations):
        warm_cache.drain()
        delete_prefix(b.url, b.prefix + "warm:")
        warm_market.seconds.clear()
        cold.enrich(ARTICLE, warm_services, warm_market)
    warm_cache.drain()
    cold.requests = b.quote_requests() - requests_before
    cold.stats = stats_delta(warm_cache.stats(), stats_before)
    return cold


def cold_caches(b: Setup) -> Measured:
    """(c') cold cache object: a new QuoteCache (own prefix, Redis connection, fetch thread) per call."""
    fresh = Measured()
    requests_before = b.quote_requests()
    stats: Counter[str] = Counter()
    for i in range(b.args.cold_iterations):
        cache = b.cache(f"cold{i}", connected(b.url))
        market = Recorder(cache)
        fresh.enrich(ARTICLE, dataclasses.replace(b.yf, market=market), market)
        cache.close()
        stats.update(cache.stats())
    fresh.requests = b.quote_requests() - requests_before
    fresh.stats = stats
    return fresh


def past_deadline(b: Setup) -> tuple[Measured, Measured, list[bool], float]:
    """(d) an upstream slower than the deadline: each call is cut at the deadline; the fetch goes on. Then (d'):
    drain() every cache and call again, which must be warm. Returns d, d', what drained and drain()'s seconds."""
    b.fake.delay_s = b.args.slow_delay
    slow, after = Measured(), Measured()
    caches = []
    requests_before = b.quote_requests()
    for i in range(b.args.slow_iterations):
        cache = b.cache(f"slow{i}", connected(b.url))
        market = Recorder(cache)
        services = dataclasses.replace(b.yf, market=market)
        slow.enrich(ARTICLE, services, market)
        caches.append((cache, market, services))
    returned = time.perf_counter()
    drained = [cache.drain(timeout=b.args.slow_delay + 10) for cache, _, _ in caches]
    drain_s = time.perf_counter() - returned
    slow.requests = b.quote_requests() - requests_before
    stats: Counter[str] = Counter()
    for cache, market, services in caches:
        after.enrich(ARTICLE, services, market)
        stats.update(cache.stats())
        cache.close()
    after.requests = b.quote_requests() - requests_before - slow.requests
    slow.stats = stats
    return slow, after, drained, drain_s


def report(args: argparse.Namespace, times: dict[str, list[float]], offline_calls: list[float], warm: Measured,
           cold: Measured, fresh: Measured, slow: Measured, after: Measured, drained: list[bool], drain_s: float
           ) -> None:
    """The table of every scenario, then each one's upstream requests, statuses and cache counters."""
    n, c, s = args.iterations, args.cold_iterations, args.slow_iterations
    print()
    print(f"  {'enrich(article), ms':58} {'runs':>5} {'median':>8} {'p95':>8} {'max':>8}  of which quotes() median")
    rows = [
        ("a. offline (Settings(market_data='offline'))", times["offline"], offline_calls),
        ("b. warm (QuoteCache hit on every symbol)", times["warm"], warm.calls),
        (f"c. cold symbols, warm process (upstream {args.delay:g} s)", cold.times, cold.calls),
        (f"c'. cold cache object: new QuoteCache per call ({args.delay:g} s)", fresh.times, fresh.calls),
        (f"d. cold, upstream {args.slow_delay:g} s > deadline {args.deadline_ms} ms", slow.times, slow.calls),
        ("d'. the call after d's fetch was drained", after.times, after.calls),
    ]
    for label, values, calls in rows:
        print(f"  {label:58} {len(values):5} {ms(median(values)):8.2f} {ms(p95(values)):8.2f} "
              f"{ms(max(values)):8.2f}  {ms(median(calls)):8.2f}")

    offline_ms, warm_ms = ms(median(times["offline"])), ms(median(times["warm"]))
    paired = [ms(w - o) for w, o in zip(times["warm"], times["offline"], strict=True)]
    print()
    print(f"  warm − offline: {warm_ms - offline_ms:+.2f} ms (difference of medians; median of the {n} paired "
          f"differences {median(paired):+.2f} ms); warm/offline {warm_ms / offline_ms:.2f}x. "
          f"Target ≤ {WARM_TARGET_MS:g} ms: {met(warm_ms - offline_ms <= WARM_TARGET_MS)}")
    print(f"  warm loop: {warm.requests} upstream requests in {n} calls (target 0: {met(warm.requests == 0)})")
    print(f"  c:  {c} calls, {cold.requests} upstream requests (expected {c}: one batch per cold document), "
          f"price statuses {dict(cold.statuses)}; cache: {show_stats(cold.stats)}")
    print(f"  c': {c} calls, {fresh.requests} upstream requests, price statuses {dict(fresh.statuses)}; "
          f"cache: {show_stats(fresh.stats)}")
    worst_call, worst_enrich = ms(max(slow.calls)), ms(max(slow.times))
    print(f"  d:  {s} calls; max quotes() {worst_call:.1f} ms, max enrich() {worst_enrich:.1f} ms, deadline "
          f"{args.deadline_ms} ms (+{DEADLINE_MARGIN_MS:g} ms margin): "
          f"{met(worst_enrich <= args.deadline_ms + DEADLINE_MARGIN_MS)}; "
          f"overrun of the price call past the deadline: max {worst_call - args.deadline_ms:+.1f} ms")
    print(f"      price statuses {dict(slow.statuses)} (expected: every resolved mention `unavailable`, "
          "'no upstream answer within …')")
    print(f"      drain(): {sum(drained)} of {s} caches drained {drain_s:.2f} s after the last call returned; "
          f"{slow.requests} upstream requests (expected {s}); the next call: statuses {dict(after.statuses)}, "
          f"{after.requests} new upstream requests (target 0: {met(after.requests == 0 and all(drained))})")
    print(f"      cache (all {s}): {show_stats(slow.stats)}")
    print(f"  Note: a and b run interleaved ({n} each). c deletes the article's keys (our prefix only) before each")
    print("  call: the process, its Redis connection and its fetch threads stay warm, as in a running service.")
    print("  c' builds a new QuoteCache per call, so each also opens a Redis connection (outside the timing) and")
    print("  a fetch thread, whose curl handle opens a new upstream connection. The fetch in d goes on after the")
    print("  call returns; drain() waits for it and for its cache write.")
