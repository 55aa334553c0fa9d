"""Log lines are batched (config/logging.py BatchedStreamHandler): INFO within FLUSH_S, a WARNING at once, none lost."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

from config.logging import BatchedStreamHandler, JsonFormatter
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
