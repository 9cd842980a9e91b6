"""Every trade of the event templates, replayed by the README's rule in plain Python (tests/backtests/replay.py).

Hypothesis generates prices (with big moves, so stops and A-share limits fire), events, parameters
and costs (flat, or the desk's: commission per exchange, stamp duty on A-share sells across its
2023-08-28 halving, borrow on shorts; with or without board lots); the backtest's trades (entry,
exit, side, reason, size, return) and its skipped signals must be exactly what the replay gives.
On real runs, the sleeves' values are rebuilt from the trades and
the portfolio's return from the sleeves (strategy and buy and hold), and each event's contribution
to that return, all in loops: the reported stats and attribution must be what they give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtests import Costs, attribution, run_backtest
from signals import A_SHARE_EXCHANGES, Direction, Event, EventCalendar, EventType, exchange_calendar, load_universe
from strategies import price_limit

from . import replay as written
from .replay import entry_signals, momentum_against, replay

UNIVERSE = load_universe()
COSTS = Costs(fees=0.001, slippage=0.002)
MOVES = [-0.15, -0.1, -0.06, -0.03, -0.01, 0.0, 0.01, 0.03, 0.06, 0.1, 0.15]


@st.composite
def cases(draw):
    asset = draw(st.sampled_from(["MP", "LYC", "600111", "300748"]))
    code = UNIVERSE.at[asset, "exchange"]
    start = draw(st.sampled_from(["2019-06-03", "2020-07-01", "2023-07-03", "2024-01-02"]))  # 2023-08-28: halved
    sessions = exchange_calendar(code).sessions_in_range(start, "2026-06-30")[: draw(st.integers(30, 90))]
    moves = np.array(draw(st.lists(st.sampled_from(MOVES), min_size=len(sessions), max_size=len(sessions))))
    if code in A_SHARE_EXCHANGES:  # a move beyond the day's limit is capped at it (and then locked)
        limits = np.array([price_limit(asset, day) for day in sessions])
        moves = np.clip(moves, -limits, limits)
    close = pd.Series(20 * np.cumprod(1 + moves), index=sessions)
    gaps = draw(st.lists(st.integers(1, len(sessions) - 1), max_size=3))
    close.iloc[gaps] = np.nan  # missing rows: signals move to the next price
    days = draw(st.lists(st.integers(0, len(sessions) - 1), min_size=1, max_size=12))
    events = [
        Event(f"e{n}", EventType.RESTRICTION_TIGHTENING if tight else EventType.EASING_PAUSE,
              sessions[day].tz_localize("Asia/Shanghai"), Direction.TIGHTENING if tight else Direction.EASING, 2)
        for n, (day, tight) in enumerate(zip(days, draw(st.lists(st.booleans(), min_size=len(days),
                                                                  max_size=len(days)))))
    ]  # fmt: skip
    stop_kind = draw(st.sampled_from(["none", "fixed", "trailing"]))
    params = {
        "horizon": draw(st.integers(1, 8)),
        "stop_loss": draw(st.sampled_from([0.05, 0.12])) if stop_kind == "fixed" else None,
        "trailing_stop": draw(st.sampled_from([0.05, 0.12])) if stop_kind == "trailing" else None,
        "take_profit": draw(st.sampled_from([None, 0.08, 0.25])),
        "momentum_lookback": draw(st.sampled_from([None, 2, 4])),
        "allow_short": draw(st.booleans()),
        "event_types": ("restriction_tightening", "easing_pause"),
    }
    model, lots = draw(st.sampled_from([("flat", False), ("flat", True), ("desk", False), ("desk", True)]))
    borrow = draw(st.sampled_from([None, 0.25]))  # the default, or a hard-to-borrow name (a --terms override)
    overrides = () if borrow is None else (f"{asset}:borrow_fee={borrow}",)
    if code in A_SHARE_EXCHANGES and draw(st.booleans()):  # an A-share made shortable: its short entry sells
        overrides += (f"{code}:shortable=yes",)
    # Ample cash (ten sleeves' worth): a lot always fits, so lots never decide whether an entry fills.
    costs = Costs(COSTS.fees, COSTS.slippage, 1e6, model=model, lots=lots, overrides=overrides)
    return asset, close.to_frame(asset), EventCalendar(events), params, costs


def _replayed(asset, close, calendar, params, alignment, costs):
    prices = close[asset].dropna()
    code = UNIVERSE.at[asset, "exchange"]
    own = list(prices.index)
    sign = int(UNIVERSE.at[asset, "exposure"])
    table = alignment.table
    signs = [sign * (1 if d == "tightening" else -1) for d in table["direction"]]
    # The README: A-shares are not shortable by default (a --terms override can make them so).
    shortable = code not in A_SHARE_EXCHANGES or f"{code}:shortable=yes" in costs.overrides
    signals, skipped = entry_signals(own, list(table["session"]), signs, params["allow_short"], shortable)
    closes = prices.tolist()
    locked_up = locked_down = None
    if UNIVERSE.at[asset, "exchange"] in A_SHARE_EXCHANGES:
        change = [0.0] + [closes[k] / closes[k - 1] - 1 for k in range(1, len(closes))]
        limit = [price_limit(asset, day) - 0.003 for day in own]
        locked_up = [c >= lim for c, lim in zip(change, limit)]
        locked_down = [c <= -lim for c, lim in zip(change, limit)]
    trades, fates = replay(
        closes, signals, params["horizon"], params["stop_loss"], params["take_profit"], params["trailing_stop"],
        momentum_against(closes, params["momentum_lookback"]), locked_up, locked_down,
    )  # fmt: skip
    return own, closes, trades, skipped, fates


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_trades_follow_the_written_rule(case):
    asset, close, calendar, params, costs = case
    result = run_backtest("event_drift", params, tickers=[asset], calendar=calendar, close=close, costs=costs)
    own, closes, expected, skipped, fates = _replayed(asset, close, calendar, params, result.alignment, costs)

    trades = result.trades
    got = [
        (own.index(row.entry_session), None if pd.isna(row.exit_session) else own.index(row.exit_session),
         1 if row.side == "long" else -1, row.exit_reason)
        for row in trades.itertuples()
    ]  # fmt: skip
    want = [(t.entry, t.exit, t.side, t.reason) for t in expected]
    assert got == want

    renewed = result.events.loc[result.events["outcome"] == "renewed", "signal_session"]
    assert {own.index(day) for day in renewed} == {t for trade in expected for t in trade.renewed}
    _check_costs(trades, expected, own, closes, asset, costs)

    # Each event's fate: the replay's fate of its signal, once per event behind that signal.
    events = result.events
    got_fates = sorted(events["reason"].where(events["outcome"] == "skipped", events["outcome"]))
    by_signal = [(position, fate) for position, fate in [*skipped, *fates.items()]]
    want_fates = sorted(fate for position, fate in by_signal for _ in range(_events_on(result, own, position, fate)))
    assert got_fates == want_fates
    # Nothing the template saw went missing: every aligned event has an outcome.
    assert len(events) == len(result.alignment.table)


def _check_costs(trades, expected, own, closes, asset, costs) -> None:
    """Each trade's fills, size and P&L, replayed with its sleeve's cash from trade to trade."""
    code = UNIVERSE.at[asset, "exchange"]
    lot = written.LOT.get(code, 1) if costs.lots else None
    borrow = written.BORROW.get(code, written.BORROW["elsewhere"])
    for text in costs.overrides:
        if ":borrow_fee=" in text:
            borrow = float(text.split("=")[1])
    cash = costs.init_cash
    for row, trade in zip(trades.itertuples(), expected):
        # Fills at the close, with slippage against the trader and fees on both orders.
        entry = closes[trade.entry] * (1 + trade.side * costs.slippage)
        # desk: the entry sells when it opens a short
        entry_fee = costs.fees if costs.model == "flat" else written.fee_rate(code, trade.side < 0, own[trade.entry])
        size = written.entry_units(cash, entry, entry_fee, lot)
        assert row.size == pytest.approx(size, rel=1e-9), (row, cash)
        assert row.entry_price == pytest.approx(entry, rel=1e-12)
        if trade.exit is None:
            continue
        exit_ = closes[trade.exit] * (1 - trade.side * costs.slippage)
        assert row.exit_price == pytest.approx(exit_, rel=1e-12)
        if costs.model == "flat":
            fees = costs.fees * row.size * (entry + exit_)
        else:  # the exit sells a long; covering a short pays its borrow
            exit_fee = written.fee_rate(code, trade.side > 0, own[trade.exit])
            fees = entry_fee * row.size * entry + exit_fee * row.size * exit_
            if trade.side < 0:
                fees += written.borrow_cost(row.size, closes, own, trade.entry, trade.exit, borrow)
        pnl = row.size * (exit_ - entry) * trade.side - fees
        assert row.pnl == pytest.approx(pnl, rel=1e-9, abs=1e-9 * costs.init_cash)
        cash += pnl


def _events_on(result, own, position, fate) -> int:
    """How many aligned events gave the signal at ``position`` (1 for an event with no price after it)."""
    if fate == "no price on or after its session":
        return 1
    sessions = result.alignment.table["session"]
    return sum(1 for session in sessions if next((k for k, day in enumerate(own) if day >= session), None) == position)


def test_the_issue_examples():
    """The two reproductions of the stale-exit defect: each trade keeps its own time exit."""
    jl_mag = run_backtest("event_drift", tickers=["300748"])
    permits = jl_mag.trades[jl_mag.trades["event_ids"].str.contains("2025-06-26-PA", na=False)]
    assert list(permits["entry_session"]) == [pd.Timestamp("2025-06-27")]
    mp = run_backtest("event_drift", params={"stop_loss": 0.08, "take_profit": 0.2}, tickers=["MP"])
    trade = mp.trades[mp.trades["entry_session"] == pd.Timestamp("2025-04-09")].iloc[0]
    assert trade["exit_reason"] in ("time", "stop_loss", "take_profit")
    assert trade["exit_session"] == pd.Timestamp("2025-04-24")  # 10 NYSE sessions later (Good Friday closed)


# ---- the portfolio, its benchmark and the attribution, replayed on real runs -----------------------------------


def _column(frame: pd.DataFrame, name: str) -> list:
    return [None if pd.isna(value) else float(value) for value in frame[name]]


def _trades(result) -> list[dict]:
    sessions = list(result.close.index)
    return [
        {"asset": row.asset, "side": row.side, "entry": sessions.index(row.entry_session),
         "exit": None if pd.isna(row.exit_session) else sessions.index(row.exit_session),
         "entry_price": row.entry_price, "size": row.size, "pnl": row.pnl,
         "events": row.event_ids.split(";") if isinstance(row.event_ids, str) and row.event_ids else []}
        for row in result.trades.itertuples()
    ]  # fmt: skip


def _sessions_per_year(index: pd.DatetimeIndex) -> float:
    return (len(index) - 1) / ((index[-1] - index[0]).days / 365.25)


def _replayed_portfolio(result) -> dict:
    """The README's portfolio rule in loops: sleeves rebuilt from the trades (strategy) and from the first
    price (buy and hold), their value-weighted and equal-weight portfolios."""
    costs, assets = result.costs, list(result.close.columns)
    prices = [_column(result.close, asset) for asset in assets]
    spans = [written.sleeve_span(column) for column in prices]
    trades = _trades(result)
    strategy = [
        written.sleeve_values([t for t in trades if t["asset"] == asset], column, costs.init_cash, costs.fees)
        for asset, column in zip(assets, prices)
    ]
    benchmark = [written.buy_and_hold_values(column, costs.init_cash, costs.fees, costs.slippage) for column in prices]
    return {"assets": assets, "prices": prices, "spans": spans, "trades": trades, "strategy": strategy,
            "benchmark": benchmark}  # fmt: skip


@pytest.mark.parametrize(
    "tickers, start",
    [(["MP", "LYC", "600111", "USAR"], "2019-01-01"), (["LYC", "300748", "REMX"], "2023-01-01"), (None, None)],
    ids=["four assets, one listed in 2025", "three exchanges", "the default run"],
)
def test_the_portfolio_is_the_value_weighted_sleeves_for_the_strategy_and_buy_and_hold(tickers, start, default_run):
    result = default_run if tickers is None else run_backtest(tickers=tickers, start=start)
    replayed = _replayed_portfolio(result)
    # The sleeves rebuilt from the trades are the sleeves the run valued.
    for asset, values in zip(replayed["assets"], replayed["strategy"]):
        np.testing.assert_allclose(result.asset_equity[asset].to_numpy(), values, rtol=1e-9)
    per_year = _sessions_per_year(result.close.index)
    for series in ("strategy", "benchmark"):
        returns = written.portfolio_returns(replayed[series], replayed["spans"])
        stats = result.stats.loc[("portfolio", series)]
        assert stats["total_return"] == pytest.approx(written.index_levels(returns)[-1] - 1, rel=1e-9, abs=1e-12)
        assert stats["sharpe"] == pytest.approx(written.annualized_sharpe(returns, per_year), rel=1e-9)
        np.testing.assert_allclose(result.equity[series].to_numpy(), written.index_levels(returns), rtol=1e-9)
        # The alternative (equal weights rebalanced daily) is in the stats where it differs materially.
        equal = written.equal_weight_returns(replayed[series], replayed["spans"])
        total, sharpe = written.index_levels(equal)[-1] - 1, written.annualized_sharpe(equal, per_year)
        material = abs(total - stats["total_return"]) > 0.01 or abs(sharpe - stats["sharpe"]) > 0.05
        if ("portfolio", f"{series}_equal_weight") in result.stats.index:
            shown = result.stats.loc[("portfolio", f"{series}_equal_weight")]
            assert shown["total_return"] == pytest.approx(total, rel=1e-9)
            assert shown["sharpe"] == pytest.approx(sharpe, rel=1e-9)
        else:
            assert not material


def test_a_single_sleeve_has_no_equal_weight_alternative():
    """One sleeve: equal weights and value weights are the same portfolio, so the stats hold it once."""
    result = run_backtest(tickers=["MP"], start="2023-01-01")
    assert set(result.stats.index.get_level_values("series")) == {"strategy", "benchmark"}


@pytest.mark.parametrize("tickers, start", [(["MP", "LYC", "600111", "USAR"], "2019-01-01"), (None, None)],
                         ids=["four assets", "the default run"])  # fmt: skip
def test_event_contributions_add_up_to_the_portfolios_return(tickers, start, default_run):
    result = default_run if tickers is None else run_backtest(tickers=tickers, start=start)
    table = attribution(result)
    replayed = _replayed_portfolio(result)
    trades = replayed["trades"]
    sleeve_of = [replayed["assets"].index(trade["asset"]) for trade in trades]
    expected = written.event_contributions(trades, sleeve_of, replayed["prices"], replayed["strategy"],
                                           replayed["spans"], result.costs.fees)  # fmt: skip
    events = table[table["type"] != "residual"].set_index("event_id")["contribution"]
    for event_id, contribution in events.items():
        assert contribution == pytest.approx(expected.get(event_id, 0.0), rel=1e-9, abs=1e-12), event_id
    assert set(expected) <= set(events.index)
    residual = table.loc[table["event_id"] == "residual (no event)", "contribution"]
    assert len(residual) == 1 and table["event_id"].iloc[-1] == "residual (no event)"
    total = result.stats.loc[("portfolio", "strategy"), "total_return"]
    assert events.sum() + residual.iloc[0] == pytest.approx(total, abs=1e-9)
    assert sum(expected.values()) == pytest.approx(total, abs=1e-9)  # every trade has an event here
    assert abs(residual.iloc[0]) < 1e-9


def test_a_template_that_would_short_a_non_shortable_asset_skips_that_leg_and_says_so():
    """relative_value's hedge 600111 is an A-share, not shortable by default: its legs are skipped, each event
    counted with the reason (events.csv, the run's summary line); made shortable (--terms), it is shorted."""
    from backtests.cli._console import event_outcomes
    from strategies._base import NOT_SHORTABLE

    params = {"longs": ("MP",), "hedges": ("600111",)}
    result = run_backtest("relative_value", params, start="2024-01-01", end="2025-12-31")
    skipped = result.events[result.events["reason"] == NOT_SHORTABLE]
    assert len(skipped) > 0 and set(skipped["asset"]) == {"600111"}
    assert set(result.trades["asset"]) == {"MP"} and set(result.trades["side"]) == {"long"}
    assert f"{len(skipped)} {NOT_SHORTABLE}" in event_outcomes(result)
    shortable = Costs(overrides=("600111:shortable=yes",))
    hedged = run_backtest("relative_value", params, start="2024-01-01", end="2025-12-31", costs=shortable)
    assert set(hedged.trades.loc[hedged.trades["asset"] == "600111", "side"]) == {"short"}
    assert not (hedged.events["reason"] == NOT_SHORTABLE).any()
