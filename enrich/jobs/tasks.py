"""The RQ job functions: top level, JSON arguments in, a dict out, errors raised (RQ records them; the chunk is
retried). Enqueued by dotted path (`enrich.jobs.tasks.run_chunk`) with the JSON serializer on both sides."""

from __future__ import annotations

import threading

from config.settings import Settings
from enrich.errors import ConfigError
from enrich.jobs import chunk as chunks
from enrich.jobs.store import JobStore
from enrich.wiring import Services, build_services

_built: tuple[Services, JobStore] | None = None
_lock = threading.Lock()


def prepare(settings: Settings | None = None) -> tuple[Services, JobStore]:
    """This process's services and job store, built once (settings from the environment unless given)."""
    # The worker calls it before it takes its first chunk: every chunk it runs shares these (and the verdict memo).
    global _built
    if _built is None:
        with _lock:
            if _built is None:
                services = build_services(settings)
                if not services.settings.redis_url:
                    raise ConfigError("jobs need REDIS_URL: the queue, the documents and the results live in Redis")
                _built = services, JobStore.shared(services.settings.redis_url,
                                                   retry_s=services.settings.redis_retry_s)
    return _built


def install(services: Services, store: JobStore) -> None:
    """Use these instead (tests, and an in-process worker that already has its services)."""
    global _built
    _built = services, store


def reset() -> None:
    """Forget what prepare() built (tests)."""
    global _built
    _built = None


def run_chunk(job_id: str, chunk: int) -> dict:
    """Enrich one chunk of a job: every document without a result gets exactly one; raise on a crash."""
    services, store = prepare()
    return chunks.run(job_id, chunk, services, store)
