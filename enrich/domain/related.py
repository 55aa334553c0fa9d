"""The same company's other listings: the home market of an OTC ADR or foreign ordinary, and dual listings."""

from __future__ import annotations

import dataclasses

from enrich.domain import symbols
from enrich.domain.model import Listing, Related, Tag, Verdict
from enrich.domain.names import names_match
from enrich.domain.reference import Reference
from enrich.domain.venues import VENUES, by_mic

CANADA = ("TSX", "TSXV", "CSE", "CBOE_CA")
US_EXCHANGES = ("NASDAQ", "NYSE", "NYSE_AMERICAN")
_SAME = 0.8  # names_match score from which two listings' names are one company's


def _related(listing: Listing, relation: str) -> Related:
    venue = VENUES[listing.venue_key]
    return Related(symbols.display(listing.symbol), venue.label, venue.mic,
                   symbols.yahoo_symbol(listing.symbol, venue), listing.name, relation)


def with_related(tag: Tag, ref: Reference, verdict: Verdict) -> Verdict:
    """The verdict with `resolved.related` filled (and `resolved.name` from the home listing when it had none)."""
    resolved = verdict.resolved
    venue = by_mic(resolved.mic) if resolved is not None else None
    if resolved is None or venue is None:
        return verdict
    symbol = symbols.canonical(resolved.symbol)
    found: list[Related] = []
    name = resolved.name
    if venue.family == "OTC" and symbols.is_foreign_otc_shape(symbol):
        home = _home(ref, tag.company or resolved.name, symbol)
        if home is not None:
            found.append(_related(home, "home"))
            name = name or home.name
    elif venue.key in US_EXCHANGES and resolved.name:
        found += [_related(x, "dual") for x in ref.listings_on(symbol, CANADA)
                  if x.name and not x.delisted and names_match(resolved.name, x.name) >= _SAME]
    elif venue.key in CANADA and (resolved.name or tag.company):
        mine = resolved.name or tag.company or ""
        found += [_related(x, "dual") for x in ref.listings(symbol)
                  if x.venue_key in US_EXCHANGES and x.name and names_match(mine, x.name) >= _SAME]
    if not found and name == resolved.name:
        return verdict
    unique = tuple(dict.fromkeys(found))
    return dataclasses.replace(verdict, resolved=dataclasses.replace(resolved, related=unique, name=name))


def _home(ref: Reference, company: str | None, symbol: str) -> Listing | None:
    """The non-US listing an ADR symbol stands for: the attached name's company, whose name starts as the
    symbol does (XIACY, Xiaomi), when exactly one company fits."""
    if not company:
        return None
    fits = [x for x in ref.by_name_abroad(company) if not x.delisted and (x.name or "")[:1].upper() == symbol[:1]
            and names_match(company, x.name or "") >= _SAME]
    companies = {x.isin or x.name for x in fits}
    return fits[0] if len(companies) == 1 else None
