"""Walk-forward folds: each fold's test equals a single backtest of the chosen parameters on its window."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from backtests import MarketData, RunSpec
from backtests.measures._performance import PORTFOLIO
from backtests.ops._run import backtest
from backtests.ops._sweep import combination_params, run_sweep
from backtests.ops._walk_forward import run_walk_forward


def test_folds_equal_a_sweep_then_a_backtest_per_fold():
    grid = {"horizon": [5, 10], "stop_loss": [None, 0.05]}
    spec = RunSpec("event_drift", {}, ("MP", "LYC", "REMX"))
    data = MarketData.load(spec)
    folds = run_walk_forward(spec, data, grid, folds=2, embargo=10).folds
    assert list(folds["fold"]) == [1, 2]
    for fold in folds.itertuples():
        train_spec = replace(spec, start=None, end=fold.train_end)
        train = run_sweep(train_spec, data.window(train_spec), grid, progress=False, deflate=False).table
        portfolio = train[train["scope"] == PORTFOLIO].reset_index(drop=True)
        best = portfolio.loc[portfolio["sharpe"].idxmax()]
        assert fold.params == combination_params(best, grid)
        assert fold.in_sample_sharpe == best["sharpe"]
        test_spec = replace(spec.with_params(**fold.params), start=fold.test_start, end=fold.test_end)
        outcome = backtest(test_spec, data.window(test_spec)).stats.loc[(PORTFOLIO, "strategy")]
        for mine, theirs in (("out_of_sample_sharpe", "sharpe"), ("out_of_sample_return", "total_return"),
                             ("out_of_sample_trades", "trades")):  # fmt: skip
            assert getattr(fold, mine) == pytest.approx(outcome[theirs], rel=1e-9, abs=1e-12), mine
    assert isinstance(folds["test_start"].iloc[0], pd.Timestamp)


@pytest.mark.parametrize("margin", [30, None])
def test_a_window_cuts_the_alignment_as_aligning_its_data_would(margin):
    """MarketData.window derives its context from the data's alignment: the same rows align_events gives."""
    from strategies import build_context

    spec = RunSpec("event_drift", close_margin=margin)
    data = MarketData.load(spec)
    data.context(spec)
    for start, end in (("2012-01-01", "2016-06-30"), ("2019-05-01", "2025-10-10"), (None, "2013-03-01")):
        window = data.window(RunSpec("event_drift", start=start, end=end, close_margin=margin))
        derived = window.context(spec).alignment
        fresh = build_context(data.calendar, data.universe, window.close, close_margin=spec.close_delta).alignment
        pd.testing.assert_frame_equal(derived.table, fresh.table)
        key = ["event_id", "asset", "reason"]
        pd.testing.assert_frame_equal(derived.dropped.sort_values(key, ignore_index=True),
                                      fresh.dropped.sort_values(key, ignore_index=True))  # fmt: skip
        assert derived.n_events == fresh.n_events


def test_a_walk_forward_saves_and_loads(tmp_path):
    from backtests import ops
    from backtests.ops._walk_forward import WalkForwardResult

    spec = RunSpec("event_drift", tickers=("MP", "LYC", "REMX"))
    result = ops.walk_forward(spec, {"horizon": [5, 10]}, folds=2, embargo=10)
    assert list(result.summary()["fold"]) == [1, 2]
    back = WalkForwardResult.load(result.save(tmp_path / "wf"))
    pd.testing.assert_frame_equal(back.folds.drop(columns="params"), result.folds.drop(columns="params"),
                                  check_dtype=False)  # fmt: skip
    assert list(back.folds["params"]) == list(result.folds["params"])
    assert back.spec == spec and back.grid == {"horizon": [5, 10]}
