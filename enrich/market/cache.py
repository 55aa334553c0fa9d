"""The Redis quote cache: a MarketData around any QuoteSource, shared by every process of the service."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
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

from enrich.market import hours, keys
from enrich.market.breaker import FAILURES, Breaker
from enrich.market.flight import Flight
from enrich.market.memo import Memo
from enrich.market.model import DEADLINE, NETWORK, NO_DATA, NOT_FOUND, OK, QuoteResult, QuoteSource
from enrich.market.pool import Process, Unavailable, guard
from enrich.market.stats import CacheStats
from enrich.redis_cooldown import Cooldown

# What is fresh in Redis is answered at once; what is stale is answered and refreshed in the background; what is
# missing is fetched once across processes (flight.py), batched, within the deadline, unless the upstream's breaker
# is open (breaker.py). The key layout is in keys.py, the per-process client and threads in pool.py. A Redis outage
# costs prices, never an error, and never a call to the upstream (pool.Process.call says why).

log = logging.getLogger(__name__)

UNAVAILABLE = "cache unavailable"
WRITE_RETRY_S = 0.5  # how often a fetch's write that found Redis away is tried again
_MISSES = (NOT_FOUND, NO_DATA)  # remembered, with their own lifetime


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
        self.miss_ttl_s, self.miss_stale_s = miss_ttl_s, miss_stale_s
        self.workers, self.poll_s, self.socket_timeout_s = workers, poll_s, socket_timeout_s
        self.redis_retry_s, self.warn_every_s, self.default_mic = redis_retry_s, warn_every_s, default_mic
        self.clock, self.lifetime = clock, lifetime
        self._keys = keys.Keys(prefix)
        self._breaker = Breaker(self._keys.breaker, self._keys.probe, clock=clock, base_s=backoff_base_s,
                                max_s=backoff_max_s, probe_px=keys.px(lock_ttl_s))
        self.lock_ttl_s = lock_ttl_s
        self._flight = Flight(self._keys, self._breaker, clock=clock, lock_px=keys.px(lock_ttl_s))
        self._memo = Memo(local_ttl_s)  # fresh quotes kept in this process (local_ttl_s 0: off)
        self._stats = CacheStats()
        self._proc_state: Process | None = None

    # -- the public calls ------------------------------------------------------------------------------------

    def quotes(self, symbols: Sequence[str], deadline_s: float,
               mics: Mapping[str, str] | None = None) -> dict[str, QuoteResult]:
        """One result per symbol within `deadline_s`; `mics` (symbol → MIC) sets each quote's lifetime."""
        end = time.monotonic() + max(0.0, deadline_s)
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return {}
        proc = self._proc()  # first: a forked child counts even its memo's hits in its own counters
        remembered = self._memo.recall(wanted, self.clock())
        if remembered is not None:
            self._stats.add(hits=len(wanted))
            return remembered
        venue = {s: (mics or {}).get(s) or self.default_mic for s in wanted}
        try:
            raw = proc.call(lambda c: c.mget([self._keys.breaker, *map(self._keys.value, wanted)]))
        except Unavailable:
            return {s: QuoteResult(s, NETWORK, detail=UNAVAILABLE) for s in wanted}
        now = self.clock()
        breaker = keys.loads(raw[0])
        results: dict[str, QuoteResult] = {}
        cold: list[str] = []
        stale: list[str] = []
        for symbol, value in zip(wanted, raw[1:], strict=True):
            entry = keys.read(value, now)
            if entry is None:
                cold.append(symbol)
                continue
            results[symbol] = entry
            if self._memo.wants(entry):
                self._memo.keep(symbol, entry, keys.fresh_until(value), now)
            if entry.stale:
                stale.append(symbol)
        self._stats.add(hits=len(wanted) - len(cold) - len(stale), stale_hits=len(stale), misses=len(cold))
        if stale:
            self._refresh_later(proc, stale, venue, breaker)
        if cold:
            self._fill(proc, cold, venue, breaker, end, deadline_s, results)
        return {s: results[s] for s in wanted}

    def stats(self) -> dict[str, int]:
        """This process's counters: a forked child's own, from zero (a scrape reads them, so nothing is made here)."""
        proc = self._proc_state
        if proc is not None and not proc.mine():
            return CacheStats().snapshot()
        return self._stats.snapshot()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait for background fetches, cache writes and calendar builds; False if any is still running."""
        end = None if timeout is None else time.monotonic() + timeout
        proc = self._proc_state
        if proc is not None and proc.mine() and not proc.drain(timeout):
            return False
        if self.lifetime is not hours.lifetime:
            return True
        return hours.drain(None if end is None else max(0.0, end - time.monotonic()))

    def close(self, timeout: float = 5.0) -> None:
        """Drop queued fetches, give running ones `timeout` seconds to write the cache, close the connections."""
        proc = self._proc_state
        if proc is not None and proc.mine():
            proc.close(timeout)
        self._proc_state = None

    # -- cold symbols: lock, fetch (or wait for whoever holds the lock), answer by the deadline -------------------

    def _fill(self, proc: Process, cold: list[str], venue: Mapping[str, str], breaker: Any, end: float,
              deadline_s: float, results: dict[str, QuoteResult]) -> None:
        token = uuid.uuid4().hex
        try:
            blocked = self._breaker.gate(breaker, token, proc.call)
            if blocked is not None:
                results.update({s: QuoteResult(s, blocked[0], detail=blocked[1]) for s in cold})
                self._stats.add(breaker_rejections=len(cold))
                return
            mine, waiting = self._flight.lock(proc.call, cold, token, results)
        except Unavailable:
            results.update({s: QuoteResult(s, NETWORK, detail=UNAVAILABLE) for s in cold})
            return
        self._stats.add(coalesced=len(waiting))
        inflight = [(self._start_fetch(proc, mine, venue, token), mine)] if mine else []
        if not mine and self._breaker.tripped(breaker):  # we may hold the probe and have nothing to fetch
            self._flight.release(proc.call, [self._keys.probe], token)
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
                    taken = self._flight.poll(proc.call, waiting_set, token, results)
                except Unavailable:
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
        self._stats.add(deadlines=len(late) + len(waiting_set))

    # -- the fetch itself: runs on the cache's threads, writes Redis, feeds the breaker ------------------------

    def _start_fetch(self, proc: Process, symbols: list[str], venue: Mapping[str, str], token: str) -> cf.Future:
        """Fetch on the cache's threads; the returned future has the results before they are written to Redis."""
        answer: cf.Future = cf.Future()
        job = proc.submit(self._fetch_and_store, proc, symbols, venue, token, answer)
        job.add_done_callback(lambda _: answer.done() or answer.cancel())  # cancelled by close() before it ran
        return answer

    def _fetch_and_store(self, proc: Process, symbols: list[str], venue: Mapping[str, str], token: str,
                         answer: cf.Future | None = None) -> None:
        """Ask the upstream once for `symbols`, hand the results to `answer`, then cache them and feed the breaker."""
        try:
            fetched = self.source.fetch(symbols)
        except Exception as exc:  # a source must not raise, but one that does must not break the cache
            log.exception("quote source raised for %d symbols", len(symbols))
            fetched = {s: QuoteResult(s, NETWORK, detail=f"upstream error: {exc!r}") for s in symbols}
        results = {s: fetched.get(s) or QuoteResult(s, NETWORK, detail="the upstream gave no answer") for s in symbols}
        failure = next((o for o in FAILURES if any(r.outcome == o for r in results.values())), None)
        self._stats.add(upstream_calls=1, upstream_symbols=len(symbols), upstream_failures=int(failure is not None))
        if answer is not None:
            answer.set_result(results)  # the caller need not wait for a calendar to be built or Redis to answer
        now = self.clock()
        spans = {s: self._span(r, venue.get(s) or self.default_mic, now) for s, r in results.items()}

        def commands(client, late: bool = False):
            pipe = client.pipeline(transaction=False)
            left = now - self.clock()  # a late write keeps each quote's lifetime from the fetch, not from now
            for symbol, result in results.items():
                span = spans[symbol]
                if span is not None and span[1] + left > 0:
                    pipe.set(self._keys.value(symbol), keys.dump(result, now, *span), px=keys.px(span[1] + left))
            if not late:
                self._breaker.record(pipe, failure, now)
            self._flight.release_in(pipe, symbols, token)  # after the values: a waiter that sees no lock sees them
            return pipe.execute()

        try:
            replies = proc.call(commands)
            if failure is not None and replies[-2] == 1:
                self._stats.add(breaker_opens=1)
                log.warning("quote upstream answered %s: backing off", failure)
        except Unavailable:
            self._write_later(proc, lambda client: commands(client, late=True), now + self.lock_ttl_s)

    def _write_later(self, proc: Process, write: Callable[[Any], Any], until: float) -> None:
        """Redis was away when a fetch ended: its quotes and lock releases are written as soon as Redis is back
        (tried every WRITE_RETRY_S, on the fetch threads, never holding one while waiting), not left for the locks
        to expire: until then every request for those symbols would wait out the price deadline for nothing."""
        def attempt() -> None:
            if not proc.mine() or self.clock() >= until:
                return  # a forked child, or the locks have expired by themselves
            try:
                proc.call(write)
            except Unavailable:
                schedule()

        def resubmit() -> None:
            if proc.mine():
                with contextlib.suppress(RuntimeError):  # the cache was closed meanwhile: nothing to write for
                    proc.submit(attempt)

        def schedule() -> None:
            timer = threading.Timer(WRITE_RETRY_S, resubmit)
            timer.daemon = True
            timer.start()

        schedule()

    def _refresh_later(self, proc: Process, stale: list[str], venue: Mapping[str, str], breaker: Any) -> None:
        """Refresh stale symbols on the fetch threads, at most one refresh per symbol in flight in this process."""
        todo = proc.claim(stale)
        if todo:
            proc.submit(self._refresh, proc, todo, venue, breaker)

    def _refresh(self, proc: Process, stale: list[str], venue: Mapping[str, str], breaker: Any) -> None:
        token = uuid.uuid4().hex
        try:
            if self._breaker.gate(breaker, token, proc.call) is not None:
                return
            fresh: dict[str, QuoteResult] = {}
            mine, _ = self._flight.lock(proc.call, stale, token, fresh)  # one locked elsewhere: that fetch refreshes it
            if mine:
                self._fetch_and_store(proc, mine, venue, token)
            elif self._breaker.tripped(breaker):
                self._flight.release(proc.call, [self._keys.probe], token)
        except Unavailable:
            pass
        finally:
            proc.settle(stale)

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

    def _proc(self) -> Process:
        """This process's client and threads, made on first use and again after a fork."""
        proc = self._proc_state
        if proc is not None and proc.mine():
            return proc
        with guard():
            proc = self._proc_state
            if proc is None or not proc.mine():
                if proc is not None:  # a forked child: its own counters (the parent's lock may be held)
                    self._stats = CacheStats()
                client = self.client() if callable(self.client) else self._connect(self.client)
                cooldown = Cooldown(log, retry_s=self.redis_retry_s, warn_every_s=self.warn_every_s)
                proc = Process(os.getpid(), client, cf.ThreadPoolExecutor(self.workers, "quote-fetch"), cooldown,
                               on_error=lambda: self._stats.add(cache_errors=1))
                self._proc_state = proc
        return proc

    def _connect(self, url: str) -> redis.Redis:
        # Short timeouts and one quick retry (a pooled connection may predate a Redis restart): a slow Redis
        # must cost a request a fraction of a second, not its deadline.
        return redis.Redis.from_url(url, socket_timeout=self.socket_timeout_s,
                                    socket_connect_timeout=self.socket_timeout_s, health_check_interval=15,
                                    retry=Retry(NoBackoff(), 1))
