"""The RQ job functions: top level, JSON arguments in, a dict out, errors raised (RQ records them; the chunk is
retried). Enqueued by dotted path (`enrich.jobs.tasks.run_chunk`) with the JSON serializer on both sides.

RQ calls a job function with the job's arguments only, so what a chunk runs with (the services and the job store,
built once per worker process) is handed to it by the worker that runs it: EnrichWorker performs every job inside
`running(runtime)`, and the function reads `current()`. Nothing is a module global to install or reset."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from config.settings import Settings
from enrich.errors import ConfigError
from enrich.jobs import chunk as chunks
from enrich.jobs.store import JobStore
from enrich.wiring import Services, build_services


@dataclass(frozen=True, slots=True)
class Runtime:
    """What chunks run with: the services (shared by every chunk a worker runs, verdict memo and all) and the store."""

    services: Services
    store: JobStore

    @classmethod
    def build(cls, settings: Settings | None = None) -> Runtime:
        """build_services(settings) (settings from the environment unless given) and the job store on REDIS_URL."""
        services = build_services(settings)
        settings = services.settings
        if not settings.redis_url:
            raise ConfigError("jobs need REDIS_URL: the queue, the documents and the results live in Redis")
        return cls(services, JobStore.shared(settings.redis_url, retry_s=settings.redis_retry_s))


_current: ContextVar[Runtime] = ContextVar("enrich_jobs_runtime")


@contextmanager
def running(runtime: Runtime) -> Iterator[Runtime]:
    """Make `runtime` what the job functions called inside the block run with."""
    token = _current.set(runtime)
    try:
        yield runtime
    finally:
        _current.reset(token)


def current() -> Runtime:
    """The runtime of the worker running this job; ConfigError outside one (a plain `rq worker` brings none)."""
    runtime = _current.get(None)
    if runtime is None:
        raise ConfigError("enrich jobs run in an enrich worker (python -m enrich worker), which builds their services")
    return runtime


def run_chunk(job_id: str, chunk: int) -> dict:
    """Enrich one chunk of a job: every document without a result gets exactly one; raise on a crash."""
    runtime = current()
    return chunks.run(job_id, chunk, runtime.services, runtime.store)
