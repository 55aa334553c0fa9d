"""`python -m enrich submit` and `python -m enrich worker`: the job queue from the shell, straight to Redis."""

from __future__ import annotations

import json
import logging.config
import sys
import time
from typing import IO

from config.logging import logging_config
from config.settings import Settings
from enrich.documents import error_of, numbered_lines, parse_line
from enrich.errors import ConfigError, EnrichError, InvalidInput
from enrich.jobs.report import MAX_PER_PAGE, status
from enrich.jobs.submission import submit
from enrich.jobs.worker import run_worker
from enrich.wiring import Services, build_services

POLL_S = 0.5


def worker(burst: bool, name: str | None) -> int:
    """Run one RQ worker with the environment's settings, logging JSON lines to stderr."""
    settings = Settings.from_env()
    logging.config.dictConfig(logging_config(settings.log_level))
    return run_worker(settings, burst=burst, name=name)


def _read(path: str) -> tuple[list[dict], list[tuple[int, dict]]]:
    """The good documents, and each bad line as (how many good ones precede it, its error record), as `batch` says."""
    documents: list[dict] = []
    bad: list[tuple[int, dict]] = []
    try:
        source = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    with source:
        for number, raw in numbered_lines(source):
            try:
                documents.append(parse_line(raw, number))
            except EnrichError as exc:
                bad.append((len(documents), error_of(exc, line=number)))
    return documents, bad


def submit_file(path: str, *, wait: bool, output: str, prices: bool, progress: bool, names: bool = False) -> int:
    """Submit a JSONL file as one job; with `wait`, follow it and write every result, in input order, as JSONL."""
    settings = Settings.from_env()
    if not settings.redis_url:
        raise ConfigError("submit needs REDIS_URL: the job goes straight onto the queue in Redis")
    services = build_services(settings)
    documents, bad = _read(path)
    for _, record in bad:
        print(f"skipped line {record['line']}: {record['error']['message']}", file=sys.stderr)
    if not documents:
        raise InvalidInput(f"no document to submit in {path}")
    ref = submit(documents, services, prices=prices, names=names)
    print(f"job {ref.id}: {len(documents)} documents{'' if ref.created else ' (submitted before: the same job)'}",
          file=sys.stderr)
    if not wait:
        print(ref.id)
        return 0
    _follow(ref.id, services, len(documents), progress)
    out: IO[str] = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        _write(ref.id, services, bad, out)
    finally:
        if out is not sys.stdout:
            out.close()
    report = status(ref.id, services, per_page=1)
    counts = report["progress"] if report else {"done": len(documents), "failed": 0}
    print(f"{counts['done']} documents, {counts['failed']} failed, {len(bad)} bad lines", file=sys.stderr)
    return 0


def _follow(job_id: str, services: Services, total: int, progress: bool) -> None:
    """Poll until the job is finished, with a progress bar on a terminal."""
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="doc", desc=f"job {job_id[:8]}", file=sys.stderr)
    try:
        while True:
            report = status(job_id, services, per_page=1)
            if report is None:
                raise EnrichError(f"job {job_id} is gone: it expired (ENRICH_JOB_TTL_S) before it finished")
            if bar is not None:
                bar.update(report["progress"]["done"] - bar.n)
            if report["state"] == "finished":
                return
            time.sleep(POLL_S)
    finally:
        if bar is not None:
            bar.close()


def _write(job_id: str, services: Services, bad: list[tuple[int, dict]], out: IO[str]) -> None:
    """Every result page by page, each bad input line back in its place."""
    written, pending_bad, page = 0, list(bad), 1
    while True:
        report = status(job_id, services, page=page, per_page=MAX_PER_PAGE)
        if report is None:
            raise EnrichError(f"job {job_id} expired while its results were being read")
        for result in report["results"]:
            while pending_bad and pending_bad[0][0] <= written:
                out.write(json.dumps(pending_bad.pop(0)[1], ensure_ascii=False) + "\n")
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            written += 1
        if page >= report["pages"]:
            break
        page += 1
    for _, record in pending_bad:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
