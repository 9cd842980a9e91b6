"""A-share price limits and T+1, on small hand-made price paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests.simulation._vbt import Costs, simulate
from signals import load_universe
from strategies import StrategySignals, market_locks, plan_frame, price_limit

UNIVERSE = load_universe()
DAYS = pd.bdate_range("2025-06-02", periods=8)
FREE = Costs(fees=0.0, slippage=0.0)


def _signals(columns, long_entries=(), long_exits=(), time_stop=None):
    def frame(cells):
        flags = pd.DataFrame(False, index=DAYS, columns=columns)
        for row, column in cells:
            flags.iloc[row, flags.columns.get_loc(column)] = True
        return flags

    nothing = frame(())
    return StrategySignals(frame(long_entries), frame(long_exits), nothing, nothing, None, None, plan_frame(),
                           time_stop=time_stop)  # fmt: skip


def _trades(close, signals):
    simulation = simulate(close, signals, FREE, locks=market_locks(close, UNIVERSE))
    records = simulation.portfolio.trades.records_arr
    return [(int(r["entry_idx"]), int(r["exit_idx"]) if r["status"] == 1 else None) for r in records], simulation


def test_limits_by_board_and_date():
    # SSE/SZSE rules: main boards (600xxx, 000xxx) +-10%; ChiNext (300xxx) and STAR (688xxx) +-20%.
    assert price_limit("600111") == 0.10 and price_limit("000831") == 0.10
    assert price_limit("300748") == 0.20 and price_limit("688001") == 0.20
    # ChiNext moved from 10% to 20% with the registration reform (first session 2020-08-24).
    assert price_limit("300748", "2020-08-21") == 0.10 and price_limit("300748", "2020-08-24") == 0.20
    # STAR has had +-20% since it opened (2019-07-22); the main board's 10% has no end date.
    assert price_limit("688001", "2019-08-01") == 0.20 and price_limit("600111", "2030-01-01") == 0.10


def test_locks_follow_the_limit_of_the_day():
    sessions = pd.DatetimeIndex(["2020-08-19", "2020-08-20", "2020-08-21", "2020-08-24", "2020-08-25"])
    close = pd.DataFrame({"300748": [10.0, 11.0, 12.1, 13.31, 15.97], "MP": [10.0, 11.0, 12.1, 13.31, 15.97]},
                         index=sessions)  # fmt: skip
    buy_locked, sell_locked = market_locks(close, UNIVERSE)
    # Each close is +10% on the one before (11.0 = 10 x 1.1, 12.1, 13.31) except the last, 15.97 =
    # 13.31 x 1.2 = 15.972 rounded to the fen. +10% closes are locked under the old 10% limit (to
    # 08-21), not under the new 20% one (from 08-24); +20% is locked again.
    assert buy_locked["300748"].tolist() == [False, True, True, False, True]
    assert not buy_locked["MP"].any() and not sell_locked.any().any()


def test_buy_on_a_limit_up_close_waits_and_its_time_exit_counts_from_the_fill():
    # 600111 closes limit-up (+10%: 11.0 = 10 x 1.1, 12.1 = 11 x 1.1) on days 1 and 2; the buy
    # signalled on day 1 fills on day 3 (12.0, down), and its 2-session time stop runs from there.
    close = pd.DataFrame({"600111": [10.0, 11.0, 12.1, 12.0, 12.2, 12.1, 12.0, 12.3]}, index=DAYS)
    trades, simulation = _trades(close, _signals(["600111"], long_entries=[(1, "600111")], time_stop=2))
    assert trades == [(3, 5)]  # 3 + 2
    assert simulation.deferred[:, 0].tolist() == [1, 0]  # one buy waited, no sell


def test_sell_on_a_limit_down_close_waits():
    # Day 2 closes limit-down: 9.09 = 10.1 x 0.9; day 3 (9.0, -1%) is free.
    close = pd.DataFrame({"600111": [10.0, 10.1, 9.09, 9.0, 9.1, 9.2, 9.3, 9.4]}, index=DAYS)
    trades, simulation = _trades(close, _signals(["600111"], long_entries=[(0, "600111")], time_stop=2))
    assert trades == [(0, 3)]  # due on day 0 + 2, locked at limit-down, filled on day 3
    assert simulation.deferred[:, 0].tolist() == [0, 1]


def test_rules_leave_other_markets_alone():
    # +30% and +23% closes would be limit moves on any A-share board, but MP trades in New York.
    close = pd.DataFrame({"MP": [10.0, 13.0, 16.0, 16.0, 16.0, 16.0, 16.0, 16.0]}, index=DAYS)
    trades, simulation = _trades(close, _signals(["MP"], long_entries=[(1, "MP")], time_stop=1))
    assert trades == [(1, 2)] and not simulation.deferred.any()  # in on day 1, out 1 session later


@pytest.mark.parametrize("seed", range(10))
def test_an_exit_never_fills_on_its_entry_session(seed):
    """T+1: one order per session and never an exit on the entry session, though one is asked for there."""
    rng = np.random.default_rng(seed)
    # Day 0 -> 1 moves only 2%, so day 1 is not locked; later days may close at the +-10% limit.
    steps = np.r_[rng.choice([0.02, -0.02]), rng.choice([0.1, -0.1, 0.02, -0.02], size=len(DAYS) - 2)]
    close = pd.DataFrame({"600392": 10 * np.cumprod(np.r_[1.0, 1 + steps])}, index=DAYS)
    # Day 0 always signals (the first close can never be locked) and day 1 never does, so the day-0
    # entry's one-session time stop falls due on the unlocked day 1 and at least one trade closes.
    flags = [(row, "600392") for row in range(len(DAYS)) if row == 0 or (row > 1 and rng.random() < 0.5)]
    signals = _signals(["600392"], long_entries=flags, long_exits=flags, time_stop=1)
    trades, _ = _trades(close, signals)
    closed = [(entry, exit_) for entry, exit_ in trades if exit_ is not None]
    assert trades[0] == (0, 1)  # the precondition: day 0's entry, which also carries an exit signal, has closed
    assert all(exit_ > entry for entry, exit_ in closed)
    assert all(exit_ is not None for _, exit_ in trades[:-1])  # only the last trade may still be open
