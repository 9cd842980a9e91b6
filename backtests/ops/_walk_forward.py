"""Walk-forward validation cut on event dates: choose parameters on the past, test them on what follows.

Each fold sweeps the grid on its training window (one stacked simulation, :func:`run_sweep`) and
tests the chosen combination on its test window through the same stacked path (one column set,
no vectorbt Portfolio nor stats accessor): the numbers are those :func:`backtests.run_backtest`
reports for the portfolio (a sweep test checks a stacked row equals the single run).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from signals.errors import ParameterError, counted

from ..data import MarketData
from ..measures._performance import PORTFOLIO
from ..results import publishing, read_config, read_frame, write_config, write_frame
from ..simulation._distributed import Scheduler, connect
from ..simulation._vbt import Costs
from ..spec import RunSpec, ticker_tuple
from . import _display
from ._progress import Progress, map_reported, track

__all__ = ["WalkForwardResult", "run_walk_forward", "walk_forward"]


def walk_forward(
    template: str,
    grid: Mapping[str, Sequence],
    folds: int = 4,
    embargo: int = 21,
    tickers: Iterable[str] | None = None,
    costs: Costs | None = None,
    select_by: str = "sharpe",
    scheduler: Scheduler = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Choose parameters on the past, test them on the next stretch of events; repeat.

    See :func:`run_walk_forward`; this loads the data for ``template`` and returns the folds.
    ``scheduler`` runs the folds on Dask (see :mod:`backtests.simulation._distributed`); ``progress``
    shows the folds done (True: a tqdm bar; see :mod:`backtests.ops._progress`).
    """
    spec = RunSpec(template, {}, ticker_tuple(tickers), costs=costs or Costs())
    return run_walk_forward(spec, MarketData.load(spec), grid, folds, embargo, select_by, scheduler, progress).folds


@dataclass(frozen=True)
class WalkForwardResult:
    """A walk-forward: one row per fold (its windows, the parameters chosen in sample, in- and
    out-of-sample Sharpe and return, out-of-sample trades), the grid and the spec."""

    folds: pd.DataFrame
    grid: Mapping[str, Sequence]
    spec: RunSpec | None = None
    data: MarketData | None = field(default=None, repr=False)

    def summary(self) -> pd.DataFrame:
        """Per fold: the test window, the parameters chosen, and the Sharpe in and out of sample."""
        columns = ["fold", "test_start", "test_end", "params", "in_sample_sharpe", "out_of_sample_sharpe"]
        return self.folds[columns]

    def to_frame(self) -> pd.DataFrame:
        """The folds, one row each."""
        return self.folds

    def plot(self):
        """A plotly Figure: the portfolio Sharpe in and out of sample, fold by fold."""
        return _display.walk_forward_figure(self.folds)

    def _repr_html_(self) -> str:
        return _display.walk_forward_html(self)

    def save(self, folder: str | Path) -> Path:
        """Publish the results folder whole (see :func:`backtests.results.publishing`); returns the folder."""
        with publishing(folder) as stage:
            self.write(stage)
        return Path(folder)

    def write(self, folder: str | Path) -> Path:
        """Write ``walk_forward.csv`` (the parameters as JSON) and ``config.json`` (with the grid) into ``folder``."""
        folds = self.folds.assign(params=[json.dumps(params, sort_keys=True) for params in self.folds["params"]])
        write_frame(folder, "walk_forward", "folds", folds)
        if self.spec is not None:
            grid = {name: list(values) for name, values in self.grid.items()}
            write_config(folder, "walk_forward", self.spec, self.data, grid=grid)
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> WalkForwardResult:
        """Read a folder written by :meth:`save` (``data`` is not saved: it comes back None)."""
        config = read_config(folder)
        folds = read_frame(folder, "walk_forward", "folds")
        folds["params"] = [json.loads(params) for params in folds["params"]]
        spec = RunSpec.from_dict(config["spec"]) if "spec" in config else None
        return cls(folds, config.get("grid", {}), spec)


@dataclass(frozen=True)
class _Folds:
    """What every walk-forward fold reads (scattered once to each Dask worker)."""

    spec: RunSpec
    data: MarketData
    grid: Mapping[str, Sequence]
    select_by: str


def _fold(job: _Folds, fold: tuple[int, pd.Timestamp, pd.Timestamp, pd.Timestamp]) -> dict[str, Any]:
    """Train on the sessions up to ``train_end``, pick the best combination, test it on ``test_start..test_end``."""
    from ._sweep import StackJob, combination_params, run_stacked, run_sweep

    number, train_end, test_start, test_end = fold
    train_spec = replace(job.spec, start=None, end=train_end)
    train = run_sweep(train_spec, job.data.window(train_spec), job.grid, progress=False, deflate=False).table
    portfolio = train[train["scope"] == PORTFOLIO].reset_index(drop=True)
    best = portfolio.loc[portfolio[job.select_by].idxmax()]
    chosen = combination_params(best, job.grid)
    test_spec = replace(job.spec.with_params(**chosen), start=test_start, end=test_end)
    test, _ = run_stacked(StackJob(test_spec, job.data.window(test_spec), [test_spec.resolved_params()]),
                          progress=False)  # fmt: skip
    outcome = test[test["scope"] == PORTFOLIO].iloc[0]
    return {
        "fold": number,
        "train_end": train_end,
        "test_start": test_start,
        "test_end": test_end,
        "params": chosen,
        "in_sample_sharpe": best["sharpe"],
        "out_of_sample_sharpe": outcome["sharpe"],
        "in_sample_return": best["total_return"],
        "out_of_sample_return": outcome["total_return"],
        "out_of_sample_trades": outcome["trades"],
    }


def run_walk_forward(
    spec: RunSpec, data: MarketData, grid: Mapping[str, Sequence], folds: int = 4, embargo: int = 21,
    select_by: str = "sharpe", scheduler: Scheduler = None, progress: Progress = None,
) -> WalkForwardResult:  # fmt: skip
    """The walk-forward operation, on data loaded once.

    The event timeline (events inside the price data) is cut into ``folds + 1`` blocks of equal event
    counts; cuts fall on event dates. Fold k trains on every block before it, stopping ``embargo``
    sessions before the test block starts (so no position opened in training can hold into it), then
    evaluates the in-sample best combination (by portfolio ``select_by``) on the test block.
    Returns a :class:`WalkForwardResult`: one row per fold with the chosen parameters and in-sample /
    out-of-sample stats. With a Dask ``scheduler`` each fold is a task (the data scattered once); the
    rows are the same. Each finished fold is reported to ``progress`` (:mod:`backtests.ops._progress`).
    """
    close = data.close
    inside = [e for e in data.calendar if close.index[0] <= e.announced_at.tz_localize(None) <= close.index[-1]]
    days = pd.DatetimeIndex(sorted(e.announced_at.tz_localize(None).normalize() for e in inside))
    if folds < 1 or len(days) < 2 * (folds + 1):
        raise ParameterError(
            "folds", folds, f"at least 1 and at most {len(days) // 2 - 1} for {counted(len(days), 'event')}"
        )
    cuts = [days[int(len(days) * k / (folds + 1))] for k in range(1, folds + 1)] + [close.index[-1]]
    sessions = close.index
    job = _Folds(replace(spec, tickers=tuple(close.columns)), data, dict(grid), select_by)
    data.context(spec)  # aligned once: each fold's window cuts this alignment (MarketData.window)
    plan = [
        (number, sessions[max(0, sessions.searchsorted(test_start) - embargo - 1)], test_start, test_end)
        for number, (test_start, test_end) in enumerate(itertools.pairwise(cuts), start=1)
    ]
    done = track(progress, "walk-forward folds", len(plan), "fold")
    if scheduler is None:
        rows = [_fold(job, fold) for fold in done.over(plan)]
    else:
        with connect(scheduler) as client:
            rows = map_reported(client, _fold, job, plan, done)
    return WalkForwardResult(pd.DataFrame(rows), dict(grid), spec, data)
