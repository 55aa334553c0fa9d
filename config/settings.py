"""Settings from the environment, typed and strict: a value the service cannot use stops it at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from enrich.errors import ConfigError

MARKET_DATA_CHOICES = ("offline",)  # `yfinance` arrives with the price-context work
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


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw).expanduser() if raw else None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service reads from its environment; see README and .env.example."""

    market_data: str = "offline"
    refdata_dir: Path | None = None
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
    max_mentions: int = DEFAULT_MAX_MENTIONS
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Parse the environment (or `env`), raising ConfigError on the first bad value."""
        env = os.environ if env is None else env
        return cls(
            market_data=_choice(env, "ENRICH_MARKET_DATA", "offline", MARKET_DATA_CHOICES),
            refdata_dir=_path(env, "ENRICH_REFDATA_DIR"),
            max_text_bytes=_int(env, "ENRICH_MAX_TEXT_BYTES", DEFAULT_MAX_TEXT_BYTES),
            max_mentions=_int(env, "ENRICH_MAX_MENTIONS", DEFAULT_MAX_MENTIONS),
            log_level=_choice(env, "ENRICH_LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        )
