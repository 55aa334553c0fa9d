"""What the app holds for its requests: settings, the shared services and the Redis connection of this process."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from config.settings import Settings
from enrich.web.store import RedisStore
from enrich.wiring import Services


@dataclass(frozen=True, slots=True)
class State:
    """Built once per app by create_app; views read it through `state()`."""

    settings: Settings
    services: Services
    store: RedisStore | None  # None when REDIS_URL is unset


def state() -> State:
    """The State of the app serving the current request."""
    return current_app.extensions["enrich"]
