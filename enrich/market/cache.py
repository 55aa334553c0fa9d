"""The Redis quote cache: a MarketData around any QuoteSource, shared by every process of the service.

Keys (all under one prefix, default `enrich:q:`; `~` never occurs in a Yahoo symbol):
  {prefix}{symbol}        JSON {"result": QuoteResult.to_json(), "fresh_until": epoch, "stale_until": epoch},
                          Redis TTL = stale_until - now; lifetimes follow the venue's hours (market/hours.py)
  {prefix}~lock:{symbol}  a fetch in flight (SET NX PX); it expires by itself if its holder dies
  {prefix}~breaker        JSON {"reason", "until", "strikes"}: no upstream call before `until`
  {prefix}~probe          the one fetch allowed through once a back-off has run out

When Redis cannot be reached, cold symbols answer `network` ("cache unavailable") without asking the
upstream: single flight and the breaker live in Redis, so a Redis outage would otherwise become a stampede
on Yahoo, which throttles hard. A Redis outage costs prices, never an error.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from enrich.market import hours
from enrich.market.model import DEADLINE, NETWORK, NO_DATA, NOT_FOUND, OK, RATE_LIMITED, QuoteResult, QuoteSource

log = logging.getLogger(__name__)

UNAVAILABLE = "cache unavailable"
_MISSES = (NOT_FOUND, NO_DATA)  # remembered, with their own lifetime
_FAILURES = (RATE_LIMITED, NETWORK)  # never cached; they open the breaker

# Delete each key whose value is ARGV[1]: a lock or probe is released only by its holder.
_RELEASE = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
"""
# Open the breaker: one more strike, unless it is open already (concurrent failures of one outage count once).
_TRIP = """
local now, base, cap, memory = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local strikes = 0
local current = redis.call('GET', KEYS[1])
if current then
  local ok, state = pcall(cjson.decode, current)
  if ok and type(state) == 'table' then
    if tonumber(state['until']) and tonumber(state['until']) > now then return 0 end
    strikes = tonumber(state['strikes']) or 0
  end
end
strikes = strikes + 1
local backoff = math.min(base * 2 ^ (strikes - 1), cap)
local state = {reason = ARGV[1], strikes = strikes}
state['until'] = now + backoff
redis.call('SET', KEYS[1], cjson.encode(state), 'PX', math.ceil((backoff + memory) * 1000))
return 1
"""


@dataclasses.dataclass
class CacheStats:
    """Counters of one process's cache, for metrics."""

    hits: int = 0
    stale_hits: int = 0
    misses: int = 0  # cold symbols
    coalesced: int = 0  # cold symbols another fetch (any process) already had in flight
    upstream_calls: int = 0
    upstream_symbols: int = 0
    upstream_failures: int = 0  # calls that ended rate_limited or network
    breaker_opens: int = 0
    breaker_rejections: int = 0  # cold symbols answered from an open breaker
    deadlines: int = 0
    cache_errors: int = 0
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        """Add to some counters at once."""
        with self._lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)

    def snapshot(self) -> dict[str, int]:
        """The counters as a dict."""
        with self._lock:
            return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if not f.name.startswith("_")}


class _Unavailable(Exception):
    """Redis did not answer."""


@dataclasses.dataclass
class _Process:
    """What must not cross a fork: the Redis client and the fetch threads."""

    pid: int
    client: Any
    executor: cf.ThreadPoolExecutor
    down_until: float = 0.0  # monotonic; Redis is not tried again before
    warned_at: float = float("-inf")
    refreshing: set[str] = dataclasses.field(default_factory=set)  # stale symbols with a refresh queued here
    jobs: set[cf.Future] = dataclasses.field(default_factory=set)  # background work not finished yet


_guard = threading.Lock()  # guards _Process creation and its sets; made anew in a forked child


def _new_guard() -> None:
    global _guard
    _guard = threading.Lock()


os.register_at_fork(after_in_child=_new_guard)


class QuoteCache:
    """Quotes from Redis; what is missing or stale is fetched once across processes, batched, within a deadline."""

    def __init__(self, client: str | Callable[[], redis.Redis], source: QuoteSource, *, prefix: str = "enrich:q:",
                 fresh_open_s: float = hours.FRESH_OPEN_S, stale_open_s: float = hours.STALE_OPEN_S,
                 miss_ttl_s: float = 3600.0, miss_stale_s: float = 300.0, lock_ttl_s: float = 30.0,
                 backoff_base_s: float = 5.0, backoff_max_s: float = 300.0, workers: int = 4,
                 poll_s: float = 0.05, socket_timeout_s: float = 0.25, redis_retry_s: float = 1.0,
                 warn_every_s: float = 60.0, default_mic: str = "XNYS",
                 clock: Callable[[], float] = time.time,
                 lifetime: Callable[..., tuple[float, float]] = hours.lifetime, local_ttl_s: float = 0.0) -> None:
        self.client, self.source, self.prefix = client, source, prefix  # a Redis URL, or a factory run per process
        self.fresh_open_s, self.stale_open_s = fresh_open_s, stale_open_s
        self.miss_ttl_s, self.miss_stale_s, self.lock_ttl_s = miss_ttl_s, miss_stale_s, lock_ttl_s
        self.backoff_base_s, self.backoff_max_s = backoff_base_s, backoff_max_s
        self.workers, self.poll_s, self.socket_timeout_s = workers, poll_s, socket_timeout_s
        self.redis_retry_s, self.warn_every_s, self.default_mic = redis_retry_s, warn_every_s, default_mic
        self.clock, self.lifetime = clock, lifetime
        self.stats = CacheStats()
        self._proc_state: _Process | None = None
        # A per-process memo of fresh quotes read from Redis, kept `local_ttl_s` at most (0: off) and never past
        # the quote's own fresh time: a hot ticker costs no Redis round trip, at most that much older than Redis.
        self.local_ttl_s = local_ttl_s
        self._local: dict[str, tuple[float, QuoteResult]] = {}

    # -- the one public call ---------------------------------------------------------------------------------

    def quotes(self, symbols: Sequence[str], deadline_s: float,
               mics: Mapping[str, str] | None = None) -> dict[str, QuoteResult]:
        """One result per symbol within `deadline_s`; `mics` (symbol → MIC) sets each quote's lifetime."""
        end = time.monotonic() + max(0.0, deadline_s)
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return {}
        if self.local_ttl_s > 0:
            remembered = self._remembered(wanted)
            if remembered is not None:
                self.stats.add(hits=len(wanted))
                return remembered
        venue = {s: (mics or {}).get(s) or self.default_mic for s in wanted}
        proc = self._proc()
        try:
            raw = self._call(proc, lambda c: c.mget([self._key("~breaker"), *map(self._key, wanted)]))
        except _Unavailable:
            return {s: QuoteResult(s, NETWORK, detail=UNAVAILABLE) for s in wanted}
        now = self.clock()
        breaker = _loads(raw[0])
        results: dict[str, QuoteResult] = {}
        cold: list[str] = []
        stale: list[str] = []
        for symbol, value in zip(wanted, raw[1:], strict=True):
            entry = self._entry(value, now)
            if entry is None:
                cold.append(symbol)
                continue
            results[symbol] = entry
            self._remember(symbol, entry, value, now)
            if entry.stale:
                stale.append(symbol)
        self.stats.add(hits=len(wanted) - len(cold) - len(stale), stale_hits=len(stale), misses=len(cold))
        if stale:
            self._refresh_later(proc, stale, venue, breaker)
        if cold:
            self._fill(proc, cold, venue, breaker, end, deadline_s, results)
        return {s: results[s] for s in wanted}

    def drain(self, timeout: float | None = None) -> bool:
        """Wait for background fetches and cache writes (graceful shutdown, tests); False if some still run."""
        proc = self._proc_state
        if proc is None or proc.pid != os.getpid():
            return True
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with _guard:
                jobs = list(proc.jobs)
            if not jobs:
                return True
            left = None if end is None else max(0.0, end - time.monotonic())
            if cf.wait(jobs, timeout=left).not_done:
                return False

    def close(self, timeout: float = 5.0) -> None:
        """Drop queued fetches, give running ones `timeout` seconds to write the cache, close the connections."""
        proc = self._proc_state
        if proc is not None and proc.pid == os.getpid():
            proc.executor.shutdown(wait=False, cancel_futures=True)
            self.drain(timeout)
            proc.client.close()
        self._proc_state = None

    # -- cold symbols: lock, fetch (or wait for whoever holds the lock), answer by the deadline -------------------

    def _fill(self, proc: _Process, cold: list[str], venue: Mapping[str, str], breaker: Any, end: float,
              deadline_s: float, results: dict[str, QuoteResult]) -> None:
        token = uuid.uuid4().hex
        try:
            blocked = self._gate(proc, breaker, token)
            if blocked is not None:
                results.update({s: QuoteResult(s, blocked[0], detail=blocked[1]) for s in cold})
                self.stats.add(breaker_rejections=len(cold))
                return
            mine, waiting = self._lock(proc, cold, token, results)
        except _Unavailable:
            results.update({s: QuoteResult(s, NETWORK, detail=UNAVAILABLE) for s in cold})
            return
        self.stats.add(coalesced=len(waiting))
        inflight = [(self._start_fetch(proc, mine, venue, token), mine)] if mine else []
        if not mine and _tripped(breaker):  # we may hold the probe and have nothing to fetch
            self._release_quietly(proc, [self._key("~probe")], token)
        waiting_set = set(waiting)
        next_poll = time.monotonic() + self.poll_s
        while True:
            for future, batch in [f for f in inflight if f[0].done()]:
                inflight.remove((future, batch))
                try:
                    results.update(future.result())
                except Exception as exc:  # the job was cancelled by close(), or a bug
                    results.update({s: QuoteResult(s, NETWORK, detail=f"fetch failed: {exc!r}") for s in batch})
            if not (inflight or waiting_set) or time.monotonic() >= end:
                break
            if waiting_set and time.monotonic() >= next_poll:
                try:
                    taken = self._poll(proc, waiting_set, token, results)
                except _Unavailable:
                    results.update({s: QuoteResult(s, NETWORK, detail=UNAVAILABLE) for s in waiting_set})
                    waiting_set.clear()
                    taken = []
                if taken:  # the holder went away without an answer: fetch them here
                    inflight.append((self._start_fetch(proc, taken, venue, token), taken))
                next_poll = time.monotonic() + self.poll_s
                continue
            timeout = max(0.0, min(end, next_poll if waiting_set else end) - time.monotonic())
            if inflight:
                cf.wait([f for f, _ in inflight], timeout=timeout, return_when=cf.FIRST_COMPLETED)
            else:
                time.sleep(timeout)
        late = [s for _, batch in inflight for s in batch]
        for symbol in late:
            results[symbol] = QuoteResult(symbol, DEADLINE, detail=(
                f"no upstream answer within {deadline_s:g} s; the fetch goes on and will fill the cache"))
        for symbol in waiting_set:
            results[symbol] = QuoteResult(symbol, DEADLINE, detail=(
                f"another process is fetching this symbol; no answer within {deadline_s:g} s"))
        self.stats.add(deadlines=len(late) + len(waiting_set))

    def _gate(self, proc: _Process, breaker: Any, token: str) -> tuple[str, str] | None:
        """None when the upstream may be asked; else (outcome, detail). After a back-off one fetch probes."""
        if not _tripped(breaker):
            return None
        blocked = self._open(breaker)
        if blocked is not None:
            return blocked
        probe = self._call(proc, lambda c: c.set(self._key("~probe"), token, nx=True, px=self._ms(self.lock_ttl_s)))
        reason = _reason(breaker)
        return None if probe else (reason, f"upstream backing off after {reason}; another fetch is probing it")

    def _open(self, breaker: Any) -> tuple[str, str] | None:
        """(outcome, detail) while the breaker's back-off runs, else None."""
        try:
            left = float(breaker["until"]) - self.clock()
        except (KeyError, TypeError, ValueError):
            return None
        if left <= 0:
            return None
        reason = _reason(breaker)
        return reason, f"upstream backing off for {left:.0f} s after {reason} (strike {breaker.get('strikes')})"

    def _lock(self, proc: _Process, cold: list[str], token: str,
              results: dict[str, QuoteResult]) -> tuple[list[str], list[str]]:
        """Take the locks we can: (symbols to fetch here, symbols another fetch holds); re-read values in one trip."""
        def commands(client):
            pipe = client.pipeline(transaction=False)
            for symbol in cold:
                pipe.set(self._key("~lock:" + symbol), token, nx=True, px=self._ms(self.lock_ttl_s))
                pipe.get(self._key(symbol))
            return pipe.execute()

        replies = self._call(proc, commands)
        now = self.clock()
        mine, waiting, written = [], [], []
        for i, symbol in enumerate(cold):
            locked, entry = replies[2 * i], self._entry(replies[2 * i + 1], now)
            if entry is not None and not entry.stale:  # written since our MGET: no second fetch
                results[symbol] = entry
                if locked:
                    written.append(self._key("~lock:" + symbol))
            else:
                (mine if locked else waiting).append(symbol)
        if written:
            self._release_quietly(proc, written, token)
        return mine, waiting

    def _poll(self, proc: _Process, waiting: set[str], token: str,
              results: dict[str, QuoteResult]) -> list[str]:
        """Pick up what other fetches wrote; return the symbols whose holder left without an answer (now ours)."""
        order = sorted(waiting)
        keys = [self._key("~breaker"), *map(self._key, order), *(self._key("~lock:" + s) for s in order)]
        raw = self._call(proc, lambda c: c.mget(keys))
        now, n = self.clock(), len(order)
        blocked = self._open(_loads(raw[0]))
        orphans = []
        for i, symbol in enumerate(order):
            entry = self._entry(raw[1 + i], now)
            if entry is not None:
                results[symbol] = entry
            elif blocked is not None:  # the holder failed and tripped the breaker
                results[symbol] = QuoteResult(symbol, blocked[0], detail=blocked[1])
            elif raw[1 + n + i] is None:
                orphans.append(symbol)
                continue
            else:
                continue
            waiting.discard(symbol)
        if not orphans:
            return []
        def commands(client):
            pipe = client.pipeline(transaction=False)
            for symbol in orphans:
                pipe.set(self._key("~lock:" + symbol), token, nx=True, px=self._ms(self.lock_ttl_s))
            return pipe.execute()

        taken = self._call(proc, commands)
        mine = [s for s, ok in zip(orphans, taken, strict=True) if ok]
        waiting.difference_update(mine)
        return mine

    # -- the fetch itself: runs on the cache's threads, writes Redis, feeds the breaker ------------------------

    def _start_fetch(self, proc: _Process, symbols: list[str], venue: Mapping[str, str], token: str) -> cf.Future:
        """Fetch on the cache's threads; the returned future has the results before they are written to Redis."""
        answer: cf.Future = cf.Future()
        job = self._submit(proc, self._fetch_and_store, proc, symbols, venue, token, answer)
        job.add_done_callback(lambda _: answer.done() or answer.cancel())  # cancelled by close() before it ran
        return answer

    def _submit(self, proc: _Process, fn: Callable[..., Any], *args: Any) -> cf.Future:
        """Run `fn` on the cache's threads; its failure is logged, since nobody may be waiting for it."""
        job = proc.executor.submit(fn, *args)
        with _guard:
            proc.jobs.add(job)

        def done(job: cf.Future) -> None:
            with _guard:
                proc.jobs.discard(job)
            if not job.cancelled() and job.exception() is not None:
                log.error("quote cache background job failed", exc_info=job.exception())

        job.add_done_callback(done)
        return job

    def _fetch_and_store(self, proc: _Process, symbols: list[str], venue: Mapping[str, str], token: str,
                         answer: cf.Future | None = None) -> None:
        """Ask the upstream once for `symbols`, hand the results to `answer`, then cache them and feed the breaker."""
        try:
            fetched = self.source.fetch(symbols)
        except Exception as exc:  # a source must not raise, but one that does must not break the cache
            log.exception("quote source raised for %d symbols", len(symbols))
            fetched = {s: QuoteResult(s, NETWORK, detail=f"upstream error: {exc!r}") for s in symbols}
        results = {s: fetched.get(s) or QuoteResult(s, NETWORK, detail="the upstream gave no answer") for s in symbols}
        failure = next((o for o in _FAILURES if any(r.outcome == o for r in results.values())), None)
        self.stats.add(upstream_calls=1, upstream_symbols=len(symbols), upstream_failures=int(failure is not None))
        if answer is not None:
            answer.set_result(results)  # the caller need not wait for a calendar to be built or Redis to answer
        now = self.clock()

        def commands(client):
            pipe = client.pipeline(transaction=False)
            for symbol, result in results.items():
                span = self._span(result, venue.get(symbol) or self.default_mic, now)
                if span is not None:
                    value = {"result": result.to_json(), "fresh_until": now + span[0], "stale_until": now + span[1]}
                    pipe.set(self._key(symbol), json.dumps(value, separators=(",", ":")), px=self._ms(span[1]))
            if failure is None:
                pipe.delete(self._key("~breaker"))
            else:
                pipe.eval(_TRIP, 1, self._key("~breaker"), failure, now, self.backoff_base_s, self.backoff_max_s,
                          self.backoff_max_s)
            locks = [self._key("~lock:" + s) for s in symbols] + [self._key("~probe")]
            pipe.eval(_RELEASE, len(locks), *locks, token)  # after the values: a waiter that sees no lock sees them
            return pipe.execute()

        try:
            replies = self._call(proc, commands)
            if failure is not None and replies[-2] == 1:
                self.stats.add(breaker_opens=1)
                log.warning("quote upstream answered %s: backing off", failure)
        except _Unavailable:
            pass

    def _refresh_later(self, proc: _Process, stale: list[str], venue: Mapping[str, str], breaker: Any) -> None:
        """Refresh stale symbols on the fetch threads, at most one refresh per symbol in flight in this process."""
        with _guard:
            todo = [s for s in stale if s not in proc.refreshing]
            proc.refreshing.update(todo)
        if todo:
            self._submit(proc, self._refresh, proc, todo, venue, breaker)

    def _refresh(self, proc: _Process, stale: list[str], venue: Mapping[str, str], breaker: Any) -> None:
        token = uuid.uuid4().hex
        try:
            if self._gate(proc, breaker, token) is not None:
                return
            fresh: dict[str, QuoteResult] = {}
            mine, _ = self._lock(proc, stale, token, fresh)  # a lock held elsewhere: that fetch refreshes it
            if mine:
                self._fetch_and_store(proc, mine, venue, token)
            elif _tripped(breaker):
                self._release_quietly(proc, [self._key("~probe")], token)
        except _Unavailable:
            pass
        finally:
            with _guard:
                proc.refreshing.difference_update(stale)

    # -- helpers ---------------------------------------------------------------------------------------------

    def _span(self, result: QuoteResult, mic: str, now: float) -> tuple[float, float] | None:
        """(fresh, total) seconds to keep `result`, or None when it is not worth caching."""
        if result.outcome in _MISSES:
            return self.miss_ttl_s, self.miss_ttl_s + self.miss_stale_s
        if result.outcome != OK:
            return None
        try:
            # The library's own lifetime never blocks a write on a calendar build (see hours.lifetime).
            extra = {"block": False} if self.lifetime is hours.lifetime else {}
            return self.lifetime(mic, now, fresh_open_s=self.fresh_open_s, stale_open_s=self.stale_open_s, **extra)
        except Exception:  # the calendar library must not lose a quote
            log.exception("lifetime failed for %s", mic)
            return hours.UNKNOWN

    def _remembered(self, wanted: list[str]) -> dict[str, QuoteResult] | None:
        """Every symbol from the local memo, or None when one is missing or past its time."""
        now = self.clock()
        out: dict[str, QuoteResult] = {}
        for symbol in wanted:
            kept = self._local.get(symbol)
            if kept is None or now >= kept[0]:
                return None
            out[symbol] = kept[1]
        return out

    def _remember(self, symbol: str, entry: QuoteResult, value: bytes | None, now: float) -> None:
        """Keep a fresh OK quote locally, until the earlier of its fresh time and `local_ttl_s`."""
        if self.local_ttl_s <= 0 or entry.stale or entry.outcome != OK:
            return
        fresh_until = float(_loads(value)["fresh_until"])
        if len(self._local) > 10_000:
            self._local.clear()
        self._local[symbol] = (min(fresh_until, now + self.local_ttl_s), entry)

    def _entry(self, value: bytes | None, now: float) -> QuoteResult | None:
        """The cached result if `value` holds one still servable at `now` (stale=True past its fresh time)."""
        data = _loads(value)
        try:
            if data is None or now >= float(data["stale_until"]):
                return None
            return QuoteResult.from_json(data["result"], stale=now >= float(data["fresh_until"]))
        except (KeyError, TypeError, ValueError):
            return None  # not ours or an older layout: as good as missing

    def _key(self, name: str) -> str:
        return self.prefix + name

    @staticmethod
    def _ms(seconds: float) -> int:
        return max(1, int(seconds * 1000))

    def _proc(self) -> _Process:
        """This process's client and threads, made on first use and again after a fork."""
        proc = self._proc_state
        if proc is not None and proc.pid == os.getpid():
            return proc
        with _guard:
            proc = self._proc_state
            if proc is None or proc.pid != os.getpid():
                if proc is not None:  # a forked child: its own counters (the parent's lock may be held)
                    self.stats = CacheStats()
                client = self.client() if callable(self.client) else self._connect(self.client)
                proc = _Process(os.getpid(), client, cf.ThreadPoolExecutor(self.workers, "quote-fetch"))
                self._proc_state = proc
        return proc

    def _connect(self, url: str) -> redis.Redis:
        # Short timeouts and one quick retry (a pooled connection may predate a Redis restart): a slow Redis
        # must cost a request a fraction of a second, not its deadline.
        return redis.Redis.from_url(url, socket_timeout=self.socket_timeout_s,
                                    socket_connect_timeout=self.socket_timeout_s, health_check_interval=15,
                                    retry=Retry(NoBackoff(), 1))

    def _call(self, proc: _Process, commands: Callable[[Any], Any]) -> Any:
        """Run `commands` on the client; _Unavailable (and a throttled warning) when Redis is down."""
        if time.monotonic() < proc.down_until:
            raise _Unavailable
        try:
            return commands(proc.client)
        except (redis.RedisError, OSError) as exc:
            now = time.monotonic()
            proc.down_until = now + self.redis_retry_s
            self.stats.add(cache_errors=1)
            if now - proc.warned_at >= self.warn_every_s:
                proc.warned_at = now
                log.warning("quote cache unavailable (%s): answering without prices, upstream not asked", exc)
            raise _Unavailable from exc

    def _release_quietly(self, proc: _Process, keys: list[str], token: str) -> None:
        try:
            self._call(proc, lambda c: c.eval(_RELEASE, len(keys), *keys, token))
        except _Unavailable:
            pass  # the keys expire on their own


def _tripped(breaker: Any) -> bool:
    return isinstance(breaker, dict) and bool(breaker.get("strikes"))


def _reason(breaker: Mapping[str, Any]) -> str:
    return breaker["reason"] if breaker.get("reason") in _FAILURES else NETWORK


def _loads(value: bytes | str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None
