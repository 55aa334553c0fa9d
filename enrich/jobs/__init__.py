"""Batch jobs on RQ and Redis: submit documents, let workers enrich them in chunks, read status and results."""

from enrich.jobs.report import status
from enrich.jobs.submission import JobRef, submit
from enrich.jobs.worker import run_worker

__all__ = ["JobRef", "run_worker", "status", "submit"]
