"""Section 2 of bench/prices.py: upstream requests per 1,000 press releases, cold, warm and across processes."""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from bench.common import CORPUS, ROOT, median, met, read_corpus
from bench.recorder import Recorder, ms, p95, priced, show_stats, stats_delta

Doc = tuple[str, str | None]  # (text, date)


def load_docs(limit: int, sample: str) -> tuple[list[Doc], int]:
    """(text, date) of `limit` documents: the first ones, or evenly spread over the archive; and the archive size."""
    rows = [(doc.get("text") or "", doc.get("date")) for doc in read_corpus(limit if sample == "first" else None)]
    total = len(rows) if sample == "spread" else None
    if sample == "spread":
        step = max(1, len(rows) // limit)
        rows = rows[::step][:limit]
    return rows, total or len(rows)


def run_pass(services: Any, docs: Sequence[Doc]) -> tuple[float, Counter[str], int]:
    """Enrich every document with prices: (seconds, price statuses, documents with a resolved listing)."""
    from enrich.service import enrich

    statuses: Counter[str] = Counter()
    with_listing = 0
    start = time.perf_counter()
    for text, date in docs:
        document = enrich(text, services, as_of=date)
        _, resolved, tally = priced(document)
        statuses += tally
        with_listing += bool(resolved)
    return time.perf_counter() - start, statuses, with_listing


def _worker(yf: Any, url: str, prefix: str, base_url: str, docs: Sequence[Doc], barrier: Any, out: Any) -> None:
    """One worker process (forked): its own YahooSource and QuoteCache on the shared Redis and prefix."""
    from enrich.market.cache import QuoteCache
    from enrich.market.yahoo import YahooSource

    try:
        cache = QuoteCache(url, YahooSource(base_url=base_url), prefix=prefix)
        market = Recorder(cache)
        services = dataclasses.replace(yf, market=market)
        barrier.wait(timeout=60)
        seconds, statuses, _ = run_pass(services, docs)
        cache.drain(timeout=30)
        out.put({"seconds": seconds, "statuses": dict(statuses), "asked": dict(market.asked), "calls": market.seconds,
                 "stats": cache.stats(), "error": None})
        cache.close()
    except Exception as exc:  # reported by the parent
        out.put({"error": repr(exc)})


def report_pass(label: str, docs: int, seconds: float, requests: int, symbols: Counter[str], asked: Counter[str],
                stats: Mapping[str, int], statuses: Mapping[str, int], calls: Sequence[float]) -> None:
    """The figures of one pass over the documents."""
    fetched, floor = sum(symbols.values()), len(asked)
    per_distinct = fetched / floor if floor else 0.0
    repeats = {s: n for s, n in symbols.items() if n > 1}
    print(f"  {label}")
    print(f"    {docs} documents in {seconds:.2f} s; price statuses {dict(statuses)}")
    print(f"    upstream quote requests {requests:6}   = {requests * 1000 / docs:7.1f} per 1,000 documents")
    print(f"    upstream symbols asked  {fetched:6}   in {len(symbols)} distinct; "
          f"{fetched / max(requests, 1):.2f} per request")
    print(f"    distinct symbols the service asked for (the floor) {floor}; symbol asks "
          f"{sum(asked.values())} over all documents")
    print(f"    symbols fetched per distinct symbol: {per_distinct:.3f} (target ≤ 1.0: {met(per_distinct <= 1.0)})"
          + (f"; fetched more than once: {dict(sorted(repeats.items())[:10])}" if repeats else ""))
    if calls:
        print(f"    quotes(), one call per document with a tag: median {ms(median(calls)):.1f} ms, "
              f"p95 {ms(p95(calls)):.1f} ms, max {ms(max(calls)):.1f} ms ({len(calls)} calls)")
    print(f"    cache: {show_stats(stats)}")


def bench_corpus(yf: Any, url: str, prefix: str, fake: Any, args: argparse.Namespace) -> None:
    """Upstream requests for --docs press releases: cold pass, warm pass, and across worker processes."""
    from enrich.market import hours

    load_start = time.perf_counter()
    docs, archive = load_docs(args.docs, args.sample)
    how = "the first ones" if args.sample == "first" else f"1 in every {max(1, archive // args.docs)} of {archive}"
    print(f"  {len(docs)} documents of {CORPUS.relative_to(ROOT.parent)} ({how}), each enriched with its own date "
          f"as as_of; loaded in {time.perf_counter() - load_start:.1f} s (not timed)")
    now = time.time()
    spans = {mic: hours.lifetime(mic, now, fresh_open_s=hours.FRESH_OPEN_S, stale_open_s=hours.STALE_OPEN_S)
             for mic in ("XNAS", "XTSE", "XLON", "XASX")}
    print("  quote lifetimes now (fresh / servable, s): "
          + ", ".join(f"{mic} {fresh:.0f}/{total:.0f}" for mic, (fresh, total) in spans.items()))
    print(f"  upstream: fake Yahoo answering any symbol in {args.corpus_delay:g} s; price deadline "
          f"{args.corpus_deadline_ms} ms (generous: nothing should be cut)")
    yf = dataclasses.replace(yf, settings=dataclasses.replace(yf.settings, price_deadline_ms=args.corpus_deadline_ms))
    print()
    one_process(yf, url, prefix, fake, docs, args)
    if args.processes > 1 and not processes(yf, url, prefix, fake, docs, args):
        return
    print()
    print("  coalesced = cold symbols whose fetch was already in flight (this process or another): they waited for")
    print("  its cache write instead of asking the upstream. The first fetch for a venue also builds its trading")
    print("  calendar (hours.py) before that write, so a document asking for the same symbol right after waits for it.")


def one_process(yf: Any, url: str, prefix: str, fake: Any, docs: list[Doc], args: argparse.Namespace) -> None:
    """2.1, one process with a cold cache; 2.2, the same documents again in the same cache lifetime."""
    from enrich.market.cache import QuoteCache
    from enrich.market.yahoo import YahooSource
    from tests.market.fake_yahoo import QUOTE_PATH

    fake.reset()
    fake.delay_s = args.corpus_delay
    cache = QuoteCache(url, YahooSource(base_url=fake.base_url), prefix=prefix + "corpus:")
    market = Recorder(cache)
    services = dataclasses.replace(yf, market=market)
    seconds, statuses, with_listing = run_pass(services, docs)
    cache.drain(timeout=30)
    first_stats = cache.stats()
    report_pass(f"1. one process, cold cache ({with_listing} of {len(docs)} documents have a resolved listing)",
                len(docs), seconds, fake.count(QUOTE_PATH), Counter(fake.symbols), market.asked, first_stats,
                statuses, market.seconds)
    first_calls = len(market.seconds)

    requests_before, symbols_before = fake.count(QUOTE_PATH), Counter(fake.symbols)
    asked_before = Counter(market.asked)
    seconds, statuses, _ = run_pass(services, docs)
    cache.drain(timeout=30)
    new_requests = fake.count(QUOTE_PATH) - requests_before
    new_symbols = Counter(fake.symbols) - symbols_before
    second_stats = stats_delta(cache.stats(), first_stats)
    print()
    print("  2. the same documents again, same cache lifetime (all warm)")
    print(f"    {len(docs)} documents in {seconds:.2f} s; price statuses {dict(statuses)}")
    print(f"    new upstream quote requests {new_requests} (target 0: {met(new_requests == 0)})"
          + (f"; symbols re-fetched: {dict(new_symbols.most_common(10))}" if new_requests else ""))
    calls = market.seconds[first_calls:] or [0.0]
    print(f"    symbol asks {sum((market.asked - asked_before).values())}; quotes() median {ms(median(calls)):.2f} ms, "
          f"max {ms(max(calls)):.2f} ms; cache: {show_stats(second_stats)}")
    cache.close()


def processes(yf: Any, url: str, prefix: str, fake: Any, docs: list[Doc], args: argparse.Namespace) -> bool:
    """2.3, --processes forked workers on one Redis and a fresh prefix, the documents dealt round-robin; False when
    a worker failed."""
    from tests.market.fake_yahoo import QUOTE_PATH

    fake.reset()
    fake.delay_s = args.corpus_delay
    context = multiprocessing.get_context("fork")  # the children inherit the loaded reference index
    barrier, out = context.Barrier(args.processes), context.Queue()
    shares = [docs[i::args.processes] for i in range(args.processes)]
    workers = [context.Process(target=_worker, args=(yf, url, prefix + "procs:", fake.base_url, share, barrier,
                                                     out), daemon=True) for share in shares]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    errors = [r["error"] for r in results if r.get("error")]
    print()
    if errors:
        print(f"  3. {args.processes} worker processes: FAILED: {errors}")
        return False
    asked, stats, statuses = Counter(), Counter(), Counter()
    for result in results:
        asked.update(result["asked"])
        stats.update(result["stats"])
        statuses.update(result["statuses"])
    report_pass(f"3. {args.processes} worker processes on one Redis, a fresh prefix, documents dealt round-robin "
                f"(doc i to worker i mod {args.processes}), started together",
                len(docs), max(r["seconds"] for r in results), fake.count(QUOTE_PATH), Counter(fake.symbols),
                asked, dict(stats), statuses, [t for r in results for t in r["calls"]])
    return True
