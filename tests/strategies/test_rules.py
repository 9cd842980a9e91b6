"""A-share price limits and T+1, on small hand-made price paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signals import load_universe
from strategies import StrategySignals, apply_market_rules, price_limit

UNIVERSE = load_universe()
DAYS = pd.bdate_range("2025-06-02", periods=8)


def _signals(columns, long_entries=(), long_exits=(), short_entries=(), short_exits=()):
    def frame(cells):
        flags = pd.DataFrame(False, index=DAYS, columns=columns)
        for row, column in cells:
            flags.iloc[row, flags.columns.get_loc(column)] = True
        return flags

    trades = pd.DataFrame(
        [(column, "e", DAYS[row], DAYS[row], pd.NaT, "long") for row, column in long_entries],
        columns=["asset", "event_ids", "event_session", "entry_session", "time_exit_session", "side"],
    )
    return StrategySignals(
        frame(long_entries), frame(long_exits), frame(short_entries), frame(short_exits), None, None, trades
    )


def test_limits_by_board():
    assert price_limit("600111") == 0.10 and price_limit("000831") == 0.10
    assert price_limit("300748") == 0.20 and price_limit("688001") == 0.20


def test_buy_on_a_limit_up_close_is_deferred_and_its_exit_kept_after_it():
    # 600111 closes limit-up (+10%) on days 1 and 2; the buy planned on day 1 fills on day 3.
    close = pd.DataFrame({"600111": [10.0, 11.0, 12.1, 12.0, 12.2, 12.1, 12.0, 12.3]}, index=DAYS)
    signals = _signals(["600111"], long_entries=[(1, "600111")], long_exits=[(2, "600111")])
    ruled, report = apply_market_rules(signals, close, UNIVERSE)
    assert ruled.entries["600111"].tolist() == [False, False, False, True, False, False, False, False]
    assert ruled.exits["600111"].tolist() == [False, False, False, False, True, False, False, False]  # T+1
    assert report.loc["600111"].to_dict() == {"deferred_buys": 1, "deferred_sells": 0, "t1_moves": 1}
    assert ruled.trades.loc[0, "entry_session"] == DAYS[3]


def test_sell_on_a_limit_down_close_is_deferred():
    close = pd.DataFrame({"600111": [10.0, 10.1, 9.09, 9.0, 9.1, 9.2, 9.3, 9.4]}, index=DAYS)
    signals = _signals(["600111"], long_entries=[(0, "600111")], long_exits=[(2, "600111")])
    ruled, report = apply_market_rules(signals, close, UNIVERSE)
    assert ruled.exits["600111"].tolist() == [False, False, False, True, False, False, False, False]
    assert report.loc["600111", "deferred_sells"] == 1


def test_chinext_uses_twenty_percent():
    close = pd.DataFrame({"300748": [10.0, 11.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0]}, index=DAYS)  # +10%: not locked
    ruled, report = apply_market_rules(_signals(["300748"], long_entries=[(1, "300748")]), close, UNIVERSE)
    assert ruled.entries.iloc[1, 0] and report.loc["300748", "deferred_buys"] == 0
    close.iloc[1, 0] = 12.0  # +20%: locked
    ruled, report = apply_market_rules(_signals(["300748"], long_entries=[(1, "300748")]), close, UNIVERSE)
    assert ruled.entries.iloc[2, 0] and report.loc["300748", "deferred_buys"] == 1


def test_rules_leave_other_markets_alone():
    close = pd.DataFrame({"MP": [10.0, 13.0, 16.0, 16.0, 16.0, 16.0, 16.0, 16.0]}, index=DAYS)
    signals = _signals(["MP"], long_entries=[(1, "MP")])
    ruled, report = apply_market_rules(signals, close, UNIVERSE)
    assert ruled.entries.equals(signals.entries) and report.empty


@pytest.mark.parametrize("seed", range(5))
def test_rules_never_put_an_exit_before_its_entry(seed):
    rng = np.random.default_rng(seed)
    steps = rng.choice([0.1, -0.1, 0.02, -0.02], size=len(DAYS) - 1)
    close = pd.DataFrame({"600392": 10 * np.cumprod(np.r_[1.0, 1 + steps])}, index=DAYS)
    signals = _signals(["600392"], long_entries=[(1, "600392")], long_exits=[(3, "600392")])
    ruled, _ = apply_market_rules(signals, close, UNIVERSE)
    entries = np.flatnonzero(ruled.entries["600392"])
    exits = np.flatnonzero(ruled.exits["600392"])
    if len(entries) and len(exits):
        assert exits[0] > entries[0]
