"""Schemathesis against the app's own /openapi.json, all four of its phases: the spec's examples, coverage (boundary
and negative values for every keyword), fuzzing (generated requests, valid and invalid) and stateful (sequences that
follow the spec's links: POST /v1/jobs, then GET /v1/jobs/{job_id}). Never a server error, and every answer matches
the schema the spec documents for it. `make fuzz` (scripts/fuzz.py) runs the same phases far longer, over HTTP."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.redis_server import RedisServer, free_port
from tests.web.conftest import make_app

# Fuzzing cases per operation (examples and coverage cases come on top, as many as the spec gives): enough to find a
# 500, quick enough for the suite (~15 s on 2 idle cores). FUZZ_EXAMPLES=5000 in the environment: a long run.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
SCENARIOS = max(EXAMPLES // 3, 1)  # stateful: call sequences of up to STEPS calls each
STEPS = 6
PORT = free_port()  # a private Redis (started below) so the job routes answer for real, seen by no other test
# Every default check but one: the exchange vocabulary (hundreds of aliases, compared case- and punctuation-blind)
# cannot be written in the schema, so a schema-valid but unknown exchange is a 422.
EXCLUDED = [positive_data_acceptance]
# Derandomized, no example database: the same cases every run, and no .hypothesis/ folder left behind.
DETERMINISTIC = {"deadline": None, "suppress_health_check": list(HealthCheck), "derandomize": True, "database": None}

schema = schemathesis.openapi.from_wsgi("/openapi.json", make_app(redis_url=f"redis://127.0.0.1:{PORT}/0"))
# make_app loads the index and connects to nothing: the Redis is started for the tests themselves.
RAN: Counter[str] = Counter()  # cases (stateful: calls) per phase, written out when the module ends


@pytest.fixture(scope="module", autouse=True)
def _jobs_redis(request):
    server = RedisServer(port=PORT)
    server.start()
    started = time.monotonic()
    try:
        yield
    finally:
        server.close()
        if RAN:
            phases = ", ".join(f"{phase} {RAN[phase]}" for phase in ("examples", "coverage", "fuzzing", "stateful"))
            line = f"schemathesis: {sum(RAN.values())} cases ({phases}) in {time.monotonic() - started:.1f} s"
            plugins = request.config.pluginmanager
            reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
            if reporter is not None and capture is not None:
                with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
                    reporter.ensure_newline()
                    reporter.write_line(line)


@schema.parametrize()
@settings(max_examples=EXAMPLES, **DETERMINISTIC)
def test_the_api_keeps_its_own_contract(case):
    """Examples, coverage and fuzzing: one Hypothesis test per operation, the first two as its explicit examples."""
    RAN[case.meta.phase.name.value] += 1
    case.call_and_validate(excluded_checks=EXCLUDED)


class Workflow(schema.as_state_machine()):
    """Sequences along the spec's links (a job submitted, then its status polled), with the stateful checks:
    a job just accepted must be found, and every answer still matches the spec."""

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        __tracebackhide__ = True
        RAN["stateful"] += 1
        case.validate_response(response, additional_checks=additional_checks, excluded_checks=EXCLUDED,
                               transport_kwargs=kwargs or None, recorder=self.recorder)


def test_the_api_keeps_its_contract_across_calls():
    Workflow.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS, phases=[Phase.generate],
                                   **DETERMINISTIC))


def test_the_spec_links_a_new_job_to_its_status():
    """The stateful phase has links to follow: the 202's id is the job_id of GET /v1/jobs/{job_id}."""
    spec = schema.raw_schema
    created = spec["paths"]["/v1/jobs"]["post"]["responses"]["202"]["links"]["GetJob"]
    polled = spec["paths"]["/v1/jobs/{job_id}"]["get"]
    assert created["operationId"] == polled["operationId"] == "get_job"
    assert created["parameters"] == {"job_id": "$response.body#/id"} == polled["responses"]["200"]["links"][
        "PollJob"]["parameters"]
    assert schema.statistic.transitions.total >= 2


def test_every_phase_ran():
    """Each phase generated cases above (an upgrade of schemathesis that dropped one would pass unseen otherwise)."""
    if not (RAN["fuzzing"] and RAN["stateful"]):
        pytest.skip("the schemathesis tests of this module were not all selected")
    assert RAN["examples"] >= 4 and RAN["coverage"] >= 100 and RAN["stateful"] >= SCENARIOS
