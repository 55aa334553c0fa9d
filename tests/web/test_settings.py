"""The web settings: parsed strictly, and every one documented in README and .env.example."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from enrich.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
WEB_VARIABLES = ("HOST", "PORT", "WEB_CONCURRENCY", "ENRICH_WEB_THREADS", "ENRICH_MAX_BODY_BYTES",
                 "ENRICH_FRONT", "ENRICH_CLIENT_TIMEOUT_S",
                 "ENRICH_TRUSTED_PROXIES", "ENRICH_API_KEYS", "ENRICH_RATE_LIMIT", "ENRICH_CORS_ORIGINS",
                 "PROMETHEUS_MULTIPROC_DIR")


def test_defaults():
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.web_concurrency, settings.web_threads) == ("127.0.0.1", 8000, 2, 4)
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.api_keys == () and settings.rate_limit is None and settings.cors_origins == ()


def test_values():
    settings = Settings.from_env({
        "HOST": "0.0.0.0", "PORT": "9000", "WEB_CONCURRENCY": "8", "ENRICH_WEB_THREADS": "2",
        "ENRICH_MAX_BODY_BYTES": "5000", "ENRICH_API_KEYS": f" {'A' * 64}, {'b' * 64} ,",
        "ENRICH_RATE_LIMIT": "120/minute", "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ENRICH_CORS_ORIGINS": "https://news.example, http://localhost:3000"})
    assert (settings.host, settings.port, settings.web_concurrency, settings.web_threads) == ("0.0.0.0", 9000, 8, 2)
    assert settings.api_keys == ("a" * 64, "b" * 64)
    assert settings.rate_limit == (120, 60) and settings.max_body_bytes == 5000
    assert settings.cors_origins == ("https://news.example", "http://localhost:3000")
    assert Settings.from_env({"ENRICH_RATE_LIMIT": "5/seconds", "REDIS_URL": "redis://x"}).rate_limit == (5, 1)
    assert Settings.from_env({"ENRICH_RATE_LIMIT": "off"}).rate_limit is None
    assert Settings.from_env({"ENRICH_CORS_ORIGINS": "*"}).cors_origins == ("*",)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("PORT", "http", "whole number"), ("PORT", "70000", "TCP port"), ("PORT", "0", "at least 1"),
    ("HOST", "my host", "host name"), ("WEB_CONCURRENCY", "0", "at least 1"), ("ENRICH_WEB_THREADS", "x", "number"),
    ("ENRICH_MAX_BODY_BYTES", "1MB", "whole number"), ("ENRICH_API_KEYS", "secret-key", "sha256"),
    ("ENRICH_API_KEYS", "a" * 63, "sha256"), ("ENRICH_RATE_LIMIT", "120", "120/minute"),
    ("ENRICH_RATE_LIMIT", "10/fortnight", "120/minute"), ("ENRICH_RATE_LIMIT", "0/minute", "120/minute"),
    ("ENRICH_CORS_ORIGINS", "news.example", "origins"), ("ENRICH_CORS_ORIGINS", "https://a.example/path", "origins"),
])
def test_junk_stops_the_service(name, value, says):
    with pytest.raises(ConfigError, match=says) as raised:
        Settings.from_env({name: value, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert name in str(raised.value)


def test_trusted_proxies_count_hops_from_zero():
    assert Settings.from_env({}).trusted_proxies == 0
    assert Settings.from_env({"ENRICH_TRUSTED_PROXIES": " 2"}).trusted_proxies == 2
    assert Settings.from_env({"ENRICH_TRUSTED_PROXIES": ""}).trusted_proxies == 0
    for junk, says in (("-1", "at least 0"), ("one", "whole number"), ("1.5", "whole number")):
        with pytest.raises(ConfigError, match=f"ENRICH_TRUSTED_PROXIES must be .*{says}"):
            Settings.from_env({"ENRICH_TRUSTED_PROXIES": junk})


def test_a_rate_limit_needs_redis():
    with pytest.raises(ConfigError, match="REDIS_URL"):
        Settings.from_env({"ENRICH_RATE_LIMIT": "10/second"})


@pytest.mark.parametrize("name", WEB_VARIABLES)
def test_every_variable_is_documented(name):
    assert f"`{name}`" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{name}=" in (ROOT / ".env.example").read_text(encoding="utf-8")


def test_the_front_and_its_client_bound():
    assert (Settings().front, Settings().client_timeout_s) == ("nginx", 10)
    assert Settings.from_env({"ENRICH_FRONT": "NONE", "ENRICH_CLIENT_TIMEOUT_S": "3"}).front == "none"
    with pytest.raises(ConfigError, match="ENRICH_FRONT must be one of nginx, none"):
        Settings.from_env({"ENRICH_FRONT": "caddy"})
    with pytest.raises(ConfigError, match="ENRICH_CLIENT_TIMEOUT_S must be at least 1"):
        Settings.from_env({"ENRICH_CLIENT_TIMEOUT_S": "0"})


def test_a_bad_redis_url_is_named_without_its_password():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"REDIS_URL": "redis+tls://:hunter2@cache:6379/0"})
    assert "hunter2" not in str(caught.value) and ":***@cache" in str(caught.value)


def test_a_redis_url_option_no_client_takes_is_refused_at_start():
    for url, option in (("redis://:pw@cache:6379/0?ssl_ca_cert=/ca.pem", "ssl_ca_cert"),
                        ("redis://cache:6379/0?ssl_ca_certs=/ca.pem", "ssl_ca_certs")):
        with pytest.raises(ConfigError, match=f"unexpected keyword argument '{option}'") as caught:
            Settings.from_env({"REDIS_URL": url})
        assert "pw" not in str(caught.value)
    assert Settings.from_env({"REDIS_URL": "rediss://cache:6379/0?ssl_ca_certs=/ca.pem"}).redis_url
    assert Settings.from_env({"REDIS_URL": "unix:///run/redis.sock?db=2"}).redis_url
