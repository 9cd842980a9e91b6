"""The calendar's rules: times of day (the close rule), confounders, and how current a calendar is.

The close rule is checked against exchange_calendars' own opens and closes, called directly: for any
instant, the session found is the first whose close (less the margin) is not before the instant or
that opens after it, and no earlier session is.
"""

from __future__ import annotations

import json

import exchange_calendars as xcals
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signals import CLOSE_MARGIN, align_events, build_signals, calendar_freshness, first_sessions_after, load_events
from signals import load_universe as universe_of
from signals.errors import InvalidDateError, InvalidFieldError

UNIVERSE = universe_of()
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # exchange_calendars, called directly
CODES = {"XNYS": "America/New_York", "XASX": "Australia/Sydney", "XSHG": "Asia/Shanghai", "XTSE": "America/Toronto"}
HEADER = "id,type,announced,tz,direction,severity,window_end\n"


@pytest.fixture(scope="module")
def reference():
    """exchange_calendars' own sessions, opens and closes for 2024-2025, per exchange."""
    found = {}
    for code in CODES:
        calendar = xcals.get_calendar(code, start="2024-01-01", end="2025-12-31")
        found[code] = (calendar.sessions, calendar.opens.dt.tz_convert("UTC"), calendar.closes.dt.tz_convert("UTC"))
    return found


@settings(max_examples=150, deadline=None)
@given(
    code=st.sampled_from(sorted(CODES)),
    minutes=st.integers(0, 700 * 24 * 60),
    margin=st.sampled_from([None, 0, 30, 90]),
)
def test_the_session_found_is_the_first_tradable_one(reference, code, minutes, margin):
    instant = pd.Timestamp("2024-01-03", tz="UTC") + pd.Timedelta(minutes=minutes)
    delta = None if margin is None else pd.Timedelta(minutes=margin)
    (found,) = first_sessions_after(code, pd.DatetimeIndex([instant]), delta)
    sessions, opens, closes = reference[code]

    def tradable(number: int) -> bool:
        opened_after = opens.iloc[number] > instant
        still_trading = delta is not None and closes.iloc[number] - delta >= instant
        return bool(opened_after or still_trading)

    expected = next(sessions[n] for n in range(len(sessions)) if tradable(n))
    assert found == expected


def test_a_morning_announcement_trades_at_that_days_close_in_shanghai(write_events):
    path = write_events(
        {"id": "morning", "announced": "2025-10-09T10:00"}, {"id": "evening", "announced": "2025-10-09"}
    )
    calendar = load_events(path)
    close_rule = align_events(calendar, UNIVERSE, ["600111", "MP"], close_margin=CLOSE_MARGIN).table
    open_rule = align_events(calendar, UNIVERSE, ["600111", "MP"]).table
    sessions = {(row.event_id, row.asset): row.session for row in close_rule.itertuples()}
    assert sessions[("morning", "600111")] == pd.Timestamp("2025-10-09")  # 10:00 is 5 hours before the 15:00 close
    assert sessions[("evening", "600111")] == pd.Timestamp("2025-10-10")  # a date: known at 18:00, after the close
    assert sessions[("morning", "MP")] == sessions[("evening", "MP")] == pd.Timestamp("2025-10-09")  # NY opens later
    opened = {(row.event_id, row.asset): row.session for row in open_rule.itertuples()}
    assert opened[("morning", "600111")] == pd.Timestamp("2025-10-10")  # the panel's rule: the next open


def test_too_late_for_the_margin_waits_for_the_next_session(write_events):
    path = write_events({"id": "late", "announced": "2025-10-09T14:45"})  # 15 minutes before the 15:00 close
    table = align_events(load_events(path), UNIVERSE, ["600111"], close_margin=CLOSE_MARGIN).table
    assert table["session"].tolist() == [pd.Timestamp("2025-10-10")]


# ---- confounders ----------------------------------------------------------------------------------


def test_a_confounder_has_direction_none_and_signs_no_signal(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        HEADER
        + "deal,confounder,2025-07-10,America/New_York,none,3,\n"
        + "rt,restriction_tightening,2025-04-04,Asia/Shanghai,tightening,3,\n"
    )
    calendar = load_events(path)
    panel = build_signals(calendar, UNIVERSE, asof="2025-07-31", tickers=["MP"], start="2025-01-01")
    assert "impulse_confounder" not in set(panel.columns.get_level_values("signal"))
    without = build_signals(calendar.filter(types=["restriction_tightening"]), UNIVERSE, asof="2025-07-31",
                            tickers=["MP"], start="2025-01-01")  # fmt: skip
    pd.testing.assert_frame_equal(panel, without)  # the confounder changes no value
    (tmp_path / "bad.csv").write_text(HEADER + "deal,confounder,2025-07-10,America/New_York,easing,3,\n")
    with pytest.raises(InvalidFieldError, match="a confounder has direction none"):
        load_events(tmp_path / "bad.csv")
    (tmp_path / "bad2.csv").write_text(HEADER + "rt,restriction_tightening,2025-04-04,Asia/Shanghai,none,3,\n")
    with pytest.raises(InvalidFieldError, match="has direction tightening or easing"):
        load_events(tmp_path / "bad2.csv")


# ---- how current a calendar is --------------------------------------------------------------------


def test_freshness_names_the_last_event_a_stale_calendar_and_windows_without_an_outcome(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        HEADER
        + "pause,negotiation_window,2025-05-12,Asia/Shanghai,easing,3,2025-08-12\n"
        + "talks,negotiation_talks,2025-06-10,Europe/London,easing,1,\n"
    )
    calendar = load_events(path)
    current = calendar_freshness(calendar, "2025-06-20")
    assert (current.last_event, current.age, current.stale, current.ended_windows) == ("talks", 10, False, ())
    later = calendar_freshness(calendar, "2025-09-01")
    assert later.stale and later.age == 83
    assert later.ended_windows == (("pause", pd.Timestamp("2025-08-12")),)  # nothing announced from 08-05 on
    warnings = later.warnings()
    assert len(warnings) == 2 and "pause ended on 2025-08-12" in warnings[1]
    assert "through 2025-06-10 (last event talks (2025-06-10)), 83 days before (more than 30)" in warnings[0]
    assert later.report()[1:] == [
        "  STALE: speaks for the days through 2025-06-10, 83 days before (stale after 30)",
        "  windows that ended with no recorded outcome (an extension, a lapse, a replacement):",
        "    pause  ended 2025-08-12",
    ]
    (tmp_path / "outcome.csv").write_text(
        path.read_text() + "extended,negotiation_window,2025-08-11,Asia/Shanghai,easing,3,2025-11-10\n"
    )
    extended = calendar_freshness(load_events(tmp_path / "outcome.csv"), "2025-09-01")
    assert extended.ended_windows == () and extended.last_event == "extended"
    assert calendar_freshness(calendar, "2025-06-01").last_event == "pause"  # only what was known by then


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_file_says_how_far_its_keeper_looked(tmp_path, suffix):
    """A quiet spell is not a stale calendar when the file says it was reviewed (reviewed_through)."""
    event = {"id": "old", "type": "quota_change", "announced": "2025-01-06", "tz": "Asia/Shanghai",
             "direction": "tightening", "severity": 2}  # fmt: skip
    path = tmp_path / f"mine{suffix}"
    path.write_text(json.dumps({"reviewed_through": "2025-05-30", "events": [event]}))  # JSON is YAML too
    calendar = load_events(path)
    assert calendar.reviewed_through == pd.Timestamp("2025-05-30")
    assert not calendar_freshness(calendar, "2025-06-20").stale  # 21 days after the review
    assert calendar_freshness(calendar, "2025-03-31").covered_through == pd.Timestamp("2025-03-31")  # never ahead
    assert calendar_freshness(load_events(path, merge=True), "2025-06-20").reviewed_through == pd.Timestamp(
        "2026-06-24"
    )  # merged: the later of the two reviews
    path.write_text(json.dumps({"reviewed_through": "2025-05", "events": [event]}))
    with pytest.raises(InvalidDateError, match="column 'reviewed_through': expected the day YYYY-MM-DD"):
        load_events(path)


def test_signals_build_says_a_stale_calendar_in_its_manifest_and_on_stderr(tmp_path, write_events):
    import subprocess
    import sys

    path = write_events({"id": "old", "announced": "2024-01-05"})
    done = subprocess.run(
        [sys.executable, "-c", "from backtests.cli import main; raise SystemExit(main())", "signals", "build",
         "--asof", "2024-06-28", "--tickers", "MP", "--events", str(path), "--out", str(tmp_path), "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0 and "the calendar may be stale as of 2024-06-28" in done.stderr
    manifest = json.loads((tmp_path / "signals-2024-06-28" / "manifest.json").read_text())
    assert manifest["calendar"]["last_event"] == "old" and manifest["calendar"]["stale"] is True
    assert any("may be stale" in warning for warning in manifest["warnings"])
