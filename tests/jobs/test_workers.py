"""Real `python -m enrich worker` processes on a real Redis: a big job, a worker killed mid-chunk, and Redis
restarting mid-job. Every document ends with exactly one result."""

from __future__ import annotations

import time

import pytest
from rq.job import Job

from enrich.jobs import submit
from enrich.jobs.queue import rq_id
from enrich.jobs.submission import store_for
from enrich.wiring import build_services
from tests.jobs.conftest import Workers, all_results, documents, settings_for, wait_finished
from tests.redis_server import RedisServer

SLOW_MS = 100  # 1 s per chunk of 10: long enough to kill a worker in the middle


def exactly_once(job_id, settings, docs):
    """Every document has one result, in input order, and the counters agree."""
    results = all_results(job_id, settings)
    assert [r["id"] for r in results] == [d["id"] for d in docs]
    assert all("mentions" in r for r in results), [r for r in results if "mentions" not in r][:3]
    return results


def running_chunk(store, job_id, timeout_s=20.0, min_done=3):
    """(chunk, lease holder) of a chunk in the middle of its run: leased, with a few documents recorded."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for chunk in store.pending(job_id):
            holder = store.redis.get(store.key(job_id, f"lease:{chunk}"))
            start = chunk * 10
            if holder and len(store.recorded(job_id, start, start + 10)) >= min_done:
                return chunk, holder.decode()
        time.sleep(0.02)
    raise AssertionError("no chunk got under way")


def handed_on_within(store, job_id, chunk, timeout_s):
    """Seconds until the chunk's next run is counted (the reaper or the worker re-enqueued it)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if store.chunk_state(job_id, chunk)[0] >= 2:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"chunk {chunk} was not handed on within {timeout_s} s")


def test_a_thousand_documents_are_each_enriched_once(redis_job_server, workers):
    settings = settings_for(redis_job_server.url)
    workers.start("w1")
    workers.start("w2")
    docs = documents(1000)
    ref = submit(docs, build_services(settings))
    report = wait_finished(ref.id, settings, timeout_s=60)
    assert report["progress"] == {"done": 1000, "failed": 0, "total": 1000}
    results = exactly_once(ref.id, settings, docs)
    assert {m["claimed"]["symbol"]: m["status"] for m in results[500]["mentions"]} == {
        "MSFT": "valid", "XIACY": "corrected", "Meta": "corrected"}
    store = store_for(settings)
    assert [store.chunk_state(ref.id, c)[0] for c in range(10)] == [1] * 10  # no chunk ran twice


def test_a_worker_killed_mid_chunk_loses_nothing(redis_job_server, workers):
    lease_s, reap_s = 2, 1
    settings = settings_for(redis_job_server.url, job_chunk=10)
    workers.start("w1", delay_ms=SLOW_MS)
    workers.start("w2", delay_ms=SLOW_MS)
    docs = documents(60)
    ref = submit(docs, build_services(settings))
    store = store_for(settings)
    chunk, holder = running_chunk(store, ref.id)
    done_before = store.recorded(ref.id, chunk * 10, chunk * 10 + 10)
    workers.kill(holder.split("|")[0])  # SIGKILL, as a machine dying would
    # The stated bound: back on the queue within ENRICH_JOB_LEASE_S + ENRICH_JOB_REAP_S of the last renewal.
    assert handed_on_within(store, ref.id, chunk, timeout_s=15) <= lease_s + reap_s + 1.0
    report = wait_finished(ref.id, settings, timeout_s=30)
    assert report["progress"] == {"done": 60, "failed": 0, "total": 60}
    exactly_once(ref.id, settings, docs)
    rerun = Job.fetch(rq_id(ref.id, chunk, 2), connection=store.redis, serializer="json").return_value()
    assert rerun["claim"] == "ok" and rerun["skipped"] >= len(done_before)  # documents done before were not redone
    assert rerun["recorded"] == 10 - rerun["skipped"]


@pytest.fixture
def persistent_redis():
    """A private Redis with an append-only file: what it acknowledged survives a restart (production needs this)."""
    server = RedisServer(appendonly=True)
    server.start()
    pool = Workers(server.url)
    try:
        yield server, pool
    finally:
        pool.stop_all()
        server.close()


@pytest.mark.parametrize(("outage_s", "retry_s", "lease_s"), [(1.5, "15", "5"), (4.0, "1", "2")],
                         ids=["commands-ride-it-out", "chunks-run-again"])
def test_a_job_finishes_across_a_redis_restart(persistent_redis, outage_s, retry_s, lease_s):
    # Short outage: every command is retried until Redis is back and no lease lapses: nothing runs twice. Long one
    # (past ENRICH_REDIS_RETRY_S and the lease): the running chunks fail or lose their lease and run again.
    server, pool = persistent_redis
    settings = settings_for(server.url, job_chunk=10)
    for name in ("w1", "w2"):
        pool.start(name, delay_ms=40, ENRICH_REDIS_RETRY_S=retry_s, ENRICH_JOB_LEASE_S=lease_s)
    docs = documents(80)
    ref = submit(docs, build_services(settings))
    store = store_for(settings)
    running_chunk(store, ref.id, min_done=2)
    server.stop()
    time.sleep(outage_s)
    server.start()
    report = wait_finished(ref.id, settings, timeout_s=45)
    assert report["progress"] == {"done": 80, "failed": 0, "total": 80}
    exactly_once(ref.id, settings, docs)
    assert all(p.poll() is None for p in pool.processes.values()), "a worker exited instead of reconnecting"
    runs = [store.chunk_state(ref.id, chunk)[0] for chunk in range(8)]
    assert (max(runs) > 1) is (outage_s > int(retry_s)), runs
