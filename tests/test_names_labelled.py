"""The labelled snippets behind bench/names.py hold together: every span is its text, every listing names a venue
we report, and there are enough names of each kind to measure precision and recall."""

import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

from enrich.domain.venues import VENUES

LABELS = Path(__file__).resolve().parents[1] / "bench" / "data" / "names_labelled.jsonl"
WHY = {"private", "person", "place", "organisation", "product", "ordinary word", "exchange"}
VENUE_LABELS = {venue.label for venue in VENUES.values()}
RECORDS = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
NAMES = [(record["id"], name) for record in RECORDS for name in record["names"]]


def test_every_record_has_its_fields_and_a_short_text():
    assert len({record["id"] for record in RECORDS}) == len(RECORDS)
    for record in RECORDS:
        assert set(record) >= {"id", "source", "path", "date", "text", "names"}, record["id"]
        assert record["source"] in ("newsworthy_pr", "seed"), record["id"]
        assert record["date"] is None if record["source"] == "seed" else re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", record["date"]), record["id"]
        assert 0 < len(record["text"]) <= 700 and record["text"] == record["text"].strip(), record["id"]


def test_every_span_is_the_text_it_labels_and_spans_do_not_overlap():
    for record in RECORDS:
        spans = []
        for name in record["names"]:
            start, end = name["span"]
            assert record["text"][start:end] == name["text"] != "", (record["id"], name)
            spans.append((start, end))
        spans.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(spans)), record["id"]


def test_listed_names_have_a_symbol_and_a_venue_we_report():
    for rid, name in NAMES:
        if name["listed"]:
            assert name["symbol"] and name["exchange"] in VENUE_LABELS, (rid, name)
            assert all(o["symbol"] and o["exchange"] in VENUE_LABELS for o in name.get("also", ())), (rid, name)
            assert "why" not in name, (rid, name)
        else:
            assert name["why"] in WHY and "symbol" not in name, (rid, name)


def test_enough_names_of_each_kind():
    listed = sum(name["listed"] for _, name in NAMES)
    why = Counter(name["why"] for _, name in NAMES if not name["listed"])
    assert listed >= 150
    assert sum(why.values()) >= 40 and why["ordinary word"] >= 15
    assert set(why) == WHY  # every kind of hard negative is there
