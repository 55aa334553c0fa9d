"""Benchmark the HTTP API under load: wrk against gunicorn on loopback, with the bare route as the framework ceiling.

Everything runs on 127.0.0.1: a throwaway redis-server (tests/redis_server.py), the fake Yahoo of the test suite
answering any symbol (bench/prices.py's `any_yahoo`), and `python -m enrich serve` (gunicorn with config/gunicorn.py,
as the Procfile runs it) on a free port with prices on (ENRICH_MARKET_DATA=yfinance, ENRICH_YAHOO_BASE_URL=the fake,
REDIS_URL=the throwaway Redis). The quote cache is primed with one request per route, then wrk (Debian's 4.1.0) runs:

  (a) GET /healthz, the bare route: the framework ceiling (the app's hooks, no Redis, no index, no work);
  (b) GET /v1/tickers/MSFT (warm cache);
  (c) POST /v1/enrich with a ~3 KB article of 10 tags on 5 venues (warm cache), written below;
      (a)-(c) at maximum throughput (-t2 -c16 by default), interleaved a, b, c, a, b, c, ...; medians reported;
  (d) the POST of (c) at a fixed 200 requests/s: plain wrk has no rate option (wrk2's -R), so a Lua delay() paces
      each wrk thread (it hands out send times 1000 * threads / rate ms apart on LuaJIT's clock).

Printed: requests/s, p50/p99 of each, the ratios to the ceiling, the issue's targets (lookup >= 0.5x the ceiling;
enrich p99 < 25 ms at 200 requests/s) as met or MISSED, wrk's non-2xx and socket error counts, the fake Yahoo's
request count before and after (warm load must not ask the upstream), the server's own view (/metrics, its log), and
the resident memory of the gunicorn master and of each worker before and after the load. Nothing is asserted.

The service's Redis key prefixes (quote cache `enrich:q:`, rate limit `enrich:rl:`) are not settings, so the server
always gets a private redis-server: REDIS_URL is never used, as the fake's synthetic quotes would land in a real
cache. Skipped (exit 0) when wrk or redis-server is absent.

Run from anywhere: `python bench/http.py [--duration S] [--repeat R] [--workers N]` (about 2 minutes by default).
"""

from __future__ import annotations

import os
import sys

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where http.py and queue.py would stand in for
# the standard library's modules: drop it before anything else is imported (`python -m bench.<name>` needs nothing).
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# `python bench/http.py` puts bench/ first on sys.path, where this file would stand in for the standard library's
# `http` package (http.client, http.server) in everything imported later: take bench/ off, put the project on.
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import median, met, section  # noqa: E402

LOOKUP_RATIO_TARGET = 0.5  # the lookup at half the ceiling's requests/s or better
ENRICH_P99_TARGET_MS = 25.0  # enrich p99 under 25 ms ...
RATE_TOLERANCE = 0.05  # ... at 200 requests/s, achieved within 5%
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# ~3 KB, ten tags on five venues (one of them a wrong venue the service corrects, two on venues no loaded list
# covers completely); every listing resolves in the bundled reference data.
ARTICLE = """\
Markets wrap: chipmakers rally, banks steady, miners slip on softer metal prices

NEW YORK, November 27, 2026 -- Semiconductor shares led a broad advance on Friday after a run of upbeat
supply-chain updates. NVIDIA Corporation (NASDAQ: NVDA) rose for a fifth straight session as customers
described longer order books for accelerators, and Advanced Micro Devices, Inc. (NASDAQ: AMD) gained after
it confirmed that its next data-centre processor had entered volume production ahead of schedule. Apple Inc.
(NASDAQ: AAPL) edged higher on reports of firm holiday demand for its newest phones in China and India.
Microsoft Corporation (NYSE: MSFT) added to gains after it said enterprise cloud bookings had accelerated again.

Banks were little changed. JPMorgan Chase & Co. (NYSE: JPM) said net interest income would come in near the top
of its range for the year, while cautioning that deposit costs had stopped falling. In Canada, Royal Bank of
Canada (TSX: RY) reported fourth-quarter earnings above estimates, helped by wealth management fees, and raised
its quarterly dividend by four cents. Analysts said capital ratios across the large lenders remained well above
regulatory minimums, leaving room for more buybacks in the new year.

Consumer names were mixed. The Coca-Cola Company (NYSE: KO) slipped after a broker cut its rating to neutral,
citing slower volume growth in Latin America, while Amazon.com, Inc. (NASDAQ: AMZN) climbed on early estimates
of record Black Friday order volumes and a faster rollout of its low-cost delivery tiers in Europe.

Overseas, Tencent Holdings Limited (HKEX: 0700) advanced in Hong Kong after regulators approved another batch
of domestic game licences, the largest this year. In London, BP p.l.c. (LSE: BP) fell as crude prices eased on
expectations of higher output next quarter; the company said its share buyback programme was unchanged and
that asset sales were on track to meet its target by the end of next year.

Mining stocks lagged. Copper and iron ore futures dropped after weaker factory data from China, and producers
with large exposure to both metals traded lower in Sydney and London. Gold miners held up better as bullion
steadied near its recent high, supported by a softer dollar and continued central-bank purchases.

"We are seeing rotation rather than retreat," said a strategist at a Boston investment firm. "Money is leaving
the defensive sectors that worked in the summer and moving back into growth, but investors remain selective
and quick to punish any guidance that disappoints." Treasury yields were little changed and trading volumes
were about a fifth below their thirty-day average, with several exchanges closing early for the holiday.

Disclaimer: prices are indicative and may be delayed. This report is provided for information only and is not
investment advice or a solicitation to buy or sell any security mentioned above.
"""

# The any-symbol fake puts a symbol without a suffix on Nasdaq; these two of the article are NYSE listings, and a
# Yahoo answer saying Nasdaq would turn them into corrections.
NYSE_SYMBOLS = ("JPM", "KO")

LOOKUP_PATH = "/v1/tickers/MSFT"
ENRICH_PATH = "/v1/enrich"
CEILING_PATH = "/healthz"

# wrk's Lua. done() runs once, in wrk's main Lua state, after wrk's own report: exact figures as one JSON line.
LUA_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "p999_us": %d, ' ..
    '"max_us": %d, "mean_us": %.1f, "paced": "%s"}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, PACED or "no"))
end
"""
LUA_POST = r"""
local file = assert(io.open([==[{body}]==], "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
"""
# A fixed rate for plain wrk: each thread's Lua state hands out send times INTERVAL ms apart (THREADS * 1000 / RATE)
# and delay() waits for the next one; wrk calls delay() before every request of every connection (the first too).
# Behind schedule (every connection busy), requests go out back to back until it catches up. Without LuaJIT's ffi
# (no clock), a fixed pause per request per connection of CONNECTIONS_PER_THREAD * INTERVAL ms.
LUA_RATE = r"""
local INTERVAL, CONNECTIONS_PER_THREAD = {interval}, {per_thread}
local ok, ffi = pcall(require, "ffi")
local now_ms = nil
if ok then
  ffi.cdef[[
    typedef struct {{ long tv_sec; long tv_nsec; }} bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  now_ms = function()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  PACED = "clock"
else
  PACED = "fixed pause"
end
local next_at = nil
function delay()
  if now_ms == nil then return math.floor(CONNECTIONS_PER_THREAD * INTERVAL + 0.5) end
  local now = now_ms()
  if next_at == nil then next_at = now end
  local at = next_at
  next_at = next_at + INTERVAL
  if at <= now then return 0 end
  return math.floor(at - now + 0.5)
end
"""


# ---------------------------------------------------------------------------------------------- helpers


def call(port: int, method: str, path: str, body: bytes | None = None, timeout: float = 10.0
         ) -> tuple[int, bytes]:
    """(status, body) of one request over loopback."""
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of stat)


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all CPUs; /proc/stat: everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK  # user nice system idle iowait irq softirq steal


def memory(pid: int) -> dict[str, int]:
    """kB: VmRSS and VmHWM (/proc/<pid>/status); Pss and private (Private_Clean + Private_Dirty, smaps_rollup)."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return found
    for line in rollup:
        name, _, value = line.partition(":")
        if name == "Pss":
            found["Pss"] = int(value.split()[0])
        elif name in ("Private_Clean", "Private_Dirty"):
            found["Private"] = found.get("Private", 0) + int(value.split()[0])
    return found


def native_packages(pid: int) -> set[str]:
    """The site-packages distributions whose shared libraries the process has mapped (/proc/<pid>/maps)."""
    found = set()
    try:
        lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if "/site-packages/" in path and ".so" in path:
            found.add(path.split("/site-packages/", 1)[1].split("/", 1)[0].split(".")[0])  # numpy.libs, _cffi*.so
    return found


def mb(kb: int | None) -> str:
    return "?" if kb is None else f"{kb / 1024:.1f}"


def scrape(port: int) -> dict[str, float]:
    """The server's Prometheus counters we read: requests by route and status, the quote cache's counters."""
    status, text = call(port, "GET", "/metrics")
    found: dict[str, float] = {}
    if status != 200:
        return found
    for line in text.decode().splitlines():
        if line.startswith(("enrich_http_requests_total{", "enrich_quote_cache_")) and " " in line:
            name, _, value = line.rpartition(" ")
            if not name.endswith("_created"):
                found[name] = float(value)
    return found


def counter_delta(after: Mapping[str, float], before: Mapping[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0)}


def label(name: str, key: str) -> str:
    """The value of label `key` in a Prometheus sample name."""
    match = re.search(key + r'="([^"]*)"', name)
    return match.group(1) if match else "?"


# --------------------------------------------------------------------------------------------------- wrk


@dataclass
class Run:
    """One wrk run: its figures (ms, requests/s) and the CPU the processes used during it."""

    name: str
    rps: float
    latency_ms: dict[str, float]  # "50", "75", "90", "99" from wrk's --latency text
    requests: int
    non_2xx: int
    socket_errors: dict[str, int]
    exact: dict[str, Any]  # WRKJSON from done()
    cpu: dict[str, float]  # process group -> cores used on average
    worker_cores: list[float] = field(default_factory=list)  # each worker's share of cpu["workers"]
    wall: float = 0.0
    app_ms: list[float] = field(default_factory=list)  # duration_ms of the app's access-log lines in this run
    raw: str = ""

    @property
    def cpu_ms(self) -> float:
        """The workers' CPU milliseconds per completed request."""
        return 1000 * self.cpu.get("workers", 0.0) * self.wall / max(1, self.requests)

    @property
    def balance(self) -> float:
        """The least busy worker's CPU over the busiest's (1: even; near 0: one worker did it all)."""
        return min(self.worker_cores) / max(self.worker_cores) if self.worker_cores and max(self.worker_cores) else 1.0

    @property
    def p50(self) -> float:
        return self.latency_ms["50"]

    @property
    def p99(self) -> float:
        return self.latency_ms["99"]


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(name: str, text: str) -> Run:
    """Requests/s, the --latency percentiles, the non-2xx and socket error counts from wrk's report."""
    latency = {p: float(v) * _UNIT_MS[u] for p, v, u in
               re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)}
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s+(\d+) requests in ", text, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    exact = re.search(r"^WRKJSON (\{.*\})$", text, re.M)
    if rps is None or total is None or len(latency) != 4:
        raise RuntimeError(f"cannot read wrk's report for {name}:\n{text}")
    return Run(name=name, rps=float(rps.group(1)), latency_ms=latency, requests=int(total.group(1)),
               non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
               socket_errors=dict(zip(("connect", "read", "write", "timeout"),
                                      map(int, sockets.groups()), strict=True)) if sockets else {},
               exact=json.loads(exact.group(1)) if exact else {}, cpu={}, raw=text)


class Bench:
    """The processes under test and the means to load them."""

    def __init__(self, args: argparse.Namespace, wrk: str, port: int, master: int, redis_pid: int | None,
                 scripts: Mapping[str, Path], log: Path) -> None:
        self.args, self.wrk, self.port, self.master, self.redis_pid = args, wrk, port, master, redis_pid
        self.scripts, self.log = scripts, log

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def processes(self) -> dict[str, list[int]]:
        groups = {"workers": children(self.master), "master": [self.master]}
        if self.redis_pid:
            groups["redis"] = [self.redis_pid]
        return groups

    def wrk_run(self, name: str, path: str, script: str, threads: int, connections: int, seconds: float) -> Run:
        """One wrk run, bounded: wrk stops itself after `seconds`, and is killed 30 s later if it has not."""
        argv = [self.wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--latency",
                "--timeout", "10s", "-s", str(self.scripts[script]), self.url(path)]
        groups = self.processes()
        cpu_before = {g: sum(cpu_seconds(p) for p in pids) for g, pids in groups.items()}
        each_before = {p: cpu_seconds(p) for p in groups["workers"]}
        own_before, wrk_before = os.times(), resource.getrusage(resource.RUSAGE_CHILDREN)
        busy_before = busy_seconds()
        log_offset = self.log.stat().st_size
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
        wall = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"wrk failed ({result.returncode}) for {name}: {result.stderr or result.stdout}")
        run = parse_wrk(name, result.stdout + result.stderr)
        wrk_after, own_after, busy_after = resource.getrusage(resource.RUSAGE_CHILDREN), os.times(), busy_seconds()
        run.cpu = {g: (sum(cpu_seconds(p) for p in pids) - cpu_before[g]) / wall for g, pids in groups.items()}
        run.worker_cores = [(cpu_seconds(p) - before) / wall for p, before in each_before.items()]
        run.wall = wall
        run.cpu["wrk"] = (wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime - wrk_before.ru_stime) / wall
        run.cpu["bench"] = (own_after.user + own_after.system - own_before.user - own_before.system) / wall
        run.cpu["other"] = max(0.0, (busy_after - busy_before) / wall - sum(run.cpu.values()))
        run.app_ms = [line["duration_ms"] for line in access_lines(self.log, log_offset)
                      if line.get("path") == path and "duration_ms" in line]
        if self.args.verbose:
            print("\n".join("      | " + x for x in result.stdout.splitlines()))
        return run


def access_lines(log: Path, offset: int = 0) -> Iterator[dict[str, Any]]:
    """The server log's JSON lines from byte `offset` on."""
    with open(log, "rb") as handle:
        handle.seek(offset)
        for raw in handle:
            if raw.startswith(b"{"):
                try:
                    yield json.loads(raw)
                except ValueError:
                    continue


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile by nearest rank (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), round(p / 100 * len(ordered) + 0.5)) - 1)]


def write_scripts(folder: Path, body: bytes, args: argparse.Namespace) -> dict[str, Path]:
    """wrk's Lua scripts: GET (done() only), POST (the article) and the POST at a fixed rate."""
    body_path = folder / "article.json"
    body_path.write_bytes(body)
    if "]==]" in str(body_path):
        raise RuntimeError(f"unusable temporary path {body_path}")
    post = LUA_POST.format(body=body_path)
    rate = LUA_RATE.format(interval=repr(1000.0 * args.rate_threads / args.rate),
                           per_thread=args.rate_connections // args.rate_threads)
    scripts = {"get": LUA_DONE, "post": post + LUA_DONE, "rate": post + rate + LUA_DONE}
    paths = {}
    for name, text in scripts.items():
        paths[name] = folder / f"{name}.lua"
        paths[name].write_text(text)
    return paths


# ------------------------------------------------------------------------------------------- reporting


def show_run(run: Run, index: int | str) -> None:
    errors = sum(run.socket_errors.values())
    cpu = run.cpu
    app = f"{pct(run.app_ms, 50):5.2f} {pct(run.app_ms, 99):6.2f}" if run.app_ms else "    -      -"
    each = "+".join(f"{c:.2f}" for c in run.worker_cores)
    print(f"  {index!s:>3}  {run.name:<22} {run.rps:7.1f} {run.p50:6.2f} {run.p99:6.2f} "
          f"{run.exact.get('max_us', 0) / 1000:6.1f}  {app}  {run.non_2xx:7} {errors:5}  "
          f"{cpu.get('workers', 0):4.2f} = {each:<10} {run.cpu_ms:5.2f}   {cpu.get('redis', 0):4.2f} "
          f"{cpu.get('wrk', 0):4.2f} {cpu.get('other', 0):5.2f}")


RUN_HEADER = ("  run  route                    req/s p50 ms p99 ms max ms  app p50/p99 ms  non-2xx  sock"
              "  worker cores (each)  CPU ms/req  redis wrk other")


def other_cpu(runs: Sequence[Run]) -> str:
    """The most the master, this process (the fake Yahoo) and the rest of the machine used in any run."""
    master = max(r.cpu.get("master", 0.0) for r in runs)
    own = max(r.cpu.get("bench", 0.0) for r in runs)
    other = max(r.cpu.get("other", 0.0) for r in runs)
    line = (f"  (in any run, at most: gunicorn master {master:.2f} cores, this process with the fake Yahoo "
            f"{max(0.0, own):.2f}, all other processes of the machine {other:.2f}: the `other` column)")
    if other > 0.2:
        line += (f"\n  NOISY: other processes used up to {other:.2f} of the {os.cpu_count()} CPUs during a run: the "
                 "figures of those runs are low; run again on a quiet machine")
    return line


def show_memory(snapshots: Sequence[tuple[str, dict[int, dict[str, int]]]], master: int) -> None:
    """VmRSS (and PSS, private) of the master and each worker at each moment."""
    pids = [master] + sorted({p for _, snap in snapshots for p in snap if p != master})
    print(f"  {'process':<18}" + "".join(f"{when:>32}" for when, _ in snapshots))
    print(f"  {'':<18}" + "".join(f"{'RSS / PSS / private MB':>32}" for _ in snapshots))
    for pid in pids:
        role = "master" if pid == master else "worker"
        cells = []
        for _, snap in snapshots:
            m = snap.get(pid)
            cells.append(f"{mb(m.get('VmRSS'))} / {mb(m.get('Pss'))} / {mb(m.get('Private'))}" if m else "(gone)")
        print(f"  {role + ' ' + str(pid):<18}" + "".join(f"{c:>32}" for c in cells))
    first, last = snapshots[0][1], snapshots[-1][1]
    total = {when: sum(m.get("Pss", 0) for m in snap.values()) for when, snap in snapshots}
    print(f"  {'all (PSS sum)':<18}" + "".join(f"{mb(total[when]):>32}" for when, _ in snapshots))
    grown = [f"{'master' if p == master else p}: {(last[p]['VmRSS'] - first[p]['VmRSS']) / 1024:+.1f} MB"
             for p in pids if p in first and p in last]
    peaks = [f"{'master' if p == master else p} {mb(last[p].get('VmHWM'))} MB" for p in pids if p in last]
    print(f"  RSS growth, first to last: {', '.join(grown)}; peak RSS (VmHWM): {', '.join(peaks)}")


# ---------------------------------------------------------------------------------------------------- main


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


def bench(b: Bench, fake: Any, redis_url: str, body: bytes, started: float) -> None:
    """Everything after /readyz: prime, warm up, load, and report."""
    from tests.market.fake_yahoo import QUOTE_PATH

    args = b.args
    snapshots: list[tuple[str, dict[int, dict[str, int]]]] = []

    def snapshot(when: str) -> None:
        snapshots.append((when, {p: memory(p) for p in [b.master, *children(b.master)]}))

    section("1. Server start and cache priming")
    workers = children(b.master)
    print(f"  gunicorn master {b.master}, workers {workers}: /readyz 200 after {time.perf_counter() - started:.1f} s")
    snapshot("after start")
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

    max_runs = 3 * args.repeat * args.duration
    planned = 3 * args.warmup + max_runs + args.rate_duration
    if fresh_s < planned + 10:
        print(f"  NOTE: the load below lasts ~{planned:.0f} s, longer than the shortest freshness: refreshes of stale "
              "quotes (upstream requests) are then expected and legitimate.")
    if args.warmup:
        for name, path, script in (("warm-up healthz", CEILING_PATH, "get"), ("warm-up lookup", LOOKUP_PATH, "get"),
                                   ("warm-up enrich", ENRICH_PATH, "post")):
            b.wrk_run(name, path, script, args.wrk_threads, args.connections, args.warmup)
        print(f"  warm-up: {args.warmup:g} s of wrk on each route (every worker builds its market adapter and "
              "verdict memo; not reported)")
    snapshot("after warm-up")
    metrics_before = scrape(b.port)
    upstream_before, quotes_before = fake.count(), fake.count(QUOTE_PATH)
    print(f"  fake Yahoo before the load: {fake_counts(fake)}")

    section(f"2. Maximum throughput: wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s --latency, "
            f"{args.repeat} repeat(s) interleaved")
    routes = (("GET /healthz (ceiling)", CEILING_PATH, "get"), (f"GET {LOOKUP_PATH}", LOOKUP_PATH, "get"),
              (f"POST {ENRICH_PATH} 3 KB", ENRICH_PATH, "post"))
    runs: dict[str, list[Run]] = {name: [] for name, _, _ in routes}
    print(RUN_HEADER)
    for repeat in range(1, args.repeat + 1):
        for name, path, script in routes:
            run = b.wrk_run(name, path, script, args.wrk_threads, args.connections, args.duration)
            runs[name].append(run)
            show_run(run, repeat)
    print(other_cpu([r for rs in runs.values() for r in rs]))
    print()
    print(f"  medians over {args.repeat} run(s)      req/s  p50 ms  p99 ms  req/s ÷ ceiling   CPU ms/req  "
          "ceiling's CPU/req ÷ this")
    ceiling = routes[0][0]
    ceil_rps = median([r.rps for r in runs[ceiling]])
    ceil_cpu = median([r.cpu_ms for r in runs[ceiling]])
    summary: dict[str, tuple[float, float, float, float]] = {}
    for name, _, _ in routes:
        rps, p50, p99, cpu_ms = (median([getattr(r, a) for r in runs[name]]) for a in ("rps", "p50", "p99", "cpu_ms"))
        summary[name] = (rps, p50, p99, cpu_ms)
        print(f"  {name:<28} {rps:8.1f} {p50:7.2f} {p99:7.2f} {rps / ceil_rps:16.3f} {cpu_ms:12.3f} "
              f"{ceil_cpu / cpu_ms:24.3f}")
    lookup_ratio = summary[routes[1][0]][0] / ceil_rps
    enrich_ratio = summary[routes[2][0]][0] / ceil_rps
    lookup_cpu_ratio = ceil_cpu / summary[routes[1][0]][3]
    uneven = [f"{r.name} #{i}" for rs in runs.values() for i, r in enumerate(rs, 1) if r.balance < args.balance]
    print("  CPU ms/req: the workers' CPU time over the requests wrk completed. Its ratio depends less on how wrk's")
    print("  keep-alive connections fell between the workers (each worker is one process: one core of Python at most).")
    if uneven:
        print(f"  UNEVEN: in {', '.join(uneven)} a worker used under {args.balance:.0%} of another's CPU: the workers "
              f"accepted wrk's {args.connections} keep-alive connections unevenly (they stay where they land), and the "
              "idle one's core went unused.")
        even = {name: [r for r in rs if r.balance >= args.balance] for name, rs in runs.items()}
        if all(even.values()):
            base = median([r.rps for r in even[ceiling]])
            print("  over the even runs only: " + ", ".join(
                f"{name} {median([r.rps for r in rs]):.1f} req/s ({median([r.rps for r in rs]) / base:.3f}×)"
                for name, rs in even.items()))

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
    rate_ok = fixed.rps >= args.rate * (1 - RATE_TOLERANCE)
    print(f"  pacing: {how}")
    print(f"  achieved {fixed.rps:.1f} requests/s ({fixed.requests} in {fixed.exact.get('duration_us', 0) / 1e6:.1f} s;"
          f" target {args.rate:g}, within {RATE_TOLERANCE:.0%}: {met(rate_ok)})")
    print(f"  latency ms: p50 {fixed.p50:.2f}, p75 {fixed.latency_ms['75']:.2f}, p90 {fixed.latency_ms['90']:.2f}, "
          f"p99 {fixed.p99:.2f}, p99.9 {fixed.exact.get('p999_us', 0) / 1000:.2f}, max "
          f"{fixed.exact.get('max_us', 0) / 1000:.2f}; in the app (access log, {len(fixed.app_ms)} lines): "
          f"p50 {pct(fixed.app_ms, 50):.2f}, p99 {pct(fixed.app_ms, 99):.2f}, max {max(fixed.app_ms, default=0):.2f}")
    print("  wrk measures each request from the moment it is written, after the Lua delay: this is service time. A")
    print("  request that waited for a free connection is not charged for the wait (wrk2's -R corrects for this")
    print("  coordinated omission; plain wrk 4.1 only back-fills samples over twice the mean per-connection")
    print(f"  interval, here ~{1000 * args.rate_connections / args.rate:g} ms, so only requests slower than"
          f" ~{2000 * args.rate_connections / args.rate:g} ms get synthetic company).")

    upstream_after, quotes_after = fake.count(), fake.count(QUOTE_PATH)
    metrics_after = scrape(b.port)
    snapshot("after the load")
    all_runs = [r for rs in runs.values() for r in rs] + [fixed]
    non_2xx = sum(r.non_2xx for r in all_runs)
    socket_errors = Counter()
    for r in all_runs:
        socket_errors.update(r.socket_errors)

    section("4. Targets (issue #4)")
    lookup_rps = summary[routes[1][0]][0]
    print(f"  GET {LOOKUP_PATH} ≥ {LOOKUP_RATIO_TARGET}× the ceiling: {lookup_rps:.1f} / {ceil_rps:.1f} = "
          f"{lookup_ratio:.3f}× ({met(lookup_ratio >= LOOKUP_RATIO_TARGET)}); by CPU per request "
          f"{lookup_cpu_ratio:.3f}× ({met(lookup_cpu_ratio >= LOOKUP_RATIO_TARGET)})")
    print(f"  POST {ENRICH_PATH} at max throughput: {enrich_ratio:.3f}× the ceiling (no target)")
    enrich_ok = rate_ok and fixed.p99 < ENRICH_P99_TARGET_MS
    print(f"  POST {ENRICH_PATH} p99 < {ENRICH_P99_TARGET_MS:g} ms at {args.rate:g} requests/s: p99 {fixed.p99:.2f} ms "
          f"at {fixed.rps:.1f} requests/s ({met(enrich_ok)})")
    print(f"  non-2xx responses (wrk, every run): {non_2xx} (target 0: {met(non_2xx == 0)}); socket errors: "
          f"{dict(socket_errors) if sum(socket_errors.values()) else 0}")
    new_upstream = upstream_after - upstream_before
    print(f"  fake Yahoo requests during the load: {new_upstream} new, {quotes_after - quotes_before} of them quote "
          f"requests (target 0: {met(new_upstream == 0)}); before priming 0, after priming {primed_quotes} quote "
          f"requests, now {fake_counts(fake)}")

    section("5. Memory of the gunicorn processes (VmRSS from /proc/<pid>/status; PSS and private from smaps_rollup)")
    show_memory(snapshots, b.master)
    print("  RSS counts the pages a worker shares with the master (the preloaded reference index, copy-on-write);")
    print("  PSS divides shared pages among the processes sharing them, private is what the process alone holds.")
    late = set().union(*(native_packages(p) for p in children(b.master))) - native_packages(b.master)
    if late:
        print(f"  native libraries the workers mapped after the fork (the master has not): {', '.join(sorted(late))}")
    gone = set(workers) - set(children(b.master))
    if gone:
        print(f"  WORKERS REPLACED during the run: {sorted(gone)} gone, now {children(b.master)}")

    section("6. The server's own view")
    delta = counter_delta(metrics_after, metrics_before)
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
          f"{dict(statuses)}; workers booted {boots} (expected {args.workers})")
    for line in notable[:8]:
        print(f"    {line.get('level')} {line.get('logger')}: {str(line.get('msg'))[:160]}")
    if len(notable) > 8:
        print(f"    ... and {len(notable) - 8} more")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, start Redis, the fake Yahoo and gunicorn, load them and print every section."""
    from config.settings import Settings

    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per max-throughput wrk run (default: 10)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="max-throughput runs per route, interleaved; medians reported (default: 2)")
    parser.add_argument("--warmup", type=float, default=1,
                        help="seconds of unreported wrk per route first (default: 1)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections, max throughput (default: 16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads, max throughput (default: 2)")
    parser.add_argument("--rate", type=float, default=200, help="fixed rate for (d), requests/s (default: 200)")
    parser.add_argument("--rate-duration", type=float, default=15, help="seconds of the fixed-rate run (default: 15)")
    parser.add_argument("--rate-connections", type=int, default=4, help="wrk connections, fixed rate (default: 4)")
    parser.add_argument("--rate-threads", type=int, default=2, help="wrk threads, fixed rate (default: 2)")
    parser.add_argument("--workers", type=int, default=defaults.web_concurrency,
                        help=f"WEB_CONCURRENCY, gunicorn workers (default: {defaults.web_concurrency})")
    parser.add_argument("--web-threads", type=int, default=defaults.web_threads,
                        help=f"ENRICH_WEB_THREADS, threads per worker (default: {defaults.web_threads})")
    parser.add_argument("--log-level", default=defaults.log_level, choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help=f"the server's ENRICH_LOG_LEVEL (default: {defaults.log_level}: a line per /v1 request)")
    parser.add_argument("--server-log", type=Path, help="keep the server's log here (default: a temporary file)")
    parser.add_argument("--balance", type=float, default=0.6,
                        help="flag runs where a worker used less than this share of another's CPU (default: 0.6)")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own report of every run")
    args = parser.parse_args(argv)
    if min(args.duration, args.repeat, args.connections, args.wrk_threads, args.rate, args.rate_duration,
           args.rate_connections, args.rate_threads, args.workers, args.web_threads) <= 0 or args.warmup < 0:
        parser.error("durations, counts and the rate must be positive")
    if args.connections < args.wrk_threads or args.rate_connections < args.rate_threads:
        parser.error("wrk needs at least one connection per thread")
    if args.rate_connections % args.rate_threads:
        parser.error("--rate-connections must be a multiple of --rate-threads (wrk deals connections evenly)")

    wrk = shutil.which("wrk")
    if wrk is None:
        print("SKIPPED: no wrk on PATH (apt-get install wrk).")
        return 0
    from bench.prices import any_yahoo
    from tests.redis_server import RedisServer, free_port

    try:
        server = RedisServer()
    except RuntimeError as exc:
        print(f"SKIPPED: {exc}. (REDIS_URL is not used: the service's key prefixes are not settings.)")
        return 0

    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10)
    wrk_version = (version.stdout or version.stderr).splitlines()[0].split(" Copyright")[0].strip()
    body = json.dumps({"text": ARTICLE}).encode()
    folder = Path(tempfile.mkdtemp(prefix="enrich-bench-http-"))
    log = args.server_log or folder / "server.log"
    fake = gunicorn = None
    started = time.perf_counter()
    try:
        server.start()
        fake = any_yahoo(0.0)
        nyse = fake.quotes["IONQ"]  # a recorded NYSE quote
        for symbol in NYSE_SYMBOLS:
            fake.quotes[symbol] = {**fake.quotes[symbol], "exchange": nyse["exchange"],
                                   "fullExchangeName": nyse["fullExchangeName"]}
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENRICH_") and k not in (
            "HOST", "PORT", "WEB_CONCURRENCY", "REDIS_URL", "GUNICORN_CMD_ARGS", "PROMETHEUS_MULTIPROC_DIR")}
        env.update({"HOST": HOST, "PORT": str(port), "WEB_CONCURRENCY": str(args.workers),
                    "ENRICH_WEB_THREADS": str(args.web_threads), "ENRICH_MARKET_DATA": "yfinance",
                    "ENRICH_YAHOO_BASE_URL": fake.base_url, "REDIS_URL": server.url,
                    "ENRICH_LOG_LEVEL": args.log_level})
        import gunicorn as gunicorn_package
        import redis

        with redis.Redis.from_url(server.url) as client:
            redis_version = client.info("server").get("redis_version")
        print("HTTP API benchmark (bench/http.py)")
        print(f"  date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
        print(f"  python:   {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}")
        print(f"  cpus:     {os.cpu_count()} (wrk, gunicorn, Redis and the fake Yahoo share them); load average "
              f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])} at the start")
        print(f"  wrk:      {wrk_version} ({wrk})")
        print(f"  server:   gunicorn {gunicorn_package.__version__} by `python -m enrich serve` on {HOST}:{port}: "
              f"WEB_CONCURRENCY={args.workers} workers × ENRICH_WEB_THREADS={args.web_threads} threads (gthread), "
              f"preloaded; ENRICH_LOG_LEVEL={args.log_level}, log to {log}")
        print(f"  prices:   ENRICH_MARKET_DATA=yfinance, the fake Yahoo on {fake.base_url} (any symbol answered, no "
              f"delay), REDIS_URL={server.url} (throwaway redis-server {redis_version})")
        print(f"  article:  {len(ARTICLE.encode())} bytes ({len(body)} bytes of JSON body), POST {ENRICH_PATH} "
              "{\"text\"}: prices on (the default), no as_of")
        print(f"  load:     max throughput -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s × "
              f"{args.repeat} per route; fixed rate {args.rate:g}/s -t{args.rate_threads} -c{args.rate_connections} "
              f"-d{args.rate_duration:g}s; warm-up {args.warmup:g} s per route")

        scripts = write_scripts(folder, body, args)
        with open(log, "ab") as sink:
            gunicorn = subprocess.Popen([sys.executable, "-m", "enrich", "serve"], cwd=ROOT, env=env, stdout=sink,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                if call(port, "GET", "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if gunicorn.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace").splitlines()[-20:]
                print("FAILED: gunicorn did not become ready:\n" + "\n".join(tail))
                return 1
            time.sleep(0.1)
        while len(children(gunicorn.pid)) < args.workers and time.monotonic() < deadline:
            time.sleep(0.05)
        b = Bench(args, wrk, port, gunicorn.pid, server.process.pid if server.process else None, scripts, log)
        bench(b, fake, server.url, body, started)
    finally:
        if gunicorn is not None:
            stop(gunicorn)
        if fake is not None:
            fake.close()
        server.close()
        if args.server_log is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            for name in ("article.json", "get.lua", "post.lua", "rate.lua"):
                (folder / name).unlink(missing_ok=True)
            folder.rmdir()

    print()
    print(f"Done in {time.perf_counter() - started:.0f} s.")
    return 0


def stop(process: subprocess.Popen, grace_s: float = 30.0) -> None:
    """SIGTERM the gunicorn master (graceful: workers finish their requests), wait; SIGKILL what is left."""
    if process.poll() is not None:
        print(f"  gunicorn had already exited with {process.returncode}")
        return
    workers = children(process.pid)
    start = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
        print(f"  gunicorn did not stop within {grace_s:g} s of SIGTERM: killed")
    left = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    print()
    print(f"Shutdown: SIGTERM to gunicorn; the master exited with {code} after {time.perf_counter() - start:.1f} s"
          + (f"; workers left behind and killed: {left}" if left else "; no worker left behind"))


if __name__ == "__main__":
    sys.exit(main())
