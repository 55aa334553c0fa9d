"""Reading the bundled TSV files and MANIFEST, and finding renames across SEC snapshots (stdlib only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enrich.domain.reference import Rename
from enrich.domain.sources import SEC as SEC_SOURCE  # one spelling of the id, re-exported
from enrich.domain.symbols import canonical

SEC_FILE = "sec_company_tickers.tsv"
SEC_COLUMNS = ("cik", "ticker", "exchange", "name")
HISTORY_DIR = "history"  # data_dir/history/sec-YYYY-MM-DD.tsv: older SEC lists bundled with their MANIFEST entries
# Where a snapshot came from, as `info()` reports it.
BUNDLED, BUNDLED_HISTORY, REFRESHED = "bundled", "bundled history", "snapshot_dir"
# The SEC's exchange label -> (venue key, family_only). "NYSE" covers NYSE, NYSE American and NYSE Arca.
SEC_VENUES = {"Nasdaq": ("NASDAQ", False), "NYSE": ("NYSE", True), "CBOE": ("CBOE", False), "OTC": ("OTC", False)}
_SNAPSHOT = re.compile(r"^sec-(\d{4}-\d{2}-\d{2})\.tsv$")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One SEC company-tickers list: its as-of date and where it lives."""

    as_of: str
    path: Path
    sha256: str | None = None  # known for bundled files (from MANIFEST), not for refreshed snapshots
    origin: str = REFRESHED  # BUNDLED, BUNDLED_HISTORY or REFRESHED


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


def bundled_history(data_dir: Path, manifest: dict[str, dict[str, Any]]) -> list[Snapshot]:
    """The SEC lists in data_dir/history/ with their MANIFEST sha256 (checked when read); files are not opened.

    Every `history/sec-YYYY-MM-DD.tsv` entry of MANIFEST.json must exist, dated as its name says, and every such
    file in the folder must have an entry: ValueError otherwise.
    """
    found: list[Snapshot] = []
    prefix = f"{HISTORY_DIR}/"
    for name, entry in manifest.items():
        if not name.startswith(prefix):
            continue
        match = _SNAPSHOT.match(name[len(prefix):])
        if match is None:
            raise ValueError(f"{data_dir}/MANIFEST.json: {name} is not named {prefix}sec-YYYY-MM-DD.tsv")
        as_of = match.group(1)
        dt.date.fromisoformat(as_of)
        if entry.get("as_of") != as_of or not entry.get("sha256"):
            raise ValueError(f"{data_dir}/MANIFEST.json: entry for {name} lacks sha256 or has as_of other than {as_of}")
        path = data_dir / name
        if not path.is_file():
            raise ValueError(f"{path}: missing")
        found.append(Snapshot(as_of, path, entry["sha256"], BUNDLED_HISTORY))
    folder = data_dir / HISTORY_DIR
    if folder.is_dir():
        unlisted = sorted(p.name for p in folder.iterdir() if _SNAPSHOT.match(p.name) and
                          f"{prefix}{p.name}" not in manifest)
        if unlisted:
            raise ValueError(f"{folder}: {', '.join(unlisted)} not in MANIFEST.json (run scripts/build_refdata.py)")
    return found


def find_snapshots(bundled: list[Snapshot], snapshot_dir: Path | None) -> list[Snapshot]:
    """The bundled SEC lists and every `sec-YYYY-MM-DD.tsv` in snapshot_dir, oldest first.

    Of two bundled lists with one date the later in `bundled` wins; a snapshot in snapshot_dir wins over both.
    """
    by_date = {b.as_of: b for b in bundled}
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


def sec_lines(snapshot: Snapshot) -> list[str]:
    """The data lines of one SEC snapshot, unsplit (checked like `read_sec`: sha256, header, four fields a line)."""
    lines = read_lines(snapshot.path, SEC_COLUMNS, snapshot.sha256)[1:]
    tabs = len(SEC_COLUMNS) - 1
    if set(map(str.count, lines, itertools.repeat("\t"))) - {tabs}:
        for number, line in enumerate(lines, start=2):
            fields = line.count("\t") + 1
            if fields != tabs + 1:
                raise ValueError(f"{snapshot.path}:{number}: {fields} fields, expected {tabs + 1}")
    return lines


def sec_changes(snapshots: list[Snapshot]) -> Iterator[tuple[list[str], list[str], set[str]]]:
    """Per snapshot, oldest first: (its lines, the lines not in the one before, in file order; the lines gone).

    Consecutive SEC lists share almost every line, so comparing them line by line touches only what changed.
    """
    previous: set[str] = set()
    for snapshot in snapshots:
        lines = sec_lines(snapshot)
        current = set(lines)
        added = [line for line in lines if line not in previous] if previous else lines
        yield lines, added, previous - current
        previous = current


def find_renames(snapshots: list[Snapshot]) -> dict[str, list[Rename]]:
    """Renames by old canonical symbol: a CIK that lost exactly one ticker and gained exactly one between snapshots.

    Only CIKs with a changed line are compared (the others hold the same tickers); the new ticker's exchange and
    name are those of the CIK's own line.
    """
    renames: dict[str, list[Rename]] = {}
    if len(snapshots) < 2:
        return renames
    previous_lines: list[str] = []
    for at, (lines, added, gone) in enumerate(sec_changes(snapshots)):
        if at:
            ciks = {line.partition("\t")[0] for line in itertools.chain(added, gone)}
            before, now = _tickers_by_cik(previous_lines, ciks), _tickers_by_cik(lines, ciks)
            seen_old, seen_new = snapshots[at - 1].as_of, snapshots[at].as_of
            for cik, held in now.items():
                had = before.get(cik)
                if not had:
                    continue
                lost, gained = had.keys() - held.keys(), held.keys() - had.keys()
                if len(lost) == 1 and len(gained) == 1:
                    old, new = next(iter(lost)), next(iter(gained))
                    exchange, name = held[new]
                    venue = SEC_VENUES.get(exchange, (None, False))[0]
                    renames.setdefault(old, []).append(
                        Rename(old, new, venue, name or None, seen_old, seen_new, SEC_SOURCE))
        previous_lines = lines
    return renames


def _tickers_by_cik(lines: list[str], ciks: set[str]) -> dict[str, dict[str, tuple[str, str]]]:
    """For the CIKs in `ciks`, in order of first line: canonical symbol -> (exchange, name) of its lines."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for line in lines:
        cik, _, rest = line.partition("\t")
        if cik in ciks:
            ticker, exchange, name = rest.split("\t")
            found.setdefault(cik, {})[canonical(ticker)] = (exchange, name)
    return found
