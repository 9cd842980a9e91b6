"""The signal function reelab hands to vectorbt's ``from_signals`` (its ``signal_func_nb`` hook).

vectorbt calls it once per column and session, before that session's order, with the column's
current position; reelab's event-window engine (:mod:`backtests.simulation._events_nb`) calls the same
function on the sessions of holding windows, so both engines follow one rule. The position is
what ties a time exit to the trade it closes: the function counts the asset's own sessions since
the position was opened, not since some event. It also applies the
A-share daily limits to every order it sends (an order at a locked close waits for the next
session that can fill it) and records what it did, so exit reasons are read, not guessed.

Imported only when a simulation runs (it needs numba, as vectorbt does).
"""

from __future__ import annotations

import numba
import numpy as np

#: Bits of the ``marks`` array, one cell per (session, column). What closed a position, on its exit session:
TIME_EXIT = 1  # its time stop
SIGNAL_EXIT = 2  # a template exit (momentum, window end, expiry)
OPPOSITE_EXIT = 16  # an entry signal against it
#: What happened to an entry signal, on its session (none of these: vectorbt's stop closed the position first):
ENTRY = 32  # flat: it sent the entry order
ROLL = 4  # in a position of its direction whose time exit was due: the position was rolled over
HELD = 64  # in a position of its direction: nothing to do
AGAINST = 128  # in a position against it: it closes the position (now, or once the close is not locked)
#: And on any session:
WAIT = 8  # an order waited because the close was locked at a daily limit

# Values of ``pending``: an entry waiting (long, short), or an exit waiting with the mark of its cause.
_LONG, _SHORT = 1, -1


@numba.njit(cache=True)
def event_window_signal_nb(
    c, long_entries, long_exits, short_entries, short_exits, time_stop, observed, buy_locked, sell_locked,
    price_col, signal_col, side, held, pending, deferred, marks,
):  # fmt: skip
    """Entries, template exits and time exits for one (session, column); see the module docstring.

    Per-column state: ``side`` of the position being tracked (0 flat), ``held`` own sessions since
    it was entered or rolled, ``pending`` an order waiting at a limit (1 buy, -1 sell short, or the
    mark of the exit that waits: a waiting exit keeps the cause it had when it was first due).
    ``deferred[0, col]`` / ``deferred[1, col]`` count the buys / sells that had to wait.
    ``observed`` and the locks are those of the prices column ``col`` trades: ``price_col[col]``
    (a sweep's combinations share one column of prices per asset), and the entries and exits those
    of its signal column ``signal_col[col]`` (combinations that differ only in stops share them).
    """
    i, col = c.i, c.col
    traded = price_col[col]
    own = signal_col[col]
    position = c.position_now
    if position == 0.0:
        if side[col] != 0:  # closed by the previous order (an exit or a stop): no exit is owed any more
            side[col] = 0
            pending[col] = 0
    else:
        sign = 1 if position > 0 else -1
        if side[col] != sign:  # opened (or reversed) by the previous order
            side[col] = sign
            held[col] = 0
            pending[col] = 0
    if not observed[i, traded]:
        return False, False, False, False  # the exchange is closed: nothing trades, no session counts

    long_entry = long_entries[i, own]
    short_entry = short_entries[i, own]
    if position == 0.0:
        want = _LONG if long_entry else _SHORT if short_entry else pending[col]
        if want in (_LONG, _SHORT):
            locked = buy_locked[i, traded] if want == _LONG else sell_locked[i, traded]
            if locked:
                if pending[col] != want:
                    deferred[0 if want == _LONG else 1, col] += 1
                pending[col] = want
                marks[i, col] |= WAIT
                return False, False, False, False
            pending[col] = 0
            marks[i, col] |= ENTRY
            return want == _LONG, False, want == _SHORT, False
        return False, False, False, False

    held[col] += 1
    due = time_stop[col] > 0 and held[col] >= time_stop[col]
    long_side = side[col] > 0
    if long_entry if long_side else short_entry:  # fresh news in the position's direction: hold it
        pending[col] = 0
        if due:  # ... and roll it over: its time exit now counts from this session
            held[col] = 0
            marks[i, col] |= ROLL
        else:
            marks[i, col] |= HELD
        return False, False, False, False
    against = short_entry if long_side else long_entry
    if against:
        marks[i, col] |= AGAINST
    cause = pending[col]
    if cause == 0:
        if against:
            # Closed, not reversed: with percent sizing vectorbt cannot reverse a position in one order.
            cause = OPPOSITE_EXIT
        elif due:
            cause = TIME_EXIT
        elif long_exits[i, own] if long_side else short_exits[i, own]:
            cause = SIGNAL_EXIT
        else:
            return False, False, False, False
    if sell_locked[i, traded] if long_side else buy_locked[i, traded]:  # closing means selling (long) or buying (short)
        if pending[col] == 0:
            deferred[1 if long_side else 0, col] += 1
        pending[col] = cause
        marks[i, col] |= WAIT
        return False, False, False, False
    pending[col] = 0
    marks[i, col] |= cause
    return False, long_side, False, not long_side


def state_arrays(shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Fresh per-column state and output arrays for one simulation of ``shape`` (sessions, columns)."""
    columns = shape[1]
    return {
        "side": np.zeros(columns, dtype=np.int64),
        "held": np.zeros(columns, dtype=np.int64),
        "pending": np.zeros(columns, dtype=np.int64),
        "deferred": np.zeros((2, columns), dtype=np.int64),
        "marks": np.zeros(shape, dtype=np.uint8, order="F"),  # column-major, like the signals
    }
