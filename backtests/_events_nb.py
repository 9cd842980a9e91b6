"""reelab's event-window engine: vectorbt's signal simulation, walking only the sessions that matter.

A policy-event strategy is sparse: a column holds a position for a few sessions after each of a
few dozen events. vectorbt's ``simulate_from_signal_func_nb`` visits every (session, column) cell
and calls the signal function on each. This kernel runs the same simulation, with the same
arithmetic (vectorbt's own ``process_order_nb``, stop tests and signal resolution) and reelab's
signal function (:func:`backtests._signal_nb.event_window_signal_nb`) called directly, but while a
cash group holds nothing and has no order waiting it jumps to the group's next entry signal on a
session its exchange trades: on those sessions nothing can change (no position to value or stop
out, no signal to act on). Inside a holding window it visits every session, as vectorbt does.

It covers what :func:`backtests._vbt.simulate` asks of vectorbt for signal-style templates:
orders at the close with slippage and fees, percent sizing, long and short, stop-loss, trailing
stop and take-profit tested at the close, the time stop and template exits, the A-share locks,
and per-column or per-group cash. The order records it returns are vectorbt's (``order_dt``), in
vectorbt's order; a test checks them against vectorbt's field for field.

Compiled with ``cache=True`` and taking no function arguments, so numba keeps it on disk.
"""

from __future__ import annotations

import numba
import numpy as np
from vectorbt.portfolio import nb as vbt_nb
from vectorbt.portfolio.enums import (
    AccumulationMode,
    ConflictMode,
    Direction,
    DirectionConflictMode,
    OppositeEntryMode,
    OrderStatus,
    ProcessOrderState,
    SignalContext,
    SizeType,
    StopExitMode,
    log_dt,
    order_dt,
)

from ._signal_nb import event_window_signal_nb

# The choices backtests._vbt.simulate passes to vectorbt for signal-style templates.
_ACCUMULATE = AccumulationMode.Disabled
_LONG_CONFLICT = ConflictMode.Exit
_SHORT_CONFLICT = ConflictMode.Exit
_DIR_CONFLICT = DirectionConflictMode.Ignore
_OPPOSITE_ENTRY = OppositeEntryMode.Close
_STOP_EXIT = StopExitMode.Close


@numba.njit(cache=True)
def _next_entry(long_entries, short_entries, observed, first_col, last_col, start):
    """The first row from ``start`` where a column of the group has an entry on a traded session."""
    n_rows = long_entries.shape[0]
    if last_col - first_col == 1:  # one column: walk it down (column-major arrays: contiguous)
        for i in range(start, n_rows):
            if (long_entries[i, first_col] or short_entries[i, first_col]) and observed[i, first_col]:
                return i
        return n_rows
    for i in range(start, n_rows):
        for col in range(first_col, last_col):
            if (long_entries[i, col] or short_entries[i, col]) and observed[i, col]:
                return i
    return n_rows


@numba.njit(cache=True)
def _capacity(long_entries, short_entries, observed):
    """An upper bound on the orders: each entry signal opens at most one position, closed at most once."""
    count = 0
    n_rows, n_cols = long_entries.shape
    for col in range(n_cols):
        for i in range(n_rows):
            if (long_entries[i, col] or short_entries[i, col]) and observed[i, col]:
                count += 1
    return 2 * count


@numba.njit(cache=True)
def simulate_events_nb(
    close, long_entries, long_exits, short_entries, short_exits, time_stop, observed, buy_locked, sell_locked,
    group_lens, init_cash, size, sl_stop, sl_trail, tp_stop, fees, slippage, marks,
):  # fmt: skip
    """Order records, and the signal function's ``deferred`` counts, of one simulation.

    ``close`` (sessions x columns, forward-filled) is the order and valuation price; the boolean
    frames and ``time_stop`` are those of the signal function; ``group_lens`` and ``init_cash``
    (one per cash group: all ones and one per column without cash sharing), ``size`` (fraction of
    cash), ``sl_stop``, ``sl_trail``, ``tp_stop`` (NaN: none), ``fees`` and ``slippage`` are per
    column. ``marks`` (sessions x columns, zeros) receives the signal function's marks.
    """
    n_rows, n_cols = close.shape
    records = np.empty(_capacity(long_entries, short_entries, observed), dtype=order_dt)
    logs = np.empty(0, dtype=log_dt)
    side = np.zeros(n_cols, dtype=np.int64)
    held = np.zeros(n_cols, dtype=np.int64)
    pending = np.zeros(n_cols, dtype=np.int64)
    deferred = np.zeros((2, n_cols), dtype=np.int64)

    position = np.zeros(n_cols)
    debt = np.zeros(n_cols)
    val_price = np.full(n_cols, np.nan)
    sl_price = np.full(n_cols, np.nan)
    sl_current = np.full(n_cols, np.nan)
    trail = np.zeros(n_cols, dtype=np.bool_)
    tp_price = np.full(n_cols, np.nan)
    tp_current = np.full(n_cols, np.nan)
    order_price = np.empty(n_cols)
    order_size = np.empty(n_cols)
    order_size_type = np.empty(n_cols, dtype=np.int64)
    order_direction = np.empty(n_cols, dtype=np.int64)
    order_slippage = np.empty(n_cols)
    oidx = 0

    first_col = 0
    for group in range(len(group_lens)):
        last_col = first_col + group_lens[group]
        cash_sharing = group_lens[group] > 1
        cash = init_cash[group]
        free_cash = cash
        i = _next_entry(long_entries, short_entries, observed, first_col, last_col, 0)
        while i < n_rows:
            for col in range(first_col, last_col):  # the order price and valuation price: the close
                order_price[col] = close[i, col]
                if not np.isnan(close[i, col]):
                    val_price[col] = close[i, col]

            for col in range(first_col, last_col):  # each column's signal, as vectorbt resolves it
                position_now = position[col]
                price = order_price[col]
                order_slippage[col] = slippage[col]
                stop_price = np.nan
                if not np.isnan(sl_current[col]) or not np.isnan(tp_current[col]):
                    now = close[i, col]  # no open, high or low: every stop is tested at the close
                    if not np.isnan(sl_current[col]):
                        stop_price = vbt_nb.get_stop_price_nb(
                            position_now, sl_price[col], sl_current[col], now, now, now, True
                        )
                    if np.isnan(stop_price) and not np.isnan(tp_current[col]):
                        stop_price = vbt_nb.get_stop_price_nb(
                            position_now, tp_price[col], tp_current[col], now, now, now, False
                        )
                    higher = position_now > 0 and now > sl_price[col]  # a new best close for a long
                    lower = position_now < 0 and now < sl_price[col]  # ... or for a short: the stop trails it
                    if not np.isnan(sl_current[col]) and trail[col] and (higher or lower):
                        sl_price[col] = now
                accumulate = _ACCUMULATE
                if not np.isnan(stop_price):  # a stop comes first: the signal function is not called
                    long_entry, long_exit, short_entry, short_exit, accumulate = vbt_nb.generate_stop_signal_nb(
                        position_now, _STOP_EXIT, accumulate
                    )
                    price = close[i, col]
                else:
                    context = SignalContext(i=i, col=col, position_now=position_now, val_price_now=val_price[col],
                                            flex_2d=True)  # fmt: skip
                    long_entry, long_exit, short_entry, short_exit = event_window_signal_nb(
                        context, long_entries, long_exits, short_entries, short_exits, time_stop, observed,
                        buy_locked, sell_locked, side, held, pending, deferred, marks,
                    )  # fmt: skip
                    if long_entry or short_entry:
                        long_entry, long_exit = vbt_nb.resolve_signal_conflict_nb(
                            position_now, long_entry, long_exit, Direction.LongOnly, _LONG_CONFLICT
                        )
                        short_entry, short_exit = vbt_nb.resolve_signal_conflict_nb(
                            position_now, short_entry, short_exit, Direction.ShortOnly, _SHORT_CONFLICT
                        )
                        long_entry, short_entry = vbt_nb.resolve_dir_conflict_nb(
                            position_now, long_entry, short_entry, _DIR_CONFLICT
                        )
                        long_entry, long_exit, short_entry, short_exit, accumulate = vbt_nb.resolve_opposite_entry_nb(
                            position_now, long_entry, long_exit, short_entry, short_exit, _OPPOSITE_ENTRY, accumulate
                        )
                amount, amount_type, direction = vbt_nb.signals_to_size_nb(
                    position_now, long_entry, long_exit, short_entry, short_exit, size[col], SizeType.Percent,
                    accumulate, val_price[col],
                )  # fmt: skip
                order_price[col] = price
                order_size[col] = amount
                order_size_type[col] = amount_type
                order_direction[col] = direction

            value = cash
            if cash_sharing:
                for col in range(first_col, last_col):
                    if position[col] != 0:
                        value += position[col] * val_price[col]
            for col in range(first_col, last_col):  # orders in column order (vectorbt's default call sequence)
                if not cash_sharing:
                    value = cash
                    if position[col] != 0:
                        value += position[col] * val_price[col]
                amount = order_size[col]
                if amount == 0:
                    continue
                if order_direction[col] == Direction.ShortOnly:
                    amount = -amount
                order = vbt_nb.order_nb(
                    size=amount, price=order_price[col], size_type=order_size_type[col],
                    direction=order_direction[col], fees=fees[col], slippage=order_slippage[col],
                )  # fmt: skip
                before = ProcessOrderState(
                    cash=cash, position=position[col], debt=debt[col], free_cash=free_cash, val_price=val_price[col],
                    value=value, oidx=oidx, lidx=0,
                )  # fmt: skip
                result, after = vbt_nb.process_order_nb(i, col, group, before, False, order, records, logs)
                cash, free_cash, value, oidx = after.cash, after.free_cash, after.value, after.oidx
                if result.status == OrderStatus.Filled:
                    if after.position == 0:  # closed: clear the stops
                        sl_price[col] = tp_price[col] = np.nan
                        sl_current[col] = tp_current[col] = np.nan
                        trail[col] = False
                    elif before.position == 0 or np.sign(after.position) != np.sign(before.position):
                        sl_price[col] = tp_price[col] = close[i, col]  # stops count from the entry close
                        sl_current[col] = sl_stop[col]
                        trail[col] = sl_trail[col]
                        tp_current[col] = tp_stop[col]
                position[col] = after.position
                debt[col] = after.debt
                if not np.isnan(after.val_price):
                    val_price[col] = after.val_price

            busy = False  # holding, or an order waiting at a daily limit: every session counts
            for col in range(first_col, last_col):
                if position[col] != 0 or pending[col] != 0:
                    busy = True
            i = i + 1 if busy else _next_entry(long_entries, short_entries, observed, first_col, last_col, i + 1)
        first_col = last_col
    return records[:oidx].copy(), deferred
