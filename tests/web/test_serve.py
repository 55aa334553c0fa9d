"""The real server: `python -m enrich serve` runs gunicorn with config/gunicorn.py, as the Procfile does."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from enrich.web import serve
from tests.waiting import wait_for
from tests.web.conftest import ARTICLE, gunicorn

ROOT = Path(__file__).resolve().parents[2]


def test_the_procfile_runs_serve_and_serve_runs_gunicorn_with_the_config():
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    assert line.removeprefix("web:").split() == ["python", "-m", "enrich", "serve"]
    assert serve.argv()[1:] == ["-m", "gunicorn", "--config", str(ROOT / "config" / "gunicorn.py")]


def test_serve_refuses_a_bad_setting_in_one_line():
    env = {**os.environ, "PORT": "eighty"}
    result = subprocess.run([sys.executable, "-m", "enrich", "serve"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.strip() == "error: PORT must be a whole number, not 'eighty'"


@pytest.fixture
def server(tmp_path):
    """gunicorn on a free loopback port, two workers, offline; stopped with SIGTERM as an orchestrator would."""
    log = tmp_path / "server.log"
    with gunicorn(log, workers=2, threads=2, ENRICH_LOG_LEVEL="INFO") as (process, base, port):
        yield process, base, port, log


def call(base, path, body=None, headers=None):
    """(status, headers, JSON or text) over loopback; error statuses are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers={
        **({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, head, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, raw = error.code, error.headers, error.read()
    text = raw.decode()
    return status, head, json.loads(text) if head.get_content_type() == "application/json" else text


def chunked_post(port, path, chunks):
    """A POST with Transfer-Encoding: chunked (no Content-Length): the limit must hold while streaming."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=iter(chunks), headers={"Content-Type": "application/json"},
                           encode_chunked=True)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_gunicorn_round_trip_and_clean_stop(server):
    process, base, port, log = server
    status, headers, document = call(base, "/v1/enrich", {"text": ARTICLE}, {"X-Request-ID": "gunicorn-1"})
    assert status == 200 and headers["X-Request-ID"] == "gunicorn-1"
    assert {m["claimed"]["symbol"] for m in document["mentions"]} >= {"XIACY", "Meta", "MSFT"}
    status, _, ticker = call(base, "/v1/tickers/MSFT")
    assert status == 200 and ticker["status"] == "valid"
    status, _, error = call(base, "/v1/enrich", {"text": 1})
    assert status == 422 and error["error"]["details"] == {"text": ["Not a valid string."]}

    status, error = chunked_post(port, "/v1/enrich", [b'{"text": "'] + [b"x" * 65536] * 20 + [b'"}'])
    assert status == 413 and error["error"]["code"] == "too_large"
    status, document = chunked_post(port, "/v1/enrich", [b'{"text": ', b'"Microsoft (Nasdaq: MSFT)"}'])
    assert status == 200 and document["mentions"][0]["status"] == "valid"

    for _ in range(10):
        assert call(base, "/readyz")[0] == 200

    def readyz_counted() -> float:
        found = re.search(r'enrich_http_requests_total\{method="GET",route="/readyz",status="200"\} (\S+)',
                          call(base, "/metrics")[2])
        return float(found.group(1)) if found else 0.0

    # Every worker's requests, summed (multiprocess mode); a worker carries its counts every 0.25 s.
    wait_for(lambda: readyz_counted() == 10, 5, "the 10 readiness probes counted over both workers")
    assert 'enrich_refdata_info{as_of="' in call(base, "/metrics")[2]

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert lines and len(lines) == len(log.read_text().splitlines()), "every log line is JSON"
    request_line = next(x for x in lines if x.get("request_id") == "gunicorn-1")
    assert request_line["route"] == "/v1/enrich" and request_line["status"] == 200
    assert any(x["msg"] == "Shutting down: Master" for x in lines)
