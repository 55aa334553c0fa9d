"""The service under bench/soak.py (and scripts/fuzz.py): a throwaway Redis, `python -m enrich serve` and RQ workers
on loopback, each process by role with its RSS from /proc; and a fake Yahoo that answers 429 or 500 now and then."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, cpu_seconds
from bench.http_server import HOST, call, children, memory

SERVER_VARIABLES = ("HOST", "PORT", "WEB_CONCURRENCY", "REDIS_URL", "GUNICORN_CMD_ARGS", "PROMETHEUS_MULTIPROC_DIR")
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0


@dataclass
class Row:
    """The service at one moment: RSS (MB) and CPU seconds by role, what Redis holds, this process's CPU seconds."""

    at: float
    rss: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    redis_used: float | None = None  # used_memory, MB
    redis_keys: int | None = None
    own_cpu: float = 0.0


class Stack:
    """Redis, `python -m enrich serve` on a free loopback port and `rq_workers` × `python -m enrich worker`, all with
    `settings` (ENRICH_* and the like) in an environment cleared of ours; logs in `folder`. A context manager."""

    def __init__(self, folder: Path, settings: Mapping[str, str], rq_workers: int = 1) -> None:
        from tests.redis_server import RedisServer, free_port

        self.folder = folder
        self.redis = RedisServer()  # RuntimeError when there is no redis-server (the caller skips)
        self.port = free_port()
        self.rq_workers = rq_workers
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ENRICH_") and k not in SERVER_VARIABLES}
        self.env.update({"HOST": HOST, "PORT": str(self.port), "REDIS_URL": self.redis.url, **settings})
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        self.serve: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def server_log(self) -> Path:
        return self.folder / "serve.log"

    def __enter__(self) -> Stack:
        self.redis.start()
        self.serve = self._spawn(["serve"], self.server_log)
        for number in range(self.rq_workers):
            self.workers.append(self._spawn(["worker", "--name", f"soak-{os.getpid()}-{number + 1}"],
                                            self.folder / f"worker-{number + 1}.log"))
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self, command: list[str], log: Path) -> subprocess.Popen:
        with open(log, "ab") as sink:
            return subprocess.Popen([sys.executable, "-m", "enrich", *command], cwd=ROOT, env=self.env, stdout=sink,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_ready(self) -> None:
        """Until /readyz answers 200 (RuntimeError, with the log's tail, if serve dies or it takes too long)."""
        assert self.serve is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                if call(self.port, "GET", "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            dead = [p for p in [self.serve, *self.workers] if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                tail = "\n".join(self.server_log.read_text(errors="replace").splitlines()[-20:])
                raise RuntimeError(f"the service did not become ready (exit codes {[p.returncode for p in dead]}):\n"
                                   f"{tail}")
            time.sleep(0.1)
        time.sleep(0.5)  # gunicorn's workers and nginx's fork just after the first answer

    def processes(self) -> list[tuple[str, int]]:
        """(role, pid) of every process of the service now: serve, nginx master and workers, the gunicorn master
        and workers, each RQ worker, Redis. With ENRICH_FRONT=none serve *is* the gunicorn master."""
        found: list[tuple[str, int]] = []
        if self.serve is not None and self.serve.poll() is None:
            if _is_gunicorn(self.serve.pid):
                found += _gunicorn(self.serve.pid)
            else:
                found.append(("serve", self.serve.pid))
                for pid in children(self.serve.pid):
                    if _cmdline(pid).startswith("nginx"):
                        found.append(("nginx master", pid))
                        found += [(f"nginx worker {n}", p) for n, p in enumerate(children(pid), 1)]
                    elif _is_gunicorn(pid):
                        found += _gunicorn(pid)
        found += [(f"rq worker {n}", p.pid) for n, p in enumerate(self.workers, 1) if p.poll() is None]
        if self.redis.process is not None:
            found.append(("redis", self.redis.process.pid))
        return found

    def sample(self) -> Row:
        """Every process's RSS and CPU seconds now, what Redis holds, and this process's own CPU seconds."""
        row = Row(time.monotonic(), own_cpu=sum(os.times()[:2]))
        for role, pid in self.processes():
            rss = memory(pid).get("VmRSS")
            if rss is not None:
                row.rss[role], row.cpu[role] = rss / 1024, cpu_seconds(pid)
        try:
            import redis

            with redis.Redis.from_url(self.redis.url, socket_timeout=2) as client:
                row.redis_used, row.redis_keys = client.info("memory")["used_memory"] / 2**20, client.dbsize()
        except Exception:  # noqa: BLE001 (a Redis that does not answer: its RSS row says the rest)
            pass
        return row

    def dead(self) -> list[str]:
        """The service's processes that ended on their own."""
        named = [("serve", self.serve)] if self.serve else []
        named += [(f"rq worker {n}", p) for n, p in enumerate(self.workers, 1)]
        return [f"{name} (exit {p.returncode})" for name, p in named if p.poll() is not None]

    def close(self) -> None:
        """SIGTERM serve and the workers (graceful), wait, kill their process groups past the timeout; Redis last."""
        running = [p for p in [self.serve, *self.workers] if p is not None and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                print(f"  pid {process.pid} did not stop within {STOP_TIMEOUT_S:g} s of SIGTERM: killed")
        for process in [self.serve, *self.workers]:
            if process is not None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)  # its own session: whatever it left behind
                except (ProcessLookupError, PermissionError):
                    pass
                process.wait()
        self.redis.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_gunicorn(pid: int) -> bool:
    return "gunicorn" in _cmdline(pid)


def _gunicorn(master: int) -> list[tuple[str, int]]:
    return [("gunicorn master", master)] + [(f"gunicorn worker {n}", p) for n, p in enumerate(children(master), 1)]


class Flaky:
    """Turns a started fake Yahoo (tests/market/fake_yahoo.py, by its `mode` knob) into one that answers every
    request with 429 for `spell_s` seconds, then, `every_s` / 2 later, with 500 for `spell_s`, every `every_s`;
    "ok" in between. Counts the upstream requests that got each answer. A context manager (a daemon thread)."""

    def __init__(self, fake: Any, every_s: float, spell_s: float) -> None:
        self.fake, self.every_s, self.spell_s = fake, every_s, spell_s
        self.answered: dict[str, int] = {"429": 0, "500": 0}
        self.spells: dict[str, int] = {"429": 0, "500": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flaky-yahoo", daemon=True)

    def __enter__(self) -> Flaky:
        if self.every_s > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.fake.mode = "ok"

    def _run(self) -> None:
        started = time.monotonic()
        cycle = 0
        while True:
            for offset, mode in ((0.25, "429"), (0.75, "500")):
                at = started + (cycle + offset) * self.every_s
                if self._stop.wait(max(at - time.monotonic(), 0)):
                    return
                before = self.fake.count()
                self.fake.mode = mode
                self.spells[mode] += 1
                stopped = self._stop.wait(self.spell_s)
                self.fake.mode = "ok"
                self.answered[mode] += self.fake.count() - before
                if stopped:
                    return
            cycle += 1
