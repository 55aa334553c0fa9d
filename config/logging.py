"""Structured logs: one JSON object per line on stderr, carrying the request id of the request being served."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from typing import Any

import orjson

# Set by the web app for the duration of each request (enrich/web/tracing.py); every log line written by the
# request's thread carries it.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written out as a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "request_id"?, "pid", ...extra}`: a line any log pipeline can parse."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry["pid"] = record.process
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        try:  # orjson: a tenth of json's time, and the access log writes a line per request
            return orjson.dumps(entry, default=str).decode()
        except (orjson.JSONEncodeError, TypeError):  # a lone surrogate in a path, a 65-bit number: json escapes
            return json.dumps(entry, default=str)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A dictConfig (also gunicorn's logconfig_dict): everything as JSON on stderr; gunicorn's access log off,
    since the app logs each request itself with its id, route and duration."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
