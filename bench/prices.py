"""Benchmark enrichment with prices: latency warm and cold through the Redis quote cache, and upstream requests.

Everything runs on loopback: the real yfinance adapter (`YahooSource`) talks to the fake Yahoo of the test
suite (tests/market/fake_yahoo.py) with a realistic delay, through `QuoteCache` on a throwaway redis-server
(or on REDIS_URL, under a key prefix of our own that is deleted at the end; never a FLUSH).

Sections (all figures are printed, none is asserted; targets are shown as met or MISSED):

1. latency of `enrich()` on a ~3 KB article with 10 tags, side by side in one run, medians and p95
   (bench/prices_latency.py):
   (a) offline, (b) warm (every quote in Redis), interleaved a, b, a, b, …;
   (c) cold symbols in a warm process (the article's keys deleted before each call) and
   (c') cold cache object (a new QuoteCache with its own prefix, Redis connection, thread and upstream
   connection per call), both against an upstream that answers in --delay seconds;
   (d) cold against an upstream slower than the deadline: every call must come back by the deadline; then
   each background fetch must finish (`drain()`) and the next call must be warm, with no second request.
2. upstream requests per 1,000 press releases of ../shared: one sequential pass (cold cache), the same
   documents again (all warm: no request expected), and the same documents split between --processes
   worker processes sharing one Redis (single flight across processes). The floor is the count of
   distinct Yahoo symbols the service asked for (bench/prices_corpus.py).

Run from the project root: `python -m bench.prices [--docs N] [--processes P]` (`--quick`: a trial of a few
seconds). Section 2 is skipped when ../shared is absent; the whole run is skipped (exit 0) when there is neither a
redis-server nor REDIS_URL.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Any

from bench.common import CORPUS, any_yahoo, done, header, parse_args, section
from bench.prices_corpus import bench_corpus
from bench.prices_latency import bench_latency, delete_prefix

QUICK = {"iterations": 50, "cold_iterations": 5, "slow_iterations": 3, "docs": 300}


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, checked."""
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
    args = parse_args(parser, argv, QUICK)
    if min(args.iterations, args.cold_iterations, args.slow_iterations, args.docs, args.processes,
           args.deadline_ms, args.corpus_deadline_ms) < 1:
        parser.error("counts and deadlines must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, start the loopback upstream and Redis, and print every section."""
    args = options(argv)
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
        fake = any_yahoo(args.delay)
        run(args, url, server, prefix, fake)
    finally:
        if fake is not None:
            fake.close()
        if server is not None:
            server.close()
        else:
            delete_prefix(url, prefix)
    done(started)
    return 0


def run(args: argparse.Namespace, url: str, server: Any, prefix: str, fake: Any) -> None:
    """Build the offline and yfinance services, print the header and both sections."""
    import redis

    from config.settings import Settings
    from enrich.wiring import build_services

    with redis.Redis.from_url(url) as client:
        info = client.info("server")
    base = build_services(Settings(market_data="offline"))
    settings = Settings(market_data="yfinance", yahoo_base_url=fake.base_url, redis_url=url,
                        price_deadline_ms=args.deadline_ms)
    yf = dataclasses.replace(base, settings=settings)  # its market is replaced per scenario

    header("Price enrichment benchmark (python -m bench.prices)")
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


if __name__ == "__main__":
    sys.exit(main())
