"""A running chunk's lease, renewed by a heartbeat thread: while this process lives, no other worker takes the chunk;
once it dies the lease lapses within ENRICH_JOB_LEASE_S and the reaper hands the chunk on."""

from __future__ import annotations

import logging
import threading
import time

import redis

from enrich.jobs.store import JobStore

log = logging.getLogger(__name__)


class Lease:
    """Renew the lease every third of its lifetime, for at most `max_s`; `lost` is set once it is someone else's."""

    # max_s (ENRICH_JOB_TIMEOUT_S): a run stuck where RQ's timeout cannot reach it (inside C code) lets its chunk go.

    def __init__(self, store: JobStore, job_id: str, chunk: int, token: str, lease_s: int, *,
                 max_s: float | None = None) -> None:
        self.store, self.job_id, self.chunk, self.token, self.lease_s = store, job_id, chunk, token, lease_s
        self.until = time.monotonic() + max_s if max_s is not None else float("inf")
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{job_id[:8]}-{chunk}", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop renewing (the lease itself stays until released or expired)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            if time.monotonic() > self.until:
                log.error("job %s chunk %s: still running past its time; letting the lease lapse", self.job_id,
                          self.chunk)
                self.lost.set()
                return
            try:
                if not self.store.renew(self.job_id, self.chunk, self.token, self.lease_s):
                    log.warning("job %s chunk %s: lease lost; stopping at the next document", self.job_id, self.chunk)
                    self.lost.set()
                    return
            except redis.RedisError as exc:  # Redis restarting: keep trying; the lease may lapse meanwhile
                log.warning("job %s chunk %s: cannot renew the lease (%s)", self.job_id, self.chunk, exc)
