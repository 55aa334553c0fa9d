"""How long a quote stays good: short while its venue trades, until near the next open while it is closed.

Trading hours come from exchange_calendars, imported lazily. Building a calendar costs 10-300 ms (XKRX
about 1-4 s), so each one is built once per process and week, for a short range of dates, and reduced to
plain lists of session times that a lookup bisects without touching pandas.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_CALENDAR = "XNYS"
FRESH_OPEN_S = 60.0  # a trading venue's quote is fresh this long
STALE_OPEN_S = 300.0  # ... and may be served stale this much longer while a refresh runs
SETTLE_S = 900.0  # just after a close, closing prints still arrive: keep the short lifetime this long
PRE_OPEN_S = 300.0  # a closed venue's quote is fresh until this long before the next open
POST_OPEN_S = 600.0  # ... and may be served stale until this long after it
UNKNOWN = (300.0, 900.0)  # when the calendar cannot say (no data that far ahead, or it failed to build)

DAY = 86400.0
_BUILD_BEFORE_DAYS, _BUILD_AFTER_DAYS = 7, 35  # the range each calendar is built for, around today

# Our venues' MICs (segment and operating) to the calendar whose hours they keep.
CALENDARS: dict[str, str] = {
    "XNAS": "XNYS", "XNYS": "XNYS", "XASE": "XNYS", "ARCX": "XNYS", "BATS": "XNYS", "XCBO": "XNYS",
    "XCHI": "XNYS", "OTCM": "XNYS",
    "XTSE": "XTSE", "XTSX": "XTSE", "XCNQ": "XTSE", "NEOE": "XTSE",
    "XLON": "XLON", "AQXE": "XLON",
    "XHKG": "XHKG",
    "XSHG": "XSHG", "XSHE": "XSHG",
    "XTKS": "XTKS", "XJPX": "XTKS",
    "XKRX": "XKRX", "XKOS": "XKRX",
    "XNSE": "XBOM", "XBOM": "XBOM",  # exchange_calendars has no XNSE; both keep the same hours
    "XASX": "XASX", "XSES": "XSES", "XTAI": "XTAI", "XNZE": "XNZE",
    "XETR": "XETR", "XFRA": "XFRA",
    "XPAR": "XPAR", "XAMS": "XAMS", "XBRU": "XBRU", "XLIS": "XLIS", "XMSM": "XDUB", "XDUB": "XDUB",
    "XOSL": "XOSL", "XSWX": "XSWX", "XMAD": "XMAD", "XMIL": "XMIL",
    "XSTO": "XSTO", "XHEL": "XHEL", "XCSE": "XCSE", "XICE": "XICE",
    "BVMF": "BVMF", "XMEX": "XMEX", "XJSE": "XJSE", "XTAE": "XTAE",
}


@dataclass(frozen=True, slots=True)
class _Schedule:
    """A calendar's sessions in a range of dates as epoch seconds (no break: break_start is None)."""

    opens: list[float]
    closes: list[float]
    break_starts: list[float | None]
    break_ends: list[float | None]


_schedules: OrderedDict[tuple[str, int], _Schedule | None] = OrderedDict()
_MAX_SCHEDULES = 128
_lock = threading.Lock()
_build_locks: dict[str, threading.Lock] = {}


def _new_locks() -> None:
    """A forked child starts with free locks (a parent's thread may have held one at the fork)."""
    global _lock, _build_locks
    _lock, _build_locks = threading.Lock(), {}


os.register_at_fork(after_in_child=_new_locks)


def calendar_name(mic: str | None) -> str:
    """The exchange_calendars name whose hours `mic` keeps; XNYS for a MIC we don't know."""
    code = (mic or "").strip().upper()
    return CALENDARS.get(code, DEFAULT_CALENDAR)


def lifetime(mic: str | None, now: float, *, fresh_open_s: float = FRESH_OPEN_S,
             stale_open_s: float = STALE_OPEN_S, block: bool = True) -> tuple[float, float]:
    """(seconds a quote fetched `now` is fresh, seconds until it may be dropped) for a listing on `mic`.

    With `block=False` a calendar not built yet in this process is built in the background and the answer is
    the short UNKNOWN lifetime: a cache write never waits the 0.1–4 s a calendar takes to build.
    """
    name = calendar_name(mic)
    if not block and not _built(name, now):
        _build_later(name, now)
        return UNKNOWN
    schedule = _schedule(name, now)
    if schedule is None:
        return UNKNOWN
    i = bisect.bisect_right(schedule.opens, now) - 1  # the last session that opened at or before now
    if i >= 0 and now < schedule.closes[i]:
        start, end = schedule.break_starts[i], schedule.break_ends[i]
        if start is None or end is None or not start <= now < end:
            return fresh_open_s, fresh_open_s + stale_open_s
        last_close, next_open = start, end  # a lunch break is a short close
    else:
        if i + 1 >= len(schedule.opens):
            return UNKNOWN
        last_close = schedule.closes[i] if i >= 0 else None
        next_open = schedule.opens[i + 1]
    if last_close is not None and now - last_close < SETTLE_S:
        return fresh_open_s, fresh_open_s + stale_open_s
    fresh = max(fresh_open_s, next_open - PRE_OPEN_S - now)
    return fresh, max(fresh + stale_open_s, next_open + POST_OPEN_S - now)


def warm(mics: list[str] | None = None, now: float | None = None) -> dict[str, float]:
    """Build the calendars for `mics` (all we map) ahead of use; seconds each took, for startup logs."""
    now = time.time() if now is None else now
    taken: dict[str, float] = {}
    for name in sorted({calendar_name(m) for m in (mics or CALENDARS)}):
        started = time.perf_counter()
        _schedule(name, now)
        taken[name] = time.perf_counter() - started
    return taken


_building: dict[str, threading.Thread] = {}  # calendars being built in the background, by name


def _built(name: str, now: float) -> bool:
    with _lock:
        return (name, int(now // (7 * DAY))) in _schedules


def _build_later(name: str, now: float) -> None:
    """Build a calendar in a daemon thread, once at a time per name."""
    def build() -> None:
        try:
            _schedule(name, now)
        finally:
            with _lock:
                _building.pop(name, None)

    with _lock:
        if name in _building:
            return
        _building[name] = threading.Thread(target=build, name=f"calendar-{name}", daemon=True)
        _building[name].start()  # under the lock: drain() never sees a build registered but not started


def drain(timeout: float | None = None) -> bool:
    """Wait for the calendars being built in the background (benchmarks, tests); False if some still build."""
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        with _lock:
            building = [t for t in _building.values() if t.is_alive()]  # (a forked child's are not)
        if not building:
            return True
        for thread in building:
            thread.join(None if end is None else max(0.0, end - time.monotonic()))
            if thread.is_alive():
                return False


def _schedule(name: str, now: float) -> _Schedule | None:
    """The schedule of calendar `name` around `now`, built once per process and week."""
    key = (name, int(now // (7 * DAY)))
    with _lock:
        if key in _schedules:
            _schedules.move_to_end(key)
            return _schedules[key]
        build_lock = _build_locks.setdefault(name, threading.Lock())
    with build_lock:  # two threads asking for one calendar build it once
        with _lock:
            if key in _schedules:
                return _schedules[key]
        schedule = _build(name, key[1] * 7 * DAY)
        with _lock:
            _schedules[key] = schedule
            while len(_schedules) > _MAX_SCHEDULES:
                _schedules.popitem(last=False)
    return schedule


def _build(name: str, week_start: float) -> _Schedule | None:
    """Build calendar `name` for a few weeks around `week_start`; None (logged) when it cannot be built."""
    import datetime as dt

    day = dt.datetime.fromtimestamp(week_start, dt.UTC).date()
    start = day - dt.timedelta(days=_BUILD_BEFORE_DAYS)
    ends = [day + dt.timedelta(days=_BUILD_AFTER_DAYS), dt.date(day.year, 12, 31)]
    try:
        import exchange_calendars
    except ImportError:
        log.warning("exchange_calendars is not installed: quote lifetimes ignore market hours")
        return None
    reason: Exception | None = None
    for end in ends:  # some calendars only record holidays to the end of the current year
        if end <= day:
            continue
        try:
            # exchange_calendars 4.x calls pandas APIs that pandas 3 deprecates; those warnings are not ours.
            # (catch_warnings is process-wide, so a warning raised elsewhere meanwhile may be hidden too.)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                calendar = exchange_calendars.get_calendar(name, start=start.isoformat(), end=end.isoformat())
                return _extract(calendar)
        except Exception as exc:  # a calendar that cannot be built must not fail a request
            reason = exc
    log.warning("calendar %s cannot be built around %s (%s): quote lifetimes use a fixed %s s",
                name, day, reason, UNKNOWN)
    return None


def _extract(calendar) -> _Schedule:
    """The calendar's session times as lists of epoch seconds."""
    table = calendar.schedule

    def seconds(column: str) -> list[float | None]:
        missing = table[column].isna().to_list()
        millis = table[column].dt.tz_convert(None).to_numpy().astype("datetime64[ms]").astype("int64").tolist()
        return [None if gap else ms / 1000.0 for gap, ms in zip(missing, millis, strict=True)]

    return _Schedule(seconds("open"), seconds("close"), seconds("break_start"), seconds("break_end"))
