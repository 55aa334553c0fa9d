"""What runs inside the test hosts' namespaces on the test's behalf (the test process itself may reach loopback only).

`python -m tests.netns.client`: a small RPC server on stdin/stdout, one JSON object a line each way:
  {"op": "http", "method", "url", "body"?, "timeout"?}  -> {"status", "body", "error"?, "elapsed"}
  {"op": "redis", "url", "args": [...]}                 -> {"value"} or {"error"}
  {"op": "job", "url", "id", "runs"?}                   -> the job's chunks in Redis: pending, lease holders, attempts,
                                                           recorded indexes; with "runs", every run (RQ job) of
                                                           every chunk: worker, start and end, result
  {"op": "workers", "url"}                              -> the RQ workers registered on the queue
`python -m tests.netns.client yahoo`: tests/market/fake_yahoo.py's FakeYahoo on this namespace's loopback; prints its
base URL on one line, then serves until stdin closes; each line it reads sets knobs ({"delay_s": 0.5}) and is
answered {"quote_requests": n}.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

TIMEOUT_S = 2.0  # a host cut off from the network costs an answer this long, never a hung test


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to the host, whatever the env


def http(request: dict[str, Any]) -> dict[str, Any]:
    body = request.get("body")
    data = None if body is None else json.dumps(body).encode()
    headers = {} if data is None else {"Content-Type": "application/json"}
    call = urllib.request.Request(request["url"], data=data, method=request.get("method", "GET"), headers=headers)
    started = time.monotonic()
    try:
        with _opener().open(call, timeout=request.get("timeout", TIMEOUT_S)) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError as exc:
        return {"status": None, "error": f"{type(exc).__name__}: {exc}", "elapsed": time.monotonic() - started}
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return {"status": status, "body": parsed, "elapsed": time.monotonic() - started}


_clients: dict[str, Any] = {}


def _redis(url: str) -> Any:
    import redis

    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
    return _clients[url]


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple | set):
        return [_text(v) for v in value]
    if isinstance(value, dict):
        return {_text(k): _text(v) for k, v in value.items()}
    return value


def _epoch(moment: dt.datetime | None) -> float | None:
    """RQ's UTC datetimes (naive or aware) as Unix time, comparable with time.time() on the test's side."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def job(request: dict[str, Any]) -> dict[str, Any]:
    """The job's chunks as Redis holds them, and every RQ run of them: which worker, when, and what it reported."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from enrich.jobs.queue import rq_id
    from enrich.jobs.store import JobStore

    client, job_id = _redis(request["url"]), request["id"]
    meta = _text(client.hgetall(JobStore.key(job_id, "meta")))
    if not meta:
        return {"meta": None}
    chunks = _text(client.hgetall(JobStore.key(job_id, "chunks")))
    pending = sorted(int(c) for c in _text(client.smembers(JobStore.key(job_id, "pending"))))
    leases = {str(c): _text(client.get(JobStore.key(job_id, f"lease:{c}"))) for c in pending}
    recorded = sorted(int(i) for i in _text(client.hkeys(JobStore.key(job_id, "results"))))
    runs = []
    for chunk in range(int(meta["chunks"]) if request.get("runs") else 0):
        for attempt in range(1, int(chunks.get(f"{chunk}:attempts", 0)) + 1):
            try:
                run = Job.fetch(rq_id(job_id, chunk, attempt), connection=client, serializer=JSONSerializer)
            except NoSuchJobError:
                continue
            runs.append({"chunk": chunk, "attempt": attempt, "worker": run.worker_name,
                         "status": getattr(run.get_status(refresh=False), "value", None),
                         "started": _epoch(run.started_at), "ended": _epoch(run.ended_at),
                         "result": run.return_value(refresh=True)})
    return {"meta": meta, "pending": pending, "leases": leases, "recorded": recorded, "runs": runs,
            "attempts": {k.split(":")[0]: int(v) for k, v in chunks.items() if k.endswith(":attempts")}}


def workers(request: dict[str, Any]) -> dict[str, Any]:
    from rq import Worker

    from enrich.jobs.queue import rq_queue

    client = _redis(request["url"])
    return {"workers": sorted(w.name for w in Worker.all(queue=rq_queue(client)))}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    op = request["op"]
    if op == "http":
        return http(request)
    try:
        if op == "redis":
            return {"value": _text(_redis(request["url"]).execute_command(*request["args"]))}
        if op == "job":
            return job(request)
        if op == "workers":
            return workers(request)
    except Exception as exc:  # Redis down or cut off: the test decides what that means
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"error": f"unknown op {op!r}"}


def serve_rpc() -> None:
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answer(json.loads(line)), default=str), flush=True)


def serve_yahoo() -> None:
    from tests.market.fake_yahoo import FakeYahoo

    with FakeYahoo() as fake:
        print(fake.base_url, flush=True)
        for line in sys.stdin:  # until the test closes our stdin (or kills us)
            for knob, value in json.loads(line).items():
                setattr(fake, knob, value)
            print(json.dumps({"quote_requests": len(fake.quote_requests())}), flush=True)


if __name__ == "__main__":
    serve_yahoo() if sys.argv[1:] == ["yahoo"] else serve_rpc()
