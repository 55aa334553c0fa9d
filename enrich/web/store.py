"""The web app's Redis (rate limits, readiness): one client per process, made on first use, short timeouts."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from enrich.redis_cooldown import ERRORS, Cooldown

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """Redis did not answer; the caller degrades (fails open, reports not ready)."""


class RedisStore:
    """A Redis client that costs a request at most a fraction of a second when Redis is down, and never at import."""

    def __init__(self, url: str, *, timeout_s: float = 0.25, retry_s: float = 1.0, warn_every_s: float = 60.0):
        self.url, self.timeout_s, self.retry_s, self.warn_every_s = url, timeout_s, retry_s, warn_every_s
        self._client: redis.Redis | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._cooldown = Cooldown(log, retry_s=retry_s, warn_every_s=warn_every_s)

    def client(self) -> redis.Redis:
        """This process's client (a forked worker makes its own)."""
        if self._client is None or self._pid != os.getpid():
            with self._lock:
                if self._client is None or self._pid != os.getpid():
                    self._client = redis.Redis.from_url(
                        self.url, socket_timeout=self.timeout_s, socket_connect_timeout=self.timeout_s,
                        health_check_interval=15, retry=Retry(NoBackoff(), 1))
                    self._pid = os.getpid()
        return self._client

    def call(self, what: str, commands: Callable[[redis.Redis], Any], *, force: bool = False) -> Any:
        """Run `commands`; Unavailable (and a warning at most once a minute) when Redis is down.

        After a failure Redis is left alone for `retry_s` unless `force` (a readiness probe wants the truth)."""
        if not force and self._cooldown.active():
            raise Unavailable(f"{what}: Redis was unreachable moments ago")
        try:
            return commands(self.client())
        except ERRORS as exc:
            self._cooldown.failed("%s: Redis unavailable (%s)", what, exc)
            raise Unavailable(f"{what}: {type(exc).__name__}: {exc}") from exc

    def ping(self) -> None:
        """Unavailable unless Redis answers now."""
        self.call("readiness", lambda c: c.ping(), force=True)
