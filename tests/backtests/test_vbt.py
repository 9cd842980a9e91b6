"""The vectorbt adapter against hand-computed references (formulas written out here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests.measures._performance import performance, periods_per_year
from backtests.simulation._vbt import Costs, buy_and_hold, simulate
from signals import exchange_calendar
from signals.errors import ParameterError
from strategies import StrategySignals

INDEX = pd.bdate_range("2025-01-06", periods=6)
CLOSE = pd.DataFrame({"A": [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]}, index=INDEX)


def _signals(entry_rows, exit_rows, stop_loss=None, take_profit=None):
    entries = pd.DataFrame(False, index=INDEX, columns=["A"])
    exits = entries.copy()
    entries.iloc[entry_rows, 0] = True
    exits.iloc[exit_rows, 0] = True
    none = pd.DataFrame(False, index=INDEX, columns=["A"])
    return StrategySignals(entries, exits, none, none, stop_loss, take_profit, pd.DataFrame())


@pytest.mark.parametrize(("fees", "slippage"), [(0.0, 0.0), (0.001, 0.0), (0.001, 0.002)])
def test_one_round_trip_matches_the_cost_formula(fees, slippage):
    portfolio = simulate(CLOSE, _signals([0], [2]), Costs(fees=fees, slippage=slippage, init_cash=1000.0)).portfolio
    # All cash buys at 10*(1+s) paying fee f on the notional; sells at 12*(1-s) paying f again.
    expected = (12 * (1 - slippage) * (1 - fees)) / (10 * (1 + slippage) * (1 + fees)) - 1
    assert portfolio.total_return().iloc[0] == pytest.approx(expected, rel=1e-9)
    assert len(portfolio.trades.records) == 1


def test_stop_loss_is_checked_and_filled_at_the_close():
    close = pd.DataFrame({"A": [10.0, 9.8, 9.0, 8.5, 8.0, 7.0]}, index=INDEX)
    portfolio = simulate(close, _signals([0], [5], stop_loss=0.05), Costs(fees=0.0, slippage=0.0)).portfolio
    trade = portfolio.trades.records_readable.iloc[0]
    assert trade["Exit Timestamp"] == INDEX[2]  # first close at least 5% below entry
    assert trade["Avg Exit Price"] == pytest.approx(9.0)


def test_buy_and_hold_benchmark_starts_at_each_first_price():
    close = CLOSE.assign(B=[np.nan, np.nan, 5.0, 5.5, 6.0, 6.0])
    portfolio = buy_and_hold(close, Costs(fees=0.0, slippage=0.0))
    assert portfolio.total_return()["A"] == pytest.approx(15 / 10 - 1)
    assert portfolio.total_return()["B"] == pytest.approx(6 / 5 - 1)


def test_performance_against_numpy_reference():
    value = pd.Series([100.0, 110.0, 99.0, 121.0, 118.0], index=INDEX[:5])
    metrics = performance(value, per_year=252.0)
    returns = value.pct_change().dropna().to_numpy()
    assert metrics["total_return"] == pytest.approx(0.18)
    assert metrics["max_drawdown"] == pytest.approx(99 / 110 - 1)
    assert metrics["sharpe"] == pytest.approx(returns.mean() / returns.std(ddof=1) * np.sqrt(252))
    downside = np.sqrt(np.mean(np.minimum(returns, 0) ** 2))
    assert metrics["sortino"] == pytest.approx(returns.mean() / downside * np.sqrt(252))
    assert metrics["cagr"] == pytest.approx(1.18 ** (252 / 4) - 1)  # four daily returns


def test_periods_per_year_of_one_exchange_is_about_252():
    sessions = exchange_calendar("XNYS").sessions_in_range("2010-01-04", "2019-12-31")
    assert periods_per_year(sessions) == pytest.approx(252, abs=1)


@pytest.mark.parametrize(("name", "value"), [("fees", -0.01), ("slippage", 0.5), ("init_cash", 0)])
def test_costs_are_validated(name, value):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        Costs(**{name: value})
