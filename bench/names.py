"""Companies without tags (issue 11): precision and recall of `enrich(..., names=True)` over hand-labelled
snippets (bench/data/names_labelled.jsonl), and what naming companies costs: enrich() throughput with names off
and on, and the name index's load in a fresh process.

    python -m bench.names            # the labelled set; throughput over the first 3,000 press releases
    python -m bench.names --quick    # the labelled set; throughput over the first 500

Scoring. A predicted company mention is right when its span overlaps a listed name of the labels and its symbol is
the label's (canonical form, leading zeros of numeric symbols ignored). One whose symbol is another valid listing of
the labelled company (the label's `also`, or a listing whose company name is the company's: Baidu HKEX 9888 for
NASDAQ BIDU)
is "right company, other listing": the strict figures count it as neither right nor found, the lenient ones as both.
Anything else is a false positive, by kind: the `why` of the unlisted label it overlaps, "wrong company" over a
listed label, "unlabelled" over no label.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import CORPUS, ROOT, done, header, median, met, parse_args, read_corpus, section

os.environ.setdefault("ENRICH_MARKET_DATA", "offline")

from config.settings import Settings  # noqa: E402 - after the offline default
from enrich.domain.names import names_match  # noqa: E402
from enrich.domain.symbols import canonical  # noqa: E402
from enrich.domain.venues import VENUES  # noqa: E402
from enrich.service import enrich  # noqa: E402
from enrich.wiring import Services, build_services  # noqa: E402

LABELS = ROOT / "bench" / "data" / "names_labelled.jsonl"
PRECISION_TARGET, RECALL_TARGET, RATIO_TARGET = 0.90, 0.60, 0.5
KINDS = ("ordinary word", "private", "person", "place", "organisation", "product", "exchange", "wrong company",
         "unlabelled")
VENUE_BY_LABEL = {venue.label: key for key, venue in VENUES.items()}
SAMPLE = "Baidu and Tencent partnered with Microsoft (Nasdaq: MSFT) and China Mobile; Huawei did not."


@dataclass
class Tally:
    """Every predicted mention and every listed label, sorted into what they came to."""

    right: list[tuple[str, Any, dict]] = field(default_factory=list)  # (snippet id, mention, label)
    other: list[tuple[str, Any, dict]] = field(default_factory=list)  # right company, other listing
    wrong: list[tuple[str, Any, str, dict | None]] = field(default_factory=list)  # (id, mention, kind, label)
    missed: list[tuple[str, dict]] = field(default_factory=list)  # listed labels no right mention found
    found: int = 0  # listed labels a right mention found
    found_other: int = 0  # listed labels only an other-listing mention found


def same_symbol(a: str, b: str) -> bool:
    """Equal in canonical form, leading zeros of numeric symbols ignored (HKEX 700 and 0700)."""
    x, y = canonical(a), canonical(b)
    return (x.lstrip("0") or "0") == (y.lstrip("0") or "0") if x.isdigit() and y.isdigit() else x == y


def overlaps(a: Sequence[int], b: Sequence[int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def label_names(label: dict, services: Services) -> set[str]:
    """The company's names: the label's own (where today's references can't name its listing) and theirs."""
    symbol, venue = canonical(label["symbol"]), VENUE_BY_LABEL.get(label["exchange"])
    forms = {symbol, symbol.zfill(4), symbol.zfill(6)} if symbol.isdigit() else {symbol}
    names = {label["company"]} if label.get("company") else set()
    for form in forms:
        names |= {x.name for x in services.reference.listings(form) if x.name and x.venue_key == venue}
        if venue and not VENUES[venue].is_us:
            names |= {x.name for x in services.reference.listings_on(form, [venue]) if x.name}
    return names


def same_company(listing: Any, label: dict, services: Services) -> bool:
    """The predicted listing is another listing of the labelled company: one the label names, or one whose company
    name is the company's (the same words once legal forms are dropped: not Mitsubishi Corporation for Mitsubishi
    Motors)."""
    if any(same_symbol(listing.symbol, other["symbol"]) for other in label.get("also", ())):
        return True
    return bool(listing.name) and any(names_match(listing.name, name) == 1.0 for name in label_names(label, services))


def score(record: dict, companies: Sequence[Any], services: Services, tally: Tally) -> None:
    """Sort one snippet's predicted mentions and listed labels into the tally."""
    labels, found, found_other = record["names"], set(), set()
    for mention in companies:
        over = [(k, n) for k, n in enumerate(labels) if overlaps(mention.span, n["span"])]
        listed = [(k, n) for k, n in over if n["listed"]]
        right = next(((k, n) for k, n in listed if same_symbol(mention.listing.symbol, n["symbol"])), None)
        other = right or next(((k, n) for k, n in listed if same_company(mention.listing, n, services)), None)
        if right:
            tally.right.append((record["id"], mention, right[1]))
            found.add(right[0])
        elif other:
            tally.other.append((record["id"], mention, other[1]))
            found_other.add(other[0])
        elif listed:
            tally.wrong.append((record["id"], mention, "wrong company", listed[0][1]))
        else:
            label = over[0][1] if over else None
            tally.wrong.append((record["id"], mention, label["why"] if label else "unlabelled", label))
    for k, label in enumerate(labels):
        if label["listed"] and k not in found:
            tally.missed.append((record["id"], label))
    tally.found += len(found)
    tally.found_other += len(found_other - found)


def shown(mention: Any) -> str:
    listing = mention.listing
    return (f"\"{mention.text}\" [{mention.span[0]}:{mention.span[1]}] -> {listing.symbol}@{listing.exchange} "
            f"({listing.name}){' tagged' if mention.tagged else ''}")


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "undefined"


def accuracy(records: Sequence[dict], services: Services) -> None:
    """Section 1: precision, recall, false positives by kind, and every false positive and miss."""
    tally = Tally()
    for record in records:  # at the snippet's date, as the labels are: a tag's verdict then, not today
        companies = enrich(record["text"], services, as_of=record["date"], prices=False, names=True).companies or []
        score(record, companies, services, tally)
    positives = sum(n["listed"] for r in records for n in r["names"])
    negatives = Counter(n["why"] for r in records for n in r["names"] if not n["listed"])
    predicted = len(tally.right) + len(tally.other) + len(tally.wrong)
    tagged = sum(m.tagged for _, m, _ in tally.right)
    print(f"  {len(records)} snippets, {positives} listed names, {sum(negatives.values())} unlisted: "
          + ", ".join(f"{k} {v}" for k, v in negatives.most_common()))
    print(f"  predicted {predicted}: right {len(tally.right)} ({tagged} tagged), right company other listing "
          f"{len(tally.other)}, false positives {len(tally.wrong)}")
    p_strict, p_lenient = ratio(len(tally.right), predicted), ratio(len(tally.right) + len(tally.other), predicted)
    r_strict, r_lenient = ratio(tally.found, positives), ratio(tally.found + tally.found_other, positives)
    ordinary = sum(kind == "ordinary word" for _, _, kind, _ in tally.wrong)
    p_ok = f"{met(len(tally.right) / predicted >= PRECISION_TARGET)}" if predicted else "undefined"
    print(f"  precision {p_strict} (lenient {p_lenient}); target >= {PRECISION_TARGET:.2f}: {p_ok}")
    print(f"  recall    {r_strict} (lenient {r_lenient}); target >= {RECALL_TARGET:.2f}: "
          f"{met(tally.found / max(positives, 1) >= RECALL_TARGET)}")
    print(f"  links on ordinary words: {ordinary} of {negatives['ordinary word']}; target 0: {met(ordinary == 0)}")
    print("  (lenient: a right company with another listing counts as right and found)")
    kinds = Counter(kind for _, _, kind, _ in tally.wrong)
    print("\n  false positives by kind:  " + ", ".join(
        f"{kind} {kinds[kind]}" + (f"/{negatives[kind]}" if kind in negatives else "") for kind in KINDS))
    print(f"\n  false positives ({len(tally.wrong)}):")
    for rid, mention, kind, label in tally.wrong:
        over = "" if label is None else f" over \"{label['text']}\"" + (
            f" = {label['symbol']}@{label['exchange']}" if label["listed"] else "")
        print(f"    {rid}: {shown(mention)} | {kind}{over}")
    print(f"\n  right company, other listing ({len(tally.other)}):")
    for rid, mention, label in tally.other:
        print(f"    {rid}: {shown(mention)} | labelled {label['symbol']}@{label['exchange']}")
    print(f"\n  missed ({len(tally.missed)} listed names no right mention found):")
    for rid, label in tally.missed:
        print(f"    {rid}: \"{label['text']}\" [{label['span'][0]}:{label['span'][1]}] "
              f"{label['symbol']}@{label['exchange']}")


def time_pass(texts: Sequence[str], services: Services, names: bool) -> tuple[float, int, int]:
    """Seconds for one enrich() pass over `texts`; the tags it found and the companies it named."""
    started, tags, companies = time.perf_counter(), 0, 0
    for text in texts:
        enrichment = enrich(text, services, prices=False, names=names)
        tags += len(enrichment.mentions)
        companies += len(enrichment.companies or ())
    return time.perf_counter() - started, tags, companies


def throughput(limit: int, repeats: int, services: Services) -> None:
    """Section 2: enrich() MB/s with names off and on, interleaved repeats after one warm pass of each."""
    every = list(read_corpus())
    step = max(1, len(every) // limit)  # spread over the archive: its first releases come from one wire, untagged
    texts = [doc["text"] or "" for doc in every[::step][:limit]]
    megabytes = sum(len(text.encode()) for text in texts) / 1e6
    print(f"  {len(texts)} press releases (every {step}th of the archive), {megabytes:.1f} MB; {repeats} interleaved "
          "repeats (off, on) after one "
          "warm pass of each, prices off")
    try:
        _, tags, _ = time_pass(texts, services, False)
        _, _, companies = time_pass(texts, services, True)
    except Exception as exc:  # the linker is work in progress: report, don't stop the other sections
        print(f"  names on failed: {type(exc).__name__}: {exc}")
        return
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for names in (False, True):
            times[names].append(time_pass(texts, services, names)[0])
    off, on = median(times[False]), median(times[True])
    print(f"  names off: median {off:.2f} s, {megabytes / off:.2f} MB/s; {tags} tags")
    print(f"  names on:  median {on:.2f} s, {megabytes / on:.2f} MB/s; {companies} companies named")
    print(f"  speed on/off {off / on:.2f}x (target >= {RATIO_TARGET}x: {met(off / on >= RATIO_TARGET)})")


_LOAD = """
import json, resource, time
def rss_mb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from enrich.wiring import build_services
services = build_services()
now0, peak0, t0 = rss_mb(), peak_mb(), time.perf_counter()
try:
    index = services.names()
    hits, error = len(list(index.find(%r))), None
except Exception as exc:
    hits, error = 0, f"{type(exc).__name__}: {exc}"
print(json.dumps({"seconds": time.perf_counter() - t0, "now0": now0, "now1": rss_mb(), "peak0": peak0,
                  "peak1": peak_mb(), "hits": hits, "error": error}))
"""


def index_load(runs: int) -> None:
    """Section 3: services.names() plus one find() in fresh processes, after build_services(): time and RSS."""
    from bench.extract_costs import run_children

    results, _ = run_children([sys.executable, "-c", _LOAD % SAMPLE], runs)
    reports = [json.loads(out) for _, _, code, out in results if code == 0 and out.strip()]
    if not reports:
        print(f"  the child failed in every run (exit codes {[code for _, _, code, _ in results]})")
        return
    if reports[0]["error"]:
        print(f"  the name index failed: {reports[0]['error']}")
        return
    print(f"  {len(reports)} fresh processes: load + one find {median([r['seconds'] for r in reports]) * 1000:.0f} ms "
          f"(median), {reports[0]['hits']} hits in a {len(SAMPLE)}-character sample")
    print(f"  RSS growth {median([r['now1'] - r['now0'] for r in reports]):.1f} MB; peak RSS (ru_maxrss) "
          f"{median([r['peak0'] for r in reports]):.0f} -> {median([r['peak1'] for r in reports]):.0f} MB")


def read_labels(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, default=LABELS, help="the labelled snippets (JSONL)")
    parser.add_argument("--limit", type=int, default=3000, help="press releases for the throughput section")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing repeats (medians)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes for the index load")
    args = parse_args(parser, argv, {"limit": 500, "runs": 1})
    started = time.perf_counter()
    header("Companies without tags: precision, recall and costs (python -m bench.names)")
    records = read_labels(args.labels)
    services = build_services(Settings.from_env(os.environ))
    services.reference.warm()
    section(f"1. Precision and recall over {args.labels.name}")
    accuracy(records, services)
    section("2. enrich() throughput, names off and on")
    if CORPUS.exists():
        throughput(args.limit, args.repeats, services)
    else:
        print(f"  SKIPPED: {CORPUS} is absent")
    section("3. The name index's load (fresh processes)")
    index_load(args.runs)
    done(started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
