"""Putting chunks on the RQ queue (by dotted path, JSON on both sides) and deciding a failed chunk's next step."""

from __future__ import annotations

import logging

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from config.settings import Settings
from enrich.documents import error_record
from enrich.jobs.store import JobStore

log = logging.getLogger(__name__)

QUEUE = "enrich"
TASK = "enrich.jobs.tasks.run_chunk"
GAVE_UP = "retries_exhausted"


def rq_queue(connection: redis.Redis) -> Queue:
    """The one queue every worker listens on, with the JSON serializer the workers use too."""
    return Queue(QUEUE, connection=connection, serializer=JSONSerializer)


def rq_id(job_id: str, chunk: int, attempt: int) -> str:
    """The RQ job id of one run of a chunk: the reaper finds the run's RQ status from it."""
    return f"{job_id}-{chunk}-{attempt}"


def enqueue(store: JobStore, settings: Settings, job_id: str, chunk: int, seen_attempts: int, *,
            retry: bool = False) -> bool:
    """Count and enqueue the chunk's next run, unless another process just did (then False)."""
    attempt = store.bump(job_id, chunk, seen_attempts)
    if attempt < 0:
        return False
    rq_queue(store.redis).enqueue(
        TASK, job_id, chunk, job_id=rq_id(job_id, chunk, attempt), at_front=retry,
        job_timeout=settings.job_timeout_s, result_ttl=settings.job_ttl_s, failure_ttl=settings.job_ttl_s,
        description=f"enrich job {job_id} chunk {chunk} attempt {attempt}")
    return True


def retry_or_give_up(store: JobStore, settings: Settings, job_id: str, chunk: int, attempts: int,
                     why: str) -> str:
    """After a failed or lost run: 'retried', else (out of attempts) 'gave up', or 'nothing' if another did it."""
    if attempts < settings.job_max_attempts:
        if enqueue(store, settings, job_id, chunk, attempts, retry=True):
            log.warning("job %s chunk %s: attempt %s failed (%s); retrying", job_id, chunk, attempts, why)
            return "retried"
        return "nothing"
    give_up(store, job_id, chunk, attempts)
    log.error("job %s chunk %s: gave up after %s attempts (%s)", job_id, chunk, attempts, why)
    return "gave up"


def give_up(store: JobStore, job_id: str, chunk: int, attempts: int) -> int:
    """Record each of the chunk's documents that has no result yet as failed; how many were."""
    meta = store.meta(job_id)
    if meta is None:
        return 0
    start = chunk * meta["chunk_size"]
    end = min(meta["total"], start + meta["chunk_size"])
    error = store.chunk_state(job_id, chunk)[2] or "the worker running it stopped (killed, out of memory or lost)"
    message = f"not enriched: its chunk failed {attempts} times; the last time: {error}"
    done = store.recorded(job_id, start, end)
    failed = [(index, error_record(document["id"], GAVE_UP, message), True)
              for index, document in zip(range(start, end), store.documents(job_id, start, end), strict=True)
              if index not in done]
    new = store.record(job_id, failed)[0]
    store.complete(job_id, chunk, None)
    return max(0, new)
