"""Verdicts: is a tag right, and if not, which one fix do the references support?

The order of the checks is the order of trust: the listing as written, then fixes that need no
judgement (case, class separator, a rename the SEC recorded), then fixes the attached company name
settles, then the venue rules (those fixes are in `corrections`). An article's date brings in the
dated history (`dated`) and the SEC list nearest that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from enrich.domain import symbols
from enrich.domain.case import NAME_CONFLICT, SHAPE_RULE, Case, family_label, name_score, on_venue, rank, resolve
from enrich.domain.corrections import (
    by_company_name,
    class_separator,
    derivative,
    german_sibling,
    partial_source_doubt,
    renamed,
    second_listing,
    typo_fix,
    venue_rules,
)
from enrich.domain.dated import judge_at
from enrich.domain.model import Correction, Evidence, Listing, Tag, Verdict
from enrich.domain.reference import Reference
from enrich.domain.related import with_related
from enrich.domain.sources import FINANCEDATABASE, SEC
from enrich.domain.venues import GERMAN_VENUES, VENUES

DATE_SLACK_DAYS = 120  # a list this much newer than the article may no longer describe its listings


def judge(tag: Tag, ref: Reference, as_of: str | None = None) -> Verdict:
    """The verdict on one tag against the loaded references, at the article's date when it is given."""
    return with_related(tag, ref, _judge(tag, ref, as_of))


def _judge(tag: Tag, ref: Reference, as_of: str | None) -> Verdict:
    us = VENUES[tag.venue_key].is_us
    if us and as_of:
        dated = judge_at(tag, ref, as_of)  # the dated history speaks for the article's day
        if dated is not None:
            return dated
    verdict = _judge_now(tag, ref, as_of)
    windows = ref.windows()
    if us and not as_of and windows and verdict.status in ("unverified", "unknown") and VENUES[
            tag.venue_key].family == "OTC":  # today's SEC list has judged exchange tags; OTC needs the OTC rule
        dated = judge_at(tag, ref, windows[-1].last)  # undated: the newest day the history knows
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
    case = Case(tag, ref, venue, symbols.canonical(tag.symbol))
    listings = list(ref.listings(case.symbol))
    if not venue.is_us:
        listings += ref.listings_on(case.symbol, sorted(GERMAN_VENUES) if venue.key in GERMAN_VENUES else [venue.key])
    here = sorted((x for x in listings if on_venue(x, venue)), key=lambda x: rank(x, venue))
    if here:
        return _listed_here(case, here)
    german = [x for x in listings if venue.key in GERMAN_VENUES and x.venue_key in GERMAN_VENUES]
    if german:
        return german_sibling(case, german)
    for check in (class_separator, renamed):
        verdict = check(case, as_of)
        if verdict is not None:
            return verdict
    elsewhere = [x for x in listings if not on_venue(x, venue)]
    verdict = second_listing(case, elsewhere) or derivative(case)
    if verdict is not None:
        return verdict
    verdict = by_company_name(case, elsewhere)
    if verdict is not None:
        return verdict
    return venue_rules(case, elsewhere)


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
    shape_rule = any(e.source == SHAPE_RULE for e in now.evidence)
    if shape_rule and not any(on_venue(x, venue) for _, x in ref.history(symbols.canonical(tag.symbol))):
        return now  # a five-letter Y/F symbol no list has ever shown on the venue: the rule holds at any date
    if then is None or then == newest or abs(_days(then, as_of)) > DATE_SLACK_DAYS:
        evidence.append(Evidence(SEC, newest, f"the article is dated {as_of}, {_days(as_of, newest)} days before "
                                              f"this list, and no list near its date is loaded: the listing may "
                                              f"have changed since"))
        resolved = now.resolved if now.resolved is not None else None
        return Verdict("unverified", resolved, (), 0.3, tuple(evidence), now.candidates)
    symbol = symbols.canonical(tag.symbol)
    listed_then = [x for d, x in ref.history(symbol) if d == then and on_venue(x, venue)]
    if listed_then:
        listing = listed_then[0]
        evidence.append(Evidence(SEC, then, f"{listing.symbol} was listed on {family_label(listing)} in the list "
                                            f"of {then}, the one nearest the article's date ({as_of})"))
        return Verdict("valid", resolve(listing, venue, tag.symbol), (), 0.8, tuple(evidence))
    evidence.append(Evidence(SEC, then, f"the list of {then}, nearest the article's date ({as_of}), agrees"))
    return Verdict(now.status, now.resolved, now.corrections, now.confidence, tuple(evidence), now.candidates)


def _listed_here(case: Case, here: Sequence[Listing]) -> Verdict:
    best = here[0]
    tag = case.tag
    for listing in here:
        where = "the NYSE family (NYSE, NYSE American, NYSE Arca)" if listing.family_only else VENUES[
            listing.venue_key].label
        case.note(listing.source, f"{listing.symbol} is listed on {where}" + (
            f" as {listing.name}" if listing.name else ""))
    score = name_score(tag, best)
    if best.source == FINANCEDATABASE and (best.delisted or (score is not None and score < NAME_CONFLICT)):
        return partial_source_doubt(case, best, score)
    if score is not None and score < NAME_CONFLICT:
        # The symbol is listed here, but the article names another company. Fix it only when that company's
        # own listing on this venue is a near miss of what was written; otherwise say so and change nothing.
        fix = typo_fix(case, [best], min_score=0.9)
        if fix is not None:
            return fix
        case.note("article", f"the article attaches {tag.company!r}, not {best.name!r}")
        resolved = resolve(best, case.venue, tag.symbol)
        confidence = 0.6
    else:
        resolved = resolve(best, case.venue, tag.symbol)
        confidence = 0.95 if best.source == SEC or (not case.venue.is_us and best.source != FINANCEDATABASE) else 0.85
        if best.family_only:
            confidence -= 0.05
    corrections = []
    if tag.symbol != tag.symbol.upper():
        corrections.append(Correction("symbol", tag.symbol, resolved.symbol,
                                      f"symbols are written in capitals: {tag.symbol!r} is {resolved.symbol}"))
    return Verdict("corrected" if corrections else "valid", resolved, tuple(corrections), confidence,
                   tuple(case.evidence))
