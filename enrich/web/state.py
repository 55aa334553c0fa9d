"""What the app holds for its requests: settings, the shared services and the Redis connection of this process."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from config.settings import Settings
from enrich.jobs.store import JobStore
from enrich.jobs.submission import store_for
from enrich.web.store import RedisStore
from enrich.wiring import Services


@dataclass(frozen=True, slots=True)
class State:
    """Built once per app by create_app; views read it through `state()`."""

    settings: Settings
    services: Services
    store: RedisStore | None  # None when REDIS_URL is unset

    def job_store(self) -> JobStore:
        """The job queue's store (QueueUnavailable without REDIS_URL); a request does not wait out a Redis restart."""
        return store_for(self.settings, retry_s=0.2)


def state() -> State:
    """The State of the app serving the current request."""
    return current_app.extensions["enrich"]
