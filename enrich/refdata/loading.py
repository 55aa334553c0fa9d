"""Reading the bundled reference files: manifest checks, the newest SEC list, pytickersymbols, CUSIP tickers,
what `info()` reports per source, and the runs of listings across older SEC lists."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from enrich.domain.model import Listing
from enrich.domain.sources import CUSIP, FINANCEDATABASE, MIC, NAME_INDEX, PYTS, US_HISTORY
from enrich.domain.symbols import canonical
from enrich.domain.venues import VENUES
from enrich.refdata import snapshots as snap
from enrich.refdata.files import NAMES_FILE, NONUS_DIR, US_CHANGES_FILE, US_FILE
from enrich.refdata.snapshots import SEC_SOURCE, SEC_VENUES

CUSIP_SOURCE, PYTS_SOURCE, MIC_SOURCE = CUSIP, PYTS, MIC
CUSIP_FILE, PYTS_FILE, MIC_FILE = "cusip_tickers.txt", "pytickersymbols.tsv", "iso10383_mic.tsv"
PYTS_COLUMNS = ("symbol", "venue_key", "family_only", "name", "isins", "currency", "yahoo", "google")
MIC_COLUMNS = ("mic", "operating_mic", "oprt_sgmt", "market_name", "acronym", "country", "city", "category",
               "status", "creation_date", "last_update_date")
Row = tuple[str, str, str | None, bool]  # venue_key, source, name, family_only
Run = tuple[int, int, Listing]  # a listing present in older snapshots first..last (indexes, oldest first)


class Parts(NamedTuple):
    """What the files give a ReferenceIndex, in the order its constructor takes them after data_dir."""

    manifest: dict[str, dict[str, Any]]
    sec: list[snap.Snapshot]
    rows: dict[str, list[Row]]
    cusip: frozenset[str]
    sources: dict[str, dict[str, Any]]
    coverage: set[tuple[str, str, bool]]


def _sec_key(path: Path, ticker: str, exchange: str, name: str) -> tuple[str, str, str, bool] | None:
    """(canonical symbol, venue key, name, family_only) for one SEC row, None without an exchange (as `load_parts`)."""
    venue = SEC_VENUES.get(exchange)
    if venue is None:
        if exchange:
            raise ValueError(f"{path}: unknown exchange {exchange!r} for {ticker}")
        return None  # no exchange: an SEC registrant whose listing the SEC does not name
    return canonical(ticker), venue[0], name, venue[1]


def history_runs(snapshots: list[snap.Snapshot]) -> dict[str, tuple[Run, ...]]:
    """Per canonical symbol, its SEC listings in `snapshots` (oldest first) as runs of consecutive snapshots.

    Runs, not one entry per snapshot: a year of daily snapshots costs memory for changes only, and one Listing
    object serves every snapshot in a run. Only the lines that change between consecutive lists are looked at:
    a listing's run goes on while any line gives it, and ends the list before the last such line is gone.
    """
    count: dict[tuple[str, str, str, bool], int] = {}  # key -> lines giving it in the current list
    latest: dict[tuple[str, str, str, bool], list[Any]] = {}  # key -> its latest run [first, last, Listing]
    by_symbol: dict[str, list[list[Any]]] = {}
    for at, (_lines, added, gone) in enumerate(snap.sec_changes(snapshots)):
        path = snapshots[at].path
        ended = set()
        for line in gone:
            key = _sec_key(path, *line.split("\t")[1:])
            if key is not None:
                count[key] -= 1
                if not count[key]:
                    ended.add(key)
        for line in added:
            key = _sec_key(path, *line.split("\t")[1:])
            if key is None:
                continue
            count[key] = count.get(key, 0) + 1
            if count[key] > 1:
                continue
            if key in ended:
                ended.discard(key)  # another line gives the same listing: the run goes on
                continue
            run = latest.get(key)
            listing = run[2] if run is not None else Listing(key[0], key[1], SEC_SOURCE, key[2] or None, None, key[3])
            latest[key] = run = [at, None, listing]
            by_symbol.setdefault(key[0], []).append(run)
        for key in ended:
            latest[key][1] = at - 1
    for run in latest.values():
        if run[1] is None:
            run[1] = len(snapshots) - 1
    return {symbol: tuple((r[0], r[1], r[2]) for r in runs) for symbol, runs in by_symbol.items()}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No collector passes meanwhile: reading ~100k short-lived strings and lists, they would add a third."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _source_info(entry: dict[str, Any], file: Path, rows: int | None = None) -> dict[str, Any]:
    """What `info()` reports for one source."""
    return {
        "as_of": entry["as_of"], "as_of_kind": entry.get("as_of_kind"), "rows": entry["rows"] if rows is None else rows,
        "licence": entry["licence"], "file": str(file),
    }


def _raw_sources(data_dir: Path, manifest: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What `info()` reports for the US listing history, FinanceDatabase's per-venue tables and the name index,
    when bundled."""
    found: dict[str, dict[str, Any]] = {}
    if US_FILE in manifest:
        info = _source_info(manifest[US_FILE], data_dir / US_FILE)
        if US_CHANGES_FILE in manifest:
            info["changes"] = manifest[US_CHANGES_FILE]["rows"]
        found[US_HISTORY] = info
    tables = {name: entry for name, entry in manifest.items() if name.startswith(f"{NONUS_DIR}/")}
    if tables:
        first = next(iter(tables.values()))
        info = _source_info(first, data_dir / NONUS_DIR, sum(e["rows"] for e in tables.values()))
        info["venues"] = sorted(e.get("venue", n) for n, e in tables.items())
        found[FINANCEDATABASE] = info
    if NAMES_FILE in manifest:  # read only when names are asked for (enrich/refdata/names.py)
        found[NAME_INDEX] = _source_info(manifest[NAMES_FILE], data_dir / NAMES_FILE)
    return found


def load_parts(data_dir: Path, snapshot_dir: Path | None) -> Parts:
    """Read the newest SEC list, the CUSIP tickers and pytickersymbols into the parts of a ReferenceIndex."""
    manifest = snap.read_manifest(data_dir)
    for name in (snap.SEC_FILE, CUSIP_FILE, PYTS_FILE, MIC_FILE):
        if name not in manifest:
            raise ValueError(f"{data_dir}: {name} not in MANIFEST.json")
        missing = [key for key in ("as_of", "licence", "rows", "sha256") if key not in manifest[name]]
        if missing:
            raise ValueError(f"{data_dir}/MANIFEST.json: entry for {name} lacks {', '.join(missing)}")
        if not (data_dir / name).is_file():
            raise ValueError(f"{data_dir / name}: missing")
    sec_entry = manifest[snap.SEC_FILE]
    bundled = snap.Snapshot(sec_entry["as_of"], data_dir / snap.SEC_FILE, sec_entry["sha256"], snap.BUNDLED)
    # Older lists: bundled history (sha256 checked when first read, by renamed/history), then refreshed snapshots.
    sec_snapshots = snap.find_snapshots([*snap.bundled_history(data_dir, manifest), bundled], snapshot_dir)
    newest = sec_snapshots[-1]
    sec_rows = snap.read_sec(newest)

    by_symbol: dict[str, list[Row]] = {}
    seen: set[tuple[str, str, str, str, bool]] = set()
    coverage: set[tuple[str, str, bool]] = set()
    for _cik, ticker, exchange, name in sec_rows:
        venue = SEC_VENUES.get(exchange)
        if venue is None:
            if exchange:
                raise ValueError(f"{newest.path}: unknown exchange {exchange!r} for {ticker}")
            continue  # no exchange: an SEC registrant whose listing the SEC does not name
        key = (canonical(ticker), venue[0], SEC_SOURCE, name, venue[1])
        if key not in seen:
            seen.add(key)
            by_symbol.setdefault(key[0], []).append((venue[0], SEC_SOURCE, name or None, venue[1]))
    coverage.update((SEC_SOURCE, venue, family) for venue, family in {SEC_VENUES[r[2]] for r in sec_rows if r[2]})
    pyts = snap.read_rows(data_dir / PYTS_FILE, PYTS_COLUMNS, manifest[PYTS_FILE]["sha256"])
    for symbol, venue_key, family, name, *_ in pyts:
        if venue_key not in VENUES:
            raise ValueError(f"{data_dir / PYTS_FILE}: unknown venue {venue_key!r} for {symbol}")
        key = (canonical(symbol), venue_key, PYTS_SOURCE, name, family == "1")
        if key not in seen:
            seen.add(key)
            coverage.add((PYTS_SOURCE, venue_key, key[4]))
            by_symbol.setdefault(key[0], []).append((venue_key, PYTS_SOURCE, name or None, key[4]))
    cusip_values = snap.read_column(data_dir / CUSIP_FILE, "ticker", manifest[CUSIP_FILE]["sha256"])
    cusip = frozenset(cusip_values)

    sec_info = _source_info(sec_entry, newest.path, len(sec_rows))
    if newest is not bundled:
        sec_info.update(as_of=newest.as_of, as_of_kind="snapshot date (file name)")
    sources = {
        SEC_SOURCE: sec_info,
        CUSIP_SOURCE: _source_info(manifest[CUSIP_FILE], data_dir / CUSIP_FILE, len(cusip_values)),
        PYTS_SOURCE: _source_info(manifest[PYTS_FILE], data_dir / PYTS_FILE, len(pyts)),
        MIC_SOURCE: _source_info(manifest[MIC_FILE], data_dir / MIC_FILE),
    }
    sources.update(_raw_sources(data_dir, manifest))
    return Parts(manifest, sec_snapshots, by_symbol, cusip, sources, coverage)
