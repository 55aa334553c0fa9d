"""A small in-memory Reference for domain tests: a table of listings, nothing else."""

from __future__ import annotations

from collections import defaultdict

from enrich.domain.model import Listing
from enrich.domain.names import name_tokens, names_match
from enrich.domain.reference import Rename
from enrich.domain.symbols import canonical
from enrich.domain.venues import VENUES

SEC = "sec-company-tickers"
PTS = "pytickersymbols"


class TableReference:
    """Listings given as (symbol, venue, source, name, family_only) rows; history as (as_of, symbol, venue,
    family_only, name) rows of older SEC snapshots."""

    def __init__(self, rows, cusip=(), renames=(), history=(), presence=(), windows=(), changes=(), abroad=()):
        self._presence = defaultdict(list)
        for run in presence:
            self._presence[run.symbol].append(run)
        self._windows = tuple(windows)
        self._changes = defaultdict(list)
        for change in changes:
            for key in {change.old_symbol, change.new_symbol}:
                self._changes[key].append(change)
        self._abroad = list(abroad)  # Listing objects of the per-venue tables
        self._by_symbol = defaultdict(list)
        self._by_first = defaultdict(list)
        for symbol, venue, source, name, family_only in rows:
            listing = Listing(canonical(symbol), venue, source, name, None, family_only)
            self._by_symbol[listing.symbol].append(listing)
            if name:
                self._by_first[name_tokens(name)[0]].append(listing)
        self._cusip = {canonical(s) for s in cusip}
        self._renames = defaultdict(list)
        for rename in renames:
            self._renames[rename.old].append(rename)
        self._history = defaultdict(list)
        for as_of, symbol, venue, family_only, name in sorted(history, key=lambda h: h[0], reverse=True):
            listing = Listing(canonical(symbol), venue, SEC, name, None, family_only)
            self._history[listing.symbol].append((as_of, listing))

    def listings(self, symbol):
        return self._by_symbol.get(symbol, [])

    def complete_for(self, venue_key):
        return SEC if venue_key in ("NASDAQ", "NYSE", "NYSE_AMERICAN") else None

    def covered_by(self, venue_key):
        family = VENUES[venue_key].family
        return sorted({x.source for rows in self._by_symbol.values() for x in rows
                       if x.venue_key == venue_key or (x.family_only and VENUES[x.venue_key].family == family)})

    def trades_in_us(self, symbol):
        return symbol in self._cusip

    def by_name(self, name):
        tokens = name_tokens(name)
        return self._by_first.get(tokens[0], []) if tokens else []

    def renamed(self, symbol):
        return self._renames.get(symbol, [])

    def history(self, symbol):
        return tuple(self._history.get(symbol, ()))

    def as_of(self, source):
        return {SEC: "2026-10-01", PTS: "2026-09-01"}.get(source)

    def snapshots(self):
        return sorted({date for rows in self._history.values() for date, _ in rows} | {self.as_of(SEC)})

    def listings_on(self, symbol, venue_keys):
        return [x for x in self._abroad if x.symbol == symbol and x.venue_key in venue_keys]

    def presence(self, symbol):
        return tuple(self._presence.get(symbol, ()))

    def windows(self):
        return self._windows

    def changes(self, symbol):
        return tuple(self._changes.get(symbol, ()))

    def by_name_abroad(self, name):
        return [x for x in self._abroad if x.name and names_match(name, x.name) >= 0.7]


REF = TableReference(
    rows=[
        ("MSFT", "NASDAQ", SEC, "MICROSOFT CORP", False),
        ("META", "NASDAQ", SEC, "Meta Platforms, Inc.", False),
        ("AAPL", "NASDAQ", SEC, "Apple Inc.", False),
        ("APLE", "NYSE", SEC, "Apple Hospitality REIT, Inc.", True),
        ("IONQ", "NYSE", SEC, "IonQ, Inc.", True),
        ("QBTS", "NYSE", SEC, "D-Wave Quantum Inc.", True),
        ("HUSA", "NYSE", SEC, "HOUSTON AMERICAN ENERGY CORP", True),
        ("IP", "NYSE", SEC, "INTERNATIONAL PAPER CO /NEW/", True),
        ("BRK-B", "NYSE", SEC, "BERKSHIRE HATHAWAY INC", True),
        ("SHOP", "NASDAQ", SEC, "SHOPIFY INC.", False),
        ("GOOGL", "NASDAQ", SEC, "Alphabet Inc.", False),
        ("GOOG", "NASDAQ", SEC, "Alphabet Inc.", False),
        ("BAYRY", "OTC", PTS, "Bayer", False),
        ("7203", "TSE", PTS, "Toyota", False),
        ("BFGFF", "OTC", SEC, "GIANT MINING CORP.", False),
        ("ABCD", "NASDAQ", SEC, "Abcd Holdings", False),
        ("ABCE", "NASDAQ", SEC, "Abcd Holdings", False),
        ("DUAL", "NASDAQ", SEC, "Dual One Corp", False),
        ("DUAL", "OTC", SEC, "Dual One Corp", False),
    ],
    cusip=["XIACY", "SPYX"],
    renames=[Rename("FB", "META", "NASDAQ", "Meta Platforms, Inc.", "2022-05-19", "2022-06-10", SEC)],
)
