"""The dated US listing history (which symbol was on which US exchange when) and its transfers and renames."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from enrich.domain.reference import Change, Presence, Window
from enrich.domain.sources import US_HISTORY
from enrich.domain.symbols import canonical
from enrich.refdata import snapshots as snap
from enrich.refdata.files import US_CHANGES_COLUMNS, US_CHANGES_FILE, US_COLUMNS, US_FILE

# What each dated source lists completely, and over which days (the screener pulls skip ETFs and funds; the
# NASDAQ Trader files list every exchange security). One day's directory speaks for the days around it.
WINDOWS = (
    Window("2014-10-11", "2016-08-15", frozenset({"NASDAQ", "NYSE", "NYSE_AMERICAN", "NYSE_ARCA", "CBOE"}),
           "nasdaqtrader"),
    Window("2021-01-30", "2026-08-22", frozenset({"NASDAQ", "NYSE", "NYSE_AMERICAN"}), "nasdaq-screener"),
)


class UsHistory:
    """us_listings.tsv and us_changes.tsv, read on first use (a document without a dated US tag never pays)."""

    def __init__(self, data_dir: Path, manifest: dict[str, dict[str, Any]]):
        self._data_dir = data_dir
        self._manifest = manifest
        self._lock = threading.Lock()
        self._presence: dict[str, list[list[str]]] | None = None  # canonical symbol -> rows
        self._changes: dict[str, tuple[Change, ...]] | None = None

    @property
    def available(self) -> bool:
        return US_FILE in self._manifest and US_CHANGES_FILE in self._manifest

    def presence(self, symbol: str) -> Sequence[Presence]:
        """Every dated presence of a canonical symbol on a US exchange, oldest first (objects made on request)."""
        rows = self._loaded()[0].get(symbol, ())
        return tuple(sorted((Presence(symbol, v, f, last, k or None, src) for _, v, f, last, k, src in rows),
                            key=lambda p: (p.first, p.last)))

    def changes(self, symbol: str) -> Sequence[Change]:
        """Transfers and renames the canonical symbol took part in, oldest first."""
        return self._loaded()[1].get(symbol, ())

    def windows(self) -> Sequence[Window]:
        return WINDOWS if self.available else ()

    def _loaded(self) -> tuple[dict[str, list[list[str]]], dict[str, tuple[Change, ...]]]:
        if self._presence is None or self._changes is None:
            with self._lock:
                if self._presence is None or self._changes is None:
                    self._presence, self._changes = self._read()
        return self._presence, self._changes

    def _read(self) -> tuple[dict[str, list[list[str]]], dict[str, tuple[Change, ...]]]:
        if not self.available:
            return {}, {}
        presence: dict[str, list[list[str]]] = {}
        rows = snap.read_rows(self._data_dir / US_FILE, US_COLUMNS, self._manifest[US_FILE]["sha256"])
        for row in rows:  # stored canonical (the build writes SEC forms): no per-row canonical() at load
            presence.setdefault(row[0], []).append(row)
        changes: dict[str, list[Change]] = {}
        rows = snap.read_rows(self._data_dir / US_CHANGES_FILE, US_CHANGES_COLUMNS,
                              self._manifest[US_CHANGES_FILE]["sha256"])
        for kind, old, old_venue, new, new_venue, last_old, first_new in rows:
            change = Change(kind, canonical(old), old_venue, canonical(new), new_venue, last_old, first_new,
                            US_HISTORY)
            for key in {change.old_symbol, change.new_symbol}:
                changes.setdefault(key, []).append(change)
        return (presence,
                {k: tuple(sorted(v, key=lambda c: c.first_new)) for k, v in changes.items()})
