"""Chunks run in this process by the worker's RQ class (a SimpleWorker, JSON serializer) with the services given:
one price call per chunk, bad and crashing documents, the reaper's two outcomes, duplicate submissions, expiry, a lost
lease, the worker's restart loop, and a task outside a worker."""

from __future__ import annotations

import dataclasses
import time

import pytest
import redis
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from config.settings import Settings
from enrich import service
from enrich.errors import ConfigError, QueueUnavailable
from enrich.jobs import status, submit, tasks
from enrich.jobs import worker as worker_module
from enrich.jobs.lease import Lease
from enrich.jobs.queue import rq_queue
from enrich.jobs.reaper import reap
from enrich.jobs.store import dumps
from enrich.jobs.submission import document, job_id
from enrich.market.offline import OfflineSource
from enrich.wiring import build_services
from tests.jobs.conftest import all_results, documents


def work(services, store) -> None:
    """Run every queued chunk here and now, with these services, as a worker process would, JSON both ways."""
    worker_module.EnrichWorker([rq_queue(store.redis)], connection=store.redis, serializer=JSONSerializer,
                               runtime=tasks.Runtime(services, store)).work(burst=True, logging_level="WARNING")


def changed(in_process, **changes):
    """The in-process settings changed as given, in the services too."""
    settings, services, store = in_process
    settings = dataclasses.replace(settings, **changes)
    return settings, dataclasses.replace(services, settings=settings), store


class CountingMarket:
    """The offline market, counting the quote calls that reach it."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def quotes(self, symbols, deadline_s, mics=None):
        self.calls.append(sorted(symbols))
        return OfflineSource().quotes(symbols, deadline_s, mics)


def test_a_chunk_asks_for_its_prices_in_one_call(in_process):
    settings, services, store = changed(in_process, job_chunk=10)
    market = CountingMarket()
    ref = submit(documents(25), services)
    work(dataclasses.replace(services, market=market), store)
    assert status(ref.id, services)["state"] == "finished"
    assert market.calls == [["META", "MSFT", "XIACY"]] * 3  # one per chunk, none per document


def test_a_crashing_document_costs_retries_then_fails_alone(in_process, monkeypatch):
    settings, services, store = changed(in_process, job_chunk=10, job_max_attempts=2)
    real = service._judged

    def fragile(text, *args, **kwargs):  # a bug that only this document's text sets off
        if "POISON" in text:
            raise RuntimeError("boom")
        return real(text, *args, **kwargs)

    monkeypatch.setattr(service, "_judged", fragile)
    docs = documents(10)
    docs[3]["text"] += " POISON"
    ref = submit(docs, services)
    work(services, store)
    report = status(ref.id, services)
    assert report["state"] == "finished" and report["progress"] == {"done": 10, "failed": 1, "total": 10}
    results = all_results(ref.id, settings)
    assert [r["id"] for r in results] == [d["id"] for d in docs]
    assert results[3]["error"] == {"code": "internal", "message": "RuntimeError: boom"}
    assert all("mentions" in r for n, r in enumerate(results) if n != 3)
    assert store.chunk_state(ref.id, 0)[0] == 2  # the first run failed, the last one isolated the document
    assert FailedJobRegistry(queue=rq_queue(store.redis)).count == 1  # RQ recorded the crash


def test_a_document_over_the_size_limit_fails_at_once(in_process):
    settings, services, store = changed(in_process, max_text_bytes=300)
    docs = documents(3)
    docs[1]["text"] = "x" * 301
    ref = submit(docs, services)
    work(services, store)
    results = all_results(ref.id, settings)
    assert results[1]["error"]["code"] == "too_large" and "ENRICH_MAX_TEXT_BYTES" in results[1]["error"]["message"]
    assert "mentions" in results[0] and "mentions" in results[2]
    assert store.chunk_state(ref.id, 0)[0] == 1  # a bad document is no reason to run the chunk again


@pytest.mark.parametrize("max_attempts", [1, 2])
def test_the_reaper_hands_on_a_chunk_whose_worker_vanished(in_process, max_attempts):
    settings, services, store = changed(in_process, job_lease_s=1, job_max_attempts=max_attempts)
    docs = documents(5)
    ref = submit(docs, services)
    rq_queue(store.redis).empty()  # as if a worker took the chunk off the queue ...
    assert store.claim(ref.id, 0, "ghost|1|gone", 1) == "ok"  # ... claimed it, did two documents ...
    for index in (0, 1):
        store.record(ref.id, [(index, {"id": docs[index]["id"], "mentions": [], "meta": {}}, False)])
    assert reap(store, settings) == 0  # ... and is still within its lease
    time.sleep(1.1)  # ... then died: the lease lapses
    assert reap(store, settings) == 1
    work(services, store)
    report = status(ref.id, services)
    assert report["progress"]["done"] == 5 and report["state"] == "finished"
    results = all_results(ref.id, settings)
    assert [r["id"] for r in results] == [d["id"] for d in docs]
    if max_attempts == 1:  # out of attempts: the unfinished documents are failed, the finished ones kept
        assert report["progress"]["failed"] == 3
        assert {r["error"]["code"] for r in results[2:]} == {"retries_exhausted"}
        assert "stopped" in results[2]["error"]["message"]
    else:
        assert report["progress"]["failed"] == 0 and all("mentions" in r for r in results)
        assert results[2]["mentions"]  # enriched by the second run; the first two kept from the first
    assert reap(store, settings) == 0


def test_the_same_documents_again_are_the_same_job(in_process):
    settings, services, store = changed(in_process, job_chunk=2)
    docs = documents(5)
    first = submit(docs, services)
    queued = rq_queue(store.redis).count
    again = submit([dict(d) for d in docs], services)
    assert (first.created, again.created, again.id) == (True, False, first.id)
    assert rq_queue(store.redis).count == queued == 3  # nothing enqueued twice
    assert submit(docs, services, prices=False).id != first.id  # prices change the results: another job
    assert job_id([dumps(document(d, 0)) for d in docs[:4]], prices=True) != first.id
    named = submit(docs, services, names=True)  # names change the results too: another job
    assert named.created and named.id not in (first.id, submit(docs, services, names=False).id)
    assert job_id([dumps(document(d, 0)) for d in docs], prices=True, names=False) == first.id  # ids kept from before


@pytest.mark.parametrize("max_attempts", [1, 2])  # 1: the last attempt's path, one document at a time
def test_a_job_with_names_passes_them_to_the_use_case(in_process, max_attempts):
    settings, services, store = changed(in_process, job_chunk=2, job_max_attempts=max_attempts)
    docs = documents(3)
    named, plain = submit(docs, services, prices=False, names=True), submit(docs, services, prices=False)
    assert store.meta(named.id)["names"] and not store.meta(plain.id)["names"]
    work(services, store)
    expected = [service.enrich(d["text"], services, prices=False, names=True).to_dict() for d in docs]
    assert [{k: v for k, v in r.items() if k != "id"} for r in all_results(named.id, settings)] == expected
    assert not any("companies" in r for r in all_results(plain.id, settings))


def test_an_expired_job_is_gone_and_can_be_submitted_again(in_process):
    settings, services, store = changed(in_process, job_ttl_s=1)
    ref = submit(documents(2), services)
    time.sleep(1.2)
    assert status(ref.id, services) is None
    work(services, store)  # its queued chunk finds nothing to do, and resurrects nothing
    assert status(ref.id, services) is None and not store.redis.keys(f"enrich:job:{ref.id}:*")
    assert submit(documents(2), services).created


def test_a_run_that_lost_its_lease_stops(in_process):
    settings, services, store = changed(in_process, job_lease_s=1)
    ref = submit(documents(2), services)
    assert store.claim(ref.id, 0, "me", 1) == "ok"
    store.redis.set(store.key(ref.id, "lease:0"), "someone else")
    with Lease(store, ref.id, 0, "me", 1) as lease:
        assert lease.lost.wait(2)


def test_a_run_past_its_time_lets_its_lease_lapse(in_process):
    settings, services, store = changed(in_process, job_lease_s=1)
    ref = submit(documents(2), services)
    assert store.claim(ref.id, 0, "me", 1) == "ok"
    with Lease(store, ref.id, 0, "me", 1, max_s=0.5) as lease:
        assert lease.lost.wait(2)
        time.sleep(1.1)
        assert not store.leased(ref.id, [0])[0]  # no longer renewed: the reaper may hand the chunk on


def test_the_worker_starts_again_when_redis_goes_away(in_process, monkeypatch):
    settings, services, store = in_process
    calls = []

    def work_once(self, burst=False, logging_level=None):
        calls.append(self.name)
        if len(calls) == 1:
            raise redis.ConnectionError("Redis went away")
        self.stop_asked = True  # the second worker is stopped with SIGTERM

    monkeypatch.setattr(worker_module.EnrichWorker, "work", work_once)
    waits = []
    monkeypatch.setattr(worker_module, "_wait_for", lambda connection, wait_s: waits.append(wait_s))
    assert worker_module.run_worker(settings, name="w") == 0
    assert calls == ["w", "w.1"] and waits == [2.0]  # a fresh name: the first may still look alive in Redis


def test_jobs_need_redis():
    with pytest.raises(QueueUnavailable, match="REDIS_URL"):
        submit(documents(1), build_services(Settings(market_data="offline")))


def test_a_task_runs_only_in_an_enrich_worker(in_process):
    settings, services, store = in_process
    with pytest.raises(ConfigError, match="enrich worker"):
        tasks.run_chunk("0" * 32, 0)  # RQ's own worker would call it so: no services to run with
    with tasks.running(tasks.Runtime(services, store)):
        assert tasks.run_chunk("0" * 32, 0)["claim"] == "gone"
