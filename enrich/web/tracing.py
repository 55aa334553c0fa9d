"""Request ids (a sane incoming X-Request-ID or a new one; echoed, and on every log line); one log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from config.logging import REQUEST_ID

log = logging.getLogger("enrich.web.access")
HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:/+=\-]{1,128}$")
QUIET = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes log at DEBUG


def _start() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if _SANE.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()
    g.request_id_token = REQUEST_ID.set(g.request_id)


def _finish(response: Response) -> Response:
    response.headers[HEADER] = g.request_id
    route = request.url_rule.rule if request.url_rule is not None else None
    level = logging.DEBUG if route in QUIET else logging.INFO
    if log.isEnabledFor(level):
        log.log(level, "%s %s %s", request.method, route or "<unmatched>", response.status_code, extra={
            "method": request.method, "path": request.path[:200], "route": route, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.started) * 1000, 2), "client": g.get("client"),
            "bytes": response.content_length})
    return response


def _reset(exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


def init_app(app: Flask) -> None:
    """First in, last out: every other hook and handler runs inside the request id."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_reset)
