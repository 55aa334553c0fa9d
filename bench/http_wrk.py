"""The load generator of bench/http_load.py: wrk with its Lua scripts, one bounded run with the CPU every process
used during it, and the run's line in the report."""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import CLK_TCK, cpu_seconds
from bench.http_server import HOST, access_lines, children

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
SCRIPT_FILES = ("article.json", "get.lua", "post.lua", "rate.lua")  # what write_scripts() leaves in its folder

RUN_HEADER = ("  run  route                    req/s p50 ms p99 ms max ms  app p50/p99 ms  non-2xx  sock"
              "  worker cores (each)  CPU ms/req  redis wrk other")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


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


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all CPUs; /proc/stat: everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK  # user nice system idle iowait irq softirq steal


class Load:
    """The processes under test and the means to load them."""

    def __init__(self, args: argparse.Namespace, wrk: str, port: int, master: int, redis_pid: int | None,
                 scripts: Mapping[str, Path], log: Path, front: Sequence[int] = ()) -> None:
        self.args, self.wrk, self.port, self.master, self.redis_pid = args, wrk, port, master, redis_pid
        self.scripts, self.log, self.front = scripts, log, list(front)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def processes(self) -> dict[str, list[int]]:
        groups = {"workers": children(self.master), "master": [self.master]}
        if self.front:
            groups["front"] = self.front
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


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile by nearest rank (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), round(p / 100 * len(ordered) + 0.5)) - 1)]


def show_run(run: Run, index: int | str) -> None:
    """One row under RUN_HEADER."""
    errors = sum(run.socket_errors.values())
    cpu = run.cpu
    app = f"{pct(run.app_ms, 50):5.2f} {pct(run.app_ms, 99):6.2f}" if run.app_ms else "    -      -"
    each = "+".join(f"{c:.2f}" for c in run.worker_cores)
    print(f"  {index!s:>3}  {run.name:<22} {run.rps:7.1f} {run.p50:6.2f} {run.p99:6.2f} "
          f"{run.exact.get('max_us', 0) / 1000:6.1f}  {app}  {run.non_2xx:7} {errors:5}  "
          f"{cpu.get('workers', 0):4.2f} = {each:<10} {run.cpu_ms:5.2f}   {cpu.get('redis', 0):4.2f} "
          f"{cpu.get('wrk', 0):4.2f} {cpu.get('other', 0):5.2f}")


def other_cpu(runs: Sequence[Run]) -> str:
    """The most the master, this process (the fake Yahoo) and the rest of the machine used in any run."""
    master = max(r.cpu.get("master", 0.0) for r in runs)
    front = max(r.cpu.get("front", 0.0) for r in runs)
    own = max(r.cpu.get("bench", 0.0) for r in runs)
    other = max(r.cpu.get("other", 0.0) for r in runs)
    line = (f"  (in any run, at most: gunicorn master {master:.2f} cores, the nginx front {front:.2f}, this process "
            f"with the fake Yahoo "
            f"{max(0.0, own):.2f}, all other processes of the machine {other:.2f}: the `other` column)")
    if other > 0.2:
        line += (f"\n  NOISY: other processes used up to {other:.2f} of the {os.cpu_count()} CPUs during a run: the "
                 "figures of those runs are low; run again on a quiet machine")
    return line
