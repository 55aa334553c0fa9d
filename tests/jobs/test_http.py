"""POST /v1/jobs and GET /v1/jobs/<id> round trips: 202 and where to look, paged results in input order, 422s, 413s,
404 for a job that never was or expired, 503 without Redis."""

from __future__ import annotations

import json
import time

import pytest

from config.settings import Settings
from enrich.jobs.queue import rq_queue
from enrich.web import create_app
from tests.jobs.conftest import documents
from tests.jobs.test_chunks import changed, work
from tests.web.test_errors import error_of


@pytest.fixture
def api(in_process):
    """(client, store, services) of an app on the test's Redis; chunks of 10 documents."""
    settings, services, store = changed(in_process, job_chunk=10)
    return create_app(settings).test_client(), store, services


def test_a_job_round_trip_with_paging(api):
    client, store, services = api
    docs = documents(25)
    answer = client.post("/v1/jobs", json={"documents": docs, "prices": False})
    assert answer.status_code == 202
    created = answer.get_json()
    assert set(created) == {"id", "status_url"} and answer.headers["Location"] == created["status_url"]
    queued = client.get(created["status_url"]).get_json()
    assert queued["state"] == "queued" and queued["results"] == [] and queued["progress"] == {
        "done": 0, "failed": 0, "total": 25}
    work(services, store)
    url, ids, pages = created["status_url"] + "?per_page=10", [], 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        body = page.get_json()
        assert body["state"] == "finished" and body["pages"] == 3
        assert all(r["meta"]["prices"] == "disabled" for r in body["results"])
        ids += [r["id"] for r in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3 and ids == [d["id"] for d in docs]
    last = client.get(created["status_url"] + "?per_page=10&page=4").get_json()
    assert last["results"] == [] and last["next"] is None


def test_the_same_documents_again_answer_the_same_job(api):
    client, store, _ = api
    body = {"documents": documents(3)}
    first = client.post("/v1/jobs", json=body).get_json()
    queued = rq_queue(store.redis).count
    assert client.post("/v1/jobs", json=body).get_json() == first
    assert rq_queue(store.redis).count == queued == 1


def test_a_job_with_names_is_another_job_whose_results_carry_companies(api):
    client, store, services = api
    docs = documents(3)
    plain = client.post("/v1/jobs", json={"documents": docs, "prices": False}).get_json()
    named = client.post("/v1/jobs", json={"documents": docs, "prices": False, "names": True}).get_json()
    assert named["id"] != plain["id"]
    assert client.post("/v1/jobs", json={"documents": docs, "prices": False, "names": False}).get_json() == plain
    work(services, store)
    named_results = client.get(named["status_url"]).get_json()["results"]
    plain_results = client.get(plain["status_url"]).get_json()["results"]
    assert [r["id"] for r in named_results] == [d["id"] for d in docs]
    assert all(isinstance(r["companies"], list) for r in named_results)
    assert not any("companies" in r for r in plain_results)
    assert [r["mentions"] for r in named_results] == [r["mentions"] for r in plain_results]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "documents"), ({"documents": []}, "documents"), ({"documents": "text"}, "documents"),
    ({"documents": [{"text": "a"}]}, "documents"), ({"documents": [{"id": 1.5, "text": "a"}]}, "documents"),
    ({"documents": [{"id": True, "text": "a"}]}, "documents"), ({"documents": [{"id": 1}]}, "documents"),
    ({"documents": [{"id": 1, "text": "a", "as_of": "May 1"}]}, "documents"),
    ({"documents": [{"id": 1, "text": "a", "lang": "en"}]}, "documents"),
    ({"documents": [{"id": 1, "text": "a"}], "prices": "yes"}, "prices"),
    ({"documents": [{"id": 1, "text": "a"}], "names": "yes"}, "names"),
    ({"documents": [{"id": 1, "text": "a"}], "priority": 1}, "priority"),
], ids=["missing", "empty", "not-a-list", "no-id", "float-id", "bool-id", "no-text", "bad-date", "unknown-field",
        "bad-prices", "bad-names", "unknown-top"])
def test_invalid_jobs_are_422_and_say_which_field(api, body, field):
    client, store, _ = api
    error = error_of(client.post("/v1/jobs", json=body), 422)
    assert error["code"] == "invalid_input" and field in error["details"]
    assert rq_queue(store.redis).count == 0


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=1001", "page=x"])
def test_bad_paging_is_422(api, query):
    client, _, _ = api
    job = client.post("/v1/jobs", json={"documents": documents(1)}).get_json()
    assert error_of(client.get(f"{job['status_url']}?{query}"), 422)["code"] == "invalid_input"


def test_too_many_documents_is_413(in_process):
    settings, _, store = changed(in_process, max_job_documents=3)
    error = error_of(create_app(settings).test_client().post("/v1/jobs", json={"documents": documents(4)}), 413)
    assert "ENRICH_MAX_JOB_DOCUMENTS" in error["message"] and rq_queue(store.redis).count == 0


def test_jobs_have_their_own_body_limit(in_process):
    settings, _, _ = changed(in_process, max_body_bytes=2000, max_job_body_bytes=20_000)
    client = create_app(settings).test_client()
    body = json.dumps({"documents": documents(40)})
    assert 2000 < len(body) < 20_000
    assert client.post("/v1/jobs", data=body, content_type="application/json").status_code == 202
    assert "ENRICH_MAX_BODY_BYTES" in error_of(client.post("/v1/enrich", json={"text": "x" * 3000}), 413)["message"]
    big = json.dumps({"documents": documents(400)})
    assert "ENRICH_MAX_JOB_BODY_BYTES" in error_of(
        client.post("/v1/jobs", data=big, content_type="application/json"), 413)["message"]


def test_an_unknown_or_expired_job_is_404(in_process):
    settings, _, _ = changed(in_process, job_ttl_s=1)
    client = create_app(settings).test_client()
    for job_id in ("nope", "0" * 32):
        assert "expired" in error_of(client.get(f"/v1/jobs/{job_id}"), 404)["message"]
    url = client.post("/v1/jobs", json={"documents": documents(1)}).get_json()["status_url"]
    assert client.get(url).status_code == 200
    time.sleep(1.2)
    assert error_of(client.get(url), 404)["code"] == "not_found"


def test_without_redis_jobs_are_503_and_the_rest_answers():
    client = create_app(Settings(market_data="offline")).test_client()
    assert error_of(client.post("/v1/jobs", json={"documents": documents(1)}), 503)["code"] == "unavailable"
    assert error_of(client.get("/v1/jobs/" + "0" * 32), 503)["code"] == "unavailable"
    assert client.post("/v1/enrich", json={"text": "Microsoft (Nasdaq: MSFT)"}).status_code == 200
