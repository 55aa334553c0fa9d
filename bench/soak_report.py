"""What bench/soak.py prints after the load: traffic per row, RSS per process per row, the verdicts."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import met, section
from bench.soak_load import KINDS, Sample, Traffic, percentile
from bench.soak_stack import Flaky, Row

RSS_GROWTH_LIMIT = 0.10  # RSS after the first minute: less than 10% above its value then
P99_LIMIT = 2.0  # every minute's p99 within 2x of the first minute's


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def report(args: argparse.Namespace, rows: list[Row], samples: list[Sample], lag: float, flaky: Flaky,
           traffic: Traffic, dead: list[str], errors: list[str]) -> None:
    """`rows`: the service when the load started, then at the end of each row of the tables."""
    minute = args.interval == 60
    unit, noun = ("min", "minute") if minute else (f"{args.interval:g}s", "row")
    p99s, fives, nones = traffic_table(args, rows, samples, lag, flaky, traffic, unit)
    growth = rss_table(rows[1:], unit, noun)
    verdicts(noun, fives, nones, len(samples), growth, p99s, dead, rows[1:])
    if errors:
        print(f"  the service logged {len(errors)} records at ERROR or worse; the last ones:")
        for line in errors[-5:]:
            print("    " + line[:400])


def traffic_table(args: argparse.Namespace, rows: list[Row], samples: list[Sample], lag: float, flaky: Flaky,
                  traffic: Traffic, unit: str) -> tuple[list[float], int, int]:
    """Requests, errors and latency per row, the CPU the service used; (p99 of each row, 5xx, unanswered)."""
    count = len(rows) - 1
    by_row: list[list[Sample]] = [[] for _ in range(count)]
    for sample in samples:
        by_row[min(int(sample.at // args.interval), count - 1)].append(sample)
    section(f"Traffic per {'minute' if args.interval == 60 else f'{args.interval:g} s'} (latency in ms from the "
            "moment each request was due; CPU in % of one core)")
    print(f"  {unit:>4} {'enrich':>6} {'ticker':>6} {'submit':>6} {'poll':>5} {'4xx':>4} {'5xx':>4} {'none':>4} "
          f"{'p50':>5} {'p99':>5} {'max':>6}  {'p99 enrich/ticker/submit/poll':>29} {'jobs':>5} {'p50 s':>5} "
          f"{'CPU svc':>7} {'CPU gen':>7}")
    p99s, fives, nones = [], 0, 0
    for number, chunk in enumerate(by_row, 1):
        kinds = Counter(s.kind for s in chunk)
        latencies = [s.latency for s in chunk]
        p99s.append(percentile(latencies, 0.99) if latencies else float("nan"))
        five, none = sum(s.status >= 500 for s in chunk), sum(s.status == 0 for s in chunk)
        fives, nones = fives + five, nones + none
        per_kind = "/".join(ms(percentile([s.latency for s in chunk if s.kind == k], 0.99)) if kinds[k] else "-"
                            for k in KINDS)
        jobs = [t for at, t in traffic.jobs.finished if min(max(int(at // args.interval), 0), count - 1) == number - 1]
        before, after = rows[number - 1], rows[number]
        wall = after.at - before.at
        service = sum(max(after.cpu[r] - before.cpu.get(r, 0.0), 0.0) for r in after.cpu) / wall * 100
        own = (after.own_cpu - before.own_cpu) / wall * 100
        print(f"  {number:>4} {kinds['enrich']:>6} {kinds['ticker']:>6} {kinds['submit']:>6} {kinds['poll']:>5} "
              f"{sum(400 <= s.status < 500 for s in chunk):>4} {five:>4} {none:>4} "
              f"{ms(percentile(latencies, 0.5)) if latencies else '-':>5} {ms(p99s[-1]):>5} "
              f"{ms(max(latencies)) if latencies else '-':>6}  {per_kind:>29} {len(jobs):>5} "
              f"{f'{percentile(jobs, 0.5):.2f}' if jobs else '-':>5} {service:>7.0f} {own:>7.0f}")
    statuses = Counter(s.status for s in samples)
    submitted = sum(1 for s in samples if s.kind == "submit" and s.status == 202)
    print(f"  all: {len(samples)} requests ({len(samples) / (args.minutes * 60):.1f}/s), statuses "
          f"{dict(sorted(statuses.items()))}; jobs submitted {submitted}, seen finished {len(traffic.jobs.finished)} "
          f"(the warm-up's included), still pending at the end {len(traffic.jobs.pending)}; the load generator's "
          f"worst lag (due to sent) {ms(lag)} ms")
    print(f"  fake Yahoo: {flaky.fake.count()} requests in all (warm-up included); {flaky.spells['429']} spells of 429 "
          f"({flaky.answered['429']} requests answered 429), {flaky.spells['500']} of 500 ({flaky.answered['500']} "
          "answered 500)")
    return p99s, fives, nones


def rss_table(rows: Sequence[Row], unit: str, noun: str) -> dict[str, float]:
    """VmRSS of each process at the end of each row, and what Redis holds; role -> growth since the first row."""
    section(f"RSS per process at the end of each {noun} (VmRSS, MB)")
    roles = list(dict.fromkeys(role for row in rows for role in row.rss))
    width = max(9, *(len(r) for r in roles))
    print(f"  {unit:>4} " + " ".join(f"{r:>{width}}" for r in roles) + f" {'all':>6}  {'Redis data MB/keys':>18}")
    for number, row in enumerate(rows, 1):
        data = f"{row.redis_used:.1f}/{row.redis_keys}" if row.redis_used is not None else "?"
        print(f"  {number:>4} " + " ".join(f"{row.rss[r]:>{width}.1f}" if r in row.rss else f"{'(gone)':>{width}}"
                                           for r in roles) + f" {sum(row.rss.values()):>6.0f}  {data:>18}")
    first, last = rows[0].rss, rows[-1].rss
    growth = {r: last[r] / first[r] - 1 for r in roles if first.get(r) and r in last}
    if first and last:
        growth["all"] = sum(last.values()) / sum(first.values()) - 1
    print(f"  {'+%':>4} " + " ".join(f"{growth[r] * 100:>+{width}.1f}" if r in growth else f"{'?':>{width}}"
                                     for r in roles) + f" {growth.get('all', 0) * 100:>+6.1f}")
    return growth


def verdicts(noun: str, fives: int, nones: int, total: int, growth: dict[str, float], p99s: list[float],
             dead: list[str], rows: Sequence[Row]) -> None:
    section("Verdicts")
    print(f"  zero 5xx: {met(fives == 0 and nones == 0)} ({fives} 5xx and {nones} requests without an answer of "
          f"{total}" + (f"; processes that ended: {', '.join(dead)}" if dead else "") + ")")
    if len(rows) < 2:
        print(f"  RSS and p99 against the first {noun}: not judged (one {noun} only)")
        return
    service = {r: g for r, g in growth.items() if r not in ("redis", "all")}
    worst = max(service, key=lambda r: service[r])
    print(f"  RSS growth after the first {noun} < {RSS_GROWTH_LIMIT:.0%}, service processes: "
          f"{met(all(g < RSS_GROWTH_LIMIT for g in service.values()) and not dead)} (largest: {worst} "
          f"{service[worst] * 100:+.1f}%)")
    if "redis" in growth:
        first, last = rows[0], rows[-1]
        data = (f"; what it holds: {first.redis_used:.1f} -> {last.redis_used:.1f} MB, {first.redis_keys} -> "
                f"{last.redis_keys} keys" if first.redis_used is not None and last.redis_used is not None else "")
        print(f"  RSS growth after the first {noun} < {RSS_GROWTH_LIMIT:.0%}, Redis: "
              f"{met(growth['redis'] < RSS_GROWTH_LIMIT)} ({growth['redis'] * 100:+.1f}%{data})")
    base = p99s[0]
    ratios = [p / base if base else float("inf") for p in p99s[1:]]
    at = max(range(len(ratios)), key=lambda i: ratios[i])
    print(f"  p99 within {P99_LIMIT:g}x of the first {noun}'s ({ms(base)} ms): "
          f"{met(all(r <= P99_LIMIT for r in ratios))} (worst: {noun} {at + 2}, {ms(p99s[at + 1])} ms = "
          f"{ratios[at]:.2f}x)")


def logged_errors(folder: Path) -> list[str]:
    """The service's log records at ERROR or worse, over every log in `folder`."""
    return [f"{log.name}: {line}" for log in sorted(folder.glob("*.log")) for line in error_lines(log)]


def error_lines(log: Path) -> list[str]:
    """The JSON log lines of `log` at ERROR or worse (a 500's traceback, a child that died)."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("level") in ("ERROR", "CRITICAL"):
            found.append(line)
    return found
