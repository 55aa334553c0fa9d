"""FinanceDatabase's non-US equities, one table per venue, each read the first time a tag names its venue."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from enrich.domain.model import Listing
from enrich.domain.names import name_tokens, names_match
from enrich.domain.sources import FINANCEDATABASE
from enrich.domain.symbols import canonical
from enrich.domain.venues import GERMAN_VENUES
from enrich.refdata import snapshots as snap
from enrich.refdata.files import NONUS_COLUMNS, NONUS_DIR

BY_NAME_LIMIT = 20


def fd_key(symbol: str) -> str:
    """How a table keys a symbol: canonical, and numeric codes without leading zeros (`0700`, `700`, `00700`)."""
    key = canonical(symbol)
    return (key.lstrip("0") or "0") if key.isdigit() else key


def _first_word(name: str | None) -> str | None:
    """A cheap index key: the first word, lower case, without punctuation (name_tokens for 45,000 rows is slow)."""
    for word in (name or "").split():
        key = "".join(c for c in word.lower() if c.isalnum())
        if key:
            return key
    return None


class Abroad:
    """The per-venue FinanceDatabase tables bundled under nonus/."""

    def __init__(self, data_dir: Path, manifest: dict[str, dict[str, Any]]):
        self._data_dir = data_dir
        self._files = {name[len(NONUS_DIR) + 1:-4]: entry for name, entry in manifest.items()
                       if name.startswith(f"{NONUS_DIR}/") and name.endswith(".tsv")}
        self._tables: dict[str, dict[str, tuple[Listing, ...]]] = {}
        self._names: dict[str, list[Listing]] | None = None
        self._lock = threading.RLock()  # by_name builds its index from _table, under the same lock

    def venues(self) -> Sequence[str]:
        """The venues with a table."""
        return sorted(self._files)

    def listings_on(self, symbol: str, venue_keys: Sequence[str]) -> list[Listing]:
        key = fd_key(symbol)
        return [x for venue in venue_keys if venue in self._files for x in self._table(venue).get(key, ())]

    def by_name(self, name: str) -> list[Listing]:
        """Listings (German regional floors and XETRA left out) whose name matches `name` well, best first."""
        tokens = name_tokens(name)
        if not tokens:
            return []
        if self._names is None:
            with self._lock:
                if self._names is None:
                    index: dict[str, list[Listing]] = {}
                    for venue in self._files:
                        if venue in GERMAN_VENUES:
                            continue
                        for listings in self._table(venue).values():
                            for x in listings:
                                word = _first_word(x.name)
                                if word:
                                    index.setdefault(word, []).append(x)
                    self._names = index
        keys = {tokens[0], _first_word(name)}
        scored = [(names_match(name, x.name or ""), x) for k in keys if k for x in self._names.get(k, ())]
        return [x for score, x in sorted(scored, key=lambda p: -p[0]) if score >= 0.7][:BY_NAME_LIMIT]

    def _table(self, venue: str) -> dict[str, tuple[Listing, ...]]:
        table = self._tables.get(venue)
        if table is None:
            with self._lock:
                table = self._tables.get(venue)
                if table is None:
                    table = self._tables[venue] = self._read(venue)
        return table

    def _read(self, venue: str) -> dict[str, tuple[Listing, ...]]:
        name = f"{NONUS_DIR}/{venue}.tsv"
        rows = snap.read_rows(self._data_dir / name, NONUS_COLUMNS, self._files[venue]["sha256"])
        table: dict[str, list[Listing]] = {}
        for symbol, company, isin, _currency, country, delisted in rows:
            listing = Listing(canonical(symbol), venue, FINANCEDATABASE, company or None, None, False,
                              delisted == "1", isin or None, country or None)
            table.setdefault(fd_key(symbol), []).append(listing)
        return {k: tuple(v) for k, v in table.items()}
