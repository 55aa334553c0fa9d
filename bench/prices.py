"""Benchmark enrichment with prices: latency warm and cold through the Redis quote cache, and upstream requests.

Everything runs on loopback: the real yfinance adapter (`YahooSource`) talks to the fake Yahoo of the test
suite (tests/market/fake_yahoo.py) with a realistic delay, through `QuoteCache` on a throwaway redis-server
(or on REDIS_URL, under a key prefix of our own that is deleted at the end; never a FLUSH).

Sections (all figures are printed, none is asserted; targets are shown as met or MISSED):

1. latency of `enrich()` on a ~3 KB article with 10 tags, side by side in one run, medians and p95:
   (a) offline, (b) warm (every quote in Redis), interleaved a, b, a, b, …;
   (c) cold symbols in a warm process (the article's keys deleted before each call) and
   (c') cold cache object (a new QuoteCache with its own prefix, Redis connection, thread and upstream
   connection per call), both against an upstream that answers in --delay seconds;
   (d) cold against an upstream slower than the deadline: every call must come back by the deadline; then
   each background fetch must finish (`drain()`) and the next call must be warm, with no second request.
2. upstream requests per 1,000 press releases of ../shared: one sequential pass (cold cache), the same
   documents again (all warm: no request expected), and the same documents split between --processes
   worker processes sharing one Redis (single flight across processes). The floor is the count of
   distinct Yahoo symbols the service asked for.

Run from anywhere: `python bench/prices.py [--docs N] [--processes P]`. Section 2 is skipped when ../shared is
absent; the whole run is skipped (exit 0) when there is neither a redis-server nor REDIS_URL.
"""

from __future__ import annotations

import os
import sys

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where http.py and queue.py would stand in for
# the standard library's modules: drop it before anything else is imported (`python -m bench.<name>` needs nothing).
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]

import argparse
import dataclasses
import datetime as dt
import gc
import gzip
import json
import math
import multiprocessing
import os
import platform
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "raw" / "newsworthy_pr" / "press_release_archive.jsonl.gz"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import median, met, section  # noqa: E402

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


# ---------------------------------------------------------------------------------------------- helpers


def p95(values: Sequence[float]) -> float:
    """The 95th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class Recorder:
    """A MarketData around another: the wall time of each quotes() call and every symbol asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds: list[float] = []
        self.asked: Counter[str] = Counter()  # symbol -> documents that asked for it

    def quotes(self, symbols: Sequence[str], deadline_s: float, mics: Mapping[str, str] | None = None) -> dict:
        start = time.perf_counter()
        try:
            return self.inner.quotes(symbols, deadline_s, mics=mics)
        finally:
            self.seconds.append(time.perf_counter() - start)
            self.asked.update(dict.fromkeys(symbols, 1))


def any_yahoo(delay_s: float) -> Any:
    """A started FakeYahoo that answers ANY symbol: the recorded fixture, else a synthetic quote shaped like it."""
    from enrich.domain.venues import VENUES, YAHOO_EXCHANGES
    from tests.market.fake_yahoo import FakeYahoo, load_quotes

    # Yahoo suffix -> (exchange code, venue): the first code our table maps to the venue with that suffix.
    by_suffix: dict[str, tuple[str, Any]] = {}
    for code, key in YAHOO_EXCHANGES.items():
        if key and VENUES[key].yahoo_suffix:
            by_suffix.setdefault(VENUES[key].yahoo_suffix.upper(), (code, VENUES[key]))

    fixture = load_quotes()
    template = fixture["MSFT"]

    class AnySymbol(dict):
        def __contains__(self, symbol: object) -> bool:
            return True

        def __missing__(self, symbol: str) -> dict[str, Any]:
            suffix = "." + symbol.rsplit(".", 1)[1] if "." in symbol else ""
            code, venue = by_suffix.get(suffix, ("NMS", VENUES["NASDAQ"]))
            currency = "GBp" if venue.currency == "GBP" else venue.currency
            price = 1.0 + (sum(map(ord, symbol)) % 997) / 10
            entry = {**template, "symbol": symbol, "exchange": code, "fullExchangeName": venue.label,
                     "currency": currency, "shortName": f"{symbol} SYNTHETIC", "longName": f"{symbol} Synthetic Inc.",
                     "regularMarketPrice": price, "regularMarketPreviousClose": round(price * 0.99, 4),
                     "regularMarketTime": int(time.time()) - 3600}
            self[symbol] = entry
            return entry

    class AnyYahoo(FakeYahoo):
        def __init__(self) -> None:
            super().__init__(quotes=fixture)
            self.quotes = AnySymbol(self.quotes)

    fake = AnyYahoo().start()
    fake.delay_s = delay_s
    return fake


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


def priced(document: Any) -> tuple[int, int, Counter[str]]:
    """(mentions with a price, mentions with a resolved listing, price_status tally; `no listing` when unresolved)."""
    statuses = Counter("ok" if m.price is not None else "no listing" if m.verdict.resolved is None
                       else m.price_status or "?" for m in document.mentions)
    return sum(m.price is not None for m in document.mentions), \
        sum(m.verdict.resolved is not None for m in document.mentions), statuses


def stats_delta(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after}


def show_stats(stats: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in stats.items() if v) or "all zero"


def ms(seconds: float) -> float:
    return seconds * 1000


# ----------------------------------------------------------------------------------------- 1 latency


def bench_latency(base: Any, yf: Any, url: str, prefix: str, fake: Any, args: argparse.Namespace) -> None:
    """Offline, warm, cold and cold-past-the-deadline enrichment of ARTICLE; medians, p95 and the targets."""
    from enrich.market.cache import QuoteCache
    from enrich.market.yahoo import YahooSource
    from enrich.service import enrich
    from tests.market.fake_yahoo import QUOTE_PATH

    source = YahooSource(base_url=fake.base_url)  # one per process, as in the service: cookie and crumb once

    offline_market = Recorder(base.market)
    offline = dataclasses.replace(base, market=offline_market)
    probe = enrich(ARTICLE, offline)
    wanted = sorted({m.verdict.resolved.yahoo_symbol for m in probe.mentions if m.verdict.resolved})
    print(f"  article: {len(ARTICLE.encode())} bytes, {len(probe.mentions)} tags, {len(wanted)} Yahoo symbols: "
          + " ".join(wanted))
    fake.delay_s = args.delay

    # (a) offline and (b) warm, interleaved so that machine noise hits both alike.
    warm_cache = QuoteCache(url, source, prefix=prefix + "warm:")
    warm_market = Recorder(warm_cache)
    warm = dataclasses.replace(yf, market=warm_market)
    first = enrich(ARTICLE, warm)  # primes the cache (and the cookie, crumb and connections)
    warm_cache.drain()
    ok, resolved, _ = priced(first)
    requests_before = fake.count(QUOTE_PATH)
    stats_before = warm_cache.stats.snapshot()
    offline_market.seconds.clear()
    warm_market.seconds.clear()
    times: dict[str, list[float]] = {"offline": [], "warm": []}
    statuses: Counter[str] = Counter()
    gc.collect()
    for _ in range(args.iterations):
        for name, services in (("offline", offline), ("warm", warm)):
            start = time.perf_counter()
            document = enrich(ARTICLE, services)
            times[name].append(time.perf_counter() - start)
            if name == "warm":
                statuses += priced(document)[2]
    warm_calls = list(warm_market.seconds)
    warm_requests = fake.count(QUOTE_PATH) - requests_before
    warm_stats = stats_delta(warm_cache.stats.snapshot(), stats_before)
    print(f"  priming call: {ok} of {resolved} resolved mentions priced; warm loop: price statuses "
          f"{dict(statuses)}, {warm_requests} upstream requests; cache: {show_stats(warm_stats)}")

    # (c) cold symbols in a warm process: the same cache, our article keys deleted before each call.
    cold_times, cold_calls, cold_statuses = [], [], Counter()
    requests_before = fake.count(QUOTE_PATH)
    stats_before = warm_cache.stats.snapshot()
    for _ in range(args.cold_iterations):
        warm_cache.drain()
        delete_prefix(url, prefix + "warm:")
        warm_market.seconds.clear()
        start = time.perf_counter()
        document = enrich(ARTICLE, warm)
        cold_times.append(time.perf_counter() - start)
        cold_calls.append(warm_market.seconds[-1])
        cold_statuses += priced(document)[2]
    warm_cache.drain()
    cold_requests = fake.count(QUOTE_PATH) - requests_before
    cold_stats = stats_delta(warm_cache.stats.snapshot(), stats_before)

    # (c') cold cache object: a new QuoteCache (own prefix, Redis connection, fetch thread) per call.
    fresh_times, fresh_calls, fresh_statuses = [], [], Counter()
    fresh_requests_before = fake.count(QUOTE_PATH)
    fresh_stats: Counter[str] = Counter()
    for i in range(args.cold_iterations):
        cache = QuoteCache(connected(url), source, prefix=f"{prefix}cold{i}:")
        market = Recorder(cache)
        services = dataclasses.replace(yf, market=market)
        start = time.perf_counter()
        document = enrich(ARTICLE, services)
        fresh_times.append(time.perf_counter() - start)
        fresh_calls.append(market.seconds[-1])
        fresh_statuses += priced(document)[2]
        cache.close()
        fresh_stats.update(cache.stats.snapshot())
    fresh_requests = fake.count(QUOTE_PATH) - fresh_requests_before

    # (d) an upstream slower than the deadline: each call is cut at the deadline; the fetch goes on.
    fake.delay_s = args.slow_delay
    slow_caches, slow_times, slow_calls, slow_statuses = [], [], [], Counter()
    requests_before = fake.count(QUOTE_PATH)
    for i in range(args.slow_iterations):
        cache = QuoteCache(connected(url), source, prefix=f"{prefix}slow{i}:")
        market = Recorder(cache)
        services = dataclasses.replace(yf, market=market)
        start = time.perf_counter()
        document = enrich(ARTICLE, services)
        slow_times.append(time.perf_counter() - start)
        slow_calls.append(market.seconds[-1])
        slow_statuses += priced(document)[2]
        slow_caches.append((cache, market, services))
    returned = time.perf_counter()
    drained = [cache.drain(timeout=args.slow_delay + 10) for cache, _, _ in slow_caches]
    drain_s = time.perf_counter() - returned
    slow_requests = fake.count(QUOTE_PATH) - requests_before
    after_times, after_calls, after_statuses, slow_stats = [], [], Counter(), Counter()
    for cache, market, services in slow_caches:
        start = time.perf_counter()
        document = enrich(ARTICLE, services)
        after_times.append(time.perf_counter() - start)
        after_calls.append(market.seconds[-1])
        after_statuses += priced(document)[2]
        slow_stats.update(cache.stats.snapshot())
        cache.close()
    after_requests = fake.count(QUOTE_PATH) - requests_before - slow_requests
    fake.delay_s = args.delay
    warm_cache.close()

    # The report.
    n, c, s = args.iterations, args.cold_iterations, args.slow_iterations
    print()
    print(f"  {'enrich(article), ms':58} {'runs':>5} {'median':>8} {'p95':>8} {'max':>8}  of which quotes() median")
    rows = [
        ("a. offline (Settings(market_data='offline'))", times["offline"], offline_market.seconds),
        ("b. warm (QuoteCache hit on every symbol)", times["warm"], warm_calls),
        (f"c. cold symbols, warm process (upstream {args.delay:g} s)", cold_times, cold_calls),
        (f"c'. cold cache object: new QuoteCache per call ({args.delay:g} s)", fresh_times, fresh_calls),
        (f"d. cold, upstream {args.slow_delay:g} s > deadline {args.deadline_ms} ms", slow_times, slow_calls),
        ("d'. the call after d's fetch was drained", after_times, after_calls),
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
    print(f"  warm loop: {warm_requests} upstream requests in {n} calls (target 0: {met(warm_requests == 0)})")
    print(f"  c:  {c} calls, {cold_requests} upstream requests (expected {c}: one batch per cold document), "
          f"price statuses {dict(cold_statuses)}; cache: {show_stats(cold_stats)}")
    print(f"  c': {c} calls, {fresh_requests} upstream requests, price statuses {dict(fresh_statuses)}; "
          f"cache: {show_stats(fresh_stats)}")
    worst_call, worst_enrich = ms(max(slow_calls)), ms(max(slow_times))
    print(f"  d:  {s} calls; max quotes() {worst_call:.1f} ms, max enrich() {worst_enrich:.1f} ms, deadline "
          f"{args.deadline_ms} ms (+{DEADLINE_MARGIN_MS:g} ms margin): "
          f"{met(worst_enrich <= args.deadline_ms + DEADLINE_MARGIN_MS)}; "
          f"overrun of the price call past the deadline: max {worst_call - args.deadline_ms:+.1f} ms")
    print(f"      price statuses {dict(slow_statuses)} (expected: every resolved mention `unavailable`, "
          "'no upstream answer within …')")
    print(f"      drain(): {sum(drained)} of {s} caches drained {drain_s:.2f} s after the last call returned; "
          f"{slow_requests} upstream requests (expected {s}); the next call: statuses {dict(after_statuses)}, "
          f"{after_requests} new upstream requests (target 0: {met(after_requests == 0 and all(drained))})")
    print(f"      cache (all {s}): {show_stats(slow_stats)}")
    print(f"  Note: a and b run interleaved ({n} each). c deletes the article's keys (our prefix only) before each")
    print("  call: the process, its Redis connection and its fetch threads stay warm, as in a running service.")
    print("  c' builds a new QuoteCache per call, so each also opens a Redis connection (outside the timing) and")
    print("  a fetch thread, whose curl handle opens a new upstream connection. The fetch in d goes on after the")
    print("  call returns; drain() waits for it and for its cache write.")


# ------------------------------------------------------------------------------------------ 2 corpus


def load_docs(limit: int, sample: str) -> tuple[list[tuple[str, str | None]], int]:
    """(text, date) of `limit` documents: the first ones, or evenly spread over the archive; and the archive size."""
    rows: list[tuple[str, str | None]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if sample == "first" and number >= limit:
                break
            doc = json.loads(line)
            rows.append((doc.get("text") or "", doc.get("date")))
    total = len(rows) if sample == "spread" else None
    if sample == "spread":
        step = max(1, len(rows) // limit)
        rows = rows[::step][:limit]
    return rows, total or len(rows)


def run_pass(services: Any, docs: Sequence[tuple[str, str | None]]) -> tuple[float, Counter[str], int]:
    """Enrich every document with prices: (seconds, price statuses, documents with a resolved listing)."""
    from enrich.service import enrich

    statuses: Counter[str] = Counter()
    with_listing = 0
    start = time.perf_counter()
    for text, date in docs:
        document = enrich(text, services, as_of=date)
        _, resolved, tally = priced(document)
        statuses += tally
        with_listing += bool(resolved)
    return time.perf_counter() - start, statuses, with_listing


def _worker(yf: Any, url: str, prefix: str, base_url: str, docs: Sequence[tuple[str, str | None]],
            barrier: Any, out: Any) -> None:
    """One worker process (forked): its own YahooSource and QuoteCache on the shared Redis and prefix."""
    from enrich.market.cache import QuoteCache
    from enrich.market.yahoo import YahooSource

    try:
        cache = QuoteCache(url, YahooSource(base_url=base_url), prefix=prefix)
        market = Recorder(cache)
        services = dataclasses.replace(yf, market=market)
        barrier.wait(timeout=60)
        seconds, statuses, _ = run_pass(services, docs)
        cache.drain(timeout=30)
        out.put({"seconds": seconds, "statuses": dict(statuses), "asked": dict(market.asked), "calls": market.seconds,
                 "stats": cache.stats.snapshot(), "error": None})
        cache.close()
    except Exception as exc:  # reported by the parent
        out.put({"error": repr(exc)})


def report_pass(label: str, docs: int, seconds: float, requests: int, symbols: Counter[str], asked: Counter[str],
                stats: Mapping[str, int], statuses: Mapping[str, int], calls: Sequence[float]) -> None:
    """The figures of one pass over the documents."""
    fetched, floor = sum(symbols.values()), len(asked)
    per_distinct = fetched / floor if floor else 0.0
    repeats = {s: n for s, n in symbols.items() if n > 1}
    print(f"  {label}")
    print(f"    {docs} documents in {seconds:.2f} s; price statuses {dict(statuses)}")
    print(f"    upstream quote requests {requests:6}   = {requests * 1000 / docs:7.1f} per 1,000 documents")
    print(f"    upstream symbols asked  {fetched:6}   in {len(symbols)} distinct; "
          f"{fetched / max(requests, 1):.2f} per request")
    print(f"    distinct symbols the service asked for (the floor) {floor}; symbol asks "
          f"{sum(asked.values())} over all documents")
    print(f"    symbols fetched per distinct symbol: {per_distinct:.3f} (target ≤ 1.0: {met(per_distinct <= 1.0)})"
          + (f"; fetched more than once: {dict(sorted(repeats.items())[:10])}" if repeats else ""))
    if calls:
        print(f"    quotes(), one call per document with a tag: median {ms(median(calls)):.1f} ms, "
              f"p95 {ms(p95(calls)):.1f} ms, max {ms(max(calls)):.1f} ms ({len(calls)} calls)")
    print(f"    cache: {show_stats(stats)}")


def bench_corpus(yf: Any, url: str, prefix: str, fake: Any, args: argparse.Namespace) -> None:
    """Upstream requests for --docs press releases: cold pass, warm pass, and across worker processes."""
    from enrich.market import hours
    from enrich.market.cache import QuoteCache
    from enrich.market.yahoo import YahooSource
    from tests.market.fake_yahoo import QUOTE_PATH

    load_start = time.perf_counter()
    docs, archive = load_docs(args.docs, args.sample)
    how = "the first ones" if args.sample == "first" else f"1 in every {max(1, archive // args.docs)} of {archive}"
    print(f"  {len(docs)} documents of {CORPUS.relative_to(ROOT.parent)} ({how}), each enriched with its own date "
          f"as as_of; loaded in {time.perf_counter() - load_start:.1f} s (not timed)")
    now = time.time()
    spans = {mic: hours.lifetime(mic, now, fresh_open_s=hours.FRESH_OPEN_S, stale_open_s=hours.STALE_OPEN_S)
             for mic in ("XNAS", "XTSE", "XLON", "XASX")}
    print("  quote lifetimes now (fresh / servable, s): "
          + ", ".join(f"{mic} {fresh:.0f}/{total:.0f}" for mic, (fresh, total) in spans.items()))
    print(f"  upstream: fake Yahoo answering any symbol in {args.corpus_delay:g} s; price deadline "
          f"{args.corpus_deadline_ms} ms (generous: nothing should be cut)")
    yf = dataclasses.replace(yf, settings=dataclasses.replace(yf.settings, price_deadline_ms=args.corpus_deadline_ms))
    print()

    fake.reset()
    fake.delay_s = args.corpus_delay
    cache = QuoteCache(url, YahooSource(base_url=fake.base_url), prefix=prefix + "corpus:")
    market = Recorder(cache)
    services = dataclasses.replace(yf, market=market)
    seconds, statuses, with_listing = run_pass(services, docs)
    cache.drain(timeout=30)
    first_stats = cache.stats.snapshot()
    report_pass(f"1. one process, cold cache ({with_listing} of {len(docs)} documents have a resolved listing)",
                len(docs), seconds, fake.count(QUOTE_PATH), Counter(fake.symbols), market.asked, first_stats,
                statuses, market.seconds)
    first_calls = len(market.seconds)

    requests_before, symbols_before = fake.count(QUOTE_PATH), Counter(fake.symbols)
    asked_before = Counter(market.asked)
    seconds, statuses, _ = run_pass(services, docs)
    cache.drain(timeout=30)
    new_requests = fake.count(QUOTE_PATH) - requests_before
    new_symbols = Counter(fake.symbols) - symbols_before
    second_stats = stats_delta(cache.stats.snapshot(), first_stats)
    print()
    print("  2. the same documents again, same cache lifetime (all warm)")
    print(f"    {len(docs)} documents in {seconds:.2f} s; price statuses {dict(statuses)}")
    print(f"    new upstream quote requests {new_requests} (target 0: {met(new_requests == 0)})"
          + (f"; symbols re-fetched: {dict(new_symbols.most_common(10))}" if new_requests else ""))
    calls = market.seconds[first_calls:] or [0.0]
    print(f"    symbol asks {sum((market.asked - asked_before).values())}; quotes() median {ms(median(calls)):.2f} ms, "
          f"max {ms(max(calls)):.2f} ms; cache: {show_stats(second_stats)}")
    cache.close()

    if args.processes > 1:
        fake.reset()
        fake.delay_s = args.corpus_delay
        context = multiprocessing.get_context("fork")  # the children inherit the loaded reference index
        barrier, out = context.Barrier(args.processes), context.Queue()
        shares = [docs[i::args.processes] for i in range(args.processes)]
        workers = [context.Process(target=_worker, args=(yf, url, prefix + "procs:", fake.base_url, share, barrier,
                                                         out), daemon=True) for share in shares]
        for worker in workers:
            worker.start()
        results = [out.get(timeout=300) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        errors = [r["error"] for r in results if r.get("error")]
        print()
        if errors:
            print(f"  3. {args.processes} worker processes: FAILED: {errors}")
            return
        asked, stats, statuses = Counter(), Counter(), Counter()
        for result in results:
            asked.update(result["asked"])
            stats.update(result["stats"])
            statuses.update(result["statuses"])
        report_pass(f"3. {args.processes} worker processes on one Redis, a fresh prefix, documents dealt round-robin "
                    f"(doc i to worker i mod {args.processes}), started together",
                    len(docs), max(r["seconds"] for r in results), fake.count(QUOTE_PATH), Counter(fake.symbols),
                    asked, dict(stats), statuses, [t for r in results for t in r["calls"]])
    print()
    print("  coalesced = cold symbols whose fetch was already in flight (this process or another): they waited for")
    print("  its cache write instead of asking the upstream. The first fetch for a venue also builds its trading")
    print("  calendar (hours.py) before that write, so a document asking for the same symbol right after waits for it.")


# ---------------------------------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, start the loopback upstream and Redis, and print every section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200, help="offline and warm calls each (default: 200)")
    parser.add_argument("--cold-iterations", type=int, default=20, help="cold calls, c and c' each (default: 20)")
    parser.add_argument("--slow-iterations", type=int, default=10,
                        help="cold calls against the upstream slower than the deadline (default: 10)")
    parser.add_argument("--delay", type=float, default=0.15, help="upstream delay in seconds (default: 0.15)")
    parser.add_argument("--slow-delay", type=float, default=3.0, help="delay beyond the deadline (default: 3.0)")
    parser.add_argument("--deadline-ms", type=int, default=1000, help="price deadline in ms (default: 1000)")
    parser.add_argument("--docs", type=int, default=1000, help="documents for section 2 (default: 1000)")
    parser.add_argument("--sample", choices=("spread", "first"), default="spread",
                        help="spread: evenly over the archive (default); first: the first --docs documents")
    parser.add_argument("--processes", type=int, default=2,
                        help="worker processes for section 2.3; 1 skips it (default: 2)")
    parser.add_argument("--corpus-delay", type=float, default=0.02, help="upstream delay for section 2 (default: 0.02)")
    parser.add_argument("--corpus-deadline-ms", type=int, default=10_000,
                        help="price deadline for section 2 (default: 10,000)")
    args = parser.parse_args(argv)
    if min(args.iterations, args.cold_iterations, args.slow_iterations, args.docs, args.processes,
           args.deadline_ms, args.corpus_deadline_ms) < 1:
        parser.error("counts and deadlines must be at least 1")

    import redis

    from config.settings import Settings
    from enrich.wiring import build_services
    from tests.redis_server import RedisServer

    server = None
    url = os.environ.get("REDIS_URL") or None
    if url is None:
        try:
            server = RedisServer()
        except RuntimeError as exc:
            print(f"SKIPPED: {exc}; set REDIS_URL to use a running Redis.")
            return 0
        server.start()
        url = server.url
    prefix = f"bench:prices:{uuid.uuid4().hex[:12]}:"
    fake = None
    started = time.perf_counter()
    try:
        with redis.Redis.from_url(url) as client:
            info = client.info("server")
        fake = any_yahoo(args.delay)
        base = build_services(Settings(market_data="offline"))
        settings = Settings(market_data="yfinance", yahoo_base_url=fake.base_url, redis_url=url,
                            price_deadline_ms=args.deadline_ms)
        yf = dataclasses.replace(base, settings=settings)  # its market is replaced per scenario

        print("Price enrichment benchmark (bench/prices.py)")
        print(f"  date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
        print(f"  python:   {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}")
        print(f"  cpus:     {os.cpu_count()}")
        where = f"throwaway redis-server on {url} ({server.binary})" if server else "REDIS_URL"
        print(f"  redis:    {info.get('redis_version')} ({where}); key prefix {prefix} (deleted at the end)")
        print(f"  upstream: fake Yahoo on {fake.base_url} (tests/market/fake_yahoo.py, any symbol answered), "
              "real YahooSource (yfinance + curl_cffi)")
        print(f"  settings: {settings}")
        print("  QuoteCache defaults (hours-based lifetimes, 4 fetch threads, 50 ms poll, 30 s lock)")

        section(f"1. Latency of enrich() on a ~3 KB article ({args.iterations} warm/offline runs, "
                f"{args.cold_iterations} cold, {args.slow_iterations} past the deadline)")
        bench_latency(base, yf, url, prefix, fake, args)

        section(f"2. Upstream requests per 1,000 press releases (--docs {args.docs})")
        if not CORPUS.exists():
            print(f"  SKIPPED: the corpus {CORPUS} is absent (../shared is not beside the project).")
        else:
            bench_corpus(yf, url, prefix, fake, args)
    finally:
        if fake is not None:
            fake.close()
        if server is not None:
            server.close()
        else:
            delete_prefix(url, prefix)

    print()
    print(f"Done in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
