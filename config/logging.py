"""Structured logs: one JSON object per line on stderr, carrying the request id of the request being served."""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import datetime as dt
import json
import logging
import os
import threading
import time
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
        entry = _head(record.created, record.levelname, record.name, record.getMessage(), record.process)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _dumps(entry)


def _head(created: float, level: str, logger: str, msg: str, pid: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ts": _timestamp(created),
        "level": level,
        "logger": logger,
        "msg": msg,
    }
    request_id = REQUEST_ID.get()
    if request_id is not None:
        entry["request_id"] = request_id
    entry["pid"] = pid
    return entry


_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text (a line per request shares it)


def _timestamp(created: float) -> str:
    """`datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")`, the date and time formatted once
    per second."""
    global _second
    whole = int(created)
    micros = round((created - whole) * 1_000_000)
    if micros >= 1_000_000:
        whole, micros = whole + 1, 0
    known, text = _second
    if known != whole:
        text = dt.datetime.fromtimestamp(whole, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second = (whole, text)
    return f"{text}.{micros // 1000:03d}+00:00"


def _dumps(entry: dict[str, Any]) -> str:
    try:  # orjson: a tenth of json's time, and the access log writes a line per request
        return orjson.dumps(entry, default=str).decode()
    except (orjson.JSONEncodeError, TypeError):  # a lone surrogate in a path, a 65-bit number: json escapes
        return json.dumps(entry, default=str)


_pid = [os.getpid()]  # this process's id, kept (a system call per line otherwise), renewed in a forked child
os.register_at_fork(after_in_child=lambda: _pid.__setitem__(0, os.getpid()))


def process_id() -> int:
    """`os.getpid()` without its system call: kept, and renewed in a forked child (a gunicorn worker)."""
    return _pid[0]


def log_fields(logger: logging.Logger, level: int, msg: str, fields: dict[str, Any]) -> None:
    """`logger.log(level, msg, extra=fields)`, for a line written on every request (the access log): when every
    handler it would reach is a `BatchedStreamHandler` with a `JsonFormatter` and nothing filters, the same JSON
    line is made directly, without a LogRecord (a third of the cost). Anything else (a test's caplog, a filter,
    another handler) gets the record through `logging` as usual."""
    if not logger.isEnabledFor(level):
        return
    handlers: list[logging.Handler] = []
    node: logging.Logger | None = logger
    while node is not None:
        handlers += node.handlers
        node = node.parent if node.propagate else None
    if logger.filters or not handlers or any(
            type(h) is not BatchedStreamHandler or type(h.formatter) is not JsonFormatter or h.filters
            for h in handlers):
        logger.log(level, msg, extra=fields)
        return
    entry = _head(time.time(), logging.getLevelName(level), logger.name, msg, process_id())
    for key, value in fields.items():
        entry.setdefault(key, value)
    line = _dumps(entry)
    for handler in handlers:
        if level >= handler.level:
            handler.write_line(line, urgent=level >= logging.WARNING)


class BatchedStreamHandler(logging.StreamHandler):
    """A StreamHandler whose INFO and DEBUG lines are written in batches, every FLUSH_S by a daemon thread (and at
    exit), rather than one write and flush per line: under load, the write per request made each request thread
    give up and wait to retake the interpreter lock (the access log cost a fifth of a lookup's throughput). A WARNING
    or worse is written at once, with whatever waits before it. A process killed outright loses at most FLUSH_S."""

    FLUSH_S = 0.1

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.write_line(line, urgent=record.levelno >= logging.WARNING)

    def write_line(self, line: str, urgent: bool = False) -> None:
        """Queue one formatted line (written at once, with what waits before it, when `urgent`)."""
        line += self.terminator
        with self.lock:  # type: ignore[union-attr]
            if self._thread is None or self._pid != os.getpid():  # first line here, or a forked child (gunicorn)
                if self._pid != os.getpid():
                    self._pending = []  # the parent's lines, which the parent writes
                self._pid, self._thread = os.getpid(), threading.Thread(target=self._run, daemon=True,
                                                                        name="log-flush")
                self._thread.start()
            self._pending.append(line)
        if urgent:
            self.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._pending = self._pending, []
            if lines and self.stream is not None:
                try:
                    self.stream.write("".join(lines))
                except (OSError, ValueError):  # a closed stream at exit: nothing left to tell
                    return
            if self.stream is not None and hasattr(self.stream, "flush"):
                with contextlib.suppress(OSError, ValueError):
                    self.stream.flush()

    def _run(self) -> None:
        while True:
            time.sleep(self.FLUSH_S)
            self.flush()


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A dictConfig (also gunicorn's logconfig_dict): everything as JSON on stderr; gunicorn's access log off,
    since the app logs each request itself with its id, route and duration."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"()": BatchedStreamHandler, "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }

