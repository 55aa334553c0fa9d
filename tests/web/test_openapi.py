"""Schemathesis against the app's own /openapi.json: generated requests, valid and invalid, never a server error,
and every answer matches the schema the spec documents for it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.redis_server import RedisServer, free_port
from tests.web.conftest import make_app

EXAMPLES = 300  # per operation and generation mode: enough to find a 500, quick enough for the suite
PORT = free_port()  # a private Redis (started below) so the job routes answer for real, seen by no other test

schema = schemathesis.openapi.from_wsgi("/openapi.json", make_app(redis_url=f"redis://127.0.0.1:{PORT}/0"))
# make_app loads the index and connects to nothing: the Redis is started for the test itself.


@pytest.fixture(scope="module", autouse=True)
def _jobs_redis():
    server = RedisServer(port=PORT)
    server.start()
    try:
        yield
    finally:
        server.close()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          database=None)  # derandomized: the same cases every run, and no .hypothesis/ folder left behind
def test_the_api_keeps_its_own_contract(case):
    # Every default check but one: the exchange vocabulary (hundreds of aliases, compared case- and
    # punctuation-blind) cannot be written in the schema, so a schema-valid but unknown exchange is a 422.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
