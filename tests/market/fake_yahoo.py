"""A loopback Yahoo for tests and benchmarks: answers yfinance's cookie, crumb and v7 quote requests in recorded format.

    with FakeYahoo() as fake:
        source = YahooSource(base_url=fake.base_url)
        source.fetch(["MSFT", "VOD.L"])
        assert fake.count(QUOTE_PATH) == 1

Knobs (set them on the instance; `reset()` puts them back and forgets what arrived):
  mode      "ok"; "429" / "500" / "down" (close without answering) for every path, as a throttled, broken or
            dead upstream; "malformed" (invalid JSON) / "empty" (no `result` key) for quote answers only.
  delay_s   seconds to wait before answering a quote request.
  quote_body  bytes to answer every quote request with, verbatim (replaying a recorded answer).
  redirects   {path: Location} answered with a 302.
  strict_auth  quote requests without the cookie or the current crumb get Yahoo's 401 "Invalid Crumb".
What arrived: `requests` (a list of Seen), `paths` and `symbols` (Counters), `count(path)`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "yahoo_quotes.json"
COOKIE_PATH, CRUMB_PATH, QUOTE_PATH, CONSENT_PATH = "/", "/v1/test/getcrumb", "/v7/finance/quote", "/consent"
MODES = ("ok", "429", "500", "down", "malformed", "empty")
HOST_HEADER = "X-Enrich-Upstream-Host"  # what enrich.market.session adds: the Yahoo host a request was meant for
CRUMB = "Fk4vQz9Lr7b"
COOKIE = "A3=d=AQABBFAKEcookieFORtestsONLYgAEAAQ&S=AQAAAFakeSignature"


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    host: str | None  # the upstream host header, when the client sent one
    cookie: str | None


def load_quotes(path: Path = FIXTURES) -> dict[str, dict[str, Any]]:
    """The fixture quote entries by upper-case symbol."""
    entries = json.loads(path.read_text(encoding="utf-8"))["result"]
    return {e["symbol"].upper(): e for e in entries}


class FakeYahoo:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) in a daemon thread, playing Yahoo's hosts behind one base URL."""

    def __init__(self, quotes: dict[str, dict[str, Any]] | None = None, crumb: str = CRUMB):
        self.quotes = load_quotes() if quotes is None else {k.upper(): v for k, v in quotes.items()}
        self.crumb = crumb
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None
        self.reset()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Knobs back to their defaults; forget every request seen."""
        with self._lock:
            self.mode = "ok"
            self.delay_s = 0.0
            self.quote_body: bytes | None = None
            self.redirects: dict[str, str] = {}
            self.strict_auth = True
            self.requests: list[Seen] = []
            self.paths: Counter[str] = Counter()
            self.symbols: Counter[str] = Counter()

    def count(self, path: str | None = None) -> int:
        """Requests seen for `path`, or in all."""
        with self._lock:
            return len(self.requests) if path is None else self.paths[path]

    def quote_requests(self) -> list[Seen]:
        """The v7 quote requests seen, in order."""
        with self._lock:
            return [r for r in self.requests if r.path == QUOTE_PATH]

    def start(self) -> FakeYahoo:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-yahoo",
                                            daemon=True)  # a short poll keeps close() quick
            self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeYahoo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)
            self.paths[seen.path] += 1
            if seen.path == QUOTE_PATH:
                self.symbols.update(s.upper() for s in seen.query.get("symbols", "").split(",") if s)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeYahoo


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        fake._record(Seen(self.command, url.path, query, self.headers.get(HOST_HEADER), self.headers.get("Cookie")))
        if url.path == QUOTE_PATH and fake.delay_s:
            time.sleep(fake.delay_s)
        mode = fake.mode
        if mode == "down":
            self.close_connection = True  # nothing written: the client sees the connection drop
            return
        if url.path in fake.redirects:
            return self._send(302, b"", "text/html", (("Location", fake.redirects[url.path]),))
        if mode == "429":
            return self._send(429, b"Too Many Requests\r\n", "text/html;charset=utf-8")
        if mode == "500":
            return self._send_json(500, _error("Internal Server Error", "Internal Server Error"))
        if url.path == COOKIE_PATH:  # fc.yahoo.com: a 404 page that sets the A3 cookie
            return self._send(404, b"<html><body>Not Found</body></html>", "text/html",
                              (("Set-Cookie", f"{COOKIE}; Max-Age=31557600; Path=/; HttpOnly; SameSite=None"),))
        if url.path == CRUMB_PATH:
            return self._send(200, fake.crumb.encode(), "text/plain;charset=utf-8")
        if url.path == CONSENT_PATH:  # no consent form outside the EU: yfinance falls back to the cookie step
            return self._send(200, b"<html><body>OK</body></html>", "text/html")
        if url.path == QUOTE_PATH:
            return self._quote(fake, query)
        return self._send_json(404, _error("Not Found", "HTTP 404 Not Found"))

    def _quote(self, fake: FakeYahoo, query: dict[str, str]) -> None:
        if fake.strict_auth and (query.get("crumb") != fake.crumb or "A3=" not in (self.headers.get("Cookie") or "")):
            return self._send_json(401, _error("Unauthorized", "Invalid Crumb"))
        if fake.mode == "malformed":
            return self._send(200, b'{"quoteResponse":{"result":[{"symbol":"MSFT","regularMarketPr', "application/json")
        if fake.mode == "empty":
            return self._send_json(200, {"quoteResponse": {"error": None}})
        if fake.quote_body is not None:
            return self._send(200, fake.quote_body, "application/json;charset=utf-8")
        asked = [s.upper() for s in query.get("symbols", "").split(",") if s]
        result = [fake.quotes[s] for s in dict.fromkeys(asked) if s in fake.quotes]
        return self._send_json(200, {"quoteResponse": {"result": result, "error": None}})

    def _send_json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body).encode(), "application/json;charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _error(code: str, description: str) -> dict[str, Any]:
    """Yahoo's error shape."""
    return {"finance": {"result": None, "error": {"code": code, "description": description}}}
