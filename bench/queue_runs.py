"""The runs of bench/queue_jobs.py: the batch baseline, worker processes, one timed job and its check."""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, cpu_seconds, read_corpus

POLL_S = 0.02


def load_corpus(count: int, sample: str) -> list[dict[str, Any]]:
    """`count` documents {id, text, as_of}: evenly spread over the archive, or its first ones."""
    rows = list(read_corpus())
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


def self_cpu() -> float:
    """CPU seconds this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_results(path: Path) -> dict[Any, list]:
    """id -> mentions, from a batch output file."""
    with open(path, encoding="utf-8") as handle:
        return {record["id"]: record.get("mentions") for record in map(json.loads, handle)}


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

        redis_before, self_before = cpu_seconds(server.process.pid), self_cpu()
        start = time.perf_counter()
        job = submit(docs, services, prices=not args.no_prices)
        submitted = time.perf_counter() - start
        final = wait_finished(job.id, services, workers, args.timeout)
        seconds = time.perf_counter() - start  # timed from the submit call: the submitter's cost is part of it
        redis_cpu, bench_cpu = cpu_seconds(server.process.pid) - redis_before, self_cpu() - self_before
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
