"""The README's main job on the bundled data: real properties, not snapshots of numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from backtests import METRICS, run_backtest
from signals import exchange_calendar
from strategies import market_locks


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
            # The aligned session is tradable: it opened strictly after the event became knowable, or (the close
            # rule: templates trade at the close) it still traded 30 minutes after, and the one before did not.
            calendar = exchange_calendar(row["exchange"])
            opened_after = calendar.session_open(row["session"]) > row["knowable_at"]
            close_rule = calendar.session_close(row["session"]) - pd.Timedelta(minutes=30) >= row["knowable_at"]
            assert opened_after or close_rule
            previous = calendar.previous_session(row["session"])
            assert calendar.session_close(previous) - pd.Timedelta(minutes=30) < row["knowable_at"]


def test_entries_come_from_the_template_only_on_event_sessions(default_run):
    entries = default_run.signals.entries
    planned = default_run.signals.plan
    flagged = {(asset, day) for day, asset in entries.stack().loc[lambda s: s].index}
    assert flagged == set(zip(planned["asset"], planned["entry_session"], strict=True))
    assert (planned["entry_session"] >= planned["event_session"]).all()


def test_positions_never_outlive_the_horizon_after_their_last_signal(default_run):
    horizon = default_run.params.horizon
    close = default_run.close
    renewals = default_run.events[default_run.events["outcome"] == "renewed"]
    buy_locked, sell_locked = market_locks(close, default_run.universe)
    for trade in default_run.trades[default_run.trades["status"] == "Closed"].itertuples():
        own = close.index[close[trade.asset].notna().to_numpy()]
        mine = renewals[
            (renewals["asset"] == trade.asset)
            & renewals["signal_session"].between(trade.entry_session, trade.exit_session)
        ]
        last = max([trade.entry_session, *mine["signal_session"]])  # the entry, or the last roll-over
        held = own.get_loc(trade.exit_session) - own.get_loc(last)
        # Past the horizon only while an A-share's exit waits at closes locked at the daily limit.
        locked = (sell_locked if trade.side == "long" else buy_locked)[trade.asset]
        waited = own[own.get_loc(last) + horizon : own.get_loc(trade.exit_session)]
        assert held > 0 and (held <= horizon or locked.loc[waited].all())
        if trade.exit_reason == "time":
            assert held == horizon or locked.loc[waited].all()


def test_every_event_the_template_saw_has_an_outcome(default_run):
    """Nothing is dropped silently: each aligned (event, asset) of a traded type is entered, renewed or skipped."""
    events = default_run.events
    chosen = default_run.alignment.table
    chosen = chosen[chosen["type"].isin(default_run.params.event_types) & (chosen["severity"] >= 2)]
    assert sorted(zip(events["event_id"], events["asset"])) == sorted(zip(chosen["event_id"], chosen["asset"]))
    assert set(events["outcome"]) <= {"entered", "renewed", "closed", "skipped"}
    assert (events["reason"] != "").eq(events["outcome"].isin(["skipped", "closed"])).all()
    # The A-shares trade the 2025-06-26 permit approval (the stale-exit defect dropped it on all of them):
    # the eight with an exposure (603993, CMOC, is not a rare-earth company: exposure 0, not traded).
    permit = events[(events["event_id"] == "2025-06-26-PA")]
    a_shares = permit[permit["asset"].str.fullmatch(r"\d{6}")]
    assert len(a_shares) == 8 and set(a_shares["outcome"]) <= {"entered", "renewed"}


def test_stats_cover_each_asset_and_the_portfolio(default_run):
    stats = default_run.stats
    assert list(stats.columns) == list(METRICS)
    scopes = set(stats.index.get_level_values("scope"))
    assert scopes == set(default_run.close.columns) | {"portfolio"}
    portfolio = stats.loc[("portfolio", "strategy")]
    assert np.isfinite(portfolio[["total_return", "cagr", "sharpe", "sortino", "max_drawdown"]].astype(float)).all()
    assert -1 <= portfolio["max_drawdown"] <= 0 and 0 < portfolio["time_invested"] < 1
    assert portfolio["trades"] == len(default_run.trades)
    # Equal weights rebalanced daily differ materially on the default run (more than 1 point of return or
    # 0.05 of Sharpe): the stats keep them beside the value-weighted portfolio (test_replay.py replays both).
    series = set(stats.loc["portfolio"].index)
    assert series == {"strategy", "benchmark", "strategy_equal_weight", "benchmark_equal_weight"}
    assert list(default_run.summary().index) == ["portfolio", *default_run.asset_equity.columns]
    # Where every sleeve is alive, the portfolio's return is the return of the sleeves' summed value.
    close, values = default_run.close, default_run.asset_equity
    first, last = close.notna().idxmax(), close[::-1].notna().idxmax()
    every = (close.index > first.max()) & (close.index <= last.min())
    summed = values.sum(axis=1).pct_change()[every]
    np.testing.assert_allclose(default_run.equity["strategy"].pct_change()[every], summed, rtol=1e-9, atol=1e-15)


def test_a_sleeve_waiting_for_its_listing_does_not_dilute_the_portfolio():
    """USAR lists on 2025-03-14: before that, the portfolio with it equals the portfolio without it."""
    both = run_backtest(tickers=["MP", "USAR"], start="2024-01-01")
    alone = run_backtest(tickers=["MP"], start="2024-01-01")
    before = both.equity.index < pd.Timestamp("2025-03-13")
    for series in ("strategy", "benchmark"):
        pdt.assert_series_equal(both.equity[series][before], alone.equity[series][before], rtol=1e-12)
    assert both.equity["benchmark"].iloc[0] == 1.0


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


# ---- the universe's identity spans and the default assets ------------------------------------------


def test_an_asset_trades_only_while_it_is_the_rare_earth_business(default_run):
    """MP's prices start 2020-06-22 as its SPAC shell (FVAC); MP Materials listed on 2020-11-18."""
    mp = default_run.close["MP"].dropna()
    assert mp.index[0] == pd.Timestamp("2020-11-18")
    assert (default_run.trades.loc[default_run.trades["asset"] == "MP", "entry_session"] >= "2020-11-18").all()
    # 000831 was an aluminium smelter until its listing resumed on 2013-02-08: no 2010-2012 event reaches it
    table = default_run.alignment.table
    assert (table.loc[table["asset"] == "000831", "session"] >= pd.Timestamp("2013-02-08")).all()
    left_out = default_run.data.describe()["left_out"]
    assert left_out["MP"] == "105 session(s) left out: a rare-earth company only from 2020-11-18"
    assert left_out["000831"].endswith("a rare-earth company only from 2013-02-08")


def test_a_default_asset_whose_prices_ended_long_ago_is_left_out_and_said(default_run):
    assert "NEO.TO" not in default_run.close.columns
    assert default_run.data.left_out["NEO.TO"].startswith("left out of the default assets: its prices end 2020-10-09")
    named = run_backtest("event_drift", tickers=["NEO.TO", "MP"])  # named, it trades on what it has
    assert "NEO.TO" in named.close.columns and "NEO.TO" not in named.data.left_out


def test_saving_only_writes(tmp_path, monkeypatch):
    """The run computes its attribution (and loads its benchmarks); save writes and computes nothing."""
    import backtests.ops._attribution
    import backtests.ops._run
    import backtests.prices._load
    from backtests import RunSpec, ops

    result = ops.run(RunSpec(tickers=("MP", "LYC", "600111"), start="2024-01-01"))
    assert result.attribution is not None and len(result.attribution)

    def refuse(*args, **kwargs):
        raise AssertionError("saving computed or loaded something")

    for module, name in (
        (backtests.ops._attribution, "attribution"),
        (backtests.ops._run, "attribution"),
        (backtests.prices._load, "load_prices"),
        (backtests.ops._attribution, "trade_abnormal_returns"),
    ):
        monkeypatch.setattr(module, name, refuse)  # fmt: skip
    result.save(tmp_path / "run")
    saved = pd.read_csv(tmp_path / "run" / "attribution.csv")
    assert list(saved["event_id"]) == list(result.attribution["event_id"])
