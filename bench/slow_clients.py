"""Slow clients against `python -m enrich serve`, with and without its nginx front, side by side in one run.

For each front (ENRICH_FRONT=none: gunicorn alone, as before issue 12; ENRICH_FRONT=nginx: the default), the server
starts offline (WEB_CONCURRENCY workers × ENRICH_WEB_THREADS threads, the defaults) and then:

1. `--clients` clients open `POST /v1/enrich` promising a 100 KB body and send one byte of it a second, and
   `--stalled` more stop sending: half after half their headers, half after their headers (tests/web/slow_clients.py);
2. for `--seconds`, this process asks `GET /v1/tickers/MSFT` ten times a second, one at a time, each with a 1 s
   timeout: the share answered 200 within 1 s, and the latency of those answered;
3. when each stalled client was cut (ENRICH_CLIENT_TIMEOUT_S, `--timeout`), how many tricklers were cut, and the
   memory of nginx's processes before and during.

Run from the project root: `python -m bench.slow_clients [--clients 200] [--seconds 30] [--timeout 10]`
(`--quick`: 50 clients for 8 s with a 3 s bound). Nothing is asserted; targets are printed as met or missed.
Skips (exit 0) without nginx.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import http_server
from bench.common import done, header, median, met, parse_args, section
from bench.http_wrk import pct

QUICK = {"clients": 50, "stalled": 10, "seconds": 8, "timeout": 3}
SHARE_TARGET = 0.95


@dataclass
class Outcome:
    """What one front did under the slow clients."""

    front: str
    lookups: int = 0
    answered_ms: list[float] = field(default_factory=list)  # 200 within 1 s
    stalled_cut: list[float | None] = field(default_factory=list)
    trickling_cut: list[float | None] = field(default_factory=list)
    front_rss_mb: tuple[float, float] = (0.0, 0.0)


def lookup(port: int) -> float | None:
    """Milliseconds for GET /v1/tickers/MSFT when answered 200 (a valid listing) within 1 s, else None."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(f"http://{http_server.HOST}:{port}/v1/tickers/MSFT", timeout=1) as response:
            ok = response.status == 200 and json.loads(response.read()).get("status") == "valid"
    except (OSError, ValueError):
        return None
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed if ok and elapsed <= 1000 else None


def rss_mb(pids: Sequence[int]) -> float:
    return sum(http_server.memory(pid).get("VmRSS", 0) for pid in pids) / 1024


def run_front(front: str, args: argparse.Namespace, folder: Path) -> Outcome | None:
    """Start serve with this front, load it with slow clients and lookups, stop it."""
    from tests.redis_server import free_port
    from tests.web.slow_clients import Trickler

    port, log = free_port(), folder / f"server-{front}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENRICH_") and k not in (
        "HOST", "PORT", "REDIS_URL", "GUNICORN_CMD_ARGS", "PROMETHEUS_MULTIPROC_DIR")}
    env.update({"HOST": http_server.HOST, "PORT": str(port), "ENRICH_MARKET_DATA": "offline", "ENRICH_FRONT": front,
                "ENRICH_CLIENT_TIMEOUT_S": str(args.timeout), "ENRICH_LOG_LEVEL": "WARNING"})
    server = http_server.spawn(env, log)
    outcome = Outcome(front)
    clients: list[Trickler] = []
    stop = threading.Event()
    try:
        if not http_server.wait_ready(server, log, port, 1):
            return None
        nginx = http_server.front_pids(server.pid)
        before = rss_mb(nginx)
        clients = [Trickler(port) for _ in range(args.clients)]
        clients += [Trickler(port, "stall-head" if i % 2 else "stall-body") for i in range(args.stalled)]

        def feed() -> None:
            while not stop.is_set():
                for client in clients:
                    client.tick()
                stop.wait(0.1)

        threading.Thread(target=feed, name="tricklers", daemon=True).start()
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            started = time.monotonic()
            outcome.lookups += 1
            answered = lookup(port)
            if answered is not None:
                outcome.answered_ms.append(answered)
            time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
        outcome.front_rss_mb = (before, rss_mb(nginx))
        grace = time.monotonic() + args.timeout + 2  # the slow ones opened before the lookups began
        while time.monotonic() < grace and any(c.cut_after is None for c in clients):
            time.sleep(0.2)
    finally:
        stop.set()
        outcome.stalled_cut = [c.cut_after for c in clients if c.kind != "trickle"]
        outcome.trickling_cut = [c.cut_after for c in clients if c.kind == "trickle"]
        for client in clients:
            with contextlib.suppress(OSError):
                client.close()
        http_server.stop(server)
    return outcome


def report(outcomes: Sequence[Outcome], args: argparse.Namespace) -> None:
    """One row per front, then the targets."""
    section(f"Lookups while {args.clients} clients trickle a byte a second and {args.stalled} stall")
    print(f"  {'front':<7} {'lookups':>7} {'200 in 1 s':>10} {'share':>6} {'p50 ms':>7} {'p99 ms':>7}  "
          f"{'stalled cut (median / max s)':>28}  {'tricklers cut (median / max s)':>30}  "
          f"{'nginx RSS MB before / during':>28}")
    for o in outcomes:
        stalled, trickling = _cuts(o.stalled_cut), _cuts(o.trickling_cut)
        share = len(o.answered_ms) / max(1, o.lookups)
        p50 = f"{pct(o.answered_ms, 50):7.1f}" if o.answered_ms else "      -"
        p99 = f"{pct(o.answered_ms, 99):7.1f}" if o.answered_ms else "      -"
        rss = f"{o.front_rss_mb[0]:.1f} / {o.front_rss_mb[1]:.1f}" if o.front == "nginx" else "-"
        print(f"  {o.front:<7} {o.lookups:>7} {len(o.answered_ms):>10} {share:>6.2f} {p50} {p99}  {stalled:>28}  "
              f"{trickling:>30}  {rss:>28}")
    section("Targets (issue 12)")
    for o in outcomes:
        if o.front != "nginx":
            continue
        share = len(o.answered_ms) / max(1, o.lookups)
        print(f"  lookups answered 200 within 1 s >= {SHARE_TARGET:.0%}: {share:.1%} ({met(share >= SHARE_TARGET)})")
        for what, cuts in (("stalled", o.stalled_cut), ("trickling", o.trickling_cut)):
            cut = [c for c in cuts if c is not None]
            within = len(cut) == len(cuts) and (not cut or max(cut) <= args.timeout + 1.5)
            print(f"  {what} clients cut within ENRICH_CLIENT_TIMEOUT_S={args.timeout} s (+1.5 s of timer slack): "
                  f"{len(cut)}/{len(cuts)} cut, the last after {max(cut) if cut else 0:.1f} s ({met(within)})")


def _cuts(cuts: Sequence[float | None]) -> str:
    cut = [c for c in cuts if c is not None]
    return (f"{median(cut):.1f} / {max(cut):.1f}" if cut else "none") + f" ({len(cut)}/{len(cuts)})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200, help="clients trickling a byte a second (default: 200)")
    parser.add_argument("--stalled", type=int, default=20, help="clients that stop sending (default: 20)")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of lookups (default: 30)")
    parser.add_argument("--timeout", type=int, default=10, help="ENRICH_CLIENT_TIMEOUT_S (default: 10)")
    parser.add_argument("--fronts", default="none,nginx", help="which fronts, in order (default: none,nginx)")
    args = parse_args(parser, argv, QUICK)
    if not any(shutil.which(c) for c in ("nginx", "/usr/sbin/nginx")):
        print("SKIPPED: no nginx (apt-get install nginx-light).")
        return 0
    started = time.perf_counter()
    header("Slow clients: lookups with and without the nginx front (python -m bench.slow_clients)")
    folder = Path(tempfile.mkdtemp(prefix="enrich-bench-slow-"))
    outcomes = []
    try:
        for front in args.fronts.split(","):
            print(f"  ENRICH_FRONT={front} ...", flush=True)
            outcome = run_front(front, args, folder)
            if outcome is None:
                return 1
            outcomes.append(outcome)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(outcomes, args)
    done(started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
