"""Quote lifetimes follow the venue's trading hours: short while it trades, until near the next open when closed."""

import datetime as dt

import pytest

from enrich.market import hours


def at(text: str) -> float:
    """Epoch seconds of an ISO time in UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


OPEN = (hours.FRESH_OPEN_S, hours.FRESH_OPEN_S + hours.STALE_OPEN_S)


def closed_until(now: str, next_open: str) -> tuple[float, float]:
    """The lifetime of a quote fetched `now` while the venue is closed until `next_open`."""
    gap = at(next_open) - at(now)
    return gap - hours.PRE_OPEN_S, gap + hours.POST_OPEN_S


@pytest.mark.parametrize(("mic", "calendar"), [
    ("XNAS", "XNYS"), ("XNYS", "XNYS"), ("ARCX", "XNYS"), ("BATS", "XNYS"), ("OTCM", "XNYS"), ("XASE", "XNYS"),
    ("XTSX", "XTSE"), ("NEOE", "XTSE"), ("AQXE", "XLON"), ("XSHE", "XSHG"), ("XKOS", "XKRX"), ("XNSE", "XBOM"),
    ("XMSM", "XDUB"), ("XETR", "XETR"), ("XFRA", "XFRA"), ("BVMF", "BVMF"), ("xhkg", "XHKG"), (" XTKS ", "XTKS"),
    ("ZZZZ", "XNYS"), ("", "XNYS"), (None, "XNYS"),
])
def test_mics_map_to_calendars(mic, calendar):
    assert hours.calendar_name(mic) == calendar


def test_every_mapped_calendar_exists():
    import exchange_calendars

    assert set(hours.CALENDARS.values()) <= set(exchange_calendars.get_calendar_names())


@pytest.mark.parametrize(("mic", "now"), [
    ("XNAS", "2026-11-25T15:00:00"),  # Wednesday, 10:00 New York
    ("OTCM", "2026-11-25T20:59:00"),  # a minute before the close
    ("XLON", "2026-11-25T10:00:00"),
    ("XHKG", "2026-11-25T02:00:00"),  # 10:00 Hong Kong
    ("XTKS", "2026-11-25T01:00:00"),  # 10:00 Tokyo
])
def test_open_session_is_short(mic, now):
    assert hours.lifetime(mic, at(now)) == OPEN


def test_fresh_open_is_configurable():
    assert hours.lifetime("XNAS", at("2026-11-25T15:00:00"), fresh_open_s=10, stale_open_s=20) == (10, 30)


def test_weekend_lasts_until_shortly_before_monday_open():
    assert hours.lifetime("XNAS", at("2026-11-28T18:00:00")) == closed_until("2026-11-28T18:00:00",
                                                                             "2026-11-30T14:30:00")


def test_overnight_lasts_until_the_next_morning():
    assert hours.lifetime("XNYS", at("2026-11-24T23:00:00")) == closed_until("2026-11-24T23:00:00",
                                                                             "2026-11-25T14:30:00")


@pytest.mark.parametrize(("now", "next_open"), [
    ("2026-11-26T15:00:00", "2026-11-27T14:30:00"),  # Thanksgiving
    ("2026-12-24T22:00:00", "2026-12-28T14:30:00"),  # Christmas Day is a Friday: closed until Monday
    ("2026-11-27T19:00:00", "2026-11-30T14:30:00"),  # after the 13:00 early close on Black Friday
])
def test_xnys_holidays_and_early_closes(now, next_open):
    assert hours.lifetime("XNAS", at(now)) == closed_until(now, next_open)


def test_just_after_the_close_stays_short_while_closing_prints_settle():
    assert hours.lifetime("XNYS", at("2026-11-25T21:05:00")) == OPEN
    assert hours.lifetime("XNYS", at("2026-11-27T18:10:00")) == OPEN  # the early close


def test_just_before_the_open_stays_short():
    fresh, total = hours.lifetime("XNYS", at("2026-11-25T14:28:00"))
    assert fresh == hours.FRESH_OPEN_S
    assert total == pytest.approx(2 * 60 + hours.POST_OPEN_S)


def test_lunch_break_is_a_short_close():
    # Hong Kong breaks 12:00-13:00 local (04:00-05:00 UTC); past the settling time it lasts until just before 13:00
    assert hours.lifetime("XHKG", at("2026-11-25T04:30:00")) == closed_until("2026-11-25T04:30:00",
                                                                             "2026-11-25T05:00:00")


def test_unknown_mic_follows_new_york():
    now = at("2026-11-28T18:00:00")
    assert hours.lifetime("ZZZZ", now) == hours.lifetime("XNYS", now)
    assert hours.lifetime(None, now) == hours.lifetime("XNYS", now)


def test_calendar_that_cannot_be_built_gives_the_fixed_lifetime(monkeypatch):
    import exchange_calendars

    def broken(*args, **kwargs):
        raise ValueError("no holidays recorded that far")

    monkeypatch.setattr(exchange_calendars, "get_calendar", broken)
    assert hours.lifetime("XTAE", at("2031-03-05T10:00:00")) == hours.UNKNOWN


def test_warm_builds_each_calendar_once(monkeypatch):
    taken = hours.warm(["XNAS", "OTCM", "XNYS"], now=at("2026-11-25T15:00:00"))
    assert list(taken) == ["XNYS"]
    built = []
    monkeypatch.setattr(hours, "_build", lambda *args: built.append(args))
    again = hours.warm(["XNAS"], now=at("2026-11-25T15:00:00"))
    assert list(again) == ["XNYS"] and built == []  # built already: a dictionary lookup


def test_a_calendar_not_built_yet_never_blocks_a_non_blocking_caller():
    now = 1_900_000_000.0  # a week no other test builds
    assert not hours._built("XTAE", now)
    assert hours.lifetime("XTAE", now, block=False) == hours.UNKNOWN  # answered without the calendar, not after it
    assert hours.drain(timeout=30)
    assert hours._built("XTAE", now)
    assert hours.lifetime("XTAE", now, block=False) == hours.lifetime("XTAE", now)
