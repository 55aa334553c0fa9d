"""Settings from the environment, typed and strict: a value the service cannot use stops it at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from enrich.errors import ConfigError

MARKET_DATA_CHOICES = ("yfinance", "offline")
FRONT_CHOICES = ("nginx", "none")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
RATE_WINDOWS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d{1,9})\s*/\s*([a-z]+?)s?\s*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^\*$")
_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]+$")


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


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value > 65535:
        raise ConfigError(f"{name} must be a TCP port (1-65535), not {value}")
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
        shown = redacted(raw)  # a password never reaches a terminal or a log
        starts = " or ".join(s + "://" for s in schemes)
        raise ConfigError(f"{name} must be a URL starting with {starts}, not {shown!r}")
    return raw.rstrip("/")


def _list(env: Mapping[str, str], name: str, pattern: re.Pattern[str], what: str, lower: bool = False
          ) -> tuple[str, ...]:
    items = [item.strip() for item in (env.get(name) or "").split(",") if item.strip()]
    for item in items:
        if not pattern.match(item.lower() if lower else item):
            raise ConfigError(f"{name} must be a comma-separated list of {what}, not {item!r}")
    return tuple(item.lower() if lower else item for item in items)


def _rate(env: Mapping[str, str], name: str) -> tuple[int, int] | None:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "off"):
        return None
    match = _RATE.match(raw)
    if not match or match.group(2) not in RATE_WINDOWS or int(match.group(1)) < 1:
        raise ConfigError(f"{name} must look like 120/minute (per second, minute, hour or day) or off, not {raw!r}")
    return int(match.group(1)), RATE_WINDOWS[match.group(2)]


def _host(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or "").strip() or default
    if not _HOST.match(raw):
        raise ConfigError(f"{name} must be a host name or IP address, not {raw!r}")
    return raw


def redacted(url: str) -> str:
    """The URL without its password (REDIS_URL may carry one; errors and banners go to terminals and logs)."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


def _check_redis_url(url: str) -> None:
    """ConfigError now, rather than a 500 on the first request, for a REDIS_URL option redis-py can't use (a typo
    such as `ssl_ca_cert=`, or `ssl_ca_certs` on a redis:// URL); builds a connection object, connects to nothing."""
    import redis

    try:
        redis.ConnectionPool.from_url(url).make_connection()
    except (TypeError, ValueError) as exc:
        shown = redacted(url)
        reason = str(exc).split("got ", 1)[-1]  # "an unexpected keyword argument 'ssl_ca_cert'"
        raise ConfigError(f"REDIS_URL ({shown}) has an option Redis clients don't take: {reason}") from None


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
    quote_local_ttl_ms: int = 1000
    refdata_dir: Path | None = None
    max_text_bytes: int = 16 * 1024 * 1024
    max_mentions: int = 5_000
    log_level: str = "INFO"
    # The HTTP API (enrich/web, config/gunicorn.py).
    host: str = "127.0.0.1"
    port: int = 8000
    web_concurrency: int = 2
    web_threads: int = 4
    max_body_bytes: int = 1024 * 1024
    front: str = "nginx"  # what `serve` puts before gunicorn: nginx buffers slow clients; none: gunicorn bare
    client_timeout_s: int = 10  # the front cuts a client whose request takes longer (or that reads nothing as long)
    trusted_proxies: int = 0  # proxies before the service's own front that append X-Forwarded-For
    api_keys: tuple[str, ...] = ()  # sha256 hex digests of the accepted keys; empty: no key needed
    rate_limit: tuple[int, int] | None = None  # (requests, window in seconds) per key, or per client address
    cors_origins: tuple[str, ...] = ()
    # Batch jobs (enrich/jobs): RQ workers, chunks of documents, leases that a dead worker lets expire.
    job_chunk: int = 100  # documents per RQ job
    job_ttl_s: int = 86_400  # how long a job's documents, progress and results stay in Redis
    job_lease_s: int = 30  # a running chunk's lease; a worker that stops renewing it loses the chunk
    job_reap_s: int = 5  # how often a worker looks for chunks whose lease expired
    job_max_attempts: int = 3  # runs of a chunk before its unfinished documents are recorded as failed
    job_timeout_s: int = 600  # the longest one chunk may run before RQ stops it (then it is retried)
    max_job_documents: int = 10_000
    max_job_body_bytes: int = 64 * 1024 * 1024  # POST /v1/jobs only; every other route: max_body_bytes
    redis_retry_s: int = 15  # workers and `submit`: how long a Redis command is retried while Redis is unreachable

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Parse the environment (or `env`), raising ConfigError on the first bad value."""
        env = os.environ if env is None else env
        default = {f.name: f.default for f in fields(cls)}  # each default is written once, in the fields
        settings = cls(
            market_data=_choice(env, "ENRICH_MARKET_DATA", default["market_data"], MARKET_DATA_CHOICES),
            yahoo_base_url=_url(env, "ENRICH_YAHOO_BASE_URL", ("http", "https")),
            redis_url=_url(env, "REDIS_URL", ("redis", "rediss", "unix")),
            price_deadline_ms=_int(env, "ENRICH_PRICE_DEADLINE_MS", default["price_deadline_ms"]),
            quote_local_ttl_ms=_int(env, "ENRICH_QUOTE_LOCAL_TTL_MS", default["quote_local_ttl_ms"], minimum=0),
            refdata_dir=_path(env, "ENRICH_REFDATA_DIR"),
            max_text_bytes=_int(env, "ENRICH_MAX_TEXT_BYTES", default["max_text_bytes"]),
            max_mentions=_int(env, "ENRICH_MAX_MENTIONS", default["max_mentions"]),
            log_level=_choice(env, "ENRICH_LOG_LEVEL", default["log_level"], LOG_LEVELS, upper=True),
            host=_host(env, "HOST", default["host"]),
            port=_port(env, "PORT", default["port"]),
            web_concurrency=_int(env, "WEB_CONCURRENCY", default["web_concurrency"]),
            web_threads=_int(env, "ENRICH_WEB_THREADS", default["web_threads"]),
            max_body_bytes=_int(env, "ENRICH_MAX_BODY_BYTES", default["max_body_bytes"]),
            front=_choice(env, "ENRICH_FRONT", default["front"], FRONT_CHOICES),
            client_timeout_s=_int(env, "ENRICH_CLIENT_TIMEOUT_S", default["client_timeout_s"]),
            trusted_proxies=_int(env, "ENRICH_TRUSTED_PROXIES", default["trusted_proxies"], minimum=0),
            api_keys=_list(env, "ENRICH_API_KEYS", _SHA256, "sha256 hex digests (python -m enrich apikey)", True),
            rate_limit=_rate(env, "ENRICH_RATE_LIMIT"),
            cors_origins=_list(env, "ENRICH_CORS_ORIGINS", _ORIGIN, "origins like https://example.com, or *"),
            job_chunk=_int(env, "ENRICH_JOB_CHUNK", default["job_chunk"]),
            job_ttl_s=_int(env, "ENRICH_JOB_TTL_S", default["job_ttl_s"]),
            job_lease_s=_int(env, "ENRICH_JOB_LEASE_S", default["job_lease_s"]),
            job_reap_s=_int(env, "ENRICH_JOB_REAP_S", default["job_reap_s"]),
            job_max_attempts=_int(env, "ENRICH_JOB_MAX_ATTEMPTS", default["job_max_attempts"]),
            job_timeout_s=_int(env, "ENRICH_JOB_TIMEOUT_S", default["job_timeout_s"]),
            max_job_documents=_int(env, "ENRICH_MAX_JOB_DOCUMENTS", default["max_job_documents"]),
            max_job_body_bytes=_int(env, "ENRICH_MAX_JOB_BODY_BYTES", default["max_job_body_bytes"]),
            redis_retry_s=_int(env, "ENRICH_REDIS_RETRY_S", default["redis_retry_s"], minimum=0),
        )
        if settings.redis_url:
            _check_redis_url(settings.redis_url)
        if settings.rate_limit and not settings.redis_url:
            raise ConfigError("ENRICH_RATE_LIMIT needs REDIS_URL: the counts live in Redis, shared by every worker")
        return settings
