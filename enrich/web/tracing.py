"""Request ids (a sane incoming X-Request-ID or a new one; echoed, and on every log line); one log line per request."""

from __future__ import annotations

import logging
import os
import random
import re
import time

from flask import Flask, Response, g, request

from config.logging import REQUEST_ID, log_fields

log = logging.getLogger("enrich.web.access")
_SANE = re.compile(r"^[A-Za-z0-9._:/+=\-]{1,128}$")
# New request ids: 128 random bits from a generator seeded from the system's entropy (reseeded in each forked
# worker), a fraction of os.urandom's system call per request; an id must be unique, not secret.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)
QUIET = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes log at DEBUG


def _start() -> None:
    incoming = request.environ.get("HTTP_X_REQUEST_ID", "")  # the header, without building a Headers view
    request_id = incoming if incoming and _SANE.match(incoming) else f"{_ids.getrandbits(128):032x}"
    here = g._get_current_object()  # one look-up of each context per hook: every `g.x` is one
    here.request_id, here.started, here.request_id_token = request_id, time.perf_counter(), REQUEST_ID.set(request_id)


def _finish(response: Response) -> Response:
    here, asked = g._get_current_object(), request._get_current_object()
    rule = asked.url_rule
    route = rule.rule if rule is not None else None
    level = logging.DEBUG if route in QUIET else logging.INFO
    if log.isEnabledFor(level):
        log_fields(log, level, f"{asked.method} {route or '<unmatched>'} {response.status_code}", {
            "method": asked.method, "path": asked.path[:200], "route": route, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - here.started) * 1000, 2), "client": here.get("client"),
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
