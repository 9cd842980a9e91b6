"""Stacking: many combinations' signals side by side in one simulation, and their statistics from its records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies import StrategySignals, plan_frame

from ..measures._performance import FLAT, METRICS, PORTFOLIO
from ._vbt import Costs, Simulation

__all__ = ["CHUNK_CELLS", "stack_signals"]


#: Cells (sessions x order columns) simulated per chunk: bounds the memory of one chunk (its exit marks,
#: one byte a cell, and its portfolio arrays; the signals are shared, not copied per combination).
CHUNK_CELLS = 100_000_000


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

    from ._stack_nb import scope_stats_nb, value_stats_nb

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
