"""Faults across hosts: Redis, the web server and two workers each on a host of their own (network namespaces joined
by a bridge), and a fifth host from which the test talks to them (tests/netns/client.py).

(a) A worker host's cable is pulled in the middle of a chunk, for longer than the lease, then put back: every
    document exactly once, in order, and the worker takes chunks again.
(b) Redis restarts in the middle of a job, with append-only persistence: nothing is lost.
(c) The web host loses Redis: /v1/enrich answers 200 without prices and /readyz 503; both recover without a restart,
    also when Redis went away in the middle of a quote fetch (its write and lock release land once Redis is back).

Skipped, with the reason, where namespaces cannot be made (not root, no `ip`, no namespaces). Every address lives
inside this run's namespaces. The timings are printed on lines starting NETNS-TIMING (`pytest -s` shows them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.jobs.conftest import article
from tests.netns.hosts import ROOT, Channel, Lab, Rpc, unavailable
from tests.waiting import wait_for
from tests.web.conftest import ARTICLE

LEASE_S, REAP_S, CHUNK = 3, 1, 10
DELAY_MS = 40  # per document (tests/jobs/slow_worker.py): a chunk of 10 takes 0.4 s, so faults land mid-chunk
REDIS_PORT, WEB_PORT = 6379, 8000
JOBS = {"ENRICH_JOB_LEASE_S": str(LEASE_S), "ENRICH_JOB_REAP_S": str(REAP_S), "ENRICH_JOB_CHUNK": str(CHUNK)}
# What the hosts must not inherit from the test's environment.
UNSET = ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "GUNICORN_CMD_ARGS", "ENRICH_API_KEYS", "ENRICH_RATE_LIMIT",
         "ENRICH_YAHOO_BASE_URL")


def until(probe: Callable[[], Any], timeout: float, what: str) -> Any:
    """The first truthy value `probe()` returns (tests/waiting.py's wait_for, keeping the value)."""
    seen: list[Any] = []

    def holds() -> bool:
        value = probe()
        if value:
            seen.append(value)
        return bool(value)

    wait_for(holds, timeout, what)
    return seen[-1]


def environment(**extra: str) -> dict[str, str]:
    """A host process's environment: the test's, offline, without proxies or a Redis of the test's own."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET and not k.lower().endswith("_proxy")}
    return {**env, "PYTHONPATH": str(ROOT), "ENRICH_MARKET_DATA": "offline", "ENRICH_QUOTE_LOCAL_TTL_MS": "0",
            "ENRICH_LOG_LEVEL": "INFO", **extra}


def documents(tag: str, count: int) -> list[dict]:
    """`count` short articles (tests/jobs's) with ids of this test's own, so each test's job is a job of its own."""
    return [{"id": f"{tag}-{n}", "text": article(n)} for n in range(count)]


class Network:
    """The hosts (redis, web, w1, w2, client), Redis with its append-only file on `redis`, the web server (nginx and
    gunicorn, with prices from a loopback fake Yahoo) on `web`; the test's requests go out from `client`."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.redis_url = f"redis://{lab['redis'].address}:{REDIS_PORT}/0"
        self.base = f"http://{lab['web'].address}:{WEB_PORT}"
        self.data = lab.logs / "redis-data"
        self.data.mkdir()
        self.client = Rpc(lab, "client", environment())
        self.redis_process: subprocess.Popen | None = None
        self.web_process: subprocess.Popen | None = None

    # Redis on its host

    def start_redis(self) -> None:
        """Start (or restart) redis-server on its host, append-only, and wait until the client host reaches it."""
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(REDIS_PORT), "--bind",
                self.lab["redis"].address, "--protected-mode", "no", "--appendonly", "yes", "--save", "",
                "--dir", str(self.data), "--daemonize", "no", "--loglevel", "warning"]
        self.redis_process = process = self.lab.start("redis", argv, env=environment(), log="redis")

        def answers() -> bool:
            assert process.poll() is None, f"redis-server exited:\n{self.lab.log('redis')}"
            return self.redis("PING").get("value") is True

        wait_for(answers, 15, "Redis answering on its host")

    def stop_redis(self) -> None:
        """SIGTERM: Redis writes out its append-only file and exits 0."""
        assert self.redis_process is not None
        self.redis_process.send_signal(signal.SIGTERM)
        assert self.redis_process.wait(timeout=15) == 0, self.lab.log("redis")

    def redis(self, *args: Any) -> dict[str, Any]:
        """One Redis command from the client host: {"value"} or {"error"}."""
        return self.client.call("redis", url=self.redis_url, args=list(args))

    # The web server on its host

    def start_web(self) -> None:
        """The fake Yahoo on the web host's loopback, then `python -m enrich serve` on the web host's address."""
        yahoo = self.lab.start("web", [sys.executable, "-m", "tests.netns.client", "yahoo"], env=environment(),
                               log="yahoo", pipes=True)
        self.yahoo = Channel(yahoo)
        yahoo_url = self.yahoo.line(30)
        assert yahoo_url.startswith("http://127.0.0.1:"), yahoo_url
        env = environment(HOST=self.lab["web"].address, PORT=str(WEB_PORT), REDIS_URL=self.redis_url,
                          WEB_CONCURRENCY="1", ENRICH_WEB_THREADS="2", ENRICH_MARKET_DATA="yfinance",
                          ENRICH_YAHOO_BASE_URL=yahoo_url, **JOBS)
        self.web_process = process = self.lab.start("web", [sys.executable, "-m", "enrich", "serve"], env=env,
                                                    log="web")

        def ready() -> bool:
            assert process.poll() is None, f"the web server exited:\n{self.lab.log('web')}"
            return self.http("GET", "/readyz")["status"] == 200

        wait_for(ready, 90, "the web host ready")

    def yahoo_knobs(self, **knobs: Any) -> dict[str, Any]:
        """Set the fake Yahoo's knobs (tests/market/fake_yahoo.py); how many quote requests it has had."""
        self.yahoo.send(knobs)
        return json.loads(self.yahoo.line(10))

    def quote_locks(self) -> list[str]:
        """The quote cache's single-flight locks in Redis (enrich/market/keys.py): fetches in flight."""
        return self.redis("KEYS", "enrich:q:~lock:*")["value"]

    def http(self, method: str, path: str, body: Any = None, timeout: float = 5.0) -> dict[str, Any]:
        """{"status", "body", "elapsed"} of one request to the web host (status None: no answer)."""
        return self.client.call("http", method=method, url=self.base + path, body=body, timeout=timeout,
                                wait_s=timeout + 10)

    # Jobs

    def submit(self, docs: list[dict]) -> str:
        answer = self.http("POST", "/v1/jobs", {"documents": docs}, timeout=30)
        assert answer["status"] == 202, answer
        return answer["body"]["id"]

    def job(self, job_id: str, *, runs: bool = False) -> dict[str, Any]:
        """The job's chunks as Redis holds them (pending, leases, attempts, recorded), and with `runs` every run."""
        answer = self.client.call("job", url=self.redis_url, id=job_id, runs=runs)
        assert "error" not in answer and answer["meta"], answer
        return answer

    def finished(self, job_id: str, timeout: float) -> dict[str, Any]:
        """GET /v1/jobs/<id> once the job is finished (503s while Redis is away are waited out)."""

        def report() -> dict[str, Any] | None:
            answer = self.http("GET", f"/v1/jobs/{job_id}?per_page=1")
            return answer["body"] if answer["status"] == 200 and answer["body"]["state"] == "finished" else None

        return until(report, timeout, f"job {job_id} finished")

    def results(self, job_id: str) -> list[dict]:
        """Every result of the job, in input order, page by page through the web host."""
        results, page = [], 1
        while True:
            answer = self.http("GET", f"/v1/jobs/{job_id}?page={page}&per_page=1000", timeout=30)
            assert answer["status"] == 200, answer
            results += answer["body"]["results"]
            if page >= answer["body"]["pages"]:
                return results
            page += 1

    def exactly_once(self, job_id: str, docs: list[dict]) -> list[dict]:
        """Every document has one result, in input order, and the counters agree."""
        report = self.finished(job_id, 5)
        assert report["progress"] == {"done": len(docs), "failed": 0, "total": len(docs)}, report
        results = self.results(job_id)
        assert [r["id"] for r in results] == [d["id"] for d in docs]
        assert all("mentions" in r for r in results), [r for r in results if "mentions" not in r][:3]
        return results

    def took_seconds(self, job_id: str) -> float:
        """From submission to the last result, as the job's counters in Redis say."""
        meta = self.job(job_id)["meta"]
        return float(meta["finished"]) - float(meta["created"])


@pytest.fixture(scope="session")
def namespaces() -> None:
    """Skip (saying why) where network namespaces, bridges and veth pairs cannot be made, or Redis is missing."""
    why = unavailable()
    if why:
        pytest.skip(why)
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on PATH for the Redis host")


@pytest.fixture(scope="module")
def network(namespaces: None) -> Iterator[Network]:
    """The five hosts, Redis and the web server, for this module; everything is removed afterwards."""
    lab = Lab(["redis", "web", "w1", "w2", "client"]).build()
    try:
        net = Network(lab)
        net.start_redis()
        net.start_web()
        yield net
    finally:
        lab.close()


class Workers:
    """`python -m tests.jobs.slow_worker` (a real `python -m enrich worker`, each document DELAY_MS slower) on a
    host, named after it."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, host: str, **env: str) -> None:
        argv = [sys.executable, "-m", "tests.jobs.slow_worker", str(DELAY_MS), "--name", host]
        self.processes[host] = self.net.lab.start(
            host, argv, env=environment(REDIS_URL=self.net.redis_url, **JOBS, **env), log=host)

    def registered(self) -> None:
        """Wait until every started worker has registered with RQ (its reference data loaded)."""

        def all_there() -> bool:
            for host, process in self.processes.items():
                assert process.poll() is None, f"worker {host} exited:\n{self.net.lab.log(host)[-3000:]}"
            names = self.net.client.call("workers", url=self.net.redis_url).get("workers") or []
            return set(self.processes) <= set(names)

        wait_for(all_there, 60, f"workers {sorted(self.processes)} registered")

    def stop_all(self) -> None:
        for process in self.processes.values():
            self.net.lab.stop(process, grace_s=3.0)


@pytest.fixture
def net(network: Network, request: pytest.FixtureRequest) -> Iterator[Network]:
    """The network with every cable in; when the test fails, the last lines its hosts logged are printed."""
    network.lab.plug_all()
    failed = request.session.testsfailed
    try:
        yield network
    finally:
        network.lab.plug_all()
        if request.session.testsfailed > failed:
            for name in ("w1", "w2", "web", "redis"):
                print(f"--- {name} (last lines) ---\n{network.lab.log(name)[-2500:]}")


@pytest.fixture
def workers(net: Network) -> Iterator[Workers]:
    """An empty Redis (no earlier test's jobs or workers), and workers the test starts; all stopped afterwards."""
    assert net.redis("FLUSHALL").get("value") is True
    pool = Workers(net)
    try:
        yield pool
    finally:
        pool.stop_all()


def chunk_in_progress(job: dict[str, Any], worker: str, min_done: int = 2) -> tuple[str, str] | None:
    """(chunk, lease holder) of a chunk `worker` holds the lease of with at least `min_done` documents recorded."""
    recorded = set(job["recorded"])
    for chunk, holder in job["leases"].items():
        start = int(chunk) * CHUNK
        if holder and holder.startswith(f"{worker}") and len(recorded & set(range(start, start + CHUNK))) >= min_done:
            return chunk, holder
    return None


def enriched(run: dict[str, Any]) -> bool:
    """The run took its chunk's lease and recorded documents."""
    result = run["result"] or {}
    return bool(run["worker"]) and run["started"] is not None and result.get("claim") == "ok" \
        and result.get("recorded", 0) > 0


def timing(line: str) -> None:
    """A line for the record: `pytest -s tests/netns | grep NETNS-TIMING`."""
    print(f"NETNS-TIMING {line}")


def test_a_worker_whose_cable_is_pulled_past_its_lease_loses_nothing_and_takes_chunks_again(net, workers):
    workers.start("w1")
    workers.start("w2")
    workers.registered()
    docs = documents("cable", 500)
    job_id = net.submit(docs)
    chunk, holder = until(lambda: chunk_in_progress(net.job(job_id), "w1|"), 30, "w1 in the middle of a chunk")

    cut = time.monotonic()
    net.lab.unplug("w1")
    assert net.lab.link_states("w1") == ("UP", "UP"), "both ends of the pulled cable stay up: nobody is told"
    # The stated bound: back on the queue within lease + reaper period of the last renewal (which was before the cut).
    until(lambda: net.job(job_id)["attempts"].get(chunk, 0) >= 2, LEASE_S + REAP_S + 10, f"chunk {chunk} handed on")
    handed_s = time.monotonic() - cut
    assert handed_s <= LEASE_S + REAP_S + 1.5, f"handed on {handed_s:.1f} s after the cut"

    def on_w2() -> bool:
        job = net.job(job_id)
        return int(chunk) not in job["pending"] or (job["leases"].get(chunk) or "").startswith("w2|")

    until(on_w2, 15, f"w2 taking chunk {chunk} over")
    outage_s = time.monotonic() - cut
    assert outage_s > LEASE_S, "the cable stays out for longer than the lease"
    back_wall, back = time.time(), time.monotonic()
    net.lab.plug("w1")

    def w1_again() -> bool:
        return any(h and h.startswith("w1|") and h != holder for h in net.job(job_id)["leases"].values())

    until(w1_again, 60, "w1 taking a chunk again after its cable went back")
    seen_s = time.monotonic() - back

    net.finished(job_id, 90)
    net.exactly_once(job_id, docs)
    job = net.job(job_id, runs=True)
    rerun = [r for r in job["runs"] if r["chunk"] == int(chunk)]
    assert len(rerun) >= 2 and any(r["worker"] == "w2" and enriched(r) for r in rerun), rerun
    others = {c: n for c, n in job["attempts"].items() if c != chunk and n != 1}
    assert not others, f"only the cut-off chunk ran twice: {others}"
    again = sorted(r["started"] for r in job["runs"] if r["worker"].startswith("w1") and enriched(r)
                   and r["started"] > back_wall)
    assert again, "w1 enriched no chunk after its cable went back"
    assert all(p.poll() is None for p in workers.processes.values()), "a worker exited"
    by_worker = {w: sum(1 for r in job["runs"] if r["worker"].startswith(w) and enriched(r)) for w in ("w1", "w2")}
    timing(f"cable: pulled {outage_s:.1f} s (lease {LEASE_S} s, reaper {REAP_S} s); chunk {chunk} back on the queue "
           f"{handed_s:.1f} s after the cut; w1's first chunk {again[0] - back_wall:.2f} s after the cable went back "
           f"(its lease seen {seen_s:.2f} s after); job of {len(docs)} documents in {len(job['attempts'])} chunks: "
           f"{net.took_seconds(job_id):.1f} s; chunks enriched per worker {by_worker}")


def test_redis_restarting_mid_job_with_append_only_persistence_loses_nothing(net, workers):
    workers.start("w1")
    workers.start("w2")
    workers.registered()
    earlier_docs = documents("earlier", 30)
    earlier = net.submit(earlier_docs)
    net.finished(earlier, 60)
    earlier_results = net.exactly_once(earlier, earlier_docs)
    docs = documents("restart", 200)
    job_id = net.submit(docs)
    until(lambda: chunk_in_progress(net.job(job_id), ""), 30, "a chunk in progress")
    stored = net.redis("HGETALL", f"enrich:job:{job_id}:results")["value"]
    assert stored, "some results were recorded before the restart"

    stopped = time.monotonic()
    net.stop_redis()
    # The outage is seen across the network: the web host's readiness probe says so.
    wait_for(lambda: net.http("GET", "/readyz")["status"] == 503, 10, "the web host seeing Redis gone")
    time.sleep(max(0.0, 2.0 - (time.monotonic() - stopped)))  # a restart that takes 2 s (a duration, not an event)
    net.start_redis()
    outage_s = time.monotonic() - stopped
    back_wall = time.time()

    net.finished(job_id, 90)
    net.exactly_once(job_id, docs)
    after = net.redis("HGETALL", f"enrich:job:{job_id}:results")["value"]
    assert {k: after.get(k) for k in stored} == stored, "every result recorded before the restart is still there"
    assert net.exactly_once(earlier, earlier_docs) == earlier_results, "the job finished before it is intact"
    assert all(p.poll() is None for p in workers.processes.values()), "a worker exited instead of reconnecting"
    job = net.job(job_id, runs=True)
    first = {}
    for worker in ("w1", "w2"):
        starts = [r["started"] for r in job["runs"]
                  if r["worker"].startswith(worker) and enriched(r) and r["started"] > back_wall]
        assert starts, f"{worker} enriched no chunk after Redis came back"
        first[worker] = round(min(starts) - back_wall, 2)
    reruns = sum(n - 1 for n in job["attempts"].values())
    timing(f"redis restart: down {outage_s:.1f} s; {len(stored)} results before it, all kept; first chunk after it "
           f"(s) {first}; chunks run again {reruns}; job of {len(docs)} documents: {net.took_seconds(job_id):.1f} s")


def with_status(status: int, answer: dict[str, Any]) -> dict[str, Any] | None:
    return answer if answer["status"] == status else None


def priced(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The answer when it is a 200 with a price for every mention."""
    if answer["status"] != 200:
        return None
    mentions = answer["body"]["mentions"]
    return answer if mentions and all((m.get("price") or {}).get("last") for m in mentions) else None


def cache_errors(net: Network) -> float:
    """enrich_quote_cache_cache_errors_total on the web host's /metrics: Redis errors the quote cache met."""
    text = net.http("GET", "/metrics")["body"]
    found = re.search(r"^enrich_quote_cache_cache_errors_total (\S+)$", text, re.M)
    assert found, text[:2000]
    return float(found.group(1))


def enrich(net: Network) -> dict[str, Any]:
    return net.http("POST", "/v1/enrich", {"text": ARTICLE})


def test_the_web_host_cut_off_from_redis_answers_without_prices_and_recovers_by_itself(net):
    web_pid = net.web_process.pid
    wait_for(lambda: net.http("GET", "/readyz")["status"] == 200, 15, "the web host ready")
    warm = until(lambda: priced(enrich(net)), 20, "prices from the fake Yahoo")
    verdicts = {m["claimed"]["symbol"]: m["status"] for m in warm["body"]["mentions"]}
    # The fetch writes Redis after it answers: cut once that is done (a cut in between: the test below).
    wait_for(lambda: not net.quote_locks(), 10, "the quotes written to the cache")

    cut = time.monotonic()
    net.lab.unplug("redis")
    ready = until(lambda: with_status(503, net.http("GET", "/readyz")), 15, "/readyz 503")
    not_ready_s = time.monotonic() - cut
    error = ready["body"]["error"]
    assert error["code"] == "not_ready" and error["details"]["redis"] == {"ok": False, "detail": "unreachable"}
    down = enrich(net)
    assert down["status"] == 200, down
    mentions = down["body"]["mentions"]
    assert mentions and all(m["price"] is None and m["price_status"] == "unavailable" for m in mentions), mentions
    assert {m["claimed"]["symbol"]: m["status"] for m in mentions} == verdicts, "verdicts need no Redis"
    assert down["elapsed"] < 2.0, f"a request waited {down['elapsed']:.2f} s on the unreachable Redis"
    assert net.http("GET", "/healthz")["status"] == 200, "alive, just not ready"

    back = time.monotonic()
    net.lab.plug("redis")
    until(lambda: net.http("GET", "/readyz")["status"] == 200, 30, "/readyz 200 again")
    ready_s = time.monotonic() - back
    again = until(lambda: priced(enrich(net)), 30, "prices again")
    prices_s = time.monotonic() - back
    assert again["elapsed"] < 0.5, f"priced from the cache, at once: {again['elapsed']:.2f} s"
    assert net.web_process.poll() is None and net.web_process.pid == web_pid, "recovered without a restart"
    timing(f"web cut off from redis: /readyz 503 {not_ready_s:.2f} s after the cut; /v1/enrich 200 without prices "
           f"in {down['elapsed']:.3f} s; after the cable went back /readyz 200 in {ready_s:.2f} s, every price in "
           f"{prices_s:.2f} s")


def test_quotes_fetched_while_the_web_host_loses_redis_are_priced_once_redis_is_back(net):
    wait_for(lambda: net.http("GET", "/readyz")["status"] == 200, 15, "the web host ready")
    cached = net.redis("KEYS", "enrich:q:*")["value"]
    if cached:
        net.redis("DEL", *cached)  # every listing cold: the next request fetches them all
    net.yahoo_knobs(delay_s=0.6)  # within the 1 s price deadline, long enough to cut Redis during the fetch
    background = Rpc(net.lab, "client", environment())
    answer: dict[str, Any] = {}
    request = threading.Thread(target=lambda: answer.update(background.call(
        "http", method="POST", url=net.base + "/v1/enrich", body={"text": ARTICLE}, timeout=10)))
    try:
        errors = cache_errors(net)
        request.start()
        wait_for(net.quote_locks, 10, "the fetch under way (its locks taken)")
        net.lab.unplug("redis")
        request.join(timeout=20)
        assert priced(answer), f"the request got the quotes its own fetch brought: {answer}"
        wait_for(lambda: cache_errors(net) > errors, 10, "the fetch failing to write the quotes to Redis")
        net.yahoo_knobs(delay_s=0.0)
        net.lab.plug("redis")
        until(lambda: net.http("GET", "/readyz")["status"] == 200, 30, "/readyz 200 again")
        back = time.monotonic()
        wait_for(lambda: priced(enrich(net)), 5, "every price again within 5 s of Redis coming back")
        timing(f"quotes fetched across the cut: priced again {time.monotonic() - back:.2f} s after Redis came back")
    finally:
        net.yahoo_knobs(delay_s=0.0)
        net.lab.plug("redis")
        locks = net.quote_locks()
        if locks:
            net.redis("DEL", *locks)  # what the service leaves behind for 30 s: not for the next test
        net.lab.stop(background.process)
