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
from enrich.domain.names import names_match
from enrich.domain.reference import Presence, Reference, Window
from enrich.domain.sources import CUSIP, SEC, US_HISTORY
from enrich.domain.venues import VENUES

GAP_DAYS = 7  # daily pulls skip days: a symbol seen up to a week either side was there
AHEAD_DAYS = 45  # a release announcing a listing names the venue before the first day of trading
LONG_GAP_DAYS = 365  # an exchange listing this near the date rules out an OTC fix
BEYOND_DAYS = 100  # past a window's end, its last state speaks for this long
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


def _names(ref: Reference, symbol: str) -> list[str]:
    """The symbol's company names in the SEC lists, newest first (a company renamed since has two)."""
    found = [x.name for x in ref.listings(symbol) if x.name] + [x.name for _, x in ref.history(symbol) if x.name]
    return list(dict.fromkeys(found))


def _name_for(tag: Tag, names: list[str]) -> tuple[str | None, bool]:
    """The name to report (the one the article's name fits best) and whether every name is another company's."""
    if not names:
        return None, False
    if not tag.company:
        return names[0], False
    scored = sorted(((names_match(tag.company, n), n) for n in names), key=lambda p: -p[0])
    return scored[0][1], scored[0][0] < _NAME_CONFLICT


def _resolved(symbol: str, venue_key: str, name: str | None, written: str) -> Resolved:
    venue = VENUES[venue_key]
    shown = written if symbols.same_except_separator(written, symbol) else symbols.display(symbol)
    kind = None
    if venue.family == "OTC" and symbols.is_foreign_otc_shape(symbol):
        kind = "adr" if symbol.endswith("Y") else "ordinary"
    return Resolved(symbol=shown, exchange=venue.label, mic=venue.mic, yahoo_symbol=symbols.yahoo_symbol(symbol, venue),
                    name=name, currency=venue.currency, kind=kind)


def _us_security(ref: Reference, symbol: str) -> str | None:
    """Why the symbol is a US security, or None: an SEC OTC entry, a CUSIP."""
    if any(x.venue_key == "OTC" for x in ref.listings(symbol)) or any(
            x.venue_key == "OTC" for _, x in ref.history(symbol)):
        return f"the SEC lists {symbol} as traded over the counter"
    if ref.trades_in_us(symbol):
        return f"{symbol} has a CUSIP, so it is a US security"
    return None


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
    later = [r for r in runs if r.venue_key == venue_key and r.source != "nasdaqtrader"]
    if later and later[-1].last < "2026-08-22" and later[-1].last > as_of:
        return f"it was last seen there on {later[-1].last}"
    return None


def judge_at(tag: Tag, ref: Reference, as_of: str, now: Verdict) -> Verdict | None:
    """The verdict at the article's date from the dated US history, or None when it can't say more than `now`."""
    venue = VENUES[tag.venue_key]
    symbol = symbols.canonical(tag.symbol)
    if not venue.is_us:
        return None
    window = _window(ref.windows(), as_of)
    if window is None:
        evidence = [e for e in now.evidence if e.source not in (SEC, CUSIP, "coverage")]
        name, conflict = _name_for(tag, _names(ref, symbol))
        found = _directory(tag, ref, as_of, symbol, name, evidence)
        return None if found is None or conflict else _keep_case(tag, now, found)
    runs = [r for r in ref.presence(symbol) if r.source == window.source]
    then = {r.venue_key: r for r in runs if _covers(r, window, as_of)}
    evidence = [e for e in now.evidence if e.source not in (SEC, CUSIP, "coverage")]
    name, conflict = _name_for(tag, _names(ref, symbol))
    directory = _directory(tag, ref, as_of, symbol, name, evidence)
    if directory is not None and not conflict:
        return _keep_case(tag, now, directory)
    if venue.key in then or (venue.family == "NYSE" and venue.key not in window.venues and any(
            VENUES[k].family == "NYSE" for k in then)):
        run = then.get(venue.key) or next(r for k, r in then.items() if VENUES[k].family == "NYSE")
        if conflict:
            return None
        finding = f"{symbol} was listed on {VENUES[run.venue_key].label} at the article's date ({as_of}): seen " \
                  f"there from {run.first} to {run.last}"
        since = _since(ref, symbol, run.venue_key, runs, as_of)
        evidence.append(Evidence(US_HISTORY, ref.as_of(US_HISTORY), finding + (f"; {since}" if since else "")))
        return _keep_case(tag, now, Verdict("valid", _resolved(symbol, venue.key, name, tag.symbol), (), 0.9,
                                            tuple(evidence)))
    if venue.key not in window.venues and venue.family != "OTC":
        return None  # NYSE Arca, Cboe, IEX: the screener pulls don't cover them
    exchanges = {k: r for k, r in then.items() if k in window.venues}
    if len(exchanges) == 1 and not conflict:
        (where, run), = exchanges.items()
        moved = next((c for c in ref.changes(symbol) if c.kind == "transfer" and c.new_venue == where
                      and c.old_venue == venue.key and c.first_new <= as_of), None)
        reason = (f"{symbol} moved from {venue.label} to {VENUES[where].label} on {moved.first_new}" if moved else
                  f"{symbol} was listed on {VENUES[where].label} at the article's date ({as_of}), "
                  f"from {run.first} to {run.last}")
        evidence.append(Evidence(US_HISTORY, ref.as_of(US_HISTORY), reason))
        resolved = _resolved(symbol, where, name, tag.symbol)
        fixes = [Correction("exchange", venue.label, resolved.exchange, reason)]
        if tag.symbol != tag.symbol.upper():
            fixes.append(Correction("symbol", tag.symbol, resolved.symbol, "symbols are written in capitals"))
        return Verdict("corrected", resolved, tuple(fixes), 0.85 if moved else 0.8, tuple(evidence))
    if exchanges:
        return None  # on two exchanges at once: leave it to the other checks
    return _off_exchange(tag, ref, as_of, now, window, runs, name, evidence)


def _directory(tag: Tag, ref: Reference, as_of: str, symbol: str, name: str | None,
               evidence: list[Evidence]) -> Verdict | None:
    """Valid by a NASDAQ Trader directory (every exchange listing, ETFs too) within a year of the date: the one
    dated source for NYSE Arca, Cboe and IEX, and for funds, which the daily screener pulls leave out."""
    venue = VENUES[tag.venue_key]
    for run in ref.presence(symbol):
        if run.source == "nasdaqtrader" and run.venue_key == venue.key and run.first == run.last and abs(
                _days(run.first, as_of)) <= LONG_GAP_DAYS:
            what = "an ETF" if run.kind == "etf" else "a listing"
            evidence = [*evidence, Evidence(US_HISTORY, run.first, f"{symbol} is {what} on {venue.label} in NASDAQ "
                                                                   f"Trader's directory of {run.first}, "
                                                                   f"{abs(_days(run.first, as_of))} days from the "
                                                                   f"article's date: inferred listed then too")]
            return Verdict("valid", _resolved(symbol, venue.key, name, tag.symbol), (), 0.75, tuple(evidence))
    return None


def _off_exchange(tag: Tag, ref: Reference, as_of: str, now: Verdict, window: Window, runs: Sequence[Presence],
                  name: str | None, evidence: list[Evidence]) -> Verdict | None:
    """On no exchange list at the date: about to list on the claimed venue, or traded over the counter."""
    venue = VENUES[tag.venue_key]
    symbol = symbols.canonical(tag.symbol)
    soon = [r for r in runs if r.venue_key == venue.key and 0 < _days(as_of, r.first) <= AHEAD_DAYS]
    if soon and venue.family != "OTC":
        evidence.append(Evidence(US_HISTORY, ref.as_of(US_HISTORY),
                                 f"{symbol} began trading on {venue.label} on {soon[0].first}, "
                                 f"{_days(as_of, soon[0].first)} days after the article: a listing announced ahead"))
        return Verdict("valid", _resolved(symbol, venue.key, name, tag.symbol), (), 0.6, tuple(evidence))
    near = [r for r in ref.presence(symbol) if _covers(r, window, as_of, LONG_GAP_DAYS, AHEAD_DAYS)
            and VENUES[r.venue_key].family != "OTC"]
    why = _us_security(ref, symbol)
    if near or why is None or _renamed_before(ref, symbol, as_of):
        return None
    left = [r for r in runs if _days(r.last, as_of) > GAP_DAYS]
    finding = f"no US exchange list has {symbol} at the article's date ({as_of}); {why}, so it trades over the counter"
    if left:
        finding += f" (it left {VENUES[left[-1].venue_key].label} after {left[-1].last})"
    evidence.append(Evidence(US_HISTORY, ref.as_of(US_HISTORY), finding))
    resolved = _resolved(symbol, "OTC", name, tag.symbol)
    if venue.family == "OTC":
        return _keep_case(tag, now, Verdict("valid", resolved, (), 0.7, tuple(evidence)))
    fixes = [Correction("exchange", venue.label, "OTC", finding)]
    if tag.symbol != tag.symbol.upper():
        fixes.append(Correction("symbol", tag.symbol, resolved.symbol, "symbols are written in capitals"))
    return Verdict("corrected", resolved, tuple(fixes), 0.7, tuple(evidence))


def _keep_case(tag: Tag, now: Verdict, verdict: Verdict) -> Verdict:
    """A valid listing written in lower case is still corrected for its case, as the current verdict says."""
    if tag.symbol == tag.symbol.upper() or verdict.resolved is None:
        return verdict
    fix = Correction("symbol", tag.symbol, verdict.resolved.symbol,
                     f"symbols are written in capitals: {tag.symbol!r} is {verdict.resolved.symbol}")
    del now
    return Verdict("corrected", verdict.resolved, (fix,), verdict.confidence, verdict.evidence)

