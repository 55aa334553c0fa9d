"""A job's state in Redis: its documents, per-document results written once, chunk attempts and leases.

Keys (all of one job expire ENRICH_JOB_TTL_S after it was submitted):
  enrich:job:<id>:meta        hash: total, chunk_size, chunks, prices, names, created, expires_ms, done, failed,
                              started, finished
  enrich:job:<id>:docs        list: the documents as JSON, in input order
  enrich:job:<id>:results     hash: input index -> the result as JSON, written with HSETNX (once, ever)
  enrich:job:<id>:chunks      hash: <chunk>:attempts, <chunk>:touched (last enqueue or claim), <chunk>:error
  enrich:job:<id>:pending     set: the chunks not yet complete
  enrich:job:<id>:lease:<n>   string: who runs chunk n; expires ENRICH_JOB_LEASE_S after its last renewal
  enrich:jobs:active          sorted set: unfinished jobs by expiry (the reaper's list)
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import AuthenticationError
from redis.retry import Retry
from rq.job import Job

ACTIVE = "enrich:jobs:active"
REAPER_LOCK = "enrich:jobs:reaper"

# Record documents' results (ARGV: index, result, failed, ..., now, job id), each unless it has one: the only write
# of a result, and the counters move only for a new one, so each document is recorded and counted exactly once.
_RECORD = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local new, failed = 0, 0
for i = 1, #ARGV - 2, 3 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then
    new = new + 1
    if ARGV[i + 2] == '1' then failed = failed + 1 end
  end
end
if new > 0 then
  redis.call('PEXPIREAT', KEYS[2], redis.call('HGET', KEYS[1], 'expires_ms'))
  local done = redis.call('HINCRBY', KEYS[1], 'done', new)
  if failed > 0 then redis.call('HINCRBY', KEYS[1], 'failed', failed) end
  if done >= tonumber(redis.call('HGET', KEYS[1], 'total')) then
    redis.call('HSET', KEYS[1], 'finished', ARGV[#ARGV - 1])
    redis.call('ZREM', KEYS[3], ARGV[#ARGV])
  end
end
return {new, failed}
"""
# Take a chunk's lease: 'ok', or why not ('gone': the job expired, 'done', 'busy': a live lease is someone else's).
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 0 then return 'done' end
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[2] then return 'busy' end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1] .. ':touched', ARGV[4])
if not redis.call('HGET', KEYS[1], 'started') then redis.call('HSET', KEYS[1], 'started', ARGV[4]) end
return 'ok'
"""
# Renew a lease we hold (or retake it if it lapsed and nobody took it); 0: lost, or the chunk is no longer pending.
_RENEW = """
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 0 then return 0 end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# Count one more run of a chunk, only if nobody else just did (attempts still as the caller saw them).
_BUMP = """
if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return -1 end
local attempts = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':attempts') or '0')
if attempts ~= tonumber(ARGV[2]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1] .. ':attempts', attempts + 1, ARGV[1] .. ':touched', ARGV[3])
return attempts + 1
"""


def dumps(value: Any) -> bytes:
    """Compact ASCII JSON: the fastest encoding json has, and a lone surrogate (valid in JSON) survives it."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def loads(data: bytes) -> Any:
    """The inverse of dumps."""
    return json.loads(data)


def retries_for(retry_s: float) -> int:
    """How many retries (0.1 s, doubling, at most 2 s apart) keep a command trying for `retry_s` seconds."""
    retries, waited = 0, 0.0
    while waited < retry_s:
        waited += min(2.0, 0.1 * 2**retries)
        retries += 1
    return retries


class _OutageRetry(Retry):
    """Retries while Redis is unreachable, never when it refuses the password (redis-py files that under connection
    errors too): that answer won't change, and waiting it out only delays the message."""

    def call_with_retry(self, do: Any, fail: Any, is_retryable: Any = None, with_failure_count: bool = False) -> Any:
        def retryable(error: Exception) -> bool:
            return not isinstance(error, AuthenticationError) and (is_retryable is None or is_retryable(error))

        return super().call_with_retry(do, fail, retryable, with_failure_count)


def connect(url: str, *, retry_s: float, timeout_s: float | None = 10.0) -> redis.Redis:
    """A client (bytes in and out, as RQ needs) whose commands ride out a Redis restart of up to `retry_s` seconds."""
    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=2, socket_keepalive=True,
                                health_check_interval=30,
                                retry=_OutageRetry(ExponentialBackoff(cap=2.0, base=0.1), retries_for(retry_s)))


class JobStore:
    """Every read and write of a job's keys; one per process and Redis URL."""

    _shared: dict[tuple[str, float], JobStore] = {}
    _lock = threading.Lock()

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._record, self._claim = client.register_script(_RECORD), client.register_script(_CLAIM)
        self._renew, self._release = client.register_script(_RENEW), client.register_script(_RELEASE)
        self._bump = client.register_script(_BUMP)

    @classmethod
    def shared(cls, url: str, *, retry_s: float) -> JobStore:
        """This process's store for `url` (made on first use: importing connects to nothing)."""
        key = (url, retry_s)
        with cls._lock:
            if key not in cls._shared:
                cls._shared[key] = cls(connect(url, retry_s=retry_s))
            return cls._shared[key]

    @staticmethod
    def key(job_id: str, part: str) -> str:
        """The name of one of a job's keys."""
        return f"enrich:job:{job_id}:{part}"

    def create(self, job_id: str, documents: list[bytes], *, prices: bool, names: bool = False, chunk_size: int,
               ttl_s: int) -> bool:
        """Store a new job (its documents already dumps()ed), every chunk pending; False when it exists already."""
        meta, now = self.key(job_id, "meta"), time.time()
        chunks = -(-len(documents) // chunk_size)
        expires_ms = int((now + ttl_s) * 1000)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(meta)
                if pipe.exists(meta):
                    return False
                pipe.multi()
                stale = ["docs", "results", "chunks", "pending", *(f"lease:{n}" for n in range(chunks))]
                pipe.delete(*(self.key(job_id, part) for part in stale))  # what an expired namesake may have left
                pipe.rpush(self.key(job_id, "docs"), *documents)
                pipe.hset(self.key(job_id, "chunks"), mapping={f"{n}:touched": now for n in range(chunks)})
                pipe.sadd(self.key(job_id, "pending"), *range(chunks))
                pipe.hset(meta, mapping={"total": len(documents), "chunk_size": chunk_size, "chunks": chunks,
                                         "prices": int(prices), "names": int(names), "created": now,
                                         "expires_ms": expires_ms, "done": 0, "failed": 0})
                for part in ("docs", "chunks", "pending", "meta"):
                    pipe.pexpireat(self.key(job_id, part), expires_ms)
                pipe.zadd(ACTIVE, {job_id: expires_ms})
                pipe.execute()
            except redis.WatchError:
                return False  # submitted at the same moment by someone else: theirs is this job
        return True

    def meta(self, job_id: str) -> dict[str, Any] | None:
        """The job's counters and settings, or None when it is unknown or expired."""
        raw = self.redis.hgetall(self.key(job_id, "meta"))
        if not raw:
            return None
        meta: dict[str, Any] = {k.decode(): v.decode() for k, v in raw.items()}
        for name in ("total", "chunk_size", "chunks", "done", "failed", "expires_ms"):
            meta[name] = int(meta[name])
        meta["prices"] = meta["prices"] == "1"
        meta["names"] = meta.get("names") == "1"  # absent in a job stored before the option existed
        return meta

    def documents(self, job_id: str, start: int, end: int) -> list[dict]:
        """Documents start..end-1 in input order."""
        return [loads(d) for d in self.redis.lrange(self.key(job_id, "docs"), start, end - 1)]

    def results(self, job_id: str, start: int, end: int) -> list[dict | None]:
        """Results start..end-1 in input order; None for a document without one yet."""
        if end <= start:
            return []
        raw = self.redis.hmget(self.key(job_id, "results"), list(range(start, end)))
        return [loads(r) if r is not None else None for r in raw]

    def recorded(self, job_id: str, start: int, end: int) -> set[int]:
        """Indices in start..end-1 that already have a result."""
        raw = self.redis.hmget(self.key(job_id, "results"), list(range(start, end)))
        return {start + n for n, r in enumerate(raw) if r is not None}

    def record(self, job_id: str, results: list[tuple[int, dict, bool]]) -> tuple[int, int]:
        """Write each (index, result, failed) whose document has none yet: (new ones, failed among them); -1: gone."""
        if not results:
            return 0, 0
        args: list[Any] = []
        for index, result, failed in results:
            args += [index, dumps(result), int(failed)]
        new, failed_ = self._record([self.key(job_id, "meta"), self.key(job_id, "results"), ACTIVE],
                                    [*args, time.time(), job_id])
        return int(new), int(failed_)

    def claim(self, job_id: str, chunk: int, token: str, lease_s: int) -> str:
        """Take the chunk's lease: 'ok', or 'gone', 'done' or 'busy'."""
        keys = [self.key(job_id, "meta"), self.key(job_id, "chunks"), self.key(job_id, f"lease:{chunk}"),
                self.key(job_id, "pending")]
        return self._claim(keys, [chunk, token, lease_s * 1000, time.time()]).decode()

    def renew(self, job_id: str, chunk: int, token: str, lease_s: int) -> bool:
        """Extend our lease; False when it is someone else's now or the chunk is complete."""
        keys = [self.key(job_id, f"lease:{chunk}"), self.key(job_id, "pending")]
        return bool(self._renew(keys, [token, lease_s * 1000, chunk]))

    def release(self, job_id: str, chunk: int, token: str) -> None:
        """Drop our lease (someone else's stays)."""
        self._release([self.key(job_id, f"lease:{chunk}")], [token])

    def complete(self, job_id: str, chunk: int, token: str | None) -> None:
        """Every document of the chunk has its result: it is no longer pending."""
        self.redis.srem(self.key(job_id, "pending"), chunk)
        if token is not None:
            self.release(job_id, chunk, token)

    def bump(self, job_id: str, chunk: int, seen_attempts: int) -> int:
        """The new attempt number, or -1 when another process counted this run first (or nothing is pending)."""
        keys = [self.key(job_id, "chunks"), self.key(job_id, "pending"), self.key(job_id, "meta")]
        return int(self._bump(keys, [chunk, seen_attempts, time.time()]))

    def note_error(self, job_id: str, chunk: int, message: str) -> None:
        """Remember why the chunk's last run failed (the message its documents get if it never succeeds)."""
        self.redis.hset(self.key(job_id, "chunks"), f"{chunk}:error", message[:2000])

    def chunk_state(self, job_id: str, chunk: int) -> tuple[int, float, str | None]:
        """(attempts, last enqueue or claim as epoch seconds, last error)."""
        attempts, touched, error = self.redis.hmget(self.key(job_id, "chunks"),
                                                    [f"{chunk}:attempts", f"{chunk}:touched", f"{chunk}:error"])
        return int(attempts or 0), float(touched or 0), error.decode() if error else None

    def touched(self, job_id: str, chunks: list[int]) -> list[tuple[int, float]]:
        """(attempts, last enqueue or claim) of each chunk, in one round trip."""
        fields = [f"{chunk}:{name}" for chunk in chunks for name in ("attempts", "touched")]
        raw = self.redis.hmget(self.key(job_id, "chunks"), fields) if fields else []
        return [(int(raw[n] or 0), float(raw[n + 1] or 0)) for n in range(0, len(raw), 2)]

    def rq_runs(self, rq_ids: list[str]) -> list[tuple[bytes | None, bytes | None]]:
        """(status, started_at) of each RQ job, as RQ keeps them (None: no such job), in one round trip."""
        with self.redis.pipeline(transaction=False) as pipe:
            for rq_job_id in rq_ids:
                pipe.hmget(Job.key_for(rq_job_id), ["status", "started_at"])
            return [tuple(row) for row in pipe.execute()]

    def pending(self, job_id: str) -> list[int]:
        """The chunks not yet complete, in order."""
        return sorted(int(c) for c in self.redis.smembers(self.key(job_id, "pending")))

    def leased(self, job_id: str, chunks: list[int]) -> list[bool]:
        """Whether each chunk's lease is alive."""
        with self.redis.pipeline(transaction=False) as pipe:
            for chunk in chunks:
                pipe.exists(self.key(job_id, f"lease:{chunk}"))
            return [bool(n) for n in pipe.execute()]

    def active(self) -> list[str]:
        """Unfinished jobs; expired ones are dropped from the list on the way."""
        self.redis.zremrangebyscore(ACTIVE, 0, int(time.time() * 1000))
        return [j.decode() for j in self.redis.zrange(ACTIVE, 0, -1)]

    def turn(self, name: str, every_s: float) -> bool:
        """True for one caller per `every_s` among every process sharing this Redis."""
        return bool(self.redis.set(name, os.getpid(), nx=True, px=max(1, int(every_s * 1000))))
