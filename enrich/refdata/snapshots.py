"""Reading the bundled TSV files and MANIFEST, and finding renames across SEC snapshots (stdlib only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enrich.domain.reference import Rename
from enrich.domain.symbols import canonical

SEC_SOURCE = "sec-company-tickers"
SEC_FILE = "sec_company_tickers.tsv"
SEC_COLUMNS = ("cik", "ticker", "exchange", "name")
# The SEC's exchange label -> (venue key, family_only). "NYSE" covers NYSE, NYSE American and NYSE Arca.
SEC_VENUES = {"Nasdaq": ("NASDAQ", False), "NYSE": ("NYSE", True), "CBOE": ("CBOE", False), "OTC": ("OTC", False)}
_SNAPSHOT = re.compile(r"^sec-(\d{4}-\d{2}-\d{2})\.tsv$")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One SEC company-tickers list: its as-of date and where it lives."""

    as_of: str
    path: Path
    sha256: str | None = None  # known for the bundled file (from MANIFEST), not for refreshed snapshots


def read_manifest(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The `files` table of data_dir/MANIFEST.json; ValueError/OSError when absent or malformed."""
    doc = json.loads((data_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        raise ValueError(f"{data_dir / 'MANIFEST.json'}: no `files` table")
    return files


def read_lines(path: Path, columns: tuple[str, ...], sha256: str | None = None) -> list[str]:
    """The lines of a UTF-8 TSV file whose header is `columns`, checked against `sha256` when known."""
    data = path.read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{path}: sha256 differs from MANIFEST.json (edited or corrupt? run scripts/build_refdata.py)")
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 ({exc})") from None
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or tuple(lines[0].split("\t")) != columns:
        raise ValueError(f"{path}: header is not {'/'.join(columns)}")
    return lines


def read_column(path: Path, column: str, sha256: str | None = None) -> list[str]:
    """The values of a one-column file with a header line (no per-line split: 55,000 lines load in ~3 ms)."""
    values = read_lines(path, (column,), sha256)[1:]
    if "\t" in "".join(values):
        raise ValueError(f"{path}: a line has more than one field")
    return values


def read_rows(path: Path, columns: tuple[str, ...], sha256: str | None = None) -> list[list[str]]:
    """The rows of a TSV file with the given header, checked against `sha256` when known."""
    lines = read_lines(path, columns, sha256)
    width = len(columns)
    rows = [line.split("\t") for line in lines[1:]]
    for number, row in enumerate(rows, start=2):
        if len(row) != width:
            raise ValueError(f"{path}:{number}: {len(row)} fields, expected {width}")
    return rows


def find_snapshots(bundled: Snapshot, snapshot_dir: Path | None) -> list[Snapshot]:
    """The bundled SEC list and every `sec-YYYY-MM-DD.tsv` in snapshot_dir, oldest first; a snapshot wins a tie."""
    by_date = {bundled.as_of: bundled}
    if snapshot_dir is not None and snapshot_dir.is_dir():
        for path in snapshot_dir.iterdir():
            match = _SNAPSHOT.match(path.name)
            if match:
                dt.date.fromisoformat(match.group(1))  # ValueError for sec-2026-13-45.tsv
                by_date[match.group(1)] = Snapshot(match.group(1), path)
    return [by_date[d] for d in sorted(by_date)]


def read_sec(snapshot: Snapshot) -> list[list[str]]:
    """The (cik, ticker, exchange, name) rows of one SEC snapshot."""
    return read_rows(snapshot.path, SEC_COLUMNS, snapshot.sha256)


def find_renames(snapshots: list[Snapshot]) -> dict[str, list[Rename]]:
    """Renames by old canonical symbol: a CIK that lost exactly one ticker and gained exactly one between snapshots."""
    renames: dict[str, list[Rename]] = {}
    if len(snapshots) < 2:
        return renames
    previous: dict[str, set[str]] | None = None
    previous_as_of = ""
    for snapshot in snapshots:
        rows = read_sec(snapshot)
        tickers: dict[str, set[str]] = {}
        details: dict[str, tuple[str, str]] = {}
        for cik, ticker, exchange, name in rows:
            symbol = canonical(ticker)
            tickers.setdefault(cik, set()).add(symbol)
            details[symbol] = (exchange, name)
        if previous is not None:
            for cik, now in tickers.items():
                before = previous.get(cik)
                if not before:
                    continue
                lost, gained = before - now, now - before
                if len(lost) == 1 and len(gained) == 1:
                    old, new = next(iter(lost)), next(iter(gained))
                    exchange, name = details[new]
                    venue = SEC_VENUES.get(exchange, (None, False))[0]
                    renames.setdefault(old, []).append(
                        Rename(old, new, venue, name or None, previous_as_of, snapshot.as_of, SEC_SOURCE))
        previous, previous_as_of = tickers, snapshot.as_of
    return renames
