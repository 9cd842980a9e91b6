"""Trades and event outcomes from a simulation: one row per trade, one row per entry signal.

Each trade is joined to the events behind its entry (the template's plan), its fill session
(a buy waiting at a price limit fills later) and its exit reason (stop, target, time, signal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies import StrategySignals

from ._vbt import Simulation

__all__ = ["currency_of", "signal_outcomes", "trade_table"]


def currency_of(column: str, universe: pd.DataFrame, field: str = "currency") -> str:
    """The currency an asset trades in (or another ``field`` of its universe row, its company ``name``);
    a synthetic option (``<ticker>|<leg>|<date>``) is its underlying's."""
    ticker = column.split("|")[0]
    return str(universe.at[ticker, field]) if ticker in universe.index and field in universe.columns else ""


def trade_table(
    simulation: Simulation, signals: StrategySignals, index: pd.DatetimeIndex, universe: pd.DataFrame
) -> pd.DataFrame:
    """One row per executed trade, in its currency, with the events that opened (and rolled) it and why it closed.

    Exit reasons come from what the simulator did: ``time`` (time stop), ``signal`` (a template
    exit: momentum, window end, expiry), ``opposite_signal`` (an entry signal against it),
    ``stop_loss`` / ``take_profit`` / ``trailing_stop`` (vectorbt's stops), or ``open``.
    """
    from ._signal_nb import OPPOSITE_EXIT, ROLL, SIGNAL_EXIT, TIME_EXIT

    portfolio, marks = simulation.portfolio, simulation.marks
    records = portfolio.trades.records_arr
    columns = [str(column) for column in portfolio.wrapper.columns]
    trades = pd.DataFrame(
        {
            "asset": np.asarray(columns, dtype=object)[records["col"]].astype(str),
            "side": np.where(records["direction"] == 0, "long", "short"),
            "entry_session": index[records["entry_idx"]],
            "exit_session": index[records["exit_idx"]],
            "entry_price": records["entry_price"],
            "exit_price": records["exit_price"],
            "size": records["size"],
            "pnl": records["pnl"],
            "return": records["return"],
            "status": np.where(records["status"] == 0, "Open", "Closed"),
        }
    )
    orders = _orders_by_fill(signals.plan, simulation, index, columns)
    close = portfolio.close.to_numpy()  # forward-filled: the prices vectorbt tested its stops on
    trades = trades.merge(orders, left_on=["asset", "entry_session", "side"], right_on=["asset", "filled_session",
                          "side"], how="left").drop(columns="filled_session")  # fmt: skip
    renewed, reasons = [], []
    for trade, record in zip(trades.itertuples(), records):
        column, exit_row = record["col"], record["exit_idx"]
        mark = marks[exit_row, column] if marks is not None else 0
        if trade.status == "Open":
            reasons.append("open")
        elif mark & (TIME_EXIT | SIGNAL_EXIT | OPPOSITE_EXIT):
            reasons.append("time" if mark & TIME_EXIT else "signal" if mark & SIGNAL_EXIT else "opposite_signal")
        else:
            reasons.append(_stop_reason(signals, close, record))
        ids = ""
        if marks is not None:
            last = len(index) if trade.status == "Open" else exit_row + 1
            held = marks[record["entry_idx"] + 1 : last, column]
            rolled = index[record["entry_idx"] + 1 + np.flatnonzero(held & ROLL)]
            mine = orders[(orders["asset"] == trade.asset) & (orders["side"] == trade.side)]
            ids = ";".join(mine.loc[mine["filled_session"].isin(rolled), "event_ids"])
        renewed.append(ids)
    trades["renewed_by"] = renewed
    trades["exit_reason"] = reasons
    trades.insert(1, "name", [currency_of(asset, universe, "name") for asset in trades["asset"]])
    trades.insert(2, "currency", [currency_of(asset, universe) for asset in trades["asset"]])
    trades.loc[trades["status"].eq("Open"), "exit_session"] = pd.NaT
    return trades.sort_values(["entry_session", "asset"], ignore_index=True)


def _filled_sessions(plan: pd.DataFrame, simulation: Simulation, index: pd.DatetimeIndex, columns) -> pd.Series:
    """Where each entry signal could act: its session, or later when the simulator made it wait at a limit.

    NaT when it waited until the data ended.
    """
    from ._signal_nb import WAIT

    filled = plan["entry_session"].copy()
    if simulation.marks is None or simulation.observed is None or plan.empty:
        return filled
    column_of = {name: number for number, name in enumerate(columns)}
    for number, (asset, row) in enumerate(zip(plan["asset"], index.get_indexer(plan["entry_session"]))):
        column = column_of[asset]
        own = np.flatnonzero(simulation.observed[row:, column]) + row
        waiting = (simulation.marks[own, column] & WAIT) != 0
        if waiting[0]:
            stop = int(np.argmin(waiting))  # the first session that did not wait (0: it waited to the end)
            filled.iloc[number] = index[own[stop]] if not waiting[stop] else pd.NaT
    return filled


def _orders_by_fill(plan: pd.DataFrame, simulation: Simulation, index: pd.DatetimeIndex, columns) -> pd.DataFrame:
    """The plan grouped by (asset, filled session, side): the events each order acts on."""
    filled = plan.assign(filled_session=_filled_sessions(plan, simulation, index, columns))
    grouped = filled.dropna(subset=["filled_session"]).groupby(["asset", "filled_session", "side"], sort=False)
    return grouped.agg(event_ids=("event_ids", ";".join), event_session=("event_session", "min")).reset_index()


def _stop_reason(signals: StrategySignals, close: np.ndarray, record) -> str:
    """Which of vectorbt's stops closed a trade, by its own test at the exit close.

    vectorbt checks the stop-loss (fixed or trailing) before the take-profit; a trailing stop trails
    the best close from the entry to the session before the exit.
    """
    column, entry, exit_ = record["col"], record["entry_idx"], record["exit_idx"]
    long = record["direction"] == 0
    stop_loss = _per_column(signals.sl_stop, column)
    if stop_loss is not None:
        trailing = bool(_per_column(signals.sl_trail, column))
        held = close[entry:exit_, column]
        reference = (held.max() if long else held.min()) if trailing else close[entry, column]
        price = close[exit_, column]
        if price <= reference * (1 - stop_loss) if long else price >= reference * (1 + stop_loss):
            return "trailing_stop" if trailing else "stop_loss"
    return "take_profit"


def _per_column(value, column: int):
    """A scalar setting, or the element of a per-column array (sweeps); None for unset (None or NaN)."""
    if value is None:
        return None
    value = np.asarray(value).reshape(-1)
    value = value[column if len(value) > 1 else 0].item()
    return None if isinstance(value, float) and np.isnan(value) else value


#: Columns of :attr:`BacktestResult.events`.
OUTCOME_COLUMNS = ["event_id", "asset", "event_session", "signal_session", "side", "outcome", "reason"]


def signal_outcomes(
    trades: pd.DataFrame, signals: StrategySignals, simulation: Simulation, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """What became of every event the template considered: one row per (event, asset).

    ``outcome`` is ``entered`` (it opened a trade, perhaps after waiting at a daily limit),
    ``renewed`` (it rolled an open position over), ``closed`` (it closed a position against it) or
    ``skipped``, with the ``reason``: the template's own (no price, netted out, shorts not allowed,
    ...), ``position open`` (a position in its direction was open), ``closed by a stop on that
    session``, ``replaced by an opposite signal while waiting at a daily limit`` or ``waited at a
    daily limit until the data ended``. Read from what the simulator marked on each signal's session.
    """
    from ._signal_nb import AGAINST, ENTRY, HELD, ROLL

    columns = [str(column) for column in simulation.portfolio.wrapper.columns]
    column_of = {name: number for number, name in enumerate(columns)}
    plan = signals.plan.assign(filled_session=_filled_sessions(signals.plan, simulation, index, columns))
    entered = set(zip(trades["asset"], trades["entry_session"], trades["side"]))
    rows = []
    for order, row in zip(plan.itertuples(), index.get_indexer(plan["entry_session"])):
        mark = simulation.marks[row, column_of[order.asset]] if simulation.marks is not None else ENTRY
        outcome, reason = "skipped", ""
        if mark & ROLL:
            outcome = "renewed"
        elif mark & HELD:
            reason = "position open"
        elif mark & AGAINST:
            outcome, reason = "closed", "closed the position against it"
        elif (order.asset, order.filled_session, order.side) in entered:
            outcome = "entered"
        elif pd.isna(order.filled_session):
            reason = "waited at a daily limit until the data ended"
        elif mark & ENTRY or order.filled_session != order.entry_session:
            reason = "replaced by an opposite signal while waiting at a daily limit"
        else:  # vectorbt's stop closed the position on this session before any signal was read
            reason = "closed by a stop on that session"
        for event_id in order.event_ids.split(";"):
            rows.append((event_id, order.asset, order.event_session, order.entry_session, order.side, outcome, reason))
    for row in signals.skipped.itertuples():
        rows.append((row.event_id, row.asset, row.event_session, pd.NaT, "", "skipped", row.reason))
    frame = pd.DataFrame(rows, columns=OUTCOME_COLUMNS).astype({"signal_session": "datetime64[ns]"})
    return frame.sort_values(["event_session", "asset", "event_id"], ignore_index=True)
