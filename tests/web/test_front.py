"""The front `serve` puts before gunicorn (enrich/web/front.py): nginx's configuration, checked by nginx itself, and
the real thing under slow, idle and stalled clients that would otherwise hold every gunicorn thread."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from config.settings import Settings
from enrich.stack import processes
from enrich.web import front
from tests.waiting import wait_for
from tests.web.conftest import gunicorn
from tests.web.slow_clients import Trickler

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 2  # ENRICH_CLIENT_TIMEOUT_S for the live tests
needs_nginx = pytest.mark.skipif(not any(shutil.which(c) for c in front.NGINX_CANDIDATES),
                                 reason="nginx is not installed (apt-get install nginx-light; .ci/run installs it)")
LUA = front.lua_modules()  # the whole-request deadline (libnginx-mod-http-lua; .ci/run installs it)


def test_the_config_listens_on_host_port_and_carries_the_limits(tmp_path):
    settings = Settings(host="::1", port=8123, client_timeout_s=7, max_body_bytes=1000, max_job_body_bytes=5000)
    text = front.config(settings, tmp_path, tmp_path / "g.sock")
    assert "listen [::1]:8123 backlog=4096;" in text and f"server unix:{tmp_path / 'g.sock'};" in text
    for directive in ("client_header_timeout 7s;", "client_body_timeout 7s;", "send_timeout 7s;",
                      "client_max_body_size 1000;", "client_max_body_size 5000;", "proxy_request_buffering on;",
                      "proxy_buffering on;", "X-Forwarded-For $proxy_add_x_forwarded_for;"):
        assert directive in text, directive
    assert "user " not in text.split("worker_processes")[0] and "load_module" not in text and "lua" not in text
    with_lua = front.config(settings, tmp_path, tmp_path / "g.sock", lua=(Path("/m/ndk.so"), Path("/m/lua.so")))
    assert with_lua.splitlines()[1:3] == ["load_module /m/ndk.so;", "load_module /m/lua.so;"]
    assert "ngx.req.start_time() + 7" in with_lua and "receiveany" in with_lua
    ipv4 = front.config(Settings(host="0.0.0.0", port=80), tmp_path, tmp_path / "g.sock",
                        ("www-data", "www-data", 33, 33))
    assert "listen 0.0.0.0:80 " in ipv4 and ipv4.splitlines()[1] == "user www-data www-data;"
    assert "default $scheme;" in text and "$http_x_forwarded_proto" not in text, "the client's own claim is ignored"
    behind = front.config(Settings(trusted_proxies=1), tmp_path, tmp_path / "g.sock")
    assert "default $http_x_forwarded_proto;" in behind, "a trusted load balancer says which scheme the client used"


@needs_nginx
def test_nginx_accepts_the_config_it_is_given(tmp_path):
    """`nginx -t`: the generated file is valid for the installed nginx, error pages included."""
    conf = tmp_path / "nginx.conf"
    conf.write_text(front.config(Settings(port=8123), tmp_path, tmp_path / "g.sock", lua=LUA))
    result = subprocess.run([front.nginx_binary(), "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(conf)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_serve_without_nginx_says_how_to_get_it_or_run_bare(monkeypatch):
    monkeypatch.setattr(front, "NGINX_CANDIDATES", ("/nonexistent/nginx",))
    with pytest.raises(Exception) as caught:
        front.nginx_binary()
    assert "apt-get install nginx-light" in str(caught.value) and "ENRICH_FRONT=none" in str(caught.value)


def test_gunicorn_alone_refuses_to_serve_behind_a_front_that_is_not_there():
    """Run directly with ENRICH_FRONT=nginx, gunicorn would bind HOST:PORT with the app trusting one forwarded hop."""
    env = {k: v for k, v in os.environ.items() if k not in (front.UPSTREAM_ENV, "ENRICH_FRONT")}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "--check-config"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "python -m enrich serve" in result.stderr + result.stdout


def _lookup_ms(base: str) -> float | None:
    """Milliseconds for GET /v1/tickers/MSFT answered 200 within 1 s, else None."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + "/v1/tickers/MSFT", timeout=1) as response:
            ok = response.status == 200 and json.loads(response.read())["status"] == "valid"
    except OSError:
        return None
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed if ok and elapsed <= 1000 else None


@needs_nginx
def test_slow_and_idle_clients_cannot_starve_the_threads_and_are_cut_within_the_bound(tmp_path):
    """One worker of two threads behind nginx; 60 clients trickling a body a byte a second, 10 that sent half their
    headers and stopped, 10 that sent headers and no body: every lookup still answers 200 within a second, and
    the stalled ones, and with the Lua module the trickling ones too, are cut within ENRICH_CLIENT_TIMEOUT_S (plus
    a second and a half of timer slack)."""
    with gunicorn(tmp_path / "server.log", workers=1, threads=2, ENRICH_CLIENT_TIMEOUT_S=str(TIMEOUT_S)) as (
            _, base, port):
        trickling = [Trickler(port) for _ in range(60)]
        stalled = [Trickler(port, "stall-head") for _ in range(10)] + [Trickler(port, "stall-body") for _ in range(10)]
        stop = threading.Event()

        def feed() -> None:
            while not stop.is_set():
                for client in trickling + stalled:
                    client.tick()
                stop.wait(0.25)

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            answered = []
            deadline = time.monotonic() + TIMEOUT_S + 2
            while time.monotonic() < deadline:
                answered.append(_lookup_ms(base))
                time.sleep(0.1)
            wait_for(lambda: all(c.cut_after is not None for c in stalled), TIMEOUT_S + 5, "the stalled clients cut")
            if LUA:
                wait_for(lambda: all(c.cut_after is not None for c in trickling), TIMEOUT_S + 5, "the tricklers cut")
        finally:
            stop.set()
            feeder.join(5)
            for client in trickling + stalled:
                client.close()
        assert len(answered) >= 20 and all(ms is not None for ms in answered), answered
        assert max(c.cut_after for c in stalled) <= TIMEOUT_S + 1.5, [c.cut_after for c in stalled]
        assert all(c.answer == b"" for c in stalled), "nginx closes a timed-out connection without an answer"
        if LUA:
            assert max(c.cut_after for c in trickling) <= TIMEOUT_S + 1.5, [c.cut_after for c in trickling]
            assert all(c.answer == b"" for c in trickling)
        else:  # nginx alone: its body timeout runs between two reads
            assert all(c.cut_after is None for c in trickling), "a client that keeps sending is cut only when it stops"


@needs_nginx
def test_serve_stops_nginx_and_gunicorn_on_sigterm_and_either_dying_stops_both(tmp_path):
    with gunicorn(tmp_path / "a.log", workers=1, threads=1) as (process, _, _):
        nginx = _child(process.pid, "nginx")
        workers = _children(nginx)
        assert workers, "nginx runs its workers"
        os.kill(nginx, signal.SIGKILL)
        assert process.wait(timeout=40) == 1
    wait_for(lambda: not [pid for pid in workers if _running(pid)], 5, "no orphaned nginx worker keeping the port")
    lines = [json.loads(x) for x in (tmp_path / "a.log").read_text().splitlines()]
    assert any("nginx" in x["msg"] and "killed by SIGKILL" in x["msg"] and x["level"] == "ERROR" for x in lines)
    assert any(x["msg"] == "Shutting down: Master" for x in lines), "gunicorn was stopped, not left behind"


def _children(pid: int, name: str | None = None) -> list[int]:
    return [p.pid for p in processes() if p.ppid == pid and (name is None or p.name == name)]


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for its new parent to reap it."""
    return any(p.pid == pid and p.state != "Z" for p in processes())


def _child(pid: int, name: str) -> int:
    found = _children(pid, name)
    assert found, f"no child {name} of {pid}"
    return found[0]


@needs_nginx
def test_the_front_answers_its_own_errors_in_the_service_shape(tmp_path):
    """What nginx refuses itself (TRACE, a 20 KB URL or header) answers the one JSON error shape; a URL past
    gunicorn's own 4 KB line limit reaches the app, which judges it."""
    import http.client

    def ask(method: str, path: str, headers: dict | None = None, body: bytes | None = None
            ) -> tuple[int, dict, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), json.loads(response.read())
        finally:
            connection.close()

    with gunicorn(tmp_path / "server.log", workers=1, threads=1) as (_, _, port):
        status, headers, error = ask("TRACE", "/v1/enrich")
        assert (status, headers["Allow"], error["error"]["code"]) == (405, "OPTIONS, POST", "method_not_allowed")
        status, headers, _ = ask("TRACE", "/v1/jobs/abc?page=2")
        assert (status, headers["Allow"]) == (405, "GET, HEAD, OPTIONS")
        status, _, error = ask("GET", "/v1/tickers/MSFT?exchange=" + "A" * 5000)
        assert status == 422 and error["error"]["details"] == {"exchange": ["Longer than maximum length 60."]}
        status, _, error = ask("GET", "/v1/tickers/MSFT?exchange=" + "A" * 20000)
        assert (status, error["error"]["code"]) == (414, "too_large")
        status, _, error = ask("GET", "/v1/tickers/MSFT", {"X-Big": "A" * 20000})
        assert (status, error["error"]["code"]) == (431, "too_large")
        article = json.dumps({"text": "Microsoft (Nasdaq: MSFT) rose. " + "x" * 900_000, "prices": False}).encode()
        status, _, document = ask("POST", "/v1/enrich", {"Content-Type": "application/json"}, article)
        assert status == 200 and document["mentions"][0]["status"] == "valid", "a large body read in time passes"
