"""The README's main job on the bundled data: real properties, not snapshots of numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from backtests import METRICS, run_backtest
from signals import exchange_calendar


def test_every_entry_is_on_or_after_its_aligned_event_session_and_never_before(default_run):
    trades, table = default_run.trades, default_run.alignment.table
    assert len(trades) > 100
    assert trades["event_ids"].notna().all(), "a trade without an event behind it"
    aligned = table.set_index(["event_id", "asset"])
    for trade in trades.itertuples():
        for event_id in trade.event_ids.split(";"):
            row = aligned.loc[(event_id, trade.asset)]
            assert row["session"] == trade.event_session
            assert trade.entry_session >= row["session"]
            # The aligned session opened strictly after the event became knowable.
            assert exchange_calendar(row["exchange"]).session_open(row["session"]) > row["knowable_at"]


def test_entries_come_from_the_template_only_on_event_sessions(default_run):
    entries = default_run.signals.entries
    planned = default_run.signals.trades
    flagged = {(asset, day) for day, asset in entries.stack().loc[lambda s: s].index}
    assert flagged == set(zip(planned["asset"], planned["entry_session"], strict=True))
    assert (planned["entry_session"] >= planned["event_session"]).all()


def test_positions_never_outlive_the_horizon(default_run):
    horizon = default_run.params.horizon
    close = default_run.close
    for trade in default_run.trades[default_run.trades["status"] == "Closed"].itertuples():
        own = close.index[close[trade.asset].notna().to_numpy()]
        held = own.get_loc(trade.exit_session) - own.get_loc(trade.entry_session)
        assert 0 < held <= horizon


def test_stats_cover_each_asset_and_the_portfolio(default_run):
    stats = default_run.stats
    assert list(stats.columns) == list(METRICS)
    scopes = set(stats.index.get_level_values("scope"))
    assert scopes == set(default_run.close.columns) | {"portfolio"}
    portfolio = stats.loc[("portfolio", "strategy")]
    assert np.isfinite(portfolio[["total_return", "cagr", "sharpe", "sortino", "max_drawdown"]].astype(float)).all()
    assert -1 <= portfolio["max_drawdown"] <= 0 and 0 < portfolio["exposure"] < 1
    assert portfolio["trades"] == len(default_run.trades)
    # The portfolio is the sum of the equal-capital assets.
    pdt.assert_series_equal(default_run.asset_equity.sum(axis=1), default_run.equity["strategy"], check_names=False)


def test_results_are_identical_from_run_to_run(default_run):
    again = run_backtest()
    pdt.assert_frame_equal(again.stats, default_run.stats)
    pdt.assert_frame_equal(again.trades, default_run.trades)
    pdt.assert_frame_equal(again.equity, default_run.equity)


def test_window_and_tickers_are_respected():
    result = run_backtest(tickers=["MP", "LYC"], start="2025-01-01", end="2025-12-31", params={"horizon": 5})
    assert list(result.close.columns) == ["MP", "LYC"]
    assert result.close.index[0] >= pd.Timestamp("2025-01-01")
    assert result.close.index[-1] <= pd.Timestamp("2025-12-31")
    assert set(result.trades["asset"]) <= {"MP", "LYC"}
