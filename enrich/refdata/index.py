"""The in-memory reference index: bundled SEC, CUSIP, pytickersymbols and ISO 10383 data behind `Reference`."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from enrich.domain.model import Listing
from enrich.domain.names import name_tokens, names_match
from enrich.domain.reference import Change, Presence, Rename, Window
from enrich.domain.sources import FINANCEDATABASE, US_HISTORY
from enrich.domain.symbols import canonical
from enrich.domain.venues import VENUES
from enrich.errors import RefdataError  # re-exported: enrich.refdata.index.RefdataError
from enrich.refdata import snapshots as snap
from enrich.refdata.abroad import Abroad
from enrich.refdata.files import NONUS_DIR, US_CHANGES_FILE, US_FILE
from enrich.refdata.loading import (
    MIC_COLUMNS,
    MIC_FILE,
    PYTS_SOURCE,
    Row,
    Run,
    gc_paused,
    history_runs,
    load_parts,
)
from enrich.refdata.snapshots import SEC_SOURCE
from enrich.refdata.ushistory import UsHistory

DATA_DIR = Path(__file__).resolve().parent / "data"
# Venues whose operating companies all appear in the SEC list (NYSE Arca and Cboe list mostly ETFs, which it lacks).
SEC_COMPLETE = frozenset({"NASDAQ", "NYSE", "NYSE_AMERICAN"})
SOURCE_ORDER = (SEC_SOURCE, US_HISTORY, PYTS_SOURCE, FINANCEDATABASE)
BY_NAME_LIMIT = 50


class ReferenceIndex:
    """Every listing the bundled sources record, keyed by canonical symbol; implements `Reference`."""

    def __init__(self, data_dir: Path, manifest: dict[str, dict[str, Any]], sec: list[snap.Snapshot],
                 rows: dict[str, list[Row]], cusip: frozenset[str], sources: dict[str, dict[str, Any]],
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
        self._history: dict[str, tuple[Run, ...]] | None = None
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
                        with gc_paused():
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
                        with gc_paused():
                            self._history = history_runs(self._snapshots[:-1])
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
    if not sep or not root or not cls:
        return (symbol,)  # `AB-`, `-B`: no class to spell another way (found by schemathesis: an IndexError)
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


def load_index(data_dir: Path | None = None, snapshot_dir: Path | None = None) -> ReferenceIndex:
    """Load the reference index from `data_dir` (default: bundled) plus any SEC snapshots in `snapshot_dir`.

    The SEC lists are data_dir's sec_company_tickers.tsv, its history/sec-YYYY-MM-DD.tsv files and snapshot_dir's
    sec-YYYY-MM-DD.tsv files, by date (a snapshot_dir file wins a tie). Only the newest is read here; the older
    ones are read, and bundled ones checked against MANIFEST.json, when renamed() or history() is first called.
    """
    started = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    snapshot_dir = Path(snapshot_dir) if snapshot_dir is not None else None
    try:
        with gc_paused():
            index = ReferenceIndex(data_dir, *load_parts(data_dir, snapshot_dir))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RefdataError(f"reference data in {data_dir} unusable: {type(exc).__name__}: {exc}") from exc
    index.load_ms = (time.perf_counter() - started) * 1000
    return index


@functools.lru_cache(maxsize=1)
def default_index() -> ReferenceIndex:
    """The bundled index, loaded once per process on first use."""
    return load_index()
