"""Request bodies: refused early past ENRICH_MAX_BODY_BYTES, and JSON read strictly (type, UTF-8, syntax)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

import flask
from flask import Flask, request
from flask_smorest import abort
from webargs.core import is_json
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import RequestEntityTooLarge


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


MEMO_SIZE = 4096  # parsed path and query arguments kept (a lookup's `/tickers/MSFT?exchange=NASDAQ`)
_MEMO_LOCATIONS = ("path", "view_args", "query", "querystring")


class JsonParser(FlaskParser):
    """webargs' Flask parser with a strict JSON body: 415 for another type, 413 too large, 400 bad UTF-8 or JSON.

    Path and query arguments are validated once per distinct value: their schemas are pure (a symbol pattern, a
    venue alias, a date), and a hot lookup asks the same few URLs again and again; marshmallow's load was a third
    of a lookup's time in the app. Bodies are never memoised. An invalid value raises every time (never kept)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: dict[tuple[Any, ...], dict[str, Any]] = {}

    def parse(self, argmap: Any, req: flask.Request | None = None, *, location: str | None = None,
              **kwargs: Any) -> Any:
        where = location or self.location
        if where not in _MEMO_LOCATIONS or kwargs.get("validate") is not None:
            return super().parse(argmap, req, location=location, **kwargs)
        current = req if req is not None else request._get_current_object()  # type: ignore[attr-defined]
        # The arguments as they came: the path's values, or the query string's bytes (parsing them is what costs).
        raw = tuple(current.view_args.items()) if where in ("path", "view_args") else current.query_string
        key = (id(argmap), where, raw, kwargs.get("unknown"))
        found = self._memo.get(key)
        if found is None:
            found = super().parse(argmap, req, location=location, **kwargs)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()  # bounded: a crawl over every symbol costs a refill, never memory
            self._memo[key] = found
        return dict(found)  # the view gets its own copy

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json(req.mimetype):
            abort(415, message=f"send the body as application/json, not {req.mimetype or 'without a Content-Type'}")
        data = _read(req)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            abort(400, code="invalid_utf8", message=f"the body is not valid UTF-8: byte {exc.start} "
                                                     f"({data[exc.start:exc.start + 1]!r})")
        try:
            return json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            abort(400, code="invalid_json", message=f"the body is not JSON: {exc.msg} at line {exc.lineno} "
                                                     f"column {exc.colno}")
        except (ValueError, RecursionError) as exc:  # NaN, 5,000-digit numbers, 100,000 nested brackets
            abort(400, code="invalid_json", message=f"the body is not usable JSON: {str(exc)[:200]}")


def _read(req: flask.Request) -> bytes:
    """The whole body, or 413: also when it streams in (chunked, no Content-Length) past the limit."""
    try:
        data = req.get_data(cache=True)
    except RequestEntityTooLarge:
        _too_large()
    limit = req.max_content_length
    if req.content_length is None and limit is not None and len(data) >= limit:
        # Werkzeug stops reading a streamed body at the limit without a word: one byte more means it was larger.
        if req.environ["wsgi.input"].read(1):
            _too_large()
    return data


def _limit() -> tuple[int, str]:
    """The body limit of the route being served, and the setting that sets it."""
    larger = flask.current_app.extensions.get("enrich.body_limits", {})
    if request.endpoint in larger:
        return larger[request.endpoint]
    return flask.current_app.config["MAX_CONTENT_LENGTH"], "ENRICH_MAX_BODY_BYTES"


def _too_large() -> NoReturn:
    limit, name = _limit()
    abort(413, message=f"the body is larger than {name} ({limit} bytes)")


_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})  # no route reads a body of these


def _early_413() -> None:
    """A declared Content-Length over the limit is refused before a byte of the body is read."""
    asked = request._get_current_object()  # type: ignore[attr-defined]
    if asked.method in _NO_BODY and not asked.environ.get("CONTENT_LENGTH"):
        return  # no declared body (a streamed one is cut at the limit when read)
    limit = asked.max_content_length = _limit()[0]  # also where Werkzeug stops reading a streamed body
    if asked.content_length is not None and asked.content_length > limit:
        _too_large()


def init_app(app: Flask, max_body_bytes: int, larger: Mapping[str, tuple[int, str]] | None = None) -> None:
    """Set the body limit and refuse a declared oversized body up front (the JSON reader stops streamed ones);
    `larger` maps an endpoint (POST /v1/jobs: "jobs.create") to its own limit and the setting that sets it."""
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    app.extensions["enrich.body_limits"] = dict(larger or {})
    app.before_request(_early_413)
