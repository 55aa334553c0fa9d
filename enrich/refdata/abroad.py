"""FinanceDatabase's non-US equities, one table per venue, each read the first time a tag names its venue."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
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
# Where the companies behind US ADRs and foreign ordinaries are most often at home, searched in this order.
HOME_ORDER = ("HKEX", "TSE", "LSE", "KRX", "TWSE", "EURONEXT_PARIS", "EURONEXT_AMSTERDAM", "XETRA", "SIX", "ASX",
              "TSX", "TSXV", "SSE", "SZSE", "NSE", "BIT", "BME", "STO", "CPH", "HEL", "EURONEXT_OSLO", "JSE", "B3",
              "BMV", "SGX", "TASE", "EURONEXT_BRUSSELS", "EURONEXT_DUBLIN", "EURONEXT_LISBON", "NZX", "KOSDAQ",
              "BSE", "CSE", "CBOE_CA", "AQSE", "ICE")


def fd_key(symbol: str) -> str:
    """How a table keys a symbol: canonical, and numeric codes without leading zeros (`0700`, `700`, `00700`)."""
    key = canonical(symbol)
    return (key.lstrip("0") or "0") if key.isdigit() else key


_FIRST_WORD = re.compile(r"[^\W_]+")


def _first_word(name: str | None) -> str | None:
    """A cheap index key: the first word, lower case, without punctuation (name_tokens for 45,000 rows is slow)."""
    match = _FIRST_WORD.search(name or "")
    return match.group().lower() if match else None


class Abroad:
    """The per-venue FinanceDatabase tables bundled under nonus/."""

    def __init__(self, data_dir: Path, manifest: dict[str, dict[str, Any]]):
        self._data_dir = data_dir
        self._files = {name[len(NONUS_DIR) + 1:-4]: entry for name, entry in manifest.items()
                       if name.startswith(f"{NONUS_DIR}/") and name.endswith(".tsv")}
        self._tables: dict[str, dict[str, tuple[Listing, ...]]] = {}
        self._names: dict[str, dict[str, list[Listing]]] = {}  # venue -> first name word -> listings
        self._lock = threading.RLock()  # by_name builds its index from _table, under the same lock

    def venues(self) -> Sequence[str]:
        """The venues with a table."""
        return sorted(self._files)

    def listings_on(self, symbol: str, venue_keys: Sequence[str]) -> list[Listing]:
        key = fd_key(symbol)
        return [x for venue in venue_keys if venue in self._files for x in self._table(venue).get(key, ())]

    def by_name(self, name: str) -> list[Listing]:
        """Listings whose name matches `name` well, best first, from the first venue (in HOME_ORDER, German
        floors left out) where any does: one table is read for a company at home on a big venue."""
        tokens = name_tokens(name)
        if not tokens:
            return []
        keys = {tokens[0], _first_word(name)}
        for venue in self._home_order():
            index = self._once(self._names, venue, self._name_index)
            scored = [(names_match(name, x.name or ""), x) for k in keys if k for x in index.get(k, ())]
            found = [x for score, x in sorted(scored, key=lambda p: -p[0]) if score >= 0.7]
            if found:
                return found[:BY_NAME_LIMIT]
        return []

    def _home_order(self) -> list[str]:
        ranked = [v for v in HOME_ORDER if v in self._files]
        return ranked + sorted(v for v in self._files if v not in ranked and v not in GERMAN_VENUES)

    def _name_index(self, venue: str) -> dict[str, list[Listing]]:
        index: dict[str, list[Listing]] = {}
        for listings in self._table(venue).values():
            for x in listings:
                word = _first_word(x.name)
                if word:
                    index.setdefault(word, []).append(x)
        return index

    def _table(self, venue: str) -> dict[str, tuple[Listing, ...]]:
        return self._once(self._tables, venue, self._read)

    def _once(self, cache: dict[str, Any], venue: str, build: Callable[[str], Any]) -> Any:
        """cache[venue], built by `build(venue)` the first time, once however many threads ask at once."""
        found = cache.get(venue)
        if found is None:
            with self._lock:
                found = cache.get(venue)
                if found is None:
                    found = cache[venue] = build(venue)
        return found

    def _read(self, venue: str) -> dict[str, tuple[Listing, ...]]:
        name = f"{NONUS_DIR}/{venue}.tsv"
        rows = snap.read_rows(self._data_dir / name, NONUS_COLUMNS, self._files[venue]["sha256"])
        table: dict[str, list[Listing]] = {}
        for symbol, company, isin, _currency, country, delisted, _size in rows:
            # The build writes symbols upper case without separators but `-`: already canonical.
            listing = Listing(symbol, venue, FINANCEDATABASE, company or None, None, False, delisted == "1",
                              isin or None, country or None)
            key = (symbol.lstrip("0") or "0") if symbol.isdigit() else symbol
            table.setdefault(key, []).append(listing)
        return {k: tuple(v) for k, v in table.items()}
