"""The vectorbt adapter against hand-computed references (formulas written out here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests.measures._performance import performance, periods_per_year
from backtests.simulation._costs import apply_overrides
from backtests.simulation._vbt import Costs, buy_and_hold, simulate
from signals import exchange_calendar, load_universe
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


# ---- the desk's costs and board lots, against formulas written out here --------------------------------------

#: Around China's stamp duty halving: sells to Friday 2023-08-25 pay 0.1%, from Monday 2023-08-28 0.05%.
HALVING = pd.DatetimeIndex(["2023-08-24", "2023-08-25", "2023-08-28", "2023-08-29", "2023-08-30"])


def _one_asset(name, prices, entry_rows, exit_rows, short=False, index=HALVING):
    close = pd.DataFrame({name: prices}, index=index)
    entries = pd.DataFrame(False, index=index, columns=[name])
    exits = entries.copy()
    entries.iloc[entry_rows, 0] = True
    exits.iloc[exit_rows, 0] = True
    none = pd.DataFrame(False, index=index, columns=[name])
    if short:
        return close, StrategySignals(none, none, entries, exits, None, None, pd.DataFrame())
    return close, StrategySignals(entries, exits, none, none, None, None, pd.DataFrame())


def _desk(**changes) -> Costs:
    return Costs(**{"fees": 0.001, "slippage": 0.002, "init_cash": 1_000_000.0, "model": "desk"} | changes).resolved(
        load_universe()
    )


@pytest.mark.parametrize(("sell_row", "duty"), [(1, 0.001), (2, 0.0005)], ids=["2023-08-25", "2023-08-28"])
def test_an_a_share_sell_pays_the_stamp_duty_of_its_day(sell_row, duty):
    """600111 (Shanghai): 3 bp commission both ways, stamp duty on the sell only, 0.1% then 0.05%."""
    close, signals = _one_asset("600111", [10.0, 10.5, 10.5, 11.0, 11.0], [0], [sell_row])
    portfolio = simulate(close, signals, _desk()).portfolio
    bought, sold = 10.0 * 1.002, 10.5 * 0.998
    expected = sold * (1 - 0.0003 - duty) / (bought * (1 + 0.0003)) - 1
    assert portfolio.total_return().iloc[0] == pytest.approx(expected, rel=1e-9)
    fees = portfolio.orders.records["fees"]
    size = portfolio.orders.records["size"][0]
    assert fees[1] == pytest.approx(size * sold * (0.0003 + duty), rel=1e-12)  # the sell: commission and duty
    assert fees[0] == pytest.approx(size * bought * 0.0003, rel=1e-12)  # the buy: commission only


def test_a_short_pays_its_borrow_fee_when_covered():
    """MP shorted at Thursday's close, covered at Tuesday's: the fee runs on each close's value for the calendar
    days to the next session (Thursday 1, Friday 3 over the weekend, Monday 1), a year being 365 days."""
    prices = [20.0, 19.0, 18.0, 18.5, 18.5]
    close, signals = _one_asset("MP", prices, [0], [3], short=True)
    costs = _desk(overrides=("MP:borrow_fee=0.25",))
    orders = simulate(close, signals, costs).portfolio.orders.records
    size = orders["size"][0]
    covered = 18.5 * 1.002  # a buy: slippage against the trader
    borrow = 0.25 * size * (20.0 * 1 + 19.0 * 3 + 18.0 * 1) / 365
    assert orders["fees"][1] == pytest.approx(size * covered * 0.0005 + borrow, rel=1e-12)
    flat = simulate(close, signals, _desk(overrides=("MP:borrow_fee=0",))).portfolio.orders.records
    assert flat["fees"][1] == pytest.approx(size * covered * 0.0005, rel=1e-12)


def test_lots_round_each_order_down_and_leave_the_cash():
    """A-shares buy whole lots of 100 (vectorbt's size granularity), MP whole shares; the rest stays as cash."""
    close, signals = _one_asset("600111", [37.0, 38.0, 39.0, 40.0, 41.0], [0], [3])
    costs = _desk(init_cash=100_000.0, lots=True)
    portfolio = simulate(close, signals, costs).portfolio
    price = 37.0 * 1.002
    size = (100_000.0 / (1 + 0.0003) / price) // 100 * 100
    assert portfolio.orders.records["size"][0] == size == 2600
    assert portfolio.cash().iloc[0, 0] == pytest.approx(100_000.0 - size * price * (1 + 0.0003), rel=1e-12)
    close, signals = _one_asset("MP", [37.0, 38.0, 39.0, 40.0, 41.0], [0], [3])
    whole = simulate(close, signals, costs).portfolio.orders.records["size"][0]
    assert whole == (100_000.0 / (1 + 0.0005) / price) // 1 == 2695  # whole shares (5 bp in New York)
    flat = Costs(init_cash=100_000.0, lots=True).resolved(load_universe())  # lots under flat costs too
    assert simulate(close, signals, flat).portfolio.orders.records["size"][0] == (100_000.0 / 1.001 / 37.037) // 1


def test_target_weights_rebalance_in_whole_lots():
    index = HALVING
    close = pd.DataFrame({"600111": [10.0, 10.5, 11.0, 10.0, 9.0], "MP": [20.0, 21.0, 19.0, 22.0, 23.0]}, index=index)
    weights = pd.DataFrame(np.nan, index=index, columns=close.columns)
    weights.iloc[0] = [0.5, 0.5]
    weights.iloc[3] = [0.3, 0.7]
    none = pd.DataFrame(False, index=index, columns=close.columns)
    signals = StrategySignals(none, none, none, none, None, None, pd.DataFrame(), target_weights=weights)
    held = simulate(close, signals, _desk(lots=True)).portfolio.assets()
    assert (held["600111"] % 100 == 0).all() and (held["MP"] % 1 == 0).all() and held.iloc[-1].gt(0).all()


def test_desk_costs_run_on_vectorbt_and_need_the_universe():
    close, signals = _one_asset("600111", [10.0, 10.5, 10.5, 11.0, 11.0], [0], [2])
    costs = _desk()
    events, reference = (simulate(close, signals, costs, engine=engine).orders for engine in ("events", "vectorbt"))
    np.testing.assert_array_equal(events, reference)
    with pytest.raises(ParameterError, match=r"costs\.resolved\(data\.universe\)"):
        simulate(close, signals, Costs(model="desk"))
    with pytest.raises(ParameterError, match="'costs'"):
        Costs(model="broker")
    with pytest.raises(ParameterError, match="lot_size '0' is not a whole number"):
        Costs(overrides=("XSHG:lot_size=0",))


def test_terms_are_overridden_per_exchange_then_per_ticker():
    universe = load_universe()
    changed = apply_overrides(universe, ["600111:lot_size=1", "XSHG:lot_size=200", "XSHG:shortable=yes"])
    assert changed.at["600111", "lot_size"] == 1 and changed.at["600392", "lot_size"] == 200  # the ticker wins
    assert changed.at["000831", "lot_size"] == 100 and changed.at["600392", "shortable"]  # Shenzhen untouched
    assert universe.at["600392", "lot_size"] == 100  # a copy: the loaded universe is unchanged
    with pytest.raises(ParameterError, match=r"'XYZ:commission'.*a ticker of the universe or an exchange"):
        apply_overrides(universe, ["XYZ:commission=0.001"])
    with pytest.raises(ParameterError, match="KEY:FIELD=VALUE"):
        apply_overrides(universe, ["XSHG-commission=0.001"])


def test_a_sweep_under_desk_costs_and_lots_gives_the_runs_numbers():
    """Stacked combinations name their assets through a (frame, column) index: each still pays its own terms."""
    from backtests import MarketData, RunSpec, ops
    from backtests.ops._run import trading_terms

    spec = RunSpec(tickers=("MP", "600111"), start="2024-01-01", costs=Costs(model="desk", lots=True))
    spec, data = trading_terms(spec, MarketData.load(spec))
    table = ops.sweep(spec, {"horizon": [5, 10]}, data=data).table
    for horizon in (5, 10):
        run = ops.run(spec.with_params(horizon=horizon), data).stats.xs("strategy", level="series")
        swept = table[table["horizon"] == horizon].set_index("scope")
        for scope in ("portfolio", "MP", "600111"):
            assert swept.at[scope, "total_return"] == pytest.approx(run.at[scope, "total_return"], rel=1e-9)
    with pytest.raises(ParameterError, match=r"costs\.resolved"):  # unresolved: said, never run on flat fees
        ops.sweep(RunSpec(tickers=("MP",), start="2024-01-01", costs=Costs(model="desk")), {"horizon": [5, 10]})
