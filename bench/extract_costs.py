"""Sections 4 to 6 of bench/extract.py: hostile inputs, the CLI's cost and the reference index's load, each timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import ROOT, clip, median, met, one_line

ARTICLE = ROOT / "examples" / "article.txt"
CLI_TARGET_S, CLI_TARGET_MB = 1.0, 150.0

_FALLBACK_ARTICLE = """Chip stocks: who moved this week

Shares of Microsoft (Nasdaq: MSFT) and Apple Inc. (NASDAQ: AAPL) led the large caps, while IonQ, Inc.
(NASDAQ: IONQ) signed a supply deal and D-Wave Quantum Inc. (NYSE: QBTS) announced a new system.
Alphabet (NASDAQ: GOOGL, GOOG) and Alibaba (NYSE: BABA; HKEX: 9988) were mixed. In Canada, Shopify
(TSX: SHOP) rose; Berkshire Hathaway (NYSE: BRK.B) was unchanged.
"""

_LAUNCHER = """
import json, os, resource, subprocess, sys, time
argv, cwd, runs = json.loads(sys.argv[1])
results = []
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    results.append([wall, usage.ru_maxrss, proc.returncode, output.decode("utf-8", "replace")])
try:  # this process's own peak (VmHWM); ru_maxrss would include what the parent had when it started us
    with open("/proc/self/status") as handle:
        own_kib = int(handle.read().split("VmHWM:")[1].split()[0])
except (OSError, IndexError, ValueError):
    own_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"self_kib": own_kib, "runs": results}))
"""

_LOAD_SCRIPT = """
import json, resource, time

def rss_kib():
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * resource.getpagesize() // 1024
    except OSError:
        return None

now0 = rss_kib()
t0 = time.perf_counter()
from enrich.wiring import build_services
t1 = time.perf_counter()
now1 = rss_kib()
services = build_services()
t2 = time.perf_counter()
now2 = rss_kib()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "now0": now0, "now1": now1, "now2": now2, "peak": peak}))
"""


# ------------------------------------------------------------------------------------------ 4 hostile


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` display columns (wide CJK characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


def hostile_inputs(size: int) -> dict[str, str]:
    """Hostile texts of about `size` characters each."""

    def fill(unit: str, prefix: str = "", suffix: str = "") -> str:
        return prefix + unit * max(1, (size - len(prefix) - len(suffix)) // len(unit)) + suffix

    half = size // 3
    return {
        '"(" * n': "(" * size,
        '"NASDAQ:" * k': fill("NASDAQ:"),
        '"a:" * k': fill("a:"),
        '"(NASDAQ: " + "A, " * k': fill("A, ", prefix="(NASDAQ: "),
        '"Xx " * k + "(NYSE: X)"': fill("Xx ", suffix="(NYSE: X)"),
        '"x" * n + ":"': "x" * size + ":",
        '"[" * k + "](" * k': "[" * half + "](" * half,
        '"（纳斯达克：" * k': fill("（纳斯达克："),
        '"(NYSE: A) " * k': fill("(NYSE: A) "),
        '"NYSE: " * k (spaced)': fill("NYSE: "),
    }


def best_of(fn: Callable[[str], list[Any]], text: str) -> tuple[float, int]:
    """The fastest of up to 3 calls of `fn(text)` (1 when a call takes over 0.5 s); and how many items it gave."""
    best, found, calls = float("inf"), 0, 0
    while calls < 3 and (calls == 0 or best < 0.5):
        start = time.perf_counter()
        found = len(fn(text))
        best = min(best, time.perf_counter() - start)
        calls += 1
    return best, found


def bench_hostile(size: int, budget: float) -> None:
    """extract() on hostile inputs of `size` and 2×`size` characters; the time ratio (≈2 is linear)."""
    from enrich.domain.mentions import extract

    small, large = hostile_inputs(size), hostile_inputs(2 * size)
    print(f"  n = {size / 1e6:g}M characters, 2n = {2 * size / 1e6:g}M; best of 3 runs (1 when a run is over 0.5 s)")
    print(f"  {'shape':28} {'t(n) s':>8} {'t(2n) s':>8} {'ratio':>6} {'µs/char':>8} {'tags(2n)':>9}")
    for name, text in small.items():
        t_small, _ = best_of(extract, text)
        if t_small > budget:
            print(f"  {pad(name, 28)} {t_small:8.2f}  skipped 2n: t(n) is over the {budget:g} s budget")
            continue
        t_large, tags = best_of(extract, large[name])
        print(f"  {pad(name, 28)} {t_small:8.3f} {t_large:8.3f} {t_large / max(t_small, 1e-9):6.2f} "
              f"{1e6 * t_large / len(large[name]):8.3f} {tags:9}", flush=True)
    print("  A high µs/char is the cost of a colon-dense input: every colon is examined in Python.")


# ------------------------------------------------------------------------------------------- 5, 6 costs


def run_children(argv: Sequence[str], runs: int) -> tuple[list[tuple[float, float, int, str]], float]:
    """Run `argv` `runs` times from a small launcher; ([(wall s, peak RSS MB, exit code, stdout)], launcher MB).

    Linux keeps a process's peak RSS across fork and exec, so a child started from this (large) process
    would report this process's RSS as its own. A fresh, small launcher process starts the children
    instead (subprocess.Popen, then os.wait4 on the pid); a child cannot report less than the launcher.
    """
    # Offline, as the target is stated: prices (yfinance, pandas) are not part of this measurement.
    env = {**os.environ, "ENRICH_MARKET_DATA": "offline"}
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, json.dumps([list(argv), str(ROOT), runs])],
                          cwd=ROOT, capture_output=True, text=True, timeout=60 + 60 * runs, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the launcher failed: {clip(one_line(done.stderr), 300)}")
    report = json.loads(done.stdout)
    results = [(wall, kib / 1024, code, out) for wall, kib, code, out in report["runs"]]  # ru_maxrss is KiB
    return results, report["self_kib"] / 1024


def bench_cli(runs: int) -> None:
    """Wall time and peak RSS of `python -m enrich text examples/article.txt` in fresh processes."""
    article = ARTICLE
    temp = None
    if not article.exists():
        temp = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8")
        temp.write(_FALLBACK_ARTICLE)
        temp.close()
        article = Path(temp.name)
        print(f"  {ARTICLE} is missing; using a temporary {article.stat().st_size}-byte article")
    try:
        cli = [sys.executable, "-m", "enrich", "text", str(article)]
        check = subprocess.run(cli, cwd=ROOT, capture_output=True, text=True, timeout=120)
        if check.returncode != 0:
            print(f"  the CLI failed (exit {check.returncode}): {clip(one_line(check.stderr), 300)}")
            return
        mentions = json.loads(check.stdout).get("mentions", [])
        shown = article.relative_to(ROOT) if temp is None else article
        print(f"  `python -m enrich text {shown}`: {article.stat().st_size} bytes, {len(mentions)} mentions; "
              f"{runs} fresh runs each")
        time_cli(cli, runs)
    finally:
        if temp is not None:
            os.unlink(temp.name)


def time_cli(cli: list[str], runs: int) -> None:
    """The CLI's rows beside `python -c pass`, the floor: wall time and peak RSS, against the targets."""
    print(f"  {'command':28} {'median s':>9} {'max s':>7} {'median MB':>10} {'max MB':>7}  target")
    floor = 0.0
    for label, argv, target in (
        ("python -m enrich text …", cli, f"< {CLI_TARGET_S:g} s, < {CLI_TARGET_MB:g} MB"),
        ("python -c pass (floor)", [sys.executable, "-c", "pass"], ""),
    ):
        results, floor = run_children(argv, runs)
        walls, rss = [r[0] for r in results], [r[1] for r in results]
        failed = [r[2] for r in results if r[2] != 0]
        verdict = ""
        if target:
            verdict = f"{target}: {met(max(walls) < CLI_TARGET_S and max(rss) < CLI_TARGET_MB)}"
        print(f"  {label:28} {median(walls):9.3f} {max(walls):7.3f} {median(rss):10.1f} {max(rss):7.1f}  "
              f"{verdict}" + (f" ({len(failed)} runs failed: exit {failed})" if failed else ""))
    print(f"  (children are started from a {floor:.1f} MB launcher; Linux keeps peak RSS across fork+exec,")
    print("   so no child can report less than that)")


def bench_index_load(runs: int) -> None:
    """build_services() in fresh processes: seconds, RSS growth and peak RSS, medians."""
    results, floor = run_children([sys.executable, "-c", _LOAD_SCRIPT], runs)
    failed = [r for r in results if r[2] != 0]
    if failed:
        print(f"  build_services() failed in {len(failed)} of {runs} runs (exit {failed[0][2]})")
        return
    samples = [json.loads(r[3].strip().splitlines()[-1]) for r in results]

    def mid(key: str) -> float:
        return median([s[key] for s in samples])

    def grew(later: str, earlier: str) -> str:
        if any(s[later] is None or s[earlier] is None for s in samples):
            return "   n/a"
        return f"{median([(s[later] - s[earlier]) / 1024 for s in samples]):+6.1f}"

    print(f"  {runs} fresh processes, medians (RSS from /proc/self/statm; peak from getrusage ru_maxrss):")
    print(f"  import enrich.wiring        {mid('import'):7.3f} s   RSS {grew('now1', 'now0')} MB")
    print(f"  build_services()            {mid('load'):7.3f} s   RSS {grew('now2', 'now1')} MB"
          f"   (max {max(s['load'] for s in samples):.3f} s)")
    print(f"  peak RSS after loading      {mid('peak') / 1024:7.1f} MB   (launcher floor {floor:.1f} MB; "
          f"median wall of the whole process {median([r[0] for r in results]):.3f} s)")
