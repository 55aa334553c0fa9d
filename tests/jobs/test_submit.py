"""`python -m enrich submit IN.jsonl --wait -o OUT.jsonl` end to end, with a worker process: one line out per line in,
in order, bad lines in their place; submitting again names the same job."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.jobs.conftest import ROOT, documents


def run(*args, env):
    return subprocess.run([sys.executable, "-m", "enrich", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "ENRICH_MARKET_DATA": "offline", **env})


def test_submit_and_wait_writes_every_result_in_order(redis_job_server, workers, tmp_path):
    limits = {"ENRICH_MAX_TEXT_BYTES": "400", "ENRICH_JOB_CHUNK": "4"}
    workers.start("w1", **limits)
    docs = documents(9)
    docs[5]["text"] = "y" * 401  # over the workers' size limit: fails alone
    lines = [json.dumps(d) for d in docs]
    lines.insert(3, '{"id": "broken", "text": 7}')  # a bad line: reported in its place, never submitted
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"REDIS_URL": redis_job_server.url, **limits}
    done = run("submit", str(source), "--wait", "-o", str(tmp_path / "out.jsonl"), env=env)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in out] == [d["id"] for d in docs[:3]] + ["broken"] + [d["id"] for d in docs[3:]]
    assert out[3]["line"] == 4 and out[3]["error"]["code"] == "invalid_input"
    assert out[6]["error"]["code"] == "too_large"
    assert all("mentions" in r for n, r in enumerate(out) if n not in (3, 6))
    assert "9 documents, 1 failed, 1 bad lines" in done.stderr
    again = run("submit", str(source), env=env)
    assert again.returncode == 0 and "submitted before" in again.stderr
    assert again.stdout.strip() in done.stderr  # the same job id


def test_submit_needs_redis(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(documents(1)[0]) + "\n", encoding="utf-8")
    result = run("submit", str(source), env={"REDIS_URL": ""})
    assert result.returncode == 1 and "REDIS_URL" in result.stderr


def test_submit_with_names_is_another_job_whose_results_carry_companies(redis_job_server, workers, tmp_path):
    workers.start("w1")
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in documents(2)) + "\n", encoding="utf-8")
    env = {"REDIS_URL": redis_job_server.url}
    plain = run("submit", str(source), "--no-prices", env=env)
    named = run("submit", str(source), "--no-prices", "--names", "--wait", "-o", str(tmp_path / "out.jsonl"), env=env)
    assert plain.returncode == named.returncode == 0, plain.stderr + named.stderr
    assert plain.stdout.strip() and plain.stdout.strip() not in named.stderr  # another job id
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in out] == ["doc-0", "doc-1"] and all(isinstance(r["companies"], list) for r in out)
