"""Live evidence: what a market-data lookup of the listing says, folded into a verdict from the references.

References can't settle a venue they don't cover (TSX, LSE, most OTC names); a quote from the venue's own
Yahoo symbol can. A live answer confirms, moves or leaves a verdict; it never invents a listing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from enrich.domain.identity import IdentityMemo
from enrich.domain.model import Correction, Evidence, Resolved, Tag, Verdict
from enrich.domain.venues import VENUES, Venue, venue_for_yahoo

SOURCE = "yfinance"


@dataclass(frozen=True, slots=True)
class LiveListing:
    """What the market-data source said about one Yahoo symbol."""

    yahoo_symbol: str
    found: bool
    exchange_code: str | None = None
    exchange_name: str | None = None
    name: str | None = None
    currency: str | None = None
    as_of: str | None = None  # when the source answered, ISO 8601


def _on(venue: Venue, base: Resolved, live: LiveListing) -> Resolved:
    return Resolved(symbol=base.symbol, exchange=venue.label, mic=venue.mic, yahoo_symbol=live.yahoo_symbol,
                    name=base.name or live.name, currency=venue.currency, kind=base.kind)


_known: IdentityMemo[Verdict] = IdentityMemo(4096)


def with_live(tag: Tag, verdict: Verdict, live: LiveListing | None) -> Verdict:
    """The verdict after live evidence: `unverified` becomes `valid` or `corrected`; a correction is confirmed.
    Worked out once per claimed venue, verdict and live answer (the same objects come back request after request)."""
    if live is None or verdict.resolved is None:
        return verdict
    return _known.get((tag.venue_key, id(verdict), id(live)), (verdict, live),
                      lambda: _with_live(tag.venue_key, verdict, live))


def _with_live(venue_key: str, verdict: Verdict, live: LiveListing) -> Verdict:
    if not live.found:
        return replace(verdict, evidence=(*verdict.evidence, Evidence(SOURCE, live.as_of,
                                                                      f"Yahoo has no {live.yahoo_symbol}")))
    where = live.exchange_name or live.exchange_code or "an unnamed venue"
    if live.exchange_name and live.exchange_code:
        where += f" ({live.exchange_code})"
    evidence = (*verdict.evidence, Evidence(SOURCE, live.as_of, f"Yahoo lists {live.yahoo_symbol} on {where}"))
    venue = venue_for_yahoo(live.exchange_code)
    if venue is None:
        return replace(verdict, evidence=evidence)
    claimed = VENUES[venue_key]
    symbol_fixes = tuple(c for c in verdict.corrections if c.field != "exchange")
    if venue.family == claimed.family:
        # Listed where the article says (within the family Yahoo names exactly): any venue move was wrong.
        status = "corrected" if symbol_fixes else "valid"
        return Verdict(status, _on(venue, verdict.resolved, live), symbol_fixes, 0.95, evidence)
    if venue.family == _family_of(verdict.resolved):
        # The references already point here (`NASDAQ: XIACY` → OTC): live data confirms the move.
        return Verdict(verdict.status, _on(venue, verdict.resolved, live), verdict.corrections, 0.95, evidence,
                       verdict.candidates)
    if verdict.status == "unverified" and claimed.is_us and venue.is_us:
        # A US symbol the references could not place, quoted on another US venue: the live answer decides.
        # (A verdict the references settled keeps its venue; the disagreement is recorded as evidence.)
        fix = Correction("exchange", claimed.label, venue.label,
                         f"Yahoo lists {live.yahoo_symbol} on {where}, not {claimed.label}")
        return Verdict("corrected", _on(venue, verdict.resolved, live), (*symbol_fixes, fix), 0.85, evidence)
    return replace(verdict, evidence=evidence)


def _family_of(resolved: Resolved) -> str | None:
    for venue in VENUES.values():
        if venue.mic == resolved.mic:
            return venue.family
    return None
