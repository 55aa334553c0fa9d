"""The reaper: a chunk that is not complete, not waiting on the queue and whose lease lapsed lost its worker; it is
enqueued again (or, out of attempts, its unfinished documents are recorded as failed).

Every worker runs it in a thread every ENRICH_JOB_REAP_S (one of them at a time does the scan), and GET
/v1/jobs/<id> runs it for that job: a dead worker's chunk is back on the queue within ENRICH_JOB_LEASE_S +
ENRICH_JOB_REAP_S of its last lease renewal.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from rq.utils import utcparse

from config.settings import Settings
from enrich.jobs.queue import retry_or_give_up, rq_id
from enrich.jobs.store import REAPER_LOCK, JobStore

log = logging.getLogger(__name__)
WAITING = {b"queued", b"deferred", b"scheduled"}


def reap(store: JobStore, settings: Settings, job_ids: list[str] | None = None) -> int:
    """Hand on every abandoned chunk of these jobs (default: every unfinished job); how many were."""
    handed = 0
    for job_id in store.active() if job_ids is None else job_ids:
        for chunk, attempts in _abandoned(store, settings, job_id):
            handed += retry_or_give_up(store, settings, job_id, chunk, attempts, "its worker was lost") != "nothing"
    return handed


def _abandoned(store: JobStore, settings: Settings, job_id: str) -> list[tuple[int, int]]:
    """(chunk, attempts) of each abandoned chunk of the job, found in a few round trips however many chunks it has."""
    pending = store.pending(job_id)
    unleased = [chunk for chunk, leased in zip(pending, store.leased(job_id, pending), strict=True) if not leased]
    now, lease_s = time.time(), settings.job_lease_s
    # Enqueued or claimed less than a lease ago: leave it (the enqueue itself may still be on its way).
    quiet = [(chunk, attempts) for chunk, (attempts, touched) in zip(unleased, store.touched(job_id, unleased),
                                                                      strict=True) if now - touched >= lease_s]
    runs = store.rq_runs([rq_id(job_id, chunk, attempts) for chunk, attempts in quiet])
    return [run for run, (status, started) in zip(quiet, runs, strict=True)
            if not _alive(status, started, now, lease_s)]


def _alive(status: bytes | None, started: bytes | None, now: float, lease_s: int) -> bool:
    """The chunk's current RQ job waits in the queue, or was taken less than a lease ago (its claim is on its way)."""
    if status in WAITING:
        return True
    return status == b"started" and bool(started) and now - utcparse(started.decode()).timestamp() < lease_s


class Reaper(threading.Thread):
    """The worker's reaper thread: every ENRICH_JOB_REAP_S, one worker among all scans the unfinished jobs."""

    def __init__(self, store: JobStore, settings: Settings) -> None:
        super().__init__(name="enrich-reaper", daemon=True)
        self.store, self.settings = store, settings
        self.stopping = threading.Event()

    def run(self) -> None:
        """Scan, sleep, repeat; Redis errors are logged and waited out."""
        every = self.settings.job_reap_s
        while not self.stopping.wait(every):
            try:
                if self.store.turn(REAPER_LOCK, every * 0.9):
                    handed = reap(self.store, self.settings)
                    if handed:
                        log.info("reaper: handed on %d abandoned chunk(s)", handed)
            except redis.RedisError as exc:
                log.warning("reaper: Redis unavailable (%s)", exc)
            except Exception:
                log.exception("reaper: scan failed")
