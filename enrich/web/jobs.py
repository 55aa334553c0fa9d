"""Batch jobs over HTTP: submit documents (202 and where to look), then poll state, progress and paged results."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_smorest import abort

from enrich.jobs import status, submit
from enrich.web.openapi import Blueprint
from enrich.web.schemas import ErrorSchema, JobCreatedSchema, JobQuery, JobRequest, JobStatusSchema
from enrich.web.state import state

blp = Blueprint("jobs", __name__, url_prefix="/v1/jobs",
                description="Batch enrichment: many documents at once, enriched by queue workers; results kept for "
                            "ENRICH_JOB_TTL_S")
# OpenAPI links: a client (and schemathesis's stateful phase) follows a new job's id to its status, then polls it.
_POLL = {"operationId": "get_job", "parameters": {"job_id": "$response.body#/id"}}
_CREATED_LINKS = {202: {"links": {"GetJob": {**_POLL, "description": "The job's state, progress and results"}}}}
_POLL_LINKS = {200: {"links": {"PollJob": {**_POLL, "description": "The same job again, until it is finished"}}}}


@blp.route("", methods=["POST"])
@blp.arguments(JobRequest())  # an instance: a class would be instantiated on every request
@blp.alt_response(202, schema=JobCreatedSchema, success=True, description="Accepted; the same documents give the "
                                                                         "same job, enriched once")
@blp.alt_response(413, schema=ErrorSchema, description="More than ENRICH_MAX_JOB_DOCUMENTS, or the body too large")
@blp.alt_response(503, schema=ErrorSchema, description="The job queue (Redis) is not configured or not answering")
@blp.doc(operationId="create_job", responses=_CREATED_LINKS)
def create(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Queue the documents for enrichment; follow status_url for progress and results."""
    current = state()
    ref = submit(body["documents"], current.services, prices=body["prices"], names=body["names"],
                 store=current.job_store())
    location = url_for("jobs.job", job_id=ref.id, _external=True)
    return {"id": ref.id, "status_url": location}, 202, {"Location": location}


@blp.route("/<job_id>")
@blp.arguments(JobQuery(), location="query")
@blp.alt_response(200, schema=JobStatusSchema, success=True, description="State, progress and a page of results")
@blp.alt_response(404, schema=ErrorSchema, description="No such job: never submitted, or expired")
@blp.alt_response(503, schema=ErrorSchema, description="The job queue (Redis) is not configured or not answering")
@blp.doc(operationId="get_job", responses=_POLL_LINKS)
def job(query: dict[str, Any], job_id: str) -> dict[str, Any]:
    """A job's state and progress, and one page of its results in input order (`next` links the following page)."""
    current = state()
    report = status(job_id, current.services, page=query["page"], per_page=query["per_page"],
                    store=current.job_store())
    if report is None:
        abort(404, message="no such job: it was never submitted, or it expired (ENRICH_JOB_TTL_S)")
    following = report["page"] + 1 if report["page"] < report["pages"] else None
    report["next"] = None if following is None else url_for(
        "jobs.job", job_id=job_id, page=following, per_page=report["per_page"], _external=True)
    return report
