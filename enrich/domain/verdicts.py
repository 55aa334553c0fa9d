"""Verdicts: is a tag right, and if not, which one fix do the references support?

The order of the checks is the order of trust: the listing as written, then fixes that need no
judgement (case, class separator, a rename the SEC recorded), then fixes the attached company name
settles, then the venue rules. A venue that no complete source covers is never corrected: absence
from a list that does not cover the venue proves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from enrich.domain import symbols
from enrich.domain.dated import judge_at
from enrich.domain.model import Correction, Evidence, Listing, Resolved, Tag, Verdict
from enrich.domain.names import names_match
from enrich.domain.reference import Reference
from enrich.domain.related import with_related
from enrich.domain.sources import CUSIP, FINANCEDATABASE, SEC
from enrich.domain.venues import GERMAN_VENUES, VENUES, Venue

_NAME_MATCH = 0.7  # names_match score from which the article's name identifies a listing
_NAME_CONFLICT = 0.25  # below this the article's name is another company's
_SHAPE_RULE = "rule:foreign-otc-symbol"
DATE_SLACK_DAYS = 120  # a list this much newer than the article may no longer describe its listings


@dataclass(slots=True)
class _Case:
    """What one verdict has gathered so far."""

    tag: Tag
    ref: Reference
    venue: Venue
    symbol: str  # canonical
    evidence: list[Evidence] = field(default_factory=list)

    def note(self, source: str, finding: str) -> None:
        self.evidence.append(Evidence(source, self.ref.as_of(source), finding))


def _on_venue(listing: Listing, venue: Venue) -> bool:
    if listing.venue_key == venue.key:
        return True
    return listing.family_only and VENUES[listing.venue_key].family == venue.family


def _rank(listing: Listing, venue: Venue) -> tuple[int, int]:
    """Prefer the SEC on US venues, and an exact venue over a family."""
    trusted = listing.source == SEC if venue.is_us else listing.source != SEC
    return (0 if trusted else 1, 1 if listing.family_only else 0)


def _resolved(listing: Listing, venue: Venue, written: str | None = None) -> Resolved:
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


def _family_label(listing: Listing) -> str:
    venue = VENUES[listing.venue_key]
    return f"the {venue.label} family" if listing.family_only else venue.label


def _name_score(tag: Tag, listing: Listing) -> float | None:
    if not tag.company or not listing.name:
        return None
    return names_match(tag.company, listing.name)


def judge(tag: Tag, ref: Reference, as_of: str | None = None) -> Verdict:
    """The verdict on one tag against the loaded references, at the article's date when it is given."""
    return with_related(tag, ref, _judge(tag, ref, as_of))


def _judge(tag: Tag, ref: Reference, as_of: str | None) -> Verdict:
    verdict = _judge_now(tag, ref, as_of)
    if VENUES[tag.venue_key].is_us and _open_at_date(verdict):
        windows = ref.windows()
        dated = judge_at(tag, ref, as_of or (windows[-1].last if windows else ""), verdict) if (
            as_of or windows) else None
        if dated is not None:
            return dated
    if as_of and (verdict.status == "unknown" or any(c.field == "exchange" for c in verdict.corrections)):
        return _at_article_date(tag, ref, as_of, verdict)
    return verdict


def _open_at_date(verdict: Verdict) -> bool:
    """Verdicts the dated history may settle or overturn: unsettled ones, and venue moves found in today's lists."""
    if verdict.status in ("unverified", "unknown"):
        return True
    return verdict.status == "corrected" and all(c.field == "exchange" for c in verdict.corrections)


def _judge_now(tag: Tag, ref: Reference, as_of: str | None) -> Verdict:
    """The verdict against the newest lists."""
    venue = VENUES[tag.venue_key]
    case = _Case(tag, ref, venue, symbols.canonical(tag.symbol))
    listings = list(ref.listings(case.symbol))
    if not venue.is_us:
        listings += ref.listings_on(case.symbol, sorted(GERMAN_VENUES) if venue.key in GERMAN_VENUES else [venue.key])
    here = sorted((x for x in listings if _on_venue(x, venue)), key=lambda x: _rank(x, venue))
    if here:
        return _listed_here(case, here)
    german = [x for x in listings if venue.key in GERMAN_VENUES and x.venue_key in GERMAN_VENUES]
    if german:
        return _german_sibling(case, german)
    for check in (_class_separator, _renamed):
        verdict = check(case, as_of)
        if verdict is not None:
            return verdict
    elsewhere = [x for x in listings if not _on_venue(x, venue)]
    verdict = _second_listing(case, elsewhere) or _derivative(case)
    if verdict is not None:
        return verdict
    verdict = _by_company_name(case, elsewhere)
    if verdict is not None:
        return verdict
    return _venue_rules(case, elsewhere)


def _days(earlier: str, later: str) -> int:
    return (dt.date.fromisoformat(later) - dt.date.fromisoformat(earlier)).days


def _snapshot_for(dates: Sequence[str], as_of: str) -> str | None:
    """The SEC list that speaks for an article's date: the last one before it (a month's grace), else the first."""
    before = [d for d in dates if _days(d, as_of) >= -31]
    return before[-1] if before else (dates[0] if dates else None)


def _at_article_date(tag: Tag, ref: Reference, as_of: str, now: Verdict) -> Verdict:
    """A move or an absence found in the newest list, checked against the list nearest the article's date.

    Listings change: a company delisted to OTC last year was on NASDAQ when the article was written.
    """
    newest = ref.as_of(SEC)
    if newest is None or _days(as_of, newest) <= DATE_SLACK_DAYS:
        return now  # the newest list is close enough to the article to speak for it
    then = _snapshot_for(ref.snapshots(), as_of)
    evidence = list(now.evidence)
    venue = VENUES[tag.venue_key]
    shape_rule = any(e.source == _SHAPE_RULE for e in now.evidence)
    if shape_rule and not any(_on_venue(x, venue) for _, x in ref.history(symbols.canonical(tag.symbol))):
        return now  # a five-letter Y/F symbol no list has ever shown on the venue: the rule holds at any date
    if then is None or then == newest or abs(_days(then, as_of)) > DATE_SLACK_DAYS:
        evidence.append(Evidence(SEC, newest, f"the article is dated {as_of}, {_days(as_of, newest)} days before "
                                              f"this list, and no list near its date is loaded: the listing may "
                                              f"have changed since"))
        resolved = now.resolved if now.resolved is not None else None
        return Verdict("unverified", resolved, (), 0.3, tuple(evidence), now.candidates)
    symbol = symbols.canonical(tag.symbol)
    listed_then = [x for d, x in ref.history(symbol) if d == then and _on_venue(x, venue)]
    if listed_then:
        listing = listed_then[0]
        evidence.append(Evidence(SEC, then, f"{listing.symbol} was listed on {_family_label(listing)} in the list "
                                            f"of {then}, the one nearest the article's date ({as_of})"))
        return Verdict("valid", _resolved(listing, venue, tag.symbol), (), 0.8, tuple(evidence))
    evidence.append(Evidence(SEC, then, f"the list of {then}, nearest the article's date ({as_of}), agrees"))
    return Verdict(now.status, now.resolved, now.corrections, now.confidence, tuple(evidence), now.candidates)


def _listed_here(case: _Case, here: Sequence[Listing]) -> Verdict:
    best = here[0]
    tag = case.tag
    for listing in here:
        where = "the NYSE family (NYSE, NYSE American, NYSE Arca)" if listing.family_only else VENUES[
            listing.venue_key].label
        case.note(listing.source, f"{listing.symbol} is listed on {where}" + (
            f" as {listing.name}" if listing.name else ""))
    score = _name_score(tag, best)
    if best.source == FINANCEDATABASE and (best.delisted or (score is not None and score < _NAME_CONFLICT)):
        return _partial_source_doubt(case, best, score)
    if score is not None and score < _NAME_CONFLICT:
        # The symbol is listed here, but the article names another company. Fix it only when that company's
        # own listing on this venue is a near miss of what was written; otherwise say so and change nothing.
        fix = _typo_fix(case, [best], min_score=0.9)
        if fix is not None:
            return fix
        case.note("article", f"the article attaches {tag.company!r}, not {best.name!r}")
        resolved = _resolved(best, case.venue, tag.symbol)
        confidence = 0.6
    else:
        resolved = _resolved(best, case.venue, tag.symbol)
        confidence = 0.95 if best.source == SEC or (not case.venue.is_us and best.source != FINANCEDATABASE) else 0.85
        if best.family_only:
            confidence -= 0.05
    corrections = []
    if tag.symbol != tag.symbol.upper():
        corrections.append(Correction("symbol", tag.symbol, resolved.symbol,
                                      f"symbols are written in capitals: {tag.symbol!r} is {resolved.symbol}"))
    return Verdict("corrected" if corrections else "valid", resolved, tuple(corrections), confidence,
                   tuple(case.evidence))


def _german_sibling(case: _Case, german: Sequence[Listing]) -> Verdict:
    """A German exchange's tag confirmed by the same symbol on another German exchange (they share symbols)."""
    best = sorted(german, key=lambda x: (x.delisted, x.venue_key != "XETRA", x.venue_key))[0]
    case.note(best.source, f"{best.symbol} is listed on {VENUES[best.venue_key].label}"
                           f"{' as ' + best.name if best.name else ''}; the German exchanges share one symbol per "
                           f"security, so it trades on {case.venue.label} too (less surely)")
    listing = Listing(best.symbol, case.venue.key, best.source, best.name, None, False, best.delisted, best.isin,
                      best.country)
    score = _name_score(case.tag, listing)
    if score is not None and score < _NAME_CONFLICT:
        case.note("article", f"the article attaches {case.tag.company!r}, not {best.name!r}")
        return Verdict("unverified", _claimed(case), (), 0.3, tuple(case.evidence))
    return Verdict("valid", _resolved(listing, case.venue, case.tag.symbol), (), 0.7, tuple(case.evidence))


def _partial_source_doubt(case: _Case, best: Listing, score: float | None) -> Verdict:
    """A FinanceDatabase row marked delisted, or naming another company: partly stale, so it settles less."""
    if score is not None and score < _NAME_CONFLICT:
        case.note("article", f"the article attaches {case.tag.company!r}, not {best.name!r}: the partial list may "
                             f"be stale, or the symbol reused")
        return Verdict("unverified", _claimed(case), (), 0.3, tuple(case.evidence))
    case.note(best.source, f"{best.symbol} is marked delisted: it was listed on {case.venue.label} at some time, "
                           f"the list does not say until when")
    return Verdict("valid", _resolved(best, case.venue, case.tag.symbol), (), 0.6, tuple(case.evidence))


def _class_separator(case: _Case, as_of: str | None) -> Verdict | None:
    """`BRKB` for `BRK-B`: the same letters with the class separator left out."""
    del as_of
    written = case.symbol
    if not written.isalpha() or len(written) < 3:
        return None
    for cut in (1, 2):
        candidate = f"{written[:-cut]}-{written[-cut:]}"
        here = [x for x in case.ref.listings(candidate) if _on_venue(x, case.venue)]
        if here:
            best = sorted(here, key=lambda x: _rank(x, case.venue))[0]
            resolved = _resolved(best, case.venue)
            case.note(best.source, f"{best.symbol} is listed on {_family_label(best)}; {written} is not")
            fix = Correction("symbol", case.tag.symbol, resolved.symbol,
                             f"class shares are written with a separator: {resolved.symbol}")
            return Verdict("corrected", resolved, (fix,), 0.85, tuple(case.evidence))
    return None


def _renamed(case: _Case, as_of: str | None) -> Verdict | None:
    """A symbol the SEC's own history shows replaced for the same issuer."""
    for rename in case.ref.renamed(case.symbol):
        current = [x for x in case.ref.listings(rename.new) if rename.venue_key is None or x.venue_key in (
            rename.venue_key, case.venue.key) or _on_venue(x, case.venue)]
        if not current:
            continue
        best = sorted(current, key=lambda x: _rank(x, case.venue))[0]
        resolved = _resolved(best, case.venue if _on_venue(best, case.venue) else VENUES[best.venue_key])
        case.note(rename.source, f"{rename.old} became {rename.new} ({rename.name or 'same issuer'}) between "
                                 f"{rename.seen_old} and {rename.seen_new}")
        if as_of and as_of < rename.seen_new:
            return Verdict("valid", resolved, (), 0.8, tuple(case.evidence))
        fixes = [Correction("symbol", case.tag.symbol, resolved.symbol, f"renamed: {rename.old} is now {rename.new}")]
        if resolved.exchange != case.venue.label and not _on_venue(best, case.venue):
            fixes.append(Correction("exchange", case.venue.label, resolved.exchange,
                                    f"{rename.new} is listed on {resolved.exchange}"))
        return Verdict("corrected", resolved, tuple(fixes), 0.85, tuple(case.evidence))
    return None


def _second_listing(case: _Case, elsewhere: Sequence[Listing]) -> Verdict | None:
    """`(NYSE, Nasdaq: VZ)`: the article names both venues; one source row per company can't refute the other."""
    named_too = [x for x in elsewhere if any(_on_venue(x, VENUES[k]) for k in case.tag.co_venues)]
    if not named_too:
        return None
    listing = named_too[0]
    case.note(listing.source, f"{listing.symbol} is listed on {_family_label(listing)}, which the article also "
                              f"names; the list records one exchange per company, so a second listing on "
                              f"{case.venue.label} can't be checked")
    return Verdict("unverified", _claimed(case), (), 0.4, tuple(case.evidence))


_DERIVATIVE_SUFFIXES = {"W": "warrants", "WS": "warrants", "WT": "warrants", "U": "units", "UN": "units",
                        "R": "rights", "RT": "rights", "RI": "rights"}


def _derivative(case: _Case) -> Verdict | None:
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
    parents = [x for x in case.ref.listings(root) if _on_venue(x, case.venue)]
    if not parents:
        return None
    parent = parents[0]
    case.note(parent.source, f"{symbol} reads as the {kind} of {parent.symbol} ({parent.name or 'listed'}) on "
                             f"{_family_label(parent)}; the list carries few {kind}, so it can't confirm them")
    if case.ref.trades_in_us(symbol):
        case.note(CUSIP, f"{symbol} has a CUSIP, so it trades in the US")
    return Verdict("unverified", _claimed(case), (), 0.5, tuple(case.evidence))


def _by_company_name(case: _Case, elsewhere: Sequence[Listing]) -> Verdict | None:
    """Fixes the attached name settles: the same symbol on another venue, or a typo of this company's symbol."""
    tag = case.tag
    if not tag.company:
        return None
    for listing in elsewhere:
        score = _name_score(tag, listing)
        if score is not None and score >= _NAME_MATCH and _may_correct_venue(case, listing):
            return _move_venue(case, listing, f"{listing.symbol} of {listing.name} is listed on "
                                              f"{_family_label(listing)}, not {case.venue.label}", 0.9)
    return _typo_fix(case, elsewhere, min_score=_NAME_MATCH)


def _typo_fix(case: _Case, others: Sequence[Listing], min_score: float) -> Verdict | None:
    """The named company's own listing on this venue, when its symbol is within two edits of what was written."""
    tag = case.tag
    if not tag.company:
        return None
    if case.venue.is_us and case.ref.trades_in_us(case.symbol):
        return None  # the written symbol is a real US security (an ADR line, a unit, a new symbol): leave it
    same_venue = [x for x in case.ref.by_name(tag.company)
                  if _on_venue(x, case.venue) and x.symbol != case.symbol
                  and names_match(tag.company, x.name or "") >= min_score]
    if not same_venue:
        return None
    scored = sorted(((symbols.distance(case.symbol, x.symbol), _rank(x, case.venue), x) for x in same_venue),
                    key=lambda row: row[:2])
    best_distance = scored[0][0]
    if best_distance > 2 or best_distance >= len(case.symbol):
        return None
    tied = {x.symbol: x for d, _, x in scored if d == best_distance}
    if len(tied) > 1:
        candidates = tuple(_resolved(x, case.venue) for x in tied.values())
        case.note("article", f"{tag.company!r} fits {', '.join(sorted(tied))} equally on {case.venue.label}")
        return Verdict("ambiguous", None, (), 0.4, tuple(case.evidence), candidates)
    best = scored[0][2]
    resolved = _resolved(best, case.venue)
    case.note(best.source, f"{best.name} is listed on {_family_label(best)} as {best.symbol}")
    if others:
        owners = ", ".join(sorted({f"{x.symbol} ({x.name or '?'})" for x in others}))
        case.note(others[0].source, f"{case.symbol} belongs to another company: {owners}")
    fix = Correction("symbol", tag.symbol, resolved.symbol,
                     f"{tag.company!r} is {best.name}, whose symbol on {case.venue.label} is {resolved.symbol}")
    return Verdict("corrected", resolved, (fix,), 0.8 if best_distance == 1 else 0.7, tuple(case.evidence))


def _may_correct_venue(case: _Case, listing: Listing) -> bool:
    """Coverage rule: move a tag only off a venue some source covers, onto a listing from a trusted source."""
    if not case.ref.covered_by(case.venue.key) and case.ref.complete_for(case.venue.key) is None:
        return False
    if case.venue.is_us:
        return VENUES[listing.venue_key].is_us
    return case.ref.complete_for(case.venue.key) is not None


def _move_venue(case: _Case, listing: Listing, reason: str, confidence: float) -> Verdict:
    resolved = _resolved(listing, case.venue, case.tag.symbol)
    if listing.family_only and VENUES[listing.venue_key].family != case.venue.family:
        # The source names the family only: NYSE is the likeliest member, not a certainty.
        reason += " (the list does not say whether NYSE, NYSE American or NYSE Arca)"
        confidence -= 0.1
    case.note(listing.source, reason)
    fixes = [Correction("exchange", case.venue.label, resolved.exchange, reason)]
    if case.tag.symbol != resolved.symbol:
        fixes.append(Correction("symbol", case.tag.symbol, resolved.symbol, "symbols are written in capitals"))
    return Verdict("corrected", resolved, tuple(fixes), confidence, tuple(case.evidence))


def _venue_rules(case: _Case, elsewhere: Sequence[Listing]) -> Verdict:
    """No name settles it: move only on one unambiguous listing elsewhere, or the five-letter Y/F rule."""
    tag, venue, ref = case.tag, case.venue, case.ref
    complete = ref.complete_for(venue.key)
    conflicts = [x for x in elsewhere if (s := _name_score(tag, x)) is not None and s < _NAME_CONFLICT]
    movable = [x for x in elsewhere if x not in conflicts and _may_correct_venue(case, x)]
    families = {VENUES[x.venue_key].family for x in movable}
    if len(families) == 1:
        best = sorted(movable, key=lambda x: _rank(x, VENUES[x.venue_key]))[0]
        return _move_venue(case, best, f"{best.symbol} is listed on {_family_label(best)}"
                                       f"{' as ' + best.name if best.name else ''}, not on {venue.label}", 0.75)
    if len(families) > 1:
        candidates = tuple(_resolved(x, VENUES[x.venue_key]) for x in movable)
        case.note(movable[0].source, f"{case.symbol} is listed on {', '.join(sorted(families))}")
        return Verdict("ambiguous", None, (), 0.4, tuple(case.evidence), candidates)
    for listing in conflicts:
        case.note(listing.source, f"{listing.symbol} on {_family_label(listing)} is {listing.name}, "
                                  f"not {tag.company!r}")
    us_trace = ref.trades_in_us(case.symbol)
    if venue.is_us and venue.family != "OTC" and symbols.is_foreign_otc_shape(case.symbol) and not conflicts:
        return _foreign_otc(case, us_trace)
    if complete is None:
        where = "no loaded source lists every company on " + venue.label
        if elsewhere:
            where += "; also listed on " + ", ".join(sorted({_family_label(x) for x in elsewhere}))
        case.note("coverage", where)
        return Verdict("unverified", _claimed(case), (), 0.3, tuple(case.evidence))
    case.note(complete, f"{case.symbol} is not among the {venue.label} listings")
    if us_trace:
        case.note(CUSIP, f"{case.symbol} has a CUSIP, so it trades somewhere in the US (a fund or OTC name?)")
        return Verdict("unverified", _claimed(case), (), 0.3, tuple(case.evidence))
    return Verdict("unknown", None, (), 0.7, tuple(case.evidence))


def _foreign_otc(case: _Case, us_trace: bool) -> Verdict:
    otc = VENUES["OTC"]
    kind = "adr" if case.symbol.endswith("Y") else "foreign ordinary share"
    reason = (f"{case.symbol} is a five-letter symbol ending in {case.symbol[-1]} ({kind}) that no exchange list has: "
              f"it trades over the counter")
    case.note(_SHAPE_RULE, reason)
    if us_trace:
        case.note(CUSIP, f"{case.symbol} has a CUSIP, so it trades in the US")
    resolved = Resolved(symbol=case.symbol, exchange=otc.label, mic=otc.mic, yahoo_symbol=case.symbol, name=None,
                        currency=otc.currency, kind="adr" if case.symbol.endswith("Y") else "ordinary")
    fixes = [Correction("exchange", case.venue.label, otc.label, reason)]
    if case.tag.symbol != case.symbol:
        fixes.append(Correction("symbol", case.tag.symbol, case.symbol, "symbols are written in capitals"))
    return Verdict("corrected", resolved, tuple(fixes), 0.8 if us_trace else 0.6, tuple(case.evidence))


def _claimed(case: _Case) -> Resolved:
    """The listing as claimed, in canonical form: what a live check or a price lookup would ask for."""
    return Resolved(symbol=symbols.display(case.symbol), exchange=case.venue.label, mic=case.venue.mic,
                    yahoo_symbol=symbols.yahoo_symbol(case.symbol, case.venue), name=None,
                    currency=case.venue.currency, kind=None)
