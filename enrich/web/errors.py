"""The one error shape, `{"error": {"code", "message", "details"?}}`, and every handler that writes it."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify
from werkzeug.exceptions import HTTPException

from enrich.errors import EnrichError, InvalidInput, RefdataError, TooLarge
from enrich.jobs.submission import QueueUnavailable

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         406: "not_acceptable", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_input",
         429: "rate_limited", 500: "internal", 503: "unavailable"}
MESSAGES = {404: "no such route: see /openapi.json", 405: "this route does not take that method: see the Allow header",
            422: "invalid request: details has a message for each field"}
STATUS_OF = {TooLarge: 413, InvalidInput: 400, RefdataError: 503, QueueUnavailable: 503}


def error_response(status: int, message: str, *, code: str | None = None, details: Any = None,
                   headers: Any = None) -> Response:
    """A JSON error answer in the one shape."""
    body: dict[str, Any] = {"code": code or CODES.get(status, f"http_{status}"), "message": message}
    if details:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    for name, value in dict(headers or {}).items():
        response.headers[name] = value
    return response


def _field_messages(messages: Any) -> Any:
    """webargs nests field messages by location ({"json": {...}}); callers want {"text": [...]}."""
    if isinstance(messages, dict) and all(isinstance(v, dict) for v in messages.values()):
        merged: dict[str, Any] = {}
        for fields in messages.values():
            merged.update(fields)
        return merged
    return messages


def _http(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc  # a redirect (e.g. a missing trailing slash) is not an error
    data = getattr(exc, "data", None) or {}
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}  # 405 keeps its Allow
    headers.update(data.get("headers") or {})
    details = data.get("details") or _field_messages(data.get("messages"))
    message = data.get("message") or MESSAGES.get(exc.code) or exc.description or exc.name
    return error_response(exc.code, message, code=data.get("code"), details=details, headers=headers)


def _enrich_error(exc: EnrichError) -> Response:
    status = next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 500)
    if status < 500:
        return error_response(status, str(exc), code=exc.code)
    # The service's own fault (data, configuration): the log gets the specifics, the caller no file paths.
    log.error("request failed: %s: %s", type(exc).__name__, exc)
    return error_response(status, f"the service cannot answer ({exc.code}): the request id identifies it in the logs",
                          code=exc.code, details={"request_id": g.get("request_id")})


def _bug(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "internal error: the request id identifies it in the logs", code="internal",
                          details={"request_id": g.get("request_id")})


def init_app(app: Flask) -> None:
    """Register the handlers: HTTP errors, the service's own errors, and a catch-all for real bugs."""
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(EnrichError, _enrich_error)
    app.register_error_handler(Exception, _bug)
