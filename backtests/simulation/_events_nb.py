"""reelab's event-window engine: vectorbt's signal simulation, walking only the sessions that matter.

A policy-event strategy is sparse: a column holds a position for a few sessions after each of a
few dozen events. vectorbt's ``simulate_from_signal_func_nb`` visits every (session, column) cell
and calls the signal function on each. This kernel runs the same simulation, with the same
arithmetic (vectorbt's own ``process_order_nb``, stop tests and signal resolution) and reelab's
signal function (:func:`backtests.simulation._signal_nb.event_window_signal_nb`) called directly, but while a
cash group holds nothing and has no order waiting it jumps to the group's next entry signal on a
session its exchange trades: on those sessions nothing can change (no position to value or stop
out, no signal to act on). Inside a holding window it visits every session, as vectorbt does.

It covers what :func:`backtests.simulation._vbt.simulate` asks of vectorbt for signal-style templates:
orders at the close with slippage and fees, percent sizing, long and short, stop-loss, trailing
stop and take-profit tested at the close, the time stop and template exits, the A-share locks,
and per-column or per-group cash. The order records it returns are vectorbt's (``order_dt``), in
vectorbt's order; a test checks them against vectorbt's field for field.

Compiled with ``cache=True`` and taking no function arguments, so numba keeps it on disk. Wide
simulations (sweeps) run their cash groups on numba's threads; a single run stays on one thread
and never compiles the threaded kernel.
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

#: Simulations with at least this many cash groups run them on numba's threads.
PARALLEL_GROUPS = 2048

# The choices backtests.simulation._vbt.simulate passes to vectorbt for signal-style templates.
_ACCUMULATE = AccumulationMode.Disabled
_LONG_CONFLICT = ConflictMode.Exit
_SHORT_CONFLICT = ConflictMode.Exit
_DIR_CONFLICT = DirectionConflictMode.Ignore
_OPPOSITE_ENTRY = OppositeEntryMode.Close
_STOP_EXIT = StopExitMode.Close


@numba.njit(cache=True)
def _count_entries(long_entries, short_entries, observed, price_col, signal_col, col):
    """How many entry signals pair ``col`` (a signal column, a price column) has on sessions its
    prices trade (branch-free)."""
    traded = price_col[col]
    own = signal_col[col]
    count = 0
    for i in range(long_entries.shape[0]):
        count += (long_entries[i, own] | short_entries[i, own]) & observed[i, traded]
    return count


@numba.njit(cache=True)
def _fill_entries(long_entries, short_entries, observed, price_col, signal_col, col, rows, start, stop):
    """Write pair ``col``'s entry rows into ``rows[start:stop]``."""
    traded = price_col[col]
    own = signal_col[col]
    k = start
    for i in range(long_entries.shape[0]):
        if k == stop:
            break
        if (long_entries[i, own] | short_entries[i, own]) & observed[i, traded]:
            rows[k] = i
            k += 1


@numba.njit(cache=True)
def entry_rows_nb(long_entries, short_entries, observed, price_col, signal_col):
    """Each pair's entry signals (pair k: signal column ``signal_col[k]`` on price column
    ``price_col[k]``) on sessions its prices trade, as sorted rows: (starts, rows), CSR-style.

    Two passes down each column (column-major arrays: contiguous): a count, then the rows.
    """
    n_pairs = len(price_col)
    starts = np.zeros(n_pairs + 1, dtype=np.int64)
    for col in range(n_pairs):
        starts[col + 1] = starts[col] + _count_entries(long_entries, short_entries, observed, price_col, signal_col,
                                                       col)  # fmt: skip
    rows = np.empty(starts[n_pairs], dtype=np.int64)
    for col in range(n_pairs):
        _fill_entries(long_entries, short_entries, observed, price_col, signal_col, col, rows, starts[col],
                      starts[col + 1])  # fmt: skip
    return starts, rows


@numba.njit(cache=True)
def _next_entry(starts, rows, pair, cursor, first_col, last_col, start, n_rows):
    """The first entry row at or after ``start`` of any column of the group (``cursor``: each column's
    place in the entry rows of its ``pair``)."""
    nearest = n_rows
    for col in range(first_col, last_col):
        k = cursor[col]
        while k < starts[pair[col] + 1] and rows[k] < start:
            k += 1
        cursor[col] = k
        if k < starts[pair[col] + 1] and rows[k] < nearest:
            nearest = rows[k]
    return nearest


@numba.njit(cache=True)
def _simulate_group(
    group, first_col, last_col, close, long_entries, long_exits, short_entries, short_exits, time_stop, observed,
    buy_locked, sell_locked, price_col, signal_col, init_cash, size, sl_stop, sl_trail, tp_stop, fees, slippage,
    marks, starts, rows, pair, cursor, records, state, stops, trail, orders, kinds, side, held, pending, deferred,
):  # fmt: skip
    """Simulate one cash group (columns ``first_col:last_col``) into ``records``; return how many it filled.

    Per-column state lives in the rows of ``state`` (position, debt, valuation price), ``stops``
    (stop-loss price and fraction, take-profit price and fraction), ``orders`` (price, size,
    slippage), ``kinds`` (size type, direction), ``cursor`` (each column's place in its entry rows)
    and the signal function's arrays.
    """
    n_rows = long_entries.shape[0]
    logs = np.empty(0, dtype=log_dt)
    position, debt, val_price = state[0], state[1], state[2]
    sl_price, sl_current, tp_price, tp_current = stops[0], stops[1], stops[2], stops[3]
    order_price, order_size, order_slippage = orders[0], orders[1], orders[2]
    order_size_type, order_direction = kinds[0], kinds[1]
    oidx = 0
    cash_sharing = last_col - first_col > 1
    cash = init_cash[group]
    free_cash = cash
    i = _next_entry(starts, rows, pair, cursor, first_col, last_col, 0, n_rows)
    while i < n_rows:
        for col in range(first_col, last_col):  # the order price and valuation price: the close
            order_price[col] = close[i, price_col[col]]
            if not np.isnan(order_price[col]):
                val_price[col] = order_price[col]

        for col in range(first_col, last_col):  # each column's signal, as vectorbt resolves it
            position_now = position[col]
            price = order_price[col]
            order_slippage[col] = slippage[col]
            stop_price = np.nan
            if not np.isnan(sl_current[col]) or not np.isnan(tp_current[col]):
                now = close[i, price_col[col]]  # no open, high or low: every stop is tested at the close
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
                price = close[i, price_col[col]]
            else:
                context = SignalContext(i=i, col=col, position_now=position_now, val_price_now=val_price[col],
                                        flex_2d=True)  # fmt: skip
                long_entry, long_exit, short_entry, short_exit = event_window_signal_nb(
                    context, long_entries, long_exits, short_entries, short_exits, time_stop, observed,
                    buy_locked, sell_locked, price_col, signal_col, side, held, pending, deferred, marks,
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
                    sl_price[col] = tp_price[col] = close[i, price_col[col]]  # stops count from the entry close
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
        i = i + 1 if busy else _next_entry(starts, rows, pair, cursor, first_col, last_col, i + 1, n_rows)
    return oidx


@numba.njit(cache=True)
def serial_groups_nb(
    first, room, filled, close, long_entries, long_exits, short_entries, short_exits, time_stop, observed,
    buy_locked, sell_locked, price_col, signal_col, init_cash, size, sl_stop, sl_trail, tp_stop, fees, slippage,
    marks, starts, rows, pair, cursor, records, state, stops, trail, orders, kinds, side, held, pending, deferred,
):  # fmt: skip
    """Every cash group, one after the other (see :func:`simulate_events`)."""
    for group in range(len(filled)):
        filled[group] = _simulate_group(
            group, first[group], first[group + 1], close, long_entries, long_exits, short_entries, short_exits,
            time_stop, observed, buy_locked, sell_locked, price_col, signal_col, init_cash, size, sl_stop, sl_trail,
            tp_stop, fees, slippage, marks, starts, rows, pair, cursor, records[room[group] : room[group + 1]], state,
            stops, trail,
            orders, kinds, side, held, pending, deferred,
        )  # fmt: skip


@numba.njit(cache=True, parallel=True)
def parallel_groups_nb(
    first, room, filled, close, long_entries, long_exits, short_entries, short_exits, time_stop, observed,
    buy_locked, sell_locked, price_col, signal_col, init_cash, size, sl_stop, sl_trail, tp_stop, fees, slippage,
    marks, starts, rows, pair, cursor, records, state, stops, trail, orders, kinds, side, held, pending, deferred,
):  # fmt: skip
    """Every cash group, on numba's threads (groups are independent); otherwise :func:`serial_groups_nb`."""
    for group in numba.prange(len(filled)):
        filled[group] = _simulate_group(
            group, first[group], first[group + 1], close, long_entries, long_exits, short_entries, short_exits,
            time_stop, observed, buy_locked, sell_locked, price_col, signal_col, init_cash, size, sl_stop, sl_trail,
            tp_stop, fees, slippage, marks, starts, rows, pair, cursor, records[room[group] : room[group + 1]], state,
            stops, trail,
            orders, kinds, side, held, pending, deferred,
        )  # fmt: skip


def simulate_events(
    close, long_entries, long_exits, short_entries, short_exits, time_stop, observed, buy_locked, sell_locked,
    price_col, signal_col, group_lens, init_cash, size, sl_stop, sl_trail, tp_stop, fees, slippage, marks,
    parallel=None,
):  # fmt: skip
    """Order records, and the signal function's ``deferred`` counts, of one simulation.

    ``close`` (sessions x price columns, forward-filled) is the order and valuation price, and
    ``observed`` and the locks belong to it; order column ``col`` trades price column
    ``price_col[col]`` on the entries and exits of signal column ``signal_col[col]`` (sessions x
    signal columns: a sweep's combinations that differ only in stops share them). ``time_stop``,
    ``group_lens`` and ``init_cash`` (one per cash group: all ones and one per column without cash
    sharing), ``size`` (fraction of cash), ``sl_stop``, ``sl_trail``, ``tp_stop`` (NaN: none), ``fees``
    and ``slippage`` are per order column. ``marks`` (sessions x order columns, zeros) receives the
    signal function's marks.

    Entry rows are found once per distinct (signal column, price column) pair. Each cash group fills
    its own stretch of the records (room for two orders per entry signal: each opens at most one
    position, closed at most once); the stretches are joined in group order and numbered, as
    vectorbt numbers its records. With ``parallel`` (default: from :data:`PARALLEL_GROUPS` groups)
    they run on numba's threads, a second kernel compiled on first use.
    """
    n_cols = len(price_col)
    if parallel is None:
        parallel = len(group_lens) >= PARALLEL_GROUPS
    pairs, pair = np.unique(np.stack([signal_col, price_col]), axis=1, return_inverse=True)
    pair = pair.reshape(-1).astype(np.int64)
    starts, rows = entry_rows_nb(long_entries, short_entries, observed, np.ascontiguousarray(pairs[1]),
                                 np.ascontiguousarray(pairs[0]))  # fmt: skip
    counts = np.diff(starts)[pair]  # entry signals of each order column
    first = np.concatenate([[0], np.cumsum(group_lens)]).astype(np.int64)
    room = np.concatenate([[0], np.cumsum(2 * np.add.reduceat(counts, first[:-1]) if n_cols else [])]).astype(np.int64)
    records = np.empty(room[-1], dtype=order_dt)
    filled = np.zeros(len(group_lens), dtype=np.int64)
    state = np.zeros((3, n_cols))  # position, debt, valuation price
    state[2] = np.nan
    deferred = np.zeros((2, n_cols), dtype=np.int64)
    run = parallel_groups_nb if parallel else serial_groups_nb
    run(
        first, room, filled, close, long_entries, long_exits, short_entries, short_exits, time_stop, observed,
        buy_locked, sell_locked, price_col, signal_col, init_cash, size, sl_stop, sl_trail, tp_stop, fees, slippage,
        marks, starts, rows, pair, starts[pair].copy(), records, state, np.full((4, n_cols), np.nan),
        np.zeros(n_cols, dtype=bool), np.zeros((3, n_cols)), np.zeros((2, n_cols), dtype=np.int64),
        np.zeros(n_cols, dtype=np.int64), np.zeros(n_cols, dtype=np.int64), np.zeros(n_cols, dtype=np.int64), deferred,
    )  # fmt: skip
    used = np.arange(room[-1]) - np.repeat(room[:-1], np.diff(room)) < np.repeat(filled, np.diff(room))
    orders = records[used]
    orders["id"] = np.arange(len(orders))
    return orders, deferred
