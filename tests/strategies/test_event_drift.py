from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import strategies
from backtests import run_backtest
from signals import exchange_calendar, load_events, load_universe
from signals.errors import ParameterError
from strategies import EventDriftParams, build_context, event_drift

UNIVERSE = load_universe()


@pytest.fixture
def close():
    """Two assets on their own exchanges' sessions, 2025-03-03..2025-06-30, steadily rising prices."""
    frames = {}
    for asset, code in (("MP", "XNYS"), ("300748", "XSHE")):
        sessions = exchange_calendar(code).sessions_in_range("2025-03-03", "2025-06-30")
        frames[asset] = pd.Series(np.linspace(10, 20, len(sessions)), index=sessions)
    return pd.DataFrame(frames)


def _signals(write_events, close, rows, **params):
    context = build_context(load_events(write_events(*rows)), UNIVERSE, close)
    return event_drift(context, EventDriftParams(**params))


def test_tightening_is_long_outside_china_and_skipped_for_chinese_makers(write_events, close):
    # The default row is date-only in Asia/Shanghai, so it is known at 18:00 Beijing on Friday
    # 2025-04-04 = 06:00 New York: before that day's NY open, after the Shanghai close.
    signals = _signals(write_events, close, [{"announced": "2025-04-04"}])
    assert signals.entries["MP"].sum() == 1 and signals.entries.loc["2025-04-04", "MP"]
    assert not signals.entries["300748"].any() and not signals.short_entries.any().any()
    shorting = _signals(write_events, close, [{"announced": "2025-04-04"}], allow_short=True)
    assert not shorting.short_entries.any().any()  # 300748 is an A-share: not shortable by default
    assert set(shorting.skipped["reason"]) == {"short side not allowed: not shortable (universe shortable=no)"}
    calendar = load_events(write_events({"announced": "2025-04-04"}))
    context = build_context(calendar, UNIVERSE.assign(shortable=True), close)  # a universe where it is shortable
    shortable = event_drift(context, EventDriftParams(allow_short=True))
    assert shortable.short_entries.loc["2025-04-07", "300748"]  # next Shanghai session: Monday (04-04 was Qingming)


def test_an_exposure_map_switches_only_the_classes_it_names(write_events, close):
    """The switch the README's exposure evidence offers: Chinese magnet makers long on a tightening, MP as it was."""
    signals = _signals(write_events, close, [{"announced": "2025-04-04"}], exposure={"china_magnet_maker": 1})
    assert signals.entries.loc["2025-04-07", "300748"] and signals.entries.loc["2025-04-04", "MP"]
    assert not signals.short_entries.any().any()
    off = _signals(write_events, close, [{"announced": "2025-04-04"}], exposure={"ex_china_producer": 0})
    assert not off.entries["MP"].any() and not off.entries["300748"].any()  # MP off; 300748 short, not allowed


def test_permit_approval_is_long_for_chinese_magnet_makers(write_events, close):
    row = {"type": "permit_approval", "direction": "easing", "announced": "2025-06-11"}
    signals = _signals(write_events, close, [row])
    # Known 18:00 Beijing on Wednesday 06-11, after the Shanghai close: the next session is Thursday 06-12.
    assert signals.entries.loc["2025-06-12", "300748"]
    assert not signals.entries["MP"].any()


def test_time_stop_is_horizon_own_sessions_after_entry(write_events, close):
    signals = _signals(write_events, close, [{"announced": "2025-04-04"}], horizon=7)
    assert signals.time_stop == 7 and not signals.exits.any().any()  # the simulator counts the sessions
    order = signals.plan.iloc[0]
    assert order["event_ids"] == "e1" and order["side"] == "long"
    result = run_backtest(params={"horizon": 7}, tickers=["MP"], calendar=load_events(write_events({"announced":
                          "2025-04-04"})), close=close[["MP"]])  # fmt: skip
    mp = close["MP"].dropna().index
    trade = result.trades.iloc[0]
    assert trade["entry_session"] == pd.Timestamp("2025-04-04")  # 18:00 Beijing = 06:00 New York, same day
    assert trade["exit_session"] == mp[mp.get_loc(pd.Timestamp("2025-04-04")) + 7] and trade["exit_reason"] == "time"


def test_gap_in_data_moves_the_entry_to_the_next_price(write_events, close):
    close.loc["2025-04-04", "MP"] = np.nan  # a missing row on the event session
    signals = _signals(write_events, close, [{"announced": "2025-04-04"}])
    assert signals.entries["MP"].idxmax() == pd.Timestamp("2025-04-07")  # 04-04 is a Friday: next price Monday


def test_opposite_events_on_one_session_net_out(write_events, close):
    rows = [{"announced": "2025-04-04"}, {"type": "easing_pause", "direction": "easing", "announced": "2025-04-04"}]
    signals = _signals(write_events, close, rows)
    assert not signals.entries.any().any() and signals.plan.empty
    assert set(signals.skipped["reason"]) == {"netted out by an opposite event"}
    assert len(signals.skipped) == 4  # two events on two assets


def test_types_and_severity_filter(write_events, close):
    rows = [{"announced": "2025-04-04", "severity": "1"}, {"announced": "2025-05-14", "type": "wto_dispute"}]
    # Defaults: min_severity 2 drops the first, and wto_dispute is not among the default event_types.
    assert not _signals(write_events, close, rows).entries.any().any()
    assert _signals(write_events, close, rows, min_severity=1, event_types=("wto_dispute",)).entries["MP"].sum() == 1


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("horizon", 0, "1..63"),
        ("horizon", 100, "1..63"),
        ("horizon", 2.5, "an integer in 1..63"),
        ("horizon", True, "integer"),
        ("min_severity", 4, "1..3"),
        ("stop_loss", 1.5, r"\(0, 1\)"),
        ("stop_loss", -0.1, r"\(0, 1\)"),
        ("take_profit", 0, r"\(0, 10\)"),
        ("trailing_stop", 2, r"\(0, 1\)"),
        ("exit_before_window_end", 30, "0..21"),
        ("momentum_lookback", 1, "2..63"),
        ("ma_window", 500, "2..100"),
        ("event_types", ("permit",), "'permit'.*event types from"),
        ("event_types", (), "at least one"),
        ("allow_short", "yes", "True or False"),
        ("exposure", {"martian": 1}, "'martian'.*keys from"),
        ("exposure", {"etf": 2}, r"'exposure\[etf\]' = 2.*-1, 0 or 1"),
    ],
)
def test_parameters_are_validated(name, value, message):
    with pytest.raises(ParameterError, match=message) as caught:
        EventDriftParams(**{name: value})
    assert f"'{name}" in str(caught.value)


def test_defaults_favour_short_horizons_and_registry_lookup():
    params = EventDriftParams()
    assert params.horizon <= 21 and not params.allow_short
    template = strategies.get("event_drift")
    assert "event_drift" in strategies.available()
    assert template.params(horizon=5).horizon == 5
    with pytest.raises(ParameterError, match="'horizn'"):
        template.params(horizn=5)
    with pytest.raises(ParameterError, match="'template' = 'nope'"):
        strategies.get("nope")


def test_trailing_stop_and_stop_loss_are_exclusive():
    with pytest.raises(ParameterError, match=r"'trailing_stop' = 0.1 is invalid; expected None when stop_loss is set"):
        EventDriftParams(stop_loss=0.05, trailing_stop=0.1)
    assert EventDriftParams(trailing_stop=0.1).trailing_stop == 0.1


def test_momentum_unwind_exits_the_session_after_the_turn(write_events, close):
    days = close["MP"].dropna().index
    turn = days.get_loc(pd.Timestamp("2025-04-14"))
    prices = close["MP"].copy()
    prices.loc[days[turn:]] = prices.loc[days[turn]] - np.arange(len(days) - turn) * 0.5  # falls from 04-14
    close["MP"] = prices
    signals = _signals(write_events, close, [{"announced": "2025-04-04"}], horizon=20, momentum_lookback=3)
    first_exit = signals.exits["MP"][signals.exits["MP"]].index[0]
    # The 3-session return first turns negative at 04-15 (04-15's close is below 04-10's, 0.12 a
    # session up then 0.5 down); the unwind fills one session later, 04-16.
    change = close["MP"].dropna().pct_change(3)
    assert change.loc["2025-04-14"] > 0 > change.loc["2025-04-15"]
    assert first_exit == pd.Timestamp("2025-04-16")
    assert not signals.exits.loc["2025-04-04", "MP"]  # never on the entry session


def test_exit_before_window_end(write_events, close):
    rows = [
        {"announced": "2025-03-10"},
        {"id": "w", "type": "negotiation_window", "direction": "easing", "severity": "1",
         "announced": "2025-03-03", "window_end": "2025-03-31"},
    ]  # fmt: skip
    signals = _signals(
        write_events, close, rows, horizon=30, exit_before_window_end=2, event_types=("restriction_tightening",)
    )
    mp = close["MP"].dropna().index
    assert signals.exits["MP"][signals.exits["MP"]].index[0] == mp[mp.get_loc(pd.Timestamp("2025-03-31")) - 2]
