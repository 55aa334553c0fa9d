"""A job's status: state, progress and one page of results in input order (and a reaper pass for the job)."""

from __future__ import annotations

import re
from typing import Any

import redis

from enrich.errors import InvalidInput, QueueUnavailable
from enrich.jobs.reaper import reap
from enrich.jobs.store import JobStore
from enrich.jobs.submission import ID_LENGTH, store_for
from enrich.wiring import Services

MAX_PER_PAGE = 1000
_ID = re.compile(rf"^[0-9a-f]{{{ID_LENGTH}}}$")


def status(job_id: str, services: Services, *, page: int = 1, per_page: int = 100,
           store: JobStore | None = None) -> dict[str, Any] | None:
    """{id, state, progress, results, page, pages, per_page}, or None for a job that never existed or expired."""
    # `results`: the documents of page `page` (input order) that have a result so far; all of them once finished.
    # `progress.done` counts documents with a result, `failed` those among them that failed; finished: done == total.
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"page must be at least 1 and per_page between 1 and {MAX_PER_PAGE}")
    if not _ID.match(job_id):
        return None
    settings = services.settings
    store = store or store_for(settings)
    try:
        meta = store.meta(job_id)
        if meta is None:
            return None
        if "finished" not in meta and store.turn(store.key(job_id, "reaped"), settings.job_reap_s):
            if reap(store, settings, [job_id]):
                meta = store.meta(job_id) or meta
        start = (page - 1) * per_page
        results = [r for r in store.results(job_id, start, min(meta["total"], start + per_page)) if r is not None]
    except redis.RedisError as exc:
        raise QueueUnavailable(f"the job queue's Redis does not answer: {exc}") from exc
    total, done = meta["total"], meta["done"]
    state = "finished" if done >= total else "running" if done or "started" in meta else "queued"
    return {"id": job_id, "state": state, "progress": {"done": done, "failed": meta["failed"], "total": total},
            "results": results, "page": page, "pages": max(1, -(-total // per_page)), "per_page": per_page}
