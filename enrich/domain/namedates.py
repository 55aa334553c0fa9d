"""Companies named without a tag, at the article's date: the name index gives each company's listing as of the
index; an article written before a transfer or a symbol change names the company as it traded then (Walmart was
NYSE: WMT until 2025-12-09, NASDAQ: WMT after), so its link and its suggested tag follow the dated US changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from enrich.domain import symbols
from enrich.domain.model import CompanyListing, CompanyMention, Evidence, Mention
from enrich.domain.reference import Change
from enrich.domain.sources import US_HISTORY
from enrich.domain.venues import VENUES, by_mic

MAX_STEPS = 5  # changes followed back from one listing (a chain of renames and transfers)


def at_date(companies: Sequence[CompanyMention], mentions: Sequence[Mention], as_of: str | None,
            changes: Callable[[str], Sequence[Change]]) -> list[CompanyMention]:
    """`companies` with every listing that came from the name index moved back to what it was on `as_of`;
    listings a tag of the article resolved to are already of its date and stay."""
    if not as_of:
        return list(companies)
    from_tags = {(m.verdict.resolved.symbol, m.verdict.resolved.mic) for m in mentions if m.verdict.resolved}
    out = []
    for company in companies:
        listing = company.listing
        if company.tagged or (listing.symbol, listing.mic) in from_tags:
            out.append(company)
            continue
        then = _listing_then(listing, as_of, changes)
        out.append(company if then is None else _moved(company, *then))
    return out


def _listing_then(listing: CompanyListing, as_of: str, changes: Callable[[str], Sequence[Change]]
                  ) -> tuple[CompanyListing, Change] | None:
    """The listing on `as_of` and the first change after that date, when a dated change says it differed."""
    venue = by_mic(listing.mic)
    if venue is None or not venue.is_us:
        return None
    symbol, venue_key, first_after = symbols.canonical(listing.symbol), venue.key, None
    for _ in range(MAX_STEPS):
        back = next((c for c in reversed(changes(symbol)) if c.new_symbol == symbol and c.new_venue == venue_key
                     and c.first_new > as_of), None)
        if back is None:
            break
        symbol, venue_key, first_after = back.old_symbol, back.old_venue, back
    if first_after is None:
        return None
    old = VENUES[venue_key]
    return CompanyListing(symbols.display(symbol), old.label, old.mic, symbols.yahoo_symbol(symbol, old),
                          listing.name), first_after


def _moved(company: CompanyMention, listing: CompanyListing, change: Change) -> CompanyMention:
    was = company.listing
    what = "moved to" if change.kind == "transfer" else "became"
    finding = (f"on the article's date it traded as {listing.exchange}: {listing.symbol}; it {what} "
               f"{was.exchange}: {was.symbol} on {change.first_new}")
    suggestion = company.suggestion
    if suggestion is not None:
        suggestion = (suggestion[0], f"{company.text} ({listing.exchange}: {listing.symbol})")
    return CompanyMention(company.span, company.text, listing, company.confidence, company.tagged,
                          (*company.evidence, Evidence(US_HISTORY, change.first_new, finding)), suggestion)
