"""One run of one chunk: take its lease, enrich the documents that have no result yet through the one use case (all
their prices in one quote call), and record each result once."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import redis
from rq import get_current_job
from rq.timeouts import BaseTimeoutException

from enrich import service
from enrich.documents import error_of, error_record
from enrich.domain.model import Enrichment
from enrich.errors import EnrichError
from enrich.jobs.lease import Lease
from enrich.jobs.queue import retry_or_give_up
from enrich.jobs.store import JobStore
from enrich.wiring import Services

log = logging.getLogger(__name__)
# Not the document's fault: Redis going away, or RQ stopping the chunk at ENRICH_JOB_TIMEOUT_S.
_INFRASTRUCTURE = (redis.RedisError, BaseTimeoutException)
# Results are written in small batches (a round trip per document would cost more than enriching it); a worker that
# dies loses at most these, and the rerun enriches them again.
FLUSH_DOCS, FLUSH_S = 25, 0.2


def token() -> str:
    """Who holds a lease: `worker|pid|rq job id`, for people reading Redis (and tests killing a worker)."""
    current = get_current_job()
    return f"{current.worker_name if current else '-'}|{os.getpid()}|{current.id if current else '-'}"


def run(job_id: str, chunk: int, services: Services, store: JobStore) -> dict[str, Any]:
    """Enrich the chunk; on an error, count the attempt, hand the chunk on (retry or give up) and raise."""
    settings = services.settings
    mine = token()
    attempts = store.chunk_state(job_id, chunk)[0]
    claim = store.claim(job_id, chunk, mine, settings.job_lease_s)
    summary: dict[str, Any] = {"job": job_id, "chunk": chunk, "attempt": attempts, "claim": claim}
    if claim != "ok":
        return summary  # already complete, running elsewhere, or expired: nothing to do
    final = attempts >= settings.job_max_attempts
    with Lease(store, job_id, chunk, mine, settings.job_lease_s, max_s=settings.job_timeout_s) as lease:
        try:
            summary.update(_enrich_chunk(job_id, chunk, services, store, lease, final=final))
        except Exception as exc:
            lease.stop()
            _hand_on(store, services, job_id, chunk, attempts, mine, f"{type(exc).__name__}: {exc}")
            raise
    return summary


def _hand_on(store: JobStore, services: Services, job_id: str, chunk: int, attempts: int, mine: str,
             why: str) -> None:
    """Note the error and pass the chunk on now; with Redis unreachable the lease lapses and the reaper does it."""
    try:
        store.note_error(job_id, chunk, why)
        store.release(job_id, chunk, mine)
        retry_or_give_up(store, services.settings, job_id, chunk, attempts, why)
    except redis.RedisError as exc:
        log.warning("job %s chunk %s: cannot hand the chunk on (%s); the reaper will", job_id, chunk, exc)


def _enrich_chunk(job_id: str, chunk: int, services: Services, store: JobStore, lease: Lease, *,
                  final: bool) -> dict[str, Any]:
    meta = store.meta(job_id)
    if meta is None:
        return {"gone": True}
    start = chunk * meta["chunk_size"]
    end = min(meta["total"], start + meta["chunk_size"])
    done = store.recorded(job_id, start, end)
    todo = [(i, d) for i, d in zip(range(start, end), store.documents(job_id, start, end), strict=True)
            if i not in done]
    tally = {"recorded": 0, "failed": 0, "skipped": len(done)}
    batch: list[tuple[int, dict, bool]] = []
    flushed = time.monotonic()
    try:
        for outcome in _outcomes(todo, services, meta["prices"], meta["names"], final):
            if lease.lost.is_set():
                break
            batch.append(outcome)
            if len(batch) >= FLUSH_DOCS or time.monotonic() - flushed >= FLUSH_S:
                if not _flush(store, job_id, batch, tally):
                    return {**tally, "gone": True}
                flushed = time.monotonic()
    except Exception:
        with contextlib.suppress(redis.RedisError):  # keep what was done before the crash: the rerun skips it
            _flush(store, job_id, batch, tally)
        raise
    if not _flush(store, job_id, batch, tally):
        return {**tally, "gone": True}
    if lease.lost.is_set():
        return {**tally, "lost": True}
    store.complete(job_id, chunk, lease.token)
    return tally


def _flush(store: JobStore, job_id: str, batch: list[tuple[int, dict, bool]], tally: dict[str, int]) -> bool:
    """Write the batched results (each only if its document has none yet); False when the job is gone."""
    new, failed = store.record(job_id, batch)
    batch.clear()
    if new < 0:
        return False
    tally["recorded"] += new
    tally["failed"] += failed
    return True


def _outcomes(todo: list[tuple[int, dict]], services: Services, prices: bool, names: bool,
              final: bool) -> Iterator[tuple[int, dict, bool]]:
    """(index, result, failed) for each document to do, in order, the whole chunk priced by one quote call."""
    # A document's own error (EnrichError) fails it at once. Anything else fails the run, so the chunk runs again;
    # its last attempt takes the documents one at a time, so that one that raises fails alone.
    if not final:
        outcomes = service.enrich_many([(d["text"], d["as_of"]) for _, d in todo], services, prices=prices,
                                       names=names)
        for (index, document), outcome in zip(todo, outcomes, strict=True):
            yield index, *_result(document, outcome)
        return
    for index, document in todo:
        try:
            outcome: Enrichment | EnrichError = service.enrich(document["text"], services, as_of=document["as_of"],
                                                               prices=prices, names=names)
        except EnrichError as exc:
            outcome = exc
        except _INFRASTRUCTURE:
            raise
        except Exception as exc:
            log.exception("document %r failed on the chunk's last attempt", document["id"])
            yield index, error_record(document["id"], "internal", f"{type(exc).__name__}: {exc}"), True
            continue
        yield index, *_result(document, outcome)


def _result(document: dict, outcome: Enrichment | EnrichError) -> tuple[dict, bool]:
    if isinstance(outcome, EnrichError):
        return error_of(outcome, document["id"]), True
    return {"id": document["id"], **outcome.to_dict()}, False
