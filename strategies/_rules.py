"""Market rules of China's A-share market that change what a backtest can fill.

* **Daily price limits.** A main-board share may not trade more than ±10% from the previous close;
  ChiNext (``300``/``301``) and STAR (``688``) shares ±20%. Orders here fill at the close, so a
  session that *closes* at limit-up cannot fill a buy (no sellers at that price) and one that closes
  at limit-down cannot fill a sell. Such an order moves to the next session of that asset on which
  it can fill.
* **T+1.** Shares bought on a session can be sold on the next session at the earliest (and a short
  opened on a session is covered on the next one at the earliest): an exit on its entry session
  moves to the next session.

Both rules apply to assets whose exchange is ``XSHG`` (Shanghai and Shenzhen in exchange_calendars).
Stops that vectorbt triggers itself (stop-loss, take-profit) are not deferred: a known limitation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

__all__ = ["LIMIT_TOLERANCE", "apply_market_rules", "price_limit"]

#: Closes within this of the limit count as locked (prices are rounded to the fen).
LIMIT_TOLERANCE = 0.003


def price_limit(ticker: str) -> float:
    """The daily price limit of an A-share: 20% on ChiNext and STAR, else 10%."""
    return 0.20 if ticker.startswith(("300", "301", "688")) else 0.10


def _next_open(position: int, blocked: np.ndarray) -> int:
    """The first position at or after ``position`` that is not blocked (len(blocked) if none)."""
    while position < len(blocked) and blocked[position]:
        position += 1
    return position


def _apply(
    entries: np.ndarray, exits: np.ndarray, entry_blocked: np.ndarray, exit_blocked: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[int, int], dict[int, int], int]:
    """One asset, one side: defer locked entries, keep each trade's exit after its entry (T+1), defer locked exits.

    Returns the new flags, the moves of entries and of exits (old position -> new), and the T+1 count.
    """
    length = len(entries)
    entries, exits = entries.copy(), exits.copy()
    entry_moves: dict[int, int] = {}
    exit_moves: dict[int, int] = {}
    t1_moves = 0
    for position in np.flatnonzero(entries):
        target = _next_open(position, entry_blocked)
        if target == position:
            continue
        entry_moves[int(position)] = int(target)
        entries[position] = False
        if target < length:
            entries[target] = True
        # The exit meant for this trade would now come before (or with) the entry: move it after.
        pending = np.flatnonzero(exits[position:]) + position
        if len(pending) and pending[0] <= target:
            exits[pending[0]] = False
            if target + 1 < length:
                exits[target + 1] = True
                exit_moves[int(pending[0])] = target + 1
            t1_moves += 1
    moved = np.zeros_like(exits)
    for position in np.flatnonzero(exits):
        target = _next_open(position, exit_blocked)
        if target != position:
            original = next((old for old, new in exit_moves.items() if new == position), int(position))
            exit_moves[original] = int(target)
        if target < length:
            moved[target] = True
    return entries, moved, entry_moves, exit_moves, t1_moves


def apply_market_rules(signals, close: pd.DataFrame, universe: pd.DataFrame):
    """Apply A-share price limits and T+1 to ``signals``; return (signals, report).

    ``report`` has one row per A-share with the number of buys and sells deferred by a locked
    limit and of exits moved by T+1.
    """
    a_shares = [c for c in close.columns if c in universe.index and universe.at[c, "exchange"] == "XSHG"]
    if not a_shares or signals.target_weights is not None:
        return signals, pd.DataFrame(columns=["deferred_buys", "deferred_sells", "t1_moves"])
    frames = {name: getattr(signals, name).copy() for name in ("entries", "exits", "short_entries", "short_exits")}
    trades = signals.trades.copy()
    rows = {}
    for asset in a_shares:
        observed = close[asset].notna().to_numpy()
        prices = close[asset].to_numpy()[observed]
        change = np.concatenate([[0.0], prices[1:] / prices[:-1] - 1])
        limit = price_limit(asset) - LIMIT_TOLERANCE
        locked_up, locked_down = change >= limit, change <= -limit
        own = {name: frame[asset].to_numpy()[observed] for name, frame in frames.items()}
        sessions = close.index[observed]
        counts = {"deferred_buys": 0, "deferred_sells": 0, "t1_moves": 0}
        for side, entry, exit_, entry_locked, exit_locked in (
            ("long", "entries", "exits", locked_up, locked_down),
            ("short", "short_entries", "short_exits", locked_down, locked_up),
        ):
            own[entry], own[exit_], entry_moves, exit_moves, t1 = _apply(
                own[entry], own[exit_], entry_locked, exit_locked
            )
            counts["deferred_buys" if side == "long" else "deferred_sells"] += len(entry_moves)
            counts["deferred_sells" if side == "long" else "deferred_buys"] += len(exit_moves) - t1
            counts["t1_moves"] += t1
            _move_planned(trades, asset, side, "entry_session", entry_moves, sessions)
            _move_planned(trades, asset, side, "time_exit_session", exit_moves, sessions)
        for name, frame in frames.items():
            column = frame[asset].to_numpy().copy()
            column[observed] = own[name]
            frame[asset] = column
        rows[asset] = counts
    report = pd.DataFrame.from_dict(rows, orient="index")
    return dataclasses.replace(signals, **frames, trades=trades), report


def _move_planned(trades: pd.DataFrame, asset: str, side: str, column: str, moves: dict, sessions) -> None:
    """Keep the planned-trades table in step with moved orders."""
    if not moves or trades.empty:
        return
    mine = (trades["asset"] == asset) & (trades["side"] == side)
    for old, new in moves.items():
        hit = mine & (trades[column] == sessions[old])
        trades.loc[hit, column] = sessions[new] if new < len(sessions) else pd.NaT
