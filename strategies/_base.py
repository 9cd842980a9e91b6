"""What every template shares: the context it reads, the orders it returns, parameter checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from signals import Alignment, EventCalendar, EventType, SignalParams, build_signals
from signals.errors import ParameterError

__all__ = [
    "StrategyContext",
    "StrategySignals",
    "check_choice",
    "check_event_types",
    "check_fraction",
    "check_int",
    "check_tickers",
    "event_orders",
    "in_universe",
]


@dataclass
class StrategyContext:
    """The inputs a template reads: prices, universe, events aligned to each asset's sessions.

    ``close`` is sessions x assets (adjusted closes; NaN where an asset's exchange is closed).
    ``panel`` (built on first use) is the point-in-time signal panel on ``close``'s index.
    """

    calendar: EventCalendar
    universe: pd.DataFrame
    close: pd.DataFrame
    alignment: Alignment
    signal_params: SignalParams = field(default_factory=SignalParams)
    #: Memo of intermediate results shared by builds on this context (sweeps build many times).
    cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key: tuple, compute):
        """``compute()`` once per ``key`` on this context; callers must not mutate the result."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @cached_property
    def panel(self) -> pd.DataFrame:
        panel = build_signals(
            self.calendar, self.universe, self.close.index[-1], tickers=self.close.columns,
            start=self.close.index[0], params=self.signal_params,
        )  # fmt: skip
        return panel.reindex(self.close.index)

    def observed(self, asset: str) -> pd.DatetimeIndex:
        """The sessions on which ``asset`` has a price."""
        return self.close.index[self.close[asset].notna().to_numpy()]


@dataclass(frozen=True)
class StrategySignals:
    """vectorbt-ready orders of a template, aligned with the prices they trade.

    Signal style: boolean ``entries``/``exits`` (long) and ``short_entries``/``short_exits``.
    Target style (``target_weights`` set): a float frame of target portfolio weights, NaN where
    nothing is to be traded; the assets then share one pool of cash.
    ``close`` is what is traded (the input prices, or synthetic series such as option premiums);
    ``trades`` has one row per intended entry with the events behind it.
    """

    entries: pd.DataFrame
    exits: pd.DataFrame
    short_entries: pd.DataFrame
    short_exits: pd.DataFrame
    sl_stop: float | None
    tp_stop: float | None
    trades: pd.DataFrame
    sl_trail: bool = False
    close: pd.DataFrame | None = None
    target_weights: pd.DataFrame | None = None
    size: float = 1.0  # fraction of available cash per entry (signal style)
    cash_sharing: bool = False
    group_by: object = None  # column -> group label when assets share cash (signal style)


def empty_orders(close: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(False, index=close.index, columns=close.columns)


# ---- parameter checks: each names the parameter, echoes the value and states the valid range ----


def check_int(name: str, value, low: int, high: int, optional: bool = False) -> None:
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise ParameterError(name, value, f"{'None or ' if optional else ''}an integer in {low}..{high}")


def check_fraction(
    name: str, value, high: float = 1.0, optional: bool = True, low: float = 0.0, high_included: bool = False
) -> None:
    if optional and value is None:
        return
    inside = isinstance(value, int | float) and low < value and (value <= high if high_included else value < high)
    if isinstance(value, bool) or not inside:
        bracket = "]" if high_included else ")"
        raise ParameterError(name, value, f"{'None or ' if optional else ''}a number in ({low:g}, {high:g}{bracket}")


def check_choice(name: str, value, choices: Iterable) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise ParameterError(name, value, f"one of {', '.join(map(str, choices))}")


_TICKER = re.compile(r"[A-Z0-9][A-Z0-9.^-]*")


def check_tickers(name: str, value) -> tuple[str, ...]:
    """A non-empty tuple of ticker symbols (upper-case letters, digits, '.', '-', '^')."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # 600111 given as a number
    tickers = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list | tuple) else ()
    if not tickers:
        raise ParameterError(name, value, "a non-empty tuple of tickers like ('MP', 'LYC')")
    for ticker in tickers:
        if not isinstance(ticker, str) or not _TICKER.fullmatch(ticker):
            raise ParameterError(name, ticker, "ticker symbols like 'MP', '600111' or 'NEO.TO'")
    return tickers


def in_universe(name: str, tickers: Iterable[str], universe: pd.DataFrame) -> list[str]:
    """``tickers`` as a list, once each is known to be in ``universe``."""
    tickers = list(tickers)
    unknown = [ticker for ticker in tickers if ticker not in universe.index]
    if unknown:
        raise ParameterError(name, unknown[0], "tickers of the universe")
    return tickers


def check_event_types(name: str, value) -> tuple[str, ...]:
    types = (value,) if isinstance(value, str) else tuple(value)
    valid = [str(kind) for kind in EventType]
    for kind in types:
        if kind not in valid:
            raise ParameterError(name, kind, f"event types from: {', '.join(valid)}")
    if not types:
        raise ParameterError(name, value, "at least one event type")
    return tuple(str(kind) for kind in types)


# ---- event-driven orders shared by event_drift, relative_value and permit_fade ----


def event_orders(
    context: StrategyContext,
    plan: pd.DataFrame,
    horizon: int,
    allow_short: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Entries at each planned (asset, session, side) and a time exit ``horizon`` own sessions later.

    ``plan`` has columns ``asset, session, sign, event_id``: ``sign`` > 0 long, < 0 short; rows of one
    asset and session net out. Entries go to the first session with a price on or after ``session``.
    """
    close = context.close
    flags = {name: np.zeros(close.shape, dtype=bool) for name in ("entries", "exits", "short_entries", "short_exits")}
    plan = plan[plan["asset"].isin(close.columns)]
    ids: dict[tuple, list[str]] = {}
    for asset, session, event_id in zip(plan["asset"], plan["session"], plan["event_id"]):
        ids.setdefault((asset, session), []).append(event_id)
    netted = plan.groupby(["asset", "session"], sort=True)["sign"].sum().reset_index()
    netted["event_ids"] = [";".join(ids[key]) for key in zip(netted["asset"], netted["session"])]
    netted = netted[(netted["sign"] > 0) | ((netted["sign"] < 0) & allow_short)]
    observed_rows = close.notna().to_numpy()
    planned = []
    for asset, events in netted.groupby("asset", sort=False):
        column = close.columns.get_loc(asset)
        rows = np.flatnonzero(observed_rows[:, column])
        positions = np.searchsorted(close.index[rows], events["session"].to_numpy(), side="left")
        inside = positions < len(rows)
        events, positions = events[inside], positions[inside]
        long = events["sign"].to_numpy() > 0
        entry_rows = rows[positions]
        has_exit = positions + horizon < len(rows)
        exit_rows = rows[np.minimum(positions + horizon, len(rows) - 1)]
        flags["entries"][entry_rows[long], column] = True
        flags["short_entries"][entry_rows[~long], column] = True
        flags["exits"][exit_rows[long & has_exit], column] = True
        flags["short_exits"][exit_rows[~long & has_exit], column] = True
        planned.append((asset, events, entry_rows, np.where(has_exit, exit_rows, -1), long))
    index = close.index
    trades = pd.DataFrame(
        {
            "asset": [asset for asset, events, *_ in planned for _ in range(len(events))],
            "event_ids": [event_ids for _, events, *_ in planned for event_ids in events["event_ids"]],
            "event_session": pd.DatetimeIndex(
                np.concatenate([events["session"].to_numpy() for _, events, *_ in planned])
            )
            if planned
            else pd.DatetimeIndex([]),
            "entry_session": index[np.concatenate([p[2] for p in planned])] if planned else pd.DatetimeIndex([]),
            "time_exit_session": _sessions_or_nat(index, np.concatenate([p[3] for p in planned]) if planned else []),
            "side": np.where(np.concatenate([p[4] for p in planned]), "long", "short") if planned else [],
        }
    )
    frames = [pd.DataFrame(flags[name], index=close.index, columns=close.columns, copy=False) for name in flags]
    return (*frames, trades)


def _sessions_or_nat(index: pd.DatetimeIndex, rows) -> pd.DatetimeIndex:
    rows = np.asarray(rows, dtype=np.int64)
    sessions = index[np.maximum(rows, 0)].to_numpy().copy() if len(rows) else np.array([], dtype="datetime64[ns]")
    sessions[rows < 0] = np.datetime64("NaT")
    return pd.DatetimeIndex(sessions)


def chosen_events(context: StrategyContext, types: Iterable[str], min_severity: int) -> pd.DataFrame:
    """Aligned (event, asset) rows of the given types and at least this severe."""
    table = context.alignment.table
    return table[table["type"].isin(list(types)) & (table["severity"] >= min_severity)]
