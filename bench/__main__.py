"""`python -m bench`: every benchmark in turn, each in a fresh process, quick trials unless --long; a summary."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence

from bench.common import ROOT

BENCHMARKS = ("extract", "coverage", "names", "prices", "queue_jobs", "http_load", "hot_path", "slow_clients",
              "soak")  # python -m bench.<name>


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); exit 1 when one of them failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"which to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--long", action="store_true", help="the full runs (their own defaults), not --quick")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    results = []
    for name in args.names or BENCHMARKS:
        command = [sys.executable, "-m", f"bench.{name}", *([] if args.long else ["--quick"])]
        print(f"$ python -m bench.{name}{'' if args.long else ' --quick'}", flush=True)
        start = time.perf_counter()
        code = subprocess.run(command, cwd=ROOT).returncode
        results.append((name, code, time.perf_counter() - start))
        print(flush=True)
    print("Benchmarks: " + "; ".join(f"{name} {'ok' if code == 0 else f'FAILED ({code})'} in {seconds:.0f} s"
                                     for name, code, seconds in results))
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
