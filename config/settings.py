"""Settings from the environment, typed and strict: a value the service cannot use stops it at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from enrich.errors import ConfigError

MARKET_DATA_CHOICES = ("yfinance", "offline")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_MAX_TEXT_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_MENTIONS = 5_000


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...], upper: bool = False) -> str:
    raw = env.get(name) or default
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    scheme, sep, rest = raw.partition("://")
    if not sep or scheme.lower() not in schemes or not rest:
        raise ConfigError(f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, not {raw!r}")
    return raw.rstrip("/")


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw).expanduser() if raw else None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service reads from its environment; see README and .env.example."""

    market_data: str = "yfinance"
    yahoo_base_url: str | None = None
    redis_url: str | None = None
    price_deadline_ms: int = 1000
    refdata_dir: Path | None = None
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
    max_mentions: int = DEFAULT_MAX_MENTIONS
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Parse the environment (or `env`), raising ConfigError on the first bad value."""
        env = os.environ if env is None else env
        return cls(
            market_data=_choice(env, "ENRICH_MARKET_DATA", "yfinance", MARKET_DATA_CHOICES),
            yahoo_base_url=_url(env, "ENRICH_YAHOO_BASE_URL", ("http", "https")),
            redis_url=_url(env, "REDIS_URL", ("redis", "rediss", "unix")),
            price_deadline_ms=_int(env, "ENRICH_PRICE_DEADLINE_MS", 1000),
            refdata_dir=_path(env, "ENRICH_REFDATA_DIR"),
            max_text_bytes=_int(env, "ENRICH_MAX_TEXT_BYTES", DEFAULT_MAX_TEXT_BYTES),
            max_mentions=_int(env, "ENRICH_MAX_MENTIONS", DEFAULT_MAX_MENTIONS),
            log_level=_choice(env, "ENRICH_LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        )
