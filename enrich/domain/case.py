"""One verdict's case so far, and how a listing found for it is read: on the venue, ranked, resolved, named."""

from __future__ import annotations

from dataclasses import dataclass, field

from enrich.domain import symbols
from enrich.domain.model import Evidence, Listing, Resolved, Tag
from enrich.domain.names import names_match, says_nothing
from enrich.domain.reference import Reference
from enrich.domain.sources import SEC
from enrich.domain.venues import VENUES, Venue

NAME_MATCH = 0.7  # names_match score from which the article's name identifies a listing
NAME_CONFLICT = 0.25  # below this the article's name is another company's
SHAPE_RULE = "rule:foreign-otc-symbol"


@dataclass(slots=True)
class Case:
    """What one verdict has gathered so far."""

    tag: Tag
    ref: Reference
    venue: Venue
    symbol: str  # canonical
    evidence: list[Evidence] = field(default_factory=list)

    def note(self, source: str, finding: str) -> None:
        self.evidence.append(Evidence(source, self.ref.as_of(source), finding))


def on_venue(listing: Listing, venue: Venue) -> bool:
    """The listing is on the venue itself, or on its family when the source names the family only."""
    if listing.venue_key == venue.key:
        return True
    return listing.family_only and VENUES[listing.venue_key].family == venue.family


def rank(listing: Listing, venue: Venue) -> tuple[int, int]:
    """Prefer the SEC on US venues, and an exact venue over a family."""
    trusted = listing.source == SEC if venue.is_us else listing.source != SEC
    return (0 if trusted else 1, 1 if listing.family_only else 0)


def resolve(listing: Listing, venue: Venue, written: str | None = None) -> Resolved:
    """The listing as reported: a family-only listing takes the venue the article named within the family."""
    if listing.family_only and venue.family == VENUES[listing.venue_key].family:
        target = venue
    else:
        target = VENUES[listing.venue_key]
    shown = written if written and symbols.same_except_separator(written, listing.symbol) else symbols.display(
        listing.symbol)
    return Resolved(
        symbol=shown, exchange=target.label, mic=target.mic, yahoo_symbol=symbols.yahoo_symbol(listing.symbol, target),
        name=listing.name, currency=target.currency, kind=_kind(listing),
    )


def _kind(listing: Listing) -> str | None:
    if symbols.is_foreign_otc_shape(listing.symbol) and VENUES[listing.venue_key].family == "OTC":
        return "adr" if listing.symbol.endswith("Y") else "ordinary"
    return listing.kind


def family_label(listing: Listing) -> str:
    """Where the listing is, as evidence names it."""
    venue = VENUES[listing.venue_key]
    return f"the {venue.label} family" if listing.family_only else venue.label


def name_score(tag: Tag, listing: Listing) -> float | None:
    """How well the article's company name fits the listing's, or None when either says nothing."""
    if not tag.company or not listing.name or says_nothing(tag.company):
        return None
    return names_match(tag.company, listing.name)


def claimed(case: Case) -> Resolved:
    """The listing as claimed, in canonical form: what a live check or a price lookup would ask for."""
    return Resolved(symbol=symbols.display(case.symbol), exchange=case.venue.label, mic=case.venue.mic,
                    yahoo_symbol=symbols.yahoo_symbol(case.symbol, case.venue), name=None,
                    currency=case.venue.currency, kind=None)
