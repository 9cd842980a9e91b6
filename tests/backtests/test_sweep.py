"""Sweeps: every combination, the same numbers as single runs, bounded chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import strategies
from backtests import METRICS, run_backtest, sweep
from signals.errors import ParameterError

SMALL = {"start": "2024-01-01"}


def _compare(table: pd.DataFrame, template: str, grid_row: dict, **kwargs):
    result = run_backtest(template, grid_row, **kwargs)
    mine = table.loc[np.logical_and.reduce([table[k].astype(object).eq(v) if v is not None else table[k].isna()
                                            for k, v in grid_row.items()])]  # fmt: skip
    strategy = result.stats.xs("strategy", level="series")
    assert set(mine["scope"]) == set(strategy.index)
    for row in mine.itertuples():
        expected = strategy.loc[row.scope]
        for metric in METRICS:
            assert getattr(row, metric) == pytest.approx(expected[metric], rel=1e-9, abs=1e-12, nan_ok=True), (
                row.scope, metric,
            )  # fmt: skip


def test_sweep_rows_equal_single_runs_event_drift():
    grid = {"horizon": [5, 10], "stop_loss": [None, 0.05], "take_profit": [None, 0.2]}
    table = sweep("event_drift", grid, **SMALL)
    assert len(table[table["scope"] == "portfolio"]) == 8
    assert list(table.columns[:3]) == ["horizon", "stop_loss", "take_profit"]
    _compare(table, "event_drift", {"horizon": 10, "stop_loss": 0.05, "take_profit": None}, **SMALL)
    _compare(table, "event_drift", {"horizon": 5, "stop_loss": None, "take_profit": 0.2}, **SMALL)


@pytest.mark.parametrize(
    ("template", "grid", "row"),
    [
        ("regime_tilt", {"tilt": [0.25, 1.0]}, {"tilt": 1.0}),
        ("window_optionality", {"leg": ["straddle", "call"]}, {"leg": "call"}),
        ("relative_value", {"horizon": [5, 10]}, {"horizon": 5}),
        ("permit_fade", {"min_rally": [0.05, 0.2]}, {"min_rally": 0.05}),
    ],
)
def test_sweep_rows_equal_single_runs_other_templates(template, grid, row):
    table = sweep(template, grid, **SMALL)
    _compare(table, template, row, **SMALL)


def test_chunking_does_not_change_results():
    grid = {"horizon": [3, 5, 10], "min_severity": [1, 2]}
    whole = sweep("event_drift", grid, tickers=["MP", "LYC", "600111"], **SMALL)
    chunked = sweep("event_drift", grid, tickers=["MP", "LYC", "600111"], chunk_size=2, progress=False, **SMALL)
    pd.testing.assert_frame_equal(whole, chunked)


def test_bad_grid_is_rejected_before_any_work():
    with pytest.raises(ParameterError, match="'horizon' = 99"):
        sweep("event_drift", {"horizon": [5, 99]})
    with pytest.raises(ParameterError, match=r"'grid\[horizon\]'"):
        sweep("event_drift", {"horizon": []})


def test_documented_grids_are_valid():
    for name in strategies.available():
        spec = strategies.get(name)
        assert spec.grid, name
        for key, values in spec.grid.items():
            for value in values:
                spec.params(**{key: value})
