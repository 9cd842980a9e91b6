from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signals import align_events, exchange_calendar, first_sessions_after, load_events, load_universe
from signals.errors import AlignmentError

UNIVERSE = load_universe()


def _align_one(write_events, tickers, **row):
    calendar = load_events(write_events(row))
    table = align_events(calendar, UNIVERSE, tickers).table
    return dict(zip(table["asset"], table["session"], strict=True))


def test_beijing_evening_lands_same_day_in_new_york_next_day_in_shanghai(write_events):
    # 2025-10-09 20:00 Beijing = 08:00 New York: after the Shanghai close, before the New York open.
    sessions = _align_one(write_events, ["MP", "600111", "LYC"], announced="2025-10-09T20:00")
    assert sessions["MP"] == pd.Timestamp("2025-10-09")
    assert sessions["600111"] == pd.Timestamp("2025-10-10")
    assert sessions["LYC"] == pd.Timestamp("2025-10-10")  # Sydney had closed at 16:00 local


def test_date_only_event_counts_as_after_the_close(write_events):
    # Date-only Beijing event: known 18:00 Beijing (06:00 New York), so NY trades it the same day.
    sessions = _align_one(write_events, ["MP", "600111", "LYC"], announced="2025-10-09")
    assert sessions == {
        "MP": pd.Timestamp("2025-10-09"),
        "600111": pd.Timestamp("2025-10-10"),
        "LYC": pd.Timestamp("2025-10-10"),
    }


def test_new_york_afternoon_reaches_asia_next_morning(write_events):
    sessions = _align_one(write_events, ["MP", "600111", "LYC"], announced="2025-10-10T13:00", tz="America/New_York")
    assert sessions["MP"] == pd.Timestamp("2025-10-13")  # NY had opened at 09:30: next session (Monday)
    assert sessions["LYC"] == pd.Timestamp("2025-10-13")  # Monday in Sydney opens after Friday 13:00 NY
    assert sessions["600111"] == pd.Timestamp("2025-10-13")


def test_weekend_and_holiday_move_to_the_next_session(write_events):
    # Saturday 2025-06-07 (MOFCOM statement): next sessions are Monday 06-09 everywhere but Sydney
    # (King's Birthday holiday on 06-09).
    sessions = _align_one(write_events, ["MP", "600111", "LYC"], announced="2025-06-07")
    assert sessions["MP"] == pd.Timestamp("2025-06-09")
    assert sessions["600111"] == pd.Timestamp("2025-06-09")
    assert sessions["LYC"] == pd.Timestamp("2025-06-10")


def test_an_event_at_the_open_trades_the_next_session():
    open_at = exchange_calendar("XNYS").session_open(pd.Timestamp("2025-04-07"))
    assert first_sessions_after("XNYS", pd.DatetimeIndex([open_at]))[0] == pd.Timestamp("2025-04-08")
    just_before = open_at - pd.Timedelta("1s")
    assert first_sessions_after("XNYS", pd.DatetimeIndex([just_before]))[0] == pd.Timestamp("2025-04-07")


@settings(max_examples=300, deadline=None)
@given(
    seconds=st.integers(
        min_value=0, max_value=int((pd.Timestamp("2026-12-01") - pd.Timestamp("2006-01-01")).total_seconds())
    ),
    code=st.sampled_from(["XNYS", "XASX", "XSHG", "XTSE"]),
)
def test_aligned_session_is_the_first_that_opens_after_the_instant(seconds, code):
    instant = pd.Timestamp("2006-01-01", tz="UTC") + pd.Timedelta(seconds=seconds)
    session = first_sessions_after(code, pd.DatetimeIndex([instant]))[0]
    calendar = exchange_calendar(code)
    assert calendar.session_open(session) > instant  # never before it was knowable
    previous = calendar.previous_session(session)
    assert calendar.session_open(previous) <= instant  # and not later than needed


def test_events_outside_the_data_are_counted_and_reported():
    calendar = load_events()
    data = {"MP": pd.DatetimeIndex(exchange_calendar("XNYS").sessions_in_range("2020-06-22", "2026-07-31"))}
    alignment = align_events(calendar, UNIVERSE, ["MP"], data_sessions=data)
    before_listing = [event.id for event in calendar if event.announced_at.year < 2020]
    assert set(before_listing) <= set(alignment.dropped["event_id"])
    assert (alignment.dropped["reason"] == "outside price data").all()
    assert len(alignment.table) + len(alignment.dropped) == len(calendar)
    assert "dropped" in alignment.summary() and "reached no asset" in alignment.summary()
    assert len(before_listing) > 3  # so max_dropped=3 is exceeded (the shipped file has 19 events before 2020)
    with pytest.raises(AlignmentError, match="events reached no asset"):
        align_events(calendar, UNIVERSE, ["MP"], data_sessions=data, max_dropped=3)


def test_impulse_panel_counts_every_aligned_event():
    alignment = align_events(load_events(), UNIVERSE, ["MP", "LYC", "300748"])
    panel = alignment.impulses()
    assert panel.columns.names == ["asset", "event_type"]
    assert panel.to_numpy().sum() == len(alignment.table)
    # The shipped 2025-04-04-RT is date-only in Beijing: known 18:00 Beijing (10:00 UTC), before the
    # New York open that day, after the Sydney close (16:00 AEDT = 05:00 UTC): Sydney trades it Monday 04-07.
    assert panel.loc["2025-04-04", ("MP", "restriction_tightening")] == 1
    assert panel.loc["2025-04-07", ("LYC", "restriction_tightening")] == 1
    # Each impulse sits on a session of that asset's own exchange.
    for asset, code in (("MP", "XNYS"), ("LYC", "XASX"), ("300748", "XSHE")):
        days = panel.index[panel[asset].sum(axis=1) > 0]
        assert exchange_calendar(code).sessions.isin(days).sum() == len(days)


def test_in_force_is_the_latest_version_tradable_by_then_else_the_first():
    from dataclasses import replace

    from signals import Direction, Event, EventType
    from signals._align import in_force

    first = Event("e", EventType.RESTRICTION_TIGHTENING, pd.Timestamp("2025-04-04", tz="Asia/Shanghai"),
                  Direction.TIGHTENING, 2)  # fmt: skip
    revised = replace(first, severity=3, known_at=pd.Timestamp("2025-04-10", tz="Asia/Shanghai"))
    late = replace(first, severity=1, known_at=pd.Timestamp("2031-01-01", tz="Asia/Shanghai"))
    versions, tradable = [first, revised, late], [3, 5, np.nan]  # `late`: no session in the calendar
    assert in_force(versions, tradable, 4)["e"] is first
    assert in_force(versions, tradable, 5)["e"] is revised  # from the session it is tradable on
    assert in_force(versions, tradable, 10**6)["e"] is revised  # never a version without a session
    assert in_force(versions, tradable, {"e": 3})["e"] is first  # per id: the backtest's own first session
    assert in_force(versions, tradable, np.nan)["e"] is first
