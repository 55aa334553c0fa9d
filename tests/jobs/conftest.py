"""Job tests: a private Redis per test, real `python -m enrich worker` processes (or slowed ones, see slow_worker.py),
and helpers to follow a job."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from config.settings import Settings
from enrich.jobs import status
from enrich.jobs.submission import store_for
from enrich.wiring import build_services
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
# Short leases and a fast reaper so a lost worker costs the tests seconds, not the production half minute.
FAST = {"ENRICH_JOB_LEASE_S": "2", "ENRICH_JOB_REAP_S": "1"}


def article(n: int) -> str:
    """A short synthetic article with three tags (one valid, two corrected) that says which document it is."""
    return (f"Story {n}: Microsoft (Nasdaq: MSFT) rose while Xiaomi (NASDAQ: XIACY) and meta (NASDAQ: Meta) fell "
            f"{n % 7} points.")


def documents(count: int, start: int = 0) -> list[dict]:
    return [{"id": f"doc-{n}", "text": article(n)} for n in range(start, start + count)]


def settings_for(url: str, **changes) -> Settings:
    """Offline settings on this Redis, changed as given."""
    return dataclasses.replace(Settings(market_data="offline", redis_url=url), **changes)


@pytest.fixture
def redis_job_server():
    """A private Redis for one test (its queue and jobs are that test's alone)."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def in_process(redis_job_server):
    """(settings, services, store) for running chunks in this process (test_chunks.work hands them to the worker)."""
    settings = settings_for(redis_job_server.url)
    services = build_services(settings)
    store = store_for(settings)
    try:
        yield settings, services, store
    finally:
        store.redis.close()


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


class Workers:
    """`python -m enrich worker` subprocesses, stopped by the fixture: SIGTERM, then SIGKILL after 3 s."""

    # delay_ms: the same worker started through tests/jobs/slow_worker.py, each document that much slower, so that
    # a test can kill it, or stop Redis, in the middle of a chunk.

    def __init__(self, url: str) -> None:
        self.url = url
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs = Path(tempfile.mkdtemp(prefix="enrich-workers-"))

    def start(self, name: str, *, delay_ms: int = 0, **env: str) -> subprocess.Popen:
        full = {**os.environ, "REDIS_URL": self.url, "ENRICH_MARKET_DATA": "offline", "ENRICH_LOG_LEVEL": "INFO",
                **FAST, **env}
        command = ["-m", "tests.jobs.slow_worker", str(delay_ms)] if delay_ms else ["-m", "enrich", "worker"]
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, *command, "--name", name], cwd=ROOT, env=full,
                                       stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        """What the worker wrote (JSON log lines)."""
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def kill(self, name: str) -> None:
        """SIGKILL the worker, as a machine dying would."""
        process = self.processes[name]
        _kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        """SIGTERM (a worker finishes its chunk first), then SIGKILL whatever still runs after 3 s."""
        for process in self.processes.values():
            if process.poll() is None:
                _kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        shutil.rmtree(self.logs, ignore_errors=True)


@pytest.fixture
def workers(redis_job_server):
    """Start worker processes on the test's Redis; every one is gone after the test."""
    pool = Workers(redis_job_server.url)
    try:
        yield pool
    finally:
        pool.stop_all()


def wait_finished(job_id: str, settings: Settings, timeout_s: float) -> dict:
    """Poll the job until it is finished (its status report), or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    services, report = build_services(settings), None
    while time.monotonic() < deadline:
        report = status(job_id, services, per_page=1)
        if report is not None and report["state"] == "finished":
            return report
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not finished after {timeout_s} s: {report}")


def all_results(job_id: str, settings: Settings) -> list[dict]:
    """Every result of the job, in input order, read page by page."""
    services, results, page = build_services(settings), [], 1
    while True:
        report = status(job_id, services, page=page, per_page=250)
        results += report["results"]
        if page >= report["pages"]:
            return results
        page += 1
