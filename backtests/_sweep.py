"""Parameter sweeps: the whole grid side by side, in memory-bounded chunks (in this process or on Dask)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import strategies
from signals import EventCalendar
from signals.errors import ParameterError
from strategies import StrategyContext, StrategySignals, market_locks, plan_frame

from ._distributed import Scheduler, connect, map_ordered
from ._run import PORTFOLIO
from ._validation import deflated_sharpe_ratio
from ._vbt import FLAT, METRICS, Costs, Simulation, periods_per_year, simulate
from .data import MarketData
from .results import publishing, read_config, read_frame, read_json, write_config, write_frame, write_json
from .spec import RunSpec, ticker_tuple

__all__ = ["StackJob", "SweepResult", "combination_params", "run_stacked", "run_sweep", "stack_signals", "sweep"]

#: Cells (sessions x order columns) simulated per chunk: bounds the memory of one chunk (its exit marks,
#: one byte a cell, and its portfolio arrays; the signals are shared, not copied per combination).
CHUNK_CELLS = 100_000_000


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


def stack_signals(
    built: list[StrategySignals], close: pd.DataFrame
) -> tuple[StrategySignals, np.ndarray, list[pd.DataFrame], np.ndarray]:
    """Put the signals of several parameter combinations side by side (one simulation).

    Order columns become (combination, column) (``order_columns``); stops, time stops, sizes and
    cash groups become per-column arrays. The combinations share their prices: the stacked ``close``
    holds each distinct traded frame once (forward-filled, columns (frame, column)), and ``price_col``
    says which of its columns each order column trades. They share their signals too: the stacked
    entries and exits hold each distinct set of frames once, and ``signal_col`` says which of their
    columns each order column reads. Returned: the stacked signals, the mask of
    real prices of ``close``'s columns, the distinct traded frames, and ``price_col``.
    """
    offsets: dict[int, int] = {}  # id(traded frame) -> its first column in the shared prices
    frames: list[pd.DataFrame] = []
    price_col, own = [], []
    for signal in built:
        frame = signal.close if signal.close is not None else close
        if id(frame) not in offsets:
            offsets[id(frame)] = sum(len(f.columns) for f in frames)
            frames.append(frame)
        price_col.append(offsets[id(frame)] + np.arange(frame.shape[1]))
        own.append(frame)
    widths = np.array([frame.shape[1] for frame in own], dtype=np.int64)
    if len({id(frame.columns) for frame in own}) == 1:  # one set of columns (the usual case): no tuples
        names = np.tile(np.asarray(own[0].columns, dtype=object), len(own))
    else:
        names = np.concatenate([np.asarray(frame.columns, dtype=object) for frame in own])
    columns = pd.MultiIndex.from_arrays([np.repeat(np.arange(len(own)), widths), names], names=["combo", "column"])
    first = built[0]

    # Combinations that differ only in stops share their (memoized) signal frames: each distinct set
    # of entries and exits is laid out once, and every order column says which column it reads.
    sets: dict[tuple[int, ...], int] = {}
    distinct: list[StrategySignals] = []
    signal_col: list[np.ndarray] = []
    for signal in built:
        key = tuple(map(id, (signal.entries, signal.exits, signal.short_entries, signal.short_exits)))
        if key not in sets:
            sets[key] = sum(s.entries.shape[1] for s in distinct)
            distinct.append(signal)
        signal_col.append(sets[key] + np.arange(signal.entries.shape[1]))

    def stacked(parts: list[pd.DataFrame], dtype) -> pd.DataFrame:
        values = np.empty((len(close.index), sum(part.shape[1] for part in parts)), dtype=dtype, order="F")
        at = 0
        for part in parts:
            values[:, at : at + part.shape[1]] = part.to_numpy(dtype=dtype)
            at += part.shape[1]
        return pd.DataFrame(values, index=close.index, copy=False)

    def per_column(values: list) -> np.ndarray:
        return np.repeat(np.array([np.nan if value is None else float(value) for value in values]), widths)[None, :]

    time_stops = per_column([s.time_stop for s in built])
    if first.target_weights is not None:
        group_by = columns.get_level_values("combo")
    elif first.group_by is not None:
        group_by = pd.MultiIndex.from_arrays(
            [columns.get_level_values("combo"), np.concatenate([np.asarray(s.group_by) for s in built])]
        )
    else:
        group_by = None
    prices = pd.concat([frame.ffill() for frame in frames], axis=1, keys=range(len(frames)))
    signals = StrategySignals(
        entries=stacked([s.entries for s in distinct], bool),
        exits=stacked([s.exits for s in distinct], bool),
        short_entries=stacked([s.short_entries for s in distinct], bool),
        short_exits=stacked([s.short_exits for s in distinct], bool),
        sl_stop=per_column([s.sl_stop for s in built]),
        tp_stop=per_column([s.tp_stop for s in built]),
        plan=plan_frame(),
        sl_trail=per_column([s.sl_trail for s in built]).astype(bool),
        time_stop=np.nan_to_num(time_stops).astype(np.int64),
        close=prices,
        target_weights=None
        if first.target_weights is None
        else stacked([s.target_weights for s in built], float).set_axis(columns, axis=1),
        size=per_column([s.size for s in built]),
        cash_sharing=first.cash_sharing,
        group_by=group_by,
        order_columns=columns,
        signal_col=np.concatenate(signal_col),
    )
    observed = np.concatenate([frame.notna().to_numpy() for frame in frames], axis=1)
    return signals, observed, frames, np.concatenate(price_col)


def _stacked_locks(locked: pd.DataFrame, frames: list[pd.DataFrame]) -> np.ndarray:
    """A market-rule lock frame laid out like the shared prices of a stack (one block per distinct frame)."""
    return np.concatenate([locked.reindex(columns=own.columns, fill_value=False).to_numpy() for own in frames], axis=1)


def _first_last(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row of the first and of the last observation of each column."""
    rows = np.arange(len(observed))[:, None]
    return np.where(observed, rows, len(observed)).min(axis=0), np.where(observed, rows, -1).max(axis=0)


def _chunk_stats(
    simulation: Simulation,
    stacked: StrategySignals,
    price_col: np.ndarray,
    underlying: pd.DataFrame,
    costs: Costs,
    per_year: float,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-scope and per-combination metrics from vectorbt's order and trade records, and each
    combination's daily portfolio returns (sessions x combinations).

    Equity is rebuilt from the order records in one numba pass per scope (much faster than
    vectorbt's value frames on wide sweeps); a test checks it matches single runs exactly.
    """
    from vectorbt.portfolio.nb import get_exit_trades_nb
    from vectorbt.records.nb import col_map_nb

    from ._sweep_nb import scope_stats_nb, value_stats_nb

    assert stacked.close is not None  # stack_signals always sets it
    close = np.asfortranarray(stacked.close.to_numpy(dtype=float))  # the shared prices, forward-filled
    columns = stacked.columns
    combo = np.asarray(columns.get_level_values("combo"))
    if stacked.target_weights is not None:
        labels = pd.MultiIndex.from_arrays([combo, np.full(len(columns), PORTFOLIO)])
    elif isinstance(stacked.group_by, pd.MultiIndex):
        labels = stacked.group_by
    else:
        labels = pd.MultiIndex.from_arrays([combo, columns.get_level_values("column")])
    codes, scopes = pd.factorize(labels)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    if len(starts) != len(scopes):
        raise AssertionError("the columns of one scope must be contiguous")
    ends = np.r_[starts[1:], len(codes)]
    members = ends - starts
    shared = stacked.target_weights is None and stacked.cash_sharing  # one pool of init_cash per scope
    init = costs.init_cash * (np.ones(len(members)) if shared else members.astype(float))

    records = simulation.orders
    orders = records[np.lexsort((records["idx"], records["col"]))]  # by column, then session
    order_start = np.searchsorted(orders["col"], np.arange(len(columns) + 1))
    observed = underlying.notna().to_numpy()
    own_first, own_last = _first_last(observed)
    names = scopes.get_level_values(1)
    code = underlying.columns.get_indexer(names).astype(np.int64)  # -1: not an underlying (a cash group)
    first = np.where(code >= 0, own_first[np.maximum(code, 0)], 0)
    last = np.where(code >= 0, own_last[np.maximum(code, 0)], len(close) - 1)
    combo_codes, combos = pd.factorize(scopes.get_level_values(0))
    if (np.diff(combo_codes) < 0).any():
        raise AssertionError("the scopes of one combination must be contiguous")
    combo_scopes = np.searchsorted(combo_codes, np.arange(len(combos) + 1)).astype(np.int64)
    seen_before = np.zeros((len(observed) + 1, observed.shape[1]), dtype=np.int64)
    np.cumsum(observed, axis=0, out=seen_before[1:])
    metrics, combo_gain, combo_base, combo_invested = scope_stats_nb(
        close, price_col, starts, ends, order_start, orders["idx"], orders["size"], orders["price"], orders["fees"],
        orders["side"], init, first, last, seen_before, code, combo_scopes, per_year, FLAT,
    )  # fmt: skip

    # vectorbt's trades (what run_backtest counts); an open trade is valued at the last close.
    last_close = np.broadcast_to(close[-1, price_col][None, :], (len(close), len(columns)))
    trades = get_exit_trades_nb(records, last_close, col_map_nb(records["col"], len(columns)))
    closed = trades["status"] == 1
    scope_of_trade = codes[trades["col"]]

    def activity(groups: np.ndarray, count: int) -> dict[str, np.ndarray]:
        wins = np.bincount(groups[closed], weights=trades["pnl"][closed] > 0, minlength=count)
        finished = np.bincount(groups[closed], minlength=count)
        with np.errstate(invalid="ignore", divide="ignore"):
            win_rate = np.where(finished > 0, wins / finished, np.nan)
        return {"trades": np.bincount(groups, minlength=count).astype(float), "win_rate": win_rate}

    def frame(values: np.ndarray, groups: np.ndarray, index: pd.MultiIndex) -> pd.DataFrame:
        table = pd.DataFrame(values, columns=[*METRICS[:5], "time_invested"], index=index)
        for name, column in activity(groups, len(index)).items():
            table[name] = column
        return table

    parts = [frame(metrics, scope_of_trade, scopes)]
    if stacked.target_weights is None:  # each combination's portfolio of sleeves, as portfolio_index forms it
        returns = np.divide(combo_gain, combo_base, out=np.zeros_like(combo_gain), where=combo_base > 0)
        returns[0] = 0.0
        totals = value_stats_nb(np.cumprod(1.0 + returns, axis=0), combo_invested, per_year, FLAT)
        index = pd.MultiIndex.from_arrays([combos, np.full(len(combos), PORTFOLIO)])
        parts.append(frame(totals, combo_codes[scope_of_trade], index))
    else:  # one pool of cash per combination: the pool is the portfolio
        value = np.asarray(simulation.portfolio.value(), dtype=float).reshape(len(close), -1)
        returns = np.vstack([np.zeros((1, value.shape[1])), value[1:] / value[:-1] - 1.0])
    result = pd.concat(parts)
    result.index.names = ["combo", "scope"]
    return result[list(METRICS)], returns


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
    progress: bool | None = None,
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
    progress : bool, optional
        Show a progress bar (default: on a terminal when there is more than one chunk).
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
    progress: bool | None = None,
    deflate: bool = True,
    scheduler: Scheduler = None,
) -> SweepResult:
    """The sweep operation: ``spec`` with every combination of ``grid`` (default: the template's grid),
    in this process or on a Dask ``scheduler`` (see :mod:`backtests._distributed`)."""
    template = strategies.get(spec.template)
    grid = dict(grid) if grid else dict(template.grid)
    combos = _combinations(grid)
    params = [template.params(**(dict(spec.params) | combo)) for combo in combos]  # each validated once
    context = data.context(spec)
    table, returns = run_stacked(StackJob(spec, data, params), chunk_size, progress, scheduler)
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
    job: StackJob, chunk_size: int | None = None, progress: bool | None = None, scheduler: Scheduler = None
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Backtest every combination of ``job`` side by side, in memory-bounded chunks; one row per
    combination x scope, and the daily portfolio returns of the combination with the highest
    portfolio Sharpe (the first of equals; None when no combination has a Sharpe). Only that one
    series is kept, so memory does not grow with sessions x combinations.

    The ``combo`` column numbers the combinations. With a ``scheduler`` (see
    :mod:`backtests._distributed`) each chunk is a Dask task; the results are the same.
    """
    whole = isinstance(chunk_size, int | np.integer) and not isinstance(chunk_size, bool)
    if chunk_size is not None and not (whole and chunk_size >= 1):
        raise ParameterError("chunk_size", chunk_size, "a whole number >= 1, or None (memory-bounded chunks)")
    close = job.context().close
    size = int(chunk_size or max(1, CHUNK_CELLS // (len(close) * max(1, close.shape[1]))))
    chunks = [range(first, min(first + size, len(job.params))) for first in range(0, len(job.params), size)]
    if scheduler is not None:
        with connect(scheduler) as client:
            parts = map_ordered(client, _run_chunk, job, chunks)
    else:
        from tqdm.auto import tqdm

        show = progress if progress is not None else (len(chunks) > 1 and sys.stderr.isatty())
        name = f"backtests of {job.spec.template}"
        parts = [_run_chunk(job, chunk) for chunk in tqdm(chunks, desc=name, unit="chunk", disable=not show,
                                                          file=sys.stderr)]  # fmt: skip
    table = pd.concat([stats for stats, _ in parts]).reset_index()
    table = table.sort_values("combo", kind="stable", ignore_index=True)
    best: tuple[float, np.ndarray] | None = None
    for _, chunk_best in parts:  # chunks in combination order: a later chunk must beat, not equal
        if chunk_best is not None and (best is None or chunk_best[0] > best[0]):
            best = chunk_best
    return table, None if best is None else best[1]
