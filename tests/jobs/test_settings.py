"""The job settings: defaults, strict parsing, and every one documented in README and .env.example."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from config.settings import Settings
from enrich.errors import ConfigError
from enrich.jobs.store import retries_for

ROOT = Path(__file__).resolve().parents[2]
JOB_VARIABLES = ("ENRICH_JOB_CHUNK", "ENRICH_JOB_TTL_S", "ENRICH_JOB_LEASE_S", "ENRICH_JOB_REAP_S",
                 "ENRICH_JOB_MAX_ATTEMPTS", "ENRICH_JOB_TIMEOUT_S", "ENRICH_MAX_JOB_DOCUMENTS",
                 "ENRICH_MAX_JOB_BODY_BYTES", "ENRICH_REDIS_RETRY_S")


def test_defaults():
    s = Settings.from_env({})
    assert (s.job_chunk, s.job_ttl_s, s.job_lease_s, s.job_reap_s, s.job_max_attempts) == (100, 86_400, 30, 5, 3)
    assert (s.job_timeout_s, s.max_job_documents, s.max_job_body_bytes) == (600, 10_000, 64 * 1024 * 1024)
    assert s.redis_retry_s == 15


def test_values():
    s = Settings.from_env({"ENRICH_JOB_CHUNK": "25", "ENRICH_JOB_LEASE_S": "10", "ENRICH_REDIS_RETRY_S": "0"})
    assert (s.job_chunk, s.job_lease_s, s.redis_retry_s) == (25, 10, 0)


@pytest.mark.parametrize(("name", "value"), [("ENRICH_JOB_CHUNK", "0"), ("ENRICH_JOB_TTL_S", "1d"),
                                             ("ENRICH_JOB_LEASE_S", "-1"), ("ENRICH_JOB_MAX_ATTEMPTS", "0"),
                                             ("ENRICH_MAX_JOB_DOCUMENTS", "many"), ("ENRICH_REDIS_RETRY_S", "-5"),
                                             ("ENRICH_REDIS_RETRY_S", "1.5")])
def test_junk_stops_the_service(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize("name", JOB_VARIABLES)
def test_every_variable_is_documented(name):
    assert f"`{name}`" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{name}=" in (ROOT / ".env.example").read_text(encoding="utf-8")


@pytest.mark.parametrize(("retry_s", "retries"), [(0, 0), (0.2, 2), (1, 4), (15, 11)])
def test_a_retry_budget_becomes_a_number_of_retries(retry_s, retries):
    assert retries_for(retry_s) == retries


def test_production_settings_carry_no_test_knobs():
    assert [f.name for f in fields(Settings) if "test" in f.name] == []
