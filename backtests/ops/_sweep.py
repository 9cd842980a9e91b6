"""Parameter sweeps: the whole grid side by side, in memory-bounded chunks (in this process or on Dask)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import strategies
from signals import EventCalendar
from signals.errors import ParameterError
from strategies import StrategyContext, market_locks

from ..data import MarketData
from ..measures._dsr import deflated_sharpe_ratio
from ..measures._performance import PORTFOLIO, periods_per_year
from ..results import publishing, read_config, read_frame, read_json, write_config, write_frame, write_json
from ..simulation._distributed import Scheduler, connect
from ..simulation._stack import CHUNK_CELLS, _chunk_stats, _stacked_locks, stack_signals
from ..simulation._vbt import Costs, simulate
from ..spec import RunSpec, ticker_tuple
from . import _display
from ._progress import Progress, map_reported, track

__all__ = ["StackJob", "SweepResult", "combination_params", "run_stacked", "run_sweep", "sweep"]


def _combinations(grid: Mapping[str, Sequence]) -> list[dict[str, Any]]:
    if not grid:
        return [{}]
    for name, values in grid.items():
        if isinstance(values, str) or not isinstance(values, Sequence) or len(values) == 0:
            raise ParameterError(f"grid[{name}]", values, "a non-empty list of values")
    return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def combination_params(row: pd.Series, names) -> dict[str, Any]:
    """The parameters of one sweep row as plain Python values (missing values, read back as NaN, are None)."""
    values = {}
    for name in names:
        value = row[name]
        if isinstance(value, float) and np.isnan(value):
            value = None
        values[name] = value.item() if hasattr(value, "item") else value
    return values


@dataclass(frozen=True)
class SweepResult:
    """A sweep: one row per combination x scope, and what the deflated Sharpe ratio needs.

    ``best_returns`` are the daily portfolio returns of the combination with the highest portfolio
    Sharpe, kept from the sweep itself (nothing is rerun); ``dsr`` is its deflated Sharpe ratio
    over all the combinations (None with fewer than two).
    """

    table: pd.DataFrame
    grid: Mapping[str, Sequence]
    spec: RunSpec | None = None
    data: MarketData | None = field(default=None, repr=False)
    best_params: dict[str, Any] = field(default_factory=dict)
    best_returns: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), repr=False)
    dsr: dict[str, Any] | None = None

    def summary(self, rows: int = 10) -> pd.DataFrame:
        """The best combinations by portfolio Sharpe (in-sample: beware of overfitting)."""
        portfolio = self.table[self.table["scope"] == PORTFOLIO].sort_values("sharpe", ascending=False)
        return portfolio.head(rows).drop(columns="scope").reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """The sweep table itself: one row per combination x scope."""
        return self.table

    def plot(self):
        """A plotly Figure: the portfolio Sharpe heat map over the two most varied parameters (as in the report)."""
        return _display.sweep_heatmap(self.table, self.grid, PORTFOLIO)

    def _repr_html_(self) -> str:
        return _display.sweep_html(self, PORTFOLIO)

    def save(self, folder: str | Path) -> Path:
        """Publish the results folder whole (see :func:`backtests.results.publishing`); returns the folder."""
        with publishing(folder) as stage:
            self.write(stage)
        return Path(folder)

    def write(self, folder: str | Path) -> Path:
        """Write ``sweep.csv`` to ``folder``, and ``best_returns.csv``, ``dsr.json`` and ``config.json`` (with
        the grid) when there is something to put in them; return the folder as a Path.
        """
        folder = Path(folder)
        write_frame(folder, "sweep", "table", self.table)
        if len(self.best_returns):
            write_frame(folder, "sweep", "best_returns", self.best_returns.rename("return").to_frame())
        if self.dsr is not None:
            write_json(folder, "sweep", "dsr", self.dsr)
        if self.spec is not None:
            grid = {name: list(values) for name, values in self.grid.items()}
            write_config(folder, "sweep", self.spec, self.data, grid=grid)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> SweepResult:
        """Read a folder written by :meth:`save`.

        ``spec`` comes from config.json (None without one), ``best_params`` from dsr.json (empty without it);
        ``data`` is not saved and comes back None. Raises :class:`~signals.errors.MissingFileError` when
        config.json or sweep.csv is absent.
        """
        config = read_config(folder)
        returns = read_frame(folder, "sweep", "best_returns", required=False)
        dsr = read_json(folder, "sweep", "dsr")
        return cls(
            read_frame(folder, "sweep", "table"), config.get("grid", {}),
            RunSpec.from_dict(config["spec"]) if "spec" in config else None, None,
            dict((dsr or {}).get("params", {})),
            returns["return"] if returns is not None else pd.Series(dtype=float), dsr,
        )  # fmt: skip


def sweep(
    template: str,
    grid: Mapping[str, Sequence],
    tickers: Iterable[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    costs: Costs | None = None,
    base: Mapping[str, Any] | None = None,
    chunk_size: int | None = None,
    progress: Progress = None,
    calendar: EventCalendar | None = None,
    universe: pd.DataFrame | None = None,
    close: pd.DataFrame | None = None,
    engine: str = "events",
    scheduler: Scheduler = None,
) -> pd.DataFrame:
    """Run a template over every combination of ``grid`` and return one row per combination x scope.

    Parameters
    ----------
    template : str
        A registered template.
    grid : mapping name -> sequence of values
        The parameters to vary (see ``strategies.get(template).grid`` for the documented grid).
    base : mapping, optional
        Fixed parameters for every combination.
    chunk_size : int, optional
        Combinations per simulation (default: as many as fit in about 25 M cells).
    progress : bool or callable, optional
        True: a tqdm bar (a widget in Jupyter); a callable: called with each
        :class:`~backtests.ops._progress.Step` (combinations done of all); False: nothing; None (default):
        the hook of the enclosing :func:`~backtests.ops._progress.reporting` block, if any.
    engine : {"events", "vectorbt"}
        The simulator of signal-style templates (see :class:`backtests.RunSpec`); same results.
    scheduler : distributed.Client, str or int, optional
        Run the chunks on Dask: a client, a scheduler address (``tcp://host:8786``) or a number of
        local worker processes (the ``distributed`` extra). Same results as in one process.

    Returns
    -------
    DataFrame
        Tidy: the grid's parameters, ``scope`` (an asset, an underlying, or ``portfolio``) and the
        metrics of :data:`backtests.METRICS`, the same numbers :func:`run_backtest` reports.
        :func:`backtests.ops.sweep` returns a :class:`SweepResult` with the deflated Sharpe too.
    """
    spec = RunSpec(template, dict(base or {}), ticker_tuple(tickers), start, end, costs or Costs(), engine=engine)
    data = MarketData.load(spec, calendar, universe, close)
    return run_sweep(spec, data, grid, chunk_size, progress, deflate=False, scheduler=scheduler).table


def run_sweep(
    spec: RunSpec,
    data: MarketData,
    grid: Mapping[str, Sequence] | None = None,
    chunk_size: int | None = None,
    progress: Progress = None,
    deflate: bool = True,
    scheduler: Scheduler = None,
) -> SweepResult:
    """The sweep operation: ``spec`` with every combination of ``grid`` (default: the template's grid),
    in this process or on a Dask ``scheduler`` (see :mod:`backtests.simulation._distributed`); each
    finished chunk is reported to ``progress`` (:mod:`backtests.ops._progress`) as combinations done."""
    template = strategies.get(spec.template)
    grid = dict(grid) if grid else dict(template.grid)
    combos = _combinations(grid)
    params = [template.params(**(dict(spec.params) | combo)) for combo in combos]  # each validated once
    context = data.context(spec)
    table, returns = run_stacked(StackJob(spec, data, params), chunk_size, progress, scheduler,
                                 task=f"sweep of {spec.template}")  # fmt: skip
    settings = pd.DataFrame([{name: combo[name] for name in grid} for combo in combos])
    table = settings.iloc[table["combo"].to_numpy()].reset_index(drop=True).join(table).drop(columns="combo")
    portfolio = table[table["scope"] == PORTFOLIO]
    if not deflate or len(portfolio) < 2 or not portfolio["sharpe"].notna().any():
        return SweepResult(table, grid, spec, data)
    best = int(np.nanargmax(portfolio["sharpe"].to_numpy()))
    chosen = dict(spec.params) | combination_params(portfolio.iloc[best], grid)
    assert returns is not None  # some combination has a Sharpe (checked above)
    best_returns = pd.Series(returns, index=context.close.index, name="return")
    per_year = periods_per_year(context.close.index)
    # The test runs on per-session returns and Sharpe ratios (the table's are annualized); dsr.json shows both.
    trial_sharpes = portfolio["sharpe"].to_numpy() / np.sqrt(per_year)
    dsr = deflated_sharpe_ratio(best_returns.to_numpy()[1:], trial_sharpes, per_year)
    return SweepResult(table, grid, spec, data, chosen, best_returns, dsr | {"params": chosen})


@dataclass
class StackJob:
    """Everything the chunks of a stacked run read: the spec, the data, every combination's
    parameters and, for placebo draws, one calendar per combination (else the data's own events).

    With Dask it is scattered to each worker once; contexts are built where the chunk runs.
    """

    spec: RunSpec
    data: MarketData
    params: list
    calendars: list[EventCalendar] | None = None

    def context(self, number: int | None = None) -> StrategyContext:
        """The context of combination ``number`` (the data's own for None, or without placebo calendars)."""
        if number is None or self.calendars is None:
            return self.data.context(self.spec)
        return self.data.with_calendar(self.calendars[number]).context(self.spec)


def _run_chunk(job: StackJob, chunk: range) -> tuple[pd.DataFrame, tuple[float, np.ndarray] | None]:
    """Stats (combination x scope) of the combinations in ``chunk``, side by side, and the highest
    portfolio Sharpe with the daily portfolio returns of the first combination that has it (None if
    no combination has a Sharpe)."""
    template = strategies.get(job.spec.template)
    base = job.context()
    close = base.close
    buy_locked, sell_locked = base.memo(("locks",), lambda: market_locks(close, base.universe))
    built = [template.build(job.context(number), job.params[number]) for number in chunk]
    stacked, observed, frames, price_col = stack_signals(built, close)
    locks = (_stacked_locks(buy_locked, frames), _stacked_locks(sell_locked, frames))
    costs = job.spec.costs
    simulation = simulate(close, stacked, costs, True, observed, locks, job.spec.engine, price_col)
    stats, returns = _chunk_stats(simulation, stacked, price_col, close, costs, periods_per_year(close.index))
    stats.index = stats.index.set_levels(stats.index.levels[0] + chunk.start, level="combo")
    sharpe = stats["sharpe"].xs(PORTFOLIO, level="scope").reindex(list(chunk)).to_numpy()
    if not np.isfinite(sharpe).any():
        return stats, None
    best = int(np.nanargmax(sharpe))
    return stats, (float(sharpe[best]), returns[:, best].copy())  # a copy: the chunk's returns are freed


def run_stacked(
    job: StackJob, chunk_size: int | None = None, progress: Progress = None, scheduler: Scheduler = None, *,
    task: str | None = None, unit: str = "combination",
) -> tuple[pd.DataFrame, np.ndarray | None]:  # fmt: skip
    """Backtest every combination of ``job`` side by side, in memory-bounded chunks; one row per
    combination x scope, and the daily portfolio returns of the combination with the highest
    portfolio Sharpe (the first of equals; None when no combination has a Sharpe). Only that one
    series is kept, so memory does not grow with sessions x combinations.

    The ``combo`` column numbers the combinations. With a ``scheduler`` (see
    :mod:`backtests.simulation._distributed`) each chunk is a Dask task; the results are the same.
    Each finished chunk advances ``task`` (default ``backtests of <template>``) by its combinations
    (counted in ``unit``) on the hook ``progress`` means (:mod:`backtests.ops._progress`).
    """
    whole = isinstance(chunk_size, int | np.integer) and not isinstance(chunk_size, bool)
    if chunk_size is not None and not (whole and chunk_size >= 1):
        raise ParameterError("chunk_size", chunk_size, "a whole number >= 1, or None (memory-bounded chunks)")
    close = job.context().close
    size = int(chunk_size or max(1, CHUNK_CELLS // (len(close) * max(1, close.shape[1]))))
    chunks = [range(first, min(first + size, len(job.params))) for first in range(0, len(job.params), size)]
    done = track(progress, task or f"backtests of {job.spec.template}", len(job.params), unit)
    if scheduler is not None:
        with connect(scheduler) as client:
            parts = map_reported(client, _run_chunk, job, chunks, done, [len(chunk) for chunk in chunks])
    else:
        parts = []
        for chunk in chunks:
            parts.append(_run_chunk(job, chunk))
            done.advance(len(chunk))
    table = pd.concat([stats for stats, _ in parts]).reset_index()
    table = table.sort_values("combo", kind="stable", ignore_index=True)
    best: tuple[float, np.ndarray] | None = None
    for _, chunk_best in parts:  # chunks in combination order: a later chunk must beat, not equal
        if chunk_best is not None and (best is None or chunk_best[0] > best[0]):
            best = chunk_best
    return table, None if best is None else best[1]
