"""Sections 2 and 3 of bench/extract.py: verdict status shares, every correction to a file, samples to judge."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.common import clip, one_line

STATUSES = ("valid", "corrected", "unverified", "unknown", "ambiguous")
CONTEXT_BEFORE, CONTEXT_AFTER = 60, 40

Row = tuple[str, str, Any]  # (doc path, text, mention)


def context(text: str, span: tuple[int, int]) -> str:
    """About 100 characters around `span`, on one line."""
    start, end = span
    lo, hi = max(0, start - CONTEXT_BEFORE), min(len(text), end + CONTEXT_AFTER)
    return ("…" if lo else "") + one_line(text[lo:hi]) + ("…" if hi < len(text) else "")


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


def collect(docs: list[tuple[str, str]], dates: Mapping[str, str | None]) -> tuple[list[Row], int]:
    """One enrich() pass over the corpus with each article's date: (doc, text, mention) rows; docs with a mention."""
    from enrich.service import enrich
    from enrich.wiring import build_services

    services = build_services()
    rows: list[Row] = []
    with_mentions = 0
    for doc, text in docs:
        # As a batch user would send it: the article's own date, so verdicts use the list nearest that date.
        mentions = enrich(text, services, as_of=dates.get(doc), prices=False).mentions
        with_mentions += bool(mentions)
        rows.extend((doc, text, m) for m in mentions)
    return rows, with_mentions


def print_shares(rows: list[Row], docs: int, with_mentions: int) -> None:
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
    print_venues(rows)
    top = Counter(describe(m) for _, _, m in rows).most_common(5)
    print()
    print("  Most repeated claims: " + "; ".join(f"{claim} ×{n}" for claim, n in top))


def print_venues(rows: list[Row]) -> None:
    """The 15 most claimed venues, with their mentions by status."""
    print("  Top 15 claimed venues by mentions:")
    venues = Counter(m.tag.venue_key for _, _, m in rows)
    labels = {m.tag.venue_key: m.claimed_exchange for _, _, m in rows}
    per = {key: Counter(m.verdict.status for _, _, m in rows if m.tag.venue_key == key) for key in venues}
    print(f"  {'venue key':16} {'label':22} {'mentions':>9}  " + " ".join(f"{s:>10}" for s in STATUSES))
    for key, count in venues.most_common(15):
        print(f"  {key:16} {clip(labels[key], 22):22} {count:9}  " + " ".join(f"{per[key].get(s, 0):10}"
                                                                               for s in STATUSES))


def write_corrections(rows: list[Row], path: Path) -> int:
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


def print_sample(rows: list[Row], status: str, size: int) -> None:
    """A deterministic random sample (random.Random(7)) of distinct claims with `status`, one per line."""
    first: dict[tuple[Any, ...], Row] = {}
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
