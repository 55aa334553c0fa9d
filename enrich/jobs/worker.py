"""`python -m enrich worker`: an RQ worker (JSON serializer) that runs chunks in its own process, runs the reaper
thread, and outlives Redis restarts."""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

import redis
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer

from config.settings import Settings
from enrich.errors import ConfigError
from enrich.jobs.queue import rq_queue
from enrich.jobs.reaper import Reaper
from enrich.jobs.store import connect
from enrich.jobs.tasks import Runtime, running

log = logging.getLogger(__name__)
WORKER_TTL_S = 420  # RQ's default; a blocking dequeue waits WORKER_TTL_S - 15 s, so sockets wait a little longer
MAINTENANCE_S = 60  # RQ's own registry cleanup (abandoned RQ jobs, its intermediate queue); ours is the reaper
MAX_BACKOFF_S = 30.0


class EnrichWorker(SimpleWorker):
    """RQ's worker that runs chunks in its own process with its runtime, and says whether it was asked to stop (else
    Redis went away)."""

    # No fork per job: the services and their verdict memo stay warm from chunk to chunk (twice the throughput).

    stop_asked = False

    def __init__(self, *args: Any, runtime: Runtime | None = None, **kwargs: Any) -> None:
        # RQ also builds workers itself (Worker.all, to list them) with its own arguments only: runtime optional.
        super().__init__(*args, **kwargs)
        self.runtime = runtime

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Perform the job here, its task function reaching this worker's runtime (tasks.current())."""
        if self.runtime is None:
            super().execute_job(job, queue)
            return
        with running(self.runtime):
            super().execute_job(job, queue)

    def request_stop(self, signum: Any, frame: Any) -> None:
        """SIGTERM/SIGINT: finish the current chunk, then stop (a second signal stops at once)."""
        self.stop_asked = True
        super().request_stop(signum, frame)


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> int:
    """Work the queue until SIGTERM (with `burst`, until it is empty); Redis going away is waited out, not fatal."""
    if not settings.redis_url:
        raise ConfigError("the worker needs REDIS_URL: the queue lives in Redis")
    runtime = Runtime.build(settings)  # built once: every chunk this process runs shares it
    connection = connect(settings.redis_url, retry_s=settings.redis_retry_s, timeout_s=WORKER_TTL_S + 30)
    try:
        connection.ping()
    except redis.AuthenticationError as exc:
        raise _refused(exc) from None
    except redis.RedisError:
        pass  # unreachable for now: waited out below, as a restart is
    reaper = Reaper(runtime.store, settings)
    reaper.start()
    restarts, backoff = 0, 1.0
    try:
        while True:
            worker = EnrichWorker([rq_queue(connection)], connection=connection, serializer=JSONSerializer,
                                  name=f"{name}.{restarts}" if name and restarts else name, worker_ttl=WORKER_TTL_S,
                                  maintenance_interval=MAINTENANCE_S, runtime=runtime)
            started = time.monotonic()
            try:
                worker.work(burst=burst, logging_level=settings.log_level)
            except redis.AuthenticationError as exc:  # the password changed under us: say so and stop
                raise _refused(exc) from None
            except (redis.RedisError, ValueError) as exc:  # ValueError: RQ's "active worker named ..." at birth
                log.warning("worker stopped: %s", exc)
            if worker.pubsub_thread is not None:  # its teardown may not have got that far with Redis gone
                worker.pubsub_thread.stop()
            if worker.stop_asked or (burst and _drained(connection)):
                return 0
            backoff = 1.0 if time.monotonic() - started > 60 else min(backoff * 2, MAX_BACKOFF_S)
            restarts += 1
            log.warning("worker lost Redis; starting again in %.0f s (pid %d)", backoff, os.getpid())
            if not _wait_for_unless_stopped(connection, backoff):
                return 0
    finally:
        reaper.stopping.set()


def _refused(exc: redis.AuthenticationError) -> ConfigError:
    """The one line for Redis refusing the password (at start, or changed under a running worker)."""
    return ConfigError(f"REDIS_URL: Redis refused the worker's credentials ({exc})")


def _drained(connection: redis.Redis) -> bool:
    try:
        return rq_queue(connection).count == 0
    except redis.RedisError:
        return False


class _Stop(Exception):
    """SIGTERM or SIGINT while no RQ worker is running."""


def _wait_for_unless_stopped(connection: redis.Redis, first_wait_s: float) -> bool:
    """Wait for Redis; False when SIGTERM or SIGINT comes first (RQ's handlers belong to the worker that quit)."""

    def stop(signum: int, frame: Any) -> None:
        """Leave the wait."""
        raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        _wait_for(connection, first_wait_s)
        return True
    except _Stop:
        return False
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_for(connection: redis.Redis, first_wait_s: float) -> None:
    """Sleep, then until Redis answers a PING."""
    time.sleep(first_wait_s)
    wait = first_wait_s
    while True:
        try:
            connection.ping()
            return
        except redis.RedisError:
            wait = min(wait * 2, MAX_BACKOFF_S)
            time.sleep(wait)
