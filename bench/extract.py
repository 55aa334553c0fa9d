"""Benchmark the extraction and enrichment of ticker tags on the shared press-release archive.

Sections (all figures are printed, none is asserted):

1. throughput of `enrich()`, of `extract()` alone and of reticker (a speed baseline), interleaved per repeat;
2. the share of each verdict status, over mentions and over distinct (venue, symbol, company) claims;
3. every corrected mention written to bench/out/corrections.jsonl, and samples of corrected, unknown and
   ambiguous claims printed for a person to judge;
4. `extract()` on hostile inputs of size n and 2n (a ratio near 2 means linear time);
5. the cost of one `python -m enrich text examples/article.txt` (wall time and peak RSS of a fresh process);
6. the time and memory of loading the reference index in a fresh process.

Run from anywhere: `python bench/extract.py [--limit N] [--repeat R]`. Skips (exit 0) when ../shared is absent.
"""

from __future__ import annotations

import os
import sys

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where http.py and queue.py would stand in for
# the standard library's modules: drop it before anything else is imported (`python -m bench.<name>` needs nothing).
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "raw" / "newsworthy_pr" / "press_release_archive.jsonl.gz"
OUT_DIR = ROOT / "bench" / "out"
ARTICLE = ROOT / "examples" / "article.txt"
STATUSES = ("valid", "corrected", "unverified", "unknown", "ambiguous")
CLI_TARGET_S, CLI_TARGET_MB = 1.0, 150.0
CONTEXT_BEFORE, CONTEXT_AFTER = 60, 40

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import median, section  # noqa: E402

_FALLBACK_ARTICLE = """Chip stocks: who moved this week

Shares of Microsoft (Nasdaq: MSFT) and Apple Inc. (NASDAQ: AAPL) led the large caps, while IonQ, Inc.
(NASDAQ: IONQ) signed a supply deal and D-Wave Quantum Inc. (NYSE: QBTS) announced a new system.
Alphabet (NASDAQ: GOOGL, GOOG) and Alibaba (NYSE: BABA; HKEX: 9988) were mixed. In Canada, Shopify
(TSX: SHOP) rose; Berkshire Hathaway (NYSE: BRK.B) was unchanged.
"""


# ---------------------------------------------------------------------------------------------- helpers


def one_line(text: str) -> str:
    """`text` with every run of whitespace folded to one space."""
    return re.sub(r"\s+", " ", text).strip()


def context(text: str, span: tuple[int, int]) -> str:
    """About 100 characters around `span`, on one line."""
    start, end = span
    lo, hi = max(0, start - CONTEXT_BEFORE), min(len(text), end + CONTEXT_AFTER)
    return ("…" if lo else "") + one_line(text[lo:hi]) + ("…" if hi < len(text) else "")


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` display columns (wide CJK characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


DATES: dict[str, str | None] = {}  # doc path -> its date (YYYY-MM-DD), passed as the article's as_of


def load_corpus(path: Path, limit: int | None) -> list[tuple[str, str]]:
    """(doc path, text) for the first `limit` documents of the JSONL archive (all when None); dates go to DATES."""
    docs: list[tuple[str, str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                break
            doc = json.loads(line)
            name = str(doc.get("path") or f"line {number + 1}")
            docs.append((name, doc.get("text") or ""))
            DATES[name] = doc.get("date")
    return docs


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


# ----------------------------------------------------------------------------------------- 1 throughput


def time_pass(fn: Callable[[str], Any], texts: Iterable[str]) -> tuple[float, int]:
    """Seconds to call `fn` on every text, and the total length of what it returned."""
    found = 0
    start = time.perf_counter()
    for text in texts:
        found += len(fn(text))
    return time.perf_counter() - start, found


def bench_throughput(texts: list[str], megabytes: float, repeat: int) -> None:
    """Time enrich(), extract() and reticker side by side, interleaved per repeat; print medians."""
    import reticker

    from enrich.domain.mentions import extract
    from enrich.service import enrich
    from enrich.wiring import build_services

    services = build_services()
    baseline = reticker.TickerExtractor()  # default configuration
    runners: dict[str, Callable[[str], Any]] = {
        "a. ours: enrich()": lambda text: enrich(text, services, prices=False).mentions,
        "b. ours: extract() only": extract,
        "c. reticker.TickerExtractor().extract()": baseline.extract,
    }
    times: dict[str, list[float]] = {name: [] for name in runners}
    found: dict[str, int] = {}
    for index in range(repeat):
        for name, fn in runners.items():
            seconds, count = time_pass(fn, texts)
            times[name].append(seconds)
            found[name] = count
        print(f"  repeat {index + 1}/{repeat}: " + ", ".join(f"{n.split(':')[0]} {t[-1]:.2f} s"
                                                              for n, t in times.items()), flush=True)
    print()
    print(f"  {'':42} {'median s':>9} {'docs/s':>9} {'MB/s':>7} {'found':>8}")
    for name, values in times.items():
        mid = median(values)
        print(f"  {name:42} {mid:9.2f} {len(texts) / mid:9.0f} {megabytes / mid:7.2f} {found[name]:8}")
    base = median(times["c. reticker.TickerExtractor().extract()"])
    a, b = median(times["a. ours: enrich()"]), median(times["b. ours: extract() only"])
    print()
    print(f"  speed ratio ours/reticker: enrich() {base / a:.2f}x, extract() {base / b:.2f}x  (>1 = ours faster)")
    print(f"  enrich() first repeat (cold verdict cache): {times['a. ours: enrich()'][0]:.2f} s; "
          f"verdicts+fixes cost {max(a - b, 0):.2f} s over extraction (median)")
    print("  found = mentions (a), tags (b), candidate strings deduplicated per document (c).")
    print("  Note: reticker does a different, looser job: it returns bare uppercase words and $cashtags")
    print("  and validates nothing. It is a speed baseline, not an accuracy one.")


# -------------------------------------------------------------------------------------- 2, 3 results


def claim_key(mention: Any) -> tuple[str, str, str | None]:
    """The (venue, symbol, company) claim a mention makes; its verdict depends on nothing else."""
    return mention.tag.venue_key, mention.tag.symbol, mention.tag.company


def describe(mention: Any) -> str:
    """`NASDAQ: XIACY (Xiaomi)`: the claim as written, with its company when one is attached."""
    tag = mention.tag
    company = f" ({tag.company})" if tag.company else ""
    return f"{tag.venue_text}: {tag.symbol}{company}"


def outcome(mention: Any) -> str:
    """What the verdict says, compactly: corrections with reasons, candidates, or the first finding."""
    verdict = mention.verdict
    if verdict.corrections:
        return "; ".join(f"{c.field} {c.old}→{c.new}: {c.reason}" for c in verdict.corrections)
    if verdict.candidates:
        names = ", ".join(f"{c.symbol}@{c.exchange}" + (f" {c.name}" if c.name else "") for c in verdict.candidates)
        return f"{verdict.status}: {names}"
    finding = verdict.evidence[0].finding if verdict.evidence else ""
    return f"{verdict.status}" + (f": {finding}" if finding else "")


def collect(docs: list[tuple[str, str]]) -> tuple[list[tuple[str, str, Any]], int]:
    """One enrich() pass over the corpus with each article's date: (doc, text, mention) rows; docs with a mention."""
    from enrich.service import enrich
    from enrich.wiring import build_services

    services = build_services()
    rows: list[tuple[str, str, Any]] = []
    with_mentions = 0
    for doc, text in docs:
        # As a batch user would send it: the article's own date, so verdicts use the list nearest that date.
        mentions = enrich(text, services, as_of=DATES.get(doc), prices=False).mentions
        with_mentions += bool(mentions)
        rows.extend((doc, text, m) for m in mentions)
    return rows, with_mentions


def print_shares(rows: list[tuple[str, str, Any]], docs: int, with_mentions: int) -> None:
    """Counts and shares by status, over mentions and distinct claims; the top claimed venues."""
    by_mention = Counter(m.verdict.status for _, _, m in rows)
    claims: dict[tuple[str, str, str | None], str] = {}
    for _, _, m in rows:
        claims.setdefault(claim_key(m), m.verdict.status)
    by_claim = Counter(claims.values())
    total, distinct = len(rows), len(claims)
    print(f"  {total} mentions in {with_mentions} of {docs} documents; {distinct} distinct (venue, symbol, company)")
    print()
    print(f"  {'status':12} {'mentions':>9} {'%':>6}   {'distinct':>9} {'%':>6}")
    for status in STATUSES:
        m, c = by_mention.get(status, 0), by_claim.get(status, 0)
        print(f"  {status:12} {m:9} {100 * m / max(total, 1):6.1f}   {c:9} {100 * c / max(distinct, 1):6.1f}")
    others = set(by_mention) - set(STATUSES)
    if others:
        print(f"  unexpected statuses: {sorted(others)}")
    print()
    print("  Top 15 claimed venues by mentions:")
    venues = Counter(m.tag.venue_key for _, _, m in rows)
    labels = {m.tag.venue_key: m.claimed_exchange for _, _, m in rows}
    per = {key: Counter(m.verdict.status for _, _, m in rows if m.tag.venue_key == key) for key in venues}
    print(f"  {'venue key':16} {'label':22} {'mentions':>9}  " + " ".join(f"{s:>10}" for s in STATUSES))
    for key, count in venues.most_common(15):
        print(f"  {key:16} {clip(labels[key], 22):22} {count:9}  " + " ".join(f"{per[key].get(s, 0):10}"
                                                                               for s in STATUSES))
    top = Counter(describe(m) for _, _, m in rows).most_common(5)
    print()
    print("  Most repeated claims: " + "; ".join(f"{claim} ×{n}" for claim, n in top))


def write_corrections(rows: list[tuple[str, str, Any]], path: Path) -> int:
    """Every corrected mention as one JSON line in `path`; how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc, text, m in rows:
            if m.verdict.status != "corrected":
                continue
            record = m.to_dict(text)
            line = {
                "doc": doc,
                "text": record["text"],
                "company": m.tag.company,
                "claimed": record["claimed"],
                "corrections": record["corrections"],
                "resolved": record["resolved"],
                "fix": record.get("fix"),
                "context": context(text, m.tag.span),
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
    return written


def print_sample(rows: list[tuple[str, str, Any]], status: str, size: int) -> None:
    """A deterministic random sample (random.Random(7)) of distinct claims with `status`, one per line."""
    first: dict[tuple[Any, ...], tuple[str, str, Any]] = {}
    seen: Counter[tuple[Any, ...]] = Counter()
    for doc, text, m in rows:
        if m.verdict.status != status:
            continue
        key = (*claim_key(m), outcome(m))
        first.setdefault(key, (doc, text, m))
        seen[key] += 1
    keys = list(first)
    chosen = random.Random(7).sample(keys, min(size, len(keys)))
    print(f"  {len(chosen)} of {len(keys)} distinct {status} claims ({sum(seen.values())} mentions):")
    for key in chosen:
        doc, text, m = first[key]
        times = f" ×{seen[key]}" if seen[key] > 1 else ""
        print(f"  - [{clip(doc, 60)}] {context(text, m.tag.span)}")
        print(f"      | {describe(m)} → {outcome(m)}{times}")


# ------------------------------------------------------------------------------------------ 4 hostile


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
                ok = max(walls) < CLI_TARGET_S and max(rss) < CLI_TARGET_MB
                verdict = f"{target}: {'met' if ok else 'MISSED'}"
            print(f"  {label:28} {median(walls):9.3f} {max(walls):7.3f} {median(rss):10.1f} {max(rss):7.1f}  "
                  f"{verdict}" + (f" ({len(failed)} runs failed: exit {failed})" if failed else ""))
        print(f"  (children are started from a {floor:.1f} MB launcher; Linux keeps peak RSS across fork+exec,")
        print("   so no child can report less than that)")
    finally:
        if temp is not None:
            os.unlink(temp.name)


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


# ---------------------------------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, load the corpus and print every section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N documents (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats; medians are reported (default: 3)")
    parser.add_argument("--hostile-size", type=int, default=200_000,
                        help="n, in characters, for the hostile inputs (default: 200,000)")
    parser.add_argument("--cli-runs", type=int, default=7, help="fresh CLI processes to time (default: 7)")
    parser.add_argument("--undated", action="store_true",
                        help="judge every article against today's lists, ignoring its date (the CLI's default)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--repeat and --limit must be at least 1")

    if not CORPUS.exists():
        print(f"SKIPPED: the corpus {CORPUS} is absent (../shared is not beside the project); nothing to measure.")
        return 0

    started = time.perf_counter()
    load_start = time.perf_counter()
    docs = load_corpus(CORPUS, args.limit)
    if args.undated:
        DATES.clear()
    load_seconds = time.perf_counter() - load_start
    texts = [text for _, text in docs]
    megabytes = sum(len(text.encode()) for text in texts) / 1e6

    print("Ticker extraction benchmark (bench/extract.py)")
    print(f"  date:    {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"  python:  {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}")
    print(f"  cpus:    {os.cpu_count()}")
    print(f"  corpus:  {CORPUS.relative_to(ROOT.parent)}: {len(docs)} documents, {megabytes:.1f} MB of text"
          + (f" (--limit {args.limit})" if args.limit else "") + f"; loaded in {load_seconds:.1f} s (not timed)")

    section(f"1. Throughput ({args.repeat} interleaved repeats, medians)")
    bench_throughput(texts, megabytes, args.repeat)

    section("2. Verdict status shares (one enrich() pass)")
    rows, with_mentions = collect(docs)
    print_shares(rows, len(docs), with_mentions)

    section("3. Corrections, and samples to judge")
    out = OUT_DIR / "corrections.jsonl"
    written = write_corrections(rows, out)
    print(f"  {written} corrected mentions written to {out.relative_to(ROOT)}")
    for status, size in (("corrected", 30), ("unknown", 15), ("ambiguous", 10)):
        print()
        print_sample(rows, status, size)

    section("4. Hostile inputs: is extract() linear? (t(2n)/t(n) ≈ 2 means linear)")
    bench_hostile(args.hostile_size, budget=10.0)

    section("5. CLI cost: one article in a fresh process")
    bench_cli(args.cli_runs)

    section("6. Reference index load (fresh processes)")
    bench_index_load(5)

    print()
    print(f"Done in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
