"""Soak the whole service: ten minutes of mixed traffic at a fixed rate; 5xx, p99 and every process's RSS per minute.

Everything runs on 127.0.0.1 (bench/soak_stack.py): a throwaway redis-server (tests/redis_server.py), `python -m
enrich serve` (nginx in front of gunicorn, as production runs it; ENRICH_FRONT=none in our environment is passed on
to serve with gunicorn alone) with WEB_CONCURRENCY=2, two `python -m enrich worker` processes, jobs kept
ENRICH_JOB_TTL_S=60 s (`--job-ttl`: so that what Redis holds can level off within the run), and prices on
(ENRICH_MARKET_DATA=yfinance) through the quote cache from the fake Yahoo of the test suite answering any symbol
(bench/common.py's `any_yahoo`), which answers every request with 429 for 3 s, and later with 500 for 3 s, twice a
minute (`--flaky-every`, `--flaky-for`).

The traffic (bench/soak_load.py) is open-loop at `--rate` requests/s (default 40: the service then uses about 15% of
one core of this 2-core machine, which it shares with the load generator and the fake), 20 requests in every cycle:
8 POST /v1/enrich (real texts: examples/article.txt and, when ../shared is there, up to `--corpus` tagged press
releases spread over the archive, each with its own date as as_of), 7 GET /v1/tickers/<symbol>?exchange= (the tags
of those texts), 2 POST /v1/jobs of 3 documents each and 3 GET /v1/jobs/<id> polls (the oldest job not yet seen
finished; polled again until it is). Each request's latency counts from the moment it was due, not from when a
sender got to it, so a stall shows in the figures instead of slowing the load (no coordinated omission). The same
traffic runs `--warmup` seconds first, unreported, so the first minute is the service warm, not its first requests.

Printed per minute (`--interval`): requests by kind, 4xx, 5xx and requests without an answer, p50/p99/max latency
overall and p99 by kind, jobs seen finished and their submit-to-finished time, the CPU of the service and of the
load generator; then the RSS (VmRSS, MB) of each process at the end of each minute (serve, nginx master and worker,
gunicorn master and workers, each RQ worker, Redis) and what Redis holds (used_memory, keys). The verdicts (met or
MISSED; nothing asserted): zero 5xx (and every request answered); every process's RSS less than 10% above its value
at the end of minute 1 (the service's processes, then Redis, whose RSS follows the data the traffic leaves: quotes
of symbols not seen before, jobs for ENRICH_JOB_TTL_S); every minute's p99 within 2x of minute 1's.

Run from the project root: `python -m bench.soak [--minutes 10] [--rate 40]` (~10.5 minutes); `--quick`: 45 s of
load in rows of 15 s after 5 s of warm-up (~1 minute in all). Skipped (exit 0) when there is no redis-server;
exits 1 when the service does not start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import any_yahoo, done, header, parse_args, section
from bench.soak_load import KINDS, WEIGHTS, Corpus, Sample, Traffic, load_corpus, percentile, run
from bench.soak_report import logged_errors, ms, report
from bench.soak_stack import Flaky, Row, Stack

QUICK = {"minutes": 0.75, "interval": 15, "warmup": 5, "corpus": 300}


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="minutes of load (default: 10)")
    parser.add_argument("--rate", type=float, default=40, help="requests/s, all kinds together (default: 40)")
    parser.add_argument("--interval", type=float, default=60,
                        help="seconds per row of the tables; the verdicts compare rows to the first (default: 60)")
    parser.add_argument("--warmup", type=float, default=15,
                        help="seconds of the same traffic first, not reported: the first row is then the service "
                             "warm, not its first requests (default: 15)")
    parser.add_argument("--job-ttl", type=int, default=60,
                        help="ENRICH_JOB_TTL_S: jobs' results leave Redis after this, so its memory can level off "
                             "(default: 60)")
    parser.add_argument("--web-workers", type=int, default=2, help="WEB_CONCURRENCY (default: 2)")
    parser.add_argument("--rq-workers", type=int, default=2, help="`python -m enrich worker` processes (default: 2)")
    parser.add_argument("--senders", type=int, default=32, help="sender threads of the load generator (default: 32)")
    parser.add_argument("--corpus", type=int, default=2000, help="press releases to send at most (default: 2000)")
    parser.add_argument("--flaky-every", type=float, default=30,
                        help="seconds between the fake Yahoo's 429 spells, and between its 500 spells (default: 30; "
                             "0: never)")
    parser.add_argument("--flaky-for", type=float, default=3, help="seconds each spell lasts (default: 3)")
    parser.add_argument("--server-log", type=Path, help="keep the service's logs in this folder")
    args = parse_args(parser, argv, QUICK)
    if min(args.minutes, args.rate, args.interval, args.web_workers, args.rq_workers, args.senders,
           args.job_ttl) <= 0 or args.warmup < 0:
        parser.error("durations, rates and counts must be positive")
    if args.interval > args.minutes * 60:
        parser.error("--interval is longer than the run")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, start the service, the fake Yahoo and the load; print the tables and verdicts."""
    args = options(argv)
    started = time.perf_counter()
    folder = args.server_log or Path(tempfile.mkdtemp(prefix="enrich-bench-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus(args.corpus)
    fake = any_yahoo(0.0)
    settings = {"ENRICH_MARKET_DATA": "yfinance", "ENRICH_YAHOO_BASE_URL": fake.base_url,
                "WEB_CONCURRENCY": str(args.web_workers), "ENRICH_JOB_TTL_S": str(args.job_ttl),
                "ENRICH_LOG_LEVEL": "WARNING"}
    if os.environ.get("ENRICH_FRONT"):
        settings["ENRICH_FRONT"] = os.environ["ENRICH_FRONT"]
    try:
        stack = Stack(folder, settings, rq_workers=args.rq_workers)
    except RuntimeError as exc:
        print(f"SKIPPED: {exc}")
        fake.close()
        return 0
    try:
        with stack:
            print_header(args, stack, corpus, fake)
            rows, samples, lag, flaky, traffic = soak(args, stack, corpus, fake)
            dead = stack.dead()
        errors = logged_errors(folder)
    except RuntimeError as exc:
        print(f"FAILED: {exc}")
        return 1
    finally:
        fake.close()
        if args.server_log is None:
            shutil.rmtree(folder, ignore_errors=True)
    report(args, rows, samples, lag, flaky, traffic, dead, errors)
    done(started)
    return 0


def print_header(args: argparse.Namespace, stack: Stack, corpus: Corpus, fake: Any) -> None:
    header("Soak (python -m bench.soak)", cpus=" (the service, the load generator and the fake Yahoo share them); "
           f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])} at the start")
    roles = ", ".join(f"{role} {pid}" for role, pid in stack.processes())
    print(f"  service:  {stack.base_url}: {roles}")
    print(f"  settings: ENRICH_FRONT={stack.env.get('ENRICH_FRONT', '(serve default: nginx)')}, WEB_CONCURRENCY="
          f"{args.web_workers}, {args.rq_workers} RQ workers, ENRICH_JOB_TTL_S={args.job_ttl}, "
          f"ENRICH_MARKET_DATA=yfinance from the fake Yahoo on {fake.base_url} (any symbol), "
          f"REDIS_URL={stack.redis.url} (throwaway)")
    print(f"  flaky:    every request answered 429 for {args.flaky_for:g} s every {args.flaky_every:g} s, and 500 "
          f"for {args.flaky_for:g} s every {args.flaky_every:g} s, half a period later" if args.flaky_every > 0 else
          "  flaky:    off")
    cycle = ", ".join(f"{WEIGHTS[k]} {k}" for k in KINDS) + f" per {sum(WEIGHTS.values())}"
    print(f"  traffic:  {args.rate:g} requests/s open-loop for {args.minutes:g} min ({cycle}), "
          f"{args.senders} sender threads; {corpus.source}; {len(corpus.lookups)} lookup paths")


def soak(args: argparse.Namespace, stack: Stack, corpus: Corpus, fake: Any
         ) -> tuple[list[Row], list[Sample], float, Flaky, Traffic]:
    """The warm-up, then the load, with the service sampled when it starts and at the end of each row."""
    seconds = args.minutes * 60
    count = max(round(seconds / args.interval), 1)
    rows: list[Row] = []

    def tick(elapsed: float) -> None:
        if elapsed >= len(rows) * args.interval and len(rows) < count:  # rows[0] is the start
            rows.append(stack.sample())
            print(f"  ... {elapsed:.0f} s of {seconds:.0f}", flush=True)

    traffic = Traffic(corpus, uuid.uuid4().hex[:8])
    section(f"Load: {args.rate:g} requests/s for {seconds:.0f} s, after {args.warmup:g} s of warm-up")
    with Flaky(fake, args.flaky_every, args.flaky_for) as flaky:
        if args.warmup:
            warm, _ = run(stack.port, traffic, args.rate, args.warmup, args.senders)
            print(f"  warm-up: {len(warm)} requests, p99 {ms(percentile([s.latency for s in warm], 0.99))} ms, "
                  f"statuses {dict(sorted(Counter(s.status for s in warm).items()))}", flush=True)
            traffic.jobs.finished.clear()  # the jobs the table counts are the measured ones
        rows.append(stack.sample())
        samples, lag = run(stack.port, traffic, args.rate, seconds, args.senders, tick)
    rows.append(stack.sample())
    return rows, samples, lag, flaky, traffic


if __name__ == "__main__":
    sys.exit(main())
