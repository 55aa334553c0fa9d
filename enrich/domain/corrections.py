"""The fixes the references support for a tag not listed as written, in the order of trust, and the doubts.

A venue that no complete source covers is never corrected: absence from a list that does not cover the venue
proves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from enrich.domain import symbols
from enrich.domain.case import (
    NAME_CONFLICT,
    NAME_MATCH,
    SHAPE_RULE,
    Case,
    claimed,
    family_label,
    name_score,
    on_venue,
    rank,
    resolve,
)
from enrich.domain.model import Correction, Listing, Resolved, Verdict
from enrich.domain.names import names_match
from enrich.domain.sources import CUSIP
from enrich.domain.venues import VENUES


def german_sibling(case: Case, german: Sequence[Listing]) -> Verdict:
    """A German exchange's tag confirmed by the same symbol on another German exchange (they share symbols)."""
    best = sorted(german, key=lambda x: (x.delisted, x.venue_key != "XETRA", x.venue_key))[0]
    case.note(best.source, f"{best.symbol} is listed on {VENUES[best.venue_key].label}"
                           f"{' as ' + best.name if best.name else ''}; the German exchanges share one symbol per "
                           f"security, so it trades on {case.venue.label} too (less surely)")
    listing = Listing(best.symbol, case.venue.key, best.source, best.name, None, False, best.delisted, best.isin,
                      best.country)
    score = name_score(case.tag, listing)
    if score is not None and score < NAME_CONFLICT:
        case.note("article", f"the article attaches {case.tag.company!r}, not {best.name!r}")
        return Verdict("unverified", claimed(case), (), 0.3, tuple(case.evidence))
    return Verdict("valid", resolve(listing, case.venue, case.tag.symbol), (), 0.7, tuple(case.evidence))


def partial_source_doubt(case: Case, best: Listing, score: float | None) -> Verdict:
    """A FinanceDatabase row marked delisted, or naming another company: partly stale, so it settles less."""
    if score is not None and score < NAME_CONFLICT:
        case.note("article", f"the article attaches {case.tag.company!r}, not {best.name!r}: the partial list may "
                             f"be stale, or the symbol reused")
        return Verdict("unverified", claimed(case), (), 0.3, tuple(case.evidence))
    case.note(best.source, f"{best.symbol} is marked delisted: it was listed on {case.venue.label} at some time, "
                           f"the list does not say until when")
    return Verdict("valid", resolve(best, case.venue, case.tag.symbol), (), 0.6, tuple(case.evidence))


def class_separator(case: Case, as_of: str | None) -> Verdict | None:
    """`BRKB` for `BRK-B`: the same letters with the class separator left out."""
    del as_of
    written = case.symbol
    if not written.isalpha() or len(written) < 3:
        return None
    for cut in (1, 2):
        candidate = f"{written[:-cut]}-{written[-cut:]}"
        here = [x for x in case.ref.listings(candidate) if on_venue(x, case.venue)]
        if here:
            best = sorted(here, key=lambda x: rank(x, case.venue))[0]
            resolved = resolve(best, case.venue)
            case.note(best.source, f"{best.symbol} is listed on {family_label(best)}; {written} is not")
            fix = Correction("symbol", case.tag.symbol, resolved.symbol,
                             f"class shares are written with a separator: {resolved.symbol}")
            return Verdict("corrected", resolved, (fix,), 0.85, tuple(case.evidence))
    return None


def renamed(case: Case, as_of: str | None) -> Verdict | None:
    """A symbol the SEC's own history shows replaced for the same issuer."""
    for rename in case.ref.renamed(case.symbol):
        current = [x for x in case.ref.listings(rename.new) if rename.venue_key is None or x.venue_key in (
            rename.venue_key, case.venue.key) or on_venue(x, case.venue)]
        if not current:
            continue
        best = sorted(current, key=lambda x: rank(x, case.venue))[0]
        resolved = resolve(best, case.venue if on_venue(best, case.venue) else VENUES[best.venue_key])
        case.note(rename.source, f"{rename.old} became {rename.new} ({rename.name or 'same issuer'}) between "
                                 f"{rename.seen_old} and {rename.seen_new}")
        if as_of and as_of < rename.seen_new:
            return Verdict("valid", resolved, (), 0.8, tuple(case.evidence))
        fixes = [Correction("symbol", case.tag.symbol, resolved.symbol, f"renamed: {rename.old} is now {rename.new}")]
        if resolved.exchange != case.venue.label and not on_venue(best, case.venue):
            fixes.append(Correction("exchange", case.venue.label, resolved.exchange,
                                    f"{rename.new} is listed on {resolved.exchange}"))
        return Verdict("corrected", resolved, tuple(fixes), 0.85, tuple(case.evidence))
    return None


def second_listing(case: Case, elsewhere: Sequence[Listing]) -> Verdict | None:
    """`(NYSE, Nasdaq: VZ)`: the article names both venues; one source row per company can't refute the other."""
    named_too = [x for x in elsewhere if any(on_venue(x, VENUES[k]) for k in case.tag.co_venues)]
    if not named_too:
        return None
    listing = named_too[0]
    case.note(listing.source, f"{listing.symbol} is listed on {family_label(listing)}, which the article also "
                              f"names; the list records one exchange per company, so a second listing on "
                              f"{case.venue.label} can't be checked")
    return Verdict("unverified", claimed(case), (), 0.4, tuple(case.evidence))


_DERIVATIVE_SUFFIXES = {"W": "warrants", "WS": "warrants", "WT": "warrants", "U": "units", "UN": "units",
                        "R": "rights", "RT": "rights", "RI": "rights"}


def derivative(case: Case) -> Verdict | None:
    """`LEXXW`, `SOUL.U`: warrants, units or rights of a company listed here, which the SEC list mostly omits."""
    symbol = case.symbol
    if "-" in symbol:
        root, _, suffix = symbol.partition("-")
    elif symbol.isalpha() and len(symbol) >= 4 and symbol[-1] in "WUR":
        root, suffix = symbol[:-1], symbol[-1]
    else:
        return None
    kind = _DERIVATIVE_SUFFIXES.get(suffix)
    if kind is None:
        return None
    parents = [x for x in case.ref.listings(root) if on_venue(x, case.venue)]
    if not parents:
        return None
    parent = parents[0]
    case.note(parent.source, f"{symbol} reads as the {kind} of {parent.symbol} ({parent.name or 'listed'}) on "
                             f"{family_label(parent)}; the list carries few {kind}, so it can't confirm them")
    if case.ref.trades_in_us(symbol):
        case.note(CUSIP, f"{symbol} has a CUSIP, so it trades in the US")
    return Verdict("unverified", claimed(case), (), 0.5, tuple(case.evidence))


def by_company_name(case: Case, elsewhere: Sequence[Listing]) -> Verdict | None:
    """Fixes the attached name settles: the same symbol on another venue, or a typo of this company's symbol."""
    tag = case.tag
    if not tag.company:
        return None
    for listing in elsewhere:
        score = name_score(tag, listing)
        if score is not None and score >= NAME_MATCH and _may_correct_venue(case, listing):
            return _move_venue(case, listing, f"{listing.symbol} of {listing.name} is listed on "
                                              f"{family_label(listing)}, not {case.venue.label}", 0.9)
    return typo_fix(case, elsewhere, min_score=NAME_MATCH)


def typo_fix(case: Case, others: Sequence[Listing], min_score: float) -> Verdict | None:
    """The named company's own listing on this venue, when its symbol is within two edits of what was written."""
    tag = case.tag
    if not tag.company:
        return None
    if case.venue.is_us and case.ref.trades_in_us(case.symbol):
        return None  # the written symbol is a real US security (an ADR line, a unit, a new symbol): leave it
    same_venue = [x for x in case.ref.by_name(tag.company)
                  if on_venue(x, case.venue) and x.symbol != case.symbol
                  and names_match(tag.company, x.name or "") >= min_score]
    if not same_venue:
        return None
    scored = sorted(((symbols.distance(case.symbol, x.symbol), rank(x, case.venue), x) for x in same_venue),
                    key=lambda row: row[:2])
    best_distance = scored[0][0]
    if best_distance > 2 or best_distance >= len(case.symbol):
        return None
    tied = {x.symbol: x for d, _, x in scored if d == best_distance}
    if len(tied) > 1:
        candidates = tuple(resolve(x, case.venue) for x in tied.values())
        case.note("article", f"{tag.company!r} fits {', '.join(sorted(tied))} equally on {case.venue.label}")
        return Verdict("ambiguous", None, (), 0.4, tuple(case.evidence), candidates)
    best = scored[0][2]
    resolved = resolve(best, case.venue)
    case.note(best.source, f"{best.name} is listed on {family_label(best)} as {best.symbol}")
    if others:
        owners = ", ".join(sorted({f"{x.symbol} ({x.name or '?'})" for x in others}))
        case.note(others[0].source, f"{case.symbol} belongs to another company: {owners}")
    fix = Correction("symbol", tag.symbol, resolved.symbol,
                     f"{tag.company!r} is {best.name}, whose symbol on {case.venue.label} is {resolved.symbol}")
    return Verdict("corrected", resolved, (fix,), 0.8 if best_distance == 1 else 0.7, tuple(case.evidence))


def _may_correct_venue(case: Case, listing: Listing) -> bool:
    """Coverage rule: move a tag only off a venue some source covers, onto a listing from a trusted source."""
    if not case.ref.covered_by(case.venue.key) and case.ref.complete_for(case.venue.key) is None:
        return False
    if case.venue.is_us:
        return VENUES[listing.venue_key].is_us
    return case.ref.complete_for(case.venue.key) is not None


def _move_venue(case: Case, listing: Listing, reason: str, confidence: float) -> Verdict:
    resolved = resolve(listing, case.venue, case.tag.symbol)
    if listing.family_only and VENUES[listing.venue_key].family != case.venue.family:
        # The source names the family only: NYSE is the likeliest member, not a certainty.
        reason += " (the list does not say whether NYSE, NYSE American or NYSE Arca)"
        confidence -= 0.1
    case.note(listing.source, reason)
    fixes = [Correction("exchange", case.venue.label, resolved.exchange, reason)]
    if case.tag.symbol != resolved.symbol:
        fixes.append(Correction("symbol", case.tag.symbol, resolved.symbol, "symbols are written in capitals"))
    return Verdict("corrected", resolved, tuple(fixes), confidence, tuple(case.evidence))


def venue_rules(case: Case, elsewhere: Sequence[Listing]) -> Verdict:
    """No name settles it: move only on one unambiguous listing elsewhere, or the five-letter Y/F rule."""
    tag, venue, ref = case.tag, case.venue, case.ref
    complete = ref.complete_for(venue.key)
    conflicts = [x for x in elsewhere if (s := name_score(tag, x)) is not None and s < NAME_CONFLICT]
    movable = [x for x in elsewhere if x not in conflicts and _may_correct_venue(case, x)]
    families = {VENUES[x.venue_key].family for x in movable}
    if len(families) == 1:
        best = sorted(movable, key=lambda x: rank(x, VENUES[x.venue_key]))[0]
        return _move_venue(case, best, f"{best.symbol} is listed on {family_label(best)}"
                                       f"{' as ' + best.name if best.name else ''}, not on {venue.label}", 0.75)
    if len(families) > 1:
        candidates = tuple(resolve(x, VENUES[x.venue_key]) for x in movable)
        case.note(movable[0].source, f"{case.symbol} is listed on {', '.join(sorted(families))}")
        return Verdict("ambiguous", None, (), 0.4, tuple(case.evidence), candidates)
    for listing in conflicts:
        case.note(listing.source, f"{listing.symbol} on {family_label(listing)} is {listing.name}, "
                                  f"not {tag.company!r}")
    us_trace = ref.trades_in_us(case.symbol)
    if venue.is_us and venue.family != "OTC" and symbols.is_foreign_otc_shape(case.symbol) and not conflicts:
        return _foreign_otc(case, us_trace)
    if complete is None:
        where = "no loaded source lists every company on " + venue.label
        if elsewhere:
            where += "; also listed on " + ", ".join(sorted({family_label(x) for x in elsewhere}))
        case.note("coverage", where)
        return Verdict("unverified", claimed(case), (), 0.3, tuple(case.evidence))
    case.note(complete, f"{case.symbol} is not among the {venue.label} listings")
    if us_trace:
        case.note(CUSIP, f"{case.symbol} has a CUSIP, so it trades somewhere in the US (a fund or OTC name?)")
        return Verdict("unverified", claimed(case), (), 0.3, tuple(case.evidence))
    return Verdict("unknown", None, (), 0.7, tuple(case.evidence))


def _foreign_otc(case: Case, us_trace: bool) -> Verdict:
    otc = VENUES["OTC"]
    kind = "adr" if case.symbol.endswith("Y") else "foreign ordinary share"
    reason = (f"{case.symbol} is a five-letter symbol ending in {case.symbol[-1]} ({kind}) that no exchange list has: "
              f"it trades over the counter")
    case.note(SHAPE_RULE, reason)
    if us_trace:
        case.note(CUSIP, f"{case.symbol} has a CUSIP, so it trades in the US")
    resolved = Resolved(symbol=case.symbol, exchange=otc.label, mic=otc.mic, yahoo_symbol=case.symbol, name=None,
                        currency=otc.currency, kind="adr" if case.symbol.endswith("Y") else "ordinary")
    fixes = [Correction("exchange", case.venue.label, otc.label, reason)]
    if case.tag.symbol != case.symbol:
        fixes.append(Correction("symbol", case.tag.symbol, case.symbol, "symbols are written in capitals"))
    return Verdict("corrected", resolved, tuple(fixes), 0.8 if us_trace else 0.6, tuple(case.evidence))

