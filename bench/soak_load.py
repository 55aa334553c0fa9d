"""The traffic of bench/soak.py: what to send (real articles, their tickers, jobs of a few of them) and an open-loop
load generator that sends it at a fixed rate, timing each request from its scheduled send time."""

from __future__ import annotations

import http.client
import json
import math
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from bench.common import CORPUS, ROOT, read_corpus
from bench.http_server import HOST

# Per 20 requests: 8 enrich, 7 lookups, 2 job submissions, 3 polls (interleaved: see `mix`).
WEIGHTS = {"enrich": 8, "ticker": 7, "submit": 2, "poll": 3}
KINDS = tuple(WEIGHTS)
DOCUMENTS_PER_JOB = 3
MAX_TEXT_CHARS = 20_000  # longer press releases are left out: the soak is about steadiness, not the long tail
TAG = re.compile(r"\((NASDAQ|Nasdaq|NYSE|NYSE American|TSX|TSXV|TSX-V|LSE|AIM|ASX|OTCQB|OTCQX|CSE|HKEX)\s*:\s*"
                 r"([A-Z0-9][A-Z0-9.\-]{0,9})\)")
FIXED_LOOKUPS = ("/v1/tickers/MSFT", "/v1/tickers/AAPL?exchange=NASDAQ", "/v1/tickers/BRK.B",
                 "/v1/tickers/SHOP?exchange=TSX", "/v1/tickers/VOD?exchange=LSE", "/v1/tickers/0700?exchange=HKEX",
                 "/v1/tickers/Meta?exchange=NASDAQ", "/v1/tickers/XIACY?exchange=OTC%20Pink")


def mix() -> list[str]:
    """One cycle of request kinds, each spread evenly over it (smooth weighted round robin), a submission first."""
    total = sum(WEIGHTS.values())
    credit = dict.fromkeys(KINDS, 0)
    order = []
    for _ in range(total):
        for kind in KINDS:
            credit[kind] += WEIGHTS[kind]
        chosen = max(KINDS, key=lambda k: (credit[k], k == "submit"))
        credit[chosen] -= total
        order.append(chosen)
    first = order.index("submit")
    return order[first:] + order[:first]


@dataclass
class Corpus:
    """The articles (text, date) the soak sends, and the lookup paths made from their tags."""

    articles: list[tuple[str, str | None]]
    lookups: list[str]
    source: str


def load_corpus(limit: int) -> Corpus:
    """examples/article.txt and, when ../shared is there, up to `limit` press releases with a ticker tag, spread over
    the archive (its first releases are mostly without tickers), each with its own date."""
    articles: list[tuple[str, str | None]] = [((ROOT / "examples" / "article.txt").read_text(encoding="utf-8"), None)]
    source = "examples/article.txt"
    if CORPUS.exists():
        tagged = [(d["text"], (d.get("date") or "")[:10] or None) for d in read_corpus()
                  if d.get("text") and len(d["text"]) <= MAX_TEXT_CHARS and TAG.search(d["text"])]
        step = max(len(tagged) // max(limit, 1), 1)
        articles += tagged[::step][:limit]
        source += f" and {len(articles) - 1} tagged press releases of {CORPUS.name} (one in {step})"
    pairs = dict.fromkeys((exchange, symbol) for text, _ in articles for exchange, symbol in TAG.findall(text))
    lookups = list(FIXED_LOOKUPS) + [f"/v1/tickers/{quote(symbol)}?exchange={quote(exchange)}"
                                     for exchange, symbol in pairs]
    return Corpus(articles, lookups, source)


@dataclass
class Sample:
    """One request: its kind, scheduled send time (seconds from the start), latency from then, status (0: none)."""

    kind: str
    at: float
    latency: float
    status: int


@dataclass
class Jobs:
    """The jobs submitted, the ones not seen finished yet (polled oldest first), and submit-to-finished times."""

    pending: deque = field(default_factory=deque)  # (id, submitted at, monotonic)
    last: str | None = None
    finished: list[tuple[float, float]] = field(default_factory=list)  # (submitted at from the start, seconds)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Traffic:
    """Builds each request of a kind, and reads the answers jobs need (a new job's id, a polled job's state)."""

    def __init__(self, corpus: Corpus, run: str) -> None:
        self.corpus, self.run = corpus, run
        self.jobs = Jobs()
        self._next = dict.fromkeys(KINDS, 0)
        self._lock = threading.Lock()

    def _count(self, kind: str) -> int:
        with self._lock:
            self._next[kind] += 1
            return self._next[kind] - 1

    def request(self, kind: str) -> tuple[str, str, bytes | None, object]:
        """(method, path, body, context) of the next request of `kind`."""
        n = self._count(kind)
        articles = self.corpus.articles
        if kind == "enrich":
            text, date = articles[n % len(articles)]
            return "POST", "/v1/enrich", json.dumps({"text": text, "as_of": date}).encode(), None
        if kind == "ticker":
            return "GET", self.corpus.lookups[n % len(self.corpus.lookups)], None, None
        if kind == "submit":
            documents = []
            for i in range(DOCUMENTS_PER_JOB):
                text, date = articles[(n * DOCUMENTS_PER_JOB + i + len(articles) // 2) % len(articles)]
                documents.append({"id": f"{self.run}-{n}-{i}", "text": text, "as_of": date})
            return "POST", "/v1/jobs", json.dumps({"documents": documents}).encode(), None
        with self.jobs.lock:
            job = self.jobs.pending.popleft() if self.jobs.pending else None
            polled = job[0] if job else self.jobs.last or "no-job-yet"
        return "GET", f"/v1/jobs/{polled}?per_page=1", None, job

    def answered(self, kind: str, status: int, body: bytes, context: object, start: float) -> None:
        """Follow the jobs: a 202's id is polled until its state is `finished`."""
        jobs = self.jobs
        if kind == "submit" and status == 202:
            with jobs.lock:
                jobs.pending.append((json.loads(body)["id"], time.monotonic() - start, time.monotonic()))
        elif kind == "poll" and context is not None:
            job_id, submitted, monotonic = context  # type: ignore[misc]
            state = json.loads(body).get("state") if status == 200 else None
            with jobs.lock:
                if state == "finished":
                    jobs.finished.append((submitted, time.monotonic() - monotonic))
                    jobs.last = job_id
                else:
                    jobs.pending.append(context)


def send(connection: http.client.HTTPConnection | None, port: int, method: str, path: str, body: bytes | None
         ) -> tuple[http.client.HTTPConnection, int, bytes]:
    """One request on a kept-alive connection (a new one when `connection` is None)."""
    if connection is None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return connection, response.status, response.read()


def run(port: int, traffic: Traffic, rate: float, seconds: float, threads: int,
        tick: Callable[[float], None] | None = None) -> tuple[list[Sample], float]:
    """Send `rate` requests a second for `seconds`, in the order of `mix()`, from `threads` sender threads; each
    request is timed from the moment it was due, so a slow answer delays nothing and hides nothing (no coordinated
    omission). `tick(elapsed)` is called from the scheduling thread about once a second. (Samples, the largest delay
    between a request being due and a sender taking it, in seconds.)"""
    kinds = mix()
    due: queue.Queue = queue.Queue()
    samples: list[Sample] = []
    lag = [0.0]
    start = time.monotonic() + 0.2

    def sender() -> None:
        connection = None
        while True:
            item = due.get()
            if item is None:
                break
            scheduled, kind = item
            lag[0] = max(lag[0], time.monotonic() - scheduled)
            method, path, body, context = traffic.request(kind)
            status, answer = 0, b""
            try:
                connection, status, answer = send(connection, port, method, path, body)
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
            samples.append(Sample(kind, scheduled - start, time.monotonic() - scheduled, status))
            try:
                traffic.answered(kind, status, answer, context, start)
            except ValueError:  # an answer that is not the JSON it should be: counted by its status already
                pass
        if connection is not None:
            connection.close()

    pool = [threading.Thread(target=sender, name=f"soak-sender-{n}", daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    total = int(seconds * rate)
    next_tick = start + 1
    for index in range(total):
        scheduled = start + index / rate
        while True:
            now = time.monotonic()
            if tick is not None and now >= next_tick:
                tick(now - start)
                next_tick += 1
            if now >= scheduled:
                break
            time.sleep(min(scheduled - now, max(next_tick - now, 0), 0.05))
        due.put((scheduled, kinds[index % len(kinds)]))
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join(timeout=60)
    return list(samples), lag[0]


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of non-empty values (share in 0..1)."""
    ordered = sorted(values)
    return ordered[min(max(math.ceil(share * len(ordered)) - 1, 0), len(ordered) - 1)]

