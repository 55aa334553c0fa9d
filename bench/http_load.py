"""Benchmark the HTTP API under load: wrk against gunicorn on loopback, with the bare route as the framework ceiling.

Everything runs on 127.0.0.1: a throwaway redis-server (tests/redis_server.py), the fake Yahoo of the test suite
answering any symbol (bench/common.py's `any_yahoo`), and `python -m enrich serve` (gunicorn with config/gunicorn.py,
as the Procfile runs it) on a free port with prices on (ENRICH_MARKET_DATA=yfinance, ENRICH_YAHOO_BASE_URL=the fake,
REDIS_URL=the throwaway Redis). The quote cache is primed with one request per route, then wrk (Debian's 4.1.0) runs
(bench/http_wrk.py drives it, bench/http_server.py watches the server, http_priming.py and http_sections.py report):

  (a) GET /healthz, the bare route: the framework ceiling (the app's hooks, no Redis, no index, no work);
  (b) GET /v1/tickers/MSFT (warm cache);
  (c) POST /v1/enrich with a ~3 KB article of 10 tags on 5 venues (warm cache), written below;
      (a)-(c) at maximum throughput (-t2 -c16 by default), interleaved a, b, c, a, b, c, ...; medians reported;
  (d) the POST of (c) at a fixed 200 requests/s: plain wrk has no rate option (wrk2's -R), so a Lua delay() paces
      each wrk thread (it hands out send times 1000 * threads / rate ms apart on LuaJIT's clock).

Printed: requests/s, p50/p99 of each, the ratios to the ceiling, the issue's targets (lookup >= 0.5x the ceiling;
enrich p99 < 25 ms at 200 requests/s) as met or MISSED, wrk's non-2xx and socket error counts, the fake Yahoo's
request count before and after (warm load must not ask the upstream), the server's own view (/metrics, its log), and
the resident memory of the gunicorn master and of each worker before and after the load. Nothing is asserted.

The service's Redis key prefixes (quote cache `enrich:q:`, rate limit `enrich:rl:`) are not settings, so the server
always gets a private redis-server: REDIS_URL is never used, as the fake's synthetic quotes would land in a real
cache. Skipped (exit 0) when wrk or redis-server is absent.

Run from the project root: `python -m bench.http_load [--duration S] [--repeat R] [--workers N]` (about 2 minutes by
default; `--quick`: about 20 seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import http_server
from bench.common import any_yahoo, done, header, met, parse_args, section
from bench.http_priming import fake_counts, prime_twice, warm_up
from bench.http_sections import fixed_rate, log_report, max_throughput, memory_report, metrics_report, targets
from bench.http_server import ENRICH_PATH, HOST, Snapshot, children, counter_delta, scrape, snapshot
from bench.http_wrk import SCRIPT_FILES, Load, write_scripts

QUICK = {"duration": 3, "repeat": 1, "rate_duration": 5, "warmup": 0.5}

# ~3 KB, ten tags on five venues (one of them a wrong venue the service corrects, two on venues no loaded list
# covers completely); every listing resolves in the bundled reference data.
ARTICLE = """\
Markets wrap: chipmakers rally, banks steady, miners slip on softer metal prices

NEW YORK, November 27, 2026 -- Semiconductor shares led a broad advance on Friday after a run of upbeat
supply-chain updates. NVIDIA Corporation (NASDAQ: NVDA) rose for a fifth straight session as customers
described longer order books for accelerators, and Advanced Micro Devices, Inc. (NASDAQ: AMD) gained after
it confirmed that its next data-centre processor had entered volume production ahead of schedule. Apple Inc.
(NASDAQ: AAPL) edged higher on reports of firm holiday demand for its newest phones in China and India.
Microsoft Corporation (NYSE: MSFT) added to gains after it said enterprise cloud bookings had accelerated again.

Banks were little changed. JPMorgan Chase & Co. (NYSE: JPM) said net interest income would come in near the top
of its range for the year, while cautioning that deposit costs had stopped falling. In Canada, Royal Bank of
Canada (TSX: RY) reported fourth-quarter earnings above estimates, helped by wealth management fees, and raised
its quarterly dividend by four cents. Analysts said capital ratios across the large lenders remained well above
regulatory minimums, leaving room for more buybacks in the new year.

Consumer names were mixed. The Coca-Cola Company (NYSE: KO) slipped after a broker cut its rating to neutral,
citing slower volume growth in Latin America, while Amazon.com, Inc. (NASDAQ: AMZN) climbed on early estimates
of record Black Friday order volumes and a faster rollout of its low-cost delivery tiers in Europe.

Overseas, Tencent Holdings Limited (HKEX: 0700) advanced in Hong Kong after regulators approved another batch
of domestic game licences, the largest this year. In London, BP p.l.c. (LSE: BP) fell as crude prices eased on
expectations of higher output next quarter; the company said its share buyback programme was unchanged and
that asset sales were on track to meet its target by the end of next year.

Mining stocks lagged. Copper and iron ore futures dropped after weaker factory data from China, and producers
with large exposure to both metals traded lower in Sydney and London. Gold miners held up better as bullion
steadied near its recent high, supported by a softer dollar and continued central-bank purchases.

"We are seeing rotation rather than retreat," said a strategist at a Boston investment firm. "Money is leaving
the defensive sectors that worked in the summer and moving back into growth, but investors remain selective
and quick to punish any guidance that disappoints." Treasury yields were little changed and trading volumes
were about a fifth below their thirty-day average, with several exchanges closing early for the holiday.

Disclaimer: prices are indicative and may be delayed. This report is provided for information only and is not
investment advice or a solicitation to buy or sell any security mentioned above.
"""

# The any-symbol fake puts a symbol without a suffix on Nasdaq; these two of the article are NYSE listings, and a
# Yahoo answer saying Nasdaq would turn them into corrections.
NYSE_SYMBOLS = ("JPM", "KO")


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, checked."""
    from config.settings import Settings

    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per max-throughput wrk run (default: 10)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="max-throughput runs per route, interleaved; medians reported (default: 2)")
    parser.add_argument("--warmup", type=float, default=1,
                        help="seconds of unreported wrk per route first (default: 1)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections, max throughput (default: 16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads, max throughput (default: 2)")
    parser.add_argument("--rate", type=float, default=200, help="fixed rate for (d), requests/s (default: 200)")
    parser.add_argument("--rate-duration", type=float, default=15, help="seconds of the fixed-rate run (default: 15)")
    parser.add_argument("--rate-connections", type=int, default=4, help="wrk connections, fixed rate (default: 4)")
    parser.add_argument("--rate-threads", type=int, default=2, help="wrk threads, fixed rate (default: 2)")
    parser.add_argument("--workers", type=int, default=defaults.web_concurrency,
                        help=f"WEB_CONCURRENCY, gunicorn workers (default: {defaults.web_concurrency})")
    parser.add_argument("--web-threads", type=int, default=defaults.web_threads,
                        help=f"ENRICH_WEB_THREADS, threads per worker (default: {defaults.web_threads})")
    parser.add_argument("--log-level", default=defaults.log_level, choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help=f"the server's ENRICH_LOG_LEVEL (default: {defaults.log_level}: a line per /v1 request)")
    parser.add_argument("--front", default=defaults.front, choices=("nginx", "none"),
                        help=f"ENRICH_FRONT: nginx before gunicorn, or gunicorn alone (default: {defaults.front})")
    parser.add_argument("--server-log", type=Path, help="keep the server's log here (default: a temporary file)")
    parser.add_argument("--balance", type=float, default=0.6,
                        help="flag runs where a worker used less than this share of another's CPU (default: 0.6)")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own report of every run")
    args = parse_args(parser, argv, QUICK)
    if min(args.duration, args.repeat, args.connections, args.wrk_threads, args.rate, args.rate_duration,
           args.rate_connections, args.rate_threads, args.workers, args.web_threads) <= 0 or args.warmup < 0:
        parser.error("durations, counts and the rate must be positive")
    if args.connections < args.wrk_threads or args.rate_connections < args.rate_threads:
        parser.error("wrk needs at least one connection per thread")
    if args.rate_connections % args.rate_threads:
        parser.error("--rate-connections must be a multiple of --rate-threads (wrk deals connections evenly)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, start Redis, the fake Yahoo and gunicorn, load them and print every section."""
    args = options(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("SKIPPED: no wrk on PATH (apt-get install wrk).")
        return 0
    from tests.redis_server import RedisServer, free_port

    try:
        server = RedisServer()
    except RuntimeError as exc:
        print(f"SKIPPED: {exc}. (REDIS_URL is not used: the service's key prefixes are not settings.)")
        return 0

    folder = Path(tempfile.mkdtemp(prefix="enrich-bench-http-"))
    log = args.server_log or folder / "server.log"
    fake = gunicorn = None
    started = time.perf_counter()
    try:
        server.start()
        fake = nyse_yahoo()
        port, body = free_port(), json.dumps({"text": ARTICLE}).encode()
        print_header(args, wrk, port, fake, server, body, log)
        scripts = write_scripts(folder, body, args)
        gunicorn = http_server.spawn(environment(args, port, fake, server), log)
        if not http_server.wait_ready(gunicorn, log, port, args.workers):
            return 1
        b = Load(args, wrk, port, http_server.gunicorn_master(gunicorn.pid),
                 server.process.pid if server.process else None, scripts, log, http_server.front_pids(gunicorn.pid))
        run_sections(b, fake, server.url, body, started)
    finally:
        if gunicorn is not None:
            http_server.stop(gunicorn)
        if fake is not None:
            fake.close()
        server.close()
        clean(folder, keep_log=args.server_log is not None)
    done(started)
    return 0


def run_sections(b: Load, fake: Any, redis_url: str, body: bytes, started: float) -> None:
    """Everything after /readyz: prime, warm up, load, and report."""
    from tests.market.fake_yahoo import QUOTE_PATH

    snapshots: list[Snapshot] = []
    section("1. Server start and cache priming")
    workers = children(b.master)
    print(f"  gunicorn master {b.master}, workers {workers}: /readyz 200 after {time.perf_counter() - started:.1f} s")
    snapshots.append(snapshot("after start", b.master))
    primed_quotes = prime_twice(b, fake, redis_url, body)
    warm_up(b)
    snapshots.append(snapshot("after warm-up", b.master))
    metrics_before = scrape(b.port)
    upstream_before, quotes_before = fake.count(), fake.count(QUOTE_PATH)
    print(f"  fake Yahoo before the load: {fake_counts(fake)}")

    runs, ratios = max_throughput(b)
    fixed = fixed_rate(b)

    upstream_after, quotes_after = fake.count(), fake.count(QUOTE_PATH)
    metrics_after = scrape(b.port)
    snapshots.append(snapshot("after the load", b.master))
    all_runs = [r for rs in runs.values() for r in rs] + [fixed]
    section("4. Targets (issue #4)")
    targets(b, ratios, fixed, all_runs)
    new_upstream = upstream_after - upstream_before
    print(f"  fake Yahoo requests during the load: {new_upstream} new, {quotes_after - quotes_before} of them quote "
          f"requests (target 0: {met(new_upstream == 0)}); before priming 0, after priming {primed_quotes} quote "
          f"requests, now {fake_counts(fake)}")

    section("5. Memory of the gunicorn processes (VmRSS from /proc/<pid>/status; PSS and private from smaps_rollup)")
    memory_report(snapshots, b.master, workers)

    section("6. The server's own view")
    metrics_report(counter_delta(metrics_after, metrics_before), all_runs)
    log_report(b)


def nyse_yahoo() -> Any:
    """The any-symbol fake Yahoo, with the article's NYSE listings on NYSE."""
    fake = any_yahoo(0.0)
    nyse = fake.quotes["IONQ"]  # a recorded NYSE quote
    for symbol in NYSE_SYMBOLS:
        fake.quotes[symbol] = {**fake.quotes[symbol], "exchange": nyse["exchange"],
                               "fullExchangeName": nyse["fullExchangeName"]}
    return fake


def environment(args: argparse.Namespace, port: int, fake: Any, server: Any) -> dict[str, str]:
    """The server's environment: ours without any ENRICH_* or server setting, then the benchmark's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENRICH_") and k not in (
        "HOST", "PORT", "WEB_CONCURRENCY", "REDIS_URL", "GUNICORN_CMD_ARGS", "PROMETHEUS_MULTIPROC_DIR")}
    env.update({"HOST": HOST, "PORT": str(port), "WEB_CONCURRENCY": str(args.workers),
                "ENRICH_WEB_THREADS": str(args.web_threads), "ENRICH_MARKET_DATA": "yfinance",
                "ENRICH_YAHOO_BASE_URL": fake.base_url, "REDIS_URL": server.url,
                "ENRICH_LOG_LEVEL": args.log_level, "ENRICH_FRONT": args.front})
    return env


def print_header(args: argparse.Namespace, wrk: str, port: int, fake: Any, server: Any, body: bytes, log: Path
                 ) -> None:
    """What runs against what, with which versions and settings."""
    import gunicorn as gunicorn_package
    import redis

    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10)
    wrk_version = (version.stdout or version.stderr).splitlines()[0].split(" Copyright")[0].strip()
    with redis.Redis.from_url(server.url) as client:
        redis_version = client.info("server").get("redis_version")
    header("HTTP API benchmark (python -m bench.http_load)", cpus=" (wrk, gunicorn, Redis and the fake Yahoo share "
           f"them); load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])} at the start")
    print(f"  wrk:      {wrk_version} ({wrk})")
    front = "nginx in front, gunicorn on a Unix socket" if args.front == "nginx" else "gunicorn alone"
    print(f"  server:   gunicorn {gunicorn_package.__version__} by `python -m enrich serve` on {HOST}:{port} "
          f"({front}): WEB_CONCURRENCY={args.workers} workers × ENRICH_WEB_THREADS={args.web_threads} threads "
          f"(gthread), preloaded; ENRICH_LOG_LEVEL={args.log_level}, log to {log}")
    print(f"  prices:   ENRICH_MARKET_DATA=yfinance, the fake Yahoo on {fake.base_url} (any symbol answered, no "
          f"delay), REDIS_URL={server.url} (throwaway redis-server {redis_version})")
    print(f"  article:  {len(ARTICLE.encode())} bytes ({len(body)} bytes of JSON body), POST {ENRICH_PATH} "
          "{\"text\"}: prices on (the default), no as_of")
    print(f"  load:     max throughput -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s × "
          f"{args.repeat} per route; fixed rate {args.rate:g}/s -t{args.rate_threads} -c{args.rate_connections} "
          f"-d{args.rate_duration:g}s; warm-up {args.warmup:g} s per route")


def clean(folder: Path, keep_log: bool) -> None:
    """Remove the temporary folder; with --server-log, only the files written there (the log is elsewhere)."""
    if not keep_log:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for name in SCRIPT_FILES:
        (folder / name).unlink(missing_ok=True)
    folder.rmdir()


if __name__ == "__main__":
    sys.exit(main())
