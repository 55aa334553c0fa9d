"""Benchmark the extraction and enrichment of ticker tags on the shared press-release archive.

Sections (all figures are printed, none is asserted):

1. throughput of `enrich()`, of `extract()` alone and of reticker (a speed baseline), interleaved per repeat;
2. the share of each verdict status, over mentions and over distinct (venue, symbol, company) claims;
3. every corrected mention written to bench/out/corrections.jsonl, and samples of corrected, unknown and
   ambiguous claims printed for a person to judge (bench/extract_verdicts.py);
4. `extract()` on hostile inputs of size n and 2n (a ratio near 2 means linear time);
5. the cost of one `python -m enrich text examples/article.txt` (wall time and peak RSS of a fresh process);
6. the time and memory of loading the reference index in a fresh process (4 to 6: bench/extract_costs.py).

Run from the project root: `python -m bench.extract [--limit N] [--repeat R]` (`--quick`: a trial of a few
seconds). Skips (exit 0) when ../shared is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bench.common import CORPUS, ROOT, done, header, median, parse_args, read_corpus, section
from bench.extract_costs import bench_cli, bench_hostile, bench_index_load
from bench.extract_verdicts import collect, print_sample, print_shares, write_corrections

OUT_DIR = ROOT / "bench" / "out"
QUICK = {"limit": 2000, "repeat": 1}


def load_corpus(limit: int | None) -> tuple[list[tuple[str, str]], dict[str, str | None]]:
    """(doc path, text) for the first `limit` documents of the archive (all when None), and each one's date."""
    docs: list[tuple[str, str]] = []
    dates: dict[str, str | None] = {}  # doc path -> its date (YYYY-MM-DD), passed as the article's as_of
    for number, doc in enumerate(read_corpus(limit)):
        name = str(doc.get("path") or f"line {number + 1}")
        docs.append((name, doc.get("text") or ""))
        dates[name] = doc.get("date")
    return docs, dates


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


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N documents (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats; medians are reported (default: 3)")
    parser.add_argument("--hostile-size", type=int, default=200_000,
                        help="n, in characters, for the hostile inputs (default: 200,000)")
    parser.add_argument("--cli-runs", type=int, default=7, help="fresh CLI processes to time (default: 7)")
    parser.add_argument("--undated", action="store_true",
                        help="judge every article against today's lists, ignoring its date (the CLI's default)")
    args = parse_args(parser, argv, QUICK)
    if args.repeat < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--repeat and --limit must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, load the corpus and print every section."""
    args = options(argv)
    if not CORPUS.exists():
        print(f"SKIPPED: the corpus {CORPUS} is absent (../shared is not beside the project); nothing to measure.")
        return 0

    started = time.perf_counter()
    load_start = time.perf_counter()
    docs, dates = load_corpus(args.limit)
    if args.undated:
        dates.clear()
    load_seconds = time.perf_counter() - load_start
    texts = [text for _, text in docs]
    megabytes = sum(len(text.encode()) for text in texts) / 1e6

    header("Ticker extraction benchmark (python -m bench.extract)", width=9)
    print(f"  corpus:  {CORPUS.relative_to(ROOT.parent)}: {len(docs)} documents, {megabytes:.1f} MB of text"
          + (f" (--limit {args.limit})" if args.limit else "") + f"; loaded in {load_seconds:.1f} s (not timed)")

    section(f"1. Throughput ({args.repeat} interleaved repeats, medians)")
    bench_throughput(texts, megabytes, args.repeat)

    section("2. Verdict status shares (one enrich() pass)")
    rows, with_mentions = collect(docs, dates)
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

    done(started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
