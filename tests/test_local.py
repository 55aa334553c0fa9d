"""`python -m enrich up`: an embedded Redis, gunicorn and a worker from one command, and nothing left once stopped.

Each test starts its own `up` with REDIS_URL unset, so the only Redis it talks to is the embedded one that `up`
starts (on a free port) and stops.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from enrich.stack import processes
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = "Xiaomi (NASDAQ: XIACY) fell while Microsoft (Nasdaq: MSFT) and meta (NASDAQ: Meta) rose."
PIDS = re.compile(r"pids: (.+)\)")

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")


def environment(port: int) -> dict[str, str]:
    """The caller's environment with REDIS_URL unset, the web server on `port`, one small gunicorn worker."""
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1", "ENRICH_WEB_THREADS": "2",
           "ENRICH_LOG_LEVEL": "WARNING"}
    for name in ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "GUNICORN_CMD_ARGS", "ENRICH_API_KEYS", "ENRICH_RATE_LIMIT"):
        env.pop(name, None)
    return env


def call(base: str, path: str, body: object = None) -> tuple[int, dict]:
    """(status, JSON) over loopback; error statuses are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def descendants(root: int) -> set[int]:
    """Every live process below `root`, from /proc."""
    parents = {p.pid: p.ppid for p in processes() if p.state != "Z"}
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def running_up(tmp_path: Path, **extra: str):
    """`python -m enrich up --offline` on a free port, waited for until its banner is out; stopped (or killed)
    at the end if the test did not stop it."""
    port = free_port()
    log = tmp_path / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "enrich", "up", "--offline"], cwd=ROOT,
                                   env={**environment(port), **extra}, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not PIDS.search(log.read_text()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"up did not start:\n{log.read_text()}")
            time.sleep(0.1)
        pids = dict(item.split() for item in PIDS.search(log.read_text()).group(1).split(", "))
        redis_port = int(re.search(r"Redis +redis://127\.0\.0\.1:(\d+)/0", log.read_text()).group(1))
        yield process, base, {name: int(pid) for name, pid in pids.items()}, redis_port, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                for pid in descendants(process.pid):
                    os.kill(pid, signal.SIGKILL)
                process.kill()
                process.wait()


@pytest.fixture
def up(tmp_path):
    """`up` with REDIS_URL unset: it starts its own Redis."""
    with running_up(tmp_path) as started:
        yield started


def stop_and_check(process: subprocess.Popen, signum: int | None, expect_code: int, log: Path,
                   everyone: set[int], redis_port: int, port: int) -> str:
    """Signal `up` (unless the test made it stop), wait, and check that every process it started is gone."""
    if signum is not None:
        process.send_signal(signum)
    assert process.wait(timeout=60) == expect_code, log.read_text()
    lingering = {pid for pid in everyone if alive(pid)}
    assert not lingering, f"left running: {lingering}\n{log.read_text()}"
    assert not listening(redis_port) and not listening(port)
    return log.read_text()


@pytest.mark.timeout(240)
def test_up_serves_enriches_and_runs_a_job_then_stops_everything_on_ctrl_c(up):
    process, base, pids, redis_port, log = up
    assert set(pids) == {"redis", "web", "worker"}
    banner = log.read_text().split("enrich is up", 1)[1]
    assert banner.startswith(f": open {base}/ to check an article\n  (offline: no prices;"), "the page comes first"
    status, ready = call(base, "/readyz")
    assert status == 200 and ready["checks"]["redis"] == {"ok": True}, "the embedded Redis answers the web server"

    status, document = call(base, "/v1/enrich", {"text": ARTICLE})
    assert status == 200
    assert {m["claimed"]["symbol"]: m["status"] for m in document["mentions"]} == {
        "XIACY": "corrected", "MSFT": "valid", "Meta": "corrected"}

    documents = [{"id": f"doc-{n}", "text": f"Story {n}: Microsoft (Nasdaq: MSFT) and meta (NASDAQ: Meta)."}
                 for n in range(20)]
    status, job = call(base, "/v1/jobs", {"documents": documents})
    assert status == 202, job
    status_path = job["status_url"].removeprefix(base)
    deadline = time.monotonic() + 90
    while (answer := call(base, status_path))[1].get("state") != "finished":
        assert answer[0] == 200 and time.monotonic() < deadline, answer
        time.sleep(0.2)
    result = answer[1]
    errors = [r for r in result["results"] if "error" in r]
    assert result["progress"] == {"done": 20, "failed": 0, "total": 20}, (result["progress"], errors[:2],
                                                                          log.read_text()[-4000:])
    assert [r["id"] for r in result["results"]] == [d["id"] for d in documents]
    assert all([m["status"] for m in r["mentions"]] == ["valid", "corrected"] for r in result["results"])

    everyone = descendants(process.pid)
    assert set(pids.values()) <= everyone
    text = stop_and_check(process, signal.SIGINT, 0, log, everyone, redis_port, int(base.rsplit(":", 1)[1]))
    assert "SIGINT: stopping" in text and text.rstrip().endswith("stopped")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("victim", ["worker", "web", "redis"])
def test_a_child_that_dies_stops_the_rest_with_a_clear_error(up, victim):
    process, base, pids, redis_port, log = up
    everyone = descendants(process.pid)  # with gunicorn's workers, orphaned when its master is killed
    os.kill(pids[victim], signal.SIGKILL)
    text = stop_and_check(process, None, 1, log, everyone, redis_port, int(base.rsplit(":", 1)[1]))
    assert f"error: {victim} (pid {pids[victim]}) was killed by SIGKILL unexpectedly; stopping the rest" in text
    assert text.rstrip().endswith("stopped after a failure")


def test_up_refuses_a_bad_setting_or_a_busy_port_before_starting_anything():
    env = {**environment(free_port()), "PORT": "eighty"}
    result = subprocess.run([sys.executable, "-m", "enrich", "up", "--offline"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == "error: PORT must be a whole number, not 'eighty'"

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "enrich", "up", "--offline"], cwd=ROOT,
                                env=environment(port), capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == f"error: 127.0.0.1:{port} is in use: set PORT (and HOST) to a free address"


@pytest.mark.timeout(240)
def test_up_uses_the_redis_that_redis_url_names_and_leaves_it_running(tmp_path):
    from tests.redis_server import RedisServer

    server = RedisServer()  # this test's own: `up` must use it and must not stop it
    server.start()
    try:
        with running_up(tmp_path, REDIS_URL=server.url) as (process, base, pids, redis_port, log):
            assert set(pids) == {"web", "worker"} and redis_port == server.port
            status, ready = call(base, "/readyz")
            assert status == 200 and ready["checks"]["redis"] == {"ok": True}
            everyone = descendants(process.pid)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0, log.read_text()
            assert not {pid for pid in everyone if alive(pid)}
        assert server.process.poll() is None and listening(server.port)
    finally:
        server.close()
