"""US tags judged at the article's date from the dated listing history: listed then, moved since, or OTC.

The history lists every NASDAQ, NYSE and NYSE American symbol day by day from 2021 (and every exchange
listing in 2014-2016), so within its windows absence means something: a symbol on no exchange list at the
date that is a US security (a CUSIP, an SEC OTC entry) trades over the counter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from enrich.domain import symbols
from enrich.domain.model import Correction, Evidence, Resolved, Tag, Verdict
from enrich.domain.names import names_match, says_nothing
from enrich.domain.reference import Presence, Reference, Window
from enrich.domain.sources import SEC, US_HISTORY
from enrich.domain.venues import VENUES

GAP_DAYS = 7  # daily pulls skip days: a symbol seen up to a week either side was there
AHEAD_DAYS = 45  # a release announcing a listing names the venue before the first day of trading
LONG_GAP_DAYS = 365  # an exchange listing this near the date rules out an OTC fix
BEYOND_DAYS = 100  # past a window's end, its last state speaks for this long
ETF_DAYS = 730  # funds rarely move or close: a directory's ETF speaks for two years either side
_NAME_CONFLICT = 0.25


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def _days(earlier: str, later: str) -> int:
    return (_day(later) - _day(earlier)).days


def _window(windows: Sequence[Window], as_of: str) -> Window | None:
    for window in windows:
        if _days(window.first, as_of) >= 0 and _days(as_of, window.last) >= -BEYOND_DAYS:
            return window
    return None


def _covers(run: Presence, window: Window, as_of: str, before: int = GAP_DAYS, after: int = GAP_DAYS) -> bool:
    """Was the symbol on the run's venue at `as_of` (a run reaching the window's end goes on past it)?"""
    last = run.last
    if last == window.last:
        after = max(after, BEYOND_DAYS)
    return _days(run.first, as_of) >= -before and _days(as_of, last) >= -after


def _name_for(tag: Tag, ref: Reference, symbol: str) -> tuple[str | None, bool]:
    """The name to report (the SEC name the article's name fits best) and whether every SEC name the symbol ever
    had is another company's (a company renamed since has two; older lists are read only when needed)."""
    names = [x.name for x in ref.listings(symbol) if x.name]
    if not tag.company or says_nothing(tag.company):
        return (names[0] if names else _older_name(ref, symbol)), False
    best = _best(tag.company, names)
    if best is None or best[0] < _NAME_CONFLICT:
        names += [x.name for _, x in ref.history(symbol) if x.name]
        best = _best(tag.company, names)
    if best is None:
        return None, False
    return best[1], best[0] < _NAME_CONFLICT


def _best(company: str, names: list[str]) -> tuple[float, str] | None:
    scored = sorted(((names_match(company, n), n) for n in dict.fromkeys(names)), key=lambda p: -p[0])
    return scored[0] if scored else None


def _older_name(ref: Reference, symbol: str) -> str | None:
    return next((x.name for _, x in ref.history(symbol) if x.name), None)


def _resolved(symbol: str, venue_key: str, name: str | None, written: str) -> Resolved:
    venue = VENUES[venue_key]
    shown = written if symbols.same_except_separator(written, symbol) else symbols.display(symbol)
    kind = None
    if venue.family == "OTC" and symbols.is_foreign_otc_shape(symbol):
        kind = "adr" if symbol.endswith("Y") else "ordinary"
    return Resolved(symbol=shown, exchange=venue.label, mic=venue.mic, yahoo_symbol=symbols.yahoo_symbol(symbol, venue),
                    name=name, currency=venue.currency, kind=kind)


def _renamed_before(ref: Reference, symbol: str, as_of: str) -> bool:
    """The symbol was given up before the date (a stale CUSIP entry of a renamed company)."""
    return any(c.kind == "rename" and c.old_symbol == symbol and _days(c.first_new, as_of) > GAP_DAYS
               for c in ref.changes(symbol)) or any(r.seen_new <= as_of for r in ref.renamed(symbol))


def _since(ref: Reference, symbol: str, venue_key: str, runs: Sequence[Presence], as_of: str) -> str | None:
    """What happened to the listing after the article, for the evidence."""
    for change in ref.changes(symbol):
        if change.old_symbol == symbol and change.first_new > as_of:
            if change.kind == "transfer":
                return f"it moved to {VENUES[change.new_venue].label} on {change.first_new}"
            return f"it became {change.new_symbol} on {change.first_new}"
    for rename in ref.renamed(symbol):
        if rename.seen_new > as_of:
            return f"it became {rename.new} between {rename.seen_old} and {rename.seen_new}"
    later = [r for r in runs if r.venue_key == venue_key and r.source != "nasdaqtrader"]
    if later and later[-1].last < "2026-08-22" and later[-1].last > as_of:
        return f"it was last seen there on {later[-1].last}"
    return None


def judge_at(tag: Tag, ref: Reference, as_of: str) -> Verdict | None:
    """The verdict at the article's date from the dated US history, or None when it can't settle the tag."""
    venue = VENUES[tag.venue_key]
    if not venue.is_us:
        return None
    symbol = symbols.canonical(tag.symbol)
    name, conflict = _name_for(tag, ref, symbol)
    if conflict and not any(c.kind == "rename" for c in ref.changes(symbol)):
        return None  # the article names another company (not a renamed one): the typo and name checks decide
    window = _window(ref.windows(), as_of)
    if window is None or (venue.key not in window.venues and venue.family != "OTC"):
        return _directory(tag, ref, as_of, symbol, name)  # NYSE Arca, Cboe, IEX, or a date outside the windows
    runs = [r for r in ref.presence(symbol) if r.source == window.source]
    then = {r.venue_key: r for r in runs if _covers(r, window, as_of)}
    if not then and venue.family != "OTC":
        found = _directory(tag, ref, as_of, symbol, name, funds_only=True)  # the daily pulls leave funds out
        if found is not None:
            return found
    if venue.key in then:
        run = then[venue.key]
        finding = (f"{symbol} was listed on {venue.label} at the article's date ({as_of}): seen there from "
                   f"{run.first} to {run.last}")
        since = _since(ref, symbol, venue.key, runs, as_of)
        evidence = (Evidence(US_HISTORY, ref.as_of(US_HISTORY), finding + (f"; {since}" if since else "")),)
        return _with_case(tag, Verdict("valid", _resolved(symbol, venue.key, name, tag.symbol), (), 0.9, evidence))
    if len(then) == 1:
        (where, run), = then.items()
        if where in tag.co_venues:
            return None  # `(NYSE, Nasdaq: VZ)`: the article names the venue it was on too
        return _moved(tag, ref, as_of, symbol, name, where, run)
    if then:
        return None  # on two exchanges at once: leave it to the other checks
    return _off_exchange(tag, ref, as_of, window, runs, name)


def _moved(tag: Tag, ref: Reference, as_of: str, symbol: str, name: str | None, where: str,
           run: Presence) -> Verdict:
    """On one other exchange at the date: the tag names the wrong venue (the reason names the move's date)."""
    venue = VENUES[tag.venue_key]
    moved = next((c for c in ref.changes(symbol) if c.kind == "transfer" and c.new_venue == where
                  and c.old_venue == venue.key and c.first_new <= as_of), None)
    reason = (f"{symbol} moved from {venue.label} to {VENUES[where].label} on {moved.first_new}" if moved else
              f"{symbol} was listed on {VENUES[where].label} at the article's date ({as_of}), "
              f"from {run.first} to {run.last}")
    resolved = _resolved(symbol, where, name, tag.symbol)
    fixes = [Correction("exchange", venue.label, resolved.exchange, reason)]
    if tag.symbol != tag.symbol.upper():
        fixes.append(Correction("symbol", tag.symbol, resolved.symbol, "symbols are written in capitals"))
    evidence = (Evidence(US_HISTORY, ref.as_of(US_HISTORY), reason),)
    return Verdict("corrected", resolved, tuple(fixes), 0.85 if moved else 0.8, evidence)


def _directory(tag: Tag, ref: Reference, as_of: str, symbol: str, name: str | None,
               funds_only: bool = False) -> Verdict | None:
    """Valid by a NASDAQ Trader directory (every exchange listing, ETFs too) near the date: the one dated source
    for NYSE Arca, Cboe and IEX, and for funds, which the daily screener pulls leave out."""
    venue = VENUES[tag.venue_key]
    rows = [r for r in ref.presence(symbol) if r.source == "nasdaqtrader" and r.first == r.last
            and abs(_days(r.first, as_of)) <= (ETF_DAYS if r.kind == "etf" else LONG_GAP_DAYS)
            and (r.kind == "etf" or not funds_only)]
    for run in rows:
        if run.venue_key == venue.key:
            what = "an ETF" if run.kind == "etf" else "a listing"
            finding = (f"{symbol} is {what} on {venue.label} in NASDAQ Trader's directory of {run.first}, "
                       f"{abs(_days(run.first, as_of))} days from the article's date: inferred listed then too")
            verdict = Verdict("valid", _resolved(symbol, venue.key, name, tag.symbol), (), 0.75,
                              (Evidence(US_HISTORY, run.first, finding),))
            return _with_case(tag, verdict)
    funds = [r for r in rows if r.kind == "etf" and VENUES[r.venue_key].family == venue.family]
    if len(funds) == 1 and funds[0].venue_key not in tag.co_venues:
        # `NYSE: PFFA` for an ETF that NYSE Arca lists: the family is right, the venue is Arca.
        where = VENUES[funds[0].venue_key]
        reason = (f"{symbol} is an ETF on {where.label} in NASDAQ Trader's directory of {funds[0].first}, "
                  f"{abs(_days(funds[0].first, as_of))} days from the article's date, not on {venue.label}")
        resolved = _resolved(symbol, where.key, name, tag.symbol)
        return Verdict("corrected", resolved, (Correction("exchange", venue.label, where.label, reason),), 0.7,
                       (Evidence(US_HISTORY, funds[0].first, reason),))
    return None


def _off_exchange(tag: Tag, ref: Reference, as_of: str, window: Window, runs: Sequence[Presence],
                  name: str | None) -> Verdict | None:
    """On no exchange list at the date: about to list there, renamed, or traded over the counter."""
    venue = VENUES[tag.venue_key]
    symbol = symbols.canonical(tag.symbol)
    note = _noter(ref)
    soon = [r for r in runs if r.venue_key == venue.key and 0 < _days(as_of, r.first) <= AHEAD_DAYS]
    if soon and venue.family != "OTC":
        finding = (f"{symbol} began trading on {venue.label} on {soon[0].first}, {_days(as_of, soon[0].first)} "
                   f"days after the article: a listing announced ahead")
        return Verdict("valid", _resolved(symbol, venue.key, name, tag.symbol), (), 0.6, (note(finding),))
    renamed = _renamed_at(tag, ref, as_of, window, symbol)
    if renamed is not None or _renamed_before(ref, symbol, as_of):
        return renamed
    near = [r for r in ref.presence(symbol) if _covers(r, window, as_of, LONG_GAP_DAYS, AHEAD_DAYS)
            and VENUES[r.venue_key].family != "OTC"]
    if near or _sec_exchange_near(ref, symbol, as_of):
        return None  # the daily pulls miss some listings (4-8% of the SEC's): an exchange list near the date wins
    fund = any(r.kind == "etf" for r in ref.presence(symbol))
    otc_proof = _otc_proof(ref, symbol)
    why = otc_proof or (f"{symbol} has a CUSIP, so it is a US security" if ref.trades_in_us(symbol) else None)
    if why is None and venue.family == "OTC" and symbols.is_foreign_otc_shape(symbol):
        why = f"{symbol} is a five-letter symbol ending in {symbol[-1]} (an ADR or foreign ordinary)"
    if fund or why is None:
        return None
    left = [r for r in runs if _days(r.last, as_of) > GAP_DAYS]
    gone = f" (it left {VENUES[left[-1].venue_key].label} after {left[-1].last})" if left else ""
    finding = f"no US exchange list has {symbol} at the article's date ({as_of}){gone}; {why}"
    if venue.family == "OTC":
        resolved = _resolved(symbol, "OTC", name, tag.symbol)
        return _with_case(tag, Verdict("valid", resolved, (), 0.7, (note(finding + ": it trades over the counter"),)))
    if otc_proof is None:
        # A CUSIP outlives an acquired company's shares: without an OTC record, say what is known and move nothing.
        return Verdict("unverified", _resolved(symbol, venue.key, None, tag.symbol), (), 0.3, (note(finding),))
    resolved = _resolved(symbol, "OTC", name, tag.symbol)
    finding += ": it trades over the counter"
    fixes = [Correction("exchange", venue.label, "OTC", finding)]
    if tag.symbol != tag.symbol.upper():
        fixes.append(Correction("symbol", tag.symbol, resolved.symbol, "symbols are written in capitals"))
    return Verdict("corrected", resolved, tuple(fixes), 0.7, (note(finding),))


def _sec_exchange_near(ref: Reference, symbol: str, as_of: str) -> bool:
    """An SEC list from a year before to 120 days after the date shows the symbol on a US exchange."""
    dated = [(d, x) for d, x in ref.history(symbol)]
    newest = ref.as_of(SEC)
    if newest:
        dated += [(newest, x) for x in ref.listings(symbol) if x.source == SEC]
    return any(VENUES[x.venue_key].is_us and VENUES[x.venue_key].family != "OTC"
               and -LONG_GAP_DAYS <= _days(as_of, d) <= 120 for d, x in dated)


def _noter(ref: Reference):
    as_of = ref.as_of(US_HISTORY)
    return lambda finding: Evidence(US_HISTORY, as_of, finding)


def _otc_proof(ref: Reference, symbol: str) -> str | None:
    """Positive signs of an over-the-counter line: an SEC OTC entry, or the five-letter Y/F shape."""
    if any(x.venue_key == "OTC" for x in ref.listings(symbol)) or any(
            x.venue_key == "OTC" for _, x in ref.history(symbol)):
        return f"the SEC lists {symbol} as traded over the counter"
    if symbols.is_foreign_otc_shape(symbol) and ref.trades_in_us(symbol):
        return f"{symbol} is a five-letter symbol ending in {symbol[-1]} with a CUSIP (an ADR or foreign ordinary)"
    return None


def _renamed_at(tag: Tag, ref: Reference, as_of: str, window: Window, symbol: str) -> Verdict | None:
    """The symbol had been replaced before the date, and its successor was on an exchange then."""
    for change in ref.changes(symbol):
        if change.kind != "rename" or change.old_symbol != symbol or _days(change.first_new, as_of) <= GAP_DAYS:
            continue
        then = [r for r in ref.presence(change.new_symbol) if r.source == window.source and _covers(r, window, as_of)]
        if len(then) != 1:
            continue
        where = then[0].venue_key
        reason = f"{symbol} became {change.new_symbol} on {change.first_new}"
        resolved = _resolved(change.new_symbol, where, None, change.new_symbol)
        fixes = [Correction("symbol", tag.symbol, resolved.symbol, f"renamed: {reason}")]
        if where != tag.venue_key:
            fixes.append(Correction("exchange", VENUES[tag.venue_key].label, resolved.exchange,
                                    f"{change.new_symbol} was listed on {resolved.exchange} at the article's date"))
        return Verdict("corrected", resolved, tuple(fixes), 0.85, (_noter(ref)(reason),))
    return None


def _with_case(tag: Tag, verdict: Verdict) -> Verdict:
    """A valid listing written in lower case is corrected for its case, as the other checks do."""
    if tag.symbol == tag.symbol.upper() or verdict.resolved is None:
        return verdict
    fix = Correction("symbol", tag.symbol, verdict.resolved.symbol,
                     f"symbols are written in capitals: {tag.symbol!r} is {verdict.resolved.symbol}")
    return Verdict("corrected", verdict.resolved, (fix,), verdict.confidence, verdict.evidence)
