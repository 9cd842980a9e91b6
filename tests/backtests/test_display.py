"""Results in a notebook: ``.plot()`` gives a plotly Figure with traces, ``_repr_html_`` a compact summary
(headline numbers and a small table, no plotly JavaScript), ``metrics()`` the tidy run summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from backtests import MarketData, RunSpec, StudySpec, ops
from backtests.measures._performance import METRICS, PORTFOLIO
from backtests.ops import BacktestResult, PlaceboResult, WalkForwardResult
from backtests.ops._display import METRIC_LABELS, number, percent


@pytest.fixture(scope="module")
def setup():
    spec = RunSpec("event_drift", {"horizon": 5}, tickers=("MP", "LYC"), start="2023-01-01")
    data = MarketData.load(spec)
    return spec, data, ops.run(spec, data)


def _html(result) -> str:
    page = result._repr_html_()
    assert "<table" in page and "<script" not in page and "plotly" not in page.lower()
    return page


def test_a_run_plots_its_equity_and_drawdown_and_its_positions(setup):
    result = setup[2]
    figure = result.plot()
    assert isinstance(figure, go.Figure)
    names = {trace.name for trace in figure.data}
    assert {"event_drift", "buy & hold"} <= names and len(figure.data) == 4  # value and drawdown of each
    assert figure.layout.title.text == "Portfolio value and drawdown"
    value = next(trace for trace in figure.data if trace.name == "event_drift")
    assert value.y[0] == 1.0 and value.y[-1] == pytest.approx(1 + result.stats.loc[(PORTFOLIO, "strategy"),
                                                                                  "total_return"])  # fmt: skip
    positions = result.plot("positions")
    assert len(positions.data) == 2 and sum(len([x for x in t.x if x is not None]) for t in positions.data) == 2 * len(
        result.trades
    )  # two ends per trade
    with pytest.raises(ValueError, match="positions"):
        result.plot("nothing")


def test_a_run_shows_its_headline_numbers_and_tidy_metrics(setup):
    result = setup[2]
    page = _html(result)
    row = result.stats.loc[(PORTFOLIO, "strategy")]
    for shown in (percent(row["total_return"]), number(row["sharpe"]), percent(row["max_drawdown"])):
        assert f"<b>{shown}</b>" in page
    assert "BacktestResult: event_drift, 2023-01-03 to " in page
    assert "Sharpe ratio (annualized, no risk-free rate)" in page


def test_metrics_are_rows_and_series_are_columns(setup):
    result = setup[2]
    table = result.metrics()
    assert list(table.index) == [METRIC_LABELS[m] for m in METRICS]
    assert {"strategy", "benchmark"} <= set(table.columns)
    assert (
        table.at["Sharpe ratio (annualized, no risk-free rate)", "strategy"]
        == result.stats.loc[(PORTFOLIO, "strategy"), "sharpe"]
    )
    asset = result.metrics("MP")
    assert list(asset.columns) == ["strategy", "benchmark"]
    assert asset.at["total return", "benchmark"] == result.stats.loc[("MP", "benchmark"), "total_return"]
    with pytest.raises(KeyError, match="portfolio"):
        result.metrics("XX")
    assert result.summary().loc["portfolio", "trades:strategy"] > 0  # summary() keeps its shape (the README's)


def test_a_loaded_run_plots_and_shows_as_well(setup, tmp_path):
    loaded = BacktestResult.load(setup[2].save(tmp_path / "run"))
    assert len(loaded.plot().data) == 4 and len(loaded.plot("positions").data) == 2
    assert "BacktestResult" in _html(loaded)


def test_a_sweep_plots_its_heat_map_and_shows_its_best_combination(setup):
    spec, data, _ = setup
    sweep = ops.sweep(spec, {"horizon": [5, 10], "min_severity": [1, 2, 3]}, data=data)
    figure = sweep.plot()
    heat = figure.data[0]
    assert isinstance(heat, go.Heatmap) and np.asarray(heat.z).shape == (2, 3)  # rows horizon, columns severity
    assert list(heat.x) == ["1", "2", "3"] and list(heat.y) == ["5", "10"]
    best = sweep.summary(1)
    assert np.nanmax(np.asarray(heat.z, dtype=float)) == pytest.approx(best["sharpe"].iloc[0])
    page = _html(sweep)
    assert f"best Sharpe <b>{number(best['sharpe'].iloc[0])}</b>" in page
    assert f"deflated Sharpe ratio <b>{number(sweep.dsr['dsr'], 3)}</b>" in page
    assert "combinations <b>6</b>" in page


def test_a_sweep_of_one_value_has_no_heat_map(setup):
    spec, data, _ = setup
    with pytest.raises(ValueError, match="no parameter varies"):
        ops.sweep(spec, {"horizon": [5]}, data=data).plot()


def test_a_placebo_marks_the_real_sharpe_on_its_distribution():
    result = PlaceboResult(0.8, np.array([0.1, -0.2, np.nan, 0.5, 0.9]), 0.25)
    figure = result.plot()
    assert isinstance(figure.data[0], go.Histogram) and len(figure.data[0].x) == 4
    assert [shape.x0 for shape in figure.layout.shapes] == [0.8]
    assert "real 0.8, p = 0.250, 5 draws (1 without a value)" in figure.layout.title.text
    page = _html(result)
    assert "real Sharpe <b>0.80</b>" in page and "empirical p <b>0.250</b>" in page and "placebo draws <b>5</b>" in page


def test_a_study_plots_car_paths_with_bands_and_shows_mean_cars():
    study = ops.study(StudySpec(types=("restriction_tightening",), tickers=("MP", "LYC")))
    figure = study.plot()
    band, line = figure.data[0], figure.data[1]
    assert band.fill == "toself" and line.name.startswith("restriction_tightening (n=")
    paths = study.car_paths()
    assert list(line.y) == pytest.approx(list(paths["mean"]))
    page = _html(study)
    assert percent(study.summary().iloc[0, 0]) in page and "CAR [" in page
    assert f"events <b>{study.abnormal_returns['event_id'].nunique()}</b>" in page


def test_positions_plot_their_values_and_show_held_rows_and_orders(setup):
    spec, data, result = setup
    day = result.trades["entry_session"].iloc[-1]
    positions = ops.positions(spec, asof=day, data=data)
    figure = positions.plot()
    bars = figure.data[0]
    assert isinstance(bars, go.Bar) and list(bars.y) == list(positions.frame["column"])
    assert figure.layout.title.text == f"Positions of event_drift after the close of {positions.manifest['asof']}"
    page = _html(positions)
    held = int((positions.frame["units"] != 0).sum())
    assert held and f"held <b>{held}</b>" in page


def test_a_walk_forward_plots_sharpe_in_and_out_of_sample():
    folds = pd.DataFrame({
        "fold": [1, 2], "test_start": pd.to_datetime(["2024-01-02", "2025-01-02"]),
        "test_end": pd.to_datetime(["2024-12-31", "2025-12-31"]), "params": [{"horizon": 5}, {"horizon": 10}],
        "in_sample_sharpe": [0.9, 1.1], "out_of_sample_sharpe": [-0.2, 0.4],
    })  # fmt: skip
    result = WalkForwardResult(folds, {"horizon": [5, 10]})
    figure = result.plot()
    assert [trace.name for trace in figure.data] == ["in sample", "out of sample"]
    assert list(figure.data[1].y) == [-0.2, 0.4]
    page = _html(result)
    assert "mean out-of-sample Sharpe <b>0.10</b>" in page and "2024-01-02" in page
