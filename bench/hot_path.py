"""The hot path against a bare Flask route under the same gunicorn (issue 13): `GET /v1/tickers/MSFT` of the service
and `GET /v1/tickers/MSFT` of bench/bare_app.py, each under gunicorn with the same workers and threads (gthread)
and, with the default `--front nginx`, behind the same nginx configuration (enrich/web/front.py), on loopback.

Runs, alternated: `--repeat` max-throughput wrk runs of each (bare, service, then service, bare, ...); medians and
the ratio service / bare. Then `POST /v1/enrich` (the test article, prices on through the warm Redis cache and the
loopback fake Yahoo) at max throughput, and at a fixed rate for its p99. Nothing is asserted.

Run from the project root: `python -m bench.hot_path [--repeat 3] [--duration 10] [--front nginx|none]`
(`--quick`: one 3 s run each). Skips (exit 0) without wrk, nginx (with --front nginx) or redis-server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench import http_server
from bench.common import ROOT, done, header, median, met, parse_args, section
from bench.http_load import ARTICLE, environment, nyse_yahoo
from bench.http_wrk import parse_wrk, write_scripts

QUICK = {"repeat": 1, "duration": 3, "rate_duration": 3}
TARGET = 0.7
LOOKUP = "/v1/tickers/MSFT"


@contextlib.contextmanager
def bare_server(args: argparse.Namespace, folder: Path, port: int) -> Iterator[int]:
    """bench/bare_app.py under gunicorn (and nginx with --front nginx) on `port`; yields gunicorn's pid."""
    from config.settings import Settings
    from enrich.web import front

    sock = folder / "bare.sock"
    bind = f"unix:{sock}" if args.front == "nginx" else f"{http_server.HOST}:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS",)}
    log = open(folder / "bare.log", "wb")  # noqa: SIM115 - closed below
    processes = [subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(args.workers),
                                   "--threads", str(args.web_threads), "-b", bind, "--keep-alive", "5",
                                   "bench.bare_app:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)]
    try:
        if args.front == "nginx":
            deadline = time.monotonic() + 30
            while not sock.exists():
                if time.monotonic() > deadline or processes[0].poll() is not None:
                    raise RuntimeError("the bare gunicorn did not start: " + (folder / "bare.log").read_text())
                time.sleep(0.05)
            nginx_dir = folder / "bare-nginx"
            nginx_dir.mkdir()
            user = front.worker_user()
            if user is not None:
                os.chown(nginx_dir, user[2], user[3])
                os.chown(folder, user[2], user[3])
            conf = nginx_dir / "nginx.conf"
            conf.write_text(front.config(Settings(host=http_server.HOST, port=port), nginx_dir, sock, user,
                                         front.lua_modules()))  # the same configuration as the service's
            processes.append(subprocess.Popen([front.nginx_binary(), "-e", "stderr", "-p", str(nginx_dir), "-c",
                                               str(conf)], stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                if http_server.call(port, "GET", LOOKUP, timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the bare app did not answer: " + (folder / "bare.log").read_text())
            time.sleep(0.1)
        yield processes[0].pid
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def wrk(args: argparse.Namespace, url: str, script: Path, seconds: float, connections: int, threads: int
        ) -> tuple[float, float, int]:
    """(requests/s, p99 ms, non-2xx) of one wrk run."""
    result = subprocess.run([args.wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                             "--latency", "--timeout", "10s", "-s", str(script), url], capture_output=True,
                            text=True, timeout=seconds + 60)
    run = parse_wrk(url, result.stdout + result.stderr)
    return run.rps, run.latency_ms["99"], run.non_2xx + sum(run.socket_errors.values())


def measure(args: argparse.Namespace, ours: int, bare: int, scripts: dict[str, Path]) -> None:
    """The alternated lookup runs, then POST /v1/enrich."""
    section(f"1. GET {LOOKUP}: the service against the bare Flask route, {args.repeat} alternated runs each "
            f"(wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s)")
    runs: dict[str, list[tuple[float, float, int]]] = {"bare": [], "service": []}
    for number in range(args.repeat):
        order = ("bare", "service") if number % 2 == 0 else ("service", "bare")
        for name in order:
            port = bare if name == "bare" else ours
            runs[name].append(wrk(args, f"http://{http_server.HOST}:{port}{LOOKUP}", scripts["get"], args.duration,
                                  args.connections, args.wrk_threads))
            rps, p99, errors = runs[name][-1]
            print(f"  run {number + 1} {name:<8} {rps:8.1f} req/s  p99 {p99:6.2f} ms  errors {errors}", flush=True)
    bare_rps, ours_rps = median([r[0] for r in runs["bare"]]), median([r[0] for r in runs["service"]])
    ratio = ours_rps / bare_rps if bare_rps else 0.0
    print(f"  medians: bare Flask {bare_rps:.1f} req/s, the service {ours_rps:.1f} req/s: {ratio:.3f}x "
          f"(target >= {TARGET}x: {met(ratio >= TARGET)}); each run's ratio: "
          + ", ".join(f"{s[0] / b[0]:.3f}" for s, b in zip(runs["service"], runs["bare"], strict=True)))

    section("2. POST /v1/enrich (the test article, prices on from the warm cache)")
    maxed = [wrk(args, f"http://{http_server.HOST}:{ours}/v1/enrich", scripts["post"], args.duration,
                 args.connections, args.wrk_threads) for _ in range(args.repeat)]
    print(f"  max throughput: median {median([r[0] for r in maxed]):.1f} req/s (runs: "
          + ", ".join(f"{r[0]:.1f}" for r in maxed) + f"); errors {sum(r[2] for r in maxed)}")
    rps, p99, errors = wrk(args, f"http://{http_server.HOST}:{ours}/v1/enrich", scripts["rate"], args.rate_duration,
                           args.rate_connections, args.rate_threads)
    print(f"  fixed rate {args.rate:g}/s for {args.rate_duration:g} s: achieved {rps:.1f} req/s, p99 {p99:.2f} ms, "
          f"errors {errors}")


def main(argv: Sequence[str] | None = None) -> int:
    from config.settings import Settings

    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="alternated runs of each (default: 3)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run (default: 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default: 16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default: 2)")
    parser.add_argument("--rate", type=float, default=200, help="POST /v1/enrich fixed rate (default: 200/s)")
    parser.add_argument("--rate-duration", type=float, default=15, help="seconds at the fixed rate (default: 15)")
    parser.add_argument("--workers", type=int, default=defaults.web_concurrency, help="gunicorn workers, both")
    parser.add_argument("--web-threads", type=int, default=defaults.web_threads, help="threads per worker, both")
    parser.add_argument("--front", default=defaults.front, choices=("nginx", "none"), help="nginx before both, or not")
    parser.add_argument("--log-level", default=defaults.log_level, help="the service's ENRICH_LOG_LEVEL")
    args = parse_args(parser, argv, QUICK)
    args.rate_connections, args.rate_threads = 4, 2
    args.wrk = shutil.which("wrk")
    if args.wrk is None or (args.front == "nginx" and not any(shutil.which(c) for c in ("nginx", "/usr/sbin/nginx"))):
        print("SKIPPED: needs wrk (and nginx with --front nginx): apt-get install wrk nginx-light")
        return 0
    from tests.redis_server import RedisServer, free_port

    started = time.perf_counter()
    header("The hot path against a bare Flask route (python -m bench.hot_path)")
    print(f"  both: gunicorn gthread {args.workers} workers x {args.web_threads} threads"
          + (", nginx in front (enrich/web/front.py)" if args.front == "nginx" else ", no front")
          + f"; the service with ENRICH_LOG_LEVEL={args.log_level}, prices from the loopback fake Yahoo via Redis")
    folder = Path(tempfile.mkdtemp(prefix="enrich-bench-hot-"))
    os.chmod(folder, 0o755)
    redis, fake, service = RedisServer(), nyse_yahoo(), None
    try:
        redis.start()
        ours, bare = free_port(), free_port()
        env = environment(argparse.Namespace(workers=args.workers, web_threads=args.web_threads,
                                             log_level=args.log_level, front=args.front), ours, fake, redis)
        service = http_server.spawn(env, folder / "service.log")
        if not http_server.wait_ready(service, folder / "service.log", ours, args.workers):
            return 1
        for path in (LOOKUP, "/v1/enrich"):  # prime the quote cache and the memos
            body = json.dumps({"text": ARTICLE}).encode() if path == "/v1/enrich" else None
            http_server.call(ours, "POST" if body else "GET", path, body)
        scripts = write_scripts(folder, json.dumps({"text": ARTICLE}).encode(), args)
        with bare_server(args, folder, bare):
            for port in (bare, ours):  # warm both
                wrk(args, f"http://{http_server.HOST}:{port}{LOOKUP}", scripts["get"], 1, args.connections,
                    args.wrk_threads)
            measure(args, ours, bare, scripts)
    finally:
        if service is not None:
            http_server.stop(service)
        fake.close()
        redis.close()
        shutil.rmtree(folder, ignore_errors=True)
    done(started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
