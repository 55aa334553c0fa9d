"""`make fuzz`: a long schemathesis run, all four phases, against the real service on loopback.

Starts a throwaway Redis, `python -m enrich serve` (nginx in front of gunicorn as in production; `--front none`:
gunicorn alone) and one `python -m enrich worker`, offline (ENRICH_MARKET_DATA=offline), on a free port
(bench/soak_stack.py), then runs `st run` on its /openapi.json with the phases examples, coverage, fuzzing and
stateful, every check but positive_data_acceptance (a schema-valid but unknown exchange is a 422: the vocabulary
cannot be written in the schema; tests/web/test_openapi.py says the same), prints schemathesis's summary and exits
with its code: non-zero on any failure. On a failure the service's log lines at ERROR are printed too (a 500's
traceback).

    .venv/bin/python scripts/fuzz.py                     # ~5 minutes on 2 idle cores: --max-examples 3000
    .venv/bin/python scripts/fuzz.py --max-examples 200  # shorter
    .venv/bin/python scripts/fuzz.py -- --max-time 600   # anything after -- goes to `st run` as is

The in-suite run (tests/web/test_openapi.py: the same phases in-process, ~15 s) is the short one.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PHASES = "examples,coverage,fuzzing,stateful"
EXCLUDED_CHECKS = "positive_data_acceptance"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=3000,
                        help="fuzzing cases per operation, and stateful scenarios (default: 3000)")
    parser.add_argument("--seed", type=int, default=12, help="schemathesis's seed: the same run twice (default: 12)")
    parser.add_argument("--front", choices=("nginx", "none"),
                        help="ENRICH_FRONT for serve (default: serve's own default, nginx)")
    parser.add_argument("--web-workers", type=int, default=2, help="WEB_CONCURRENCY (default: 2)")
    parser.add_argument("--keep", type=Path, help="copy the service's logs and schemathesis's reports here")
    parser.add_argument("st_args", nargs="*", help="more `st run` options, after --")
    args = parser.parse_args(argv)

    from bench.soak_stack import Stack

    folder = Path(tempfile.mkdtemp(prefix="enrich-fuzz-"))
    settings = {"ENRICH_MARKET_DATA": "offline", "WEB_CONCURRENCY": str(args.web_workers),
                "ENRICH_LOG_LEVEL": "WARNING"}
    if args.front:
        settings["ENRICH_FRONT"] = args.front
    started = time.perf_counter()
    try:
        stack = Stack(folder, settings, rq_workers=1)
    except RuntimeError as exc:
        print(f"fuzz: cannot start the service: {exc}", file=sys.stderr)
        return 2
    try:
        with stack:
            roles = ", ".join(f"{role} {pid}" for role, pid in stack.processes())
            print(f"fuzz: the service is up on {stack.base_url} after {time.perf_counter() - started:.1f} s "
                  f"({roles}; front: {args.front or 'serve default'}); logs in {folder}", flush=True)
            command = [str(Path(sys.executable).with_name("st")), "run", f"{stack.base_url}/openapi.json",
                       "--phases", PHASES, "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
                       "--max-examples", str(args.max_examples), "--seed", str(args.seed),
                       "--generation-database", "none", "--workers", "2", "--request-timeout", "30",
                       "--report", "junit", "--report-dir", str(folder / "report"), "--no-color", *args.st_args]
            print("fuzz: $ " + " ".join(command), flush=True)
            code = subprocess.run(command, cwd=folder).returncode
            dead = stack.dead()
        if dead:
            print(f"fuzz: FAILED: service processes ended during the run: {', '.join(dead)}")
            code = code or 1
        if code:
            show_errors(stack.server_log)
        print(f"fuzz: {'FAILED (exit ' + str(code) + ')' if code else 'passed'} in "
              f"{time.perf_counter() - started:.0f} s")
        return code
    finally:
        if args.keep:
            shutil.copytree(folder, args.keep, dirs_exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


def show_errors(log: Path, limit: int = 20) -> None:
    """The service's log records at ERROR or worse (a 500's traceback), the last `limit` of them."""
    from bench.soak_report import error_lines

    errors = error_lines(log)
    print(f"fuzz: the service logged {len(errors)} records at ERROR or worse" + (":" if errors else ""))
    for line in errors[-limit:]:
        print("  " + line[:2000])


if __name__ == "__main__":
    sys.exit(main())
