"""What the verdicts need to know from reference data, as a Protocol the refdata layer implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from enrich.domain.model import Listing


@dataclass(frozen=True, slots=True)
class Rename:
    """A symbol that one snapshot of a source shows replaced by another for the same issuer."""

    old: str
    new: str
    venue_key: str | None
    name: str | None
    seen_old: str  # as-of of the last snapshot with the old symbol
    seen_new: str  # as-of of the first snapshot with the new symbol
    source: str


@dataclass(frozen=True, slots=True)
class Presence:
    """A symbol seen on a US exchange from `first` to `last` (ISO dates) by a dated listing source."""

    symbol: str
    venue_key: str
    first: str
    last: str
    kind: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Window:
    """Dates over which a dated source lists every symbol of its venues: absence within it means something."""

    first: str
    last: str
    venues: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True)
class Change:
    """A transfer between US exchanges or a symbol change, with the last day before and the first day after."""

    kind: str  # "transfer" or "rename"
    old_symbol: str
    old_venue: str
    new_symbol: str
    new_venue: str
    last_old: str
    first_new: str
    source: str


class Reference(Protocol):
    """The read-only reference index the verdicts consult; symbols are in canonical form (see symbols)."""

    def listings(self, symbol: str) -> Sequence[Listing]:
        """Every listing of `symbol` that any loaded source records."""
        ...

    def complete_for(self, venue_key: str) -> str | None:
        """The source that lists every operating company on the venue, or None: absence there means something."""
        ...

    def covered_by(self, venue_key: str) -> Sequence[str]:
        """Sources with any listing on the venue."""
        ...

    def trades_in_us(self, symbol: str) -> bool:
        """A weak sign (CUSIP table) that the symbol trades somewhere in the US, funds and OTC included."""
        ...

    def by_name(self, name: str) -> Sequence[Listing]:
        """Listings whose company name shares its first distinctive word with `name`."""
        ...

    def renamed(self, symbol: str) -> Sequence[Rename]:
        """Known renames away from `symbol`, oldest first."""
        ...

    def history(self, symbol: str) -> Sequence[tuple[str, Listing]]:
        """Listings the symbol had in older snapshots of a source, newest first, as (as_of, listing)."""
        ...

    def as_of(self, source: str) -> str | None:
        """The as-of date of a loaded source."""
        ...

    def snapshots(self) -> Sequence[str]:
        """As-of dates of every loaded snapshot of the SEC list, oldest first; the newest feeds `listings`."""
        ...

    def listings_on(self, symbol: str, venue_keys: Sequence[str]) -> Sequence[Listing]:
        """Listings of `symbol` on these non-US venues from the per-venue tables (loaded on first use)."""
        ...

    def presence(self, symbol: str) -> Sequence[Presence]:
        """Every dated US exchange presence of `symbol`, oldest first."""
        ...

    def windows(self) -> Sequence[Window]:
        """The dated US sources' complete windows."""
        ...

    def changes(self, symbol: str) -> Sequence[Change]:
        """Transfers and symbol changes that `symbol` took part in (as old or new symbol), oldest first."""
        ...

    def by_name_abroad(self, name: str) -> Sequence[Listing]:
        """Non-US listings (German regional floors left out) whose company name matches `name`, best first."""
        ...
