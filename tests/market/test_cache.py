"""The Redis quote cache against a real Redis, counting what reaches the (test double) upstream."""

import datetime as dt
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
import warnings

import pytest
import redis

from enrich.market import hours
from enrich.market.cache import UNAVAILABLE, QuoteCache
from enrich.market.model import DEADLINE, MALFORMED, NETWORK, NOT_FOUND, OK, RATE_LIMITED, Quote, QuoteResult
from tests.waiting import wait_for


class CountingSource:
    """The upstream's test double: answers `outcome` for every symbol, records each call, may be slow.

    `hold()` makes every fetch from then on wait until `release()`: a fetch that is in flight for as long as the
    test needs, with no sleep to guess how long that is."""

    def __init__(self, outcome: str = OK, delay: float = 0.0, price: float = 100.0) -> None:
        self.outcome, self.delay, self.price = outcome, delay, price
        self.calls: list[list[str]] = []
        self._lock = threading.Lock()
        self._gate = threading.Event()
        self._gate.set()

    def hold(self) -> None:
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def fetch(self, symbols):
        with self._lock:
            self.calls.append(list(symbols))
        assert self._gate.wait(timeout=30), "the test never released the fetch"
        time.sleep(self.delay)
        if self.outcome == "raise":
            raise RuntimeError("the upstream client blew up")
        if self.outcome != OK:
            return {s: QuoteResult(s, self.outcome, detail=f"upstream said {self.outcome}") for s in symbols}
        return {s: QuoteResult(s, OK, Quote(s, currency="USD", last=self.price)) for s in symbols}


class RedisCountingSource:
    """A CountingSource for other processes: each call is recorded in Redis, where the test can count it."""

    def __init__(self, url: str, calls_key: str, delay: float) -> None:
        self.url, self.calls_key, self.delay = url, calls_key, delay

    def fetch(self, symbols):
        with redis.Redis.from_url(self.url) as client:
            client.rpush(self.calls_key, json.dumps(list(symbols)))
        time.sleep(self.delay)
        return {s: QuoteResult(s, OK, Quote(s, last=42.0)) for s in symbols}


class FakeClock:
    """The cache's and the calendar's idea of now, moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fixed_lifetime(mic, now, *, fresh_open_s, stale_open_s):
    """Market hours left out: always as if the venue trades."""
    return fresh_open_s, fresh_open_s + stale_open_s


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


@pytest.fixture
def prefix(redis_url):
    """A key prefix of our own; its keys are deleted afterwards (the Redis may be someone's: never FLUSH)."""
    name = f"test:{uuid.uuid4().hex}:"
    yield name
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=name + "*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def db(redis_url):
    with redis.Redis.from_url(redis_url) as client:
        yield client


@pytest.fixture
def make_cache(redis_url, prefix):
    made = []

    def make(source, url=None, **options):
        options.setdefault("lifetime", fixed_lifetime)
        cache = QuoteCache(url or redis_url, source, prefix=prefix, **options)
        made.append(cache)
        return cache

    yield make
    for cache in made:
        cache.close()


def test_cold_batch_is_one_fetch_then_warm_is_none(make_cache, db, prefix):
    source = CountingSource()
    cache = make_cache(source)
    symbols = ["AAPL", "MSFT", "SHOP.TO", "1810.HK", "BRK-B"]

    cold = cache.quotes(symbols, 2.0)
    cache.drain()  # the answer comes before the cache write; let the write land
    assert source.calls == [symbols]
    assert list(cold) == symbols
    assert all(r.outcome == OK and r.quote.last == 100.0 and not r.stale for r in cold.values())

    warm = cache.quotes(symbols, 2.0)
    assert len(source.calls) == 1
    assert warm == cold
    stats = cache.stats()
    assert (stats["hits"], stats["misses"], stats["upstream_calls"], stats["upstream_symbols"]) == (5, 5, 1, 5)


def test_key_scheme_is_one_json_value_per_symbol_with_its_lifetime(make_cache, db, prefix):
    clock = FakeClock(at("2026-11-25T15:00:00"))
    cache = make_cache(CountingSource(), clock=clock)
    cache.quotes(["AAPL"], 2.0)
    cache.drain()
    value = json.loads(db.get(prefix + "AAPL"))
    assert value["fresh_until"] == clock.now + 60 and value["stale_until"] == clock.now + 360
    assert QuoteResult.from_json(value["result"]).quote == Quote("AAPL", currency="USD", last=100.0)
    assert 355_000 < db.pttl(prefix + "AAPL") <= 360_000  # contract: the Redis TTL is the quote's whole lifetime
    assert db.keys(prefix + "*") == [(prefix + "AAPL").encode()]  # the lock went with the fetch


def test_duplicates_are_asked_once_and_nothing_is_asked_for_nothing(make_cache):
    source = CountingSource()
    cache = make_cache(source)
    assert cache.quotes([], 1.0) == {}
    assert list(cache.quotes(["B", "A", "B"], 2.0)) == ["B", "A"]
    assert source.calls == [["B", "A"]]


def test_stale_is_served_at_once_and_refreshed_once(make_cache):
    clock = FakeClock(at("2026-11-25T15:00:00"))
    source = CountingSource(price=100.0)
    first, second = make_cache(source, clock=clock), make_cache(source, clock=clock)  # as if two processes
    first.quotes(["AAPL"], 2.0)
    first.drain()
    source.price = 101.0
    source.hold()  # the refresh stays in flight until released
    clock.advance(61)

    served = [first.quotes(["AAPL"], 2.0)["AAPL"], second.quotes(["AAPL"], 2.0)["AAPL"],
              first.quotes(["AAPL"], 2.0)["AAPL"]]  # answered while the refresh is held: nobody waits for it
    assert [(r.stale, r.quote.last) for r in served] == [(True, 100.0)] * 3

    source.release()
    assert first.drain(timeout=10) and second.drain(timeout=10)
    assert len(source.calls) == 2  # exactly one refresh
    fresh = second.quotes(["AAPL"], 2.0)["AAPL"]
    assert (fresh.stale, fresh.quote.last) == (False, 101.0)
    assert first.stats()["stale_hits"] + second.stats()["stale_hits"] == 3


def test_lifetime_follows_market_hours(make_cache, db, prefix):
    clock = FakeClock(at("2026-11-28T18:00:00"))  # Saturday: New York is closed until Monday 14:30 UTC
    hours.warm(["XNAS"], now=clock.now)  # built up front, as a server does; a cold build gives UNKNOWN first
    source = CountingSource()
    cache = make_cache(source, clock=clock, lifetime=hours.lifetime)
    mics = {"AAPL": "XNAS", "MSFT": "XNAS"}
    cache.quotes(["AAPL", "MSFT"], 3.0, mics=mics)
    cache.drain()
    assert len(source.calls) == 1
    kept = db.pttl(prefix + "AAPL") / 1000
    # contract: the Redis TTL runs until just after the open
    assert kept == pytest.approx(at("2026-11-30T14:40:00") - clock.now, abs=5)

    clock.now = at("2026-11-30T14:20:00")  # Monday, ten minutes before the open: still fresh
    assert not any(r.stale for r in cache.quotes(["AAPL", "MSFT"], 3.0, mics=mics).values())
    assert len(source.calls) == 1

    clock.now = at("2026-11-30T14:26:00")  # past "shortly before the open": stale, refreshed in the background
    assert cache.quotes(["MSFT"], 3.0, mics=mics)["MSFT"].stale
    assert cache.drain(timeout=10)
    assert len(source.calls) == 2

    clock.now = at("2026-11-30T14:45:00")  # the market is open and AAPL's closed-market quote has expired
    result = cache.quotes(["AAPL"], 3.0, mics=mics)["AAPL"]
    cache.drain()
    assert len(source.calls) == 3 and result.outcome == OK and not result.stale
    clock.advance(59)
    assert not cache.quotes(["AAPL"], 3.0, mics=mics)["AAPL"].stale  # open: fresh for a minute
    clock.advance(2)
    assert cache.quotes(["AAPL"], 3.0, mics=mics)["AAPL"].stale


def test_misses_are_remembered_and_garbage_is_not(make_cache, db, prefix):
    source = CountingSource(NOT_FOUND)
    cache = make_cache(source, miss_ttl_s=3600, miss_stale_s=300)
    assert cache.quotes(["NOPE"], 2.0)["NOPE"].outcome == NOT_FOUND
    cache.drain()
    assert cache.quotes(["NOPE"], 2.0)["NOPE"].outcome == NOT_FOUND
    assert len(source.calls) == 1
    assert 3_890_000 < db.pttl(prefix + "NOPE") <= 3_900_000  # contract: a miss is kept for its own lifetime

    source.outcome = MALFORMED
    assert cache.quotes(["ODD"], 2.0)["ODD"].outcome == MALFORMED
    cache.drain()
    assert cache.quotes(["ODD"], 2.0)["ODD"].outcome == MALFORMED
    cache.drain()
    assert len(source.calls) == 3
    assert db.get(prefix + "ODD") is None and db.get(prefix + "~breaker") is None


def _ask_from_another_process(url, prefix, symbol, barrier, out):
    cache = QuoteCache(url, RedisCountingSource(url, prefix + "test-calls", delay=0.5), prefix=prefix,
                       lifetime=fixed_lifetime)
    barrier.wait(timeout=30)
    started = time.monotonic()
    result = cache.quotes([symbol], 5.0)[symbol]
    out.put((os.getpid(), result.outcome, result.quote.last if result.quote else None, time.monotonic() - started))
    cache.close()


def test_concurrent_cold_requests_from_processes_fetch_once(redis_url, prefix, db):
    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(6), spawn.Queue()
    workers = [spawn.Process(target=_ask_from_another_process, args=(redis_url, prefix, "XIACY", barrier, out))
               for _ in range(6)]
    for worker in workers:
        worker.start()
    try:
        answers = [out.get(timeout=60) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    assert len({pid for pid, *_ in answers}) == 6
    assert [(outcome, last) for _, outcome, last, _ in answers] == [(OK, 42.0)] * 6
    assert [json.loads(call) for call in db.lrange(prefix + "test-calls", 0, -1)] == [["XIACY"]]


@pytest.mark.parametrize("failure", [RATE_LIMITED, NETWORK])
def test_throttled_or_down_upstream_backs_off(make_cache, db, prefix, failure):
    clock = FakeClock(at("2026-11-25T15:00:00"))
    source = CountingSource()
    cache = make_cache(source, clock=clock, fresh_open_s=1, backoff_base_s=5, backoff_max_s=20)
    cache.quotes(["WARM"], 2.0)
    cache.drain()
    source.outcome = failure

    assert cache.quotes(["X"], 2.0)["X"].outcome == failure  # the upstream's own answer
    cache.drain()
    assert len(source.calls) == 2
    assert json.loads(db.get(prefix + "~breaker")) == {"reason": failure, "strikes": 1, "until": clock.now + 5}

    clock.advance(2)  # breaker open: no upstream call; stale values are still served
    answer = cache.quotes(["WARM", "Y"], 2.0)
    assert answer["WARM"].outcome == OK and answer["WARM"].stale
    assert answer["Y"].outcome == failure and "backing off" in answer["Y"].detail
    assert cache.drain(timeout=10)  # the stale refresh, queued all the same, found the breaker open
    assert len(source.calls) == 2

    clock.advance(3.1)  # back-off over: one probe, which fails again and doubles the back-off
    assert cache.quotes(["Y"], 2.0)["Y"].outcome == failure
    cache.drain()
    assert len(source.calls) == 3
    assert json.loads(db.get(prefix + "~breaker"))["strikes"] == 2
    clock.advance(5.1)
    assert cache.quotes(["Y"], 2.0)["Y"].outcome == failure
    assert len(source.calls) == 3

    clock.advance(5)  # the upstream is back: the probe succeeds and resets the breaker
    source.outcome = OK
    assert cache.quotes(["Y"], 2.0)["Y"].outcome == OK
    cache.drain()
    assert db.get(prefix + "~breaker") is None
    assert cache.quotes(["Z"], 2.0)["Z"].outcome == OK
    assert len(source.calls) == 5
    assert cache.stats()["breaker_opens"] == 2 and cache.stats()["upstream_failures"] == 2


def test_breaker_is_shared_and_waiters_see_the_holders_failure(make_cache):
    holder_source, waiter_source = CountingSource(RATE_LIMITED, delay=0.4), CountingSource()
    holder, waiter = make_cache(holder_source), make_cache(waiter_source)
    answers = {}
    thread = threading.Thread(target=lambda: answers.update(holder.quotes(["HOT"], 3.0)))
    thread.start()
    wait_for(lambda: holder_source.calls, what="the holder to take the lock and fetch")
    # Not `deadline`: the waiter saw the holder's failure (through the breaker) within its 3 s.
    assert waiter.quotes(["HOT"], 3.0)["HOT"].outcome == RATE_LIMITED
    thread.join()
    assert answers["HOT"].outcome == RATE_LIMITED
    assert waiter.quotes(["OTHER"], 3.0)["OTHER"].outcome == RATE_LIMITED  # the breaker, for everyone
    assert len(holder_source.calls) == 1 and waiter_source.calls == []


def test_a_source_that_raises_counts_as_network(make_cache, caplog):
    source = CountingSource("raise")
    cache = make_cache(source)
    with caplog.at_level(logging.ERROR, logger="enrich.market.cache"):
        result = cache.quotes(["BOOM"], 2.0)["BOOM"]
        cache.drain()
    assert result.outcome == NETWORK and "blew up" in result.detail
    assert cache.quotes(["BOOM2"], 2.0)["BOOM2"].outcome == NETWORK
    assert len(source.calls) == 1


def test_redis_down_degrades_to_no_price(redis_server, caplog):
    source = CountingSource()
    # No cooldown (redis_retry_s=0): every call below tries the stopped Redis (enrich/redis_cooldown.py has its own
    # tests), and the warning is still logged only once.
    cache = QuoteCache(redis_server.url, source, prefix="test:", lifetime=fixed_lifetime, redis_retry_s=0)
    try:
        cache.quotes(["WARM"], 2.0)
        cache.drain()
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="enrich.market.cache"):
            for _ in range(3):
                started = time.monotonic()
                answer = cache.quotes(["WARM", "COLD"], 2.0)
                assert time.monotonic() - started < 1.5  # contract: no hang on a dead Redis (0.25 s socket timeouts)
                assert {(r.outcome, r.detail) for r in answer.values()} == {(NETWORK, UNAVAILABLE)}
        assert cache.drain(timeout=10)
        assert len(source.calls) == 1  # the upstream is not asked in Redis's place
        assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1
        assert cache.stats()["cache_errors"] == 3

        redis_server.start()  # empty again: no persistence
        assert cache.quotes(["COLD"], 2.0)["COLD"].outcome == OK
        cache.drain()
        assert cache.quotes(["COLD"], 2.0)["COLD"].outcome == OK
        assert len(source.calls) == 2
    finally:
        cache.close()


def test_deadline_answers_in_time_and_the_fetch_fills_the_cache(make_cache, db, prefix):
    source = CountingSource()
    source.hold()  # the fetch stays in flight until released
    cache, other = make_cache(source), make_cache(source)
    started = time.monotonic()
    result = cache.quotes(["SLOW"], 0.2)["SLOW"]
    assert time.monotonic() - started < 1.5  # contract: the answer comes by the deadline (0.2 s, with slack)
    assert result.outcome == DEADLINE and "goes on" in result.detail

    waiting = other.quotes(["SLOW"], 0.2)["SLOW"]  # another process, while the fetch is in flight
    assert waiting.outcome == DEADLINE and "another process" in waiting.detail

    source.release()
    assert cache.drain(timeout=10)
    assert db.get(prefix + "SLOW") is not None
    assert cache.quotes(["SLOW"], 0.2)["SLOW"].outcome == OK
    assert other.quotes(["SLOW"], 0.2)["SLOW"].outcome == OK
    assert len(source.calls) == 1


def test_a_lock_whose_holder_died_is_taken_over(make_cache, db, prefix):
    source = CountingSource()
    started = time.monotonic()
    db.set(prefix + "~lock:ORPHAN", "someone-else", px=300)
    assert make_cache(source).quotes(["ORPHAN"], 3.0)["ORPHAN"].outcome == OK  # taken over within the deadline
    assert time.monotonic() - started >= 0.3  # contract: a lock is honoured until it expires, not broken early
    assert source.calls == [["ORPHAN"]]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_gets_its_own_connection_and_threads(make_cache):
    source = CountingSource()
    cache = make_cache(source)
    cache.quotes(["PARENT"], 2.0)  # the parent has a client and fetch threads now
    cache.drain()
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+ warns about fork with threads
        pid = os.fork()
    if pid == 0:  # the child
        try:
            inherited = cache.stats()["upstream_calls"]  # the parent's call is not the child's
            result = cache.quotes(["CHILD", "PARENT"], 3.0)
            cache.drain()
            outcomes = ",".join(r.outcome for r in result.values())
            os.write(write, f"{inherited} {outcomes} {cache.stats()['upstream_calls']}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        assert pipe.read() == "0 ok,ok 1"
    os.waitpid(pid, 0)
    assert cache.quotes(["CHILD"], 2.0)["CHILD"].outcome == OK  # the child's fetch filled the shared cache
    assert source.calls == [["PARENT"]]  # (the child's call was counted in the child's copy)


def test_the_answer_does_not_wait_for_a_slow_calendar_or_cache_write(make_cache, db, prefix):
    built = threading.Event()

    def slow_lifetime(mic, now, *, fresh_open_s, stale_open_s):  # as building XKRX's calendar takes seconds
        assert built.wait(timeout=30)
        return fresh_open_s, fresh_open_s + stale_open_s

    source = CountingSource()
    cache = make_cache(source, lifetime=slow_lifetime)
    # OK, not `deadline`: the answer came within 0.4 s while the lifetime (so the cache write) was still held.
    assert cache.quotes(["005930.KS"], 0.4, mics={"005930.KS": "XKRX"})["005930.KS"].outcome == OK
    assert db.get(prefix + "005930.KS") is None
    built.set()
    assert cache.drain(timeout=10)
    assert db.get(prefix + "005930.KS") is not None


def test_the_local_memo_spares_redis_but_never_outlives_freshness(make_cache, db, prefix):
    clock = FakeClock(at("2026-11-25T15:00:00"))  # New York open: 60 s fresh
    source = CountingSource()
    cache = make_cache(source, clock=clock, lifetime=fixed_lifetime, local_ttl_s=5.0)
    cache.quotes(["HOT"], 2.0)
    cache.drain()
    cache.quotes(["HOT"], 2.0)  # read from Redis, remembered
    db.delete(prefix + "HOT")  # Redis forgets it: the memo still answers, without a round trip
    assert cache.quotes(["HOT"], 2.0)["HOT"].outcome == OK
    assert len(source.calls) == 1
    clock.advance(6)  # past the memo's time: back to Redis, which has nothing, so one fetch
    assert cache.quotes(["HOT"], 2.0)["HOT"].outcome == OK
    cache.drain()
    assert len(source.calls) == 2


def test_a_fetch_that_finds_redis_away_writes_when_it_is_back_not_when_the_locks_expire():
    """Redis goes away while a fetch is in flight and comes back (append-only: the fetch's lock survives): the
    quote and the lock release land within a second or two of its return, not after lock_ttl_s (30 s), during
    which every request for the symbol would have waited out its deadline with no price."""
    from tests.redis_server import RedisServer

    server = RedisServer(appendonly=True)
    server.start()
    source = CountingSource()
    cache = QuoteCache(server.url, source, prefix="late:", lifetime=fixed_lifetime, redis_retry_s=0)
    try:
        source.hold()
        assert cache.quotes(["LATE"], 0.2)["LATE"].outcome == DEADLINE  # the fetch goes on in the background
        with redis.Redis.from_url(server.url) as client:
            wait_for(lambda: client.exists("late:~lock:LATE"), 5, "the fetch's lock taken")
        server.stop()
        source.release()
        wait_for(lambda: cache.stats()["cache_errors"] >= 1, 10, "the fetch's write failing")
        server.start()
        back = time.monotonic()
        with redis.Redis.from_url(server.url) as client:
            wait_for(lambda: not client.exists("late:~lock:LATE") and client.exists("late:LATE"), 10,
                     "the quote written and the lock released")
            assert time.monotonic() - back < 5 and client.pttl("late:LATE") > 0
        assert cache.quotes(["LATE"], 1.0)["LATE"].outcome == OK and len(source.calls) == 1
    finally:
        source.release()
        cache.close()
        server.close()
