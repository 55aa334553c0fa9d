"""Redis failed moments ago: leave it alone for a while, and say so in the log at most once per interval."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

ERRORS = (redis.RedisError, OSError)  # what a Redis call raises when the server is down, slow or gone


class Cooldown:
    """After a Redis error no call for `retry_s`: a request pays a socket timeout once, not on every call."""

    def __init__(self, log: logging.Logger, *, retry_s: float, warn_every_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log, self.retry_s, self.warn_every_s, self.clock = log, retry_s, warn_every_s, clock
        self._down_until = float("-inf")  # on `clock`; Redis is not tried again before
        self._warned_at = float("-inf")

    def active(self) -> bool:
        """True while Redis is not to be tried again."""
        return self.clock() < self._down_until

    def failed(self, message: str, *args: object) -> None:
        """Start a cooldown; log `message % args` as a warning unless one went out less than `warn_every_s` ago."""
        now = self.clock()
        self._down_until = now + self.retry_s
        if now - self._warned_at >= self.warn_every_s:
            self._warned_at = now
            self.log.warning(message, *args)
