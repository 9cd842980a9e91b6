"""Placebo draws at engine speed give the reference's numbers: one calendar per draw, built and run alone.

The reference is the implementation placebo had before it was stacked: ``placebo_calendars`` builds
each draw's calendar, and every draw is aligned and built on its own (``StackJob`` with calendars).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests import RunSpec
from backtests.data import MarketData
from backtests.measures._performance import PORTFOLIO
from backtests.ops._draws import align_draws, placebo_calendars, placebo_days, placebo_sharpes
from backtests.ops._sweep import StackJob, run_stacked
from signals import align_events

pytestmark = pytest.mark.slow  # placebo draws against the one-calendar-per-draw reference

DRAWS, SEED = 6, 11


def _reference(spec: RunSpec, data: MarketData) -> np.ndarray:
    context = data.context(spec)
    close = context.close
    calendars = placebo_calendars(context.calendar, DRAWS, SEED, start=close.index[0], end=close.index[-1])
    stats, _ = run_stacked(StackJob(spec, data, [spec.resolved_params()] * DRAWS, calendars))
    return stats.loc[stats["scope"] == PORTFOLIO, "sharpe"].to_numpy()


@pytest.mark.parametrize(
    ("template", "params", "close_margin"),
    [
        ("event_drift", {}, 30),
        ("event_drift", {"momentum_lookback": 5, "stop_loss": 0.05, "take_profit": 0.1}, 30),
        ("event_drift", {"allow_short": True, "min_severity": 1, "trailing_stop": 0.08}, None),
        ("event_drift", {"exit_before_window_end": 2}, 30),  # reads the calendar's windows: one build per draw
        ("relative_value", {}, 30),
        ("permit_fade", {"min_rally": 0.02, "min_severity": 1, "allow_short": True}, 30),
    ],
)
def test_placebo_sharpes_equal_the_reference(template, params, close_margin):
    spec = RunSpec(template, params, close_margin=close_margin)
    data = MarketData.load(spec)
    reference = _reference(spec, data)
    assert np.isfinite(reference).sum() >= DRAWS - 1
    np.testing.assert_array_equal(placebo_sharpes(spec, data, DRAWS, SEED), reference)
    # chunks of draws give the same numbers as one chunk
    np.testing.assert_array_equal(placebo_sharpes(spec, data, DRAWS, SEED, chunk_size=4), reference)


def test_draws_are_aligned_as_each_calendar_alone():
    """The vectorized alignment of every draw equals align_events on each draw's calendar."""
    spec = RunSpec("event_drift", tickers=("MP", "LYC", "600111", "ILU", "REMX"))
    data = MarketData.load(spec)
    context = data.context(spec)
    close = context.close
    events, days = placebo_days(context.calendar, 3, SEED, start=close.index[0], end=close.index[-1])
    table, outside = align_draws(events, days, context.universe, close, spec.after_close, spec.close_delta)
    calendars = placebo_calendars(context.calendar, 3, SEED, start=close.index[0], end=close.index[-1])
    sessions = {asset: close.index[close[asset].notna().to_numpy()] for asset in close.columns}
    dropped = 0
    for draw, calendar in enumerate(calendars):
        assert [e.announced_at.tz_localize(None) for e in calendar] == list(pd.DatetimeIndex(days[draw]))
        want = align_events(calendar, context.universe, close.columns, data_sessions=sessions,
                            close_margin=spec.close_delta)  # fmt: skip
        dropped += len(want.dropped)
        mine = table[table["draw"] == draw].copy()
        mine["event_id"] = [f"placebo{draw}-{number}" for number in mine["event"]]
        columns = ["event_id", "type", "direction", "severity", "asset", "exchange", "knowable_at", "session"]
        got = mine[columns].sort_values(["session", "asset", "event_id"], ignore_index=True)
        pd.testing.assert_frame_equal(got, want.table[columns], check_dtype=False)
    assert outside == dropped


def test_placebo_days_are_placebo_calendars_days():
    spec = RunSpec("event_drift")
    context = MarketData.load(spec).context(spec)
    events, days = placebo_days(context.calendar, 4, 2)
    calendars = placebo_calendars(context.calendar, 4, 2)
    assert days.shape == (4, len(calendars[0]))
    for draw, calendar in enumerate(calendars):
        assert [event.type for event in calendar] == [event.type for event in events]
        np.testing.assert_array_equal(
            pd.DatetimeIndex([e.announced_at.tz_localize(None) for e in calendar]).to_numpy(), days[draw]
        )
