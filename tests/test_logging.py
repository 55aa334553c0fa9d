"""Log lines are batched (config/logging.py BatchedStreamHandler): INFO within FLUSH_S, a WARNING at once, none lost."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

from config.logging import BatchedStreamHandler, JsonFormatter, log_fields
from tests.waiting import wait_for


def make(stream: io.StringIO) -> logging.Logger:
    handler = BatchedStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.Logger("batched-test", logging.DEBUG)
    logger.addHandler(handler)
    return logger


def test_info_lines_come_in_a_batch_and_a_warning_at_once_with_what_waited():
    stream = io.StringIO()
    logger = make(stream)
    for number in range(50):
        logger.info("line %d", number)
    logger.warning("now")
    lines = stream.getvalue().splitlines()
    assert [line.split('"msg":"')[1].split('"')[0] for line in lines] == [f"line {n}" for n in range(50)] + ["now"]


def test_info_alone_is_written_within_the_flush_interval():
    stream = io.StringIO()
    make(stream).info("soon")
    wait_for(lambda: '"msg":"soon"' in stream.getvalue(), 10 * BatchedStreamHandler.FLUSH_S + 2, "the line written")


def test_nothing_is_lost_at_exit():
    code = ("import logging.config, sys; from config.logging import logging_config; "
            "logging.config.dictConfig(logging_config('INFO')); "
            "[logging.getLogger('x').info('line %d', n) for n in range(1000)]")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and len(result.stderr.splitlines()) == 1000


def test_a_line_made_directly_is_the_line_logging_makes():
    # log_fields (the access log's path) skips the LogRecord when only batched JSON handlers would see the line.
    stream = io.StringIO()
    handler = BatchedStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.direct")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.INFO
    fields = {"method": "GET", "route": "/v1/tickers/<symbol>", "status": 200, "duration_ms": 0.5, "client": None}
    log_fields(logger, logging.INFO, "GET /v1/tickers/<symbol> 200", fields)
    logger.log(logging.INFO, "GET /v1/tickers/<symbol> 200", extra=fields)
    log_fields(logger, logging.DEBUG, "not written", fields)
    handler.flush()
    direct, logged = (json.loads(line) for line in stream.getvalue().splitlines())
    assert direct.pop("ts")[:10] == logged.pop("ts")[:10]
    assert list(direct.items()) == list(logged.items())  # the same fields, in the same order


def test_any_other_handler_gets_a_record(caplog):
    logger = logging.getLogger("test.direct.caplog")
    with caplog.at_level(logging.INFO, logger="test.direct.caplog"):
        log_fields(logger, logging.INFO, "seen", {"status": 200})
    (record,) = [r for r in caplog.records if r.name == "test.direct.caplog"]
    assert record.getMessage() == "seen" and record.status == 200


def test_gunicorns_logger_builds_no_access_line():
    from gunicorn.config import Config

    from config.gunicorn_logger import NoAccessLogger

    quiet = NoAccessLogger(Config())
    assert quiet.access_log_enabled is False
    assert quiet.access(None, None, None, None) is None  # nothing read from the request or the answer
    asked = Config()
    asked.set("accesslog", "-")
    assert NoAccessLogger(asked).access_log_enabled is True  # --access-logfile still writes gunicorn's lines


def test_timestamps_are_datetimes_isoformat():
    import datetime as dt
    import random

    from config.logging import _timestamp

    moments = [0.0, 1.0, 1_764_511_081.9999996, 1_764_511_081.0004999, 1_764_511_081.1235]
    moments += [random.uniform(0, 4e9) for _ in range(2000)]
    for moment in moments:
        assert _timestamp(moment) == dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="milliseconds")
