"""The quote cache's per-process side: its Redis client, its fetch threads and the background work they have in hand."""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from enrich.redis_cooldown import ERRORS, Cooldown

log = logging.getLogger("enrich.market.cache")  # the quote cache logs under one name, whichever module it is in


class Unavailable(Exception):
    """Redis did not answer, or failed moments ago."""


@dataclasses.dataclass
class Process:
    """What must not cross a fork: the Redis client and the fetch threads."""

    pid: int
    client: Any
    executor: cf.ThreadPoolExecutor
    cooldown: Cooldown
    on_error: Callable[[], None]  # counts a Redis error
    refreshing: set[str] = dataclasses.field(default_factory=set)  # stale symbols with a refresh queued here
    jobs: set[cf.Future] = dataclasses.field(default_factory=set)  # background work not finished yet

    def mine(self) -> bool:
        """True in the process that made this one (not in a forked child)."""
        return self.pid == os.getpid()

    def call(self, commands: Callable[[Any], Any]) -> Any:
        """Run `commands` on the client; Unavailable (and a throttled warning) when Redis is down.

        Single flight and the breaker live in Redis, so without Redis a cold symbol answers without asking the
        upstream: a Redis outage would otherwise become a stampede on Yahoo, which throttles hard."""
        if self.cooldown.active():
            raise Unavailable
        try:
            return commands(self.client)
        except ERRORS as exc:
            self.on_error()
            self.cooldown.failed("quote cache unavailable (%s): answering without prices, upstream not asked", exc)
            raise Unavailable from exc

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        """Run `fn` on the fetch threads; its failure is logged, since nobody may be waiting for it."""
        job = self.executor.submit(fn, *args)
        with _guard:
            self.jobs.add(job)

        def done(job: cf.Future) -> None:
            with _guard:
                self.jobs.discard(job)
            if not job.cancelled() and job.exception() is not None:
                log.error("quote cache background job failed", exc_info=job.exception())

        job.add_done_callback(done)
        return job

    def claim(self, symbols: list[str]) -> list[str]:
        """Those of `symbols` with no refresh queued here yet, now marked as queued: one refresh per symbol."""
        with _guard:
            todo = [s for s in symbols if s not in self.refreshing]
            self.refreshing.update(todo)
        return todo

    def settle(self, symbols: list[str]) -> None:
        """Unmark `symbols`: their refresh is over."""
        with _guard:
            self.refreshing.difference_update(symbols)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait for the background work, including what it submits meanwhile; False if some still runs."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with _guard:
                jobs = list(self.jobs)
            if not jobs:
                return True
            left = None if end is None else max(0.0, end - time.monotonic())
            if cf.wait(jobs, timeout=left).not_done:
                return False

    def close(self, timeout: float) -> None:
        """Drop queued work, give running work `timeout` seconds to write the cache, close the connections."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.drain(timeout)
        self.client.close()


_guard = threading.Lock()  # guards Process creation and its sets; made anew in a forked child


def guard() -> threading.Lock:
    """The lock for making a Process (this process's: a forked child gets a free one)."""
    return _guard


def _new_guard() -> None:
    global _guard
    _guard = threading.Lock()


os.register_at_fork(after_in_child=_new_guard)
