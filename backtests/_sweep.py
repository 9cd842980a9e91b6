"""Parameter sweeps: the whole grid as broadcast vectorbt calls, in memory-bounded chunks."""

from __future__ import annotations

import dataclasses
import itertools
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

import strategies
from signals import EventCalendar
from signals.errors import ParameterError
from strategies import StrategySignals, apply_market_rules

from ._run import PORTFOLIO, prepare
from ._vbt import FLAT, METRICS, Costs, periods_per_year, simulate

__all__ = ["stack_signals", "sweep"]

#: Cells (sessions x columns) simulated per vectorbt call: bounds the memory of one chunk.
CHUNK_CELLS = 25_000_000


def _combinations(grid: Mapping[str, Sequence]) -> list[dict[str, Any]]:
    if not grid:
        return [{}]
    for name, values in grid.items():
        if isinstance(values, str) or not isinstance(values, Sequence) or len(values) == 0:
            raise ParameterError(f"grid[{name}]", values, "a non-empty list of values")
    return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def stack_signals(built: list[StrategySignals], close: pd.DataFrame) -> StrategySignals:
    """Put the signals of several parameter combinations side by side (one vectorbt call).

    Columns become (combination, column); stops, sizes and cash groups become per-column arrays.
    """
    traded = [signal.close if signal.close is not None else close for signal in built]
    columns = pd.MultiIndex.from_tuples(
        [(number, column) for number, frame in enumerate(traded) for column in frame.columns], names=["combo", "column"]
    )
    index = close.index

    def stacked(frames: list[pd.DataFrame], dtype) -> pd.DataFrame:
        values = np.concatenate([frame.to_numpy(dtype=dtype) for frame in frames], axis=1) if frames else None
        return pd.DataFrame(values, index=index, columns=columns)

    def per_column(values: list) -> np.ndarray:
        return np.concatenate(
            [np.full(frame.shape[1], np.nan if value is None else float(value)) for value, frame in zip(values, traded)]
        )[None, :]

    first = built[0]
    if first.target_weights is not None:
        group_by = columns.get_level_values("combo")
    elif first.group_by is not None:
        group_by = pd.MultiIndex.from_arrays(
            [columns.get_level_values("combo"), np.concatenate([np.asarray(s.group_by) for s in built])]
        )
    else:
        group_by = None
    return StrategySignals(
        entries=stacked([s.entries for s in built], bool),
        exits=stacked([s.exits for s in built], bool),
        short_entries=stacked([s.short_entries for s in built], bool),
        short_exits=stacked([s.short_exits for s in built], bool),
        sl_stop=per_column([s.sl_stop for s in built]),
        tp_stop=per_column([s.tp_stop for s in built]),
        trades=pd.DataFrame(),
        sl_trail=per_column([s.sl_trail for s in built]).astype(bool),
        close=stacked(traded, float),
        target_weights=None if first.target_weights is None else stacked([s.target_weights for s in built], float),
        size=per_column([s.size for s in built]),
        cash_sharing=first.cash_sharing,
        group_by=group_by,
    )


def _metrics(value: np.ndarray, alive: np.ndarray, per_year: float) -> dict[str, np.ndarray]:
    """The metrics of ``performance`` for every column of ``value`` at once, each over its own life."""
    masked = np.where(alive, value, np.nan)
    rows = np.arange(len(value))[:, None]
    first = np.where(alive, rows, len(value)).min(axis=0)
    last = np.where(alive, rows, -1).max(axis=0)
    cols = np.arange(value.shape[1])
    valid = last > first
    start = value[np.minimum(first, len(value) - 1), cols]
    end = value[np.maximum(last, 0), cols]
    returns = masked[1:] / masked[:-1] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(valid, end / start - 1, np.nan)
        periods = np.maximum(last - first, 1)
        mean = np.nanmean(returns, axis=0)
        spread = np.nanstd(returns, axis=0, ddof=1)
        flat = ~(spread > FLAT)
        sharpe = np.where(flat, np.nan, mean / spread * np.sqrt(per_year))
        downside = np.sqrt(np.nanmean(np.minimum(returns, 0) ** 2, axis=0))
        sortino = np.where(flat, np.nan, mean / downside * np.sqrt(per_year))
        peak = np.fmax.accumulate(np.where(alive, value, -np.inf), axis=0)
        drawdown = np.nanmin(np.where(alive, value / peak - 1, np.nan), axis=0)
        cagr = (1 + total) ** (per_year / periods) - 1
    return {"total_return": total, "cagr": cagr, "sharpe": sharpe, "sortino": sortino, "max_drawdown": drawdown}


def _life(observed: np.ndarray) -> np.ndarray:
    """Rows from the first to the last observation of each column."""
    started = np.maximum.accumulate(observed, axis=0)
    return started & np.flip(np.maximum.accumulate(np.flip(observed, axis=0), axis=0), axis=0)


def _chunk_stats(
    portfolio, stacked: StrategySignals, underlying: pd.DataFrame, costs: Costs, per_year: float
) -> pd.DataFrame:
    """Per-scope and per-combination metrics from vectorbt's order and trade records.

    Equity is rebuilt from the order records (cash flows and units, valued at the close), which is
    much faster than vectorbt's value frames on wide sweeps; a test checks that it matches.
    """
    close = stacked.close.ffill().to_numpy()
    orders = portfolio.order_records
    flows, units = np.zeros(close.shape), np.zeros(close.shape)
    signed = np.where(orders["side"] == 0, 1.0, -1.0)
    np.add.at(units, (orders["idx"], orders["col"]), signed * orders["size"])
    np.add.at(flows, (orders["idx"], orders["col"]), -signed * orders["size"] * orders["price"] - orders["fees"])
    position = np.cumsum(units, axis=0)
    columns = stacked.close.columns
    combo = np.asarray(columns.get_level_values("combo"))
    if stacked.target_weights is not None:
        labels = pd.MultiIndex.from_arrays([combo, np.full(len(columns), PORTFOLIO)])
    elif isinstance(stacked.group_by, pd.MultiIndex):
        labels = stacked.group_by
    else:
        labels = pd.MultiIndex.from_arrays([combo, columns.get_level_values("column")])
    codes, scopes = pd.factorize(labels)

    def by_scope(values: np.ndarray, reduce=np.add) -> np.ndarray:
        out = np.zeros((len(values), len(scopes)), dtype=values.dtype)
        reduce.at(out.T, codes, values.T)
        return out

    members = np.bincount(codes, minlength=len(scopes))
    init = costs.init_cash * (members if stacked.target_weights is not None or not stacked.cash_sharing else 1)
    value = init + np.cumsum(by_scope(flows), axis=0) + by_scope(np.nan_to_num(position * close))
    invested = by_scope(np.abs(position) > 1e-8, np.logical_or)  # summed order sizes leave float dust
    names = scopes.get_level_values(1)
    observed_prices = underlying.notna().to_numpy()
    own_life = _life(observed_prices)
    alive = np.ones(value.shape, dtype=bool)  # rows whose returns count: first to last observation
    observed = np.ones(value.shape, dtype=bool)  # rows whose exposure counts: the asset's own sessions
    for number, name in enumerate(names):
        if name in underlying.columns:
            alive[:, number] = own_life[:, underlying.columns.get_loc(name)]
            observed[:, number] = observed_prices[:, underlying.columns.get_loc(name)]

    trades = portfolio.trades.records
    closed = trades["status"] == 1

    def activity(trade_groups: np.ndarray, invested_rows: np.ndarray, alive_rows: np.ndarray, count: int):
        wins = np.bincount(trade_groups[closed], weights=trades["pnl"][closed] > 0, minlength=count)
        finished = np.bincount(trade_groups[closed], minlength=count)
        with np.errstate(invalid="ignore", divide="ignore"):
            return {
                "trades": np.bincount(trade_groups, minlength=count).astype(float),
                "win_rate": np.where(finished > 0, wins / finished, np.nan),
                "exposure": (invested_rows & alive_rows).sum(axis=0) / alive_rows.sum(axis=0),
            }

    frame = pd.DataFrame(
        _metrics(value, alive, per_year) | activity(codes[trades["col"]], invested, observed, len(scopes))
    )
    frame.index = scopes
    parts = [frame]
    if stacked.target_weights is None:  # each combination's portfolio: its scopes summed, over the whole index
        combo_codes, combos = pd.factorize(scopes.get_level_values(0))
        totals = np.zeros((len(value), len(combos)))
        np.add.at(totals.T, combo_codes, value.T)
        every = np.ones(totals.shape, dtype=bool)
        combo_invested = np.zeros(totals.shape, dtype=bool)
        np.logical_or.at(combo_invested.T, combo_codes, invested.T)
        column_combo = combo_codes[codes]
        total = pd.DataFrame(
            _metrics(totals, every, per_year)
            | activity(column_combo[trades["col"]], combo_invested, every, len(combos))
        )
        total.index = pd.MultiIndex.from_arrays([combos, np.full(len(combos), PORTFOLIO)])
        parts.append(total)
    result = pd.concat(parts)
    result.index.names = ["combo", "scope"]
    return result[list(METRICS)]


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
        Combinations per vectorbt call (default: as many as fit in about 25 M cells).
    progress : bool, optional
        Show a progress bar (default: on a terminal when there is more than one chunk).

    Returns
    -------
    DataFrame
        Tidy: the grid's parameters, ``scope`` (an asset, an underlying, or ``portfolio``) and the
        metrics of :data:`backtests.METRICS`, the same numbers :func:`run_backtest` reports.
    """
    spec = strategies.get(template)
    combos = _combinations(grid)
    params = [spec.params(**(dict(base or {}) | combo)) for combo in combos]
    costs = costs or Costs()
    context = prepare(spec, params[0], tickers, start, end, calendar, universe, close)
    per_year = periods_per_year(context.close.index)
    width = max(1, context.close.shape[1])
    size = chunk_size or max(1, CHUNK_CELLS // (len(context.close) * width))
    chunks = [range(first, min(first + size, len(combos))) for first in range(0, len(combos), size)]
    show = progress if progress is not None else (len(chunks) > 1 and sys.stderr.isatty())
    from tqdm.auto import tqdm

    ruled: dict[tuple, tuple] = {}
    results = []
    for chunk in tqdm(chunks, desc=f"sweep {template}", unit="chunk", disable=not show, file=sys.stderr):
        built = []
        for number in chunk:
            signals = spec.build(context, params[number])
            key = tuple(id(getattr(signals, name)) for name in ("entries", "exits", "short_entries", "short_exits"))
            if key not in ruled:  # combinations that differ only in stops share their orders
                ruled[key] = (signals, apply_market_rules(signals, context.close, context.universe)[0])
            frames = {
                name: getattr(ruled[key][1], name) for name in ("entries", "exits", "short_entries", "short_exits")
            }
            built.append(dataclasses.replace(signals, **frames))
        stacked = stack_signals(built, context.close)
        portfolio = simulate(context.close, stacked, costs)
        stats = _chunk_stats(portfolio, stacked, context.close, costs, per_year)
        stats.index = stats.index.set_levels(stats.index.levels[0] + chunk.start, level="combo")
        results.append(stats)
    table = pd.concat(results).reset_index().sort_values("combo", kind="stable", ignore_index=True)
    settings = pd.DataFrame([{name: combo[name] for name in grid} for combo in combos])
    table = settings.iloc[table["combo"].to_numpy()].reset_index(drop=True).join(table)
    return table.drop(columns="combo")
