"""Section 1 of bench/http_load.py: the quote cache primed by one request per route, then a warm-up of wrk."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from bench.http_server import CEILING_PATH, ENRICH_PATH, LOOKUP_PATH, call
from bench.http_wrk import Load


def priced(mention: Mapping[str, Any]) -> str:
    """`ok` or `stale` for a mention with a price, else its price_status."""
    price = mention.get("price")
    if price:
        return "stale" if price.get("stale") else "ok"
    return str(mention.get("price_status"))


def prime(port: int, body: bytes) -> tuple[str, str]:
    """One lookup and one enrichment, each summed up in a line."""
    start = time.perf_counter()
    status, raw = call(port, "GET", LOOKUP_PATH)
    ticker = json.loads(raw) if status == 200 else {}
    lookup = (f"GET {LOOKUP_PATH} -> {status} in {1000 * (time.perf_counter() - start):.1f} ms, "
              f"{ticker.get('status')}, price {priced(ticker)}")
    start = time.perf_counter()
    status, raw = call(port, "POST", ENRICH_PATH, body)
    document = json.loads(raw) if status == 200 else {"mentions": []}
    tally = Counter(priced(m) for m in document["mentions"])
    enrich = (f"POST {ENRICH_PATH} -> {status} in {1000 * (time.perf_counter() - start):.1f} ms, "
              f"{len(document['mentions'])} mentions "
              f"({dict(Counter(m['status'] for m in document['mentions']))}), prices {dict(tally)}")
    return lookup, enrich


def fake_counts(fake: Any) -> str:
    with fake._lock:
        paths = dict(fake.paths)
    return f"{sum(paths.values())} requests ({', '.join(f'{p} {n}' for p, n in sorted(paths.items())) or 'none'})"


def quote_lifetimes(url: str) -> tuple[float, list[str]]:
    """The shortest time any cached quote stays fresh, and the cached keys (the private Redis holds only ours)."""
    import redis

    now = time.time()
    fresh, keys = [], []
    with redis.Redis.from_url(url) as client:
        for key in client.scan_iter(match="enrich:q:*", count=1000):
            name = key.decode()
            if "~" in name:
                continue
            keys.append(name.removeprefix("enrich:q:"))
            value = json.loads(client.get(key) or b"{}")
            if "fresh_until" in value:
                fresh.append(value["fresh_until"] - now)
    return (min(fresh) if fresh else 0.0), sorted(keys)


def prime_twice(b: Load, fake: Any, redis_url: str, body: bytes) -> int:
    """Section 1: a lookup and an enrichment fill the quote cache, a second pair must ask the upstream nothing;
    the quote requests priming made."""
    from tests.market.fake_yahoo import QUOTE_PATH

    print(f"  fake Yahoo before priming: {fake_counts(fake)}")
    lookup, enrich = prime(b.port, body)
    print(f"  priming:  {lookup}")
    print(f"            {enrich}")
    primed_quotes = fake.count(QUOTE_PATH)
    print(f"  fake Yahoo after priming: {fake_counts(fake)}; symbols asked: "
          + " ".join(f"{s}×{n}" if n > 1 else s for s, n in sorted(fake.symbols.items())))
    before = fake.count()
    lookup, enrich = prime(b.port, body)
    print(f"  again:    {lookup}")
    print(f"            {enrich}")
    print(f"  new upstream requests for the second pair: {fake.count() - before} (expected 0: every quote warm)")
    fresh_s, keys = quote_lifetimes(redis_url)
    print(f"  cached quotes in Redis: {len(keys)} ({' '.join(keys)}); the shortest is fresh for {fresh_s:.0f} s more")
    args = b.args
    planned = 3 * args.warmup + 3 * args.repeat * args.duration + args.rate_duration
    if fresh_s < planned + 10:
        print(f"  NOTE: the load below lasts ~{planned:.0f} s, longer than the shortest freshness: refreshes of stale "
              "quotes (upstream requests) are then expected and legitimate.")
    return primed_quotes


def warm_up(b: Load) -> None:
    """--warmup seconds of wrk on each route, not reported, so that every worker has built its market adapter."""
    args = b.args
    if args.warmup:
        for name, path, script in (("warm-up healthz", CEILING_PATH, "get"), ("warm-up lookup", LOOKUP_PATH, "get"),
                                   ("warm-up enrich", ENRICH_PATH, "post")):
            b.wrk_run(name, path, script, args.wrk_threads, args.connections, args.warmup)
        print(f"  warm-up: {args.warmup:g} s of wrk on each route (every worker builds its market adapter and "
              "verdict memo; not reported)")
