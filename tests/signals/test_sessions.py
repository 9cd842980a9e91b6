"""Exchange sessions: exchange_calendars (cached), provisional sessions past its horizon, the user's file.

The provisional source is checked against exchange_calendars where both cover the same years, and
a fake newer calendar (a substituted working day, a moved holiday) checks that the next build
reports exactly the days that changed and uses the new sessions from then on.
"""

from __future__ import annotations

import dataclasses
import logging

import exchange_calendars as xcals
import holidays
import numpy as np
import pandas as pd
import pytest

from signals import _holiday_file, _sessions, build_signals, calendar_record, load_events, load_universe
from signals.errors import HolidayFileError

CODES = ["XNYS", "XASX", "XTSE", "XSHG"]
HEADER = "exchange,date,status,source\n"


def _clear() -> None:
    for cached in (_sessions._facts, _sessions._official, _sessions._table, _holiday_file.read_holiday_file):
        if hasattr(cached, "cache_clear"):  # not while a test's fake stands in for it
            cached.cache_clear()
    _sessions._CHANGES.clear()


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """Empty cache, data dir and holiday file of the test's own, and the in-process caches cleared around it."""
    monkeypatch.setenv("REELAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REELAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("REELAB_HOLIDAYS", str(tmp_path / "holidays.csv"))
    _clear()
    yield tmp_path
    _clear()


def year(table: _sessions.SessionTable, number: int) -> pd.DatetimeIndex:
    return table.sessions[table.sessions.year == number]


# ---- exchange_calendars, cached -------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # exchange_calendars, called directly
@pytest.mark.parametrize("code", CODES)
def test_cached_sessions_are_exchange_calendars_sessions(fresh, monkeypatch, code):
    end = pd.Timestamp("2026-12-31")
    built = _sessions.session_table(code, end)
    assert list((fresh / "cache").rglob(f"{code}-*.npz")), "the first call writes the cache"
    _clear()

    def no_building(*args):
        raise AssertionError("read from the cache, nothing rebuilt")

    monkeypatch.setattr(_sessions, "_calendar", no_building)
    table = _sessions.session_table(code, end)
    # Compared with exchange_calendars itself, called directly.
    reference = xcals.get_calendar(code, start="2005-01-01", end=end)
    pd.testing.assert_index_equal(table.sessions, pd.DatetimeIndex(reference.sessions), check_names=False,
                                  check_freq=False)  # fmt: skip
    for times, field in ((table.opens, "opens"), (table.closes, "closes"), (built.opens, "opens")):
        expected = getattr(reference, field).dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
        np.testing.assert_array_equal(times, expected)
    bound = xcals.get_calendar(code).bound_max()
    assert _sessions.calendar_bound(code) == (None if bound is None else pd.Timestamp(bound))
    assert table.provisional is None and table.provisional_source is None
    assert _sessions.exchange_zone(code) == str(reference.tz)


def test_a_damaged_cache_file_is_rebuilt_and_said(fresh, caplog):
    sessions = _sessions.session_table("XNYS", "2025-12-31").sessions
    (path,) = (fresh / "cache").rglob("XNYS-2005*-sessions.npz")
    path.write_bytes(b"not an npz file")
    _clear()
    with caplog.at_level("WARNING", logger="reelab.calendars"):
        again = _sessions.session_table("XNYS", "2025-12-31").sessions
    pd.testing.assert_index_equal(again, sessions)
    assert "damaged calendar cache" in caplog.text


def test_an_empty_cache_dir_switches_the_cache_off(fresh, monkeypatch):
    monkeypatch.setenv("REELAB_CACHE_DIR", "")
    assert _sessions.cache_dir() is None
    _sessions.session_table("XASX", "2024-12-31")
    assert not list(fresh.rglob("*.npz"))


# ---- provisional sessions past the horizon ---------------------------------------------------------


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
@pytest.mark.parametrize("code", CODES)
def test_the_provisional_source_agrees_with_exchange_calendars_where_both_cover(code):
    """2015-2026: every session of exchange_calendars is a weekday the holidays package keeps open, and back."""
    reference = xcals.get_calendar(code, start="2015-01-01", end="2026-12-31").sessions
    closed = pd.DatetimeIndex(list(holidays.financial_holidays(code, years=range(2015, 2027))))
    weekdays = pd.bdate_range("2015-01-01", "2026-12-31").as_unit("ns")
    pd.testing.assert_index_equal(weekdays[~weekdays.isin(closed)], pd.DatetimeIndex(reference).as_unit("ns"),
                                  check_names=False, check_freq=False)  # fmt: skip


def test_sessions_past_the_horizon_are_provisional_and_said(fresh):
    table = _sessions.session_table("XSHG", "2027-06-01")
    bound = _sessions.calendar_bound("XSHG")
    assert bound == pd.Timestamp("2026-12-31")  # exchange-calendars 4.13.2 (a newer release moves it: update here)
    assert table.provisional == (pd.Timestamp("2027-01-01"), pd.Timestamp("2027-12-31"))
    sessions = year(table, 2027)
    # the Spring Festival and National Day weeks of 2027 (State Council dates), and ordinary weekdays
    for closed in ("2027-01-01", "2027-02-08", "2027-02-09", "2027-10-01", "2027-10-05"):
        assert pd.Timestamp(closed) not in sessions, closed
    for open_day in ("2027-01-04", "2027-02-11", "2027-10-08", "2027-12-31"):
        assert pd.Timestamp(open_day) in sessions, open_day
    # 261 weekdays in 2027, less the 13 the holidays package closes (01-01, 02-05, 02-08..10, 04-05, 05-03, 05-04,
    # 06-09, 09-15, 10-01, 10-04, 10-05): the State Council's bridge days are not in it until published
    assert sessions.day_of_week.max() < 5 and len(sessions) == 261 - 13
    # opens at the regular 09:30 Shanghai time, as exchange_calendars gives 2026's
    assert pd.Timestamp(table.opens[table.sessions.get_loc(pd.Timestamp("2027-01-04"))]) == pd.Timestamp(
        "2027-01-04 01:30"
    )
    record = calendar_record("XSHG", "2027-06-01")
    assert record["official_through"] == "2026-12-31" and record["source"].startswith("exchange_calendars")
    assert record["provisional"] == {"from": "2027-01-01", "through": "2027-06-01",
                                     "source": f"holidays {holidays.__version__}"}  # fmt: skip
    assert calendar_record("XSHG", "2026-12-31")["provisional"] is None
    assert calendar_record("XNYS", "2027-06-01")["provisional"] is None  # its rules run on: official


def _newer_calendar(monkeypatch, changed: dict[str, bool]) -> None:
    """A fake exchange-calendars release that records XSHG through 2027 and differs from the provisional
    2027 on ``changed`` days (True: a session, False: closed)."""
    provisional = year(_sessions.session_table("XSHG", "2027-12-31"), 2027)
    newer = provisional
    for day, is_session in changed.items():
        newer = newer.union([pd.Timestamp(day)]) if is_session else newer.drop(pd.Timestamp(day))
    real_facts, real_official = _sessions._facts, _sessions._official

    def facts(code):
        found = real_facts(code)
        return dataclasses.replace(found, bound=pd.Timestamp("2027-12-31")) if code == "XSHG" else found

    def official(code, end):
        if code != "XSHG" or end <= pd.Timestamp("2026-12-31"):
            return real_official(code, end)
        sessions, opens, closes = real_official(code, pd.Timestamp("2026-12-31"))
        extra = newer[newer <= end]
        more_opens, more_closes = _sessions._regular_times(code, extra)
        return sessions.append(extra), np.concatenate([opens, more_opens]), np.concatenate([closes, more_closes])

    monkeypatch.setattr(_sessions, "_facts", facts)
    monkeypatch.setattr(_sessions, "_official", official)
    _sessions._table.cache_clear()


#: A substituted working day (provisionally closed, officially open) and a moved holiday.
CHANGED = {"2027-02-10": True, "2027-10-05": True, "2027-10-07": False}


def test_a_newer_calendar_reports_the_days_that_changed_once_and_is_used(fresh, monkeypatch, caplog):
    provisional = _sessions.session_table("XSHG", "2027-12-31")
    assert pd.Timestamp("2027-02-10") not in provisional.sessions and pd.Timestamp("2027-10-07") in provisional.sessions
    assert (fresh / "data" / "calendars" / "XSHG.json").is_file()  # the provisional days are remembered
    _newer_calendar(monkeypatch, CHANGED)
    with caplog.at_level("WARNING", logger="reelab.calendars"):
        official = _sessions.session_table("XSHG", "2027-12-31")
    assert official.provisional is None and official.official_through == pd.Timestamp("2027-12-31")
    changes = _sessions.calendar_changes("XSHG")
    assert [(c["date"], c["was"], c["now"]) for c in changes] == [
        ("2027-02-10", "closed", "session"), ("2027-10-05", "closed", "session"), ("2027-10-07", "session", "closed"),
    ]  # fmt: skip
    assert all(c["source"].startswith("exchange_calendars") for c in changes)
    assert "XSHG: provisional sessions changed" in caplog.text and "2027-10-07 now closed" in caplog.text
    record = calendar_record("XSHG", "2027-12-31")
    assert record["changed"] == changes and record["provisional"] is None
    assert pd.Timestamp("2027-02-10") in official.sessions and pd.Timestamp("2027-10-07") not in official.sessions
    # reported once: a later process (the caches cleared) finds nothing left to report
    _sessions._CHANGES.clear()
    _sessions._table.cache_clear()
    _sessions.session_table("XSHG", "2027-12-31")
    assert _sessions.calendar_changes("XSHG") == []


def test_a_panel_as_of_t_equals_later_panels_up_to_t_and_survives_unchanged_sessions(fresh, monkeypatch):
    """Point-in-time with provisional sessions: as of 2027-03-01 = as of 2027-06-01 up to 03-01; and a newer
    calendar changes no value before its first changed day."""
    universe, calendar = load_universe(), load_events()
    early = build_signals(calendar, universe, asof="2027-03-01", tickers=["600111", "MP"])
    late = build_signals(calendar, universe, asof="2027-06-01", tickers=["600111", "MP"])
    pd.testing.assert_frame_equal(early, late.loc[:"2027-03-01"])
    _newer_calendar(monkeypatch, CHANGED)
    official = build_signals(calendar, universe, asof="2027-06-01", tickers=["600111", "MP"])
    before = late.index[late.index < pd.Timestamp("2027-02-10")]
    pd.testing.assert_frame_equal(official.loc[before], late.loc[before])
    assert pd.Timestamp("2027-02-10") in official["600111"].dropna(how="all").index  # the substituted day is used


# ---- the user's holiday file -------------------------------------------------------------------------


def test_the_holiday_file_overrides_both_sources_and_makes_its_range_official(fresh):
    (fresh / "holidays.csv").write_text(
        HEADER
        + "XSHG,2027-02-10,open,https://www.sse.com.cn/notice\n"  # a provisional holiday opened
        + "XSHG,2027-03-05,closed,https://www.sse.com.cn/notice\n"  # a weekday closed
        + "XNYS,2026-03-02,closed,a typhoon of the test's making\n"  # an exchange_calendars session closed
        + "XSHG,2027-06-30,official_through,https://www.sse.com.cn/notice\n"
    )
    table = _sessions.session_table("XSHG", "2027-12-31")
    assert pd.Timestamp("2027-02-10") in table.sessions and pd.Timestamp("2027-03-05") not in table.sessions
    assert table.official_through == pd.Timestamp("2027-06-30") and table.provisional[0] == pd.Timestamp("2027-07-01")
    # in the user's official range every weekday not closed is a session, whatever the holidays package says
    official = year(table, 2027)[year(table, 2027) <= pd.Timestamp("2027-06-30")]
    expected = pd.bdate_range("2027-01-01", "2027-06-30").as_unit("ns").drop(pd.Timestamp("2027-03-05"))
    pd.testing.assert_index_equal(official, expected, check_names=False, check_freq=False)
    assert "holiday file" in table.official_source
    assert pd.Timestamp("2026-03-02") not in _sessions.session_table("XNYS", "2026-12-31").sessions
    record = calendar_record("XSHG", "2027-06-30")
    assert record["provisional"] is None and record["official_through"] == "2027-06-30"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("exchange,date\nXSHG,2027-01-01\n", "missing column"),
        ("exchange,date,status,status\n", "repeats the column"),
        ("exchange,date,status,colour\n", "unknown column"),
        (HEADER + "XSHG,2027-02-30,closed,\n", "line 2, column 'date'"),
        (HEADER + "XSHG,2027-01-04,shut,\n", "unknown status 'shut'"),
        (HEADER + "XXXX,2027-01-04,closed,\n", "unknown exchange code 'XXXX'"),
        (HEADER + "XSHG,2027-01-04,closed,\nXSHG,2027-01-04,open,\n", "line 3, column 'date': a second row for"),
        (HEADER + "XSHG,2027-06-30,official_through,\nXSHG,2027-12-31,official_through,\n",
         "a second official_through"),
        (HEADER + "XSHG,2027-01-04,closed\n", "expected 4 fields"),
    ],
)  # fmt: skip
def test_a_bad_holiday_file_is_one_error_at_its_line(fresh, content, message):
    (fresh / "holidays.csv").write_text(content)
    with pytest.raises(HolidayFileError, match=message) as error:
        _sessions.session_table("XSHG", "2027-12-31")
    assert str(fresh / "holidays.csv") in str(error.value)


def test_a_bad_holiday_file_stops_signals_build_with_one_line(fresh, capsys):
    from backtests.cli import main

    (fresh / "holidays.csv").write_text(HEADER + "XSHG,2027-01-04,shut,\n")
    out = fresh / "out"
    assert main(["signals", "build", "--asof", "2027-01-05", "--out", str(out), "--tickers", "600111"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "unknown status 'shut'" in lines[0] and not out.exists()


def test_a_data_dir_that_cannot_be_written_still_builds(fresh, monkeypatch, caplog):
    (fresh / "a-file").write_text("")
    monkeypatch.setenv("REELAB_DATA", str(fresh / "a-file"))  # root may write anywhere: a file is sure to fail
    with caplog.at_level(logging.INFO, logger="reelab.calendars"):
        table = _sessions.session_table("XSHG", "2027-12-31")
    assert table.provisional is not None and "not recorded" in caplog.text
