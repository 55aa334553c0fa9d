"""Sections 2 to 6 of bench/http_load.py: load at maximum throughput and at a fixed rate, then report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from bench.common import median, met, section
from bench.http_server import (
    CEILING_PATH,
    ENRICH_PATH,
    LOOKUP_PATH,
    Snapshot,
    access_lines,
    children,
    label,
    native_packages,
    show_memory,
)
from bench.http_wrk import RUN_HEADER, Load, Run, other_cpu, pct, show_run

LOOKUP_RATIO_TARGET = 0.5  # the lookup at half the ceiling's requests/s or better
ENRICH_P99_TARGET_MS = 25.0  # enrich p99 under 25 ms ...
RATE_TOLERANCE = 0.05  # ... at 200 requests/s, achieved within 5%

ROUTES = (("GET /healthz (ceiling)", CEILING_PATH, "get"), (f"GET {LOOKUP_PATH}", LOOKUP_PATH, "get"),
          (f"POST {ENRICH_PATH} 3 KB", ENRICH_PATH, "post"))


@dataclass
class Ratios:
    """Section 2's medians that the targets read."""

    ceiling_rps: float
    lookup_rps: float
    lookup: float  # by requests/s
    lookup_cpu: float  # by CPU per request
    enrich: float


def max_throughput(b: Load) -> tuple[dict[str, list[Run]], Ratios]:
    """Section 2: every route at maximum throughput, interleaved; each run, then the medians and ratios."""
    args = b.args
    section(f"2. Maximum throughput: wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s --latency, "
            f"{args.repeat} repeat(s) interleaved")
    runs: dict[str, list[Run]] = {name: [] for name, _, _ in ROUTES}
    print(RUN_HEADER)
    for repeat in range(1, args.repeat + 1):
        for name, path, script in ROUTES:
            run = b.wrk_run(name, path, script, args.wrk_threads, args.connections, args.duration)
            runs[name].append(run)
            show_run(run, repeat)
    print(other_cpu([r for rs in runs.values() for r in rs]))
    print()
    ratios = medians(runs, args.repeat)
    uneven(runs, args.balance, args.connections)
    return runs, ratios


def medians(runs: dict[str, list[Run]], repeat: int) -> Ratios:
    """Each route's medians and its ratios to the ceiling, by requests/s and by CPU per request."""
    print(f"  medians over {repeat} run(s)      req/s  p50 ms  p99 ms  req/s ÷ ceiling   CPU ms/req  "
          "ceiling's CPU/req ÷ this")
    ceiling = ROUTES[0][0]
    ceil_rps = median([r.rps for r in runs[ceiling]])
    ceil_cpu = median([r.cpu_ms for r in runs[ceiling]])
    summary: dict[str, tuple[float, float, float, float]] = {}
    for name, _, _ in ROUTES:
        rps, p50, p99, cpu_ms = (median([getattr(r, a) for r in runs[name]]) for a in ("rps", "p50", "p99", "cpu_ms"))
        summary[name] = (rps, p50, p99, cpu_ms)
        print(f"  {name:<28} {rps:8.1f} {p50:7.2f} {p99:7.2f} {rps / ceil_rps:16.3f} {cpu_ms:12.3f} "
              f"{ceil_cpu / cpu_ms:24.3f}")
    lookup, enrich = summary[ROUTES[1][0]], summary[ROUTES[2][0]]
    return Ratios(ceiling_rps=ceil_rps, lookup_rps=lookup[0], lookup=lookup[0] / ceil_rps,
                  lookup_cpu=ceil_cpu / lookup[3], enrich=enrich[0] / ceil_rps)


def uneven(runs: dict[str, list[Run]], balance: float, connections: int) -> None:
    """What CPU per request means, and the runs where one worker took the connections (with the even runs' figures)."""
    flagged = [f"{r.name} #{i}" for rs in runs.values() for i, r in enumerate(rs, 1) if r.balance < balance]
    print("  CPU ms/req: the workers' CPU time over the requests wrk completed. Its ratio depends less on how wrk's")
    print("  keep-alive connections fell between the workers (each worker is one process: one core of Python at most).")
    if not flagged:
        return
    print(f"  UNEVEN: in {', '.join(flagged)} a worker used under {balance:.0%} of another's CPU: the workers "
          f"accepted wrk's {connections} keep-alive connections unevenly (they stay where they land), and the "
          "idle one's core went unused.")
    even = {name: [r for r in rs if r.balance >= balance] for name, rs in runs.items()}
    if all(even.values()):
        base = median([r.rps for r in even[ROUTES[0][0]]])
        print("  over the even runs only: " + ", ".join(
            f"{name} {median([r.rps for r in rs]):.1f} req/s ({median([r.rps for r in rs]) / base:.3f}×)"
            for name, rs in even.items()))


def fixed_rate(b: Load) -> Run:
    """Section 3: the POST at --rate requests/s, paced by wrk's Lua delay(); its latency percentiles."""
    args = b.args
    section(f"3. POST {ENRICH_PATH} at a fixed {args.rate:g} requests/s: wrk -t{args.rate_threads} "
            f"-c{args.rate_connections} -d{args.rate_duration:g}s, paced by a Lua delay()")
    fixed = b.wrk_run(f"POST {ENRICH_PATH} @{args.rate:g}", ENRICH_PATH, "rate", args.rate_threads,
                      args.rate_connections, args.rate_duration)
    print(RUN_HEADER)
    show_run(fixed, "d")
    print(other_cpu([fixed]))
    paced = fixed.exact.get("paced", "?")
    interval = 1000.0 * args.rate_threads / args.rate
    how = (f"each wrk thread hands out send times {interval:g} ms apart on LuaJIT's monotonic clock"
           if paced == "clock" else f"a fixed {interval * args.rate_connections / args.rate_threads:g} ms pause "
           "per request per connection (no LuaJIT ffi clock: the achieved rate is lower by the service time)")
    print(f"  pacing: {how}")
    print(f"  achieved {fixed.rps:.1f} requests/s ({fixed.requests} in {fixed.exact.get('duration_us', 0) / 1e6:.1f} s;"
          f" target {args.rate:g}, within {RATE_TOLERANCE:.0%}: {met(rate_ok(fixed, args.rate))})")
    print(f"  latency ms: p50 {fixed.p50:.2f}, p75 {fixed.latency_ms['75']:.2f}, p90 {fixed.latency_ms['90']:.2f}, "
          f"p99 {fixed.p99:.2f}, p99.9 {fixed.exact.get('p999_us', 0) / 1000:.2f}, max "
          f"{fixed.exact.get('max_us', 0) / 1000:.2f}; in the app (access log, {len(fixed.app_ms)} lines): "
          f"p50 {pct(fixed.app_ms, 50):.2f}, p99 {pct(fixed.app_ms, 99):.2f}, max {max(fixed.app_ms, default=0):.2f}")
    print("  wrk measures each request from the moment it is written, after the Lua delay: this is service time. A")
    print("  request that waited for a free connection is not charged for the wait (wrk2's -R corrects for this")
    print("  coordinated omission; plain wrk 4.1 only back-fills samples over twice the mean per-connection")
    print(f"  interval, here ~{1000 * args.rate_connections / args.rate:g} ms, so only requests slower than"
          f" ~{2000 * args.rate_connections / args.rate:g} ms get synthetic company).")
    return fixed


def rate_ok(fixed: Run, rate: float) -> bool:
    """Whether the fixed-rate run achieved its rate, within RATE_TOLERANCE."""
    return fixed.rps >= rate * (1 - RATE_TOLERANCE)


def targets(b: Load, ratios: Ratios, fixed: Run, all_runs: list[Run]) -> None:
    """Section 4 (issue #4): the lookup against the ceiling, the enrich p99 at the fixed rate, no non-2xx."""
    args = b.args
    non_2xx = sum(r.non_2xx for r in all_runs)
    socket_errors: Counter[str] = Counter()
    for r in all_runs:
        socket_errors.update(r.socket_errors)
    print(f"  GET {LOOKUP_PATH} ≥ {LOOKUP_RATIO_TARGET}× the ceiling: {ratios.lookup_rps:.1f} / "
          f"{ratios.ceiling_rps:.1f} = {ratios.lookup:.3f}× ({met(ratios.lookup >= LOOKUP_RATIO_TARGET)}); by CPU per "
          f"request {ratios.lookup_cpu:.3f}× ({met(ratios.lookup_cpu >= LOOKUP_RATIO_TARGET)})")
    print(f"  POST {ENRICH_PATH} at max throughput: {ratios.enrich:.3f}× the ceiling (no target)")
    enrich_ok = rate_ok(fixed, args.rate) and fixed.p99 < ENRICH_P99_TARGET_MS
    print(f"  POST {ENRICH_PATH} p99 < {ENRICH_P99_TARGET_MS:g} ms at {args.rate:g} requests/s: p99 {fixed.p99:.2f} ms "
          f"at {fixed.rps:.1f} requests/s ({met(enrich_ok)})")
    print(f"  non-2xx responses (wrk, every run): {non_2xx} (target 0: {met(non_2xx == 0)}); socket errors: "
          f"{dict(socket_errors) if sum(socket_errors.values()) else 0}")


def memory_report(snapshots: list[Snapshot], master: int, workers: list[int]) -> None:
    """Section 5: the memory table, the libraries workers mapped after the fork, and any replaced worker."""
    show_memory(snapshots, master)
    print("  RSS counts the pages a worker shares with the master (the preloaded reference index, copy-on-write);")
    print("  PSS divides shared pages among the processes sharing them, private is what the process alone holds.")
    late = set().union(*(native_packages(p) for p in children(master))) - native_packages(master)
    if late:
        print(f"  native libraries the workers mapped after the fork (the master has not): {', '.join(sorted(late))}")
    gone = set(workers) - set(children(master))
    if gone:
        print(f"  WORKERS REPLACED during the run: {sorted(gone)} gone, now {children(master)}")


def metrics_report(delta: Mapping[str, float], all_runs: list[Run]) -> None:
    """Section 6, /metrics: requests counted during the load by route and status, and the quote cache's counters."""
    by_status: Counter[str] = Counter()
    for name, value in delta.items():
        if name.startswith("enrich_http_requests_total{"):
            by_status[f"{label(name, 'method')} {label(name, 'route')} {label(name, 'status')}"] += int(value)
    print("  /metrics, requests counted during the load (every worker, summed): "
          + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items())))
    wrk_total = sum(r.requests for r in all_runs)
    print(f"    their sum {sum(by_status.values())} (wrk counted {wrk_total} completed; wrk drops the requests still "
          "in flight when it stops, and the /metrics scrape itself counts)")
    cache = {name.removeprefix("enrich_quote_cache_").removesuffix("_total"): int(v) for name, v in delta.items()
             if name.startswith("enrich_quote_cache_")}
    print(f"  quote cache counters during the load: {', '.join(f'{k} {v}' for k, v in cache.items()) or 'all zero'}")


def log_report(b: Load) -> None:
    """Section 6, the server's log: lines by level, access-log statuses, workers booted, the first warnings."""
    levels: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    boots, notable = 0, []
    for line in access_lines(b.log):
        levels[line.get("level", "?")] += 1
        if "status" in line:
            statuses[line["status"]] += 1
        if str(line.get("msg", "")).startswith("Booting worker"):
            boots += 1
        if line.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            notable.append(line)
    print(f"  server log: {sum(levels.values())} lines by level {dict(levels)}; access-log statuses "
          f"{dict(statuses)}; workers booted {boots} (expected {b.args.workers})")
    for line in notable[:8]:
        print(f"    {line.get('level')} {line.get('logger')}: {str(line.get('msg'))[:160]}")
    if len(notable) > 8:
        print(f"    ... and {len(notable) - 8} more")
