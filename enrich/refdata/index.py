"""The in-memory reference index: bundled SEC, CUSIP, pytickersymbols and ISO 10383 data behind `Reference`."""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from enrich.domain.model import Listing
from enrich.domain.names import name_tokens, names_match
from enrich.domain.reference import Change, Presence, Rename, Window
from enrich.domain.sources import CUSIP, FINANCEDATABASE, MIC, PYTS, US_HISTORY
from enrich.domain.symbols import canonical
from enrich.domain.venues import VENUES
from enrich.errors import RefdataError  # re-exported: enrich.refdata.index.RefdataError
from enrich.refdata import snapshots as snap
from enrich.refdata.abroad import Abroad
from enrich.refdata.files import NONUS_DIR, US_CHANGES_FILE, US_FILE
from enrich.refdata.snapshots import SEC_SOURCE, SEC_VENUES
from enrich.refdata.ushistory import UsHistory

DATA_DIR = Path(__file__).resolve().parent / "data"
CUSIP_SOURCE, PYTS_SOURCE, MIC_SOURCE = CUSIP, PYTS, MIC
CUSIP_FILE, PYTS_FILE, MIC_FILE = "cusip_tickers.txt", "pytickersymbols.tsv", "iso10383_mic.tsv"
PYTS_COLUMNS = ("symbol", "venue_key", "family_only", "name", "isins", "currency", "yahoo", "google")
MIC_COLUMNS = ("mic", "operating_mic", "oprt_sgmt", "market_name", "acronym", "country", "city", "category",
               "status", "creation_date", "last_update_date")
# Venues whose operating companies all appear in the SEC list (NYSE Arca and Cboe list mostly ETFs, which it lacks).
SEC_COMPLETE = frozenset({"NASDAQ", "NYSE", "NYSE_AMERICAN"})
SOURCE_ORDER = (SEC_SOURCE, US_HISTORY, PYTS_SOURCE, FINANCEDATABASE)
BY_NAME_LIMIT = 50
_Row = tuple[str, str, str | None, bool]  # venue_key, source, name, family_only
_Run = tuple[int, int, Listing]  # a listing present in older snapshots first..last (indexes, oldest first)


class ReferenceIndex:
    """Every listing the bundled sources record, keyed by canonical symbol; implements `Reference`."""

    def __init__(self, data_dir: Path, manifest: dict[str, dict[str, Any]], sec: list[snap.Snapshot],
                 rows: dict[str, list[_Row]], cusip: frozenset[str], sources: dict[str, dict[str, Any]],
                 coverage: set[tuple[str, str, bool]]):
        self.data_dir = data_dir
        self._manifest = manifest
        self._snapshots = sec
        self._rows = rows  # canonical symbol -> (venue_key, source, name, family_only); Listing objects on demand
        self._made: dict[str, tuple[Listing, ...]] = {}
        self._cusip = cusip
        self._sources = sources
        self._coverage: dict[str, set[str]] = {}  # venue key or "family:<family>" -> sources
        for source, venue_key, family_only in coverage:
            key = f"family:{VENUES[venue_key].family}" if family_only else venue_key
            self._coverage.setdefault(key, set()).add(source)
        self._lock = threading.Lock()
        self._by_name: dict[str, list[str]] | None = None
        self._first_token: dict[str, str | None] = {}
        self._renames: dict[str, list[Rename]] | None = None
        self._history: dict[str, tuple[_Run, ...]] | None = None
        self._mics: dict[str, dict[str, str]] | None = None
        self._abroad = Abroad(data_dir, manifest)
        self._us = UsHistory(data_dir, manifest)
        for venue_key in self._abroad.venues():
            self._coverage.setdefault(venue_key, set()).add(FINANCEDATABASE)
        if self._us.available:
            for window in self._us.windows():
                for venue_key in window.venues:
                    self._coverage.setdefault(venue_key, set()).add(US_HISTORY)
        self.load_ms = 0.0

    # --- the Reference protocol -------------------------------------------------------------------

    def listings(self, symbol: str) -> Sequence[Listing]:
        """Every listing of `symbol` that any loaded source records."""
        return self._listings_of(canonical(symbol))

    def complete_for(self, venue_key: str) -> str | None:
        """The source that lists every operating company on the venue, or None: absence there means something."""
        return SEC_SOURCE if venue_key in SEC_COMPLETE and SEC_SOURCE in self._sources else None

    def covered_by(self, venue_key: str) -> Sequence[str]:
        """Sources with any listing on the venue, or a family-only listing on the venue's family."""
        found = set(self._coverage.get(venue_key, ()))
        venue = VENUES.get(venue_key)
        if venue is not None:
            found |= self._coverage.get(f"family:{venue.family}", set())
        return tuple(s for s in SOURCE_ORDER if s in found) + tuple(sorted(found - set(SOURCE_ORDER)))

    def trades_in_us(self, symbol: str) -> bool:
        """A weak sign (CUSIP table) that the symbol trades somewhere in the US, funds and OTC included."""
        return any(v in self._cusip for v in _cusip_forms(canonical(symbol)))

    def by_name(self, name: str) -> Sequence[Listing]:
        """Listings whose company name shares its first distinctive word with `name`, best matches first."""
        tokens = name_tokens(name)
        if not tokens:
            return ()
        symbols = self._name_index().get(tokens[0], ())
        candidates = [x for sym in symbols for x in self._listings_of(sym)
                      if x.name and self._first_token.get(x.name) == tokens[0]]
        scores = {n: names_match(name, n) for n in {c.name for c in candidates if c.name}}
        return tuple(sorted(candidates, key=lambda c: -scores.get(c.name, 0.0))[:BY_NAME_LIMIT])

    def renamed(self, symbol: str) -> Sequence[Rename]:
        """Known renames away from `symbol`, oldest first (computed on first use from all SEC snapshots)."""
        if self._renames is None:
            with self._lock:
                if self._renames is None:
                    try:
                        with _gc_paused():
                            self._renames = snap.find_renames(self._snapshots)
                    except (OSError, ValueError) as exc:
                        raise RefdataError(f"reading SEC snapshots: {exc}") from exc
        return tuple(self._renames.get(canonical(symbol), ()))

    def history(self, symbol: str) -> Sequence[tuple[str, Listing]]:
        """Listings the symbol had in older snapshots of a source, newest first, as (as_of, listing)."""
        if len(self._snapshots) < 2:
            return ()  # only the list `listings` uses: no older snapshot, nothing to read
        if self._history is None:
            with self._lock:
                if self._history is None:
                    try:
                        with _gc_paused():
                            self._history = _history_runs(self._snapshots[:-1])
                    except (OSError, ValueError) as exc:
                        raise RefdataError(f"reading SEC snapshots: {exc}") from exc
        runs = self._history.get(canonical(symbol))
        if not runs:
            return ()
        pairs = sorted(((at, order, listing) for order, (first, last, listing) in enumerate(runs)
                        for at in range(first, last + 1)), key=lambda p: (-p[0], p[1]))
        return tuple((self._snapshots[at].as_of, listing) for at, _, listing in pairs)

    def as_of(self, source: str) -> str | None:
        """The as-of date of a loaded source."""
        info = self._sources.get(source)
        return info["as_of"] if info else None

    def listings_on(self, symbol: str, venue_keys: Sequence[str]) -> Sequence[Listing]:
        """Listings of `symbol` on these non-US venues from the per-venue tables (loaded on first use)."""
        try:
            return self._abroad.listings_on(symbol, venue_keys)
        except (OSError, ValueError) as exc:
            raise RefdataError(f"reading {NONUS_DIR}/: {exc}") from exc

    def presence(self, symbol: str) -> Sequence[Presence]:
        """Every dated US exchange presence of `symbol`, oldest first."""
        try:
            return self._us.presence(canonical(symbol))
        except (OSError, ValueError) as exc:
            raise RefdataError(f"reading {US_FILE}: {exc}") from exc

    def windows(self) -> Sequence[Window]:
        """The dated US sources' complete windows."""
        return self._us.windows()

    def changes(self, symbol: str) -> Sequence[Change]:
        """Transfers and symbol changes that `symbol` took part in, oldest first."""
        try:
            return self._us.changes(canonical(symbol))
        except (OSError, ValueError) as exc:
            raise RefdataError(f"reading {US_CHANGES_FILE}: {exc}") from exc

    def by_name_abroad(self, name: str) -> Sequence[Listing]:
        """Non-US listings (German regional floors left out) whose company name matches `name`, best first."""
        try:
            return self._abroad.by_name(name)
        except (OSError, ValueError) as exc:
            raise RefdataError(f"reading {NONUS_DIR}/: {exc}") from exc

    # --- beyond the protocol ----------------------------------------------------------------------

    def mic(self, code: str) -> dict[str, str] | None:
        """The ISO 10383 entry for a MIC (mic, operating_mic, oprt_sgmt, market_name, ...), loaded on first use."""
        if self._mics is None:
            try:
                rows = snap.read_rows(self.data_dir / MIC_FILE, MIC_COLUMNS, self._manifest[MIC_FILE]["sha256"])
            except (OSError, ValueError) as exc:
                raise RefdataError(str(exc)) from exc
            self._mics = {row[0]: dict(zip(MIC_COLUMNS, row, strict=True)) for row in rows}
        return self._mics.get(code.strip().upper())

    def snapshots(self) -> Sequence[str]:
        """As-of dates of the SEC lists known to this index, oldest first; the newest feeds `listings`."""
        return [s.as_of for s in self._snapshots]

    def info(self) -> dict[str, Any]:
        """Per source: as_of, rows, licence, file; the SEC lists (dates, oldest first, and for each its file and
        origin: bundled, bundled history or snapshot_dir); totals and the load time, for `refdata info`."""
        return {
            "sources": {k: dict(v) for k, v in self._sources.items()},
            "sec_snapshots": self.snapshots(),
            "sec_snapshot_files": [{"as_of": s.as_of, "origin": s.origin, "file": str(s.path)}
                                   for s in self._snapshots],
            "symbols": len(self._rows),
            "listings": sum(len(v) for v in self._rows.values()),
            "load_ms": round(self.load_ms, 1),
            "data_dir": str(self.data_dir),
        }

    def _listings_of(self, symbol: str) -> tuple[Listing, ...]:
        """The Listing objects for a canonical symbol, made on first request (saves ~20 ms at load)."""
        made = self._made.get(symbol)
        if made is None:
            rows = self._rows.get(symbol)
            if rows is None:
                return ()
            made = self._made[symbol] = tuple(Listing(symbol, v, src, name, None, fam) for v, src, name, fam in rows)
        return made

    def _name_index(self) -> dict[str, list[str]]:
        """First distinctive name token -> symbols with a listing of that name, built on first use (~70 ms)."""
        if self._by_name is None:
            with self._lock:
                if self._by_name is None:
                    first: dict[str, str | None] = {}
                    index: dict[str, list[str]] = {}
                    for symbol, rows in self._rows.items():
                        tokens = set()
                        for _venue, _source, name, _family in rows:
                            if name and name not in first:
                                words = name_tokens(name)
                                first[name] = words[0] if words else None
                            if name and first[name]:
                                tokens.add(first[name])
                        for token in tokens:
                            index.setdefault(token, []).append(symbol)
                    self._first_token = first
                    self._by_name = index
        return self._by_name

    def warm(self) -> None:
        """Build the parts made on first use (name index, renames, history, MIC table), e.g. at server start."""
        self._name_index()
        self.renamed("")
        self.history("")
        self.mic("XNYS")
        self.presence("")
        self.listings_on("", self._abroad.venues())


def _cusip_forms(symbol: str) -> tuple[str, ...]:
    """How the CUSIP table may write a canonical symbol: BRK-B as BRKB, PSA-PM as PSAPRM, IONQ-WT as IONQWS."""
    root, sep, cls = symbol.partition("-")
    if not sep:
        return (symbol,)
    forms = [symbol, root + cls]
    if cls[0] == "P" and len(cls) <= 2:
        forms.append(f"{root}PR{cls[1:]}")
    elif cls in ("WT", "WS"):
        forms.append(root + "WS")
    elif cls in ("UN", "U"):
        forms.append(root + "U")
    elif cls in ("RI", "RT", "R"):
        forms.append(root + "R")
    return tuple(forms)


def _sec_key(path: Path, ticker: str, exchange: str, name: str) -> tuple[str, str, str, bool] | None:
    """(canonical symbol, venue key, name, family_only) for one SEC row, None without an exchange (as `_load`)."""
    venue = SEC_VENUES.get(exchange)
    if venue is None:
        if exchange:
            raise ValueError(f"{path}: unknown exchange {exchange!r} for {ticker}")
        return None  # no exchange: an SEC registrant whose listing the SEC does not name
    return canonical(ticker), venue[0], name, venue[1]


def _history_runs(snapshots: list[snap.Snapshot]) -> dict[str, tuple[_Run, ...]]:
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
def _gc_paused() -> Iterator[None]:
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
    """What `info()` reports for the US listing history and FinanceDatabase's per-venue tables, when bundled."""
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
    return found


def _load(data_dir: Path, snapshot_dir: Path | None) -> ReferenceIndex:
    """Read the newest SEC list, the CUSIP tickers and pytickersymbols into a ReferenceIndex."""
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

    by_symbol: dict[str, list[_Row]] = {}
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
    return ReferenceIndex(data_dir, manifest, sec_snapshots, by_symbol, cusip, sources, coverage)


def load_index(data_dir: Path | None = None, snapshot_dir: Path | None = None) -> ReferenceIndex:
    """Load the reference index from `data_dir` (default: bundled) plus any SEC snapshots in `snapshot_dir`.

    The SEC lists are data_dir's sec_company_tickers.tsv, its history/sec-YYYY-MM-DD.tsv files and snapshot_dir's
    sec-YYYY-MM-DD.tsv files, by date (a snapshot_dir file wins a tie). Only the newest is read here; the older
    ones are read, and bundled ones checked against MANIFEST.json, when renamed() or history() is first called.
    """
    started = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    try:
        with _gc_paused():
            index = _load(data_dir, Path(snapshot_dir) if snapshot_dir is not None else None)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RefdataError(f"reference data in {data_dir} unusable: {type(exc).__name__}: {exc}") from exc
    index.load_ms = (time.perf_counter() - started) * 1000
    return index


@functools.lru_cache(maxsize=1)
def default_index() -> ReferenceIndex:
    """The bundled index, loaded once per process on first use."""
    return load_index()
