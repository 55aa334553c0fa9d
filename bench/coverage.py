"""Coverage: the share of tags settled offline at each release's date, by claimed venue, with and without the
reference files built from the shared raw copies (issue 10), in one run; samples to read by hand; the costs.

    python -m bench.coverage            # the whole archive (24,676 releases)
    python -m bench.coverage --quick    # the first 4,000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import ROOT, header, median, met, parse_args, read_corpus, section
from bench.extract_costs import run_children

os.environ.setdefault("ENRICH_MARKET_DATA", "offline")

from config.settings import Settings  # noqa: E402 - after the offline default
from enrich.refdata.index import DATA_DIR, load_index  # noqa: E402
from enrich.service import enrich  # noqa: E402
from enrich.wiring import build_services  # noqa: E402

TARGETS = {"ALL": 0.85, "NASDAQ": 0.97, "NYSE": 0.97, "NYSE_AMERICAN": 0.97, "OTC": 0.90, "TSX": 0.80, "ASX": 0.70,
           "TSXV": 0.55, "LSE": 0.55}
SHOWN = ("NASDAQ", "OTC", "NYSE", "CSE", "NYSE_AMERICAN", "TSXV", "FWB", "TSX", "CBOE_CA", "ASX", "LSE")
RAW_MARK = "--raw"
Row = tuple[str, str, Any]  # (date, text, mention)


def baseline_dir(into: Path) -> Path:
    """A copy of the bundled data without the raw-derived files: the references as they were before."""
    manifest = json.loads((DATA_DIR / "MANIFEST.json").read_text(encoding="utf-8"))
    kept = {n: e for n, e in manifest["files"].items() if RAW_MARK not in str(e.get("command", ""))}
    for name in kept:
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA_DIR / name, into / name)
    (into / "MANIFEST.json").write_text(json.dumps({**manifest, "files": kept}), encoding="utf-8")
    return into


def judge_all(docs: Sequence[dict[str, Any]], data_dir: Path | None) -> tuple[list[Row], float]:
    """Every mention of the corpus with its verdict at the release's date; seconds spent in enrich()."""
    # A fresh index each pass: the verdict memo is per index, so every pass starts cold.
    services = dataclasses.replace(build_services(Settings.from_env(os.environ)),
                                   reference=load_index(data_dir or DATA_DIR))
    services.reference.warm()  # throughput, not first-use loading (measured in section 4)
    rows: list[Row] = []
    started = time.perf_counter()
    for doc in docs:
        for mention in enrich(doc["text"] or "", services, as_of=doc["date"], prices=False).mentions:
            rows.append((doc["date"], doc["text"], mention))
    return rows, time.perf_counter() - started


def settled(rows: Sequence[Row], venue: str | None = None) -> tuple[int, float]:
    mine = [m for _, _, m in rows if venue is None or m.tag.venue_key == venue]
    done = sum(m.verdict.status in ("valid", "corrected") for m in mine)
    return len(mine), done / max(len(mine), 1)


def print_table(now: Sequence[Row], before: Sequence[Row]) -> None:
    print(f"  {'claimed venue':16} {'tags':>6} {'before':>8} {'now':>8} {'target':>8}")
    venues = Counter(m.tag.venue_key for _, _, m in now)
    for venue in ("ALL", *SHOWN, *[v for v, _ in venues.most_common() if v not in SHOWN][:8]):
        key = None if venue == "ALL" else venue
        n, share = settled(now, key)
        _, old = settled(before, key)
        target = TARGETS.get(venue)
        verdict = f"{target:.2f} {met(share >= target)}" if target else ""
        print(f"  {venue:16} {n:6} {old:8.3f} {share:8.3f} {verdict:>8}")
    statuses = Counter(m.verdict.status for _, _, m in now)
    print(f"  statuses now: {dict(statuses)}")


def samples(now: Sequence[Row], before: Sequence[Row], size: int) -> None:
    """Newly settled claims (distinct venue, symbol, company, year) to read by hand, in four kinds."""
    was = {(d, m.tag.span, m.tag.symbol): m.verdict.status for d, _, m in before}
    kinds: dict[str, dict[tuple, Row]] = {"non-US": {}, "OTC": {}, "dated US": {}, "corrections": {}}
    for row in now:
        date, _, m = row
        if m.verdict.status not in ("valid", "corrected") or was.get((date, m.tag.span, m.tag.symbol)) in (
                "valid", "corrected"):
            continue
        key = (m.tag.venue_key, m.tag.symbol, m.tag.company, date[:4])
        if m.verdict.status == "corrected":
            kinds["corrections"].setdefault(key, row)
        elif m.tag.venue_key == "OTC":
            kinds["OTC"].setdefault(key, row)
        elif m.claimed_mic and not m.tag.venue_key.startswith(("NASDAQ", "NYSE", "CBOE", "IEX")):
            kinds["non-US"].setdefault(key, row)
        else:
            kinds["dated US"].setdefault(key, row)
    pick = random.Random(7)
    for kind, rows in kinds.items():
        chosen = pick.sample(sorted(rows, key=str), min(size, len(rows)))
        print(f"\n  {kind}: {len(chosen)} of {len(rows)} newly settled distinct claims")
        for key in chosen:
            date, _, m = rows[key]
            v = m.verdict
            res = f"{v.resolved.symbol}@{v.resolved.exchange}" if v.resolved else "-"
            why = "; ".join(f"{c.field} {c.old}->{c.new}" for c in v.corrections) or (
                v.evidence[-1].finding if v.evidence else "")
            print(f"    {date} {m.claimed_exchange}: {m.tag.symbol} ({m.tag.company}) -> {v.status} {res} "
                  f"{v.confidence:.2f} | {why[:150]}")


def costs(runs: int) -> None:
    """`python -m enrich text` on a short article and build_services() in fresh processes (from a small launcher,
    so a child's peak RSS is its own), offline."""
    article = ROOT / "examples" / "article.txt"
    results, _ = run_children([sys.executable, "-m", "enrich", "text", str(article)], runs)
    wall, peak = [r[0] for r in results], [r[1] for r in results]
    print(f"  enrich text (short article): median {median(wall):.2f} s, peak RSS median {median(peak):.0f} MB "
          f"(targets < 0.5 s {met(median(wall) < 0.5)}, < 80 MB {met(median(peak) < 80)})")
    code = ("import time,resource;t=time.perf_counter();from enrich.wiring import build_services;build_services();"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    results, _ = run_children([sys.executable, "-c", code], runs)
    out = [r[3].split() for r in results]
    print(f"  build_services(): median {median([float(o[0]) * 1000 for o in out]):.0f} ms, "
          f"peak RSS {median([float(o[1]) for o in out]):.0f} MB (the whole process)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N releases")
    parser.add_argument("--sample", type=int, default=10, help="claims to print per kind")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes for the cost section")
    args = parse_args(parser, argv, {"limit": 4000, "runs": 3})
    started = time.perf_counter()
    header("Coverage offline at each release's date (python -m bench.coverage)")
    docs = list(read_corpus(args.limit))
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_dir(Path(tmp))
        before, t_before = judge_all(docs, base)
        now, t_now = judge_all(docs, None)
        before2, t_before2 = judge_all(docs, base)
        now2, t_now2 = judge_all(docs, None)
    section(f"1. Settled share ({len(docs)} releases, {len(now)} tags; before = without the raw-derived files)")
    print_table(now, before)
    section("2. enrich() time over the same releases (two interleaved passes each)")
    old, new = median([t_before, t_before2]), median([t_now, t_now2])
    ratio = new / old
    print(f"  before {old:.2f} s, now {new:.2f} s: ratio now/before {ratio:.2f} (target <= 1.10 {met(ratio <= 1.1)})")
    section("3. Newly settled claims to read by hand")
    samples(now, before, args.sample)
    section("4. Costs")
    costs(args.runs)
    print(f"\nDone in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
