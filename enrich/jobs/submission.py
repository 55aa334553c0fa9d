"""Submitting a job: documents checked, an id derived from their content, stored once, its chunks enqueued."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import redis

from config.settings import Settings
from enrich.documents import parse_document
from enrich.errors import InvalidInput, QueueUnavailable, TooLarge
from enrich.jobs.queue import enqueue
from enrich.jobs.store import JobStore, dumps
from enrich.wiring import Services

ID_LENGTH = 32  # hex digits of sha256: 128 bits
JOB_FORMAT = 1  # bump when what a job computes changes for the same documents, so old results are not reused


@dataclass(frozen=True, slots=True)
class JobRef:
    """A submitted job: its id, and whether this submission created it (False: the same job already existed)."""

    id: str
    created: bool


def document(record: Any, number: int) -> dict[str, Any]:
    """{id, text, as_of} from one submitted document, or InvalidInput saying which and what is wrong."""
    return parse_document(record, f"document {number}")


def job_id(documents: list[bytes], *, prices: bool, names: bool = False) -> str:
    """The job's id: a digest of its canonical JSON (documents in order, and what changes results: prices and names
    on/off)."""
    # Each document is {"id", "text", "as_of"} in that order, compact ASCII JSON (store.dumps): one canonical form.
    # `names` enters only when on, so a job without it keeps the id it had before the option existed.
    options = {"format": JOB_FORMAT, "prices": prices, **({"names": True} if names else {})}
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for document in documents:
        digest.update(b"\n" + document)
    return digest.hexdigest()[:ID_LENGTH]


def store_for(settings: Settings, *, retry_s: float | None = None) -> JobStore:
    """This process's job store (retrying for ENRICH_REDIS_RETRY_S unless told); QueueUnavailable without REDIS_URL."""
    if not settings.redis_url:
        raise QueueUnavailable("jobs need REDIS_URL: the queue, the documents and the results live in Redis")
    return JobStore.shared(settings.redis_url, retry_s=settings.redis_retry_s if retry_s is None else retry_s)


def submit(documents: list[dict], services: Services, *, prices: bool | None = None, names: bool = False,
           store: JobStore | None = None) -> JobRef:
    """Store the job and enqueue its chunks, unless the same documents (and options) are a job already: then that."""
    # Raises InvalidInput for a bad document, TooLarge past ENRICH_MAX_JOB_DOCUMENTS, QueueUnavailable without Redis.
    settings = services.settings
    docs = [document(record, number) for number, record in enumerate(documents)]
    if not docs:
        raise InvalidInput("a job needs at least one document")
    if len(docs) > settings.max_job_documents:
        raise TooLarge(f"{len(docs)} documents is more than ENRICH_MAX_JOB_DOCUMENTS ({settings.max_job_documents})")
    prices = True if prices is None else prices
    encoded = [dumps(d) for d in docs]
    ref = JobRef(job_id(encoded, prices=prices, names=names), created=False)
    store = store or store_for(settings)
    try:
        if not store.create(ref.id, encoded, prices=prices, names=names, chunk_size=settings.job_chunk,
                            ttl_s=settings.job_ttl_s):
            return ref
        for chunk in range(-(-len(docs) // settings.job_chunk)):
            enqueue(store, settings, ref.id, chunk, 0)  # a chunk this misses (we die here) the reaper enqueues
    except redis.RedisError as exc:
        raise QueueUnavailable(f"the job queue's Redis does not answer: {exc}") from exc
    return JobRef(ref.id, created=True)
