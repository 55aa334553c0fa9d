"""The server under bench/http_load.py: gunicorn started and stopped, its processes and memory from /proc, its
endpoints, /metrics and log."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.common import ROOT
from enrich.stack import processes

HOST = "127.0.0.1"
LOOKUP_PATH = "/v1/tickers/MSFT"
ENRICH_PATH = "/v1/enrich"
CEILING_PATH = "/healthz"  # the bare route: the framework ceiling

Snapshot = tuple[str, dict[int, dict[str, int]]]  # (when, pid -> memory figures)


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


def spawn(env: Mapping[str, str], log: Path) -> subprocess.Popen:
    """`python -m enrich serve` in its own session, logging to `log`."""
    with open(log, "ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "enrich", "serve"], cwd=ROOT, env=env, stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True)


def gunicorn_master(serve: int) -> int:
    """The gunicorn master under `python -m enrich serve`: its child running gunicorn behind the nginx front, or
    `serve` itself (with ENRICH_FRONT=none it becomes gunicorn)."""
    for pid in [serve, *children(serve)]:
        try:
            if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return serve


def front_pids(serve: int) -> list[int]:
    """nginx's master and workers under `serve` (none with ENRICH_FRONT=none)."""
    found = []
    for process in processes():
        if process.ppid == serve and process.name == "nginx":
            found += [process.pid, *children(process.pid)]
    return found


def wait_ready(gunicorn: subprocess.Popen, log: Path, port: int, workers: int) -> bool:
    """Whether /readyz said 200 within 120 s (then wait for every worker); if not, the log's tail is printed."""
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
            return False
        time.sleep(0.1)
    while len(children(gunicorn_master(gunicorn.pid))) < workers and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def stop(process: subprocess.Popen, grace_s: float = 30.0) -> None:
    """SIGTERM `serve` (graceful: nginx and gunicorn's workers finish their requests), wait; SIGKILL what is left."""
    if process.poll() is not None:
        print(f"  gunicorn had already exited with {process.returncode}")
        return
    master = gunicorn_master(process.pid)
    workers = [*children(master), *front_pids(process.pid), *([master] if master != process.pid else [])]
    started = time.perf_counter()
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
    print(f"Shutdown: SIGTERM to `serve`; it exited with {code} after {time.perf_counter() - started:.1f} s"
          + (f"; workers left behind and killed: {left}" if left else "; no worker left behind"))


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (gunicorn's workers), from /proc."""
    return sorted(process.pid for process in processes() if process.ppid == pid)


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


def snapshot(when: str, master: int) -> Snapshot:
    """The memory of the master and each of its workers now."""
    return when, {p: memory(p) for p in [master, *children(master)]}


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


def show_memory(snapshots: Sequence[Snapshot], master: int) -> None:
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
